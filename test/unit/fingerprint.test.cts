import { createHash } from 'crypto';

import { isPrivateAddress } from '../../nodes/common/allowlist';
import {
	bodyFingerprint,
	fingerprintBytes,
	fingerprintValue,
	hasLoneSurrogate,
	memoryKey,
	normaliseId,
} from '../../nodes/common/fingerprint';
import { removeProtoKeys } from '../../nodes/common/sanitize';

/** The value nested `depth` levels deep in objects, built without recursion. */
function nested(depth: number): unknown {
	let value: unknown = 'bottom';
	for (let i = 0; i < depth; i++) value = { x: value };
	return value;
}

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

describe('memoryKey', () => {
	test('ids that differ only in a lone surrogate get different keys (UTF-8 would make both U+FFFD)', () => {
		const id = '5eed0000-0000-4000-8000-000000000001';
		expect(memoryKey(`${id}\ud800`)).not.toBe(memoryKey(`${id}\ud801`));
		expect(memoryKey(`${id}\ud800`)).not.toBe(memoryKey(`${id}\ufffd`));
		expect(memoryKey('\udc00\ud800')).not.toBe(memoryKey('\ud800\udc00'));
	});

	test('well-formed ids are hashed as UTF-8 (14 characters of the digest)', () => {
		for (const id of ['evt-1', 'b3df4834-328b-4d54-a871-91b17aa52ca4', 'ünïcødé 🚚'])
			expect(memoryKey(id)).toBe(sha(id).slice(0, 14));
	});

	test('hasLoneSurrogate tells pairs from halves', () => {
		expect(hasLoneSurrogate('🚚')).toBe(false);
		expect(hasLoneSurrogate('a\ud800')).toBe(true);
		expect(hasLoneSurrogate('\udc00a')).toBe(true);
	});
});

describe('fingerprints', () => {
	test('a parsed value hashes like JSON.stringify of it, as saved fingerprints did', () => {
		const value = JSON.parse('{"a":[1,2.5,"x\\ud800",null,true,{}],"b":{"c":[]},"d":"\\u2028"}');
		expect(fingerprintValue(value)).toBe(sha(JSON.stringify(value)));
	});

	test('a value nested 100 000 levels deep is fingerprinted without overflowing the stack', () => {
		const deep = nested(100_000);
		expect(() => JSON.stringify(deep)).toThrow(RangeError);
		expect(fingerprintValue(deep)).toMatch(/^[\w-]{43}$/);
		expect(fingerprintValue(deep)).not.toBe(fingerprintValue(nested(99_999)));
	});

	test('the bytes are preferred when n8n kept them; the two kinds never share a key', () => {
		const bytes = new TextEncoder().encode('{"a":1}');
		expect(bodyFingerprint({ a: 1 }, bytes)).toBe(`b:${fingerprintBytes(bytes)}`);
		expect(bodyFingerprint({ a: 1 }, undefined)).toBe(fingerprintValue({ a: 1 }));
		expect(bodyFingerprint({ a: 1 }, new Uint8Array())).toBe(fingerprintValue({ a: 1 }));
		// Whitespace is part of what was sent: other bytes, another call.
		expect(bodyFingerprint({}, new TextEncoder().encode('{"a": 1}'))).not.toBe(
			bodyFingerprint({}, bytes),
		);
	});
});

test('normaliseId: UUIDs case-insensitive, whitespace around any id dropped, other ids exact', () => {
	expect(normaliseId(' 5EED0000-0000-4000-8000-00000000000A\n')).toBe(
		'5eed0000-0000-4000-8000-00000000000a',
	);
	expect(normaliseId('ABC-order')).toBe('ABC-order');
	expect(normaliseId(' abc ')).toBe('abc');
});

describe('removeProtoKeys', () => {
	test('removes own __proto__ keys at any depth and says where', () => {
		const body = JSON.parse(
			'{"__proto__":{"a":1},"data":{"__proto__":{"order_uuid":"x"},"list":[{"__proto__":{}}]}}',
		);
		expect(removeProtoKeys(body).sort()).toEqual([
			'__proto__',
			'data.__proto__',
			'data.list[0].__proto__',
		]);
		expect(body).toEqual({ data: { list: [{}] } });
		expect(Object.getPrototypeOf({ ...body.data })).toBe(Object.prototype);
	});

	test('survives 100 000 levels of nesting', () => {
		expect(removeProtoKeys(nested(100_000))).toEqual([]);
	});
});

test('isPrivateAddress: where a reverse proxy can be', () => {
	for (const address of [
		'127.0.0.1',
		'::ffff:10.1.2.3',
		'172.20.0.5',
		'192.168.1.1',
		'::1',
		'fd00::1',
	])
		expect(isPrivateAddress(address)).toBe(true);
	for (const address of ['52.37.123.229', '198.51.100.9', '2001:db8::1', undefined, 'garbage'])
		expect(isPrivateAddress(address)).toBe(false);
});
