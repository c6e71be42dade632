// One batch of deliveries against a running n8n (tools/real-n8n/n8n.cjs), the unit that
// bench/compare.mjs and bench/real-n8n.mjs measure in interleaved rounds.

/**
 * Sends `count` requests made by `make()` (→ [body, headers]) to `url`, `concurrency` at a
 * time, each sender starting its next request when its previous one was answered. Returns
 * req/s over the batch, the median latency, and how many answers got each `answerKey`.
 */
export async function runBatch(n8n, url, make, { count, concurrency, answerKey }) {
	const latencies = [];
	const statuses = {};
	let next = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < count) {
				next++;
				const [body, headers] = make();
				const t0 = performance.now();
				const answer = await n8n.post(url, body, headers);
				latencies.push(performance.now() - t0);
				const key = answerKey(answer);
				statuses[key] = (statuses[key] ?? 0) + 1;
			}
		}),
	);
	const seconds = (performance.now() - started) / 1000;
	latencies.sort((a, b) => a - b);
	return {
		rps: count / seconds,
		medianMs: latencies[latencies.length >> 1],
		statuses,
	};
}

export const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
