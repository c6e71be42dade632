import {
	BoundedMemory,
	SAVE_INTERVAL_MS,
	SETTLE_MS,
	forgetProcessMemory,
	memoryKey,
	openMemory,
	takeSharedMemoryNotice,
} from '../../nodes/common/dedupe';

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
		expect(['a', 'c', 'd', 'e'].map((key) => memory.has(key, 9 * SECOND))).toEqual([
			true,
			true,
			false,
			true,
		]);
	});

	test('a snapshot round trip keeps keys, values and ages (to the second)', () => {
		const memory = new BoundedMemory<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		memory.remember('plain', true, 1_000);
		memory.remember('object', { status: 'arrived', ackTokens: ['a\tb', 'c\nd'] }, 61_400);
		const copy = new BoundedMemory<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		copy.merge(memory.toSnapshot(), 100_000);
		expect(copy.recall('plain', 100_000)).toBe(true);
		expect(copy.recall('object', 100_000)).toEqual({
			status: 'arrived',
			ackTokens: ['a\tb', 'c\nd'],
		});
		expect(copy.has('plain', 1_000 + HOUR + 1)).toBe(false);
	});

	test('merge skips damaged lines and keeps the rest', () => {
		const memory = new BoundedMemory({ maxEntries: 3, maxAgeMs: HOUR });
		memory.merge(
			`garbage\n\tx\nabc\tnot-base36!\n${memoryKey('bad-json')}\t1\t{oops\n${memoryKey('good')}\t1`,
			0,
		);
		expect(memory.size).toBe(1);
		expect(memory.has('good', 0)).toBe(true);
	});

	test('keys are stored as short digests, never as given', () => {
		const memory = new BoundedMemory({ maxEntries: 3, maxAgeMs: HOUR });
		memory.remember('b3df4834-328b-4d54-a871-91b17aa52ca4', true, 0);
		expect(memory.toSnapshot()).toBe(`${memoryKey('b3df4834-328b-4d54-a871-91b17aa52ca4')}\t0`);
		expect(memoryKey('b3df4834-328b-4d54-a871-91b17aa52ca4')).toMatch(/^[\w-]{14}$/);
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

	test('close writes a snapshot only when something changed, stamped with this process and the time', () => {
		const staticData: Record<string, unknown> = {};
		const memory = openMemory({ scope: 's', layout, staticData, now: 0, newRevision });
		expect(memory.close()).toBe(false);
		expect(staticData).toEqual({});
		memory.remember('seen', 'evt-1', true);
		expect(memory.close()).toBe(true);
		expect(staticData.captainArriveMemory).toMatchObject({
			v: 3,
			savedAt: 0,
			tables: { seen: `${memoryKey('evt-1')}\t0` },
		});
	});

	test('entries are compact: an id is 22 bytes, an id with a millisecond time 32', () => {
		const memory = new BoundedMemory<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		const now = Date.parse('2026-11-25T10:00:00.123Z');
		memory.remember('b3df4834-328b-4d54-a871-91b17aa52ca4', true, now);
		memory.remember('order-status:6992dc85d681', now, now);
		const lines = memory.toSnapshot().split('\n');
		expect(lines.map((line) => line.length + 1)).toEqual([22, 32]);
		const copy = new BoundedMemory<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		copy.merge(memory.toSnapshot(), now);
		expect(copy.recall('order-status:6992dc85d681', now)).toBe(now);
	});

	test('a restart trusts only entries that were SETTLE_MS old when saved', () => {
		const staticData: Record<string, unknown> = {};
		const before = openMemory({ scope: 's', layout, staticData, now: 0, newRevision });
		before.remember('seen', 'settled', true);
		expect(before.close()).toBe(true);
		const later = openMemory({ scope: 's', layout, staticData, now: SETTLE_MS, newRevision });
		later.remember('seen', 'recent', true);
		expect(later.close()).toBe(true);
		const saved = JSON.parse(JSON.stringify(staticData));
		forgetProcessMemory();
		const after = openMemory({
			scope: 's',
			layout,
			staticData: saved,
			now: SETTLE_MS + 1,
			newRevision,
		});
		expect(after.table('seen').has('settled', SETTLE_MS + 1)).toBe(true);
		expect(after.table('seen').has('recent', SETTLE_MS + 1)).toBe(false);
	});

	test('no save before SAVE_INTERVAL_MS; then one more save settles the newest entries, then none', () => {
		const staticData: Record<string, unknown> = {};
		const open = (now: number) => openMemory({ scope: 's', layout, staticData, now, newRevision });
		const first = open(0);
		first.remember('seen', 'a', true);
		expect(first.close()).toBe(true);
		const second = open(1000);
		second.remember('seen', 'b', true);
		expect(second.close()).toBe(false);
		expect(open(SAVE_INTERVAL_MS - 1).close()).toBe(false);
		expect(open(SAVE_INTERVAL_MS).close()).toBe(true); // carries 'b'
		expect(open(SAVE_INTERVAL_MS + 5000).close()).toBe(false); // 'b' not yet settled, but nothing new
		expect(open(1000 + SETTLE_MS).close()).toBe(true); // the settling save
		expect(open(1000 + SETTLE_MS + 60_000).close()).toBe(false);
	});

	test("another process's snapshot is merged in (its settled part); our own is not re-read", () => {
		const ours: Record<string, unknown> = {};
		const memory = openMemory({ scope: 's', layout, staticData: ours, now: 0, newRevision });
		memory.remember('seen', 'mine', true);
		memory.close();
		const tables = {
			seen: `${memoryKey('old')}\t0\n${memoryKey('fresh')}\t${(SETTLE_MS / 1000).toString(36)}`,
		};
		const theirs = {
			captainArriveMemory: {
				v: 3,
				rev: 'other-process',
				by: 'another',
				savedAt: SETTLE_MS,
				tables,
			},
		};
		const next = openMemory({
			scope: 's',
			layout,
			staticData: theirs,
			now: SETTLE_MS,
			newRevision,
		});
		expect(['mine', 'old', 'fresh'].map((key) => next.table('seen').has(key, SETTLE_MS))).toEqual([
			true,
			true,
			false,
		]);
	});

	test('a held delivery keeps its entries on confirm and undoes them on release, unless changed since', () => {
		const staticData: Record<string, unknown> = {};
		const open = () =>
			openMemory({
				scope: 's',
				layout: { seen: layout.seen, state: layout.seen },
				staticData,
				now: 0,
				newRevision,
			});
		const setUp = open();
		setUp.remember('state', 'trip', 'in-transit');
		setUp.close();
		const accepted = open();
		accepted.remember('state', 'trip', 'arrived');
		accepted.claim('seen', 'call-1');
		const delivery = accepted.hold();
		expect(open().inFlight('seen', 'call-1')).toBe(delivery.settled);
		delivery.release();
		const after = open();
		expect(after.inFlight('seen', 'call-1')).toBeUndefined();
		expect(after.table('seen').has('call-1', 0)).toBe(false);
		expect(after.table('state').recall('trip', 0)).toBe('in-transit');

		const second = open();
		second.remember('state', 'trip', 'approaching');
		const held = second.hold();
		open().remember('state', 'trip', 'arrived'); // a later call changed the trip meanwhile
		held.release();
		expect(open().table('state').recall('trip', 0)).toBe('arrived');
	});

	test("a save by another live process is noticed once an hour; a predecessor's last save is not", () => {
		const foreignSave = (savedAt: number, rev: string) => ({
			captainArriveMemory: { v: 3, rev, by: 'other-process', savedAt, tables: { seen: '' } },
		});
		// A fresh process reading what its predecessor saved: no notice.
		openMemory({ scope: 's', layout, staticData: foreignSave(0, 'a'), now: 1000, newRevision });
		expect(takeSharedMemoryNotice('s', 1000)).toBe(false);
		// This process saves, then sees a newer save by another one: both serve the URL.
		const ours = openMemory({ scope: 's', layout, staticData: {}, now: 2000, newRevision });
		ours.remember('seen', 'evt', true);
		ours.close();
		openMemory({ scope: 's', layout, staticData: foreignSave(3000, 'b'), now: 4000, newRevision });
		expect(takeSharedMemoryNotice('s', 4000)).toBe(true);
		// Shared: every change is saved at once, not once per SAVE_INTERVAL_MS.
		const shared = openMemory({ scope: 's', layout, staticData: {}, now: 4500, newRevision });
		shared.remember('seen', 'evt-2', true);
		expect(shared.close()).toBe(true);
		expect(takeSharedMemoryNotice('s', 5000)).toBe(false); // once an hour
		openMemory({
			scope: 's',
			layout,
			staticData: foreignSave(3_600_000, 'c'),
			now: 3_604_001,
			newRevision,
		});
		expect(takeSharedMemoryNotice('s', 3_604_001)).toBe(true);
		expect(takeSharedMemoryNotice('other-scope', 3_604_001)).toBe(false);
	});

	test('a process seen saving more than once is a live peer: its recent entries are trusted', () => {
		const save = (rev: string, savedAt: number, keys: string[]) => ({
			captainArriveMemory: {
				v: 3,
				rev,
				by: 'peer',
				savedAt,
				tables: {
					seen: keys.map((key) => `${memoryKey(key)}\t${(savedAt / 1000).toString(36)}`).join('\n'),
				},
			},
		});
		const first = openMemory({
			scope: 's',
			layout,
			staticData: save('r1', 20_000, ['a']),
			now: 20_000,
			newRevision,
		});
		expect(first.table('seen').has('a', 20_000)).toBe(false); // first sight: maybe a dead predecessor
		const second = openMemory({
			scope: 's',
			layout,
			staticData: save('r2', 22_000, ['a', 'b']),
			now: 22_000,
			newRevision,
		});
		expect(['a', 'b'].map((key) => second.table('seen').has(key, 22_000))).toEqual([true, true]);
	});

	test('a save leaves out what deliveries still in flight wrote; the save after their answer has it', () => {
		const staticData: Record<string, unknown> = {};
		const open = (now: number) => openMemory({ scope: 's', layout, staticData, now, newRevision });
		const waiting = open(0);
		waiting.claim('seen', 'in-flight');
		const delivery = waiting.hold();
		const other = open(0);
		other.remember('seen', 'dropped-path', true);
		expect(other.close()).toBe(true);
		const stored = () =>
			(staticData.captainArriveMemory as { tables: { seen: string } }).tables.seen;
		expect(stored()).toBe(`${memoryKey('dropped-path')}\t0`);
		delivery.confirm(SAVE_INTERVAL_MS);
		expect(stored().split('\n')).toEqual([
			`${memoryKey('in-flight')}\t0`,
			`${memoryKey('dropped-path')}\t0`,
		]);
	});

	test('scopes are separate', () => {
		openMemory({ scope: 'a', layout, now: 0, newRevision }).remember('seen', 'evt', true);
		const has = (scope: string) =>
			openMemory({ scope, layout, now: 0, newRevision }).table('seen').has('evt', 0);
		// Remembered where it was written (else "not in b" would hold for a memory that keeps nothing).
		expect({ a: has('a'), b: has('b') }).toEqual({ a: true, b: false });
	});

	test('limits follow the current settings', () => {
		const memory = openMemory({ scope: 's', layout, now: 0, newRevision });
		for (let i = 0; i < 50; i++) memory.remember('seen', `e${i}`, true);
		const smaller = openMemory({
			scope: 's',
			layout: { seen: { maxEntries: 10, maxAgeMs: HOUR } },
			now: 0,
			newRevision,
		});
		smaller.remember('seen', 'last', true);
		expect(smaller.table('seen').size).toBe(10);
	});

	test('ignores static data in an unknown shape, and starts empty', () => {
		const staticData = { captainArriveMemory: { v: 99, junk: true } };
		const memory = openMemory({ scope: 's', layout, staticData, now: 0, newRevision });
		expect(memory.table('seen').size).toBe(0);
		memory.remember('seen', 'evt', true);
		expect(memory.close()).toBe(true);
		expect(staticData.captainArriveMemory).toMatchObject({ v: 3 });
	});
});
