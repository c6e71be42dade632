/**
 * The dedupe store: what a trigger node remembers between requests (event ids already
 * accepted, the latest state emitted per entity or trip), bounded by count and by age, and
 * which accepted deliveries are still waiting for their run.
 *
 * The promise it keeps: a redelivery is dropped only when the first delivery's run exists.
 * - In this process, an accepted delivery is "in flight" until n8n has answered it: its
 *   entries already block a concurrent twin (which waits for the outcome rather than
 *   guessing), and they are undone if n8n could not start the run (the provider retries).
 * - n8n builds a fresh Workflow, with its own copy of the static data, for every production
 *   request, so the in-process registry below is what makes check-then-record atomic: it is
 *   shared by all requests of one n8n process and never awaited in between.
 * - Workflow static data is what survives restarts. n8n rewrites it whole through one
 *   database connection, so saves are coalesced (at most one per SAVE_INTERVAL_MS per node;
 *   every change while another live process shares the node) and entries are compact lines. What a crash can lose is the newest entries: their
 *   redeliveries then run again (a duplicate, never a loss).
 * - A run that had started when n8n was killed may not have finished. Each snapshot names
 *   the process that wrote it and when. A process reading a snapshot by another one it has
 *   not seen save before (what a predecessor left before a restart) trusts only the entries
 *   that were already SETTLE_MS old at that save, so an event whose run was cut short runs
 *   again when it is redelivered. A process it has seen save more than once is a live peer
 *   (webhook processes in queue mode, whose runs execute on workers): trusted in full.
 */

import { randomUUID } from 'crypto';

import { fingerprintValue, memoryKey } from './fingerprint';

// Moved to fingerprint.ts (lossless for any id, no recursion); kept here for importers.
export { memoryKey };
export const contentFingerprint = fingerprintValue;

export interface MemoryLimits {
	/** Most entries kept; the oldest go first. */
	maxEntries: number;
	/** Entries older than this are forgotten. */
	maxAgeMs: number;
}

/** Saves of one node's memory into static data are at least this far apart. */
export const SAVE_INTERVAL_MS = 3_000;
/**
 * How long after acceptance a run is assumed to have finished. An entry younger than this at
 * the save that stored it does not block a redelivery in another process (see above).
 */
export const SETTLE_MS = 10_000;

/** Backpressure: accepted deliveries waiting for their run, per n8n process. */
export const MAX_DELIVERIES_IN_FLIGHT = 32;
/** Backpressure: when the oldest delivery in flight has waited this long, n8n is behind. */
export const MAX_IN_FLIGHT_WAIT_MS = 5_000;
/** A delivery in flight for longer than this no longer counts (its answer was lost). */
const STALE_IN_FLIGHT_MS = 120_000;

interface Entry<V> {
	at: number;
	value: V;
	/** The entry's snapshot line, formatted once when it is remembered. */
	line: string;
}

/**
 * A table snapshot is one string, a line per entry: `digest TAB time TAB value`, the time in
 * whole seconds, base 36; the value omitted when `true`, base 36 when an integer, else JSON.
 * An accepted Captain event costs 22 bytes here (newline included), its ordering entry 32.
 * One string is several times cheaper for n8n to stringify and store than thousands of
 * small arrays, and since each line is formatted once, a snapshot is just a join.
 */
export type TableSnapshot = string;

function formatValue(value: unknown): string {
	if (Number.isSafeInteger(value) && (value as number) >= 0)
		return `#${(value as number).toString(36)}`;
	return JSON.stringify(value);
}

function parseValue(text: string): unknown {
	if (text.startsWith('#')) return parseInt(text.slice(1), 36);
	return JSON.parse(text) as unknown;
}

function formatLine(digest: string, at: number, value: unknown): string {
	const time = Math.floor(at / 1000).toString(36);
	if (value === true) return `${digest}\t${time}`;
	return `${digest}\t${time}\t${formatValue(value)}`;
}

export class BoundedMemory<V = true> {
	// Map order is insertion order; `remember` re-inserts, so the oldest entry is always first.
	private entries = new Map<string, Entry<V>>();

	constructor(private limits: MemoryLimits) {}

	get size(): number {
		return this.entries.size;
	}

	setLimits(limits: MemoryLimits): void {
		this.limits = limits;
	}

	recall(key: string, now: number): V | undefined {
		const digest = memoryKey(key);
		const entry = this.entries.get(digest);
		if (!entry) return undefined;
		if (entry.at < now - this.limits.maxAgeMs) {
			this.entries.delete(digest);
			return undefined;
		}
		return entry.value;
	}

	has(key: string, now: number): boolean {
		return this.recall(key, now) !== undefined;
	}

	/** Records `value` under `key`; returns what it replaced and what it wrote (for undo). */
	remember(
		key: string,
		value: V,
		now: number,
	): { digest: string; previous?: Entry<V>; written: Entry<V> } {
		const digest = memoryKey(key);
		const previous = this.entries.get(digest);
		this.entries.delete(digest);
		const written = { at: now, value, line: formatLine(digest, now, value) };
		this.entries.set(digest, written);
		this.evict(now);
		return { digest, previous, written };
	}

	/** Puts `previous` back (or forgets the key) if `written` is still what is stored. */
	undo(digest: string, written: Entry<V>, previous: Entry<V> | undefined): void {
		if (this.entries.get(digest) !== written) return; // a later delivery changed it since
		this.entries.delete(digest);
		if (previous) {
			this.entries.set(digest, previous);
			this.sortByAge();
		}
	}

	evict(now: number): void {
		const oldestAllowed = now - this.limits.maxAgeMs;
		for (const [key, entry] of this.entries) {
			if (this.entries.size <= this.limits.maxEntries && entry.at >= oldestAllowed) break;
			this.entries.delete(key);
		}
	}

	/** The table as stored; `withheld` digests (deliveries still in flight) are left out. */
	toSnapshot(withheld?: ReadonlySet<string>): TableSnapshot {
		const lines: string[] = [];
		for (const [digest, entry] of this.entries) if (!withheld?.has(digest)) lines.push(entry.line);
		return lines.join('\n');
	}

	/**
	 * Union with a snapshot; for a key in both, the newer record wins. Entries newer than
	 * `trustedUntil` are skipped. Bad lines are skipped: a damaged line costs one entry.
	 */
	merge(snapshot: TableSnapshot, now: number, trustedUntil = Infinity): void {
		let changed = false;
		for (const line of snapshot.split('\n')) {
			const [digest, timeText, valueText] = line.split('\t');
			const at = parseInt(timeText, 36) * 1000;
			if (
				!digest ||
				!/^[0-9a-z]+$/.test(timeText ?? '') ||
				!Number.isFinite(at) ||
				at > trustedUntil
			)
				continue;
			const current = this.entries.get(digest);
			if (current && current.at >= at) continue;
			let value: V;
			try {
				value = (valueText === undefined ? true : parseValue(valueText)) as V;
			} catch {
				continue;
			}
			this.entries.set(digest, { at, value, line });
			changed = true;
		}
		if (!changed) return;
		this.sortByAge();
		this.evict(now);
	}

	private sortByAge(): void {
		this.entries = new Map([...this.entries].sort((a, b) => a[1].at - b[1].at));
	}
}

export type MemoryLayout = Record<string, MemoryLimits>;

interface StoredMemory {
	v: 3;
	rev: string;
	/** The n8n process that saved it (PROCESS_ID), and when. */
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

/** Changes with every start of n8n: tells this process's snapshots from earlier ones. */
let processId = randomUUID();

interface ScopeState {
	tables: Map<string, BoundedMemory<unknown>>;
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

/** Another process saving a node's memory within this long means both serve its URL. */
const SHARED_WINDOW_MS = 5 * 60_000;
/** A shared memory is reported at most this often per node. */
const SHARED_REPORT_INTERVAL_MS = 60 * 60_000;

const registry = new Map<string, ScopeState>();
/** Every delivery in flight in this process, oldest first (insertion order). */
const deliveriesInFlight = new Set<Delivery>();

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

/** Is n8n keeping up? When not, new deliveries are refused (503) so the provider retries later. */
export function isOverloaded(now: number): boolean {
	for (const delivery of deliveriesInFlight) {
		if (delivery.acceptedAt >= now - STALE_IN_FLIGHT_MS) break;
		deliveriesInFlight.delete(delivery); // its answer was lost somewhere; stop counting it
	}
	if (deliveriesInFlight.size >= MAX_DELIVERIES_IN_FLIGHT) return true;
	const oldest = deliveriesInFlight.values().next().value as Delivery | undefined;
	return oldest !== undefined && oldest.acceptedAt < now - MAX_IN_FLIGHT_WAIT_MS;
}

export function deliveriesInFlightCount(): number {
	return deliveriesInFlight.size;
}

export interface OpenMemoryOptions<L extends MemoryLayout> {
	/** Identifies the node across requests: workflow id, node id, test or production. */
	scope: string;
	layout: L;
	/** The node's workflow static data; `undefined` keeps memory in this process only. */
	staticData?: Record<string, unknown>;
	now: number;
	newRevision: () => string;
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
		deliveriesInFlight.add(this);
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
		deliveriesInFlight.delete(this);
		this.resolveSettled();
		return true;
	}
}

export class NodeMemory<L extends MemoryLayout> {
	private undoSteps: UndoStep[] = [];
	private claims: string[] = [];
	private written: Array<[string, string]> = [];

	constructor(
		private readonly state: ScopeState,
		private readonly options: OpenMemoryOptions<L>,
	) {}

	table<V>(name: keyof L & string): BoundedMemory<V> {
		return this.state.tables.get(name) as BoundedMemory<V>;
	}

	/** Records under `key` in `table`; undone if the delivery is released. */
	remember<V>(name: keyof L & string, key: string, value: V): void {
		const table = this.table<V>(name);
		const { digest, previous, written } = table.remember(key, value, this.options.now);
		this.undoSteps.push(() => table.undo(digest, written, previous));
		this.written.push([name, digest]);
		this.state.unsaved = true;
		this.state.newestAt = Math.max(this.state.newestAt, this.options.now);
	}

	/** Remembers `key` as this delivery's id: a twin arriving before n8n answered waits for it. */
	claim(name: keyof L & string, key: string): void {
		this.remember(name, key, true);
		this.claims.push(`${name}\t${memoryKey(key)}`);
	}

	/** The delivery that claimed `key` and is still waiting for its run, if any. */
	inFlight(name: keyof L & string, key: string): Promise<void> | undefined {
		return this.state.inFlight.get(`${name}\t${memoryKey(key)}`)?.settled;
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
		else state.tables.set(name, new BoundedMemory<unknown>(limits));
	}

	const stored = options.staticData ? readStored(options.staticData) : undefined;
	if (stored && !state.knownRevisions.includes(stored.rev)) {
		// Another process's entries count once their runs had time to finish, unless it is a
		// live peer (see the top).
		const foreign = stored.by !== processId;
		const savesSeen = state.writers.get(stored.by) ?? 0;
		const trustedUntil = foreign && savesSeen === 0 ? stored.savedAt - SETTLE_MS : Infinity;
		if (foreign) {
			state.writers.delete(stored.by);
			state.writers.set(stored.by, savesSeen + 1);
			if (state.writers.size > MAX_WRITERS_KNOWN)
				state.writers.delete(state.writers.keys().next().value as string);
		}
		// A process that has saved itself and then sees a newer save by another one is not
		// reading what a predecessor left before a restart: two processes serve this node.
		if (
			foreign &&
			state.lastSaveAt > -Infinity &&
			stored.savedAt >= options.now - SHARED_WINDOW_MS
		) {
			state.sharedSeenAt = options.now;
		}
		for (const [name, snapshot] of Object.entries(stored.tables)) {
			if (typeof snapshot === 'string')
				state.tables.get(name)?.merge(snapshot, options.now, trustedUntil);
		}
		rememberRevision(state, stored.rev);
	}
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
	deliveriesInFlight.clear();
	processId = randomUUID();
}
