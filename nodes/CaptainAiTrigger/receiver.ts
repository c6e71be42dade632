/** Captain.AI's half of the pipeline: which events the user wants, dedupe, ordering, items. */
import type { IDataObject } from 'n8n-workflow';

import type { MemoryLimits } from '../common/dedupe';
import type { Emission, Receiver, Selection } from '../common/receive';
import { findCaptainEvent, isEventSelected } from './events';
import { type CaptainEvent, parseCaptainEvent } from './schema';

export type EnvironmentFilter = 'any' | 'production' | 'nonProduction';
export type CaptainOutput = 'simplified' | 'raw';

export interface CaptainSettings {
	events: string[];
	environment: EnvironmentFilter;
	/** Drop a status-like update older than one already emitted for the same entity. */
	dropOutOfOrder: boolean;
	output: CaptainOutput;
	memory: MemoryLimits;
}

/** Captain retries 15 times with exponential backoff; its horizon is not published. */
export const CAPTAIN_MEMORY_DEFAULTS = { hours: 72, maxEvents: 10000 };

type CaptainLayout = { acceptedEvents: MemoryLimits; latestPerEntity: MemoryLimits };

function wantsEnvironment(environment: string, filter: EnvironmentFilter): boolean {
	if (filter === 'any') return true;
	const isProduction = environment === 'production';
	return filter === 'production' ? isProduction : !isProduction;
}

/** Envelope fields under names a no-code user can map; `data` fields follow at the top level. */
export function toCaptainItem(event: CaptainEvent, output: CaptainOutput): IDataObject {
	if (output === 'raw') return event.body as IDataObject;
	const kind = findCaptainEvent(event.name);
	const envelope: IDataObject = {
		event: event.name,
		eventId: event.eventId,
		environment: event.environment,
		createdAt: event.createdAt,
		sentAt: event.sentAt,
		deliveryAttempt: event.deliveryAttempt,
	};
	if (kind?.entity) {
		envelope.entityType = kind.entity.type;
		envelope.entityId = event.entityId ?? null;
	}
	if (kind?.statusField) envelope.status = (event.data[kind.statusField] as string | undefined) ?? null;
	// The envelope names are camelCase and Captain's are snake_case; should one ever collide,
	// the envelope keeps its meaning and the raw output still has the original.
	return { ...(event.data as IDataObject), ...envelope };
}

export function captainReceiver(settings: CaptainSettings): Receiver<CaptainEvent, CaptainEvent, CaptainLayout> {
	return {
		memoryLayout: { acceptedEvents: settings.memory, latestPerEntity: settings.memory },

		parse: parseCaptainEvent,

		select(event): Selection<CaptainEvent> {
			if (!isEventSelected(event.name, settings.events)) {
				return { ignored: 'filtered', detail: `event ${event.name} is not selected` };
			}
			if (!wantsEnvironment(event.environment, settings.environment)) {
				return { ignored: 'filtered', detail: `environment ${event.environment} is not selected` };
			}
			return { wanted: [event] };
		},

		emit(event, _wanted, memory, now): Emission {
			// event_uuid is the same on every retry of an event: it is the redelivery key.
			const twin = memory.inFlight('acceptedEvents', event.eventId);
			if (twin) return { inFlight: twin };
			if (memory.table('acceptedEvents').has(event.eventId, now)) {
				return { ignored: 'duplicate', detail: `event ${event.eventId} was already received` };
			}
			const group = findCaptainEvent(event.name)?.orderingGroup;
			const orderingKey = settings.dropOutOfOrder && group && event.entityId ? `${group}:${event.entityId}` : undefined;
			if (orderingKey) {
				const latest = memory.table<number>('latestPerEntity').recall(orderingKey, now);
				if (latest !== undefined && event.createdAtMs < latest) {
					return { ignored: 'out-of-order', detail: `a newer ${event.name} for ${event.entityId} was already received` };
				}
				memory.remember('latestPerEntity', orderingKey, event.createdAtMs);
			}
			memory.claim('acceptedEvents', event.eventId);
			return { items: [toCaptainItem(event, settings.output)] };
		},
	};
}
