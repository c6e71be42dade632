// Cost of each pipeline outcome, without n8n: what the node itself spends before n8n answers.
// Runs the compiled dist/ modules (npm run build first). Outcomes are measured in interleaved
// rounds so that machine noise hits them alike; the figures that matter are the ratios.
//
// Usage: node bench/pipeline.mjs [rememberedEntries=10000] [rounds=7]
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { admit } = require('../dist/nodes/common/admission.js');
const { judgeDelivery } = require('../dist/nodes/common/pipeline.js');
const { CredentialCache } = require('../dist/nodes/common/credential-cache.js');
const {
	forgetProcessMemory,
	SAVE_INTERVAL_MS,
} = require('../dist/nodes/common/memory/node-memory.js');
const { allowlistRule, parseAllowlist } = require('../dist/nodes/common/allowlist.js');
const { captainReceiver } = require('../dist/nodes/CaptainAiTrigger/receiver.js');
const { arriveReceiver } = require('../dist/nodes/ArriveTrigger/receiver.js');
const { ARRIVE_SOURCE_ADDRESSES } = require('../dist/nodes/ArriveTrigger/catalogue.js');

const remembered = Number(process.argv[2] ?? 10000);
const rounds = Number(process.argv[3] ?? 7);
const fixture = (path) =>
	JSON.parse(readFileSync(new URL(`../test/fixtures/${path}`, import.meta.url), 'utf8'));

const TOKEN = 'a-long-shared-secret-0123456789';
// The Auth-Token as the node checks it: a digest kept by a CredentialCache between reads.
const tokens = new CredentialCache(() => 0);
const captainGuard = {
	secret: {
		header: 'Auth-Token',
		check: (received) => tokens.check('bench', received, async () => TOKEN),
	},
};

/** What a node's webhook() does with a request: admission, then the pipeline. */
async function receive(incoming, admission, receiver, place, at) {
	return (
		(await admit(incoming, admission)) ??
		judgeDelivery(incoming, receiver, place, at, { answerWhen: 'runStarts', repeats: 'runMarked' })
	);
}
const captain = captainReceiver({
	events: ['order_status_updated'],
	environment: 'any',
	dropOutOfOrder: true,
	output: 'simplified',
	memory: { maxEntries: remembered, maxAgeMs: 72 * 3_600_000 },
});
const orderStatus = fixture('captain/order_status_updated.json');
const orderAssigned = fixture('captain/order_assigned.json');
let revision = 0;
const newRevision = () => `r${++revision}`;
let captainStatic = {};
const captainPlace = () => ({ scope: 'bench-captain', staticData: captainStatic, newRevision });
const request = (body, headers = { 'auth-token': TOKEN }, clientAddress = '127.0.0.1') => ({
	clientAddress,
	proxyTrusted: false,
	headers,
	body,
});

/** n8n started the run and answered 200: what settles an accepted delivery. */
function answered(verdict, at) {
	verdict.delivery?.confirm(at);
	return verdict;
}

// Fill the memory to its bound, as a busy store would after a few days.
forgetProcessMemory();
const now = Date.parse('2026-11-23T12:00:00Z');
for (let i = 0; i < remembered; i++) {
	const body = {
		...orderStatus,
		event_uuid: `warm-${i}`,
		data: { ...orderStatus.data, order_uuid: `order-${i}` },
	};
	answered(await receive(request(body), captainGuard, captain, captainPlace(), now), now);
}
// One more save, a save interval later, so the snapshot holds every warm-up entry.
let clock = now + SAVE_INTERVAL_MS;
answered(
	await receive(
		request({ ...orderStatus, event_uuid: 'warm-last' }),
		captainGuard,
		captain,
		captainPlace(),
		clock,
	),
	clock,
);
const snapshotBytes = JSON.stringify(captainStatic).length;

let fresh = 0;
const captainCases = {
	'401 wrong token': () =>
		receive(
			request(orderStatus, { 'auth-token': 'nope' }),
			captainGuard,
			captain,
			captainPlace(),
			now,
		),
	'400 malformed': () =>
		receive(
			request({ ...orderStatus, event_uuid: undefined }),
			captainGuard,
			captain,
			captainPlace(),
			now,
		),
	'200 filtered': () => receive(request(orderAssigned), captainGuard, captain, captainPlace(), now),
	'200 duplicate': () =>
		receive(
			request({ ...orderStatus, event_uuid: 'warm-5' }),
			captainGuard,
			captain,
			captainPlace(),
			now,
		),
	// Saves are coalesced (one per SAVE_INTERVAL_MS per node): most accepted events write nothing.
	'accepted, no save due': async () =>
		answered(
			await receive(
				request({ ...orderStatus, event_uuid: `new-${++fresh}` }),
				captainGuard,
				captain,
				captainPlace(),
				clock,
			),
			clock,
		),
	// When a save is due, n8n JSON-stringifies the static data to store it: counted here.
	'accepted + save (+ n8n stringify)': async () => {
		clock += SAVE_INTERVAL_MS;
		const verdict = answered(
			await receive(
				request({ ...orderStatus, event_uuid: `new-${++fresh}` }),
				captainGuard,
				captain,
				captainPlace(),
				clock,
			),
			clock,
		);
		JSON.stringify(captainStatic);
		return verdict;
	},
};

const arriveGuard = {
	allowlist: allowlistRule({ name: 'bench' }, parseAllowlist([...ARRIVE_SOURCE_ADDRESSES])),
};
const arrive = arriveReceiver({
	emit: 'newArrival',
	statuses: ['in-transit', 'approaching', 'arrived', 'other'],
	environment: 'both',
	siteIds: [],
	output: 'perTrip',
	tripMemory: { maxEntries: 5000, maxAgeMs: 24 * 3_600_000 },
});
const adEstimates = fixture('arrive/ad-estimates.json');
const tripsCall = (n, ack) => ({
	...adEstimates,
	timestamp: new Date(now + n).toISOString(),
	data: {
		...adEstimates.data,
		estimates: Array.from({ length: 10 }, (_, i) => ({
			...adEstimates.data.estimates[0],
			track_tokens: [{ dest_id: `trip-${i}` }],
			ack: { token: `${ack}-${i}` },
		})),
	},
});
let arriveStatic = {};
const arrivePlace = () => ({ scope: 'bench-arrive', staticData: arriveStatic, newRevision });
answered(
	await receive(
		request(tripsCall(0, 'first'), {}, '52.37.123.229'),
		arriveGuard,
		arrive,
		arrivePlace(),
		now,
	),
	now,
);
let arrivals = 0;
const arriveCases = {
	'403 not ARRIVE': () =>
		receive(
			request(tripsCall(1, 'first'), {}, '198.51.100.1'),
			arriveGuard,
			arrive,
			arrivePlace(),
			now,
		),
	'200 no-change (10 trips repeated)': () =>
		receive(
			request(tripsCall(++arrivals, 'first'), {}, '52.37.123.229'),
			arriveGuard,
			arrive,
			arrivePlace(),
			now,
		),
	'accepted (10 new arrivals) + save': async () => {
		clock += SAVE_INTERVAL_MS;
		const verdict = answered(
			await receive(
				request(tripsCall(++arrivals, `a${arrivals}`), {}, '52.37.123.229'),
				arriveGuard,
				arrive,
				arrivePlace(),
				clock,
			),
			clock,
		);
		JSON.stringify(arriveStatic);
		return verdict;
	},
};

/** Every case is awaited, sync or not, so each pays the same for it. */
async function measure(cases, perRound = 300) {
	const totals = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
	for (let round = 0; round < rounds; round++) {
		for (const [name, run] of Object.entries(cases)) {
			const started = process.hrtime.bigint();
			for (let i = 0; i < perRound; i++) await run();
			totals[name].push(Number(process.hrtime.bigint() - started) / perRound / 1000);
		}
	}
	return Object.fromEntries(
		Object.entries(totals).map(([name, samples]) => [
			name,
			samples.sort((a, b) => a - b)[samples.length >> 1],
		]),
	);
}

function print(title, results, reference) {
	console.log(`\n${title}`);
	console.log(
		'outcome'.padEnd(40),
		'median µs/request'.padStart(18),
		`× cheaper than accepted`.padStart(26),
	);
	for (const [name, micros] of Object.entries(results)) {
		console.log(
			name.padEnd(40),
			micros.toFixed(1).padStart(18),
			(results[reference] / micros).toFixed(1).padStart(26),
		);
	}
}

console.log(
	`node ${process.version}; ${remembered} event ids remembered; static-data snapshot ${(snapshotBytes / 1024).toFixed(0)} KiB; median of ${rounds} interleaved rounds`,
);
print(
	'Captain.AI Trigger pipeline (no n8n)',
	await measure(captainCases),
	'accepted + save (+ n8n stringify)',
);
print(
	'ARRIVE Trigger pipeline (no n8n), 10 trips per call',
	await measure(arriveCases),
	'accepted (10 new arrivals) + save',
);
