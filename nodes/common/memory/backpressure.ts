/**
 * Is n8n keeping up? Accepted deliveries wait for n8n to start their runs (a 200 is sent from
 * inside the run). When too many wait in this process, or one has waited too long, new
 * deliveries are refused with 503 + Retry-After and remembered nowhere, so the provider
 * retries once n8n has caught up. Per n8n process; the clock comes from the caller.
 */

/** Accepted deliveries waiting for their run, per n8n process, before new ones are refused. */
export const MAX_DELIVERIES_IN_FLIGHT = 32;
/** When the oldest delivery in flight has waited this long, n8n is behind. */
export const MAX_IN_FLIGHT_WAIT_MS = 5_000;
/** Both providers retry on 5xx; a short wait is enough for n8n to catch up. */
export const RETRY_AFTER_SECONDS = 10;
/** A delivery in flight for longer than this no longer counts (its answer was lost). */
const STALE_IN_FLIGHT_MS = 120_000;

interface Waiting {
	readonly acceptedAt: number;
}

/**
 * Every delivery of this process waiting for its run, oldest first (insertion order), and
 * whether its age says anything: one answered when its run has finished waits as long as the
 * run (and on a queue-mode worker, its start is not seen here), so only its count does.
 */
const waiting = new Map<Waiting, { ageCounts: boolean }>();

export function startWaiting(delivery: Waiting, { ageCounts }: { ageCounts: boolean }): void {
	waiting.set(delivery, { ageCounts });
}

export function stopWaiting(delivery: Waiting): void {
	waiting.delete(delivery);
}

export function isOverloaded(now: number): boolean {
	for (const delivery of waiting.keys()) {
		if (delivery.acceptedAt >= now - STALE_IN_FLIGHT_MS) break;
		waiting.delete(delivery); // its answer was lost somewhere; stop counting it
	}
	if (waiting.size >= MAX_DELIVERIES_IN_FLIGHT) return true;
	for (const [delivery, { ageCounts }] of waiting)
		if (ageCounts) return delivery.acceptedAt < now - MAX_IN_FLIGHT_WAIT_MS;
	return false;
}

/** Forgets every waiting delivery, as a restart would (tests). */
export function forgetWaiting(): void {
	waiting.clear();
}
