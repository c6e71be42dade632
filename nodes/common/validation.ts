/** Building blocks shared by the providers' zod schemas, and how a zod failure is reported. */
// zod/v4 ships inside the zod 3.25.x package n8n itself provides, and parses these payloads
// about 7x faster than the v3 API (bench/pipeline.mjs; see docs/performance.md).
import { z } from 'zod/v4';

import { isJsonObject } from './json';

/** A body read against a schema: the typed event, or the first field that is not as needed. */
export type ParseResult<Event> =
	| { ok: true; event: Event }
	| { ok: false; field: string; problem: string };

/** `data.estimates[0].status` — the path a sender can look for in its own payload. */
export function describePath(path: readonly (string | number)[]): string {
	if (path.length === 0) return '(body)';
	return path.reduce<string>((text, part) => {
		if (typeof part === 'number') return `${text}[${part}]`;
		return text === '' ? part : `${text}.${part}`;
	}, '');
}

export function parseWith<T>(schema: z.ZodType<T>, body: unknown): ParseResult<T> {
	if (!isJsonObject(body)) return { ok: false, field: '(body)', problem: 'expected a JSON object' };
	const result = schema.safeParse(body);
	if (result.success) return { ok: true, event: result.data };
	const issue = result.error.issues[0];
	return {
		ok: false,
		field: describePath(issue.path as (string | number)[]),
		problem: issue.message,
	};
}

/** Providers send numbers as strings ("36.12", "35.2"); both are accepted and read as numbers. */
export const numberish = z.union(
	[
		z.number(),
		z
			.string()
			.trim()
			.regex(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, 'expected a number'),
	],
	{ error: 'expected a number' },
);

/**
 * Ids are strings, but a sender that switches to numbers should not break dedupe: a number
 * counts as its string form. An id of only whitespace identifies nothing.
 */
export const identifier = z
	.union([z.string().refine((text) => text.trim() !== '', 'expected a non-empty id'), z.number()], {
		error: 'expected an id (a non-empty string)',
	})
	.transform(String);

const ZONED_SPACE_FORMAT =
	/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ?(UTC|Z|[+-]\d{2}:?\d{2})$/;

/**
 * Milliseconds since the epoch for the time formats Captain.AI and ARRIVE send:
 * ISO-8601 (`2022-04-28T14:30:20.483+00:00`), `2021-12-10 05:49:50 UTC`,
 * `2022-04-28 07:54:06 -0700`, and unix seconds (integer or float).
 */
export function parseProviderTime(value: unknown): number | undefined {
	if (typeof value === 'number')
		return Number.isFinite(value) ? Math.round(value * 1000) : undefined;
	if (typeof value !== 'string' || value.trim() === '') return undefined;
	const text = value.trim();
	const zoned = ZONED_SPACE_FORMAT.exec(text);
	if (zoned) {
		const [, date, time, zone] = zoned;
		const offset = zone === 'UTC' || zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
		return parseIso(`${date}T${time}${offset}`);
	}
	if (/^\d{4}-\d{2}-\d{2}T/.test(text)) return parseIso(text);
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	return undefined;
}

function parseIso(text: string): number | undefined {
	const ms = Date.parse(text);
	return Number.isNaN(ms) ? undefined : ms;
}

/** A timestamp in any of the formats above; the parsed value is the original string. */
export const providerTime = z
	.union([z.string(), z.number()])
	.refine((value) => parseProviderTime(value) !== undefined, {
		message: 'expected a timestamp',
	});

/** An advisory number: providers send empty strings or null for absent numbers (e.g. Captain's item `sequence: ""`). */
export const optionalNumber = z
	.union([numberish, z.literal(''), z.null()], { error: 'expected a number' })
	.optional();

/** An advisory timestamp, absent the same ways as optionalNumber. */
export const optionalTime = z
	.union([providerTime, z.literal(''), z.null()], { error: 'expected a timestamp' })
	.optional();

/** Parses a comma/space separated list typed into a text field. */
export function splitList(text: string | undefined): string[] {
	if (!text) return [];
	return text
		.split(/[\s,;]+/)
		.map((item) => item.trim())
		.filter((item) => item !== '');
}
