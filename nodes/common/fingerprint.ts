/**
 * Keys and fingerprints that never collide for distinct input and never throw, whatever the
 * sender put in the body: ids with lone surrogates, bodies nested 100 000 levels deep.
 */
import { createHash } from 'crypto';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A JSON string can hold a lone surrogate (`"\ud800"`); UTF-8 cannot, and encodes it as U+FFFD. */
export function hasLoneSurrogate(text: string): boolean {
	return LONE_SURROGATE.test(text);
}

/** The UTF-16 code units, big-endian: a lossless encoding of any JavaScript string. */
function utf16Units(text: string): Uint8Array {
	const bytes = new Uint8Array(text.length * 2);
	for (let i = 0; i < text.length; i++) {
		const unit = text.charCodeAt(i);
		bytes[2 * i] = unit >> 8;
		bytes[2 * i + 1] = unit & 0xff;
	}
	return bytes;
}

/** 0xFF never occurs in UTF-8, so the two encodings below can never produce the same bytes. */
const UTF16_MARKER = new Uint8Array([0xff]);

/**
 * The memory's key for an id: an 84-bit digest (event ids and trip keys are 20–60 characters,
 * and the whole memory is rewritten into static data on each save, so their size is what
 * each save costs; at 10 000 entries two digests collide with a chance of about 1e-17).
 *
 * Well-formed text is hashed as UTF-8, as before, so digests already saved stay valid. Text
 * with a lone surrogate, which UTF-8 would turn into U+FFFD (making `"x\ud800"` and
 * `"x\ud801"` the same key), is hashed as its UTF-16 code units behind a marker byte.
 */
export function memoryKey(key: string): string {
	const hash = createHash('sha256');
	if (hasLoneSurrogate(key)) hash.update(UTF16_MARKER).update(utf16Units(key));
	else hash.update(key, 'utf8');
	return hash.digest('base64url').slice(0, 14);
}

/** "Exactly these bytes again": the body as n8n received it (after any Content-Encoding). */
export function fingerprintBytes(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('base64url');
}

class Text {
	constructor(readonly text: string) {}
}
const COMMA = new Text(',');
const CLOSE_ARRAY = new Text(']');
const CLOSE_OBJECT = new Text('}');
/** Text is hashed in chunks of about this many characters. */
const CHUNK = 1 << 16;

/**
 * A fingerprint of a parsed JSON value for when the bytes are not available. It hashes the
 * text `JSON.stringify` would give for a value from `JSON.parse` (so fingerprints saved
 * before stay valid), but walks the value with its own stack: recursion, `JSON.stringify`'s
 * included, overflows the call stack on a body nested 10 000 levels deep.
 */
export function fingerprintValue(value: unknown): string {
	const hash = createHash('sha256');
	// Values to write, last first; Text entries are written as they are.
	const pending: unknown[] = [value];
	// A body from JSON.parse has no shared objects; anything else must still terminate.
	const visited = new WeakSet<object>();
	let text = '';
	while (pending.length > 0) {
		const next = pending.pop();
		if (next instanceof Text) {
			text += next.text;
		} else if (typeof next === 'bigint') {
			text += String(next); // JSON.stringify throws on these; JSON.parse never makes them
		} else if (next === null || typeof next !== 'object') {
			// JSON.stringify of a primitive never recurses; undefined and functions read as null here.
			text += JSON.stringify(next) ?? 'null';
		} else if (visited.has(next)) {
			text += '"[repeated]"';
		} else if (Array.isArray(next)) {
			visited.add(next);
			text += '[';
			pending.push(CLOSE_ARRAY);
			for (let i = next.length - 1; i >= 0; i--) {
				pending.push(next[i]);
				if (i > 0) pending.push(COMMA);
			}
		} else {
			visited.add(next);
			text += '{';
			pending.push(CLOSE_OBJECT);
			const record = next as Record<string, unknown>;
			// Like JSON.stringify: undefined and function values leave their key out.
			const keys = Object.keys(record).filter(
				(key) => record[key] !== undefined && typeof record[key] !== 'function',
			);
			for (let i = keys.length - 1; i >= 0; i--) {
				pending.push(record[keys[i]]);
				pending.push(new Text(`${JSON.stringify(keys[i])}:`));
				if (i > 0) pending.push(COMMA);
			}
		}
		if (text.length >= CHUNK) {
			hash.update(text, 'utf8');
			text = '';
		}
	}
	hash.update(text, 'utf8');
	return hash.digest('base64url');
}

/**
 * The redelivery key of a body without an id of its own: the bytes n8n received when it
 * kept them (`req.rawBody`), else the parsed value. The two kinds never share a key.
 */
export function bodyFingerprint(body: unknown, rawBody: Uint8Array | undefined): string {
	if (rawBody && rawBody.length > 0) return `b:${fingerprintBytes(rawBody)}`;
	return fingerprintValue(body);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One id, one key: surrounding whitespace is dropped (no sender means it), and a UUID is
 * compared case-insensitively, as RFC 9562 defines it. Any other id is compared exactly,
 * character for character: `ABC` and `abc` stay two ids.
 */
export function normaliseId(id: string): string {
	const trimmed = id.trim();
	return UUID.test(trimmed) ? trimmed.toLowerCase() : trimmed;
}
