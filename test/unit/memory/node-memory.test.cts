import { memoryKey } from '../../../nodes/common/fingerprint';
import {
	type MemoryLayout,
	type NodeMemory,
	SAVE_INTERVAL_MS,
	UNWATCHED_SETTLE_MS,
	forgetProcessMemory,
	openMemory,
	recordRunStart,
	takeSharedMemoryNotice,
} from '../../../nodes/common/memory/node-memory';
import { BoundedTable } from '../../../nodes/common/memory/table';

/** Writes `value` under `key` (what a receiver does through a slot). */
function remember(memory: NodeMemory<MemoryLayout>, table: string, key: string, value: unknown) {
	memory.slot(table, key).set(value);
}

/** Whether `key` is remembered in `table`. */
function has(memory: NodeMemory<MemoryLayout>, table: string, key: string): boolean {
	return memory.slot(table, key).value !== undefined;
}

/** What "seen before?" answers for `key`. */
function answerFor(memory: NodeMemory<MemoryLayout>, table: string, key: string) {
	return memory.seenBefore(table, key).answer;
}

/** A delivery accepted and answered (its run started; n8n 1.x or a worker: nobody says when it ends). */
function accept(memory: NodeMemory<MemoryLayout>, key: string, now: number) {
	claim(memory, 'seen', key);
	memory.hold().confirm(now);
}

/** Claims `key` as a delivery's own key, as the pipeline does once a delivery is accepted. */
function claim(memory: NodeMemory<MemoryLayout>, table: string, key: string) {
	const seen = memory.seenBefore(table, key);
	if (seen.answer !== 'new') throw new Error(`${key} is not new: ${seen.answer}`);
	seen.claim();
}

const HOUR = 3_600_000;

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
		remember(first, 'seen', 'evt-1', true);
		expect(has(second, 'seen', 'evt-1')).toBe(true);
	});

	test('close writes a snapshot only when something changed, stamped with this process and the time', () => {
		const staticData: Record<string, unknown> = {};
		const memory = openMemory({ scope: 's', layout, staticData, now: 0, newRevision });
		expect(memory.close()).toBe(false);
		expect(staticData).toEqual({});
		remember(memory, 'seen', 'evt-1', true);
		expect(memory.close()).toBe(true);
		expect(staticData.captainArriveMemory).toMatchObject({
			v: 4,
			savedAt: 0,
			tables: { seen: `${memoryKey('evt-1')}\t0` },
		});
	});

	test('entries are compact: an id is 22 bytes, an id with a millisecond time 32', () => {
		const memory = new BoundedTable<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		const now = Date.parse('2026-11-25T10:00:00.123Z');
		memory.set(memoryKey('b3df4834-328b-4d54-a871-91b17aa52ca4'), true, now);
		memory.set(memoryKey('order-status:6992dc85d681'), now, now);
		const lines = memory.toSnapshot(now, UNWATCHED_SETTLE_MS).split('\n');
		expect(lines.map((line) => line.length + 1)).toEqual([22, 32]);
		const copy = new BoundedTable<unknown>({ maxEntries: 10, maxAgeMs: HOUR });
		copy.merge(memory.toSnapshot(now, UNWATCHED_SETTLE_MS), now, 'predecessor');
		expect(copy.get(memoryKey('order-status:6992dc85d681'), now)).toBe(now);
	});

	test('after a restart, a delivery whose run was not known to be over is in doubt; an older one is seen', () => {
		const staticData: Record<string, unknown> = {};
		accept(openMemory({ scope: 's', layout, staticData, now: 0, newRevision }), 'old', 0);
		const later = UNWATCHED_SETTLE_MS;
		accept(
			openMemory({ scope: 's', layout, staticData, now: later, newRevision }),
			'recent',
			later,
		);
		const saved = JSON.parse(JSON.stringify(staticData));
		forgetProcessMemory();
		const after = openMemory({
			scope: 's',
			layout,
			staticData: saved,
			now: later + 1,
			newRevision,
		});
		expect(after.seenBefore('seen', 'old')).toEqual({ answer: 'seen' });
		expect(after.seenBefore('seen', 'recent')).toMatchObject({
			answer: 'in doubt',
			firstAcceptedAt: later,
		});
	});

	test('what a request without a run writes is settled at once (nothing could be cut short)', () => {
		const staticData: Record<string, unknown> = {};
		const memory = openMemory({ scope: 's', layout, staticData, now: 0, newRevision });
		remember(memory, 'seen', 'state', true);
		memory.close();
		forgetProcessMemory();
		const after = openMemory({ scope: 's', layout, staticData, now: 1, newRevision });
		expect(answerFor(after, 'seen', 'state')).toBe('seen');
	});

	test("n8n's end-of-run signal settles a run's entries; the next save stores them settled", () => {
		const staticData: Record<string, unknown> = {};
		const memory = openMemory({ scope: 's', layout, staticData, now: 0, newRevision });
		claim(memory, 'seen', 'ends');
		const delivery = memory.hold();
		let endRun = () => undefined as void;
		delivery.runStarted((handler) => (endRun = handler));
		delivery.confirm(0);
		const lines = () =>
			(staticData.captainArriveMemory as { tables: { seen: string } }).tables.seen;
		expect(lines()).toBe(`~${memoryKey('ends')}\t0`); // running: in doubt after a restart
		endRun();
		expect(
			openMemory({ scope: 's', layout, staticData, now: SAVE_INTERVAL_MS, newRevision }).close(),
		).toBe(true);
		expect(lines()).toBe(`${memoryKey('ends')}\t0`);
		forgetProcessMemory();
		const after = openMemory({
			scope: 's',
			layout,
			staticData,
			now: SAVE_INTERVAL_MS,
			newRevision,
		});
		expect(answerFor(after, 'seen', 'ends')).toBe('seen');
	});

	test('no save before SAVE_INTERVAL_MS; then one more save settles the newest entries, then none', () => {
		const staticData: Record<string, unknown> = {};
		const open = (now: number) => openMemory({ scope: 's', layout, staticData, now, newRevision });
		accept(open(0), 'a', 0); // saves
		const stored = () =>
			(staticData.captainArriveMemory as { tables: { seen: string } }).tables.seen;
		expect(stored()).toBe(`~${memoryKey('a')}\t0`);
		accept(open(1000), 'b', 1000); // too soon
		expect(open(SAVE_INTERVAL_MS - 1).close()).toBe(false);
		expect(open(SAVE_INTERVAL_MS).close()).toBe(true); // carries 'b'
		expect(open(SAVE_INTERVAL_MS + 5000).close()).toBe(false); // 'b' not yet settled, but nothing new
		expect(open(1000 + UNWATCHED_SETTLE_MS).close()).toBe(true); // the settling save
		expect(stored()).toBe(`${memoryKey('a')}\t0\n${memoryKey('b')}\t1`);
		expect(open(1000 + UNWATCHED_SETTLE_MS + 60_000).close()).toBe(false);
	});

	test("another process's snapshot is merged in; our own is not re-read", () => {
		const ours: Record<string, unknown> = {};
		const memory = openMemory({ scope: 's', layout, staticData: ours, now: 0, newRevision });
		remember(memory, 'seen', 'mine', true);
		memory.close();
		const theirs = {
			captainArriveMemory: {
				v: 4,
				rev: 'other-process',
				by: 'another',
				savedAt: 20_000,
				tables: { seen: `${memoryKey('old')}\t0\n~${memoryKey('fresh')}\tk` },
			},
		};
		const next = openMemory({ scope: 's', layout, staticData: theirs, now: 20_000, newRevision });
		expect(['mine', 'old', 'fresh'].map((key) => answerFor(next, 'seen', key))).toEqual([
			'seen',
			'seen',
			'in doubt',
		]);
	});

	test('a snapshot of the earlier format (3): entries younger than 10 s at its save are in doubt', () => {
		const theirs = {
			captainArriveMemory: {
				v: 3,
				rev: 'format-3',
				by: 'predecessor',
				savedAt: 10_000,
				tables: { seen: `${memoryKey('old')}\t0\n${memoryKey('fresh')}\t${(10).toString(36)}` },
			},
		};
		const next = openMemory({ scope: 's', layout, staticData: theirs, now: 10_000, newRevision });
		expect(['old', 'fresh'].map((key) => answerFor(next, 'seen', key))).toEqual([
			'seen',
			'in doubt',
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
		remember(setUp, 'state', 'trip', 'in-transit');
		setUp.close();
		const accepted = open();
		remember(accepted, 'state', 'trip', 'arrived');
		claim(accepted, 'seen', 'call-1');
		const delivery = accepted.hold();
		expect(open().seenBefore('seen', 'call-1')).toEqual({
			answer: 'in flight',
			settled: delivery.settled,
		});
		delivery.release();
		const after = open();
		expect(after.seenBefore('seen', 'call-1')).toMatchObject({ answer: 'new' });
		expect(has(after, 'seen', 'call-1')).toBe(false);
		expect(after.slot('state', 'trip').value).toBe('in-transit');

		const second = open();
		remember(second, 'state', 'trip', 'approaching');
		const held = second.hold();
		remember(open(), 'state', 'trip', 'arrived'); // a later call changed the trip meanwhile
		held.release();
		expect(open().slot('state', 'trip').value).toBe('arrived');
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
		remember(ours, 'seen', 'evt', true);
		ours.close();
		openMemory({ scope: 's', layout, staticData: foreignSave(3000, 'b'), now: 4000, newRevision });
		expect(takeSharedMemoryNotice('s', 4000)).toBe(true);
		// Shared: every change is saved at once, not once per SAVE_INTERVAL_MS.
		const shared = openMemory({ scope: 's', layout, staticData: {}, now: 4500, newRevision });
		remember(shared, 'seen', 'evt-2', true);
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

	test('a process seen saving more than once is a live peer: its running entries are trusted', () => {
		const save = (rev: string, savedAt: number, keys: string[]) => ({
			captainArriveMemory: {
				v: 4,
				rev,
				by: 'peer',
				savedAt,
				tables: {
					seen: keys
						.map((key) => `~${memoryKey(key)}\t${(savedAt / 1000).toString(36)}`)
						.join('\n'),
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
		expect(answerFor(first, 'seen', 'a')).toBe('in doubt'); // first sight: maybe a dead predecessor
		const second = openMemory({
			scope: 's',
			layout,
			staticData: save('r2', 22_000, ['a', 'b']),
			now: 22_000,
			newRevision,
		});
		expect(['a', 'b'].map((key) => answerFor(second, 'seen', key))).toEqual(['seen', 'seen']);
	});

	test('a save leaves out what deliveries still in flight wrote; the save after their answer has it', () => {
		const staticData: Record<string, unknown> = {};
		const open = (now: number) => openMemory({ scope: 's', layout, staticData, now, newRevision });
		const waiting = open(0);
		claim(waiting, 'seen', 'in-flight');
		const delivery = waiting.hold();
		const other = open(0);
		remember(other, 'seen', 'dropped-path', true);
		expect(other.close()).toBe(true);
		const stored = () =>
			(staticData.captainArriveMemory as { tables: { seen: string } }).tables.seen;
		expect(stored()).toBe(`${memoryKey('dropped-path')}\t0`);
		delivery.confirm(SAVE_INTERVAL_MS);
		// The accepted delivery's run may still be going: marked, so a restart doubts it.
		expect(stored().split('\n')).toEqual([
			`~${memoryKey('in-flight')}\t0`,
			`${memoryKey('dropped-path')}\t0`,
		]);
	});

	test('scopes are separate', () => {
		remember(openMemory({ scope: 'a', layout, now: 0, newRevision }), 'seen', 'evt', true);
		const hasIn = (scope: string) =>
			has(openMemory({ scope, layout, now: 0, newRevision }), 'seen', 'evt');
		// Remembered where it was written (else "not in b" would hold for a memory that keeps nothing).
		expect({ a: hasIn('a'), b: hasIn('b') }).toEqual({ a: true, b: false });
	});

	test('limits follow the current settings', () => {
		const memory = openMemory({ scope: 's', layout, now: 0, newRevision });
		for (let i = 0; i < 50; i++) remember(memory, 'seen', `e${i}`, true);
		const smaller = openMemory({
			scope: 's',
			layout: { seen: { maxEntries: 10, maxAgeMs: HOUR } },
			now: 0,
			newRevision,
		});
		remember(smaller, 'seen', 'last', true);
		// The 10 newest stay: e41…e49 and 'last'.
		expect(['e40', 'e41', 'e49', 'last'].map((key) => has(smaller, 'seen', key))).toEqual([
			false,
			true,
			true,
			true,
		]);
	});

	test('ignores static data in an unknown shape, and starts empty', () => {
		const staticData = { captainArriveMemory: { v: 99, junk: true } };
		const memory = openMemory({ scope: 's', layout, staticData, now: 0, newRevision });
		remember(memory, 'seen', 'evt', true);
		expect(memory.close()).toBe(true);
		expect(staticData.captainArriveMemory).toMatchObject({ v: 4 });
	});
});

describe('a run started in another process than the one that accepted its delivery', () => {
	const layout = {
		seen: { maxEntries: 100, maxAgeMs: HOUR },
		state: { maxEntries: 100, maxAgeMs: HOUR },
	};
	const newRevision = () => 'rev';
	beforeEach(() => forgetProcessMemory());

	/** A delivery accepted in a process that is then killed before n8n started its run. */
	function acceptedThenKilled(key: string) {
		const memory = openMemory({ scope: 's', layout, staticData: {}, now: 0, newRevision });
		claim(memory, 'seen', key);
		remember(memory, 'state', `trip-of-${key}`, { status: 'arrived' });
		const handOff = memory.hold().handOff();
		forgetProcessMemory();
		return JSON.parse(JSON.stringify(handOff)); // n8n stores it with the execution
	}

	test("records the delivery here: the provider's resend is a duplicate, its state is known", () => {
		const handOff = acceptedThenKilled('evt');
		expect(recordRunStart(handOff, 5_000, undefined)).toBe('first run');
		const memory = openMemory({ scope: 's', layout, now: 6_000, newRevision });
		expect(answerFor(memory, 'seen', 'evt')).toBe('seen');
		expect(memory.slot('state', 'trip-of-evt').value).toEqual({ status: 'arrived' });
	});

	test('when this process accepted the same delivery meanwhile, the run may be a repeat', () => {
		const handOff = acceptedThenKilled('evt');
		const here = openMemory({ scope: 's', layout, now: 1_000, newRevision });
		claim(here, 'seen', 'evt'); // the provider's resend, accepted before n8n got to the old run
		here.hold();
		expect(recordRunStart(handOff, 2_000, undefined)).toBe('possible repeat');
	});

	test('a delivery accepted here: its entries belong to a running run until n8n says it ended', () => {
		const staticData: Record<string, unknown> = {};
		const memory = openMemory({ scope: 's', layout, staticData, now: 0, newRevision });
		claim(memory, 'seen', 'evt');
		const delivery = memory.hold();
		let end = () => undefined as void;
		expect(recordRunStart(delivery.handOff(), 0, (handler) => (end = handler))).toBe('first run');
		delivery.confirm(0);
		const stored = () =>
			(staticData.captainArriveMemory as { tables: { seen: string } }).tables.seen;
		expect(stored()).toBe(`~${memoryKey('evt')}\t0`);
		end();
		openMemory({ scope: 's', layout, staticData, now: SAVE_INTERVAL_MS, newRevision }).close();
		expect(stored()).toBe(`${memoryKey('evt')}\t0`);
	});

	test('n8n offering the end signal but failing to register it leaves the entries unwatched', () => {
		const handOff = acceptedThenKilled('evt');
		const failing = () => {
			throw new TypeError('addHandler is not a function');
		};
		expect(recordRunStart(handOff, 0, failing)).toBe('first run');
		const staticData: Record<string, unknown> = {};
		openMemory({ scope: 's', layout, staticData, now: UNWATCHED_SETTLE_MS, newRevision }).close();
		const stored = (staticData.captainArriveMemory as { tables: { seen: string } }).tables.seen;
		expect(stored).toBe(`${memoryKey('evt')}\t0`); // settled by age, not stuck running
	});

	test("a delayed run does not put back an older state: it is a possible repeat when this process's state holds its moment", () => {
		const memory = openMemory({ scope: 's', layout, staticData: {}, now: 0, newRevision });
		claim(memory, 'seen', 'call-1');
		remember(memory, 'state', 'trip', { status: 'approaching', ackTokens: ['t1'] });
		const handOff = JSON.parse(JSON.stringify(memory.hold().handOff()));
		forgetProcessMemory();
		// After the crash, a later call moved the trip on (its approach ran here too).
		const here = openMemory({ scope: 's', layout, now: 1_000, newRevision });
		remember(here, 'state', 'trip', { status: 'arrived', ackTokens: ['t1', 't2'] });
		here.close();
		expect(recordRunStart(handOff, 2_000, undefined)).toBe('possible repeat');
		expect(
			openMemory({ scope: 's', layout, now: 2_000, newRevision }).slot('state', 'trip').value,
		).toEqual({ status: 'arrived', ackTokens: ['t1', 't2'] });
	});

	test('a state that merely shares a trip with the run is no repeat, and is kept', () => {
		const memory = openMemory({ scope: 's', layout, staticData: {}, now: 0, newRevision });
		claim(memory, 'seen', 'call-1');
		remember(memory, 'state', 'trip', { status: 'arrived', ackTokens: ['t2'] });
		const handOff = JSON.parse(JSON.stringify(memory.hold().handOff()));
		forgetProcessMemory();
		const here = openMemory({ scope: 's', layout, now: 1_000, newRevision });
		remember(here, 'state', 'trip', { status: 'approaching', ackTokens: ['t1'] });
		here.close();
		expect(recordRunStart(handOff, 2_000, undefined)).toBe('first run');
		const after = openMemory({ scope: 's', layout, now: 2_000, newRevision });
		expect(after.slot('state', 'trip').value).toEqual({ status: 'approaching', ackTokens: ['t1'] });
		expect(answerFor(after, 'seen', 'call-1')).toBe('seen');
	});
});

test('an answer n8n writes after its save leaves the save to the next request, at once for a provider that resends regardless', () => {
	forgetProcessMemory();
	const layout = { seen: { maxEntries: 10, maxAgeMs: HOUR } };
	const staticData: Record<string, unknown> = {};
	const open = (now: number) =>
		openMemory({ scope: 'eager', layout, staticData, now, newRevision: () => `r${now}` });
	accept(open(0), 'first', 0); // a save at 0
	const memory = open(100);
	claim(memory, 'seen', 'later');
	memory.hold({ waitsForRunEnd: true, savedAtOnce: true }).confirm(100, false);
	const stored = () => (staticData.captainArriveMemory as { tables: { seen: string } }).tables.seen;
	expect(stored()).not.toContain(memoryKey('later')); // not written where n8n will not save it
	expect(open(200).close()).toBe(true); // the next request, well within SAVE_INTERVAL_MS
	expect(stored()).toContain(memoryKey('later'));
});
