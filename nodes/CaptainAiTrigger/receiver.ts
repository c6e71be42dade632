/** Captain.AI's half of the pipeline: which events the user wants, ordering, the items. */
import type { IDataObject } from 'n8n-workflow';

import { fingerprintValue } from '../common/fingerprint';
import { sameBytesKey } from '../common/invalid-deliveries';
import { isJsonObject } from '../common/json';
import type { MemoryLimits } from '../common/memory/table';
import { refuse } from '../common/answers';
import type { MemorySlot, NodeMemory } from '../common/memory/node-memory';
import {
	type Emission,
	possibleRepeat,
	type Receiver,
	type RepeatPolicy,
	type Selection,
} from '../common/pipeline';
import { isEventSelected } from './catalogue';
import {
	describeDriverUpdatesProblem,
	describeLocationDrops,
	DRIVER_ETA_EVENT,
	DRIVER_LOCATIONS_EVENT,
	type DriverLocation,
	type DriverUpdateSettings,
	type EtaState,
	etaMoved,
	etasOf,
	judgeLocation,
	latestLocations,
	type LocationDrop,
	type LocationVerdict,
	type LocationSettings,
	type LocationState,
	locationStateKey,
	needsLocationState,
} from './driver-updates';
import { type CaptainEvent, parseCaptainEvent } from './schema';

type CaptainEnvironmentFilter = 'any' | 'production' | 'nonProduction';
type CaptainOutput = 'simplified' | 'raw';

export interface CaptainSettings {
	events: string[];
	environment: CaptainEnvironmentFilter;
	/** Drop a status-like update older than one already emitted for the same entity. */
	dropOutOfOrder: boolean;
	output: CaptainOutput;
	memory: MemoryLimits;
	/** Fewer runs for driver locations and ETA updates (driver-updates.ts). */
	driverUpdates: DriverUpdateSettings;
}

/**
 * How far ahead of our clock a `created_at` may be and still be used as it is for ordering.
 * Beyond it the time is taken as now plus this allowance: an event dated 9999-12-31 would
 * otherwise make every genuine later event for its entity look older for as long as the
 * memory lasts. So one event can hold an entity back for at most this long.
 */
const FUTURE_ALLOWANCE_MS = 60_000;

/** The time an event is ordered by: `created_at`, but never later than now plus the allowance. */
function orderingTime(createdAtMs: number, now: number): number {
	// Unix seconds like 1e306 overflow to ±Infinity, which the saved memory cannot hold.
	if (!Number.isFinite(createdAtMs)) return createdAtMs > 0 ? now + FUTURE_ALLOWANCE_MS : 0;
	return Math.min(createdAtMs, now + FUTURE_ALLOWANCE_MS);
}

/**
 * The identity of a Captain.AI body across its retries, for the Invalid Deliveries output:
 * Captain counts the attempt and stamps the send time in `metadata`, so those two are left out.
 */
export function captainRetryKey(body: unknown, rawBody: Uint8Array | undefined): string {
	if (!isJsonObject(body) || !isJsonObject(body.metadata)) return sameBytesKey(body, rawBody);
	const metadata = { ...body.metadata };
	delete metadata.delivery_attempt;
	delete metadata.sent_at;
	return `v:${fingerprintValue({ ...body, metadata })}`;
}

type CaptainLayout = {
	acceptedEvents: MemoryLimits;
	latestPerEntity: MemoryLimits;
	/** Per driver (and place): LocationState. */
	driverLocations: MemoryLimits;
	/** Per driver: the ETAs last emitted (EtaState). */
	driverEtas: MemoryLimits;
};

function wantsEnvironment(environment: string, filter: CaptainEnvironmentFilter): boolean {
	if (filter === 'any') return true;
	const isProduction = environment === 'production';
	return filter === 'production' ? isProduction : !isProduction;
}

/** Envelope fields under names a no-code user can map. */
function envelopeOf(event: CaptainEvent, warnings: readonly string[]): IDataObject {
	const kind = event.kind;
	const envelope: IDataObject = {
		event: event.name,
		eventId: event.eventId,
		environment: event.environment,
		createdAt: event.createdAt,
		sentAt: event.sentAt as IDataObject[string],
		deliveryAttempt: event.deliveryAttempt,
	};
	if (kind?.entity) {
		envelope.entityType = kind.entity.type;
		envelope.entityId = event.entityId ?? null;
	}
	if (kind?.statusField) {
		const status = Object.prototype.hasOwnProperty.call(event.data, kind.statusField)
			? event.data[kind.statusField]
			: undefined;
		envelope.status = (status as IDataObject[string]) ?? null;
	}
	// Only present when something looked wrong, so a clean event's item is unchanged.
	if (warnings.length > 0) envelope.warnings = [...warnings];
	return envelope;
}

/** The envelope, then `data` fields at the top level. */
function toCaptainItem(
	event: CaptainEvent,
	output: CaptainOutput,
	warnings: readonly string[] = event.warnings,
): IDataObject {
	// Raw output is the body exactly as sent (less any `__proto__` key): no field is added to it.
	if (output === 'raw') return event.body as IDataObject;
	// The envelope names are camelCase and Captain's are snake_case; should one ever collide,
	// the envelope keeps its meaning and the raw output still has the original.
	return { ...(event.data as IDataObject), ...envelopeOf(event, warnings) };
}

/**
 * One driver of a locations report: the report's other `data` fields, the driver's own fields
 * and its latest location (as sent, and as numbers), about the driver. Raw output keeps
 * Captain's shape: the body with only this driver in `agent_locations`.
 */
function toDriverItem(
	event: CaptainEvent,
	driver: DriverLocation,
	distance: number | undefined,
	output: CaptainOutput,
	warnings: readonly string[],
): IDataObject {
	if (output === 'raw') {
		const data = { ...event.data, agent_locations: [driver.entry] };
		return { ...event.body, data } as IDataObject;
	}
	const reportFields = { ...event.data };
	delete reportFields.agent_locations;
	const driverFields = { ...driver.entry };
	delete driverFields.locations;
	return {
		...(reportFields as IDataObject),
		...(driverFields as IDataObject),
		location: driver.location as IDataObject,
		latitude: driver.latitude,
		longitude: driver.longitude,
		...(distance === undefined ? {} : { distanceMetres: distance }),
		...envelopeOf(event, warnings),
		entityType: 'driver',
		entityId: driver.driverId,
	};
}

export function captainReceiver(
	settings: CaptainSettings,
): Receiver<CaptainEvent, CaptainEvent, CaptainLayout> {
	return {
		memoryLayout: {
			acceptedEvents: settings.memory,
			latestPerEntity: settings.memory,
			driverLocations: settings.memory,
			driverEtas: settings.memory,
		},

		parse: parseCaptainEvent,

		select(event): Selection<CaptainEvent> {
			if (!isEventSelected(event.name, settings.events)) {
				return { ignored: 'filtered', detail: `event ${event.name} is not selected` };
			}
			if (!wantsEnvironment(event.environment, settings.environment)) {
				return { ignored: 'filtered', detail: `environment ${event.environment} is not selected` };
			}
			// A place no driver can be near would drop every report quietly: refuse (500, logged,
			// retried by Captain) until the setting is fixed.
			const problem = describeDriverUpdatesProblem(settings.driverUpdates);
			if (problem && isDriverUpdate(event.name, settings.driverUpdates))
				return { refused: refuse.misconfigured(`Driver Updates: ${problem}`) };
			return { wanted: [event] };
		},

		// event_uuid is the same on every retry of an event: it is the redelivery key.
		deliveries: 'acceptedEvents',
		deliveryKey: (event) => event.eventKey,
		describeDuplicate: (event) => `event ${event.eventId} was already received`,
		// Captain resends only what got no 2xx, with growing delays: saves stay coalesced.
		resendsRegardless: false,

		emit(event, _wanted, memory, now, repeats): Emission {
			const warnings = [...event.warnings];
			const group = event.kind?.orderingGroup;
			// Written only once the event is known to start a run: a drop writes nothing.
			let recordOrder = () => {};
			if (settings.dropOutOfOrder && group && event.entityKey) {
				const orderedAt = orderingTime(event.createdAtMs, now);
				if (orderedAt !== event.createdAtMs) {
					warnings.push(
						`created_at: later than now; ordered as if created at ${new Date(orderedAt).toISOString()}`,
					);
				}
				const latest = memory.slot<number>('latestPerEntity', `${group}:${event.entityKey}`);
				// Clamped again on the way out: a time saved before this guard existed must not block either.
				const latestAt = latest.value === undefined ? undefined : orderingTime(latest.value, now);
				if (latestAt !== undefined && orderedAt < latestAt) {
					return {
						ignored: 'out-of-order',
						detail: `a newer ${event.name} for ${event.entityId} was already received`,
					};
				}
				recordOrder = () => latest.set(orderedAt);
			}
			const { locations, etaMinChangeMinutes } = settings.driverUpdates;
			if (event.name === DRIVER_LOCATIONS_EVENT && locations) {
				return emitPerDriver(event, locations, memory, now, repeats, settings.output, warnings);
			}
			let repeatOf: number | undefined;
			if (event.name === DRIVER_ETA_EVENT && etaMinChangeMinutes > 0 && event.entityKey) {
				const last = memory.slot<EtaState>('driverEtas', event.entityKey);
				const etas = etasOf(event.data);
				if (!etaMoved(last.value, etas, etaMinChangeMinutes)) {
					// Compared with nothing, every update moved: only the doubt makes this one new.
					if (last.inDoubtSince === undefined || repeats === 'skip') {
						if (last.inDoubtSince !== undefined) last.set(last.value as EtaState); // settles it
						return {
							ignored: 'no-change',
							detail: `the ETAs of ${event.entityId} moved less than ${etaMinChangeMinutes} min`,
						};
					}
					repeatOf = last.inDoubtSince;
				}
				last.set(etas);
			}
			recordOrder();
			const item = toCaptainItem(event, settings.output, warnings);
			return { items: [repeatOf === undefined ? item : { ...item, ...possibleRepeat(repeatOf) }] };
		},
	};
}

/** Whether the Driver Updates settings act on this event at all. */
function isDriverUpdate(name: string, settings: DriverUpdateSettings): boolean {
	if (name === DRIVER_LOCATIONS_EVENT) return settings.locations !== undefined;
	return name === DRIVER_ETA_EVENT && settings.etaMinChangeMinutes > 0;
}

/**
 * A driver's location judged against its state. A state in doubt (written before a restart by a
 * run that may have been cut short: node-memory.ts) is judged as ARRIVE's trips are: as known,
 * and as if never seen; what only the second emits is a possible repeat, emitted and marked (or,
 * with `skip`, dropped). Either way the state is written again, and so settled.
 */
function judgeDriver(
	driver: DriverLocation,
	slot: MemorySlot<LocationState> | undefined,
	settings: LocationSettings,
	repeats: RepeatPolicy,
): { verdict: LocationVerdict; repeatOf?: number } {
	const known = judgeLocation(driver, slot?.value, settings);
	if (slot?.inDoubtSince === undefined) {
		if (known.next) slot?.set(known.next);
		return { verdict: known };
	}
	const unseen = judgeLocation(driver, undefined, settings);
	// An older location than the one in doubt is no repeat of it.
	const doubtOnly = unseen.emit && !known.emit && known.why !== 'older';
	const verdict = doubtOnly && repeats === 'runMarked' ? unseen : known;
	const next = verdict.next ?? slot.value;
	if (next) slot.set(next);
	return verdict === unseen ? { verdict, repeatOf: slot.inDoubtSince } : { verdict };
}

/** A locations report as one item per driver that has something to report. */
function emitPerDriver(
	event: CaptainEvent,
	settings: LocationSettings,
	memory: NodeMemory<CaptainLayout>,
	now: number,
	repeats: RepeatPolicy,
	output: CaptainOutput,
	warnings: readonly string[],
): Emission {
	const drivers = latestLocations(event.data, event.createdAtMs, now + FUTURE_ALLOWANCE_MS);
	const remembers = needsLocationState(settings);
	const items: IDataObject[] = [];
	const drops: LocationDrop[] = [];
	for (const driver of drivers) {
		const slot = remembers
			? memory.slot<LocationState>('driverLocations', locationStateKey(driver, settings))
			: undefined;
		const { verdict, repeatOf } = judgeDriver(driver, slot, settings, repeats);
		if (!verdict.emit) {
			drops.push(verdict.why);
			continue;
		}
		const item = toDriverItem(event, driver, verdict.distanceMetres, output, warnings);
		items.push(repeatOf === undefined ? item : { ...item, ...possibleRepeat(repeatOf) });
	}
	if (items.length === 0) {
		const nearby = drops.length > 0 && drops.every((why) => why === 'away');
		return {
			ignored: nearby ? 'filtered' : 'no-change',
			detail: describeLocationDrops(drops, settings),
		};
	}
	return { items };
}
