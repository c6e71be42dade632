/**
 * Zod schemas for Captain.AI webhook bodies, in two kinds:
 * - strict, for what the node needs — the event name, `event_uuid` (the redelivery key),
 *   `created_at` (the ordering time), `environment` (the filter), `data` and the entity id
 *   used for ordering. A failure is a 400 naming the field.
 * - advisory, for everything else (metadata, documented data fields). Captain retries a
 *   refused event 15 times and then drops it, so a field the node does not use must never
 *   cost the user the event: a failure there becomes a warning on the item, and the field
 *   is passed on as sent.
 * Both read the body's own properties only (see removeProtoKeys).
 */
import { z } from 'zod/v4';

import { normaliseId } from '../common/fingerprint';
import { isJsonObject, ownField } from '../common/json';
import { advisoryWarnings, removeProtoKeys } from '../common/sanitize';
import {
	identifier,
	numberish,
	optionalNumber,
	optionalTime,
	parseProviderTime,
	parseWith,
	type ParseResult,
	providerTime,
} from '../common/validation';
import { CAPTAIN_EVENTS, type CaptainEventKind, findCaptainEvent } from './catalogue';

/** Longer than any UUID or id Captain documents; bounds what a sender can make us hash and keep. */
const MAX_EVENT_ID_LENGTH = 200;

/** `event_uuid`: a string; a number is read as its string form (and flagged). */
const eventId = z.union(
	[
		z
			.string()
			.refine((text) => text.trim() !== '', 'expected a non-empty id')
			.refine(
				(text) => text.trim().length <= MAX_EVENT_ID_LENGTH,
				`expected at most ${MAX_EVENT_ID_LENGTH} characters`,
			),
		z.number(),
	],
	{ error: 'expected an event id (a non-empty string)' },
);

const strictEnvelope = z.looseObject({
	event_name: z.string().min(1),
	event_uuid: eventId,
	created_at: providerTime,
	environment: z.string(),
	data: z.looseObject({}),
});

const advisoryEnvelope = z.looseObject({
	metadata: z.looseObject({
		sent_at: providerTime,
		delivery_attempt: numberish.refine(
			(value) => Number(value) >= 1,
			'expected an attempt number of 1 or more',
		),
	}),
});

const customFields = z
	.union([z.record(z.string(), z.unknown()), z.array(z.unknown()), z.null()], {
		error: 'expected an object, a list or null',
	})
	.optional();
const optionalText = z.string().nullable().optional();

const location = z.looseObject({
	latitude: numberish,
	longitude: numberish,
	speed: optionalNumber,
	course: optionalNumber,
	recorded_at: optionalTime,
});

/** What Captain documents per event, beyond the entity id the catalogue names. Advisory only. */
const documentedFields: Record<string, z.core.$ZodLooseShape> = {
	'agent.radar_locations.created': {
		agent_locations: z.array(
			z.looseObject({ agent_uuid: identifier, locations: z.array(location) }),
		),
	},
	agent_eta_updated: {
		eta_till_available: optionalNumber,
		eta_arrive_at_home_hub: optionalNumber,
		calculated_at: optionalNumber,
	},
	job_delivery_status_updated: {
		job_delivery_status: optionalText,
		job_delivery_status_agent_location: z
			.looseObject({
				latitude: optionalNumber,
				longitude: optionalNumber,
				recorded_at: optionalTime,
			})
			.nullable()
			.optional(),
	},
	order_status_updated: {
		order_status: optionalText,
		items: z.array(z.unknown()).nullable().optional(),
	},
	item_status_updated: {
		item_status: optionalText,
		quantity: optionalNumber,
		sequence: optionalNumber,
		item_name: optionalText,
	},
	order_preparation_updated: { status: optionalText },
	order_kds_print_request: { order_status: optionalText },
};

function advisoryDataSchemaFor(eventName: string): z.ZodType {
	return z.looseObject({
		order_custom_fields: customFields,
		published_at: optionalNumber,
		...(documentedFields[eventName] ?? {}),
	});
}

/** The entity id, when the catalogue names one: the ordering key, so checked strictly. */
function strictDataSchemaFor(eventName: string): z.ZodType {
	const entity = findCaptainEvent(eventName)?.entity;
	if (!entity) return z.looseObject({});
	return z.looseObject({
		[entity.idField]: entity.required ? identifier : identifier.nullable().optional(),
	});
}

const strictDataSchemas = new Map(
	CAPTAIN_EVENTS.map((kind) => [kind.name, strictDataSchemaFor(kind.name)]),
);
const advisoryDataSchemas = new Map(
	CAPTAIN_EVENTS.map((kind) => [kind.name, advisoryDataSchemaFor(kind.name)]),
);
const unlistedAdvisoryDataSchema = advisoryDataSchemaFor('');
const unlistedStrictDataSchema = z.looseObject({});

export interface CaptainEvent {
	name: string;
	/** The catalogue's line for this event; undefined for an event Captain added later. */
	kind: CaptainEventKind | undefined;
	/** `event_uuid` as sent (a number in its string form). */
	eventId: string;
	/** The redelivery key: `eventId` normalised (see normaliseId). */
	eventKey: string;
	environment: string;
	createdAt: string | number;
	createdAtMs: number;
	sentAt: unknown;
	/** `metadata.delivery_attempt` as a number; null when it is not one. */
	deliveryAttempt: number | null;
	/** The id of the entity the event is about, when the catalogue names one and it is present. */
	entityId?: string;
	/** The ordering key: `entityId` normalised. */
	entityKey?: string;
	/** The body as received, without `__proto__` keys. */
	body: Record<string, unknown>;
	data: Record<string, unknown>;
	/** What looked wrong in fields the node does not need; shown on the item. */
	warnings: string[];
}

export function parseCaptainEvent(body: unknown): ParseResult<CaptainEvent> {
	if (!isJsonObject(body)) return { ok: false, field: '(body)', problem: 'expected a JSON object' };
	const warnings = removeProtoKeys(body).map(
		(path) => `${path}: removed (a "__proto__" key would become the prototype of a copy)`,
	);

	const envelope = parseWith(strictEnvelope, body);
	if (!envelope.ok) return envelope;
	const raw = body as Record<string, unknown>;
	const { event_name: name, event_uuid: sentEventId } = envelope.event;

	// The raw body's own `data`, not zod's copy of it: that copy is built by assignment.
	const data = ownField(raw, 'data') as Record<string, unknown>;
	const dataResult = parseWith(strictDataSchemas.get(name) ?? unlistedStrictDataSchema, data);
	if (!dataResult.ok) {
		return {
			...dataResult,
			field: dataResult.field === '(body)' ? 'data' : `data.${dataResult.field}`,
		};
	}

	if (typeof sentEventId === 'number')
		warnings.push(`event_uuid: a number; its string form "${sentEventId}" is the event id`);
	for (const warning of advisoryWarnings(advisoryEnvelope, raw)) warnings.push(warning.text);
	for (const warning of advisoryWarnings(
		advisoryDataSchemas.get(name) ?? unlistedAdvisoryDataSchema,
		data,
		['data'],
	)) {
		warnings.push(warning.text);
	}

	const kind = findCaptainEvent(name);
	const idField = kind?.entity?.idField;
	const sentEntityId = idField ? ownField(data, idField) : undefined;
	const entityId =
		sentEntityId === undefined || sentEntityId === null ? undefined : String(sentEntityId);
	const eventId = String(sentEventId);
	const metadata = ownField(raw, 'metadata');
	const attempt = ownField(metadata, 'delivery_attempt');
	const attemptNumber =
		typeof attempt === 'number' || typeof attempt === 'string' ? Number(attempt) : NaN;
	return {
		ok: true,
		event: {
			name,
			kind,
			eventId,
			eventKey: normaliseId(eventId),
			environment: envelope.event.environment,
			createdAt: envelope.event.created_at,
			createdAtMs: parseProviderTime(envelope.event.created_at) as number,
			sentAt: ownField(metadata, 'sent_at') ?? null,
			deliveryAttempt: Number.isFinite(attemptNumber) && attempt !== '' ? attemptNumber : null,
			entityId,
			entityKey: entityId === undefined ? undefined : normaliseId(entityId),
			body: raw,
			data,
			warnings,
		},
	};
}
