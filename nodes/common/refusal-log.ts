/**
 * Refused requests (401, 403, 400, 413, a misconfigured node) start no run, so the editor never
 * shows them: n8n's log is where "why doesn't my workflow run?" gets its answer. A flood of
 * refusals must not fill that log, so each node and reason gets at most one line a minute; the
 * next line says how many were left unsaid. Plain module: the clock comes from the caller.
 */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

/** Node-and-reason pairs tracked at once; the oldest is forgotten first. */
const MAX_TRACKED_REASONS = 1000;

interface LastLine {
	loggedAt: number;
	unsaid: number;
}

export class RefusalLog {
	private readonly lastLines = new Map<string, LastLine>();

	constructor(
		private readonly intervalMs = REFUSAL_LOG_INTERVAL_MS,
		private readonly maxTracked = MAX_TRACKED_REASONS,
	) {}

	/**
	 * Whether to log this refusal now: `undefined` to stay quiet, otherwise how many refusals
	 * with the same key went unlogged since the last line.
	 */
	take(key: string, now: number): { unsaid: number } | undefined {
		const last = this.lastLines.get(key);
		if (last && now - last.loggedAt < this.intervalMs) {
			last.unsaid++;
			return undefined;
		}
		this.lastLines.delete(key); // re-inserted last: Map order is then least recently logged first
		this.lastLines.set(key, { loggedAt: now, unsaid: 0 });
		if (this.lastLines.size > this.maxTracked) {
			const oldest = this.lastLines.keys().next().value as string;
			this.lastLines.delete(oldest);
		}
		return { unsaid: last?.unsaid ?? 0 };
	}
}

/** What a refusal line says: the node, the answer, the reason and who sent it. */
export interface Refusal {
	node: string;
	status: number;
	/** The answer's body: `error`, and for a bad body the `field` and `problem`. */
	body: Record<string, unknown>;
	address: string | undefined;
}

/** Never the token, the headers or the body: only the answer's own words and the address. */
export function describeRefusal(refusal: Refusal, unsaid: number): string {
	const { error, field, problem, detail } = refusal.body;
	const why = [error, field && `at ${String(field)}`, problem, detail]
		.filter((part) => part !== undefined && part !== '')
		.map(String)
		.join(', ');
	const more = unsaid > 0 ? ` (and ${unsaid} more like it since the last line)` : '';
	return `${refusal.node}: answered ${refusal.status} (${why}) to a request from ${refusal.address ?? 'an unknown address'}${more}`;
}

/** The refusal log of this n8n process. */
export const refusalLog = new RefusalLog();
