/**
 * A trigger node's memory: what it has accepted and the state it compares against (the latest
 * time per entity, each trip's status and ack tokens), kept per node in this n8n process and
 * saved into the workflow's static data, which survives restarts.
 *
 * The promise it keeps: a redelivery is dropped only when the first delivery's run exists.
 * - In this process, an accepted delivery is "in flight" until n8n has answered it: its
 *   entries already block a concurrent twin (which waits for the outcome rather than
 *   guessing), and they are undone if n8n could not start the run (the provider retries).
 * - n8n builds a fresh Workflow, with its own copy of the static data, for every production
 *   request, so the per-process registry below is what makes check-then-record atomic: it is
 *   shared by all requests of one n8n process, and a request never awaits between its check
 *   and its record.
 * - Static data is what survives restarts. n8n rewrites it whole through one database
 *   connection, so saves are coalesced (at most one per SAVE_INTERVAL_MS per node; every change
 *   while another live process shares the node) and entries are compact lines (table.ts).
 *   What a crash can lose is the newest entries: their redeliveries then run again (a
 *   duplicate, never a loss).
 * - A run that had started when n8n was killed may not have finished. Each entry carries how
 *   sure the node is that its run is over (table.ts, EntryCertainty): n8n 2.x says when a run
 *   in this process ends (onExecutionFinish); a run elsewhere (a queue-mode worker) or on n8n
 *   1.x counts as over once its entry is UNWATCHED_SETTLE_MS old. Each snapshot names the
 *   process that wrote it. A process reading a snapshot by another one it has not seen save
 *   before (what a predecessor left before a restart) holds the entries whose run was not
 *   over "in doubt": a resend is run again, and marked as a possible repeat (or skipped, as
 *   the user chooses). A process it has seen save more than once is a live peer (webhook
 *   processes in queue mode, whose runs execute on workers): its running entries are trusted.
 * - A run can also start in another process than the one that accepted its delivery: n8n
 *   starts at boot the runs a crash left enqueued, and a queue-mode worker runs them all. The
 *   delivery's entries travel with its items (handOff), and that run records them there, so
 *   the provider's resend is a duplicate wherever it arrives next.
 */
import { randomUUID } from 'crypto';

import { memoryKey } from '../fingerprint';
import { isJsonObject } from '../json';
import { startWaiting, stopWaiting, forgetWaiting } from './backpressure';
import { BoundedTable, type MemoryLimits, type TableEntry, type TableSnapshot } from './table';

/** The tables of one node and their bounds: `{ acceptedEvents: { maxEntries, maxAgeMs }, … }`. */
export type MemoryLayout = Record<string, MemoryLimits>;

/** Saves of one node's memory into static data are at least this far apart. */
export const SAVE_INTERVAL_MS = 3_000;
/**
 * How long after acceptance a run nobody watches is taken to be over (a run on a queue-mode
 * worker, or on n8n 1.x, which has no end-of-run signal for a node). Long enough for a run
 * that waited behind others under load and n8n's graceful shutdown (30 s by default).
 */
export const UNWATCHED_SETTLE_MS = 60_000;
/** What snapshots without certainty marks (stored format 3) assumed: a run over after 10 s. */
const FORMAT_3_SETTLE_MS = 10_000;

interface StoredMemory {
	/** 4: lines carry certainty marks; 3 (read only): they do not. */
	v: 3 | 4;
	rev: string;
	/** The n8n process that saved it (processId), and when. */
	by: string;
	savedAt: number;
	tables: Record<string, TableSnapshot>;
}

/** Where in the node's static data the memory lives; nothing else reads or writes it. */
const STATIC_DATA_KEY = 'captainArriveMemory';
/** Revisions remembered per scope to recognise snapshots this process already holds. */
const KNOWN_REVISIONS = 32;
/** Other processes remembered per scope (webhook processes, predecessors). */
const MAX_WRITERS_KNOWN = 16;
/** Node scopes (workflow + node + test/production) kept in one process. */
const MAX_SCOPES = 1000;
/** Another process saving a node's memory within this long means both serve its URL. */
const SHARED_WINDOW_MS = 5 * 60_000;
/** A shared memory is reported at most this often per node. */
const SHARED_REPORT_INTERVAL_MS = 60 * 60_000;

/** Changes with every start of n8n: tells this process's snapshots from earlier ones. */
let processId = randomUUID();

/** One node's memory in this process. */
interface ScopeState {
	tables: Map<string, BoundedTable<unknown>>;
	knownRevisions: string[];
	lastSaveAt: number;
	/** Something changed since the last save. */
	unsaved: boolean;
	/** A change to save at the next request, however recent the last save (see confirm). */
	saveAtNextRequest: boolean;
	/** Time of the newest entry written, to know when a save would settle it. */
	newestAt: number;
	/** The newestAt whose settling save was found unneeded (its entries' runs were watched). */
	settlingCheckedAt: number;
	/** `table TAB digest` of claimed keys → the delivery waiting for its run. */
	inFlight: Map<string, Delivery>;
	/**
	 * Digests written by deliveries still in flight, per table, with how many such deliveries
	 * wrote each: left out of saves, so what is stored never speaks for a delivery whose run
	 * may not exist.
	 */
	withheld: Map<string, Map<string, number>>;
	/**
	 * The same for deliveries of a provider that resends regardless (ARRIVE): saved, but marked
	 * in doubt, so that a crash before their answer still leaves their moments marked when the
	 * provider lists them again, while no peer or successor trusts them.
	 */
	shownInDoubt: Map<string, Map<string, number>>;
	/** Other processes whose saves this one has read, and how many (bounded). */
	writers: Map<string, number>;
	/** When another live process last saved this memory, and when that was last reported. */
	sharedSeenAt: number;
	sharedReportedAt: number;
}

const registry = new Map<string, ScopeState>();

/** Where a node's memory is kept: its scope in this process and its static data. */
export interface MemoryPlace {
	/** Identifies the node across requests: workflow id, node id, test or production. */
	scope: string;
	/** The node's workflow static data; `undefined` keeps memory in this process only. */
	staticData?: Record<string, unknown>;
	newRevision: () => string;
}

export interface OpenMemoryOptions<L extends MemoryLayout> extends MemoryPlace {
	layout: L;
	now: number;
}

function readStored(staticData: Record<string, unknown>): StoredMemory | undefined {
	const stored = staticData[STATIC_DATA_KEY] as StoredMemory | undefined;
	if (
		!stored ||
		typeof stored !== 'object' ||
		(stored.v !== 3 && stored.v !== 4) ||
		typeof stored.tables !== 'object'
	)
		return undefined;
	return stored;
}

function rememberRevision(state: ScopeState, rev: string): void {
	state.knownRevisions.push(rev);
	if (state.knownRevisions.length > KNOWN_REVISIONS) state.knownRevisions.shift();
}

function isSaveDue(state: ScopeState, now: number, eager = false): boolean {
	// While another live process serves this node too (queue mode without URI routing), its
	// dedupe depends on reading our saves: save every change rather than every few seconds.
	const interval =
		eager || state.saveAtNextRequest || state.sharedSeenAt >= now - SHARED_WINDOW_MS
			? 0
			: SAVE_INTERVAL_MS;
	if (now - state.lastSaveAt < interval) return false;
	if (state.unsaved) return true;
	// Unwatched entries are saved as "maybe running" until UNWATCHED_SETTLE_MS old; one more
	// save, once they are old enough, makes them count as settled. Not needed when n8n said the
	// runs ended (looked up once per newest entry: a scan of the tables).
	const settleAt = state.newestAt + UNWATCHED_SETTLE_MS;
	if (state.lastSaveAt >= settleAt || now < settleAt || state.settlingCheckedAt === state.newestAt)
		return false;
	const since = state.lastSaveAt - UNWATCHED_SETTLE_MS;
	if ([...state.tables.values()].some((table) => table.hasUnwatchedSince(since))) return true;
	state.settlingCheckedAt = state.newestAt;
	return false;
}

/** Writes the scope's snapshot into static data when a save is due; n8n then saves it. */
function saveIfDue(
	state: ScopeState,
	staticData: Record<string, unknown> | undefined,
	now: number,
	newRevision: () => string,
	eager = false,
): boolean {
	if (!staticData || !isSaveDue(state, now, eager)) return false;
	const rev = newRevision();
	const tables: Record<string, TableSnapshot> = {};
	for (const [name, table] of state.tables)
		tables[name] = table.toSnapshot(
			now,
			UNWATCHED_SETTLE_MS,
			new Set(state.withheld.get(name)?.keys()),
			new Set(state.shownInDoubt.get(name)?.keys()),
		);
	staticData[STATIC_DATA_KEY] = {
		v: 4,
		rev,
		by: processId,
		savedAt: now,
		tables,
	} satisfies StoredMemory;
	rememberRevision(state, rev);
	state.lastSaveAt = now;
	state.saveAtNextRequest = false;
	// What was withheld or shown in doubt still has to be saved once its delivery is answered.
	state.unsaved = [...state.withheld.values(), ...state.shownInDoubt.values()].some(
		(digests) => digests.size > 0,
	);
	return true;
}

/** Merges a snapshot this process has not read yet; whom to trust how far is said at the top. */
function mergeStored(state: ScopeState, stored: StoredMemory, now: number): void {
	const foreign = stored.by !== processId;
	const savesSeen = state.writers.get(stored.by) ?? 0;
	const source = foreign && savesSeen === 0 ? 'predecessor' : 'live peer';
	const settledUntil =
		stored.v === 3 && source === 'predecessor' ? stored.savedAt - FORMAT_3_SETTLE_MS : Infinity;
	if (foreign) {
		state.writers.delete(stored.by);
		state.writers.set(stored.by, savesSeen + 1);
		if (state.writers.size > MAX_WRITERS_KNOWN)
			state.writers.delete(state.writers.keys().next().value as string);
	}
	// A process that has saved itself and then sees a newer save by another one is not reading
	// what a predecessor left before a restart: two processes serve this node.
	if (foreign && state.lastSaveAt > -Infinity && stored.savedAt >= now - SHARED_WINDOW_MS) {
		state.sharedSeenAt = now;
	}
	for (const [name, snapshot] of Object.entries(stored.tables)) {
		if (typeof snapshot === 'string')
			state.tables.get(name)?.merge(snapshot, now, source, settledUntil);
	}
	rememberRevision(state, stored.rev);
}

type UndoStep = () => void;

/** An entry a delivery wrote: where, and the entry object (to settle it when its run ends). */
interface Written {
	table: string;
	digest: string;
	entry: TableEntry<unknown>;
}

/**
 * What travels with an accepted delivery's items into its run, so that a run started in
 * another process (at boot after a crash, or on a queue-mode worker) can record the delivery
 * there. Plain JSON: n8n stores it with the execution.
 */
export interface HandOff {
	/** The process that accepted the delivery. */
	by: string;
	scope: string;
	acceptedAt: number;
	/** `table TAB digest` of the delivery's own key. */
	claims: string[];
	/** [table, digest, value] of every entry the delivery wrote. */
	writes: Array<[string, string, unknown]>;
	layout: MemoryLayout;
}

/** A run's way to hear that it has ended: n8n 2.x's onExecutionFinish, when there is one. */
export type OnRunEnd = ((handler: () => void) => void) | undefined;

/**
 * An accepted delivery waiting for n8n to answer it. `confirm` once the run exists (its
 * entries stay, and the memory is saved if due), `release` when it could not start (its
 * entries are undone, so the provider's retry runs). Either settles any twin waiting on it.
 */
export class Delivery {
	private resolveSettled!: () => void;
	readonly settled = new Promise<void>((resolve) => (this.resolveSettled = resolve));
	private open = true;

	constructor(
		readonly acceptedAt: number,
		private readonly scope: string,
		private readonly state: ScopeState,
		private readonly claims: string[],
		private readonly undoSteps: UndoStep[],
		private readonly written: Written[],
		private readonly staticData: Record<string, unknown> | undefined,
		private readonly newRevision: () => string,
		/** Answered when the run has finished: it waits as long as the run, not for n8n to start it. */
		waitsForRunEnd: boolean,
		/** Saved as soon as it is answered, whenever the last save was (see NodeMemory.hold). */
		private readonly savedAtOnce: boolean,
	) {
		for (const claim of claims) state.inFlight.set(claim, this);
		const pending = this.pendingWrites();
		for (const { table, digest } of written) {
			if (!pending.has(table)) pending.set(table, new Map());
			const digests = pending.get(table)!;
			digests.set(digest, (digests.get(digest) ?? 0) + 1);
		}
		// Its moments, in doubt, reach static data with the next request rather than the next
		// scheduled save: a crash in between would leave them unknown to the next process.
		if (savedAtOnce && written.length > 0) state.saveAtNextRequest = true;
		startWaiting(this, { ageCounts: !waitsForRunEnd });
	}

	/** For the items: what a run elsewhere needs to record this delivery (see HandOff). */
	handOff(): HandOff {
		const layout: MemoryLayout = {};
		for (const { table } of this.written) layout[table] = this.state.tables.get(table)!.limits;
		return {
			by: processId,
			scope: this.scope,
			acceptedAt: this.acceptedAt,
			claims: this.claims,
			writes: this.written.map(({ table, digest, entry }) => [table, digest, entry.value]),
			layout,
		};
	}

	/**
	 * The run started, in this process. Its entries count as running until n8n says it ended
	 * (then settled, and saved with the next save); without that signal they stay unwatched.
	 */
	runStarted(onRunEnd: OnRunEnd): void {
		stopWaiting(this);
		watchRun(this.state, this.written, onRunEnd);
	}

	/**
	 * The run exists (or, answered when it finished, succeeded). `savedByThisRequest`: n8n
	 * saves static data after this answer (a Buffer answered by the run as it starts); when n8n
	 * saved before writing the answer (its own answer at the run's end, or an object body), a
	 * save written now would go nowhere, so the next request saves instead.
	 */
	confirm(now: number, savedByThisRequest = true): void {
		if (!this.close()) return;
		if (savedByThisRequest) {
			saveIfDue(this.state, this.staticData, now, this.newRevision, this.savedAtOnce);
			return;
		}
		this.state.unsaved = true;
		if (this.savedAtOnce) this.state.saveAtNextRequest = true;
	}

	release(): void {
		if (!this.close()) return;
		for (const step of [...this.undoSteps].reverse()) step();
		this.state.unsaved = true;
	}

	private close(): boolean {
		if (!this.open) return false;
		this.open = false;
		for (const claim of this.claims)
			if (this.state.inFlight.get(claim) === this) this.state.inFlight.delete(claim);
		// A digest another delivery in flight also wrote stays pending until that one closes.
		const pending = this.pendingWrites();
		for (const { table, digest } of this.written) {
			const digests = pending.get(table);
			const count = digests?.get(digest) ?? 0;
			if (count > 1) digests!.set(digest, count - 1);
			else digests?.delete(digest);
		}
		stopWaiting(this);
		this.resolveSettled();
		return true;
	}

	/** Where this delivery's writes wait for its answer: left out of saves, or saved in doubt. */
	private pendingWrites(): Map<string, Map<string, number>> {
		return this.savedAtOnce ? this.state.shownInDoubt : this.state.withheld;
	}
}

/**
 * Whether the value `here` already holds `handed`: the same value, or, for a state that lists
 * ids (a trip's ack tokens), every id `handed` lists.
 */
function holds(here: unknown, handed: unknown): boolean {
	if (here === handed || JSON.stringify(here) === JSON.stringify(handed)) return true;
	if (!isJsonObject(here) || !isJsonObject(handed)) return false;
	const lists = Object.entries(handed).filter(
		(entry): entry is [string, unknown[]] => Array.isArray(entry[1]) && entry[1].length > 0,
	);
	return (
		lists.length > 0 &&
		lists.every(([field, ids]) => {
			const held = here[field];
			return Array.isArray(held) && ids.every((id) => held.includes(id));
		})
	);
}

/** Entries of a started run: running until n8n says it ended, or unwatched without a signal. */
function watchRun(state: ScopeState, written: readonly Written[], onRunEnd: OnRunEnd): void {
	if (!onRunEnd) return;
	try {
		onRunEnd(() => {
			let settledAny = false;
			for (const { entry } of written) {
				if (entry.certainty !== 'running') continue;
				entry.certainty = 'settled';
				settledAny = true;
			}
			if (settledAny) state.unsaved = true;
		});
	} catch {
		return; // n8n has the method but no way to call back here: the entries stay unwatched
	}
	for (const { entry } of written) if (entry.certainty === 'unwatched') entry.certainty = 'running';
}

/** The answer to "seen before?" for a delivery's own key. */
export type SeenBefore =
	| { answer: 'seen' }
	/** A twin was accepted a moment ago and n8n has not answered it yet: wait for it. */
	| { answer: 'in flight'; settled: Promise<void> }
	/** First sight: `claim` it once the delivery is accepted, so its twins wait for it. */
	| { answer: 'new'; claim: () => void }
	/** Accepted by a process that is gone, whose run may have been cut short (see the top). */
	| { answer: 'in doubt'; firstAcceptedAt: number; claim: () => void };

/** One key of one table, digested once: read it, write it. */
export interface MemorySlot<V> {
	/** What is stored, unless it has aged out. */
	readonly value: V | undefined;
	/** When the stored value was written, if its run may have been cut short by a restart. */
	readonly inDoubtSince: number | undefined;
	/** Stores `value` now; undone if the delivery is released. */
	set(value: V): void;
}

/** One request's view of its node's memory. */
export class NodeMemory<L extends MemoryLayout> {
	private undoSteps: UndoStep[] = [];
	private claims: string[] = [];
	private written: Written[] = [];

	constructor(
		private readonly state: ScopeState,
		private readonly options: OpenMemoryOptions<L>,
	) {}

	/** Seen before? The one question every delivery asks about its own key. */
	seenBefore(table: keyof L & string, key: string): SeenBefore {
		const digest = memoryKey(key);
		const claim = `${table}\t${digest}`;
		const twin = this.state.inFlight.get(claim);
		if (twin) return { answer: 'in flight', settled: twin.settled };
		const stored = this.tableOf(table).entry(digest, this.options.now);
		const claimIt = () => {
			this.write(table, digest, true);
			this.claims.push(claim);
		};
		if (!stored) return { answer: 'new', claim: claimIt };
		if (stored.certainty === 'in doubt')
			return { answer: 'in doubt', firstAcceptedAt: stored.at, claim: claimIt };
		return { answer: 'seen' };
	}

	slot<V>(table: keyof L & string, key: string): MemorySlot<V> {
		const digest = memoryKey(key);
		const stored = this.tableOf(table).entry(digest, this.options.now);
		return {
			value: stored?.value as V | undefined,
			inDoubtSince: stored?.certainty === 'in doubt' ? stored.at : undefined,
			set: (value: V) => this.write(table, digest, value),
		};
	}

	/** Nothing is accepted: undo what this request remembered. */
	rollBack(): void {
		for (const step of this.undoSteps.reverse()) step();
		this.undoSteps = [];
		this.claims = [];
		this.written = [];
	}

	/**
	 * The request ends without a run: what it wrote belongs to no run, so it is settled. Saved
	 * into static data if due (n8n saves after the request).
	 */
	close(): boolean {
		for (const { entry } of this.written) entry.certainty = 'settled';
		return saveIfDue(
			this.state,
			this.options.staticData,
			this.options.now,
			this.options.newRevision,
		);
	}

	/**
	 * The request is accepted: its entries stay in flight until n8n answers it. `savedAtOnce`:
	 * its answer saves the memory even if a save was just made, for a provider that sends the
	 * same moment again and again (ARRIVE lists every open trip each second), where entries not
	 * yet saved at a crash would fire again unmarked; a provider that never resends after a 2xx
	 * (Captain.AI) keeps its saves coalesced.
	 */
	hold(
		options: { waitsForRunEnd: boolean; savedAtOnce: boolean } = {
			waitsForRunEnd: false,
			savedAtOnce: false,
		},
	): Delivery {
		return new Delivery(
			this.options.now,
			this.options.scope,
			this.state,
			this.claims,
			this.undoSteps,
			this.written,
			this.options.staticData,
			this.options.newRevision,
			options.waitsForRunEnd,
			options.savedAtOnce,
		);
	}

	private tableOf(name: string): BoundedTable<unknown> {
		return this.state.tables.get(name)!;
	}

	private write(name: string, digest: string, value: unknown): void {
		const table = this.tableOf(name);
		const { previous, written } = table.set(digest, value, this.options.now, 'unwatched');
		this.undoSteps.push(() => table.undo(digest, written, previous));
		this.written.push({ table: name, digest, entry: written });
		this.state.unsaved = true;
		this.state.newestAt = Math.max(this.state.newestAt, this.options.now);
	}
}

/**
 * Opens the node's memory. Synchronous by design: a caller that checks and records without
 * awaiting in between is atomic with respect to other requests in this process.
 */
export function openMemory<L extends MemoryLayout>(options: OpenMemoryOptions<L>): NodeMemory<L> {
	const state = scopeState(options.scope, options.layout);
	const stored = options.staticData ? readStored(options.staticData) : undefined;
	if (stored && !state.knownRevisions.includes(stored.rev)) mergeStored(state, stored, options.now);
	return new NodeMemory(state, options);
}

/** The scope's memory in this process (created empty), with tables for `layout`. */
function scopeState(scope: string, layout: MemoryLayout): ScopeState {
	let state = registry.get(scope);
	if (state) {
		registry.delete(scope);
	} else {
		state = {
			tables: new Map(),
			knownRevisions: [],
			lastSaveAt: -Infinity,
			unsaved: false,
			saveAtNextRequest: false,
			newestAt: -Infinity,
			settlingCheckedAt: -Infinity,
			inFlight: new Map(),
			withheld: new Map(),
			shownInDoubt: new Map(),
			writers: new Map(),
			sharedSeenAt: -Infinity,
			sharedReportedAt: -Infinity,
		};
	}
	registry.set(scope, state); // most recently used last
	if (registry.size > MAX_SCOPES) registry.delete(registry.keys().next().value as string);

	for (const [name, limits] of Object.entries(layout)) {
		const table = state.tables.get(name);
		if (table) table.setLimits(limits);
		else state.tables.set(name, new BoundedTable<unknown>(limits));
	}
	return state;
}

/**
 * A delivery's run has started (the node's execute()). Accepted here: its entries now belong
 * to a running run. Accepted elsewhere (a run n8n started at boot for a delivery a crashed
 * process accepted, or any run on a queue-mode worker): its entries are recorded here too, so
 * the provider's resend is a duplicate in this process; unless this process has accepted the
 * same delivery since, and this run may then repeat one that already happened.
 * Nothing is saved from a run: n8n writes a run's own copy of the static data at its end,
 * over what requests saved meanwhile, so the next request's save carries these entries.
 */
export function recordRunStart(
	handOff: HandOff,
	now: number,
	onRunEnd: OnRunEnd,
): 'first run' | 'possible repeat' {
	if (handOff.by === processId) {
		const here = registry.get(handOff.scope);
		for (const claim of handOff.claims) here?.inFlight.get(claim)?.runStarted(onRunEnd);
		return 'first run';
	}
	const state = scopeState(handOff.scope, handOff.layout);
	for (const claim of handOff.claims) {
		const [table, digest] = claim.split('\t');
		const here = state.tables.get(table)?.entry(digest, now);
		if (state.inFlight.has(claim) || (here && here.certainty !== 'in doubt'))
			return 'possible repeat';
	}
	// Another delivery may carry the same moment under another key (ARRIVE lists a trip in
	// every call): a state here that already holds what this run's delivery wrote (the same
	// value, or every ack token of it) means this process handled that moment.
	for (const [table, digest, value] of handOff.writes) {
		const here = state.tables.get(table)?.entry(digest, now);
		if (here && here.certainty !== 'in doubt' && holds(here.value, value)) return 'possible repeat';
	}
	const written: Written[] = [];
	for (const [table, digest, value] of handOff.writes) {
		const tableHere = state.tables.get(table);
		// Written here since the crash, an entry is newer than what this delayed run carries.
		const here = tableHere?.entry(digest, now);
		if (!tableHere || (here && here.certainty !== 'in doubt')) continue;
		const entry = tableHere.set(digest, value, now, 'unwatched').written;
		written.push({ table, digest, entry });
	}
	state.unsaved = true;
	state.newestAt = Math.max(state.newestAt, now);
	watchRun(state, written, onRunEnd);
	return 'first run';
}

/**
 * Whether another n8n process saved this node's memory lately (deliveries of its URL are
 * spread across webhook processes, so dedupe there is best-effort): true at most once an
 * hour per node, for the caller to log.
 */
export function takeSharedMemoryNotice(scope: string, now: number): boolean {
	const state = registry.get(scope);
	if (!state || state.sharedSeenAt < now - SHARED_WINDOW_MS) return false;
	if (now - state.sharedReportedAt < SHARED_REPORT_INTERVAL_MS) return false;
	state.sharedReportedAt = now;
	return true;
}

/** Forgets every scope of this process and takes a new process id, as a restart would (tests). */
export function forgetProcessMemory(): void {
	registry.clear();
	forgetWaiting();
	processId = randomUUID();
}
