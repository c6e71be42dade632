/**
 * Zod schemas for Captain.AI webhook bodies. They check what the node relies on — the
 * envelope, the event name, the ids used for dedupe and ordering — and accept the documented
 * quirks (numbers as strings, floats for integers, three timestamp formats, custom fields as
 * object/array/null). Everything else passes through untouched: items are built from the
 * body as received, not from the parsed copy.
 */
import { z } from 'zod/v4';

import { identifier, numberish, parseProviderTime, parseWith, providerTime } from '../common/validation';
import type { ParseResult } from '../common/receive';
import { CAPTAIN_EVENTS, findCaptainEvent } from './events';

const envelopeSchema = z.looseObject({
		event_name: z.string().min(1),
		event_uuid: z.string().min(1).max(200),
		created_at: providerTime,
		environment: z.string(),
		metadata: z.looseObject({
				sent_at: providerTime,
				delivery_attempt: numberish.refine((value) => Number(value) >= 1, 'expected an attempt number of 1 or more'),
			}),
		data: z.looseObject({}),
	});

const customFields = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()), z.null()]).optional();
// Fields the node does not rely on are checked loosely: a refusal makes Captain retry an
// event 15 times and then lose it, so only a value of a clearly wrong kind is refused.
// Captain sends empty strings for absent numbers (e.g. item `sequence: ""`).
const optionalNumber = z.union([numberish, z.literal(''), z.null()]).optional();
const optionalText = z.string().nullable().optional();
const optionalTime = z.union([providerTime, z.literal(''), z.null()]).optional();

const location = z.looseObject({ latitude: numberish, longitude: numberish, speed: optionalNumber, course: optionalNumber, recorded_at: optionalTime });

/** Extra checks per event, beyond the entity id the catalogue names. */
const dataChecks: Record<string, z.core.$ZodLooseShape> = {
	'agent.radar_locations.created': {
		agent_locations: z.array(z.looseObject({ agent_uuid: identifier, locations: z.array(location) })),
	},
	agent_eta_updated: { eta_till_available: optionalNumber, eta_arrive_at_home_hub: optionalNumber, calculated_at: optionalNumber },
	job_delivery_status_updated: {
		job_delivery_status: optionalText,
		job_delivery_status_agent_location: z.looseObject({ latitude: optionalNumber, longitude: optionalNumber, recorded_at: optionalTime })
			.nullable()
			.optional(),
	},
	order_status_updated: { order_status: optionalText, items: z.array(z.unknown()).nullable().optional() },
	item_status_updated: { item_status: optionalText, quantity: optionalNumber, sequence: optionalNumber, item_name: optionalText },
	order_preparation_updated: { status: optionalText },
	order_kds_print_request: { order_status: optionalText },
};

function dataSchemaFor(eventName: string): z.ZodTypeAny {
	const kind = findCaptainEvent(eventName);
	const shape: z.core.$ZodLooseShape = {
		order_custom_fields: customFields,
		published_at: optionalNumber,
		...(dataChecks[eventName] ?? {}),
	};
	if (kind?.entity) shape[kind.entity.idField] = kind.entity.required ? identifier : identifier.nullable().optional();
	return z.looseObject(shape);
}

const dataSchemas = new Map(CAPTAIN_EVENTS.map((kind) => [kind.name, dataSchemaFor(kind.name)]));
const unlistedDataSchema = dataSchemaFor('');

export interface CaptainEvent {
	name: string;
	eventId: string;
	environment: string;
	createdAt: string | number;
	createdAtMs: number;
	sentAt: string | number;
	deliveryAttempt: number;
	/** The id of the entity the event is about, when the catalogue names one and it is present. */
	entityId?: string;
	/** The body as received. */
	body: Record<string, unknown>;
	data: Record<string, unknown>;
}

export function parseCaptainEvent(body: unknown): ParseResult<CaptainEvent> {
	const envelope = parseWith(envelopeSchema, body);
	if (!envelope.ok) return envelope;
	const { event_name: name } = envelope.event;
	const dataResult = parseWith(dataSchemas.get(name) ?? unlistedDataSchema, envelope.event.data);
	if (!dataResult.ok) {
		return { ...dataResult, field: dataResult.field === '(body)' ? 'data' : `data.${dataResult.field}` };
	}
	const parsedData = dataResult.event as Record<string, unknown>;
	const idField = findCaptainEvent(name)?.entity?.idField;
	const entityId = idField ? (parsedData[idField] as string | null | undefined) : undefined;
	const raw = body as Record<string, unknown>;
	return {
		ok: true,
		event: {
			name,
			eventId: envelope.event.event_uuid,
			environment: envelope.event.environment,
			createdAt: envelope.event.created_at,
			createdAtMs: parseProviderTime(envelope.event.created_at) as number,
			sentAt: envelope.event.metadata.sent_at,
			deliveryAttempt: Number(envelope.event.metadata.delivery_attempt),
			entityId: entityId ?? undefined,
			body: raw,
			data: raw.data as Record<string, unknown>,
		},
	};
}
