/**
 * ARRIVE's half of the pipeline. A call lists every open trip; users think in trips, so the
 * item is one trip (one customer arriving) carrying the call's envelope. What counts as new
 * depends on the emit mode; the per-trip state behind it lives in the node's memory.
 */
import type { IDataObject } from 'n8n-workflow';

import { refuse } from '../common/answers';
import { bodyFingerprint, normaliseId } from '../common/fingerprint';
import { ownField } from '../common/json';
import type { MemorySlot } from '../common/memory/node-memory';
import type { MemoryLimits } from '../common/memory/table';
import {
	type Emission,
	possibleRepeat,
	type Receiver,
	type RepeatPolicy,
	type Selection,
} from '../common/pipeline';
import type { ParseResult } from '../common/validation';
import { ACK_TOKENS_PER_TRIP, type EmitMode, REDELIVERY_MEMORY, statusCategory } from './catalogue';
import { type ArriveCall, type ArriveTrip, parseArriveCall } from './schema';

type ArriveEnvironmentFilter = 'both' | 'production' | 'sandbox';
type OutputMode = 'perTrip' | 'perCall';

export interface ArriveSettings {
	emit: EmitMode;
	/** Status categories wanted: 'in-transit', 'approaching', 'arrived', 'other'. */
	statuses: string[];
	environment: ArriveEnvironmentFilter;
	/** Empty: every site. */
	siteIds: string[];
	output: OutputMode;
	tripMemory: MemoryLimits;
}

type Trip = ArriveTrip;

/** A call as the pipeline carries it: the parsed call and the key of its exact bytes. */
export interface ReceivedCall extends ArriveCall {
	fingerprint: string;
}

/** What is remembered per trip between calls. */
interface TripState {
	status: string;
	ackTokens: string[];
}

type ArriveLayout = { acceptedCalls: MemoryLimits; trips: MemoryLimits };

/**
 * ARRIVE's id of the trip; a trip without track tokens is keyed by customer and site. Ids are
 * normalised (see normaliseId): the same UUID in another case is the same trip.
 */
function tripKey(trip: Trip['parsed']): string {
	const destId = trip.track_tokens?.[0]?.dest_id;
	return destId
		? `trip:${normaliseId(destId)}`
		: `tid:${normaliseId(String(trip.tid))}@${trip.site_csin}`;
}

/**
 * The ack token as the node compares it. An empty or blank token is no token: counting it as
 * one would report a new approach that ARRIVE never signalled.
 */
function ackTokenOf(trip: Trip['parsed']): string | undefined {
	const token = trip.ack?.token;
	if (token === undefined || token === null) return undefined;
	const normalised = normaliseId(String(token));
	return normalised === '' ? undefined : normalised;
}

function numberOrNull(value: unknown): number | null {
	if (typeof value !== 'number' && typeof value !== 'string') return null;
	if (value === '') return null;
	const number = Number(value);
	return Number.isFinite(number) ? number : null;
}

/** A text field; anything but a string or number (a warning names it) reads null. */
function textOrNull(value: unknown): string | null {
	if (typeof value === 'number') return String(value);
	if (typeof value !== 'string' || value === '') return null;
	return value;
}

/** Flat, clearly named fields: a no-code user maps `customerPhone`, not `customer.sms_number`. */
function toTripFields(
	trip: Trip,
	why: { previousStatus: string | null; isNewAckToken: boolean },
	warnings: readonly string[] = trip.warnings,
): IDataObject {
	const { parsed, raw } = trip;
	const tokens = ownField(raw, 'track_tokens');
	const firstToken = Array.isArray(tokens) ? tokens[0] : undefined;
	const customer = ownField(raw, 'customer');
	const vehicle = ownField(customer, 'vehicle');
	const pickupWindow = ownField(firstToken, 'pickup_window');
	const fields: IDataObject = {
		tripId: textOrNull(parsed.track_tokens?.[0]?.dest_id),
		trackToken: textOrNull(ownField(firstToken, 'track_token')),
		tid: textOrNull(parsed.tid),
		status: parsed.status,
		previousStatus: why.previousStatus,
		isNewAckToken: why.isNewAckToken,
		ackToken: textOrNull(parsed.ack?.token),
		eta: numberOrNull(ownField(raw, 'eta')),
		distance: numberOrNull(ownField(raw, 'distance')),
		lat: numberOrNull(ownField(raw, 'lat')),
		lng: numberOrNull(ownField(raw, 'lng')),
		receivedAt: textOrNull(ownField(raw, 'received_at')),
		siteCsin: parsed.site_csin,
		zoneName: textOrNull(ownField(ownField(raw, 'arrived'), 'zone_name')),
		customerName: textOrNull(ownField(customer, 'name')),
		customerEmail: textOrNull(ownField(customer, 'email')),
		customerPhone: textOrNull(ownField(customer, 'sms_number')),
		vehicleLicenseNumber: textOrNull(ownField(vehicle, 'license_number')),
		vehicleMake: textOrNull(ownField(vehicle, 'make')),
		vehicleModel: textOrNull(ownField(vehicle, 'model')),
		pickupWindowStart: textOrNull(ownField(pickupWindow, 'start')),
		pickupWindowEnd: textOrNull(ownField(pickupWindow, 'end')),
		trackTokens: Array.isArray(tokens) ? (tokens as IDataObject[]) : [],
	};
	// Only present when something looked wrong, so a clean trip's item is unchanged.
	if (warnings.length > 0) fields.warnings = [...warnings];
	return fields;
}

function envelopeOf(call: ArriveCall): IDataObject {
	return {
		appId: call.appId as IDataObject[string],
		production: call.production,
		timestamp: call.timestamp as IDataObject[string],
		version: call.version as IDataObject[string],
	};
}

interface TripJudgement {
	emit: boolean;
	previousStatus: string | null;
	isNewAckToken: boolean;
	/** The trip's state after this call (undefined: nothing known, nothing to keep). */
	state?: TripState;
	/** Whether the state differs from what is stored. */
	changed: boolean;
	/** Set when the moment may have run before a restart: when it was first accepted. */
	repeatOf?: number;
}

/**
 * Whether a trip in a call is something to emit, and its state afterwards. A state in doubt
 * (written before a restart by a run that may have been cut short) is judged twice: as known,
 * and as if never seen. What only the second finds new is a possible repeat: emitted, marked
 * (or, with `skip`, taken as known). Either way the state is written again, and so settled.
 */
function judgeTrip(
	trip: Trip,
	slot: MemorySlot<TripState>,
	mode: EmitMode,
	repeats: RepeatPolicy,
): TripJudgement {
	const known = judgeAgainst(trip, slot.value, mode);
	if (slot.inDoubtSince === undefined) return known;
	const unseen = judgeAgainst(trip, undefined, mode);
	const doubtOnly = unseen.emit && !known.emit;
	if (!doubtOnly || repeats === 'skip') return { ...known, changed: true };
	return { ...unseen, state: known.state, changed: true, repeatOf: slot.inDoubtSince };
}

function judgeAgainst(trip: Trip, previous: TripState | undefined, mode: EmitMode): TripJudgement {
	const ackToken = ackTokenOf(trip.parsed);
	const isNewAckToken =
		ackToken !== undefined && !(previous?.ackTokens.includes(ackToken) ?? false);
	const statusChanged = previous?.status !== trip.parsed.status;
	const changed = isNewAckToken || statusChanged;
	const state = changed
		? {
				status: trip.parsed.status,
				ackTokens: [...(previous?.ackTokens ?? []), ...(isNewAckToken ? [ackToken] : [])].slice(
					-ACK_TOKENS_PER_TRIP,
				),
			}
		: previous;
	const emit =
		mode === 'everyUpdate' ||
		(mode === 'newArrival' && isNewAckToken) ||
		(mode === 'statusChange' && statusChanged);
	return { emit, previousStatus: previous?.status ?? null, isNewAckToken, state, changed };
}

export function arriveReceiver(
	settings: ArriveSettings,
): Receiver<ReceivedCall, Trip, ArriveLayout> {
	const sites = new Set(settings.siteIds);
	const wantsTrip = (trip: Trip) =>
		settings.statuses.includes(statusCategory(trip.parsed.status)) &&
		(sites.size === 0 || sites.has(trip.parsed.site_csin));
	const wantsEnvironment = (call: ArriveCall) =>
		settings.environment === 'both' || call.production === (settings.environment === 'production');

	return {
		memoryLayout: { acceptedCalls: REDELIVERY_MEMORY, trips: settings.tripMemory },

		parse(body, rawBody): ParseResult<ReceivedCall> {
			const parsed = parseArriveCall(body);
			if (!parsed.ok) return parsed;
			// The timestamp is unchanged on a retry, and so is the rest of a redelivered call: the
			// bytes as received identify it. Never re-serialised: a deeply nested field would overflow.
			return {
				ok: true,
				event: { ...parsed.event, fingerprint: bodyFingerprint(parsed.event.body, rawBody) },
			};
		},

		select(call): Selection<Trip> {
			if (call.event !== 'ad-estimates')
				return { ignored: 'filtered', detail: `event ${call.event} is not handled` };
			if (call.trips.length === 0) return { ignored: 'no-trips', detail: 'no open trips' };
			if (!wantsEnvironment(call)) {
				return {
					ignored: 'filtered',
					detail: `${call.production ? 'production' : 'sandbox'} calls are not selected`,
				};
			}
			const wanted = call.trips.filter(wantsTrip);
			if (wanted.length === 0)
				return { ignored: 'filtered', detail: 'no trip matches the status and site filters' };
			// A call is judged against the trip memory: more wanted trips than it holds would evict
			// trips of this very call, and every later call would find them "new" again.
			const trips = new Set(wanted.map((trip) => tripKey(trip.parsed))).size;
			if (trips > settings.tripMemory.maxEntries) {
				return {
					refused: refuse.tooManyTrips(
						'data.estimates',
						`${trips} trips to judge, more than the ${settings.tripMemory.maxEntries} this node remembers; raise Options → Trips to Remember`,
					),
				};
			}
			return { wanted };
		},

		// The timestamp is unchanged on a retry, and so is the rest of a redelivered call.
		deliveries: 'acceptedCalls',
		deliveryKey: (call) => call.fingerprint,
		describeDuplicate: () => 'this call was already received',
		// Every open trip comes again each second: a moment not yet saved at a crash would fire
		// again unmarked, so each accepted call is saved at once.
		resendsRegardless: true,

		emit(call, wanted, memory, _now, repeats): Emission {
			// One trip, one item: a trip listed again in the same call is judged once, as first listed.
			const byKey = new Map<string, { trip: Trip; repeats: number[] }>();
			for (const trip of wanted) {
				const key = tripKey(trip.parsed);
				const seen = byKey.get(key);
				if (seen) seen.repeats.push(trip.index);
				else byKey.set(key, { trip, repeats: [] });
			}

			const emitted: IDataObject[] = [];
			const states: Array<[MemorySlot<TripState>, TripState]> = [];
			let changed = false;
			for (const [key, { trip, repeats: listedAgain }] of byKey) {
				const slot = memory.slot<TripState>('trips', key);
				const judged = judgeTrip(trip, slot, settings.emit, repeats);
				if (judged.state) {
					states.push([slot, judged.state]);
					changed ||= judged.changed;
				}
				if (!judged.emit) continue;
				const warnings = [...call.warnings, ...trip.warnings];
				if (listedAgain.length > 0) {
					warnings.push(
						`data.estimates[${listedAgain.join('], data.estimates[')}]: the same trip again in this call; only data.estimates[${trip.index}] was used`,
					);
				}
				const fields = toTripFields(trip, judged, warnings);
				emitted.push(
					judged.repeatOf === undefined
						? fields
						: { ...fields, ...possibleRepeat(judged.repeatOf) },
				);
			}
			// Writing any state may evict the oldest trips; every trip of this call is then written
			// too (unchanged ones as they were), so none of them is the one evicted. A call with
			// nothing new writes nothing, evicts nothing and costs no save.
			if (changed) for (const [slot, state] of states) slot.set(state);
			if (emitted.length === 0) return { ignored: 'no-change', detail: 'no trip has anything new' };
			if (settings.output === 'perCall')
				return { items: [{ ...envelopeOf(call), tripCount: emitted.length, trips: emitted }] };
			return { items: emitted.map((fields) => ({ ...fields, ...envelopeOf(call) })) };
		},
	};
}
