import { memoryKey } from '../../../nodes/common/fingerprint';
import { BoundedTable } from '../../../nodes/common/memory/table';

const HOUR = 3_600_000;

/** Whether the table holds `key` (digested as node-memory.ts does) at `now`. */
const has = (table: BoundedTable<unknown>, key: string, now: number) =>
	table.get(memoryKey(key), now) !== undefined;

describe('BoundedTable', () => {
	test('keeps at most maxEntries, forgetting the oldest first', () => {
		const memory = new BoundedTable({ maxEntries: 3, maxAgeMs: 10 * HOUR });
		['a', 'b', 'c', 'd'].forEach((key, i) => memory.set(memoryKey(key), true, i));
		expect(memory.size).toBe(3);
		expect(has(memory, 'a', 4)).toBe(false);
		expect(['b', 'c', 'd'].every((key) => has(memory, key, 4))).toBe(true);
	});

	test('re-remembering a key makes it the newest', () => {
		const memory = new BoundedTable({ maxEntries: 2, maxAgeMs: 10 * HOUR });
		memory.set(memoryKey('a'), true, 1);
		memory.set(memoryKey('b'), true, 2);
		memory.set(memoryKey('a'), true, 3);
		memory.set(memoryKey('c'), true, 4);
		expect(has(memory, 'a', 5)).toBe(true);
		expect(has(memory, 'b', 5)).toBe(false);
	});

	test('forgets entries older than maxAgeMs', () => {
		const memory = new BoundedTable({ maxEntries: 100, maxAgeMs: HOUR });
		memory.set(memoryKey('old'), true, 0);
		memory.set(memoryKey('new'), true, HOUR - 1);
		expect(has(memory, 'old', HOUR)).toBe(true);
		expect(has(memory, 'old', HOUR + 1)).toBe(false);
		memory.set(memoryKey('newest'), true, 1.5 * HOUR);
		expect(memory.size).toBe(2); // 'old' evicted by age on write, 'new' still within the hour
	});

	test('merge keeps the newer record of a key and the age order', () => {
		const SECOND = 1000;
		const theirs = new BoundedTable<string>({ maxEntries: 10, maxAgeMs: 10 * HOUR });
		theirs.set(memoryKey('b'), 'theirs', 1 * SECOND);
		theirs.set(memoryKey('d'), 'theirs', 2 * SECOND);
		theirs.set(memoryKey('a'), 'theirs-older', 3 * SECOND);
		theirs.set(memoryKey('c'), 'theirs', 7 * SECOND);
		const memory = new BoundedTable<string>({ maxEntries: 3, maxAgeMs: 10 * HOUR });
		memory.set(memoryKey('a'), 'mine', 5 * SECOND);
		memory.merge(theirs.toSnapshot(0, 0), 8 * SECOND, 'live peer');
		expect(memory.get(memoryKey('a'), 8 * SECOND)).toBe('mine');
		expect(['b', 'c', 'd'].map((key) => has(memory, key, 8 * SECOND))).toEqual([false, true, true]); // 'b' (oldest) evicted
		memory.set(memoryKey('e'), 'new', 9 * SECOND); // the next to go is the oldest left: 'd'
		expect(['a', 'c', 'd', 'e'].map((key) => has(memory, key, 9 * SECOND))).toEqual([
			true,
			true,
			false,
			true,
		]);
	});

	test('a snapshot round trip keeps keys, values and ages (to the second)', () => {
		const memory = new BoundedTable<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		memory.set(memoryKey('plain'), true, 1_000);
		memory.set(memoryKey('object'), { status: 'arrived', ackTokens: ['a\tb', 'c\nd'] }, 61_400);
		const copy = new BoundedTable<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		copy.merge(memory.toSnapshot(0, 0), 100_000, 'live peer');
		expect(copy.get(memoryKey('plain'), 100_000)).toBe(true);
		expect(copy.get(memoryKey('object'), 100_000)).toEqual({
			status: 'arrived',
			ackTokens: ['a\tb', 'c\nd'],
		});
		expect(has(copy, 'plain', 1_000 + HOUR + 1)).toBe(false);
	});

	test('merge skips damaged lines and keeps the rest', () => {
		const memory = new BoundedTable({ maxEntries: 3, maxAgeMs: HOUR });
		memory.merge(
			`garbage\n\tx\nabc\tnot-base36!\n${memoryKey('bad-json')}\t1\t{oops\n${memoryKey('good')}\t1`,
			0,
			'predecessor',
		);
		expect(memory.size).toBe(1);
		expect(has(memory, 'good', 0)).toBe(true);
	});
});

describe("how sure the table is that an entry's run is over", () => {
	const certainty = (table: BoundedTable<unknown>, key: string) =>
		table.entry(memoryKey(key), 0)?.certainty;

	test('a save marks what may still be running: running, unwatched while young, in doubt', () => {
		const table = new BoundedTable<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		table.set(memoryKey('settled'), true, 0, 'settled');
		table.set(memoryKey('running'), true, 0, 'running');
		table.set(memoryKey('unwatched'), true, 0, 'unwatched');
		table.set(memoryKey('doubt'), true, 0, 'in doubt');
		const marks = (now: number) =>
			table
				.toSnapshot(now, 60_000)
				.split('\n')
				.map((line) => (/^[~?]/.test(line) ? line[0] : ''));
		expect(marks(59_999)).toEqual(['', '~', '~', '?']);
		expect(marks(60_000)).toEqual(['', '~', '', '?']); // unwatched, once old enough, is settled
	});

	test("a predecessor's marked entries are in doubt; a live peer's running ones are trusted", () => {
		const saved = new BoundedTable<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		saved.set(memoryKey('settled'), true, 0, 'settled');
		saved.set(memoryKey('running'), true, 0, 'running');
		saved.set(memoryKey('doubt'), true, 0, 'in doubt');
		const snapshot = saved.toSnapshot(0, 60_000);
		const afterRestart = new BoundedTable<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		afterRestart.merge(snapshot, 0, 'predecessor');
		expect(['settled', 'running', 'doubt'].map((key) => certainty(afterRestart, key))).toEqual([
			'settled',
			'in doubt',
			'in doubt',
		]);
		const peer = new BoundedTable<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		peer.merge(snapshot, 0, 'live peer');
		expect(['settled', 'running', 'doubt'].map((key) => certainty(peer, key))).toEqual([
			'settled',
			'settled',
			'in doubt',
		]);
	});

	test('a snapshot without marks (stored format 3): entries newer than the cut are in doubt', () => {
		const table = new BoundedTable<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		table.merge(`${memoryKey('old')}\t0\n${memoryKey('young')}\ta`, 20_000, 'predecessor', 5_000);
		expect([certainty(table, 'old'), certainty(table, 'young')]).toEqual(['settled', 'in doubt']);
	});

	test('the same entry read again, surer, stops being in doubt; never the other way', () => {
		const table = new BoundedTable<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		table.merge(`~${memoryKey('a')}\t0`, 0, 'predecessor');
		expect(certainty(table, 'a')).toBe('in doubt');
		table.merge(`~${memoryKey('a')}\t0`, 0, 'live peer');
		expect(certainty(table, 'a')).toBe('settled');
		table.merge(`?${memoryKey('a')}\t0`, 0, 'live peer');
		expect(certainty(table, 'a')).toBe('settled');
	});
});
