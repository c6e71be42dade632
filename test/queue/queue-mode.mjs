// Both trigger nodes in n8n's queue mode, as users who outgrow one process run it: PostgreSQL,
// Redis, an n8n main process, one worker and two `n8n webhook` processes (this package
// installed in their shared user folder as users install it), and nginx in front of the two
// webhook processes in two configurations: round-robin, and `hash $request_uri consistent`
// (every delivery of a webhook URL reaches one process). Real HTTP through nginx; executions
// read from the main process's API.
//
// Per configuration: the nodes accept, refuse and filter correctly, and runs execute on the
// worker; a Captain.AI stream (many orders, redeliveries spread over time, bursts of identical
// deliveries) during which one webhook process is killed hard and started again; ARRIVE trip
// lives (calls repeating every open trip, some calls redelivered). Figures: deliveries,
// distinct events, executions, doubled, lost. Checks: 0 lost everywhere; 0 doubled with
// URI-hash routing outside the kill window.
//
// Prints a table and `queue: N passed, M failed`; exits 1 when a check failed.
// Usage: node test/queue/queue-mode.mjs [--events 300] [--trips 20]   (npm run test:queue)
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import deliveries from '../../tools/real-n8n/deliveries.js';
import harness from '../../tools/real-n8n/n8n.cjs';
import services from '../../tools/real-n8n/services.js';

const { N8n, freePort, httpRequest, sleep } = harness;
const { Services } = services;
const {
	sendDeliveries,
	settleExecutions,
	recordedRuns,
	tally,
	formatAnswers,
	isAccepted,
	isN8nStartingUp,
	seededRandom,
	parseArgs,
	checkList,
} = deliveries;

const args = parseArgs(process.argv.slice(2));
const EVENTS = Number(args.events ?? 300);
const TRIPS = Number(args.trips ?? 12);
/** ARRIVE repeats open trips "frequently"; one call a second is taken here. */
const ARRIVE_CALL_INTERVAL_MS = 1000;
const VERSION = process.env.CAPTAIN_ARRIVE_N8N_VERSION || '2.41.1';
const TOKEN = `queue-${randomUUID()}`;
const PACKAGE = 'n8n-nodes-captain-arrive';
const fixture = (name) =>
	JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'));
const orderStatus = fixture('captain/order_status_updated');
const etaUpdated = fixture('captain/agent_eta_updated');
const adEstimates = fixture('arrive/ad-estimates');

const checks = checkList();
const { check } = checks;

// ------------------------------------------------------------------------------------------
// The set-up

async function startQueueMode(folder) {
	const servers = new Services(join(folder, 'services'));
	const postgresPort = await servers.startPostgres();
	const redisPort = await servers.startRedis();
	const userFolder = join(folder, 'n8n');
	const common = {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(postgresPort),
		DB_POSTGRESDB_DATABASE: 'n8n',
		DB_POSTGRESDB_USER: 'n8n',
		DB_POSTGRESDB_PASSWORD: 'n8n',
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redisPort),
		// Behind nginx: n8n resolves the client from X-Forwarded-For.
		N8N_PROXY_HOPS: '1',
	};
	// The main process migrates the database and hosts the editor and API; production
	// webhooks go to the webhook processes only.
	const main = new N8n({
		version: VERSION,
		userFolder,
		logName: 'main.log',
		env: { ...common, N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true' },
	});
	await main.start();
	await main.setUp();
	const healthPort = await freePort();
	const worker = new N8n({
		version: VERSION,
		userFolder,
		command: 'worker',
		installPackage: false,
		healthPort,
		logName: 'worker.log',
		env: {
			...common,
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(healthPort),
		},
	});
	const webhooks = [1, 2].map(
		(i) =>
			new N8n({
				version: VERSION,
				userFolder,
				command: 'webhook',
				installPackage: false,
				logName: `webhook-${i}.log`,
				env: common,
			}),
	);
	await Promise.all([worker.start(), ...webhooks.map((webhook) => webhook.start())]);
	const nginx = await servers.startNginx(webhooks.map((webhook) => webhook.port));
	return { servers, main, worker, webhooks, nginx };
}

async function stopQueueMode(setUp) {
	for (const process of [...setUp.webhooks, setUp.worker, setUp.main]) await process.stop();
	await setUp.servers.stop();
}

// ------------------------------------------------------------------------------------------
// Workflows

async function publishTrigger(setUp, { name, type, path, parameters, credential }) {
	const webhookId = randomUUID();
	const created = await setUp.main.createWorkflow({
		name,
		nodes: [
			{
				id: randomUUID(),
				name: 'Trigger',
				type: `${PACKAGE}.${type}`,
				typeVersion: 1,
				position: [0, 0],
				webhookId,
				parameters,
				...(credential
					? { credentials: { captainAiWebhookApi: { id: credential.id, name: credential.name } } }
					: {}),
			},
		],
		connections: {},
	});
	await setUp.main.activateWorkflow(created.id);
	// Both webhook processes must serve it before the stream starts.
	for (const webhook of setUp.webhooks)
		await webhook.waitForWebhook(webhook.webhookUrl(webhookId, path));
	return {
		id: created.id,
		webhookId,
		path,
		urlThrough: (port) => `http://127.0.0.1:${port}/webhook/${webhookId}/${path}`,
	};
}

// ------------------------------------------------------------------------------------------
// Deliveries

function captainEvent(index, order, attempt = 1) {
	const createdAt = new Date(Date.UTC(2026, 10, 25, 9, 0, 0) + index * 1000).toISOString();
	return {
		...structuredClone(orderStatus),
		event_uuid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
		created_at: createdAt,
		metadata: { sent_at: createdAt, delivery_attempt: attempt },
		data: {
			...structuredClone(orderStatus.data),
			order_uuid: `order-${order}`,
			order_status: ['in_progress', 'completed'][index % 2],
		},
	};
}

/**
 * The Captain stream: EVENTS events over EVENTS/5 orders, in order; a quarter redelivered at
 * a later point; every 40 events a burst of 12 identical deliveries of the next event.
 */
function captainStream() {
	const next = seededRandom(11);
	const sequence = [];
	const redeliveries = [];
	for (let index = 0; index < EVENTS; index++) {
		const order = Math.floor(next() * (EVENTS / 5));
		const burst = index % 40 === 20 ? 12 : 1;
		for (let copy = 0; copy < burst; copy++) sequence.push({ index, order, attempt: 1 + copy });
		if (next() < 0.25)
			redeliveries.push({ at: index + 5 + Math.floor(next() * 60), index, order, attempt: 2 });
		for (const due of redeliveries.filter((r) => r.at === index)) sequence.push(due);
	}
	for (const late of redeliveries.filter((r) => r.at >= EVENTS)) sequence.push(late);
	return sequence;
}

/** ARRIVE: TRIPS trips, staggered; each call lists every open trip; 15% of calls are sent twice. */
function arriveCalls() {
	const next = seededRandom(23);
	const lifecycle = [
		'in-transit',
		'in-transit',
		'approaching',
		'approaching',
		'approaching',
		'arrived',
		'arrived',
		'arrived',
	];
	const ticks = TRIPS * 2 + lifecycle.length;
	const calls = [];
	const expected = new Set();
	for (let tick = 0; tick < ticks; tick++) {
		const estimates = [];
		for (let trip = 0; trip < TRIPS; trip++) {
			const age = tick - trip * 2;
			if (age < 0 || age >= lifecycle.length) continue;
			const status = lifecycle[age];
			const ack = status === 'in-transit' ? undefined : `ack-${trip}-${status}`;
			if (ack) expected.add(`trip-${trip}:${ack}`);
			estimates.push({
				...structuredClone(adEstimates.data.estimates[0]),
				status,
				eta: (lifecycle.length - age) * 30,
				track_tokens: [{ dest_id: `trip-${trip}`, track_token: `token-${trip}` }],
				ack: ack ? { token: ack } : {},
			});
		}
		const body = {
			...structuredClone(adEstimates),
			timestamp: new Date(Date.UTC(2026, 10, 25, 9, 0, tick)).toISOString(),
			data: { ...structuredClone(adEstimates.data), estimates },
		};
		calls.push(body);
		if (next() < 0.15) calls.push(body); // a redelivery of that very call
	}
	return { calls, expected };
}

// ------------------------------------------------------------------------------------------
// Checks per nginx configuration

async function basicAnswers(setUp, route, port, workflows) {
	const captainUrl = workflows.captain.urlThrough(port);
	const auth = { 'Auth-Token': TOKEN };
	const fresh = {
		...captainEvent(900_000 + Math.floor(Math.random() * 1000), 'basic'),
		event_uuid: randomUUID(),
	};
	const answers = {
		noToken: await httpRequest('POST', captainUrl, { body: fresh }),
		badBody: await httpRequest('POST', captainUrl, {
			headers: auth,
			body: { ...fresh, event_uuid: undefined },
		}),
		filtered: await httpRequest('POST', captainUrl, {
			headers: auth,
			body: { ...etaUpdated, event_uuid: randomUUID() },
		}),
		accepted: await httpRequest('POST', captainUrl, { headers: auth, body: fresh }),
		notArrive: await httpRequest('POST', workflows.arriveOnly.urlThrough(port), {
			body: adEstimates,
		}),
	};
	check(
		`${route}: Captain without Auth-Token → 401`,
		answers.noToken.status === 401,
		`${answers.noToken.status}`,
	);
	check(
		`${route}: Captain malformed → 400 naming event_uuid`,
		answers.badBody.status === 400 && answers.badBody.body?.field === 'event_uuid',
	);
	check(
		`${route}: Captain event not selected → 200 filtered`,
		answers.filtered.status === 200 && answers.filtered.body?.reason === 'filtered',
	);
	check(
		`${route}: Captain fresh event → 200 accepted`,
		isAccepted(answers.accepted),
		JSON.stringify(answers.accepted.body),
	);
	check(
		`${route}: ARRIVE from 127.0.0.1 (X-Forwarded-For by nginx) → 403`,
		answers.notArrive.status === 403,
		JSON.stringify(answers.notArrive.body),
	);
	await settleExecutions(setUp.main, workflows.captain.id, { quietMs: 2000 });
	const executions = await setUp.main.listExecutions(workflows.captain.id, { includeData: false });
	const arriveOnlyRuns = await setUp.main.listExecutions(workflows.arriveOnly.id, {
		includeData: false,
	});
	check(
		`${route}: only the accepted event started an execution`,
		executions.length === 1 && arriveOnlyRuns.length === 0,
		`${executions.length} + ${arriveOnlyRuns.length}`,
	);
	const workerLog = readFileSync(setUp.worker.logFile, 'utf8');
	const ranOnWorker = executions.every((execution) =>
		new RegExp(`execution ${execution.id}\\b`).test(workerLog),
	);
	check(
		`${route}: the execution ran on the worker`,
		ranOnWorker && executions.length > 0,
		executions.map((e) => e.id).join(','),
	);
}

async function captainStreamWithKill(setUp, route, port, workflow) {
	const url = workflow.urlThrough(port);
	const sequence = captainStream();
	const deliveryList = sequence.map(({ index, order, attempt }) => () => ({
		url,
		headers: { 'Auth-Token': TOKEN },
		body: captainEvent(index, order, attempt),
		key: index,
	}));
	// Kill hard, halfway through, the webhook process that has enqueued more of this stream's
	// runs (with URI-hash routing: the one serving this URL), and start it again meanwhile, out
	// of nginx's rotation until /healthz/readiness answers, as docs/queue-mode.md says to: a
	// starting n8n answers `200 "n8n is starting up"` without running anything, and a provider
	// takes that as delivered.
	const enqueued = (webhook) =>
		(readFileSync(webhook.logFile, 'utf8').match(/Enqueued execution/g) ?? []).length;
	const enqueuedBefore = setUp.webhooks.map(enqueued);
	let answered = 0;
	let restarted;
	let victim;
	// Events with a delivery answered (or retried) after the kill; the rest never met it.
	const touchedByKill = new Set();
	const sent = await sendDeliveries(deliveryList, {
		concurrency: 8,
		onAnswer: (_answer, key) => {
			if (victim) touchedByKill.add(key);
			if (++answered === Math.floor(sequence.length / 2)) {
				const served = setUp.webhooks.map((webhook, i) => enqueued(webhook) - enqueuedBefore[i]);
				victim = setUp.webhooks[served[0] >= served[1] ? 0 : 1];
				process.kill(-victim.child.pid, 'SIGKILL');
				restarted = (async () => {
					await setUp.servers.setUpstreamInRotation(victim.port, false);
					await victim.exited;
					await victim.stop();
					await victim.start();
					await setUp.servers.setUpstreamInRotation(victim.port, true);
				})();
			}
		},
	});
	await restarted;
	await settleExecutions(setUp.main, workflow.id);
	const runs = await recordedRuns(setUp.main, workflow.id, (item) => [
		Number(String(item.eventId).slice(-12)),
	]);
	const distinct = new Set(sequence.map(({ index }) => index));
	const { doubled, lost } = tally(distinct, runs);
	// Deliveries in flight at the kill (and retried) also count as touched.
	for (const { index } of sequence.slice(Math.floor(sequence.length / 2) - 8))
		touchedByKill.add(index);
	const beforeKill = [...distinct].filter((index) => !touchedByKill.has(index));
	const doubledBeforeKill = tally(beforeKill, runs).doubled;
	const acceptedLost = [...sent.accepted].filter((key) => !runs.runsPerKey.has(key)).length;
	const startingUp = Object.entries(sent.answers)
		.filter(([label]) => isN8nStartingUp(label))
		.reduce((sum, [, n]) => sum + n, 0);
	check(
		`${route}: no delivery reached a webhook process before it was ready`,
		startingUp === 0,
		`${startingUp} answered by n8n while starting`,
	);
	check(
		`${route}: Captain stream, 0 lost (every event has a successful run)`,
		lost === 0 && acceptedLost === 0 && sent.unanswered === 0,
		`${lost} without a run, ${acceptedLost} accepted without a run`,
	);
	if (route === 'URI hash') {
		check(
			`${route}: Captain events all of whose deliveries came before the kill ran exactly once`,
			doubledBeforeKill === 0,
			`${doubledBeforeKill} doubled of ${beforeKill.length}`,
		);
	}
	return {
		route,
		kind: 'Captain stream (kill -9 of one webhook process halfway)',
		deliveries: sequence.length,
		distinct: distinct.size,
		sent,
		runs,
		doubled: `${doubled} (${doubledBeforeKill} of the ${beforeKill.length} events untouched by the kill)`,
		lost,
	};
}

async function arriveTripLives(setUp, route, port, workflow) {
	const url = workflow.urlThrough(port);
	const { calls, expected } = arriveCalls();
	const deliveryList = calls.map((body) => () => ({ url, body, headers: {}, key: body.timestamp }));
	// ARRIVE calls one account's URL one call after another, about a second apart.
	const sent = await sendDeliveries(deliveryList, {
		concurrency: 1,
		pacingMs: ARRIVE_CALL_INTERVAL_MS,
	});
	await settleExecutions(setUp.main, workflow.id);
	const runs = await recordedRuns(setUp.main, workflow.id, (item) => [
		`${item.tripId}:${item.ackToken}`,
	]);
	const { doubled, lost } = tally(expected, runs);
	check(
		`${route}: ARRIVE trip lives, every approach and arrival fired (0 lost)`,
		lost === 0 && sent.unanswered === 0,
		`${lost} lost of ${expected.size}`,
	);
	return {
		route,
		kind: 'ARRIVE trip lives (approach + arrival per trip)',
		deliveries: calls.length,
		distinct: expected.size,
		sent,
		runs,
		doubled,
		lost,
	};
}

// ------------------------------------------------------------------------------------------

const started = Date.now();
const folder = mkdtempSync(join(tmpdir(), 'captain-arrive-queue-'));
chmodSync(folder, 0o755); // PostgreSQL runs as its own user and keeps its data below
const rows = [];
let setUp;
try {
	setUp = await startQueueMode(folder);
	const credential = await setUp.main.createCredential('queue token', 'captainAiWebhookApi', {
		authToken: TOKEN,
	});
	for (const [route, port] of [
		['URI hash', setUp.nginx.byUri],
		['round-robin', setUp.nginx.roundRobin],
	]) {
		const workflows = {
			captain: await publishTrigger(setUp, {
				name: `Captain ${route}`,
				type: 'captainAiTrigger',
				path: 'events',
				credential,
				parameters: {
					events: ['order_status_updated', 'order_assigned'],
					options: { dropOutOfOrder: false },
				},
			}),
			arrive: await publishTrigger(setUp, {
				name: `ARRIVE ${route}`,
				type: 'arriveTrigger',
				path: 'arrive',
				parameters: { sourceRestriction: 'none' },
			}),
			arriveOnly: await publishTrigger(setUp, {
				name: `ARRIVE only ${route}`,
				type: 'arriveTrigger',
				path: 'arrive',
				parameters: {},
			}),
		};
		await basicAnswers(setUp, route, port, workflows);
		const stream = await captainStreamWithKill(setUp, route, port, workflows.captain);
		const trips = await arriveTripLives(setUp, route, port, workflows.arrive);
		rows.push(stream, trips);
		if (route === 'URI hash') {
			check(
				`${route}: ARRIVE trip lives, 0 doubled`,
				trips.doubled === 0,
				`${trips.doubled} doubled`,
			);
		}
	}
} finally {
	if (setUp) await stopQueueMode(setUp);
}

console.log(
	`\nQueue mode: n8n ${VERSION} (main + worker + 2 webhook processes), PostgreSQL, Redis, nginx; ${new Date().toISOString().slice(0, 10)}`,
);
console.log('| routing | stream | deliveries | distinct | answers | executions | doubled | lost |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) {
	console.log(
		`| ${row.route} | ${row.kind} | ${row.deliveries} | ${row.distinct} | ${formatAnswers(row.sent.answers)} | ${JSON.stringify(row.runs.byStatus)} | ${row.doubled} | ${row.lost} |`,
	);
}
const failed = checks.failed;
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
if (failed === 0) rmSync(folder, { recursive: true, force: true });
else console.log(`kept for inspection: ${folder}`);
console.log(checks.summary('queue'));
process.exit(failed === 0 ? 0 : 1);
