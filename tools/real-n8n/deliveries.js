// Sending streams of deliveries to a real n8n and reading back what it ran: shared by the load
// and crash test (test/load/), the queue-mode test (test/queue/) and the provider simulation
// (test/restarts/). A delivery is a function returning { url, body, headers, key }: `key` names
// the event (or trip arrival) it carries. `providerAttempt` is one attempt with a provider's
// deadline, for senders that model a provider's own retry rules.
//
// CommonJS, no dependencies beyond Node's standard library.
'use strict';
const http = require('node:http');

const { httpRequest, nodeOutputItems, sleep } = require('./n8n.cjs');

function percentile(sorted, p) {
	return sorted.length
		? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
		: NaN;
}

/**
 * A short label for an answer: status plus the JSON reason or status; a bare status gets its body
 * too (or "empty body", or "HTML page"), so a text answer such as n8n's start-up page shows.
 */
function answerLabel(answer) {
	const body = answer.body ?? {};
	const label =
		`${answer.status} ${body.status === 'ignored' ? body.reason : (body.status ?? body.error ?? body.message ?? '')}`.trim();
	if (label !== String(answer.status)) return label;
	if (answer.body === '' || answer.body === undefined) return `${label} (empty body)`;
	if (typeof answer.body === 'string')
		return `${label} (${answer.body.trimStart().startsWith('<') ? 'HTML page' : answer.body.slice(0, 40)})`;
	return `${label} ${JSON.stringify(answer.body).slice(0, 60)}`;
}

/** n8n's own answer while its database migrations run: 200 to any request, no node involved. */
const isN8nStartingUp = (label) => /n8n is starting up/.test(label);

/**
 * One attempt as a provider makes it: a POST on its own connection with a hard deadline from
 * the moment it is sent (then the connection is dropped, as a client timeout does, and the
 * attempt has failed). Never rejects: `{ status, body, ms }` when answered in time, else
 * `{ failure, ms }` with 'timeout' or the connection error's code (ECONNREFUSED, ECONNRESET…).
 */
function providerAttempt(url, { headers = {}, body, deadlineMs }) {
	return new Promise((resolve) => {
		const payload = typeof body === 'string' ? body : JSON.stringify(body);
		const started = Date.now();
		let settled = false;
		const finish = (result) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			resolve({ ...result, ms: Date.now() - started });
		};
		const request = http.request(
			url,
			{
				method: 'POST',
				agent: false,
				headers: {
					'content-type': 'application/json',
					'content-length': Buffer.byteLength(payload),
					...headers,
				},
			},
			(res) => {
				const chunks = [];
				res.on('data', (chunk) => chunks.push(chunk));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let parsed = text;
					try {
						parsed = JSON.parse(text);
					} catch {
						/* not JSON: keep the text */
					}
					finish({ status: res.statusCode, body: parsed });
				});
				res.on('error', (error) => finish({ failure: error.code ?? error.message }));
			},
		);
		const timer = setTimeout(() => {
			finish({ failure: 'timeout' });
			request.destroy();
		}, deadlineMs);
		request.on('error', (error) => finish({ failure: error.code ?? error.message }));
		request.end(payload);
	});
}

const isAccepted = (answer) => answer.status === 200 && answer.body?.status === 'accepted';

/**
 * Sends `deliveries` (see above), `concurrency` at a time, in order. One whose answer is not
 * 2xx, or whose connection broke, is sent again after the pass (a second later, up to 10
 * rounds), as providers retry. `shouldStop` ends sending early (crash rounds); `pacingMs`
 * spaces each sender's deliveries (a provider that calls every few seconds). Returns rates,
 * latencies, answers by label, and the keys answered "accepted".
 */
async function sendDeliveries(
	deliveries,
	{ concurrency = 8, pacingMs = 0, shouldStop = () => false, onAnswer } = {},
) {
	const latencies = [];
	const answers = new Map();
	const accepted = new Set();
	const retry = [];
	const count = (label) => answers.set(label, (answers.get(label) ?? 0) + 1);
	async function deliver(make) {
		const { url, body, headers, key } = make();
		const started = performance.now();
		try {
			const answer = await httpRequest('POST', url, { headers, body, timeoutMs: 60_000 });
			latencies.push(performance.now() - started);
			count(answerLabel(answer));
			if (isAccepted(answer)) accepted.add(key);
			else if (answer.status < 200 || answer.status > 299) retry.push(make);
			onAnswer?.(answer, key);
		} catch (error) {
			count(`socket ${error.code ?? error.message.slice(0, 40)}`);
			if (!shouldStop()) retry.push(make);
		}
	}
	async function pass(batch) {
		let next = 0;
		await Promise.all(
			Array.from({ length: concurrency }, async () => {
				while (next < batch.length && !shouldStop()) {
					await deliver(batch[next++]);
					if (pacingMs > 0) await sleep(pacingMs);
				}
			}),
		);
	}
	const started = performance.now();
	await pass(deliveries);
	const seconds = (performance.now() - started) / 1000;
	for (let round = 0; round < 10 && retry.length > 0 && !shouldStop(); round++) {
		await sleep(1000);
		await pass(retry.splice(0));
	}
	latencies.sort((a, b) => a - b);
	return {
		rate: deliveries.length / seconds,
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99),
		answers: Object.fromEntries([...answers].sort()),
		accepted,
		unanswered: retry.length,
	};
}

/** Waits until a workflow's executions stop changing and none is unfinished (bounded). */
async function settleExecutions(n8n, workflowId, { quietMs = 5000, timeoutMs = 180_000 } = {}) {
	const deadline = Date.now() + timeoutMs;
	let last = '';
	let quietSince = Date.now();
	while (Date.now() < deadline) {
		const executions = await n8n.listExecutions(workflowId, { includeData: false });
		const unfinished = executions.filter((e) =>
			['new', 'running', 'waiting'].includes(e.status),
		).length;
		const signature = `${executions.length}/${unfinished}`;
		if (signature !== last) {
			last = signature;
			quietSince = Date.now();
		} else if (unfinished === 0 && Date.now() - quietSince >= quietMs) {
			return;
		}
		await sleep(1000);
	}
}

/**
 * What n8n ran for a workflow: executions by status and, per key (`keysOf(item)` gives the
 * keys an emitted item carries), how many successful runs emitted it.
 */
async function recordedRuns(n8n, workflowId, keysOf) {
	const executions = await n8n.listExecutions(workflowId);
	const byStatus = {};
	const runsPerKey = new Map();
	for (const execution of executions) {
		byStatus[execution.status] = (byStatus[execution.status] ?? 0) + 1;
		if (execution.status !== 'success') continue;
		const trigger = execution.data.resultData.lastNodeExecuted;
		for (const item of nodeOutputItems(execution, trigger)) {
			for (const key of keysOf(item)) runsPerKey.set(key, (runsPerKey.get(key) ?? 0) + 1);
		}
	}
	return { total: executions.length, byStatus, runsPerKey, ids: executions.map((e) => e.id) };
}

/** Doubled and lost among `expectedKeys` (lost: no successful run), given recordedRuns. */
function tally(expectedKeys, runs) {
	let doubled = 0;
	let lost = 0;
	for (const key of expectedKeys) {
		const count = runs.runsPerKey.get(key) ?? 0;
		if (count === 0) lost++;
		if (count > 1) doubled++;
	}
	return { doubled, lost };
}

const formatAnswers = (answers) =>
	Object.entries(answers)
		.map(([label, n]) => `${n} × ${label}`)
		.join(', ');

/** A small deterministic generator, so that every receiver gets the very same stream. */
function seededRandom(seed) {
	let state = seed >>> 0;
	return () => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

/** `--name value` command-line pairs as an object. */
function parseArgs(argv) {
	return Object.fromEntries(
		argv
			.join(' ')
			.split('--')
			.filter(Boolean)
			.map((pair) => pair.trim().split(/\s+/)),
	);
}

/** Named checks, printed as they are made; `summary(name)` is the closing `N passed, M failed` line. */
function checkList() {
	const checks = [];
	return {
		check(name, ok, detail = '') {
			checks.push({ name, ok });
			console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
		},
		get failed() {
			return checks.filter((c) => !c.ok).length;
		},
		summary(name) {
			const failed = this.failed;
			return `${name}: ${checks.length - failed} passed, ${failed} failed`;
		},
	};
}

module.exports = {
	sendDeliveries,
	providerAttempt,
	answerLabel,
	isN8nStartingUp,
	settleExecutions,
	recordedRuns,
	tally,
	formatAnswers,
	isAccepted,
	percentile,
	seededRandom,
	parseArgs,
	checkList,
};
