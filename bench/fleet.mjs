// Runs an hour of a delivery fleet costs in n8n: the Captain.AI Trigger with its defaults and
// with each Driver Updates option, next to n8n's Webhook + Filter, on one replayed stream, in one
// real n8n (2.41.1 by default, SQLite, default engine).
//
// The stream (seeded, so every receiver and every run of the bench gets the same one): S stores,
// D drivers per store. A driver waits at its store a few minutes, drives to a customer 1.5–4 km
// away at 18–30 km/h, hands over the order, drives back, and again. Its phone records a location
// every 20 s (a few metres of GPS noise). Captain sends, per store and minute, one
// `agent.radar_locations.created` with every driver of the store and the locations it recorded in
// that minute; and, per driver on a trip, an `agent_eta_updated` on each recalculation (every
// 2–5 min, and when a trip starts), its ETAs the true return time plus up to ±3 min of traffic
// noise. Returning drivers enter their store's radius; the place the "near" options watch is
// store 1, 200 m.
//
// Receivers, each its own workflow of one trigger (or of the chain); every delivery goes to all
// of them at once, and each receiver gets the deliveries one at a time, in the order of the
// events' times (so what it runs does not depend on timing):
// - Webhook + Filter: n8n's Webhook node (v2, answers on receipt) → Filter (v2, event_name is one
//   of the two driver events). Every request to a Webhook node is a run.
// - Captain.AI Trigger (v2), Events = the two driver events: defaults, then each option alone,
//   then a combination.
// Runs are n8n's executions of each workflow, read back through its API once all finished. The
// bench checks that each trigger's runs are exactly the deliveries it answered "accepted", and
// that runs and items are what the generator's ground truth says (worked out apart from the
// package's code: which driver is where, when, and each ETA).
// "Runs per day" is the hour times 24, for a fleet that moves around the clock.
//
// Usage: node bench/fleet.mjs [--stores 4] [--drivers 10] [--seed 7] [--dry-run]
// (needs `npm run build`; --dry-run prints the stream's composition without starting n8n).
// Exits 1 when a check failed.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import deliveries from '../tools/real-n8n/deliveries.js';
import harness from '../tools/real-n8n/n8n.cjs';
import { filterParameters, workflowNode } from './scenarios.mjs';

const { N8n, httpRequest, sleep } = harness;
const { seededRandom, parseArgs, checkList, settleExecutions } = deliveries;

const args = parseArgs(process.argv.slice(2));
const STORES = Number(args.stores ?? 4);
const DRIVERS_PER_STORE = Number(args.drivers ?? 10);
const SEED = Number(args.seed ?? 7);
const DRY_RUN = 'dry-run' in args;
const VERSION = process.env.CAPTAIN_ARRIVE_N8N_VERSION || '2.41.1';

const LOCATIONS = 'agent.radar_locations.created';
const ETA = 'agent_eta_updated';
/** The replayed hour; in the past, as a replay's times are. */
const HOUR_START = Date.parse('2026-11-25T11:00:00Z');
const MINUTES = 60;
const RECORD_EVERY_S = 20;
const PLACE_RADIUS_METRES = 200;

const fixture = (file) =>
	JSON.parse(readFileSync(new URL(`../test/fixtures/${file}`, import.meta.url), 'utf8'));
const ETA_SAMPLE = fixture('captain/agent_eta_updated.json');

// ------------------------------------------------------------------------------------------
// The fleet

const METRES_PER_DEGREE = 111_195;
function offset(point, northMetres, eastMetres) {
	return {
		latitude: point.latitude + northMetres / METRES_PER_DEGREE,
		longitude:
			point.longitude +
			eastMetres / (METRES_PER_DEGREE * Math.cos((point.latitude * Math.PI) / 180)),
	};
}

function distance(a, b) {
	const north = (b.latitude - a.latitude) * METRES_PER_DEGREE;
	const east =
		(b.longitude - a.longitude) * METRES_PER_DEGREE * Math.cos((a.latitude * Math.PI) / 180);
	return Math.hypot(north, east);
}

/** Store i of n: on a 2.5 km circle around central London (3.5 km apart for 4 stores). */
const storeAt = (i, n) => {
	const angle = (2 * Math.PI * i) / n;
	return offset(
		{ latitude: 51.5072, longitude: -0.1276 },
		2500 * Math.cos(angle),
		2500 * Math.sin(angle),
	);
};

const captainTime = (ms) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
const iso = (ms) => new Date(ms).toISOString();

/**
 * One driver's hour as legs [{ from, to, startS, endS, kind }] ('wait', 'out', 'drop', 'back'),
 * started at a random point of its first cycle so the fleet is not in step.
 */
function driverLegs(store, next) {
	const legs = [];
	let t = -Math.floor(next() * 40 * 60); // seconds from the hour's start
	while (t < MINUTES * 60) {
		const wait = 180 + next() * 540;
		legs.push({ kind: 'wait', from: store, to: store, startS: t, endS: t + wait });
		t += wait;
		const bearing = next() * 2 * Math.PI;
		const metres = 1500 + next() * 2500;
		const customer = offset(store, metres * Math.cos(bearing), metres * Math.sin(bearing));
		const drive = metres / ((18 + next() * 12) / 3.6);
		legs.push({ kind: 'out', from: store, to: customer, startS: t, endS: t + drive });
		t += drive;
		const handOver = 60 + next() * 120;
		legs.push({ kind: 'drop', from: customer, to: customer, startS: t, endS: t + handOver });
		t += handOver;
		const back = metres / ((18 + next() * 12) / 3.6);
		legs.push({ kind: 'back', from: customer, to: store, startS: t, endS: t + back });
		t += back;
	}
	return legs;
}

function positionAt(legs, s) {
	const leg = legs.find((candidate) => s >= candidate.startS && s < candidate.endS) ?? legs.at(-1);
	const f = Math.min(1, Math.max(0, (s - leg.startS) / (leg.endS - leg.startS)));
	return {
		leg,
		point: {
			latitude: leg.from.latitude + (leg.to.latitude - leg.from.latitude) * f,
			longitude: leg.from.longitude + (leg.to.longitude - leg.from.longitude) * f,
		},
	};
}

/** The hour's deliveries in the order of their times: [{ at, body }]. */
function fleetStream() {
	const next = seededRandom(SEED);
	const stores = Array.from({ length: STORES }, (_, i) => ({
		id: `store-${i + 1}`,
		...storeAt(i, STORES),
	}));
	const drivers = stores.flatMap((store, s) =>
		Array.from({ length: DRIVERS_PER_STORE }, (_, d) => ({
			id: `driver-${s + 1}-${String(d + 1).padStart(2, '0')}`,
			store,
			legs: driverLegs(store, next),
		})),
	);
	const events = [];
	const stats = { locations: 0, tripsStarted: 0, visitsToPlace: 0, inPlaceReports: 0 };
	// The place the "near" options watch: store 1, as the node's fields hold it (6 decimals).
	const place = {
		latitude: Number(stores[0].latitude.toFixed(6)),
		longitude: Number(stores[0].longitude.toFixed(6)),
	};

	// Locations: recorded every 20 s, reported per store each minute.
	const insidePlace = new Map();
	for (let m = 1; m <= MINUTES; m++) {
		for (const [s, store] of stores.entries()) {
			const reportAt = HOUR_START + m * 60_000 + 2_000 + s * 3_000;
			const truth = [];
			const agentLocations = drivers
				.filter((driver) => driver.store === store)
				.map((driver) => {
					const locations = [];
					for (let t = (m - 1) * 60 + RECORD_EVERY_S; t <= m * 60; t += RECORD_EVERY_S) {
						const { leg, point } = positionAt(driver.legs, t);
						const noisy = offset(point, (next() - 0.5) * 16, (next() - 0.5) * 16);
						const moving = leg.kind === 'out' || leg.kind === 'back';
						locations.push({
							latitude: noisy.latitude.toFixed(7),
							longitude: noisy.longitude.toFixed(7),
							speed: (moving ? 18 + next() * 12 : next() * 2).toFixed(1),
							course: Math.round(next() * 360),
							recorded_at: captainTime(HOUR_START + t * 1000),
							account_uuid: store.id,
						});
					}
					stats.locations += locations.length;
					// Ground truth for the "near" options: the latest location of each report.
					const latest = locations.at(-1);
					const inside =
						distance(place, {
							latitude: Number(latest.latitude),
							longitude: Number(latest.longitude),
						}) <= PLACE_RADIUS_METRES;
					if (inside) stats.inPlaceReports++;
					if (inside && !insidePlace.get(driver.id)) stats.visitsToPlace++;
					insidePlace.set(driver.id, inside);
					truth.push({ id: driver.id, at: m * 60, inside });
					return {
						agent_uuid: driver.id,
						agent_partners_external_identifier: `ext-${driver.id}`,
						locations,
					};
				});
			events.push({
				at: reportAt,
				truth: { drivers: truth },
				body: {
					data: { account_uuid: store.id, agent_locations: agentLocations },
					environment: 'production',
					event_name: LOCATIONS,
					created_at: iso(reportAt),
					event_uuid: randomUUIDFrom(next),
					metadata: { sent_at: iso(reportAt + 20), delivery_attempt: 1 },
				},
			});
		}
	}

	// ETAs: per driver on a trip, when it starts and every 2–5 min.
	for (const driver of drivers) {
		for (const [i, leg] of driver.legs.entries()) {
			if (leg.kind !== 'out') continue;
			const returnAt = driver.legs[i + 2]?.endS ?? leg.endS;
			let t = leg.startS;
			if (t >= 0 && t < MINUTES * 60) stats.tripsStarted++;
			while (t < returnAt && t < MINUTES * 60) {
				if (t >= 0) {
					const at = HOUR_START + Math.round(t * 1000);
					const eta = Math.round((HOUR_START + returnAt * 1000) / 1000 + (next() - 0.5) * 360);
					events.push({
						at,
						truth: { driver: driver.id, eta },
						body: {
							data: {
								...ETA_SAMPLE.data,
								account_uuid: driver.store.id,
								agent_uuid: driver.id,
								agent_partners_external_identifier: `ext-${driver.id}`,
								calculated_at: Math.floor(at / 1000),
								eta_till_available: eta,
								eta_arrive_at_home_hub: eta,
								published_at: at / 1000 + 0.5,
							},
							environment: 'production',
							event_name: ETA,
							created_at: iso(at),
							event_uuid: randomUUIDFrom(next),
							metadata: { sent_at: iso(at + 20), delivery_attempt: 1 },
						},
					});
				}
				t += 120 + next() * 180;
			}
		}
	}
	events.sort((a, b) => a.at - b.at);
	return { events, stores, drivers, place, stats };
}

/** A version-4 UUID from the seeded generator. */
function randomUUIDFrom(next) {
	const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
	hex[12] = '4';
	hex[16] = '8';
	const text = hex.join('');
	return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

/**
 * What a receiver should run, worked out from the stream's ground truth (each report's drivers:
 * time of the latest location, inside store 1's radius or not; each ETA), apart from the
 * package's code: the bench checks n8n's runs against it.
 */
function expectedRuns(events, driverUpdates) {
	const interval = (driverUpdates.locationIntervalMinutes ?? 0) * 60;
	const near = driverUpdates.nearPlace?.place;
	const entering = near?.emit === 'entering';
	const split = driverUpdates.locationsPerDriver === true || interval > 0 || near !== undefined;
	const etaChange = (driverUpdates.etaMinChangeMinutes ?? 0) * 60;
	const emittedAt = new Map();
	const inside = new Map();
	const lastEta = new Map();
	const expected = { locationRuns: 0, locationItems: 0, etaRuns: 0 };
	for (const { truth } of events) {
		if (truth.driver !== undefined) {
			const last = lastEta.get(truth.driver);
			if (last !== undefined && Math.abs(truth.eta - last) < etaChange) continue;
			lastEta.set(truth.driver, truth.eta);
			expected.etaRuns++;
			continue;
		}
		if (!split) {
			expected.locationRuns++;
			expected.locationItems++;
			continue;
		}
		let items = 0;
		for (const driver of truth.drivers) {
			if (near && !driver.inside) {
				inside.set(driver.id, false);
				continue;
			}
			if (entering && inside.get(driver.id)) continue;
			const last = emittedAt.get(driver.id);
			if (interval > 0 && last !== undefined && driver.at - last < interval) continue;
			emittedAt.set(driver.id, driver.at);
			if (entering) inside.set(driver.id, true);
			items++;
		}
		if (items > 0) expected.locationRuns++;
		expected.locationItems += items;
	}
	return expected;
}

// ------------------------------------------------------------------------------------------
// Receivers

/** The Captain.AI Trigger settings compared: [label, Driver Updates]. */
function triggerSettings(place) {
	const near = (emit) => ({
		nearPlace: {
			place: {
				latitude: place.latitude,
				longitude: place.longitude,
				radiusMetres: PLACE_RADIUS_METRES,
				emit,
			},
		},
	});
	return [
		['Captain.AI Trigger, defaults', {}],
		['Locations: One Item per Driver', { locationsPerDriver: true }],
		['Locations: At Most One per Driver Every 5 Minutes', { locationIntervalMinutes: 5 }],
		['Locations: At Most One per Driver Every 15 Minutes', { locationIntervalMinutes: 15 }],
		[
			`Locations: Only Near a Place (store 1, ${PLACE_RADIUS_METRES} m), every location`,
			near('inside'),
		],
		[
			`Locations: Only Near a Place (store 1, ${PLACE_RADIUS_METRES} m), only when entering`,
			near('entering'),
		],
		['ETA: Only When Moved by 5 Minutes', { etaMinChangeMinutes: 5 }],
		[
			'Every 5 Minutes + ETA Moved by 5 Minutes',
			{ locationIntervalMinutes: 5, etaMinChangeMinutes: 5 },
		],
	];
}

async function publish(n8n, name, nodes, url) {
	const connections = Object.fromEntries(
		nodes
			.slice(0, -1)
			.map((node, i) => [
				node.name,
				{ main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] },
			]),
	);
	const created = await n8n.createWorkflow({ name, nodes, connections });
	await n8n.activateWorkflow(created.id).catch((error) => {
		throw new Error(`${name}: ${error.message}`);
	});
	await n8n.waitForWebhook(url);
	return { id: created.id, url };
}

async function publishReceivers(n8n, place) {
	const token = `fleet-${randomUUID()}`;
	const credential = await n8n.createCredential('fleet bench', 'captainAiWebhookApi', {
		authToken: token,
	});
	const path = `fleet-${randomUUID()}`;
	const webhook = workflowNode(
		'Webhook',
		'n8n-nodes-base.webhook',
		2,
		0,
		{ httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
		{ webhookId: randomUUID() },
	);
	const filter = workflowNode(
		'Filter',
		'n8n-nodes-base.filter',
		2,
		1,
		filterParameters(
			[LOCATIONS, ETA].map((event) => ['={{ $json.body.event_name }}', 'equals', event]),
		),
	);
	const receivers = [
		{
			label: 'Webhook + Filter',
			chain: true,
			headers: {},
			...(await publish(
				n8n,
				'Fleet: Webhook + Filter',
				[webhook, filter],
				`${n8n.baseUrl}/webhook/${path}`,
			)),
		},
	];
	for (const [label, driverUpdates] of triggerSettings(place)) {
		const trigger = workflowNode(
			'Captain.AI Trigger',
			'n8n-nodes-captain-arrive.captainAiTrigger',
			2,
			0,
			{ events: [LOCATIONS, ETA], driverUpdates },
			{
				webhookId: randomUUID(),
				credentials: { captainAiWebhookApi: { id: credential.id, name: credential.name } },
			},
		);
		const url = n8n.webhookUrl(trigger.webhookId, 'events');
		receivers.push({
			label,
			chain: false,
			driverUpdates,
			headers: { 'Auth-Token': token },
			...(await publish(n8n, `Fleet: ${label}`, [trigger], url)),
		});
	}
	return receivers;
}

// ------------------------------------------------------------------------------------------

const checks = checkList();
const stream = fleetStream();
const byEvent = (name) => stream.events.filter((event) => event.body.event_name === name).length;
const composition = {
	stores: STORES,
	drivers: STORES * DRIVERS_PER_STORE,
	locationReports: byEvent(LOCATIONS),
	locationsInThem: stream.stats.locations,
	etaUpdates: byEvent(ETA),
	tripsStarted: stream.stats.tripsStarted,
	visitsToPlace: stream.stats.visitsToPlace,
	reportsInsidePlace: stream.stats.inPlaceReports,
};
console.log(
	`Stream (seed ${SEED}): ${composition.stores} stores × ${DRIVERS_PER_STORE} drivers, one hour: ` +
		`${composition.locationReports} ${LOCATIONS} (one per store and minute, ${composition.locationsInThem} locations), ` +
		`${composition.etaUpdates} ${ETA} (${composition.tripsStarted} trips started); ` +
		`store 1 (${PLACE_RADIUS_METRES} m): ${composition.visitsToPlace} visits, ${composition.reportsInsidePlace} driver-reports inside.`,
);
if (DRY_RUN) {
	// What each receiver should run, from the ground truth alone (no n8n).
	for (const [label, driverUpdates] of triggerSettings(stream.place))
		console.log(`${label}: ${JSON.stringify(expectedRuns(stream.events, driverUpdates))}`);
	process.exit(0);
}

const userFolder = mkdtempSync(join(tmpdir(), 'captain-arrive-fleet-'));
const n8n = new N8n({ version: VERSION, userFolder });
const startedAt = new Date();
const rows = [];
let finished = false;
try {
	await n8n.start();
	await n8n.setUp();
	const receivers = await publishReceivers(n8n, stream.place);
	for (const receiver of receivers)
		receiver.answers = {
			[LOCATIONS]: { run: 0, items: 0 },
			[ETA]: { run: 0, items: 0 },
			other: {},
		};

	// Each delivery to every receiver at once; each receiver gets them one at a time, in the
	// order of the events' times.
	const sendStarted = performance.now();
	for (const [i, { body }] of stream.events.entries()) {
		await Promise.all(
			receivers.map(async (receiver) => {
				const answer = await httpRequest('POST', receiver.url, {
					headers: receiver.headers,
					body,
					timeoutMs: 60_000,
				});
				const tally = receiver.answers[body.event_name];
				if (receiver.chain ? answer.status === 200 : answer.body?.status === 'accepted') {
					tally.run++;
					tally.items += receiver.chain ? 1 : answer.body.items;
				} else {
					const label =
						`${answer.status} ${answer.body?.reason ?? answer.body?.error ?? ''}`.trim();
					receiver.answers.other[label] = (receiver.answers.other[label] ?? 0) + 1;
				}
			}),
		);
		if ((i + 1) % 100 === 0)
			process.stderr.write(
				`  ${i + 1}/${stream.events.length} deliveries sent to each (${((performance.now() - sendStarted) / 1000).toFixed(0)} s)\n`,
			);
	}
	await sleep(2000);
	for (const receiver of receivers) {
		await settleExecutions(n8n, receiver.id, { quietMs: 3000, timeoutMs: 300_000 });
		const executions = await n8n.listExecutions(receiver.id, { includeData: false });
		const statuses = {};
		for (const execution of executions)
			statuses[execution.status] = (statuses[execution.status] ?? 0) + 1;
		const answered = receiver.answers[LOCATIONS].run + receiver.answers[ETA].run;
		check(
			`${receiver.label}: n8n's runs are the deliveries answered ${receiver.chain ? '200' : '"accepted"'}, all successful`,
			executions.length === answered && statuses.success === answered,
			`${executions.length} executions (${JSON.stringify(statuses)}), ${answered} answered`,
		);
		if (!receiver.chain) {
			const expected = expectedRuns(stream.events, receiver.driverUpdates);
			const measured = {
				locationRuns: receiver.answers[LOCATIONS].run,
				locationItems: receiver.answers[LOCATIONS].items,
				etaRuns: receiver.answers[ETA].run,
			};
			check(
				`${receiver.label}: runs and items are what the stream's ground truth says`,
				JSON.stringify(measured) === JSON.stringify(expected),
				`measured ${JSON.stringify(measured)}, expected ${JSON.stringify(expected)}`,
			);
		}
		rows.push({ receiver, runs: executions.length });
	}
	finished = true;
} finally {
	await n8n.stop();
	if (finished) rmSync(userFolder, { recursive: true, force: true });
	else console.log(`n8n's user folder kept: ${userFolder} (n8n.log inside)`);
}

function check(name, ok, detail) {
	checks.check(name, ok, detail);
}

const chain = rows[0];
const defaults = rows[1];
check(
	'Webhook + Filter and the trigger with its defaults both run once per delivery',
	chain.runs === stream.events.length && defaults.runs === stream.events.length,
	`${chain.runs} and ${defaults.runs} of ${stream.events.length}`,
);

const fmt = (n) => n.toLocaleString('en-GB');
console.log(
	`\nRuns for one hour of the fleet, n8n ${VERSION} (SQLite), ${startedAt.toISOString()}: ${composition.stores} stores, ` +
		`${composition.drivers} drivers, ${fmt(stream.events.length)} deliveries (${composition.locationReports} locations reports, ${composition.etaUpdates} ETA updates)`,
);
console.log(
	'| receiver | runs from locations reports | runs from ETA updates | runs in the hour | items | runs vs Webhook + Filter | runs per day (×24) |',
);
console.log('|---|---|---|---|---|---|---|');
for (const { receiver, runs } of rows) {
	const { [LOCATIONS]: locations, [ETA]: etas } = receiver.answers;
	console.log(
		`| ${receiver.label} | ${fmt(locations.run)} | ${fmt(etas.run)} | ${fmt(runs)} | ${fmt(locations.items + etas.items)} | ${((100 * runs) / chain.runs).toFixed(1)} % | ${fmt(runs * 24)} |`,
	);
}
console.log('\nAnswers that started no run, per receiver:');
for (const { receiver } of rows) {
	const other = Object.entries(receiver.answers.other)
		.map(([label, n]) => `${n} × ${label}`)
		.join(', ');
	if (other) console.log(`- ${receiver.label}: ${other}`);
}
console.log(`\n${checks.summary('fleet')}`);
process.exitCode = checks.failed > 0 ? 1 : 0;
