// What each outcome costs inside a real n8n (2.41.1 by default), measured side by side:
// requests per second and median latency for deliveries the Captain.AI Trigger accepts (an
// execution runs), drops (duplicate, filtered) or refuses (401), next to n8n's own Webhook
// node as the baseline for "a request that starts an execution". Scenarios run in
// interleaved rounds so machine noise hits them alike; compare the ratios.
//
// A second accepted scenario starts with the node's memory full (10 000 remembered events,
// the default bound) to show what saving that memory in static data adds per accepted event.
//
// Usage: node bench/real-n8n.mjs [rounds=3] [requestsPerBatch=40] [concurrency=4]
// (npm run bench builds first; installs n8n into the cache on first use.)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRequire } from 'node:module';

import harness from '../test/real-n8n/n8n.js';

const { BoundedMemory } = createRequire(import.meta.url)('../dist/nodes/common/dedupe.js');

const { N8n } = harness;
const [rounds = 3, perBatch = 40, concurrency = 4] = process.argv.slice(2).map(Number);
const version = process.env.CAPTAIN_ARRIVE_N8N_VERSION || '2.41.1';
const TOKEN = `bench-${randomUUID()}`;
const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/captain/order_status_updated.json', import.meta.url), 'utf8'));
const CAPTAIN = 'n8n-nodes-captain-arrive.captainAiTrigger';

function captainWorkflow(name, parameters, credential, staticData) {
	return {
		name,
		nodes: [{ id: randomUUID(), name: 'Captain.AI Trigger', type: CAPTAIN, typeVersion: 2, position: [0, 0], webhookId: randomUUID(), parameters, credentials: { captainAiWebhookApi: credential } }],
		connections: {},
		...(staticData ? { staticData } : {}),
	};
}

/** The node's memory as it would be after `count` accepted events, built by the node's own store. */
function fullMemory(count, now) {
	const limits = { maxEntries: count, maxAgeMs: 72 * 3_600_000 };
	const acceptedEvents = new BoundedMemory(limits);
	const latestPerEntity = new BoundedMemory(limits);
	for (let i = 0; i < count; i++) {
		const at = now - (count - i) * 1000;
		acceptedEvents.remember(randomUUID(), true, at);
		latestPerEntity.remember(`order-status:order-${i}`, at, at);
	}
	const tables = { acceptedEvents: acceptedEvents.toSnapshot(), latestPerEntity: latestPerEntity.toSnapshot() };
	return { 'node:Captain.AI Trigger': { captainArriveMemory: { v: 3, rev: 'seeded', by: 'seed', savedAt: now, tables } } };
}

async function runBatch(n8n, url, makeRequest) {
	const latencies = [];
	const statuses = new Map();
	let next = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < perBatch) {
				next++;
				const { body, headers } = makeRequest();
				const t0 = performance.now();
				const answer = await n8n.post(url, body, headers);
				latencies.push(performance.now() - t0);
				const key = `${answer.status} ${answer.body?.status ?? answer.body?.message ?? ''}`.trim();
				statuses.set(key, (statuses.get(key) ?? 0) + 1);
			}
		}),
	);
	const seconds = (performance.now() - started) / 1000;
	latencies.sort((a, b) => a - b);
	return { rps: perBatch / seconds, medianMs: latencies[latencies.length >> 1], statuses: Object.fromEntries(statuses) };
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

const userFolder = mkdtempSync(join(tmpdir(), 'captain-arrive-bench-'));
// Extra n8n environment for experiments, e.g. BENCH_N8N_ENV='N8N_EXPRESSION_ENGINE=legacy'.
const extraEnv = Object.fromEntries((process.env.BENCH_N8N_ENV ?? '').split(/\s+/).filter(Boolean).map((pair) => pair.split('=')));
const n8n = new N8n({ version, userFolder, env: extraEnv });
try {
	await n8n.start();
	await n8n.setUp();
	const credential = await n8n.createCredential('bench', 'captainAiWebhookApi', { authToken: TOKEN });
	const ref = { id: credential.id, name: credential.name };
	const auth = { 'Auth-Token': TOKEN };

	const publish = async (workflow, path) => {
		const created = await n8n.createWorkflow(workflow);
		await n8n.activateWorkflow(created.id);
		const url = n8n.webhookUrl(workflow.nodes[0].webhookId, path);
		await n8n.waitForWebhook(url);
		return url;
	};
	const main = await publish(captainWorkflow('bench main', {}, ref), 'events');
	const full = await publish(captainWorkflow('bench full memory', {}, ref, fullMemory(10000, Date.now())), 'events');
	const filtered = await publish(captainWorkflow('bench filtered', { events: ['order_assigned'] }, ref), 'events');
	const baselineId = randomUUID();
	const baseline = await publish(
		{
			name: 'bench n8n Webhook node',
			nodes: [{ id: randomUUID(), name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: baselineId, parameters: { httpMethod: 'POST', path: baselineId } }],
			connections: {},
		},
		'',
	).catch(() => undefined);
	const baselineUrl = `${n8n.baseUrl}/webhook/${baselineId}`;

	const arriveWorkflow = (name, parameters) => ({
		name,
		nodes: [{ id: randomUUID(), name: 'ARRIVE Trigger', type: 'n8n-nodes-captain-arrive.arriveTrigger', typeVersion: 2, position: [0, 0], webhookId: randomUUID(), parameters }],
		connections: {},
	});
	const arriveLocal = await publish(arriveWorkflow('bench ARRIVE local', { additionalAddresses: '127.0.0.1', emit: 'everyUpdate' }), 'arrive');
	const arriveOnly = await publish(arriveWorkflow('bench ARRIVE only', {}), 'arrive');
	const arriveSample = JSON.parse(readFileSync(new URL('../test/fixtures/arrive/ad-estimates.json', import.meta.url), 'utf8'));
	const arriveCall = () => ({ body: { ...arriveSample, timestamp: new Date().toISOString(), data: { ...arriveSample.data, estimates: [{ ...arriveSample.data.estimates[0], track_tokens: [{ dest_id: randomUUID() }] }] } }, headers: {} });

	// One accepted event to duplicate.
	const known = { ...fixture, event_uuid: randomUUID() };
	await n8n.post(main, known, auth);

	const fresh = () => ({ body: { ...fixture, event_uuid: randomUUID() }, headers: auth });
	const scenarios = {
		"n8n's Webhook node (execution)": [baselineUrl, () => ({ body: fixture, headers: {} })],
		'accepted (execution), memory empty': [main, fresh],
		'accepted (execution), memory full 10k': [full, fresh],
		'200 duplicate (no execution)': [main, () => ({ body: known, headers: auth })],
		'200 filtered (no execution)': [filtered, fresh],
		'401 wrong token (no execution)': [main, () => ({ body: fixture, headers: { 'Auth-Token': 'nope' } })],
		'ARRIVE accepted (execution)': [arriveLocal, arriveCall],
		'ARRIVE 403 not allowed (no execution)': [arriveOnly, arriveCall],
	};
	if (!baseline) delete scenarios["n8n's Webhook node (execution)"];

	const results = Object.fromEntries(Object.keys(scenarios).map((name) => [name, []]));
	for (let round = 0; round < rounds; round++) {
		for (const [name, [url, makeRequest]] of Object.entries(scenarios)) results[name].push(await runBatch(n8n, url, makeRequest));
	}

	const reference = median(results['accepted (execution), memory empty'].map((r) => r.rps));
	console.log(`n8n ${version} (SQLite, Node 24${process.env.BENCH_N8N_ENV ? `, ${process.env.BENCH_N8N_ENV}` : ''}), ${rounds} interleaved rounds of ${perBatch} requests, concurrency ${concurrency}`);
	console.log('scenario'.padEnd(42), 'req/s'.padStart(8), 'median ms'.padStart(10), '× accepted req/s'.padStart(17), '  answers (last round)');
	for (const [name, runs] of Object.entries(results)) {
		const rps = median(runs.map((r) => r.rps));
		const ms = median(runs.map((r) => r.medianMs));
		console.log(name.padEnd(42), rps.toFixed(0).padStart(8), ms.toFixed(1).padStart(10), (rps / reference).toFixed(1).padStart(17), ' ', JSON.stringify(runs.at(-1).statuses));
	}
} finally {
	await n8n.stop();
	rmSync(userFolder, { recursive: true, force: true });
}
