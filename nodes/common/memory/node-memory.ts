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
 * - A run that had started when n8n was killed may not have finished. Each snapshot names the
 *   process that wrote it and when. A process reading a snapshot by another one it has not
 *   seen save before (what a predecessor left before a restart) trusts only the entries that
 *   were already SETTLE_MS old at that save, so an event whose run was cut short runs again
 *   when it is redelivered. A process it has seen save more than once is a live peer (webhook
 *   processes in queue mode, whose runs execute on workers): trusted in full.
 */
import { randomUUID } from 'crypto';

import { memoryKey } from '../fingerprint';
import { startWaiting, stopWaiting, forgetWaiting } from './backpressure';
import { BoundedTable, type MemoryLimits, type TableEntry, type TableSnapshot } from './table';

/** The tables of one node and their bounds: `{ acceptedEvents: { maxEntries, maxAgeMs }, … }`. */
export type MemoryLayout = Record<string, MemoryLimits>;

/** Saves of one node's memory into static data are at least this far apart. */
export const SAVE_INTERVAL_MS = 3_000;
/**
 * How long after acceptance a run is assumed to have finished. An entry younger than this at
 * the save that stored it does not block a redelivery in another process (see above).
 */
export const SETTLE_MS = 10_000;

interface StoredMemory {
	v: 3;
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
	/** Time of the newest entry written, to know when a save would settle it. */
	newestAt: number;
	/** `table TAB digest` of claimed keys → the delivery waiting for its run. */
	inFlight: Map<string, Delivery>;
	/**
	 * Digests written by deliveries still in flight, per table, with how many such deliveries
	 * wrote each: left out of saves, so what is stored never speaks for a delivery whose run
	 * may not exist.
	 */
	withheld: Map<string, Map<string, number>>;
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
	if (!stored || typeof stored !== 'object' || stored.v !== 3 || typeof stored.tables !== 'object')
		return undefined;
	return stored;
}

function rememberRevision(state: ScopeState, rev: string): void {
	state.knownRevisions.push(rev);
	if (state.knownRevisions.length > KNOWN_REVISIONS) state.knownRevisions.shift();
}

function isSaveDue(state: ScopeState, now: number): boolean {
	// While another live process serves this node too (queue mode without URI routing), its
	// dedupe depends on reading our saves: save every change rather than every few seconds.
	const interval = state.sharedSeenAt >= now - SHARED_WINDOW_MS ? 0 : SAVE_INTERVAL_MS;
	if (now - state.lastSaveAt < interval) return false;
	if (state.unsaved) return true;
	// Stored entries younger than SETTLE_MS are not trusted after a restart; one more save,
	// once they are old enough, makes them count.
	return state.lastSaveAt < state.newestAt + SETTLE_MS && now >= state.newestAt + SETTLE_MS;
}

/** Writes the scope's snapshot into static data when a save is due; n8n then saves it. */
function saveIfDue(
	state: ScopeState,
	staticData: Record<string, unknown> | undefined,
	now: number,
	newRevision: () => string,
): boolean {
	if (!staticData || !isSaveDue(state, now)) return false;
	const rev = newRevision();
	const tables: Record<string, TableSnapshot> = {};
	for (const [name, table] of state.tables)
		tables[name] = table.toSnapshot(new Set(state.withheld.get(name)?.keys()));
	staticData[STATIC_DATA_KEY] = {
		v: 3,
		rev,
		by: processId,
		savedAt: now,
		tables,
	} satisfies StoredMemory;
	rememberRevision(state, rev);
	state.lastSaveAt = now;
	// What was withheld still has to be saved once its delivery is answered.
	state.unsaved = [...state.withheld.values()].some((digests) => digests.size > 0);
	return true;
}

/** Merges a snapshot this process has not read yet; whom to trust how far is said at the top. */
function mergeStored(state: ScopeState, stored: StoredMemory, now: number): void {
	const foreign = stored.by !== processId;
	const savesSeen = state.writers.get(stored.by) ?? 0;
	const trustedUntil = foreign && savesSeen === 0 ? stored.savedAt - SETTLE_MS : Infinity;
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
		if (typeof snapshot === 'string') state.tables.get(name)?.merge(snapshot, now, trustedUntil);
	}
	rememberRevision(state, stored.rev);
}

type UndoStep = () => void;

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
		private readonly state: ScopeState,
		private readonly claims: string[],
		private readonly undoSteps: UndoStep[],
		/** [table, digest] of every entry this delivery wrote. */
		private readonly written: Array<[string, string]>,
		private readonly staticData: Record<string, unknown> | undefined,
		private readonly newRevision: () => string,
	) {
		for (const claim of claims) state.inFlight.set(claim, this);
		for (const [table, digest] of written) {
			if (!state.withheld.has(table)) state.withheld.set(table, new Map());
			const digests = state.withheld.get(table)!;
			digests.set(digest, (digests.get(digest) ?? 0) + 1);
		}
		startWaiting(this);
	}

	confirm(now: number): void {
		if (!this.close()) return;
		saveIfDue(this.state, this.staticData, now, this.newRevision);
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
		// A digest another delivery in flight also wrote stays withheld until that one closes.
		for (const [table, digest] of this.written) {
			const digests = this.state.withheld.get(table);
			const count = digests?.get(digest) ?? 0;
			if (count > 1) digests!.set(digest, count - 1);
			else digests?.delete(digest);
		}
		stopWaiting(this);
		this.resolveSettled();
		return true;
	}
}

/** The answer to "seen before?" for a delivery's own key. */
export type SeenBefore =
	| { answer: 'seen' }
	/** A twin was accepted a moment ago and n8n has not answered it yet: wait for it. */
	| { answer: 'in flight'; settled: Promise<void> }
	/** First sight: `claim` it once the delivery is accepted, so its twins wait for it. */
	| { answer: 'new'; claim: () => void };

/** One key of one table, digested once: read it, write it. */
export interface MemorySlot<V> {
	/** What is stored, unless it has aged out. */
	readonly value: V | undefined;
	/** Stores `value` now; undone if the delivery is released. */
	set(value: V): void;
}

/** One request's view of its node's memory. */
export class NodeMemory<L extends MemoryLayout> {
	private undoSteps: UndoStep[] = [];
	private claims: string[] = [];
	private written: Array<[string, string]> = [];

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
		if (this.tableOf(table).get(digest, this.options.now) !== undefined) return { answer: 'seen' };
		return {
			answer: 'new',
			claim: () => {
				this.write(table, digest, true);
				this.claims.push(claim);
			},
		};
	}

	slot<V>(table: keyof L & string, key: string): MemorySlot<V> {
		const digest = memoryKey(key);
		const stored = this.tableOf(table).get(digest, this.options.now) as V | undefined;
		return {
			value: stored,
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

	/** The request ends without a run: save into static data if due (n8n saves after it). */
	close(): boolean {
		return saveIfDue(
			this.state,
			this.options.staticData,
			this.options.now,
			this.options.newRevision,
		);
	}

	/** The request is accepted: its entries stay in flight until n8n answers it. */
	hold(): Delivery {
		return new Delivery(
			this.options.now,
			this.state,
			this.claims,
			this.undoSteps,
			this.written,
			this.options.staticData,
			this.options.newRevision,
		);
	}

	private tableOf(name: string): BoundedTable<unknown> {
		return this.state.tables.get(name)!;
	}

	private write(name: string, digest: string, value: unknown): void {
		const table = this.tableOf(name);
		const { previous, written } = table.set(digest, value, this.options.now);
		this.undoSteps.push(() => table.undo(digest, written as TableEntry<unknown>, previous));
		this.written.push([name, digest]);
		this.state.unsaved = true;
		this.state.newestAt = Math.max(this.state.newestAt, this.options.now);
	}
}

/**
 * Opens the node's memory. Synchronous by design: a caller that checks and records without
 * awaiting in between is atomic with respect to other requests in this process.
 */
export function openMemory<L extends MemoryLayout>(options: OpenMemoryOptions<L>): NodeMemory<L> {
	let state = registry.get(options.scope);
	if (state) {
		registry.delete(options.scope);
	} else {
		state = {
			tables: new Map(),
			knownRevisions: [],
			lastSaveAt: -Infinity,
			unsaved: false,
			newestAt: -Infinity,
			inFlight: new Map(),
			withheld: new Map(),
			writers: new Map(),
			sharedSeenAt: -Infinity,
			sharedReportedAt: -Infinity,
		};
	}
	registry.set(options.scope, state); // most recently used last
	if (registry.size > MAX_SCOPES) registry.delete(registry.keys().next().value as string);

	for (const [name, limits] of Object.entries(options.layout)) {
		const table = state.tables.get(name);
		if (table) table.setLimits(limits);
		else state.tables.set(name, new BoundedTable<unknown>(limits));
	}

	const stored = options.staticData ? readStored(options.staticData) : undefined;
	if (stored && !state.knownRevisions.includes(stored.rev)) mergeStored(state, stored, options.now);
	return new NodeMemory(state, options);
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
