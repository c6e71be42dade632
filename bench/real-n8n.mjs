// What each outcome costs inside a real n8n (2.41.1 by default), measured side by side:
// requests per second and median latency per outcome (bench/scenarios.mjs: n8n's own Webhook
// node running an execution and refusing with its IP allowlist, Captain.AI 401 / duplicate /
// filtered / accepted, ARRIVE 403 / nothing new / accepted; both nodes at version 2), in n8n's
// three expression-engine modes, each its own n8n start. Scenarios run in interleaved rounds
// so machine noise hits them alike; compare the ratios within a mode.
//
// One more accepted scenario starts with the node's memory full (10 000 remembered events,
// the default bound) to show what saving that memory in static data adds per accepted event.
//
// Usage: node bench/real-n8n.mjs [rounds=3] [requestsPerBatch=40] [concurrency=4]
//   BENCH_MODES=default,lazy,legacy (the default) picks the modes; BENCH_N8N_ENV='K=V …'
//   instead runs one n8n with that extra environment.
// (npm run bench builds first; installs n8n into the cache on first use.)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRequire } from 'node:module';

import harness from '../tools/real-n8n/n8n.cjs';
import { median, runBatch } from './batches.mjs';
import { publishScenarios, ENGINE_MODES } from './scenarios.mjs';

const fromDist = createRequire(import.meta.url);
const { BoundedTable } = fromDist('../dist/nodes/common/memory/table.js');
const { memoryKey } = fromDist('../dist/nodes/common/fingerprint.js');

const { N8n } = harness;
const [rounds = 3, perBatch = 40, concurrency = 4] = process.argv.slice(2).map(Number);
const version = process.env.CAPTAIN_ARRIVE_N8N_VERSION || '2.41.1';
const CAPTAIN = 'n8n-nodes-captain-arrive.captainAiTrigger';

const MODES = ENGINE_MODES;

/** The node's memory as it would be after `count` accepted events, built by the node's own store. */
function fullMemory(count, now) {
	const limits = { maxEntries: count, maxAgeMs: 72 * 3_600_000 };
	const acceptedEvents = new BoundedTable(limits);
	const latestPerEntity = new BoundedTable(limits);
	for (let i = 0; i < count; i++) {
		const at = now - (count - i) * 1000;
		acceptedEvents.set(memoryKey(randomUUID()), true, at);
		latestPerEntity.set(memoryKey(`order-status:order-${i}`), at, at);
	}
	const tables = {
		acceptedEvents: acceptedEvents.toSnapshot(),
		latestPerEntity: latestPerEntity.toSnapshot(),
	};
	return {
		'node:Captain.AI Trigger': {
			captainArriveMemory: { v: 3, rev: 'seeded', by: 'seed', savedAt: now, tables },
		},
	};
}

/** Answers counted by status and, for the nodes' JSON answers, what they say. */
const answerKey = (answer) =>
	`${answer.status} ${answer.body?.status === 'ignored' ? answer.body.reason : (answer.body?.status ?? answer.body?.error ?? answer.body?.message ?? '')}`.trim();

/** Starts one n8n with `env`, measures every scenario, stops it. Returns { name: { rps, ms, statuses } }. */
async function measureMode(label, env) {
	const userFolder = mkdtempSync(join(tmpdir(), 'captain-arrive-bench-'));
	const n8n = new N8n({ version, userFolder, env });
	try {
		await n8n.start();
		await n8n.setUp();
		const scenarios = await publishScenarios(n8n, { captainVersion: 2, arriveVersion: 2 });

		// The accepted scenario again, with the node's memory full.
		const token = `bench-full-${randomUUID()}`;
		const credential = await n8n.createCredential('bench full', 'captainAiWebhookApi', {
			authToken: token,
		});
		const webhookId = randomUUID();
		const created = await n8n.createWorkflow({
			name: 'bench full memory',
			nodes: [
				{
					id: randomUUID(),
					name: 'Captain.AI Trigger',
					type: CAPTAIN,
					typeVersion: 2,
					position: [0, 0],
					webhookId,
					parameters: {},
					credentials: { captainAiWebhookApi: { id: credential.id, name: credential.name } },
				},
			],
			connections: {},
			staticData: fullMemory(10000, Date.now()),
		});
		await n8n.activateWorkflow(created.id);
		const fullUrl = n8n.webhookUrl(webhookId, 'events');
		await n8n.waitForWebhook(fullUrl);
		const accepted = scenarios.find((s) => s.name === 'Captain.AI accepted');
		scenarios.splice(scenarios.indexOf(accepted) + 1, 0, {
			name: 'Captain.AI accepted, memory full 10k',
			url: fullUrl,
			make: () => [accepted.make()[0], { 'Auth-Token': token }],
		});

		for (const scenario of scenarios) {
			const [body, headers] = (scenario.prime ?? scenario.make)();
			await n8n.post(scenario.url, body, headers);
		}
		const results = Object.fromEntries(scenarios.map((s) => [s.name, []]));
		for (let round = 0; round < rounds; round++) {
			for (const { name, url, make } of scenarios)
				results[name].push(
					await runBatch(n8n, url, make, { count: perBatch, concurrency, answerKey }),
				);
		}
		const summary = {};
		console.log(
			`\n${label}: n8n ${version} (SQLite), ${rounds} interleaved rounds of ${perBatch} requests, concurrency ${concurrency}`,
		);
		console.log(
			'scenario'.padEnd(40),
			'req/s'.padStart(7),
			'median ms'.padStart(10),
			'  answers (last round)',
		);
		for (const [name, runs] of Object.entries(results)) {
			const rps = median(runs.map((r) => r.rps));
			const ms = median(runs.map((r) => r.medianMs));
			summary[name] = { rps, ms, statuses: runs.at(-1).statuses };
			console.log(
				name.padEnd(40),
				rps.toFixed(0).padStart(7),
				ms.toFixed(1).padStart(10),
				' ',
				JSON.stringify(runs.at(-1).statuses),
			);
		}
		return summary;
	} finally {
		await n8n.stop();
		rmSync(userFolder, { recursive: true, force: true });
	}
}

const parseEnv = (text) =>
	Object.fromEntries(
		text
			.split(/\s+/)
			.filter(Boolean)
			.map((pair) => pair.split('=')),
	);
const modes = process.env.BENCH_N8N_ENV
	? { [process.env.BENCH_N8N_ENV]: parseEnv(process.env.BENCH_N8N_ENV) }
	: Object.fromEntries(
			(process.env.BENCH_MODES ?? 'default,lazy,legacy').split(',').map((m) => [m, MODES[m]]),
		);

const measured = {};
for (const [label, env] of Object.entries(modes)) measured[label] = await measureMode(label, env);

// Side by side: req/s per mode, and each drop as a multiple of n8n's own 403 in the same run.
const labels = Object.keys(measured);
const names = Object.keys(measured[labels[0]]);
const ref = "n8n's Webhook node, its 403";
console.log(
	`\nreq/s per outcome (× n8n's own 403 in the same n8n), n8n ${version}, ${new Date().toISOString()}`,
);
console.log(`| Outcome | ${labels.join(' | ')} |`);
console.log(`|---|${labels.map(() => '---|').join('')}`);
for (const name of names) {
	const cells = labels.map((label) => {
		const rps = measured[label][name]?.rps;
		const base = measured[label][ref]?.rps;
		return rps === undefined
			? '–'
			: name === ref
				? rps.toFixed(0)
				: `${rps.toFixed(0)} (${(rps / base).toFixed(2)}×)`;
	});
	console.log(`| ${name} | ${cells.join(' | ')} |`);
}
