import { BoundedMemory, forgetProcessMemory, memoryKey, openMemory } from '../../nodes/common/dedupe';

const HOUR = 3_600_000;

describe('BoundedMemory', () => {
	test('keeps at most maxEntries, forgetting the oldest first', () => {
		const memory = new BoundedMemory({ maxEntries: 3, maxAgeMs: 10 * HOUR });
		['a', 'b', 'c', 'd'].forEach((key, i) => memory.remember(key, true, i));
		expect(memory.size).toBe(3);
		expect(memory.has('a', 4)).toBe(false);
		expect(['b', 'c', 'd'].every((key) => memory.has(key, 4))).toBe(true);
	});

	test('re-remembering a key makes it the newest', () => {
		const memory = new BoundedMemory({ maxEntries: 2, maxAgeMs: 10 * HOUR });
		memory.remember('a', true, 1);
		memory.remember('b', true, 2);
		memory.remember('a', true, 3);
		memory.remember('c', true, 4);
		expect(memory.has('a', 5)).toBe(true);
		expect(memory.has('b', 5)).toBe(false);
	});

	test('forgets entries older than maxAgeMs', () => {
		const memory = new BoundedMemory({ maxEntries: 100, maxAgeMs: HOUR });
		memory.remember('old', true, 0);
		memory.remember('new', true, HOUR - 1);
		expect(memory.has('old', HOUR)).toBe(true);
		expect(memory.has('old', HOUR + 1)).toBe(false);
		memory.remember('newest', true, 1.5 * HOUR);
		expect(memory.size).toBe(2); // 'old' evicted by age on write, 'new' still within the hour
	});

	test('merge keeps the newer record of a key and the age order', () => {
		const SECOND = 1000;
		const theirs = new BoundedMemory<string>({ maxEntries: 10, maxAgeMs: 10 * HOUR });
		theirs.remember('b', 'theirs', 1 * SECOND);
		theirs.remember('d', 'theirs', 2 * SECOND);
		theirs.remember('a', 'theirs-older', 3 * SECOND);
		theirs.remember('c', 'theirs', 7 * SECOND);
		const memory = new BoundedMemory<string>({ maxEntries: 3, maxAgeMs: 10 * HOUR });
		memory.remember('a', 'mine', 5 * SECOND);
		memory.merge(theirs.toSnapshot(), 8 * SECOND);
		expect(memory.recall('a', 8 * SECOND)).toBe('mine');
		expect(['b', 'c', 'd'].map((key) => memory.has(key, 8 * SECOND))).toEqual([false, true, true]); // 'b' (oldest) evicted
		memory.remember('e', 'new', 9 * SECOND); // the next to go is the oldest left: 'd'
		expect(['a', 'c', 'd', 'e'].map((key) => memory.has(key, 9 * SECOND))).toEqual([true, true, false, true]);
	});

	test('a snapshot round trip keeps keys, values and ages (to the second)', () => {
		const memory = new BoundedMemory<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		memory.remember('plain', true, 1_000);
		memory.remember('object', { status: 'arrived', ackTokens: ['a\tb', 'c\nd'] }, 61_400);
		const copy = new BoundedMemory<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		copy.merge(memory.toSnapshot(), 100_000);
		expect(copy.recall('plain', 100_000)).toBe(true);
		expect(copy.recall('object', 100_000)).toEqual({ status: 'arrived', ackTokens: ['a\tb', 'c\nd'] });
		expect(copy.has('plain', 1_000 + HOUR + 1)).toBe(false);
	});

	test('merge skips damaged lines and keeps the rest', () => {
		const memory = new BoundedMemory({ maxEntries: 3, maxAgeMs: HOUR });
		memory.merge(`garbage\n\tx\nabc\tnot-base36!\n${memoryKey('bad-json')}\t1\t{oops\n${memoryKey('good')}\t1`, 0);
		expect(memory.size).toBe(1);
		expect(memory.has('good', 0)).toBe(true);
	});

	test('keys are stored as short digests, never as given', () => {
		const memory = new BoundedMemory({ maxEntries: 3, maxAgeMs: HOUR });
		memory.remember('b3df4834-328b-4d54-a871-91b17aa52ca4', true, 0);
		expect(memory.toSnapshot()).toBe(`${memoryKey('b3df4834-328b-4d54-a871-91b17aa52ca4')}\t0`);
		expect(memoryKey('b3df4834-328b-4d54-a871-91b17aa52ca4')).toMatch(/^[\w-]{16}$/);
	});
});

describe('openMemory (process registry + static data)', () => {
	const layout = { seen: { maxEntries: 100, maxAgeMs: HOUR } };
	let revisions = 0;
	const newRevision = () => `rev-${++revisions}`;

	beforeEach(() => forgetProcessMemory());

	test('requests of one process share memory even with separate static-data copies', () => {
		const copyA: Record<string, unknown> = {};
		const copyB: Record<string, unknown> = {};
		const first = openMemory({ scope: 's', layout, staticData: copyA, now: 0, newRevision });
		const second = openMemory({ scope: 's', layout, staticData: copyB, now: 0, newRevision });
		first.remember('seen', 'evt-1', true);
		expect(second.table('seen').has('evt-1', 0)).toBe(true);
	});

	test('commit writes a snapshot only when something was remembered', () => {
		const staticData: Record<string, unknown> = {};
		const memory = openMemory({ scope: 's', layout, staticData, now: 0, newRevision });
		expect(memory.commit()).toBe(false);
		expect(staticData).toEqual({});
		memory.remember('seen', 'evt-1', true);
		expect(memory.commit()).toBe(true);
		expect(staticData.captainArriveMemory).toMatchObject({ v: 2, tables: { seen: `${memoryKey('evt-1')}\t0` } });
	});

	test('a restart hydrates from static data', () => {
		const staticData: Record<string, unknown> = {};
		const before = openMemory({ scope: 's', layout, staticData, now: 0, newRevision });
		before.remember('seen', 'evt-1', true);
		before.commit();
		const saved = JSON.parse(JSON.stringify(staticData));
		forgetProcessMemory();
		const after = openMemory({ scope: 's', layout, staticData: saved, now: 1, newRevision });
		expect(after.table('seen').has('evt-1', 1)).toBe(true);
	});

	test("another process's snapshot is merged in; our own is not re-read", () => {
		const ours: Record<string, unknown> = {};
		const memory = openMemory({ scope: 's', layout, staticData: ours, now: 0, newRevision });
		memory.remember('seen', 'mine', true);
		memory.commit();
		const theirs = { captainArriveMemory: { v: 2, rev: 'other-process', tables: { seen: `${memoryKey('theirs')}\t0` } } };
		const next = openMemory({ scope: 's', layout, staticData: theirs, now: 1, newRevision });
		expect(next.table('seen').has('theirs', 1)).toBe(true);
		expect(next.table('seen').has('mine', 1)).toBe(true);
	});

	test('scopes are separate', () => {
		openMemory({ scope: 'a', layout, now: 0, newRevision }).remember('seen', 'evt', true);
		expect(openMemory({ scope: 'b', layout, now: 0, newRevision }).table('seen').has('evt', 0)).toBe(false);
	});

	test('limits follow the current settings', () => {
		const memory = openMemory({ scope: 's', layout, now: 0, newRevision });
		for (let i = 0; i < 50; i++) memory.remember('seen', `e${i}`, true);
		const smaller = openMemory({ scope: 's', layout: { seen: { maxEntries: 10, maxAgeMs: HOUR } }, now: 0, newRevision });
		smaller.remember('seen', 'last', true);
		expect(smaller.table('seen').size).toBe(10);
	});

	test('ignores static data in an unknown shape', () => {
		const staticData = { captainArriveMemory: { v: 99, junk: true } };
		expect(() => openMemory({ scope: 's', layout, staticData, now: 0, newRevision })).not.toThrow();
	});
});
