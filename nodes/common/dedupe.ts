/**
 * The dedupe store: what a trigger node remembers between requests (event ids already
 * accepted, the latest state emitted per entity or trip), bounded by count and by age.
 *
 * Why two layers:
 * - n8n builds a fresh Workflow, with its own copy of the static data, for every production
 *   request, so two identical deliveries arriving together would each see "not seen yet".
 *   The in-process registry below is shared by all requests of one n8n process, and
 *   check-then-record runs without an `await` in between, so such a pair gives one execution.
 * - Workflow static data is what survives restarts (n8n saves it after each production
 *   request). It is written whole, so a snapshot carries a revision id: a process that sees
 *   a revision it did not write (another webhook process, or a restart) merges it in.
 */

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

interface Entry<V> {
	at: number;
	value: V;
	/** The entry's snapshot line, formatted once when it is remembered. */
	line: string;
}

/**
 * A snapshot is one string per table, a line per entry: `digest TAB time TAB valueJSON`, the
 * time in whole seconds, base 36; the value omitted when `true`. One string is several times
 * cheaper for n8n to stringify and store than thousands of small arrays, and since each line
 * is formatted once, a snapshot is just a join.
 */
export type TableSnapshot = string;

function formatLine(digest: string, at: number, value: unknown): string {
	const time = Math.floor(at / 1000).toString(36);
	if (value === true) return `${digest}\t${time}`;
	return `${digest}\t${time}\t${typeof value === 'number' ? String(value) : JSON.stringify(value)}`;
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

	remember(key: string, value: V, now: number): void {
		const digest = memoryKey(key);
		this.entries.delete(digest);
		this.entries.set(digest, { at: now, value, line: formatLine(digest, now, value) });
		this.evict(now);
	}

	evict(now: number): void {
		const oldestAllowed = now - this.limits.maxAgeMs;
		for (const [key, entry] of this.entries) {
			if (this.entries.size <= this.limits.maxEntries && entry.at >= oldestAllowed) break;
			this.entries.delete(key);
		}
	}

	toSnapshot(): TableSnapshot {
		const lines: string[] = [];
		for (const entry of this.entries.values()) lines.push(entry.line);
		return lines.join('\n');
	}

	/** Union with a snapshot; for a key in both, the newer record wins. Bad lines are skipped. */
	merge(snapshot: TableSnapshot, now: number): void {
		let changed = false;
		for (const line of snapshot.split('\n')) {
			const [digest, timeText, valueText] = line.split('\t');
			const at = parseInt(timeText, 36) * 1000;
			if (!digest || !/^[0-9a-z]+$/.test(timeText ?? '') || !Number.isFinite(at)) continue;
			const current = this.entries.get(digest);
			if (current && current.at >= at) continue;
			let value: V;
			try {
				value = (valueText === undefined ? true : JSON.parse(valueText)) as V;
			} catch {
				continue; // a damaged line costs one forgotten entry, not the whole memory
			}
			this.entries.set(digest, { at, value, line });
			changed = true;
		}
		if (!changed) return;
		const ordered = [...this.entries].sort((a, b) => a[1].at - b[1].at);
		this.entries = new Map(ordered);
		this.evict(now);
	}
}

export type MemoryLayout = Record<string, MemoryLimits>;

interface StoredMemory {
	v: 2;
	rev: string;
	tables: Record<string, TableSnapshot>;
}

/** Where in the node's static data the memory lives; nothing else reads or writes it. */
const STATIC_DATA_KEY = 'captainArriveMemory';
/** Revisions remembered per scope to recognise snapshots this process already holds. */
const KNOWN_REVISIONS = 32;
/** Node scopes (workflow + node + test/production) kept in one process. */
const MAX_SCOPES = 1000;

interface ScopeState {
	tables: Map<string, BoundedMemory<unknown>>;
	knownRevisions: string[];
}

const registry = new Map<string, ScopeState>();

function readStored(staticData: Record<string, unknown>): StoredMemory | undefined {
	const stored = staticData[STATIC_DATA_KEY] as StoredMemory | undefined;
	if (!stored || typeof stored !== 'object' || stored.v !== 2 || typeof stored.tables !== 'object') return undefined;
	return stored;
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

export class NodeMemory<L extends MemoryLayout> {
	private dirty = false;

	constructor(
		private readonly state: ScopeState,
		private readonly options: OpenMemoryOptions<L>,
	) {}

	table<V>(name: keyof L & string): BoundedMemory<V> {
		return this.state.tables.get(name) as BoundedMemory<V>;
	}

	/** Records under `key` in `table`, and marks the memory for saving. */
	remember<V>(name: keyof L & string, key: string, value: V): void {
		this.table<V>(name).remember(key, value, this.options.now);
		this.dirty = true;
	}

	/** Writes a snapshot into static data when anything was remembered (n8n then saves it). */
	commit(): boolean {
		if (!this.dirty || !this.options.staticData) return false;
		const rev = this.options.newRevision();
		const tables: Record<string, TableSnapshot> = {};
		for (const [name, table] of this.state.tables) tables[name] = table.toSnapshot();
		this.options.staticData[STATIC_DATA_KEY] = { v: 2, rev, tables } satisfies StoredMemory;
		this.state.knownRevisions.push(rev);
		if (this.state.knownRevisions.length > KNOWN_REVISIONS) this.state.knownRevisions.shift();
		this.dirty = false;
		return true;
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
		state = { tables: new Map(), knownRevisions: [] };
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
		for (const [name, snapshot] of Object.entries(stored.tables)) {
			if (typeof snapshot === 'string') state.tables.get(name)?.merge(snapshot, options.now);
		}
		state.knownRevisions.push(stored.rev);
		if (state.knownRevisions.length > KNOWN_REVISIONS) state.knownRevisions.shift();
	}
	return new NodeMemory(state, options);
}

/** Forgets every scope of this process, as a restart would (tests use it). */
export function forgetProcessMemory(): void {
	registry.clear();
}
