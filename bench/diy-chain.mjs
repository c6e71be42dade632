// What a user builds without this package, against each trigger, in one run on a real n8n
// (2.41.1 by default, SQLite), in n8n's three expression-engine modes (each its own n8n start).
//
// Do-it-yourself chain: n8n's Webhook node (v2, responseMode onReceived) → Filter (v2, the
// wanted events only) → Remove Duplicates (v2, "Remove Items Processed in Previous
// Executions", key = Captain's event_uuid; for ARRIVE, trip id + ack token). An ARRIVE call
// carries every open trip, so its chain has a Split Out node (one item per trip) between the
// Webhook and the Filter: without it, the trips of a call cannot be filtered or deduplicated.
// Against: the Captain.AI Trigger (Events: the two wanted status events) and the ARRIVE
// Trigger (Accept Calls From: Any Address; Trigger On: New Approach or Arrival), version 2.
//
// Streams (the same for both receivers, fixed seeds):
// - Captain.AI: ~60% driver-location and ETA events not wanted, ~20% redeliveries (same
//   event_uuid, later delivery_attempt), ~20% wanted status events.
// - ARRIVE: every call carries every open trip; now and then a trip moves on (in-transit →
//   approaching → arrived, a new ack token each time, then leaves and a new trip starts).
//   Wanted: each (trip, ack token) once.
//
// Before measuring, a short warm-up stream per receiver, one run at a time, checks that each
// really filters and dedupes (what reached the end of each execution). Then, per stream: answer rate (req/s over
// the sending), "done" rate (until the last execution finished: the chain answers before its
// run, the triggers once it has started), executions created, whether the emitted items are
// exactly the wanted ones (each once), database growth (database.sqlite + -wal), and answer
// latency p50/p99.
//
// Usage: node bench/diy-chain.mjs [--deliveries 300] [--concurrency 6] [--modes default,lazy,legacy]
// (npm run bench builds first.) Exits 1 when a check failed.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import deliveries from '../tools/real-n8n/deliveries.js';
import harness from '../tools/real-n8n/n8n.cjs';
import { ENGINE_MODES, filterParameters, workflowNode } from './scenarios.mjs';

const { N8n, nodeOutputItems, sleep } = harness;
const { sendDeliveries, seededRandom, parseArgs, checkList, formatAnswers } = deliveries;

const args = parseArgs(process.argv.slice(2));
const DELIVERIES = Number(args.deliveries ?? 300);
const CONCURRENCY = Number(args.concurrency ?? 6);
const WARMUP = 30;
const VERSION = process.env.CAPTAIN_ARRIVE_N8N_VERSION || '2.41.1';
const MODES = ENGINE_MODES;
const modes = String(args.modes ?? 'default,lazy,legacy').split(',');
const fixture = (file) =>
	JSON.parse(readFileSync(new URL(`../test/fixtures/${file}`, import.meta.url), 'utf8'));
const CAPTAIN_FIXTURES = {
	agent: [
		fixture('captain/agent.radar_locations.created.json'),
		fixture('captain/agent_eta_updated.json'),
	],
	wanted: [
		fixture('captain/order_status_updated.json'),
		fixture('captain/job_delivery_status_updated.json'),
	],
};
const WANTED_EVENTS = ['order_status_updated', 'job_delivery_status_updated'];
const ARRIVE_SAMPLE = fixture('arrive/ad-estimates.json');

const checks = checkList();
const { check } = checks;

// ------------------------------------------------------------------------------------------
// Streams: arrays of { body, key } (key: the wanted event the delivery carries, or none).

const eventUuid = (phase, index) =>
	`00000000-0000-4000-8${phase}00-${String(index).padStart(12, '0')}`;

/** Captain.AI: { bodies, wanted: Set of wanted event_uuids }. */
function captainStream(count, seed, phase) {
	const next = seededRandom(seed);
	const sent = []; // [index, template, attempts]
	const bodies = [];
	const wanted = new Set();
	while (bodies.length < count) {
		let event;
		if (sent.length > 0 && next() < 0.2) {
			event = sent[Math.floor(next() * sent.length)];
			event.attempt++;
		} else {
			const isWanted = next() < 0.25; // of the 80% new: 20% wanted, 60% not
			const pool = isWanted ? CAPTAIN_FIXTURES.wanted : CAPTAIN_FIXTURES.agent;
			event = { index: sent.length, template: pool[Math.floor(next() * pool.length)], attempt: 1 };
			sent.push(event);
			if (isWanted) wanted.add(eventUuid(phase, event.index));
		}
		const createdAt = new Date(Date.UTC(2026, 10, 25, 8, 0, 0) + event.index * 1000).toISOString();
		const entity = `entity-${phase}-${event.index}`;
		const data = { ...structuredClone(event.template.data) };
		if ('order_uuid' in data) data.order_uuid = entity;
		if ('job_uuid' in data) data.job_uuid = entity;
		bodies.push({
			...structuredClone(event.template),
			event_uuid: eventUuid(phase, event.index),
			created_at: createdAt,
			metadata: { sent_at: createdAt, delivery_attempt: event.attempt },
			data,
		});
	}
	return { bodies, wanted };
}

/** ARRIVE: { bodies, wanted: Set of "tripId|ackToken" }. Each call carries every open trip. */
function arriveStream(count, seed, phase, openTrips = 6) {
	const next = seededRandom(seed);
	const template = ARRIVE_SAMPLE.data.estimates[0];
	let tripsStarted = 0;
	const newTrip = () => ({ id: `trip-${phase}-${tripsStarted++}`, stage: 0, ack: undefined });
	const trips = Array.from({ length: openTrips }, newTrip);
	const wanted = new Set();
	const bodies = [];
	const STATUSES = ['in-transit', 'approaching', 'arrived'];
	for (let call = 0; call < count; call++) {
		if (next() < 0.12) {
			const slot = Math.floor(next() * trips.length);
			const trip = trips[slot];
			if (trip.stage === 2) trips[slot] = newTrip();
			else {
				trip.stage++;
				trip.ack = `ack-${trip.id}-${trip.stage}`;
				wanted.add(`${trip.id}|${trip.ack}`);
			}
		}
		const estimates = trips.map((trip) => {
			const estimate = {
				...structuredClone(template),
				status: STATUSES[trip.stage],
				tid: trip.id,
				track_tokens: [{ ...template.track_tokens[0], dest_id: trip.id }],
			};
			if (trip.ack) estimate.ack = { token: trip.ack };
			else delete estimate.ack;
			if (trip.stage !== 2) delete estimate.arrived;
			return estimate;
		});
		bodies.push({
			...ARRIVE_SAMPLE,
			timestamp: new Date(Date.UTC(2026, 10, 25, 8, 0, 0) + call * 1000).toISOString(),
			data: { ...ARRIVE_SAMPLE.data, estimates },
		});
	}
	return { bodies, wanted };
}

// ------------------------------------------------------------------------------------------
// Workflows

const chainConnections = (names) =>
	Object.fromEntries(
		names
			.slice(0, -1)
			.map((name, i) => [name, { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] }]),
	);

const removeDuplicates = (x, dedupeValue) =>
	workflowNode('Remove Duplicates', 'n8n-nodes-base.removeDuplicates', 2, x, {
		operation: 'removeItemsSeenInPreviousExecutions',
		logic: 'removeItemsWithAlreadySeenKeyValues',
		dedupeValue,
		options: {},
	});

function webhookNode(path) {
	return workflowNode(
		'Webhook',
		'n8n-nodes-base.webhook',
		2,
		0,
		{ httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
		{ webhookId: randomUUID() },
	);
}

async function publish(n8n, name, nodes, path) {
	const created = await n8n.createWorkflow({
		name,
		nodes,
		connections: chainConnections(nodes.map((n) => n.name)),
	});
	await n8n.activateWorkflow(created.id);
	const url =
		path === undefined
			? `${n8n.baseUrl}/webhook/${nodes[0].parameters.path}`
			: n8n.webhookUrl(nodes[0].webhookId, path);
	await n8n.waitForWebhook(url);
	return { id: created.id, url };
}

async function receivers(n8n) {
	const token = `diy-${randomUUID()}`;
	const credential = await n8n.createCredential('diy bench', 'captainAiWebhookApi', {
		authToken: token,
	});
	const captainDiy = await publish(
		n8n,
		'Captain DIY chain',
		[
			webhookNode(`captain-${randomUUID()}`),
			workflowNode(
				'Filter',
				'n8n-nodes-base.filter',
				2,
				1,
				filterParameters(
					WANTED_EVENTS.map((event) => ['={{ $json.body.event_name }}', 'equals', event]),
				),
			),
			removeDuplicates(2, '={{ $json.body.event_uuid }}'),
		],
		undefined,
	);
	const captainTrigger = await publish(
		n8n,
		'Captain.AI Trigger',
		[
			workflowNode(
				'Captain.AI Trigger',
				'n8n-nodes-captain-arrive.captainAiTrigger',
				2,
				0,
				{ events: WANTED_EVENTS },
				{
					webhookId: randomUUID(),
					credentials: { captainAiWebhookApi: { id: credential.id, name: credential.name } },
				},
			),
		],
		'events',
	);
	const arriveDiy = await publish(
		n8n,
		'ARRIVE DIY chain',
		[
			webhookNode(`arrive-${randomUUID()}`),
			workflowNode('Split Out', 'n8n-nodes-base.splitOut', 1, 1, {
				fieldToSplitOut: 'body.data.estimates',
				include: 'noOtherFields',
				options: {},
			}),
			workflowNode(
				'Filter',
				'n8n-nodes-base.filter',
				2,
				2,
				filterParameters([['={{ $json.ack?.token ?? "" }}', 'notEmpty']]),
			),
			removeDuplicates(3, '={{ $json.track_tokens[0].dest_id + "|" + $json.ack.token }}'),
		],
		undefined,
	);
	const arriveTrigger = await publish(
		n8n,
		'ARRIVE Trigger',
		[
			workflowNode(
				'ARRIVE Trigger',
				'n8n-nodes-captain-arrive.arriveTrigger',
				2,
				0,
				{ sourceRestriction: 'none', emit: 'newArrival' },
				{ webhookId: randomUUID() },
			),
		],
		'arrive',
	);
	const captainHeaders = { 'Auth-Token': token };
	return {
		captain: [
			{ label: 'DIY chain', ...captainDiy, headers: {}, keysOf: (item) => [item.body.event_uuid] },
			{
				label: 'Captain.AI Trigger',
				...captainTrigger,
				headers: captainHeaders,
				keysOf: (item) => [item.eventId],
			},
		],
		arrive: [
			{
				label: 'DIY chain',
				...arriveDiy,
				headers: {},
				keysOf: (item) => [`${item.track_tokens[0].dest_id}|${item.ack.token}`],
			},
			{
				label: 'ARRIVE Trigger',
				...arriveTrigger,
				headers: {},
				keysOf: (item) => [`${item.tripId}|${item.ackToken}`],
			},
		],
	};
}

// ------------------------------------------------------------------------------------------
// Measuring

/** Bytes of the SQLite pages in use (page_count − freelist_count), read-only through Python's sqlite3 (sees the WAL). */
function databaseDataBytes(n8n) {
	const file = join(n8n.userFolder, '.n8n', 'database.sqlite');
	const script =
		'import sqlite3,sys\n' +
		'c=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro",uri=True)\n' +
		'q=lambda p:c.execute("PRAGMA "+p).fetchone()[0]\n' +
		'print((q("page_count")-q("freelist_count"))*q("page_size"))';
	const result = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
	return result.status === 0 ? Number(result.stdout.trim()) : NaN;
}

/** Sizes of database.sqlite and its -wal file together. */
function databaseBytes(n8n) {
	const file = join(n8n.userFolder, '.n8n', 'database.sqlite');
	let total = 0;
	for (const suffix of ['', '-wal']) {
		try {
			total += statSync(file + suffix).size;
		} catch {
			/* no WAL yet */
		}
	}
	return total;
}

/** Polls until the workflow has `known` + new executions, none unfinished, unchanged for 1.5 s. Returns when it first held. */
async function waitDone(n8n, workflowId, timeoutMs = 240_000) {
	const deadline = Date.now() + timeoutMs;
	let last = '';
	let since = performance.now();
	while (Date.now() < deadline) {
		const executions = await n8n.listExecutions(workflowId, { includeData: false });
		const unfinished = executions.filter((e) =>
			['new', 'running', 'waiting'].includes(e.status),
		).length;
		const signature = `${executions.length}/${unfinished}`;
		if (signature !== last || unfinished > 0) {
			last = signature;
			since = performance.now();
		} else if (performance.now() - since >= 1500) {
			return since;
		}
		await sleep(250);
	}
	throw new Error(`workflow ${workflowId}: executions still changing after ${timeoutMs} ms`);
}

/**
 * What the stream made n8n run, from executions not in `before`: how many, how many emitted at
 * least one item at their last node, and per wanted key how often it was emitted.
 */
async function emitted(n8n, receiver, before, wanted, marker) {
	const executions = (await n8n.listExecutions(receiver.id)).filter((e) => !before.has(e.id));
	const count = new Map();
	const byStatus = {};
	let withItems = 0;
	let items = 0;
	for (const execution of executions) {
		byStatus[execution.status] = (byStatus[execution.status] ?? 0) + 1;
		if (execution.status !== 'success') continue;
		const keys = nodeOutputItems(execution, execution.data.resultData.lastNodeExecuted)
			.flatMap(receiver.keysOf)
			.filter((key) => key.includes(marker));
		if (keys.length > 0) withItems++;
		items += keys.length;
		for (const key of keys) count.set(key, (count.get(key) ?? 0) + 1);
	}
	let doubled = 0;
	let missing = 0;
	for (const key of wanted) {
		const n = count.get(key) ?? 0;
		if (n === 0) missing++;
		if (n > 1) doubled++;
	}
	const unwanted = [...count.keys()].filter((key) => !wanted.has(key)).length;
	return {
		executions: executions.length,
		withItems,
		items,
		byStatus,
		ids: executions.map((e) => e.id),
		doubled,
		missing,
		unwanted,
	};
}

/** Resolves once the workflow has no unfinished execution. */
async function noneRunning(n8n, workflowId) {
	for (;;) {
		const executions = await n8n.listExecutions(workflowId, { includeData: false });
		if (!executions.some((e) => ['new', 'running', 'waiting'].includes(e.status))) return;
		await sleep(50);
	}
}

/**
 * Sends a stream and reads back what ran. `oneRunAtATime`: each delivery only once the runs of
 * the previous one have finished (the chain answers when its run starts, so sending one at a
 * time alone still overlaps its runs).
 */
async function runStream(n8n, receiver, stream, phaseMarker, seen, oneRunAtATime = false) {
	const dbBefore = databaseBytes(n8n);
	const dataBefore = databaseDataBytes(n8n);
	const started = performance.now();
	const delivery = (body) => () => ({
		url: receiver.url,
		body,
		headers: receiver.headers,
		key: '',
	});
	let sent;
	if (oneRunAtATime) {
		const answers = {};
		for (const body of stream.bodies) {
			const one = await sendDeliveries([delivery(body)], { concurrency: 1 });
			for (const [label, n] of Object.entries(one.answers))
				answers[label] = (answers[label] ?? 0) + n;
			await noneRunning(n8n, receiver.id);
		}
		sent = { answers };
	} else {
		sent = await sendDeliveries(stream.bodies.map(delivery), { concurrency: CONCURRENCY });
	}
	const doneAt = await waitDone(n8n, receiver.id);
	const doneSeconds = (doneAt - started) / 1000;
	const result = await emitted(n8n, receiver, seen, stream.wanted, phaseMarker);
	const dbAfter = databaseBytes(n8n);
	const dataAfter = databaseDataBytes(n8n);
	for (const id of result.ids) seen.add(id);
	return {
		...sent,
		doneRate: stream.bodies.length / doneSeconds,
		...result,
		dbGrowth: dbAfter - dbBefore,
		dataGrowth: dataAfter - dataBefore,
	};
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const mib = (bytes) => `${(bytes / 1048576).toFixed(2)} MiB`;

async function measureMode(mode) {
	const userFolder = mkdtempSync(join(tmpdir(), 'captain-arrive-diy-'));
	const n8n = new N8n({ version: VERSION, userFolder, env: MODES[mode] });
	const rows = [];
	try {
		await n8n.start();
		await n8n.setUp();
		const all = await receivers(n8n);
		const seenIds = new Map();
		for (const list of Object.values(all)) for (const r of list) seenIds.set(r.id, new Set());

		const streams = {
			captain: {
				warmup: captainStream(WARMUP, 7, '1'),
				main: captainStream(DELIVERIES, 11, '2'),
				markers: ['-4000-81', '-4000-82'],
			},
			arrive: {
				warmup: arriveStream(WARMUP, 7, 'w', 4),
				main: arriveStream(DELIVERIES, 11, 'm'),
				markers: ['trip-w-', 'trip-m-'],
			},
		};
		// Warm-up, and the check that each receiver filters and dedupes: one run at a time, so
		// that Remove Duplicates is not racing itself (see the measured streams).
		for (const [kind, list] of Object.entries(all)) {
			for (const receiver of list) {
				const r = await runStream(
					n8n,
					receiver,
					streams[kind].warmup,
					streams[kind].markers[0],
					seenIds.get(receiver.id),
					true,
				);
				check(
					`${mode}: ${kind} ${receiver.label}, warm-up, one run at a time: each wanted item emitted once, nothing else`,
					r.missing === 0 &&
						r.doubled === 0 &&
						r.unwanted === 0 &&
						streams[kind].warmup.wanted.size > 0,
					`${streams[kind].warmup.wanted.size} wanted; emitted ${r.items} in ${r.executions} executions, ${r.missing} missing, ${r.doubled} doubled, ${r.unwanted} unwanted`,
				);
			}
		}
		// Measured, receivers alternating per stream.
		for (const [kind, list] of Object.entries(all)) {
			const stream = streams[kind].main;
			for (const receiver of list) {
				const r = await runStream(
					n8n,
					receiver,
					stream,
					streams[kind].markers[1],
					seenIds.get(receiver.id),
				);
				// The chain's doubles under concurrency are a measured result (Remove Duplicates checks
				// and stores in separate steps of concurrent executions), not a failure of this script.
				const detail = `${r.missing} missing, ${r.doubled} doubled, ${r.unwanted} unwanted; answers ${formatAnswers(r.answers)}`;
				if (receiver.label === 'DIY chain')
					console.log(`     ${mode}: ${kind} DIY chain, ${CONCURRENCY} senders: ${detail}`);
				else
					check(
						`${mode}: ${kind} ${receiver.label}, ${CONCURRENCY} senders: each wanted item emitted once, nothing else`,
						r.missing === 0 && r.doubled === 0 && r.unwanted === 0,
						detail,
					);
				rows.push({ mode, kind, receiver: receiver.label, wanted: stream.wanted.size, ...r });
			}
		}
	} finally {
		await n8n.stop();
		rmSync(userFolder, { recursive: true, force: true });
	}
	return rows;
}

// ------------------------------------------------------------------------------------------

const startedAt = new Date();
const rows = [];
for (const mode of modes) rows.push(...(await measureMode(mode)));

console.log(
	`\nDo-it-yourself chain vs trigger, n8n ${VERSION} (SQLite), ${DELIVERIES} deliveries per stream, ${CONCURRENCY} senders, ${startedAt.toISOString()}`,
);
console.log(
	'| mode | stream | receiver | answer req/s | done req/s | executions | of which emitted items | items emitted (wanted) | only wanted, once each? | DB files growth | DB data growth | answer p50 / p99 ms | answers |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
	const exact =
		r.missing === 0 && r.doubled === 0 && r.unwanted === 0
			? 'yes'
			: `no: ${r.missing} missing, ${r.doubled} doubled, ${r.unwanted} unwanted`;
	const statuses = Object.entries(r.byStatus)
		.map(([status, n]) => `${n} ${status}`)
		.join(', ');
	console.log(
		`| ${r.mode} | ${r.kind} | ${r.receiver} | ${fmt(r.rate)} | ${fmt(r.doneRate)} | ${r.executions} (${statuses}) | ${r.withItems} | ${r.items} (${r.wanted}) | ${exact} | ${mib(r.dbGrowth)} | ${mib(r.dataGrowth)} | ${fmt(r.p50)} / ${fmt(r.p99)} | ${formatAnswers(r.answers)} |`,
	);
}
console.log('\nRatios, trigger / DIY chain (same mode, same stream):');
console.log('| mode | stream | answer req/s | done req/s | executions | DB data growth |');
console.log('|---|---|---|---|---|---|');
for (const mode of modes) {
	for (const kind of ['captain', 'arrive']) {
		const [diy, trigger] = rows.filter((r) => r.mode === mode && r.kind === kind);
		if (!diy || !trigger) continue;
		console.log(
			`| ${mode} | ${kind} | ${fmt(trigger.rate / diy.rate, 2)}× | ${fmt(trigger.doneRate / diy.doneRate, 2)}× | ${fmt(trigger.executions / diy.executions, 2)}× | ${fmt(trigger.dataGrowth / diy.dataGrowth, 2)}× |`,
		);
	}
}
console.log(`\n${checks.summary('diy-chain')}`);
process.exitCode = checks.failed > 0 ? 1 : 0;
