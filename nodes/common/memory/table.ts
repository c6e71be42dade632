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
 */
export type TableSnapshot = string;

export interface TableEntry<V> {
	at: number;
	value: V;
	/** The entry's snapshot line, formatted once when it is written. */
	line: string;
}

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

	constructor(private limits: MemoryLimits) {}

	get size(): number {
		return this.entries.size;
	}

	setLimits(limits: MemoryLimits): void {
		this.limits = limits;
	}

	/** The value stored under `digest`, unless it has aged out (then it is forgotten). */
	get(digest: string, now: number): V | undefined {
		const entry = this.entries.get(digest);
		if (!entry) return undefined;
		if (entry.at < now - this.limits.maxAgeMs) {
			this.entries.delete(digest);
			return undefined;
		}
		return entry.value;
	}

	/** Stores `value` as the newest entry; returns what it replaced and what it wrote (for undo). */
	set(
		digest: string,
		value: V,
		now: number,
	): { previous: TableEntry<V> | undefined; written: TableEntry<V> } {
		const previous = this.entries.get(digest);
		this.entries.delete(digest);
		const written = { at: now, value, line: formatLine(digest, now, value) };
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

	evict(now: number): void {
		const oldestAllowed = now - this.limits.maxAgeMs;
		for (const [digest, entry] of this.entries) {
			if (this.entries.size <= this.limits.maxEntries && entry.at >= oldestAllowed) break;
			this.entries.delete(digest);
		}
	}

	/** The table as stored; `withheld` digests (deliveries still in flight) are left out. */
	toSnapshot(withheld?: ReadonlySet<string>): TableSnapshot {
		const lines: string[] = [];
		for (const [digest, entry] of this.entries) if (!withheld?.has(digest)) lines.push(entry.line);
		return lines.join('\n');
	}

	/**
	 * Union with a snapshot; for a digest in both, the newer record wins. Entries newer than
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
