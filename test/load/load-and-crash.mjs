// Proves, in a real n8n 2.41.1 (SQLite, this package installed as users install it), that a
// 200 for an accepted event means its run exists:
//
// 1. Sustained load: one stream of Captain.AI deliveries (~30% redeliveries, some sent as
//    concurrent twins) sent, 8 at a time, to n8n's own Webhook node and to the Captain.AI
//    Trigger, with n8n's default expression engine and with N8N_EXPRESSION_ENGINE=legacy.
//    Deliveries answered 503 (or whose connection broke) are sent again later, as Captain
//    does. Checks: every distinct event has exactly one successful execution, none stuck or
//    failed, no failed static-data save in n8n's log.
// 2. Crash: kill -9 (and, separately, SIGTERM) in the middle of a stream, restart, redeliver
//    every event. Check: every event has a successful execution (0 lost); doubled is printed.
//
// Prints tables and a closing `load: N passed, M failed` line; exits 1 when a check failed.
// Usage: node test/load/load-and-crash.mjs [--deliveries 2000] [--crash-events 300]
//        (npm run test:load; npm run test:load:long sends 5,000). `npm run build` first.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import harness from '../real-n8n/n8n.js';

const { N8n, httpRequest, nodeOutputItems, sleep } = harness;

const args = Object.fromEntries(
	process.argv
		.slice(2)
		.join(' ')
		.split('--')
		.filter(Boolean)
		.map((pair) => pair.trim().split(/\s+/)),
);
const DELIVERIES = Number(args.deliveries ?? 2000);
const CRASH_EVENTS = Number(args['crash-events'] ?? 200);
const CONCURRENCY = 8;
const REDELIVERY_SHARE = 0.3;
const VERSION = process.env.CAPTAIN_ARRIVE_N8N_VERSION || '2.41.1';
const TOKEN = `load-${randomUUID()}`;
const CAPTAIN = 'n8n-nodes-captain-arrive.captainAiTrigger';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/captain/order_status_updated.json', import.meta.url), 'utf8'));

const checks = [];
function check(name, ok, detail = '') {
	checks.push({ name, ok });
	console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
}

// ------------------------------------------------------------------------------------------
// The stream: a fixed sequence of deliveries, the same for every receiver.

/** A small deterministic generator, so every receiver gets the very same stream. */
function random(seed) {
	let state = seed >>> 0;
	return () => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
}

function eventBody(index, attempt) {
	const createdAt = new Date(Date.UTC(2026, 10, 25, 8, 0, 0) + index * 1000).toISOString();
	return {
		...structuredClone(fixture),
		event_uuid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
		created_at: createdAt,
		metadata: { sent_at: createdAt, delivery_attempt: attempt },
		// One order per event: the out-of-order guard has nothing to drop.
		data: { ...structuredClone(fixture.data), order_uuid: `order-${index}` },
	};
}

/** Deliveries as [eventIndex, attempt]; redeliveries of earlier events, some right after (twins). */
function makeStream(count, seed) {
	const next = random(seed);
	const stream = [];
	const attempts = [];
	while (stream.length < count) {
		const distinct = attempts.length;
		if (distinct > 0 && next() < REDELIVERY_SHARE) {
			const twin = next() < 0.2;
			const event = twin ? distinct - 1 : Math.floor(next() * distinct);
			attempts[event]++;
			stream.push([event, attempts[event]]);
		} else {
			attempts.push(1);
			stream.push([distinct, 1]);
		}
	}
	return { stream, distinct: attempts.length };
}

// ------------------------------------------------------------------------------------------
// Sending

function percentile(sorted, p) {
	return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/**
 * Sends `stream` to `url`, CONCURRENCY at a time. A delivery answered 503 or whose connection
 * broke is queued again and re-sent after the first pass (with a short pause), as a provider
 * retries. `shouldStop` ends sending early (the crash rounds, once n8n was signalled).
 */
async function send(url, stream, headers, { shouldStop = () => false, onAccepted } = {}) {
	const latencies = [];
	const answers = new Map(); // label → count
	const acceptedEvents = new Set();
	const retry = [];
	let accepted = 0;
	const count = (label) => answers.set(label, (answers.get(label) ?? 0) + 1);
	async function deliver([event, attempt]) {
		const started = performance.now();
		try {
			const answer = await httpRequest('POST', url, { headers, body: eventBody(event, attempt), timeoutMs: 60_000 });
			latencies.push(performance.now() - started);
			const label = `${answer.status} ${answer.body?.status ?? answer.body?.reason ?? answer.body?.error ?? answer.body?.message ?? ''}`.trim();
			count(label);
			if (answer.status === 200 && answer.body?.status !== 'ignored') {
				acceptedEvents.add(event);
				accepted++;
				onAccepted?.(accepted);
			} else if (answer.status !== 200) {
				retry.push([event, attempt + 1]);
			}
		} catch (error) {
			count(`socket: ${error.code ?? error.message.slice(0, 40)}`);
			if (!shouldStop()) retry.push([event, attempt + 1]);
		}
	}
	async function pass(deliveries) {
		let next = 0;
		await Promise.all(
			Array.from({ length: CONCURRENCY }, async () => {
				while (next < deliveries.length && !shouldStop()) await deliver(deliveries[next++]);
			}),
		);
	}
	const started = performance.now();
	await pass(stream);
	const firstPassSeconds = (performance.now() - started) / 1000;
	for (let round = 0; round < 10 && retry.length > 0 && !shouldStop(); round++) {
		await sleep(1000);
		await pass(retry.splice(0));
	}
	latencies.sort((a, b) => a - b);
	return {
		rate: stream.length / firstPassSeconds,
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99),
		answers: Object.fromEntries([...answers].sort()),
		acceptedEvents,
		unsent: retry.length,
	};
}

// ------------------------------------------------------------------------------------------
// What n8n recorded

/** Executions of a workflow by status, and successful runs per event index. */
async function recorded(n8n, workflowId, eventOf) {
	const executions = await n8n.listExecutions(workflowId);
	const byStatus = {};
	const successes = new Map();
	for (const execution of executions) {
		byStatus[execution.status] = (byStatus[execution.status] ?? 0) + 1;
		if (execution.status !== 'success') continue;
		for (const item of nodeOutputItems(execution, execution.data.resultData.lastNodeExecuted)) {
			const event = eventOf(item);
			successes.set(event, (successes.get(event) ?? 0) + 1);
		}
	}
	return { total: executions.length, byStatus, successes };
}

/** Waits until the workflow's executions stop changing and none is unfinished (bounded). */
async function settle(n8n, workflowId, { quietMs = 5000, timeoutMs = 180_000 } = {}) {
	const deadline = Date.now() + timeoutMs;
	let last = '';
	let quietSince = Date.now();
	while (Date.now() < deadline) {
		const executions = await n8n.listExecutions(workflowId, { includeData: false });
		const unfinished = executions.filter((e) => ['new', 'running', 'waiting'].includes(e.status)).length;
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

const eventIndexOf = (uuid) => Number(String(uuid).slice(-12));

function peakMemoryMb(n8n) {
	try {
		const status = readFileSync(`/proc/${n8n.child.pid}/status`, 'utf8');
		return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)[1]) / 1024);
	} catch {
		return NaN;
	}
}

/** Resets the kernel's peak-RSS mark of n8n's process, so each phase measures its own peak. */
function resetPeakMemory(n8n) {
	try {
		writeFileSync(`/proc/${n8n.child.pid}/clear_refs`, '5');
	} catch {
		/* not on Linux: the peak then covers the whole run */
	}
}

function logMatches(n8n, pattern) {
	return readFileSync(n8n.logFile, 'utf8')
		.split('\n')
		.filter((line) => pattern.test(line)).length;
}

// ------------------------------------------------------------------------------------------
// Workflows

async function captainWorkflow(n8n, name) {
	const credential = await n8n.createCredential(`${name} token`, 'captainAiWebhookApi', { authToken: TOKEN });
	const webhookId = randomUUID();
	const created = await n8n.createWorkflow({
		name,
		nodes: [
			{
				id: randomUUID(),
				name: 'Captain.AI Trigger',
				type: CAPTAIN,
				typeVersion: 1,
				position: [0, 0],
				webhookId,
				parameters: {},
				credentials: { captainAiWebhookApi: { id: credential.id, name: credential.name } },
			},
		],
		connections: {},
	});
	await n8n.activateWorkflow(created.id);
	const url = n8n.webhookUrl(webhookId, 'events');
	await n8n.waitForWebhook(url);
	return { id: created.id, url, headers: { 'Auth-Token': TOKEN }, eventOf: (item) => eventIndexOf(item.eventId) };
}

async function plainWebhookWorkflow(n8n, name) {
	const webhookId = randomUUID();
	const path = `load-${webhookId}`;
	const created = await n8n.createWorkflow({
		name,
		nodes: [
			{
				id: randomUUID(),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId,
				parameters: { httpMethod: 'POST', path, options: {} },
			},
		],
		connections: {},
	});
	await n8n.activateWorkflow(created.id);
	const url = `${n8n.baseUrl}/webhook/${path}`;
	await n8n.waitForWebhook(url);
	return { id: created.id, url, headers: {}, eventOf: (item) => eventIndexOf(item.body.event_uuid) };
}

// ------------------------------------------------------------------------------------------
// 1. Sustained load

async function sustainedLoad(engine, env) {
	const userFolder = mkdtempSync(join(tmpdir(), `captain-arrive-load-${engine.replace(/\W+/g, '-')}-`));
	const n8n = new N8n({ version: VERSION, userFolder, env });
	const rows = [];
	try {
		await n8n.start();
		await n8n.setUp();
		const { stream, distinct } = makeStream(DELIVERIES, 7);
		for (const [receiver, make] of [
			["n8n's Webhook node", plainWebhookWorkflow],
			['Captain.AI Trigger', captainWorkflow],
		]) {
			const workflow = await make(n8n, `${receiver} under load`);
			resetPeakMemory(n8n);
			const savesFailedBefore = logMatches(n8n, /problem saving the workflow/);
			const sent = await send(workflow.url, stream, workflow.headers);
			await settle(n8n, workflow.id);
			const memoryMb = peakMemoryMb(n8n);
			const runs = await recorded(n8n, workflow.id, workflow.eventOf);
			const counts = [...runs.successes.values()];
			const doubled = counts.filter((n) => n > 1).length;
			const missing = Array.from({ length: distinct }, (_, event) => event).filter((event) => !runs.successes.has(event));
			rows.push({ engine, receiver, sent, runs, doubled, missing: missing.length, memoryMb });
			const label = `${engine}, ${receiver}`;
			const unfinishedOrFailed = runs.total - (runs.byStatus.success ?? 0);
			check(`${label}: every delivery was finally answered`, sent.unsent === 0, `${sent.unsent} left unanswered`);
			check(`${label}: no execution stuck or failed`, unfinishedOrFailed === 0, JSON.stringify(runs.byStatus));
			if (receiver === 'Captain.AI Trigger') {
				const lostAccepted = [...sent.acceptedEvents].filter((event) => !runs.successes.has(event)).length;
				check(`${label}: every event answered "accepted" has a successful run`, lostAccepted === 0, `${lostAccepted} lost`);
				check(`${label}: every distinct event ran exactly once`, missing.length === 0 && doubled === 0, `${missing.length} missing, ${doubled} doubled of ${distinct}`);
				const savesFailed = logMatches(n8n, /problem saving the workflow/) - savesFailedBefore;
				check(`${label}: no failed static-data save in n8n's log`, savesFailed === 0, `${savesFailed} failed`);
			}
		}
	} finally {
		await n8n.stop();
	}
	rmSync(userFolder, { recursive: true, force: true });
	return rows;
}

// ------------------------------------------------------------------------------------------
// 2. Crash

async function crashRound(signal) {
	const userFolder = mkdtempSync(join(tmpdir(), `captain-arrive-crash-${signal}-`));
	const n8n = new N8n({ version: VERSION, userFolder, env: { N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '30' } });
	try {
		await n8n.start();
		await n8n.setUp();
		const workflow = await captainWorkflow(n8n, `crash ${signal}`);
		const stream = Array.from({ length: CRASH_EVENTS }, (_, event) => [event, 1]);
		// Signal n8n once half the events were accepted, while deliveries are in flight.
		let signalled = false;
		const before = await send(workflow.url, stream, workflow.headers, {
			shouldStop: () => signalled,
			onAccepted: (accepted) => {
				if (accepted === Math.floor(CRASH_EVENTS / 2) && !signalled) {
					signalled = true;
					process.kill(-n8n.child.pid, signal);
				}
			},
		});
		await n8n.child?.exited;
		await n8n.stop();
		await n8n.start();
		await n8n.login();
		await n8n.waitForWebhook(workflow.url);
		// The provider sends every event again (what it got no 200 for, and more).
		const redelivery = stream.map(([event]) => [event, 2]);
		const after = await send(workflow.url, redelivery, workflow.headers);
		await settle(n8n, workflow.id);
		const runs = await recorded(n8n, workflow.id, workflow.eventOf);
		const lost = stream.filter(([event]) => !runs.successes.has(event)).length;
		const doubled = [...runs.successes.values()].filter((n) => n > 1).length;
		check(`${signal}: every event has a successful run after restart and redelivery (0 lost)`, lost === 0 && after.unsent === 0, `${lost} lost`);
		return { signal, acceptedBefore: before.acceptedEvents.size, answersBefore: before.answers, answersAfter: after.answers, byStatus: runs.byStatus, lost, doubled };
	} finally {
		await n8n.stop();
		rmSync(userFolder, { recursive: true, force: true });
	}
}

// ------------------------------------------------------------------------------------------

const started = Date.now();
const loadRows = [...(await sustainedLoad('default engine', {})), ...(await sustainedLoad('legacy engine', { N8N_EXPRESSION_ENGINE: 'legacy' }))];
const crashRows = [await crashRound('SIGKILL'), await crashRound('SIGTERM')];

console.log(`\nSustained load: n8n ${VERSION}, SQLite, ${DELIVERIES} deliveries (${CONCURRENCY} at a time, ~${REDELIVERY_SHARE * 100}% redeliveries), ${new Date().toISOString().slice(0, 10)}`);
console.log('| engine | receiver | rate (first pass, req/s) | p50 / p99 ms | answers | executions by status | doubled | missing | n8n peak RSS MB |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of loadRows) {
	const answers = Object.entries(row.sent.answers).map(([label, n]) => `${n} × ${label}`).join(', ');
	console.log(
		`| ${row.engine} | ${row.receiver} | ${row.sent.rate.toFixed(0)} | ${row.sent.p50.toFixed(0)} / ${row.sent.p99.toFixed(0)} | ${answers} | ${JSON.stringify(row.runs.byStatus)} | ${row.doubled} | ${row.missing} | ${row.memoryMb} |`,
	);
}
console.log(`\nCrash: ${CRASH_EVENTS} events, n8n signalled after half were accepted, restarted, every event redelivered`);
console.log('| signal | accepted before | answers before | answers after restart | executions by status | lost | doubled |');
console.log('|---|---|---|---|---|---|---|');
for (const row of crashRows) {
	const fmt = (answers) => Object.entries(answers).map(([label, n]) => `${n} × ${label}`).join(', ');
	console.log(`| ${row.signal} | ${row.acceptedBefore} | ${fmt(row.answersBefore)} | ${fmt(row.answersAfter)} | ${JSON.stringify(row.byStatus)} | ${row.lost} | ${row.doubled} |`);
}
const failed = checks.filter((c) => !c.ok).length;
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
console.log(`load: ${checks.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
