/**
 * Zod schema for ARRIVE's `ad-estimates` webhook. Checked: the envelope, and per trip what
 * the node relies on (status, site, something identifying the trip); numbers may come as
 * strings; extra fields pass through (items are built from the body as received).
 */
import { z } from 'zod/v4';

import type { ParseResult } from '../common/receive';
import { identifier, numberish, parseWith, providerTime } from '../common/validation';

const optionalNumber = z.union([numberish, z.literal(''), z.null()]).optional();
const optionalText = z.union([z.string(), z.number()]).nullable().optional();
const optionalTime = z.union([providerTime, z.literal(''), z.null()]).optional();
const optionalObject = <T extends z.core.$ZodLooseShape>(shape: T) => z.looseObject(shape).nullable().optional();

const trackToken = z.looseObject({
		dest_id: identifier,
		track_token: optionalText,
		pickup_window: optionalObject({ start: optionalTime, end: optionalTime }),
	});

const estimateSchema = z.looseObject({
		customer: optionalObject({
			email: optionalText,
			sms_number: optionalText,
			name: optionalText,
			vehicle: optionalObject({ license_number: optionalText, make: optionalText, model: optionalText }),
		}),
		eta: optionalNumber,
		distance: optionalNumber,
		lat: optionalNumber,
		lng: optionalNumber,
		received_at: optionalTime,
		site_csin: z.string().min(1),
		status: z.string().min(1),
		tid: identifier.nullable().optional(),
		track_tokens: z.array(trackToken).nullable().optional(),
		ack: optionalObject({ token: z.string().nullable().optional() }),
		arrived: optionalObject({ zone_name: optionalText }),
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

const adEstimatesSchema = z.looseObject({
		event: z.string().min(1),
		data: z.looseObject({
				app_id: z.string(),
				estimates: z.array(estimateSchema),
				production: z.boolean(),
			}),
		timestamp: providerTime,
		version: z.string(),
	});

export type ArriveEstimate = z.infer<typeof estimateSchema>;

export interface ArriveCall {
	event: string;
	appId: string;
	production: boolean;
	timestamp: string | number;
	version: string;
	/** Parsed trips, in the order sent, each with the raw estimate it came from. */
	trips: Array<{ parsed: ArriveEstimate; raw: Record<string, unknown> }>;
	/** The body as received. */
	body: Record<string, unknown>;
}

export function parseArriveCall(body: unknown): ParseResult<ArriveCall> {
	const result = parseWith(adEstimatesSchema, body);
	if (!result.ok) return result;
	const raw = body as { data: { estimates: Array<Record<string, unknown>> } };
	const { event, data, timestamp, version } = result.event;
	return {
		ok: true,
		event: {
			event,
			appId: data.app_id,
			production: data.production,
			timestamp,
			version,
			trips: data.estimates.map((parsed, i) => ({ parsed, raw: raw.data.estimates[i] })),
			body: body as Record<string, unknown>,
		},
	};
}
