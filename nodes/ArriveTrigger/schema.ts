/**
 * Zod schemas for ARRIVE's `ad-estimates` webhook, in two kinds:
 * - strict, for what the node needs: the event name, the trip list, `data.production` (the
 *   environment filter) and per trip its status, site, identity (`track_tokens[].dest_id`
 *   or `tid`) and `ack.token` (what makes an approach new). A failure is a 400 naming the field.
 * - advisory, for everything else (customer, position, times, app id, version): ARRIVE
 *   retries a refused call twice and then drops it, so a field the node does not use must
 *   never cost the user the trips. A failure becomes a warning on the item, and the item
 *   field reads null.
 * Both read the body's own properties only (see removeProtoKeys).
 */
import { z } from 'zod/v4';

import { isJsonObject, ownField } from '../common/json';
import { advisoryWarnings, removeProtoKeys } from '../common/sanitize';
import {
	identifier,
	optionalNumber,
	optionalTime,
	parseWith,
	type ParseResult,
	providerTime,
} from '../common/validation';

const strictEstimate = z
	.looseObject({
		site_csin: z.string().min(1),
		status: z.string().min(1),
		tid: identifier.nullable().optional(),
		track_tokens: z
			.array(z.looseObject({ dest_id: identifier }))
			.nullable()
			.optional(),
		ack: z
			.looseObject({
				token: z
					.union([z.string(), z.number()], { error: 'expected a string' })
					.nullable()
					.optional(),
			})
			.nullable()
			.optional(),
	})
	.superRefine((estimate, context) => {
		if (!estimate.track_tokens?.length && !estimate.tid) {
			context.addIssue({
				code: 'custom',
				path: ['track_tokens'],
				message: 'expected track_tokens[].dest_id or tid to identify the trip',
			});
		}
	});

const strictCall = z.looseObject({
	event: z.string().min(1),
	data: z.looseObject({
		estimates: z.array(strictEstimate),
		production: z.boolean(),
	}),
});

const optionalText = z
	.union([z.string(), z.number()], { error: 'expected a string' })
	.nullable()
	.optional();
const optionalObject = <T extends z.core.$ZodLooseShape>(shape: T) =>
	z.looseObject(shape).nullable().optional();

const advisoryEstimate = z.looseObject({
	customer: optionalObject({
		email: optionalText,
		sms_number: optionalText,
		name: optionalText,
		vehicle: optionalObject({
			license_number: optionalText,
			make: optionalText,
			model: optionalText,
		}),
	}),
	eta: optionalNumber,
	distance: optionalNumber,
	lat: optionalNumber,
	lng: optionalNumber,
	received_at: optionalTime,
	track_tokens: z
		.array(
			z.looseObject({
				track_token: optionalText,
				pickup_window: optionalObject({ start: optionalTime, end: optionalTime }),
			}),
		)
		.nullable()
		.optional(),
	arrived: optionalObject({ zone_name: optionalText }),
});

const advisoryCall = z.looseObject({
	data: z.looseObject({ app_id: z.string(), estimates: z.array(advisoryEstimate) }),
	timestamp: providerTime,
	version: z.string(),
});

type ArriveEstimate = z.infer<typeof strictEstimate>;

export interface ArriveTrip {
	/** The strictly checked fields. */
	parsed: ArriveEstimate;
	/** The estimate as sent; every other item field is read from here. */
	raw: Record<string, unknown>;
	/** Its place in `data.estimates`. */
	index: number;
	/** What looked wrong in this trip's fields. */
	warnings: string[];
}

export interface ArriveCall {
	event: string;
	/** The envelope fields as sent (checked only by the advisory schema). */
	appId: unknown;
	production: boolean;
	timestamp: unknown;
	version: unknown;
	/** Trips in the order sent. */
	trips: ArriveTrip[];
	/** The body as received, without `__proto__` keys. */
	body: Record<string, unknown>;
	/** What looked wrong outside the trips; shown on every item. */
	warnings: string[];
}

export function parseArriveCall(body: unknown): ParseResult<ArriveCall> {
	if (!isJsonObject(body)) return { ok: false, field: '(body)', problem: 'expected a JSON object' };
	const callWarnings = removeProtoKeys(body).map(
		(path) => `${path}: removed (a "__proto__" key would become the prototype of a copy)`,
	);
	const result = parseWith(strictCall, body);
	if (!result.ok) return result;
	const rawEstimates = ownField(ownField(body, 'data'), 'estimates') as Array<
		Record<string, unknown>
	>;
	const { event, data } = result.event;

	const tripWarnings: string[][] = rawEstimates.map(() => []);
	for (const warning of advisoryWarnings(advisoryCall, body)) {
		const [first, second, index] = warning.path;
		if (
			first === 'data' &&
			second === 'estimates' &&
			typeof index === 'number' &&
			tripWarnings[index]
		)
			tripWarnings[index].push(warning.text);
		else callWarnings.push(warning.text);
	}
	return {
		ok: true,
		event: {
			event,
			appId: ownField(ownField(body, 'data'), 'app_id') ?? null,
			production: data.production,
			timestamp: ownField(body, 'timestamp') ?? null,
			version: ownField(body, 'version') ?? null,
			trips: data.estimates.map((parsed, index) => ({
				parsed,
				raw: rawEstimates[index],
				index,
				warnings: tripWarnings[index],
			})),
			body,
			warnings: callWarnings,
		},
	};
}
