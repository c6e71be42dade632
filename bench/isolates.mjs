// Counts, per request, what n8n's expression engine does for each outcome of each trigger:
// isolates acquired, lazy bridges built, V8 isolates built, expressions evaluated; and prints
// where each comes from (n8n file and function). Uses bench/isolate-probe.cjs preloaded into a
// real n8n; findings are written up in bench/README.md.
//
// Usage: node bench/isolates.mjs [default|lazy|legacy] [requestsPerScenario=10] [--stacks] [--v1]
//   CAPTAIN_ARRIVE_N8N_VERSION=1.123.81 for n8n 1.x (it has no lazy mode).
//   The package's nodes are placed at the version new nodes get (defaultVersion); --v1 places
//   them at version 1, as workflows built before version 2 existed have them.
// Requests are sent one at a time, so a count per request is exact, not an average of overlaps.
// "build ms" / "dispose ms": wall time per request spent inside IsolatedVmBridge.initialize(Sync)
// and dispose (partly off the request's path: the pool replenishes after answering).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import harness from '../tools/real-n8n/n8n.cjs';
import { publishScenarios, ENGINE_MODES } from './scenarios.mjs';

const { N8n, sleep } = harness;
const args = process.argv.slice(2);
const showStacks = args.includes('--stacks');
const [mode = 'default', perScenario = '10'] = args.filter((arg) => !arg.startsWith('--'));
const requests = Number(perScenario);
const version = process.env.CAPTAIN_ARRIVE_N8N_VERSION || '2.41.1';
const MODES = ENGINE_MODES;
if (!MODES[mode]) throw new Error(`mode must be one of ${Object.keys(MODES).join(', ')}`);

const built = (file, name) =>
	new (createRequire(import.meta.url)(`../dist/nodes/${file}`)[name])().description;
const newNodeVersion = (description) =>
	description.defaultVersion ?? [description.version].flat().at(-1);
const captainVersion = args.includes('--v1')
	? 1
	: newNodeVersion(built('CaptainAiTrigger/CaptainAiTrigger.node.js', 'CaptainAiTrigger'));
const arriveVersion = args.includes('--v1')
	? 1
	: newNodeVersion(built('ArriveTrigger/ArriveTrigger.node.js', 'ArriveTrigger'));

const userFolder = mkdtempSync(join(tmpdir(), 'captain-arrive-isolates-'));
const probeOut = join(userFolder, 'probe.json');
const n8n = new N8n({
	version,
	userFolder,
	env: {
		...MODES[mode],
		NODE_OPTIONS: `--require ${fileURLToPath(new URL('./isolate-probe.cjs', import.meta.url))}`,
		ISOLATE_PROBE_OUT: probeOut,
	},
});

const readProbe = () =>
	existsSync(probeOut) ? JSON.parse(readFileSync(probeOut, 'utf8')) : { counts: {}, stacks: [] };
const KINDS = ['acquire', 'acquireScope', 'lazyBridge', 'isolateBuilt', 'evaluate'];

function difference(before, after) {
	const counts = Object.fromEntries(
		KINDS.map((kind) => [kind, (after.counts[kind] ?? 0) - (before.counts[kind] ?? 0)]),
	);
	for (const field of ['buildMs', 'disposeMs'])
		counts[field] = (after.timings?.[field] ?? 0) - (before.timings?.[field] ?? 0);
	const earlier = new Map(
		before.stacks.map((s) => [`${s.kind}\n${s.detail ?? ''}\n${s.stack.join('\n')}`, s.count]),
	);
	const stacks = after.stacks
		.map((s) => ({
			...s,
			count: s.count - (earlier.get(`${s.kind}\n${s.detail ?? ''}\n${s.stack.join('\n')}`) ?? 0),
		}))
		.filter((s) => s.count > 0);
	return { counts, stacks };
}

try {
	await n8n.start();
	await n8n.setUp();
	const probe = readProbe();
	if (!probe.counts.hooked?.length)
		throw new Error(`the probe did not hook n8n (see ${n8n.logFile})`);
	const scenarios = await publishScenarios(n8n, { captainVersion, arriveVersion });

	const results = [];
	for (const { name, url, make, expected } of scenarios) {
		// A first request primes: the duplicate's original, ARRIVE's remembered trip, n8n's caches.
		await n8n.post(url, ...make());
		await sleep(1500);
		const before = readProbe();
		const statuses = {};
		for (let i = 0; i < requests; i++) {
			const answer = await n8n.post(url, ...make());
			statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
		}
		await sleep(1500); // executions finish, replenishment settles, the probe flushes
		const { counts, stacks } = difference(before, readProbe());
		if (!statuses[expected])
			console.warn(`!! ${name}: expected ${expected}, got ${JSON.stringify(statuses)}`);
		results.push({ name, statuses, counts, stacks });
	}

	console.log(
		`n8n ${version}, engine mode "${mode}", nodes at version ${captainVersion} (Captain.AI) / ${arriveVersion} (ARRIVE), ${requests} requests per scenario, one at a time; counts per request`,
	);
	console.log(
		'scenario'.padEnd(38),
		...KINDS.map((kind) => kind.padStart(13)),
		'build ms'.padStart(9),
		'dispose ms'.padStart(11),
		'  answers',
	);
	for (const { name, statuses, counts } of results) {
		console.log(
			name.padEnd(38),
			...KINDS.map((kind) => (counts[kind] / requests).toFixed(2).padStart(13)),
			(counts.buildMs / requests).toFixed(1).padStart(9),
			(counts.disposeMs / requests).toFixed(1).padStart(11),
			' ',
			JSON.stringify(statuses),
		);
	}
	if (showStacks) {
		for (const { name, stacks } of results) {
			console.log(`\n=== ${name}`);
			for (const s of stacks.sort((a, b) => b.count - a.count)) {
				console.log(
					`-- ${s.kind} ×${(s.count / requests).toFixed(2)}/request${s.detail ? ` ${s.detail}` : ''}`,
				);
				for (const frame of s.stack.slice(0, 14)) console.log(`     ${frame}`);
			}
		}
	}
} finally {
	await n8n.stop();
	if (!process.env.KEEP) rmSync(userFolder, { recursive: true, force: true });
}
