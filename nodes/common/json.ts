/**
 * Reading a parsed JSON body without trusting its shape: the checks every module that looks
 * into a body shares. Only the body's own properties count (see sanitize.ts on `__proto__`).
 */

export type JsonObject = Record<string, unknown>;

/** A JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `record[key]` when the record has that key of its own, else undefined. */
export function ownField(record: unknown, key: PropertyKey): unknown {
	return record !== null &&
		typeof record === 'object' &&
		Object.prototype.hasOwnProperty.call(record, key)
		? (record as Record<PropertyKey, unknown>)[key]
		: undefined;
}
