/**
 * The bounded table a node remembers things in: entries by key digest, oldest first, bounded by
 * count and by age; and the line format it is saved in. Pure: times come in as parameters, keys
 * arrive already digested (node-memory.ts digests each key once per request).
 */

export interface MemoryLimits {
	/** Most entries kept; the oldest go first. */
	maxEntries: number;
	/** Entries older than this are forgotten. */
	maxAgeMs: number;
}

/**
 * A table snapshot is one string, a line per entry: `digest TAB time TAB value`, the time in
 * whole seconds, base 36; the value omitted when `true`, base 36 when an integer, else JSON.
 * An accepted Captain event costs 22 bytes here (newline included), its ordering entry 32.
 * One string is several times cheaper for n8n to stringify and store than thousands of small
 * arrays, and since each line is formatted once, a snapshot is just a join.
 *
 * A line may start with a mark saying the run behind the entry was not known to be over when
 * it was saved (see EntryCertainty): `~` its run may still be going, `?` it was already in
 * doubt in the process that saved it. Unmarked lines are settled.
 */
export type TableSnapshot = string;

/**
 * How sure the node is that the run behind an entry is over. Every entry a delivery writes
 * belongs to the run n8n started for it; a restart can cut that run short.
 * - `settled`: the run ended (n8n said so), or nothing ran (a request that ended without a
 *   run), or the entry was saved settled.
 * - `running`: the run started here and n8n will say when it ends (onExecutionFinish).
 * - `unwatched`: nobody will say (the run is on a queue-mode worker, or n8n 1.x): settled once
 *   older than the caller's window.
 * - `in doubt`: read from a process that is gone, which had not seen the run end: the run may
 *   have been cut short. A resend is run again, marked as a possible repeat.
 */
export type EntryCertainty = 'settled' | 'running' | 'unwatched' | 'in doubt';

export interface TableEntry<V> {
	at: number;
	value: V;
	/** The entry's snapshot line (without a mark), formatted once when it is written. */
	line: string;
	certainty: EntryCertainty;
}

/** How to read the marks of a snapshot: from a process that is gone, or one still serving. */
export type SnapshotSource = 'predecessor' | 'live peer';

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

export class BoundedTable<V = true> {
	// Map order is insertion order; `set` re-inserts, so the oldest entry is always first.
	private entries = new Map<string, TableEntry<V>>();

	constructor(private bounds: MemoryLimits) {}

	get size(): number {
		return this.entries.size;
	}

	get limits(): MemoryLimits {
		return this.bounds;
	}

	setLimits(limits: MemoryLimits): void {
		this.bounds = limits;
	}

	/** The value stored under `digest`, unless it has aged out (then it is forgotten). */
	get(digest: string, now: number): V | undefined {
		const entry = this.entries.get(digest);
		if (!entry) return undefined;
		if (entry.at < now - this.bounds.maxAgeMs) {
			this.entries.delete(digest);
			return undefined;
		}
		return entry.value;
	}

	/** The whole entry under `digest` (its time and certainty), unless it has aged out. */
	entry(digest: string, now: number): TableEntry<V> | undefined {
		return this.get(digest, now) === undefined ? undefined : this.entries.get(digest);
	}

	/** Stores `value` as the newest entry; returns what it replaced and what it wrote (for undo). */
	set(
		digest: string,
		value: V,
		now: number,
		certainty: EntryCertainty = 'settled',
	): { previous: TableEntry<V> | undefined; written: TableEntry<V> } {
		const previous = this.entries.get(digest);
		this.entries.delete(digest);
		const written = { at: now, value, line: formatLine(digest, now, value), certainty };
		this.entries.set(digest, written);
		this.evict(now);
		return { previous, written };
	}

	/** Puts `previous` back (or forgets the digest) if `written` is still what is stored. */
	undo(digest: string, written: TableEntry<V>, previous: TableEntry<V> | undefined): void {
		if (this.entries.get(digest) !== written) return; // a later delivery changed it since
		this.entries.delete(digest);
		if (previous) {
			this.entries.set(digest, previous);
			this.sortByAge();
		}
	}

	/** Whether an entry nobody watches was written after `since` (it may be saved as running). */
	hasUnwatchedSince(since: number): boolean {
		for (const entry of this.entries.values())
			if (entry.certainty === 'unwatched' && entry.at > since) return true;
		return false;
	}

	evict(now: number): void {
		const oldestAllowed = now - this.bounds.maxAgeMs;
		for (const [digest, entry] of this.entries) {
			if (this.entries.size <= this.bounds.maxEntries && entry.at >= oldestAllowed) break;
			this.entries.delete(digest);
		}
	}

	/**
	 * The table as stored. `withheld` digests (deliveries still in flight) are left out, and
	 * `inDoubt` ones (in flight too) marked `?`; an unwatched entry younger than
	 * `unwatchedSettleMs` is marked `~` like a running one.
	 */
	toSnapshot(
		now: number,
		unwatchedSettleMs: number,
		withheld?: ReadonlySet<string>,
		inDoubt?: ReadonlySet<string>,
	): TableSnapshot {
		const lines: string[] = [];
		for (const [digest, entry] of this.entries) {
			if (withheld?.has(digest)) continue;
			const mark = inDoubt?.has(digest) ? '?' : markOf(entry, now, unwatchedSettleMs);
			lines.push(mark + entry.line);
		}
		return lines.join('\n');
	}

	/**
	 * Union with a snapshot; for a digest in both, the newer record wins (at the same time, the
	 * surer one). What a mark means depends on `source`: from a predecessor, any marked entry
	 * is in doubt; from a live peer, `~` is a run still going there (trusted, as the peer's
	 * memory), `?` stays in doubt. Unmarked entries of a snapshot without marks (an older
	 * format) newer than `settledUntil` count as in doubt. Bad lines are skipped: a damaged
	 * line costs one entry.
	 */
	merge(
		snapshot: TableSnapshot,
		now: number,
		source: SnapshotSource,
		settledUntil = Infinity,
	): void {
		let changed = false;
		for (const marked of snapshot.split('\n')) {
			const mark = marked[0] === '~' || marked[0] === '?' ? marked[0] : '';
			const line = marked.slice(mark.length);
			const [digest, timeText, valueText] = line.split('\t');
			const at = parseInt(timeText, 36) * 1000;
			if (!digest || !/^[0-9a-z]+$/.test(timeText ?? '') || !Number.isFinite(at)) continue;
			const certainty: EntryCertainty =
				mark === '?' || (mark === '~' && source === 'predecessor') || at > settledUntil
					? 'in doubt'
					: 'settled';
			const current = this.entries.get(digest);
			if (current && (current.at > at || (current.at === at && !surer(certainty, current))))
				continue;
			let value: V;
			try {
				value = (valueText === undefined ? true : parseValue(valueText)) as V;
			} catch {
				continue;
			}
			this.entries.set(digest, { at, value, line, certainty });
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

function markOf(entry: TableEntry<unknown>, now: number, unwatchedSettleMs: number): string {
	switch (entry.certainty) {
		case 'in doubt':
			return '?';
		case 'running':
			return '~';
		case 'unwatched':
			return now - entry.at < unwatchedSettleMs ? '~' : '';
		default:
			return '';
	}
}

/** Whether `certainty` says more than what `current` holds (in doubt says least). */
function surer(certainty: EntryCertainty, current: TableEntry<unknown>): boolean {
	return current.certainty === 'in doubt' && certainty !== 'in doubt';
}
