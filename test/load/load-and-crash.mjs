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

import deliveries from '../../tools/real-n8n/deliveries.js';
import harness from '../../tools/real-n8n/n8n.cjs';

const { N8n } = harness;
const {
	sendDeliveries,
	settleExecutions,
	recordedRuns,
	tally,
	formatAnswers,
	seededRandom,
	parseArgs,
	checkList,
} = deliveries;

const args = parseArgs(process.argv.slice(2));
const DELIVERIES = Number(args.deliveries ?? 2000);
const CRASH_EVENTS = Number(args['crash-events'] ?? 200);
const CONCURRENCY = 8;
const REDELIVERY_SHARE = 0.3;
const VERSION = process.env.CAPTAIN_ARRIVE_N8N_VERSION || '2.41.1';
const TOKEN = `load-${randomUUID()}`;
const CAPTAIN = 'n8n-nodes-captain-arrive.captainAiTrigger';
const fixture = JSON.parse(
	readFileSync(new URL('../fixtures/captain/order_status_updated.json', import.meta.url), 'utf8'),
);

const checks = checkList();
const { check } = checks;

// ------------------------------------------------------------------------------------------
// The stream: a fixed sequence of deliveries, the same for every receiver.

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
	const next = seededRandom(seed);
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
	const credential = await n8n.createCredential(`${name} token`, 'captainAiWebhookApi', {
		authToken: TOKEN,
	});
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
	return {
		id: created.id,
		url,
		headers: { 'Auth-Token': TOKEN },
		keysOf: (item) => [eventIndexOf(item.eventId)],
	};
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
	return {
		id: created.id,
		url,
		headers: {},
		keysOf: (item) => [eventIndexOf(item.body.event_uuid)],
	};
}

// ------------------------------------------------------------------------------------------
// 1. Sustained load

/** The stream as deliveries to one workflow; each carries its event index as key. */
const toDeliveries = (workflow, stream) =>
	stream.map(([event, attempt]) => () => ({
		url: workflow.url,
		headers: workflow.headers,
		body: eventBody(event, attempt),
		key: event,
	}));

async function sustainedLoad(engine, env) {
	const userFolder = mkdtempSync(
		join(tmpdir(), `captain-arrive-load-${engine.replace(/\W+/g, '-')}-`),
	);
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
			const sent = await sendDeliveries(toDeliveries(workflow, stream), {
				concurrency: CONCURRENCY,
			});
			await settleExecutions(n8n, workflow.id);
			const memoryMb = peakMemoryMb(n8n);
			const runs = await recordedRuns(n8n, workflow.id, workflow.keysOf);
			const { doubled, lost: missing } = tally(
				Array.from({ length: distinct }, (_, event) => event),
				runs,
			);
			rows.push({ engine, receiver, sent, runs, doubled, missing, memoryMb });
			const label = `${engine}, ${receiver}`;
			const unfinishedOrFailed = runs.total - (runs.byStatus.success ?? 0);
			check(
				`${label}: every delivery was finally answered`,
				sent.unanswered === 0,
				`${sent.unanswered} left unanswered`,
			);
			check(
				`${label}: no execution stuck or failed`,
				unfinishedOrFailed === 0,
				JSON.stringify(runs.byStatus),
			);
			if (receiver === 'Captain.AI Trigger') {
				const lostAccepted = [...sent.accepted].filter(
					(event) => !runs.runsPerKey.has(event),
				).length;
				check(
					`${label}: every event answered "accepted" has a successful run`,
					lostAccepted === 0,
					`${lostAccepted} lost`,
				);
				check(
					`${label}: every distinct event ran exactly once`,
					missing === 0 && doubled === 0,
					`${missing} missing, ${doubled} doubled of ${distinct}`,
				);
				const savesFailed = logMatches(n8n, /problem saving the workflow/) - savesFailedBefore;
				check(
					`${label}: no failed static-data save in n8n's log`,
					savesFailed === 0,
					`${savesFailed} failed`,
				);
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
	const n8n = new N8n({
		version: VERSION,
		userFolder,
		env: { N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '30' },
	});
	try {
		await n8n.start();
		await n8n.setUp();
		const workflow = await captainWorkflow(n8n, `crash ${signal}`);
		const stream = Array.from({ length: CRASH_EVENTS }, (_, event) => [event, 1]);
		// Signal n8n once half the events were accepted, while deliveries are in flight.
		let signalled = false;
		let accepted = 0;
		const before = await sendDeliveries(toDeliveries(workflow, stream), {
			concurrency: CONCURRENCY,
			shouldStop: () => signalled,
			onAnswer: (answer) => {
				if (answer.body?.status === 'accepted' && ++accepted === Math.floor(CRASH_EVENTS / 2)) {
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
		const after = await sendDeliveries(
			toDeliveries(
				workflow,
				stream.map(([event]) => [event, 2]),
			),
			{ concurrency: CONCURRENCY },
		);
		await settleExecutions(n8n, workflow.id);
		const runs = await recordedRuns(n8n, workflow.id, workflow.keysOf);
		const { lost, doubled } = tally(
			stream.map(([event]) => event),
			runs,
		);
		check(
			`${signal}: every event has a successful run after restart and redelivery (0 lost)`,
			lost === 0 && after.unanswered === 0,
			`${lost} lost`,
		);
		return {
			signal,
			acceptedBefore: before.accepted.size,
			answersBefore: before.answers,
			answersAfter: after.answers,
			byStatus: runs.byStatus,
			lost,
			doubled,
		};
	} finally {
		await n8n.stop();
		rmSync(userFolder, { recursive: true, force: true });
	}
}

// ------------------------------------------------------------------------------------------

const started = Date.now();
const loadRows = [
	...(await sustainedLoad('default engine', {})),
	...(await sustainedLoad('legacy engine', { N8N_EXPRESSION_ENGINE: 'legacy' })),
];
const crashRows = [await crashRound('SIGKILL'), await crashRound('SIGTERM')];

console.log(
	`\nSustained load: n8n ${VERSION}, SQLite, ${DELIVERIES} deliveries (${CONCURRENCY} at a time, ~${REDELIVERY_SHARE * 100}% redeliveries), ${new Date().toISOString().slice(0, 10)}`,
);
console.log(
	'| engine | receiver | rate (first pass, req/s) | p50 / p99 ms | answers | executions by status | doubled | missing | n8n peak RSS MB |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of loadRows) {
	const answers = formatAnswers(row.sent.answers);
	console.log(
		`| ${row.engine} | ${row.receiver} | ${row.sent.rate.toFixed(0)} | ${row.sent.p50.toFixed(0)} / ${row.sent.p99.toFixed(0)} | ${answers} | ${JSON.stringify(row.runs.byStatus)} | ${row.doubled} | ${row.missing} | ${row.memoryMb} |`,
	);
}
console.log(
	`\nCrash: ${CRASH_EVENTS} events, n8n signalled after half were accepted, restarted, every event redelivered`,
);
console.log(
	'| signal | accepted before | answers before | answers after restart | executions by status | lost | doubled |',
);
console.log('|---|---|---|---|---|---|---|');
for (const row of crashRows) {
	console.log(
		`| ${row.signal} | ${row.acceptedBefore} | ${formatAnswers(row.answersBefore)} | ${formatAnswers(row.answersAfter)} | ${JSON.stringify(row.byStatus)} | ${row.lost} | ${row.doubled} |`,
	);
}
const failed = checks.failed;
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
console.log(checks.summary('load'));
process.exit(failed === 0 ? 0 : 1);
