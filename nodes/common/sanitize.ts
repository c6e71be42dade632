/**
 * What a body must lose before anything reads it, and how what looked wrong in it is
 * reported on the item instead of refusing the event.
 */
import type { z } from 'zod/v4';

import { ownField } from './json';
import { describePath } from './validation';

/**
 * Removes every own `__proto__` key, at any depth, and returns where they were.
 *
 * JSON.parse keeps `"__proto__"` as a plain key, harmless in itself; but any code that later
 * copies the object key by key (zod's output, n8n copying an item, a Code node) assigns it,
 * which sets the copy's prototype: the copy then "has" whatever fields the sender hid there,
 * e.g. an `order_uuid` that the sender never sent as one. Walked with an explicit stack, so a
 * body nested 100 000 levels deep cannot overflow the call stack.
 */
export function removeProtoKeys(body: unknown): string[] {
	const removed: string[] = [];
	if (body === null || typeof body !== 'object') return removed;
	const pending: Array<{ value: object; path: Array<string | number> }> = [
		{ value: body, path: [] },
	];
	const visited = new WeakSet<object>();
	while (pending.length > 0) {
		const { value, path } = pending.pop() as { value: object; path: Array<string | number> };
		if (visited.has(value)) continue;
		visited.add(value);
		if (Object.prototype.hasOwnProperty.call(value, '__proto__')) {
			delete (value as Record<string, unknown>)['__proto__'];
			removed.push(describePath([...path, '__proto__']));
		}
		const entries: Array<[string | number, unknown]> = Array.isArray(value)
			? value.map((child, i) => [i, child])
			: Object.entries(value);
		for (const [key, child] of entries) {
			// Paths are built only for objects, whose number is bounded by the body's size.
			if (child !== null && typeof child === 'object')
				pending.push({ value: child, path: path.length < 32 ? [...path, key] : path });
		}
	}
	return removed;
}

/**
 * A short description of a value for a warning: what a sender can look for in its payload,
 * never the whole value (it may be large or personal).
 */
function describeValue(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'object') return 'an object';
	if (typeof value === 'string')
		return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
	return String(value);
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
	let value = root;
	for (const part of path) {
		value = ownField(value, part);
		if (value === undefined) return undefined;
	}
	return value;
}

export interface FieldWarning {
	path: Array<string | number>;
	text: string;
}

/**
 * Checks `value` against an advisory schema: each issue becomes a warning that names the
 * field, the problem and the value found, e.g. `data.published_at: expected a number (got "abc")`.
 * `prefix` is where `value` sits in the body.
 */
export function advisoryWarnings(
	schema: z.ZodType,
	value: unknown,
	prefix: Array<string | number> = [],
): FieldWarning[] {
	const result = schema.safeParse(value);
	if (result.success) return [];
	return result.error.issues.map((issue) => {
		const path = [...prefix, ...(issue.path as Array<string | number>)];
		const found = valueAt(value, issue.path);
		const got = found === undefined ? 'missing' : `got ${describeValue(found)}`;
		return { path, text: `${describePath(path)}: ${issue.message} (${got}); passed on as sent` };
	});
}
