// Both providers as their documents describe them, against a real n8n 2.41.1 (SQLite, this
// package installed as users install it, one published workflow per node), while n8n is
// restarted under them:
//
// - Captain.AI (its webhook docs): each event sent once, 16 attempts open at most; anything but
//   a 2xx (a 3xx, a 5xx, no answer within the 10 s client timeout, a refused connection) is
//   retried with exponential backoff, 1 s, 2 s, 4 s … capped at 32 s, up to 15 attempts in all.
// - ARRIVE (its Webhooks guide): per site one call a second listing every open trip
//   (in-transit → approaching → arrived; each approach and arrival with a new ack.token); an
//   answer not received within 2 s is a failure (the connection is dropped), and a failed call
//   is retried up to two times, one minute apart, with the same bytes. The next second's call
//   lists the trips again anyway.
// - Faults at fixed points of the stream (each not before n8n has served 5 s since it came
//   back): a SIGTERM to n8n a third of the way in (it stops its task runner itself; SIGKILL to
//   the group only after 30 s), restarted as soon as it has exited; a kill -9 of the group at
//   two thirds, restarted. The slow variant makes runs take seconds (a Wait node after each
//   trigger), sets N8N_GRACEFUL_SHUTDOWN_TIMEOUT=3, and the orchestrator sends SIGKILL 3 s
//   after its SIGTERM, so the SIGTERM cannot finish.
// - Node options (Options of both nodes): --answer-when runStarts|runFinishes,
//   --repeats runMarked|skip. A package that lacks them leaves them to n8n, which ignores them
//   (what the nodes offer and what the workflows stored is printed).
//
// Per provider it prints: sent, lost (answered 2xx, or for ARRIVE a moment acknowledged, yet no
// successful run; split into runs cut short by a kill, deliveries n8n itself answered 200 "n8n
// is starting up" before any node saw them, and the rest), doubled (more than one successful
// run; split into: a delivery of it in flight at a kill, at a graceful SIGTERM, after a timed-out
// attempt, other), marked runs (items with possibleRepeat), doubled-and-unmarked, late answers
// (no answer within the deadline), executions by status, and the ids in each bad category with
// their executions. Then the checks of what docs/guarantees.md promises as `ok`/`FAIL` lines and
// `restarts: N passed, M failed`; exits 1 when one failed. Runs are counted from the trigger's
// output items (Captain.AI: eventId; ARRIVE: tripId + ackToken) once n8n is idle; a run cut
// short has no output, so its items are read from what n8n saved when it started it.
//
// Usage (npm run build first; npm run test:restarts builds):
//   node test/restarts/provider-simulation.mjs                  the CI set, runs 1-4 below
//   node test/restarts/provider-simulation.mjs --run 3          one run of the CI set
//   node test/restarts/provider-simulation.mjs --engine lazy --answer-when runFinishes \
//        --repeats skip --slow-sigterm                          one run as described
// Sizes: --seconds 60 --events 400 --orders 60 --sites 4 --trips 6. --sequential: runs one
// after the other (by default a run starts when the previous one has sent everything but
// ARRIVE's one-minute retries, so that those retries overlap the next run's start).
// CAPTAIN_ARRIVE_KEEP_RESTARTS=1 keeps every n8n user folder (else only failed runs' ones).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import deliveries from '../../tools/real-n8n/deliveries.js';
import harness from '../../tools/real-n8n/n8n.cjs';

const { N8n, sleep } = harness;
const {
	providerAttempt,
	answerLabel,
	isN8nStartingUp,
	settleExecutions,
	formatAnswers,
	percentile,
	seededRandom,
	parseArgs,
	checkList,
} = deliveries;

const args = parseArgs(process.argv.slice(2));
const numberArg = (name, fallback) => (args[name] === undefined ? fallback : Number(args[name]));
const STREAM_MS = numberArg('seconds', 60) * 1000;
const CAPTAIN_EVENTS = numberArg('events', 400);
const ORDERS = numberArg('orders', 60);
const SITES = numberArg('sites', 4);
const TRIPS_PER_SITE = numberArg('trips', 6);
const VERSION = process.env.CAPTAIN_ARRIVE_N8N_VERSION || '2.41.1';
const KEEP = process.env.CAPTAIN_ARRIVE_KEEP_RESTARTS === '1';
const PACKAGE = 'n8n-nodes-captain-arrive';

/** Captain.AI's delivery rules (its webhook docs), the backoff as taken here. */
const CAPTAIN = {
	attempts: 15,
	/** Wait after failed attempt n (1-based): 1 s, 2 s, 4 s, … capped. */
	backoffMs: (attempt) => Math.min(1000 * 2 ** (attempt - 1), 32_000),
	timeoutMs: 10_000,
	/** Attempts the sender has open at once ("several in parallel"). */
	parallel: 16,
};
/** ARRIVE's delivery rules (its Webhooks guide); --arrive-retry-seconds shortens the minute (experiments only). */
const ARRIVE = {
	callEveryMs: 1000,
	deadlineMs: 2000,
	retries: 2,
	retryAfterMs: numberArg('arrive-retry-seconds', 60) * 1000,
};
/** Trip phases: in transit, approaching, arrived, then the trip closes. */
const TRIP_PHASES_MS = { inTransit: 4000, approaching: 6000, arrived: 5000 };
/** Slow variant: n8n's own shutdown timeout, the orchestrator's grace before SIGKILL, run lengths. */
const SLOW = {
	shutdownTimeoutS: 3,
	graceMs: 3000,
	captainWaitS: numberArg('slow-captain-seconds', 4),
	arriveWaitS: numberArg('slow-arrive-seconds', 1),
};
/** A fault waits until n8n has served this long since it came back from the previous one. */
const MIN_SERVING_MS = 5000;
/** A graceful SIGTERM still gets a SIGKILL after this long (Kubernetes' default grace). */
const ORCHESTRATOR_GRACE_MS = 30_000;

const CI_RUNS = [
	{ name: '1', engine: 'default' },
	{ name: '2', engine: 'lazy' },
	{ name: '3', engine: 'default', answerWhen: 'runFinishes', slowSigterm: true },
	{ name: '4', engine: 'lazy', repeats: 'skip' },
];

function selectedRuns() {
	if (args.run !== undefined) {
		const run = CI_RUNS.find((candidate) => candidate.name === String(args.run));
		if (!run)
			throw new Error(`--run ${args.run}: the CI set has runs ${CI_RUNS.map((r) => r.name)}`);
		return [run];
	}
	const custom = ['engine', 'answer-when', 'repeats', 'slow-sigterm'].some((flag) => flag in args);
	if (!custom) return CI_RUNS;
	return [
		{
			name: 'custom',
			engine: args.engine ?? 'default',
			answerWhen: args['answer-when'],
			repeats: args.repeats,
			slowSigterm: 'slow-sigterm' in args,
		},
	];
}

function describeRun(run) {
	const parts = [run.engine === 'lazy' ? 'lazy acquire' : 'default engine'];
	parts.push(`answerWhen=${run.answerWhen ?? 'runStarts (default)'}`);
	parts.push(`repeatsAfterRestart=${run.repeats ?? 'runMarked (default)'}`);
	parts.push(run.slowSigterm ? 'slow SIGTERM ended by SIGKILL' : 'graceful SIGTERM');
	return parts.join(', ');
}

const nodeOptionsOf = (run) => ({
	...(run.answerWhen ? { answerWhen: run.answerWhen } : {}),
	...(run.repeats ? { repeatsAfterRestart: run.repeats } : {}),
});

// ------------------------------------------------------------------------------------------
// The streams: fixed per run (seeded), the same for every run.

const fixture = (name) =>
	JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'));

/** The events of one order, in the order Captain.AI sends them. */
const ORDER_LIFE = [
	['order_assigned', {}],
	['job_delivery_status_updated', { job_delivery_status: 'assigned_to_driver' }],
	['job_delivery_status_updated', { job_delivery_status: 'assigned_and_accepted_by_driver' }],
	['job_delivery_status_updated', { job_delivery_status: 'collected' }],
	['order_status_updated', { order_status: 'in_progress' }],
	['agent_eta_updated', {}],
	['job_delivery_status_updated', { job_delivery_status: 'dropped_off' }],
	['order_status_updated', { order_status: 'completed' }],
];

const hex = (value, width) => value.toString(16).padStart(width, '0');

/** `count` events over `orders` orders, each order's events in order, spread over the stream. */
function captainStream(count, orders) {
	const random = seededRandom(19);
	const templates = Object.fromEntries(
		[...new Set(ORDER_LIFE.map(([name]) => name))].map((name) => [
			name,
			fixture(`captain/${name}`),
		]),
	);
	const events = [];
	for (let order = 0; order < orders; order++) {
		const share = Math.floor(count / orders) + (order < count % orders ? 1 : 0);
		const startMs = (order / orders) * STREAM_MS * 0.7 + random() * 1000;
		const spanMs = STREAM_MS * 0.28;
		for (let step = 0; step < share; step++) {
			const [name, fields] = ORDER_LIFE[step % ORDER_LIFE.length];
			events.push({
				name,
				fields,
				order,
				atMs: Math.round(startMs + (share > 1 ? (step / (share - 1)) * spanMs : 0)),
			});
		}
	}
	events.sort((a, b) => a.atMs - b.atMs);
	return events.map((event, index) => {
		const eventId = `5eed0000-0000-4000-8000-${hex(index, 12)}`;
		const orderUuid = `order${hex(event.order, 7)}`;
		const template = templates[event.name];
		return {
			eventId,
			index,
			name: event.name,
			atMs: event.atMs,
			attempts: [],
			/** The body of attempt `attempt` sent at `sentAt`. */
			body: (attempt, sentAt) => ({
				...template,
				event_uuid: eventId,
				created_at: new Date(Date.UTC(2026, 11, 3, 8) + event.atMs).toISOString(),
				metadata: { sent_at: new Date(sentAt).toISOString(), delivery_attempt: attempt },
				data: {
					...template.data,
					order_uuid: orderUuid,
					...(template.data.job_uuid ? { job_uuid: `job${hex(event.order, 9)}` } : {}),
					...(template.data.agent_uuid ? { agent_uuid: `agent${hex(event.order % 9, 7)}` } : {}),
					...event.fields,
				},
			}),
		};
	});
}

/** SITES × TRIPS_PER_SITE trips; each approaches and arrives once (two moments). */
function arriveTrips() {
	const random = seededRandom(20);
	const lifeMs = TRIP_PHASES_MS.inTransit + TRIP_PHASES_MS.approaching + TRIP_PHASES_MS.arrived;
	const total = SITES * TRIPS_PER_SITE;
	const trips = [];
	for (let trip = 0; trip < TRIPS_PER_SITE; trip++) {
		for (let site = 0; site < SITES; site++) {
			const n = trips.length;
			const openAt = Math.round((n / total) * (STREAM_MS - lifeMs) + random() * 1500);
			const approachAt = openAt + TRIP_PHASES_MS.inTransit;
			const arriveAt = approachAt + TRIP_PHASES_MS.approaching;
			trips.push({
				site: `site_${site + 1}`,
				tripId: `a11e0000-0000-4000-a000-${hex(n, 12)}`,
				tid: `customer-${n}`,
				openAt,
				approachAt,
				arriveAt,
				closeAt: arriveAt + TRIP_PHASES_MS.arrived,
				approachToken: `ac000000-0000-4000-b000-${hex(n * 2, 12)}`,
				arrivalToken: `ac000000-0000-4000-b000-${hex(n * 2 + 1, 12)}`,
			});
		}
	}
	return trips;
}

/** What ARRIVE lists for a trip at stream time `t` (undefined once closed or before it opens). */
function estimateAt(trip, t, now) {
	if (t < trip.openAt || t >= trip.closeAt) return undefined;
	const status = t < trip.approachAt ? 'in-transit' : t < trip.arriveAt ? 'approaching' : 'arrived';
	const token =
		status === 'approaching'
			? trip.approachToken
			: status === 'arrived'
				? trip.arrivalToken
				: undefined;
	const toGo = Math.max(0, trip.arriveAt - t);
	return {
		estimate: {
			customer: { name: `Customer ${trip.tid}`, sms_number: '8883308304' },
			eta: Math.round(toGo / 1000),
			distance: Math.round(toGo / 10),
			lat: 37.4259354,
			lng: -122.1382713,
			received_at: new Date(now).toISOString(),
			site_csin: trip.site,
			status,
			tid: trip.tid,
			track_tokens: [{ dest_id: trip.tripId, track_token: `track-${trip.tid}` }],
			...(token ? { ack: { token } } : {}),
			...(status === 'arrived' ? { arrived: { zone_name: 'curbside' } } : {}),
		},
		moment: token ? momentKey(trip.tripId, token) : undefined,
	};
}

const momentKey = (tripId, token) => `${tripId}|${token}`;

function momentName(trips, key) {
	const [tripId, token] = key.split('|');
	const trip = trips.find((candidate) => candidate.tripId === tripId);
	if (!trip) return key;
	return `${tripId} ${token === trip.approachToken ? 'approach' : token === trip.arrivalToken ? 'arrival' : token}`;
}

// ------------------------------------------------------------------------------------------
// The providers

const isTwoHundreds = (answer) => answer.status >= 200 && answer.status <= 299;
/** The answer as a short label, or why there was none. */
const labelOf = (answer) =>
	answer.failure ? `no answer (${answer.failure})` : answerLabel(answer);

function semaphore(size) {
	let free = size;
	const queue = [];
	return {
		async acquire() {
			if (free > 0) free--;
			else await new Promise((resolve) => queue.push(resolve));
		},
		release() {
			const next = queue.shift();
			if (next) next();
			else free++;
		},
	};
}

const sleepUntil = (at) => sleep(Math.max(0, at - Date.now()));

/** Captain.AI: every event once, then its retries. Resolves when each is answered 2xx or given up. */
async function runCaptain(events, target, t0) {
	const slots = semaphore(CAPTAIN.parallel);
	await Promise.all(
		events.map(async (event) => {
			await sleepUntil(t0 + event.atMs);
			for (let attempt = 1; attempt <= CAPTAIN.attempts; attempt++) {
				await slots.acquire();
				const sentAt = Date.now();
				const answer = await providerAttempt(target.url, {
					headers: target.headers,
					body: event.body(attempt, sentAt),
					deadlineMs: CAPTAIN.timeoutMs,
				});
				slots.release();
				const record = {
					attempt,
					sentAt,
					endedAt: sentAt + answer.ms,
					ms: answer.ms,
					ok: isTwoHundreds(answer),
					timedOut: answer.failure === 'timeout',
					label: labelOf(answer),
				};
				event.attempts.push(record);
				if (record.ok) {
					event.answered = record;
					return;
				}
				if (attempt < CAPTAIN.attempts) await sleep(CAPTAIN.backoffMs(attempt));
			}
			event.gaveUp = true;
		}),
	);
}

/**
 * ARRIVE: per site one call a second while the site has open trips. Returns `calls` (filled as
 * they are made), `firstAttempts` (settled when the per-second calls and their first attempts
 * are done) and `retries` (settled when every retry is done).
 */
function runArrive(trips, target, t0) {
	const calls = [];
	const acknowledged = new Map(); // moment → every 2xx answer to a call listing it: [{ at, label }]
	const pending = [];
	async function send(call) {
		for (let attempt = 1; attempt <= 1 + ARRIVE.retries; attempt++) {
			if (attempt > 1) await sleep(ARRIVE.retryAfterMs);
			const sentAt = Date.now();
			const answer = await providerAttempt(target.url, {
				headers: target.headers,
				body: call.bytes,
				deadlineMs: ARRIVE.deadlineMs,
			});
			const record = {
				attempt,
				sentAt,
				endedAt: sentAt + answer.ms,
				ms: answer.ms,
				ok: isTwoHundreds(answer),
				timedOut: answer.failure === 'timeout',
				label: labelOf(answer),
			};
			call.attempts.push(record);
			if (attempt === 1) call.firstSettled();
			if (record.ok) {
				for (const moment of call.moments) {
					if (!acknowledged.has(moment)) acknowledged.set(moment, []);
					acknowledged.get(moment).push({ at: record.endedAt, label: record.label });
				}
				return;
			}
		}
	}
	const sites = [...new Set(trips.map((trip) => trip.site))];
	const firstAttempts = [];
	const loops = sites.map(async (site) => {
		const siteTrips = trips.filter((trip) => trip.site === site);
		const lastClose = Math.max(...siteTrips.map((trip) => trip.closeAt));
		for (let tick = 0; tick * ARRIVE.callEveryMs < lastClose; tick++) {
			const at = t0 + tick * ARRIVE.callEveryMs;
			await sleepUntil(at);
			const listed = siteTrips
				.map((trip) => estimateAt(trip, tick * ARRIVE.callEveryMs, at))
				.filter(Boolean);
			if (listed.length === 0) continue;
			const body = {
				event: 'ad-estimates',
				data: {
					app_id: 'com.example.curbside',
					estimates: listed.map((entry) => entry.estimate),
					production: true,
				},
				timestamp: new Date(at).toISOString(),
				version: '2017-05-31',
			};
			const call = {
				site,
				at,
				bytes: JSON.stringify(body),
				moments: listed.map((entry) => entry.moment).filter(Boolean),
				attempts: [],
			};
			firstAttempts.push(new Promise((resolve) => (call.firstSettled = resolve)));
			calls.push(call);
			pending.push(send(call));
		}
	});
	const loopsDone = Promise.all(loops);
	return {
		calls,
		acknowledged,
		firstAttempts: loopsDone.then(() => Promise.all(firstAttempts)),
		retries: loopsDone.then(() => Promise.all(pending)),
	};
}

// ------------------------------------------------------------------------------------------
// Workflows

const CAPTAIN_NODE = 'Captain.AI Trigger';
const ARRIVE_NODE = 'ARRIVE Trigger';

/** Trigger (+ a Wait of `waitS` seconds when > 0: n8n waits in process below 65 s). */
async function publish(n8n, { name, trigger, path, waitS }) {
	const nodes = [trigger];
	const connections = {};
	if (waitS > 0) {
		nodes.push({
			id: randomUUID(),
			name: 'Slow step',
			type: 'n8n-nodes-base.wait',
			typeVersion: 1.1,
			position: [220, 0],
			webhookId: randomUUID(),
			parameters: { resume: 'timeInterval', amount: waitS, unit: 'seconds' },
		});
		connections[trigger.name] = { main: [[{ node: 'Slow step', type: 'main', index: 0 }]] };
	}
	const created = await n8n.createWorkflow({ name, nodes, connections });
	await n8n.activateWorkflow(created.id);
	const url = n8n.webhookUrl(trigger.webhookId, path);
	await n8n.waitForWebhook(url);
	return { id: created.id, url, nodes: created.nodes };
}

async function publishWorkflows(n8n, run) {
	const options = nodeOptionsOf(run);
	const token = `restarts-${randomUUID()}`;
	const credential = await n8n.createCredential('Captain.AI token', 'captainAiWebhookApi', {
		authToken: token,
	});
	const captain = await publish(n8n, {
		name: 'Captain.AI under restarts',
		path: 'events',
		waitS: run.slowSigterm ? SLOW.captainWaitS : 0,
		trigger: {
			id: randomUUID(),
			name: CAPTAIN_NODE,
			type: `${PACKAGE}.captainAiTrigger`,
			typeVersion: 2,
			position: [0, 0],
			webhookId: randomUUID(),
			// Every event must run exactly once: no event is dropped for arriving after a newer
			// one of its order (retries arrive out of order), so a missing run is a loss.
			parameters: { options: { dropOutOfOrder: false, ...options } },
			credentials: { captainAiWebhookApi: { id: credential.id, name: credential.name } },
		},
	});
	const arrive = await publish(n8n, {
		name: 'ARRIVE under restarts',
		path: 'arrive',
		waitS: run.slowSigterm ? SLOW.arriveWaitS : 0,
		trigger: {
			id: randomUUID(),
			name: ARRIVE_NODE,
			type: `${PACKAGE}.arriveTrigger`,
			typeVersion: 3,
			position: [0, 0],
			webhookId: randomUUID(),
			// Trigger On: New Approach or Arrival (default); ARRIVE's addresses plus loopback.
			parameters: { additionalAddresses: '127.0.0.1, ::1', options },
		},
	});
	return {
		captain: { ...captain, headers: { 'Auth-Token': token } },
		arrive: { ...arrive, headers: {} },
		storedOptions: {
			captain: captain.nodes.find((node) => node.name === CAPTAIN_NODE)?.parameters?.options,
			arrive: arrive.nodes.find((node) => node.name === ARRIVE_NODE)?.parameters?.options,
		},
	};
}

/** Which of the restart options (Answer the Provider, Possible Repeats) the installed nodes offer. */
async function offeredOptions(n8n) {
	const res = await harness.httpRequest('GET', `${n8n.baseUrl}/types/nodes.json`, {
		headers: { cookie: n8n.cookie },
	});
	const offered = {};
	for (const [label, type] of [
		['captain', `${PACKAGE}.captainAiTrigger`],
		['arrive', `${PACKAGE}.arriveTrigger`],
	]) {
		const names = new Set();
		for (const description of (res.body ?? []).filter((node) => node.name === type)) {
			for (const property of description.properties ?? []) {
				if (property.name === 'options')
					for (const option of property.options ?? []) names.add(option.name);
			}
		}
		offered[label] = ['answerWhen', 'repeatsAfterRestart'].filter((name) => names.has(name));
	}
	return offered;
}

// ------------------------------------------------------------------------------------------
// Faults

/**
 * Signals n8n at the planned time (or once it has served MIN_SERVING_MS since the previous
 * fault, if later), waits until it
 * has exited, and starts it again at once. `kind`: 'SIGTERM' (SIGKILL only after the
 * orchestrator's 30 s), 'slow SIGTERM' (SIGKILL after SLOW.graceMs), 'kill -9'.
 */
async function fault(n8n, kind, plannedAt, log) {
	await sleepUntil(plannedAt);
	// n8n back from the previous fault serves a moment before the next one.
	await sleepUntil((n8n.readySince ?? 0) + MIN_SERVING_MS);
	const child = n8n.child;
	const pid = child.pid;
	// SIGTERM goes to n8n (as a container's init forwards it), which stops its task runner
	// itself; SIGKILL to the whole group, as when a container is killed.
	const signal = (name) => {
		try {
			process.kill(name === 'SIGKILL' ? -pid : pid, name);
		} catch {
			/* gone */
		}
	};
	const record = { kind, plannedAt, signalAt: Date.now() };
	if (kind === 'kill -9') {
		signal('SIGKILL');
		record.killAt = record.signalAt;
	} else {
		signal('SIGTERM');
		const graceMs = kind === 'slow SIGTERM' ? SLOW.graceMs : ORCHESTRATOR_GRACE_MS;
		const timer = setTimeout(() => {
			record.killAt = Date.now();
			signal('SIGKILL');
		}, graceMs);
		await child.exited;
		clearTimeout(timer);
	}
	record.exit = await child.exited;
	record.exitAt = Date.now();
	await n8n.stop(); // forgets the process; anything left in its group is killed
	await n8n.start();
	record.readyAt = Date.now();
	n8n.readySince = record.readyAt;
	// A graceful exit is code 0; anything else (SIGKILL, n8n's own shutdown timeout) cut runs short.
	record.killed = record.exit.signal === 'SIGKILL' || record.exit.code !== 0;
	log(
		`${kind}: exited ${record.exit.signal ?? `with code ${record.exit.code}`} after ${((record.exitAt - record.signalAt) / 1000).toFixed(1)} s` +
			`${record.killAt ? ' (SIGKILL sent)' : ''}; back in ${((record.readyAt - record.exitAt) / 1000).toFixed(1)} s`,
	);
	return record;
}

// ------------------------------------------------------------------------------------------
// What n8n ran

const ARTIFICIAL = 'isArtificialRecoveredEventItem';

/**
 * The trigger's items in an execution: its output when it ran and n8n kept it, else (a run cut
 * short: n8n saved only what it started with) the items it was started with.
 */
function triggerItems(execution, triggerName) {
	const output = execution.data?.resultData?.runData?.[triggerName]?.[0]?.data?.main?.[0];
	const items = (output ?? []).map((item) => item.json).filter((json) => json && !json[ARTIFICIAL]);
	if (items.length > 0) return { items, from: 'output' };
	const stack = execution.data?.executionData?.nodeExecutionStack ?? [];
	const start = stack.find((entry) => entry.node?.name === triggerName);
	const started = (start?.data?.main?.[0] ?? []).map((item) => item.json).filter(Boolean);
	return { items: started, from: started.length > 0 ? 'start' : 'none' };
}

/** Runs per key: [{ id, status, marked }] in creation order, and executions by status. */
function runsByKey(executions, triggerName, keysOf) {
	const byStatus = {};
	const runs = new Map();
	let markedRuns = 0;
	let withoutItems = 0;
	for (const execution of executions) {
		byStatus[execution.status] = (byStatus[execution.status] ?? 0) + 1;
		const { items, from } = triggerItems(execution, triggerName);
		if (from === 'none') withoutItems++;
		const marked = items.some((item) => item.possibleRepeat === true);
		if (marked && execution.status === 'success') markedRuns++;
		for (const item of items) {
			for (const key of keysOf(item)) {
				if (!runs.has(key)) runs.set(key, []);
				runs.get(key).push({
					id: execution.id,
					status: execution.status,
					marked: item.possibleRepeat === true,
				});
			}
		}
	}
	// Creation order (ids grow): the first run of a key is the one created first.
	for (const list of runs.values()) list.sort((a, b) => Number(a.id) - Number(b.id));
	return { byStatus, runs, markedRuns, withoutItems };
}

/** Keys with an attempt in flight while `fault` took n8n down (sent before it exited, unanswered at the signal). */
function inFlightAt(fault, attemptsOf) {
	const keys = new Set();
	for (const [unitKeys, attempts] of attemptsOf) {
		if (attempts.some((a) => a.sentAt < fault.exitAt && a.endedAt > fault.signalAt))
			for (const key of unitKeys) keys.add(key);
	}
	return keys;
}

/**
 * The figures of one provider. `units`: [{ keys, attempts }] (an event, or a call and its
 * moments); `answersOf(key)`: the labels of the 2xx answers that acknowledged a key.
 */
function tallyProvider({ keys, units, answersOf, data, faults }) {
	const answeredKeys = keys.filter((key) => answersOf(key).length > 0);
	const attempts = units.flatMap((unit) => unit.attempts);
	const answers = {};
	for (const attempt of attempts) answers[attempt.label] = (answers[attempt.label] ?? 0) + 1;
	const latencies = attempts
		.filter((a) => !a.timedOut && !a.label.startsWith('no answer'))
		.map((a) => a.ms)
		.sort((a, b) => a - b);
	const succeeded = (key) => (data.runs.get(key) ?? []).filter((run) => run.status === 'success');
	const attemptsOf = units.map((unit) => [unit.keys, unit.attempts]);
	const atKill = new Set();
	const atSigterm = new Set();
	for (const f of faults) {
		for (const key of inFlightAt(f, attemptsOf)) (f.killed ? atKill : atSigterm).add(key);
	}
	const lost = answeredKeys.filter((key) => succeeded(key).length === 0);
	const byStartup = lost.filter((key) => answersOf(key).every(isN8nStartingUp));
	const cutShort = lost.filter(
		(key) =>
			!byStartup.includes(key) &&
			(data.runs.get(key) ?? []).some((run) => run.status === 'crashed'),
	);
	const doubled = keys.filter((key) => succeeded(key).length > 1);
	const doubledUnmarked = doubled.filter((key) =>
		succeeded(key)
			.slice(1)
			.some((run) => !run.marked),
	);
	const timedOutKeys = new Set(
		units.filter((unit) => unit.attempts.some((a) => a.timedOut)).flatMap((unit) => unit.keys),
	);
	return {
		sent: units.length,
		attempts: attempts.length,
		answers,
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99),
		late: attempts.filter((a) => a.timedOut).length,
		answered: answeredKeys.length,
		successRuns: data.byStatus.success ?? 0,
		neverRan: keys.filter((key) => succeeded(key).length === 0),
		lost,
		cutShort,
		lostByStartup: byStartup,
		unexplainedLost: lost.filter((key) => !cutShort.includes(key) && !byStartup.includes(key)),
		doubled,
		doubledAtKill: doubled.filter((key) => atKill.has(key)),
		doubledAtSigterm: doubled.filter((key) => !atKill.has(key) && atSigterm.has(key)),
		doubledAfterTimeout: doubled.filter(
			(key) => !atKill.has(key) && !atSigterm.has(key) && timedOutKeys.has(key),
		),
		doubledOther: doubled.filter(
			(key) => !atKill.has(key) && !atSigterm.has(key) && !timedOutKeys.has(key),
		),
		doubledUnmarked,
		markedRuns: data.markedRuns,
		inFlightAtKill: atKill.size,
		timedOutKeys,
		byStatus: data.byStatus,
		runsOf: (key) => data.runs.get(key) ?? [],
	};
}

// ------------------------------------------------------------------------------------------
// One run

async function simulate(run, { streamDone }) {
	const label = `run ${run.name}`;
	const log = (message) =>
		console.log(
			`[${label} +${((Date.now() - (run.t0 ?? Date.now())) / 1000).toFixed(1)} s] ${message}`,
		);
	const started = Date.now();
	const userFolder = mkdtempSync(join(tmpdir(), `captain-arrive-restarts-${run.name}-`));
	const env = {
		...(run.engine === 'lazy' ? { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' } : {}),
		...(run.slowSigterm ? { N8N_GRACEFUL_SHUTDOWN_TIMEOUT: String(SLOW.shutdownTimeoutS) } : {}),
	};
	const n8n = new N8n({ version: VERSION, userFolder, env });
	const result = { run, userFolder, faults: [] };
	try {
		await n8n.start();
		await n8n.setUp();
		result.offered = await offeredOptions(n8n);
		const workflows = await publishWorkflows(n8n, run);
		result.storedOptions = workflows.storedOptions;
		const events = captainStream(CAPTAIN_EVENTS, ORDERS);
		const trips = arriveTrips();

		const t0 = Date.now() + 500;
		run.t0 = t0;
		log(
			`stream starts: ${events.length} Captain.AI events, ${trips.length} ARRIVE trips, ${STREAM_MS / 1000} s`,
		);
		const captainDone = runCaptain(events, workflows.captain, t0);
		const arrive = runArrive(trips, workflows.arrive, t0);
		result.faults.push(
			await fault(n8n, run.slowSigterm ? 'slow SIGTERM' : 'SIGTERM', t0 + STREAM_MS / 3, log),
		);
		result.faults.push(await fault(n8n, 'kill -9', t0 + (2 * STREAM_MS) / 3, log));
		await Promise.all([captainDone, arrive.firstAttempts]);
		log('every Captain.AI event finished and every ARRIVE call made; ARRIVE retries pending');
		streamDone();
		await arrive.retries;
		log('ARRIVE retries done; waiting until n8n is idle');
		await settleExecutions(n8n, workflows.captain.id, { timeoutMs: 90_000 });
		await settleExecutions(n8n, workflows.arrive.id, { timeoutMs: 90_000 });
		result.streamEndMs = Date.now() - t0;

		const captainData = runsByKey(
			await n8n.listExecutions(workflows.captain.id),
			CAPTAIN_NODE,
			(item) => (item.eventId ? [item.eventId] : []),
		);
		const arriveData = runsByKey(
			await n8n.listExecutions(workflows.arrive.id),
			ARRIVE_NODE,
			(item) => (item.tripId && item.ackToken ? [momentKey(item.tripId, item.ackToken)] : []),
		);
		const faults = result.faults;
		const eventsById = new Map(events.map((event) => [event.eventId, event]));
		result.captain = tallyProvider({
			keys: events.map((event) => event.eventId),
			units: events.map((event) => ({ keys: [event.eventId], attempts: event.attempts })),
			answersOf: (key) => {
				const answered = eventsById.get(key).answered;
				return answered ? [answered.label] : [];
			},
			data: captainData,
			faults,
		});
		result.captain.gaveUp = events.filter((event) => event.gaveUp).map((event) => event.eventId);
		result.captain.withoutItems = captainData.withoutItems;
		const moments = trips.flatMap((trip) => [
			momentKey(trip.tripId, trip.approachToken),
			momentKey(trip.tripId, trip.arrivalToken),
		]);
		result.arrive = tallyProvider({
			keys: moments,
			units: arrive.calls.map((call) => ({ keys: call.moments, attempts: call.attempts })),
			answersOf: (key) => (arrive.acknowledged.get(key) ?? []).map((answer) => answer.label),
			data: arriveData,
			faults,
		});
		result.arrive.momentsTotal = moments.length;
		result.arrive.neverAcknowledged = moments.filter((m) => !arrive.acknowledged.has(m));
		result.arrive.withoutItems = arriveData.withoutItems;
		result.arrive.acknowledgedBy = arrive.acknowledged;
		result.trips = trips;
		result.events = events;
	} catch (error) {
		result.error = error;
		log(`FAILED: ${error.stack ?? error}`);
		streamDone();
	} finally {
		await n8n.stop();
		result.logFile = n8n.logFile;
		result.wallMs = Date.now() - started;
	}
	return result;
}

// ------------------------------------------------------------------------------------------
// Report and checks

const checks = checkList();
const { check } = checks;

const secondsSince = (t0, at) => ((at - t0) / 1000).toFixed(1);

function describeKeys(result, provider, keys, withAttempts = false) {
	if (keys.length === 0) return '(none)';
	const tally = result[provider];
	const t0 = result.run.t0;
	return keys
		.map((key) => {
			const name = provider === 'arrive' ? momentName(result.trips, key) : key;
			const runs = tally
				.runsOf(key)
				.map((run) => `#${run.id} ${run.status}${run.marked ? ' marked' : ''}`)
				.join(', ');
			const timedOut = tally.timedOutKeys.has(key) ? '; an attempt timed out' : '';
			const line = `${name} [${runs || 'no execution'}${timedOut}]`;
			if (!withAttempts) return line;
			// Where a loss is investigated: every attempt, in stream time, with its answer.
			const attempts =
				provider === 'captain' ? result.events.find((event) => event.eventId === key).attempts : [];
			const acknowledged = provider === 'arrive' ? (tally.acknowledgedBy.get(key) ?? []) : [];
			const detail =
				provider === 'captain'
					? attempts
							.map(
								(a) => `${secondsSince(t0, a.sentAt)}→${secondsSince(t0, a.endedAt)} s ${a.label}`,
							)
							.join('; ')
					: `acknowledged: ${acknowledged.map((a) => `${secondsSince(t0, a.at)} s ${a.label}`).join('; ')}`;
			return `${line}\n      ${detail}`;
		})
		.join('\n    ');
}

function printRun(result) {
	const { run } = result;
	console.log(`\n## Run ${run.name}: ${describeRun(run)}`);
	if (result.error) {
		console.log(`error: ${result.error.message}`);
		return;
	}
	const t0 = run.t0;
	console.log(
		`wall time ${(result.wallMs / 1000).toFixed(0)} s (stream and its retries until n8n idle: ${(result.streamEndMs / 1000).toFixed(0)} s); n8n log: ${result.logFile}`,
	);
	console.log(
		`node options asked: ${JSON.stringify(nodeOptionsOf(run))}; offered by the installed nodes: Captain.AI ${JSON.stringify(result.offered.captain)}, ARRIVE ${JSON.stringify(result.offered.arrive)}; stored in the workflows: ${JSON.stringify(result.storedOptions)}`,
	);
	for (const f of result.faults) {
		console.log(
			`- ${f.kind} planned at ${secondsSince(t0, f.plannedAt)} s, sent at ${secondsSince(t0, f.signalAt)} s` +
				`${f.killAt && f.kind !== 'kill -9' ? `, SIGKILL at ${secondsSince(t0, f.killAt)} s` : ''}` +
				`, exited ${f.exit.signal ?? `code ${f.exit.code}`} at ${secondsSince(t0, f.exitAt)} s (${f.killed ? 'runs cut short' : 'graceful'}), ready again at ${secondsSince(t0, f.readyAt)} s`,
		);
	}
	console.log(
		'\n| provider | sent | attempts | answer p50 / p99 ms | late answers | lost: cut short by a kill / answered by n8n while starting / other | doubled: in flight at a kill / at a graceful SIGTERM / after a timed-out attempt / other | marked runs | doubled and unmarked | executions by status |',
	);
	console.log('|---|---|---|---|---|---|---|---|---|---|');
	for (const [provider, name, unit] of [
		['captain', 'Captain.AI', 'events'],
		['arrive', 'ARRIVE', 'calls'],
	]) {
		const t = result[provider];
		const sent =
			provider === 'arrive'
				? `${t.sent} calls (${t.momentsTotal} moments, ${t.answered} acknowledged)`
				: `${t.sent} ${unit} (${t.answered} answered 2xx, ${t.gaveUp.length} given up)`;
		console.log(
			`| ${name} | ${sent} | ${t.attempts} | ${t.p50} / ${t.p99} | ${t.late} | ${t.lost.length}: ${t.cutShort.length} / ${t.lostByStartup.length} / ${t.unexplainedLost.length} | ${t.doubled.length}: ${t.doubledAtKill.length} / ${t.doubledAtSigterm.length} / ${t.doubledAfterTimeout.length} / ${t.doubledOther.length} | ${t.markedRuns} | ${t.doubledUnmarked.length} | ${JSON.stringify(t.byStatus)} |`,
		);
	}
	for (const [provider, name] of [
		['captain', 'Captain.AI'],
		['arrive', 'ARRIVE'],
	])
		console.log(`${name} answers: ${formatAnswers(result[provider].answers)}`);
	for (const [provider, name] of [
		['captain', 'Captain.AI'],
		['arrive', 'ARRIVE'],
	]) {
		const t = result[provider];
		const lists = [
			['lost, cut short by a kill', t.cutShort],
			['lost, answered 2xx only by n8n while starting (no node saw it)', t.lostByStartup],
			['lost, not explained', t.unexplainedLost],
			['doubled, in flight at a kill', t.doubledAtKill],
			['doubled, in flight at a graceful SIGTERM', t.doubledAtSigterm],
			['doubled, after a timed-out attempt', t.doubledAfterTimeout],
			['doubled, other', t.doubledOther],
			['doubled and unmarked', t.doubledUnmarked],
			['never ran successfully', t.neverRan],
			...(provider === 'arrive' ? [['never acknowledged', t.neverAcknowledged]] : []),
		];
		for (const [what, keys] of lists) {
			if (keys.length === 0) continue;
			const withAttempts = what.startsWith('lost');
			console.log(
				`${name} ${what} (${keys.length}):\n    ${describeKeys(result, provider, keys, withAttempts)}`,
			);
		}
		if (t.withoutItems > 0)
			console.log(`${name}: ${t.withoutItems} execution(s) whose trigger items could not be read`);
	}
}

/** One line per run: the summary table of docs/guarantees.md. */
function printSummary(results) {
	console.log(
		`\n## Summary (${CAPTAIN_EVENTS} Captain.AI events, ${SITES} sites × ${TRIPS_PER_SITE} trips = ${SITES * TRIPS_PER_SITE * 2} approaches/arrivals)`,
	);
	console.log(
		'| run | engine, options, faults | Captain.AI lost (cut short by a kill; answered by n8n starting) / doubled (in flight at a kill) | ARRIVE acknowledged but never ran successfully / doubled (unmarked) | late answers: Captain.AI over 10 s, ARRIVE over 2 s | crashed executions | wall time |',
	);
	console.log('|---|---|---|---|---|---|---|');
	for (const result of results) {
		if (result.error) {
			console.log(
				`| ${result.run.name} | ${describeRun(result.run)} | error: ${result.error.message} |`,
			);
			continue;
		}
		const { captain: c, arrive: a } = result;
		const faults = result.faults
			.map((f) => `${f.kind} → ${f.exit.signal ?? `code ${f.exit.code}`}`)
			.join(', ');
		const crashed = (c.byStatus.crashed ?? 0) + (a.byStatus.crashed ?? 0);
		console.log(
			`| ${result.run.name} | ${describeRun(result.run)}; ${faults} | ${c.lost.length} (${c.cutShort.length}; ${c.lostByStartup.length}) / ${c.doubled.length} (${c.doubledAtKill.length}) | ${a.lost.length} / ${a.doubled.length} (${a.doubledUnmarked.length}) | ${c.late}, ${a.late} | ${crashed} | ${(result.wallMs / 1000).toFixed(0)} s |`,
		);
	}
}

function checkRun(result) {
	const { run } = result;
	const prefix = `run ${run.name}`;
	if (result.error) {
		check(`${prefix}: the simulation completed`, false, result.error.message);
		return;
	}
	const kills = result.faults.filter((f) => f.killed).length;
	check(
		`${prefix}: n8n was signalled twice and came back each time, at least once killed`,
		result.faults.length === 2 && result.faults.every((f) => f.readyAt) && kills >= 1,
		result.faults.map((f) => `${f.kind} → ${f.exit.signal ?? `code ${f.exit.code}`}`).join(', '),
	);
	const runFinishes = run.answerWhen === 'runFinishes';
	for (const [provider, name, what] of [
		['captain', 'Captain.AI', 'events answered 2xx'],
		['arrive', 'ARRIVE', 'moments acknowledged'],
	]) {
		const t = result[provider];
		const active = t.sent > 0 && t.answered > 0 && t.successRuns > 0;
		// n8n itself answers 200 "n8n is starting up" to any request while it migrates: no node
		// sees those deliveries, so they are counted apart (printed, never checked).
		const activity =
			`${t.sent} sent, ${t.answered} ${what}, ${t.successRuns} successful runs; ` +
			`not counted: ${t.lostByStartup.length} lost to n8n's own start-up answer`;
		if (runFinishes) {
			const lost = t.cutShort.length + t.unexplainedLost.length;
			check(
				`${prefix} ${name}: 0 lost (answerWhen=runFinishes)`,
				active && lost === 0,
				`${lost} lost (${t.cutShort.length} cut short by a kill); ${activity}`,
			);
		} else {
			check(
				`${prefix} ${name}: nothing lost but runs accepted and cut short by a kill`,
				active && t.unexplainedLost.length === 0,
				`${t.unexplainedLost.length} lost otherwise, ${t.cutShort.length} cut short by a kill; ${activity}`,
			);
		}
	}
	const c = result.captain;
	check(
		`${prefix} Captain.AI: doubled only among deliveries in flight at a kill`,
		c.successRuns > 0 && kills > 0 && c.doubled.length === c.doubledAtKill.length,
		`${c.doubled.length} doubled: ${c.doubledAtKill.length} in flight at a kill, ${c.doubledAtSigterm.length} at a graceful SIGTERM, ${c.doubledAfterTimeout.length} after a timed-out attempt, ${c.doubledOther.length} other; ${c.inFlightAtKill} events in flight at a kill`,
	);
	const a = result.arrive;
	check(
		`${prefix} ARRIVE: every repeat marked (no doubled-unmarked moment)`,
		a.successRuns > 0 && a.doubledUnmarked.length === 0,
		`${a.doubled.length} doubled, ${a.doubledUnmarked.length} unmarked; ${a.markedRuns} marked runs`,
	);
	if (run.repeats === 'skip') {
		// At most once across restarts, for both nodes.
		for (const [t, name, what] of [
			[a, 'ARRIVE', 'moment'],
			[c, 'Captain.AI', 'event'],
		]) {
			check(
				`${prefix} ${name}: with repeatsAfterRestart=skip no ${what} runs twice`,
				t.successRuns > 0 && t.doubled.length === 0,
				`${t.doubled.length} doubled; ${t.successRuns} successful runs`,
			);
		}
	}
}

// ------------------------------------------------------------------------------------------

const runs = selectedRuns();
const sequential = 'sequential' in args;
const started = Date.now();
console.log(
	`Provider simulation: n8n ${VERSION}, SQLite; ${CAPTAIN_EVENTS} Captain.AI events over ${ORDERS} orders and ${SITES} sites × ${TRIPS_PER_SITE} trips in ${STREAM_MS / 1000} s; ` +
		`Captain.AI retries 1 s, 2 s, 4 s … ≤ 32 s, ${CAPTAIN.attempts} attempts, ${CAPTAIN.timeoutMs / 1000} s timeout; ` +
		`ARRIVE one call a second per site, ${ARRIVE.deadlineMs / 1000} s deadline, ${ARRIVE.retries} retries ${ARRIVE.retryAfterMs / 1000} s apart; runs ${runs.map((r) => r.name).join(', ')}${sequential ? ' one after the other' : ' overlapping (next starts during the previous one’s ARRIVE retries)'}`,
);
const pendingResults = [];
for (const run of runs) {
	let streamDone;
	const done = new Promise((resolve) => (streamDone = resolve));
	const finished = simulate(run, { streamDone });
	pendingResults.push(finished);
	await (sequential ? finished : Promise.race([done, finished]));
}
const results = await Promise.all(pendingResults);
for (const result of results) printRun(result);
printSummary(results);
console.log('');
for (const result of results) {
	const before = checks.failed;
	checkRun(result);
	const failedHere = checks.failed > before;
	if (!KEEP && !failedHere) rmSync(result.userFolder, { recursive: true, force: true });
	else console.log(`  (n8n user folder kept: ${result.userFolder})`);
}
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
console.log(checks.summary('restarts'));
process.exit(checks.failed === 0 ? 0 : 1);
