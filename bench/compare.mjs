// Requests per second of two builds of this package side by side, in one run: "before" (a git
// ref, built from `git archive` in a temporary folder) and "after" (this working tree's dist/,
// `npm run build` first). Two n8n of the same version and settings run at once, each with one
// build installed; every batch is sent to one and then the other (the order alternating by
// round), so machine noise hits both alike. Each build's nodes are placed at the version a new
// node gets in it (its defaultVersion).
//
// Besides requests per second it prints the CPU time the n8n process (all its threads, V8
// isolates included; from /proc) spent per request over each batch and the half second after
// it (replenishing the isolate pool, finishing runs): on a machine shared with other work it
// varies much less than throughput does.
//
// Usage: node bench/compare.mjs [default|lazy|legacy] [rounds=3] [requestsPerBatch=40] [concurrency=4]
//   BENCH_BEFORE_REF  git ref of "before" (default: where this branch left main)
//   CAPTAIN_ARRIVE_N8N_VERSION  n8n version (default 2.41.1; 1.x has no lazy mode)
//   BENCH_ONLY  a regular expression: only the scenarios whose name matches
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import harness from '../tools/real-n8n/n8n.cjs';
import { median, runBatch } from './batches.mjs';
import { publishScenarios, ENGINE_MODES } from './scenarios.mjs';

const { N8n, REPO_ROOT, packPackage, sleep } = harness;
const [mode = 'default', rounds = 3, perBatch = 40, concurrency = 4] = process.argv
	.slice(2)
	.map((arg, i) => (i === 0 ? arg : Number(arg)));
const version = process.env.CAPTAIN_ARRIVE_N8N_VERSION || '2.41.1';
const MODES = ENGINE_MODES;
if (!MODES[mode]) throw new Error(`mode must be one of ${Object.keys(MODES).join(', ')}`);

function run(cmd, args, cwd) {
	const result = spawnSync(cmd, args, {
		cwd,
		encoding: 'utf8',
		env: { ...process.env, npm_config_update_notifier: 'false' },
	});
	if (result.status !== 0)
		throw new Error(
			`${cmd} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`,
		);
	return result.stdout.trim();
}

const work = mkdtempSync(join(tmpdir(), 'captain-arrive-compare-'));
const beforeRef =
	process.env.BENCH_BEFORE_REF || run('git', ['merge-base', 'HEAD', 'main'], REPO_ROOT);
const beforeCommit = run('git', ['rev-parse', '--short', beforeRef], REPO_ROOT);

/** Builds `ref` in a temporary folder (this checkout's node_modules linked in) and packs it. */
function packRef(ref) {
	const dir = join(work, 'before-src');
	mkdirSync(dir);
	const archive = spawnSync('git', ['archive', '--format=tar', ref], {
		cwd: REPO_ROOT,
		maxBuffer: 1 << 30,
	});
	if (archive.status !== 0) throw new Error(`git archive ${ref}: ${archive.stderr}`);
	const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
	if (untar.status !== 0) throw new Error(`tar: ${untar.stderr}`);
	symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
	run('npm', ['run', 'build', '--silent'], dir);
	const [{ filename }] = JSON.parse(
		run('npm', ['pack', '--json', '--pack-destination', work], dir),
	);
	return { tarball: join(work, filename), dist: join(dir, 'dist') };
}

/** What the harness does for this checkout, for any tarball: a user's `npm install` in .n8n/nodes. */
function installTarball(userFolder, tarball) {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(
		join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }),
	);
	run(
		'npm',
		[
			'install',
			tarball,
			'--legacy-peer-deps',
			'--ignore-scripts',
			'--no-audit',
			'--no-fund',
			'--no-package-lock',
		],
		nodesDir,
	);
}

function newNodeVersions(dist) {
	const require = createRequire(join(dist, 'x.js'));
	const versionOf = (file, name) => {
		const { description } = new (require(`./nodes/${file}`)[name])();
		return description.defaultVersion ?? [description.version].flat().at(-1);
	};
	return {
		captainVersion: versionOf('CaptainAiTrigger/CaptainAiTrigger.node.js', 'CaptainAiTrigger'),
		arriveVersion: versionOf('ArriveTrigger/ArriveTrigger.node.js', 'ArriveTrigger'),
	};
}

const TICKS_PER_SECOND = Number(run('getconf', ['CLK_TCK'], REPO_ROOT)) || 100;
/** User + system CPU time of a process, all threads, in ms (Linux /proc). */
function cpuMs(pid) {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** A batch (bench/batches.mjs) plus the CPU time n8n spent on it, per request. */
async function runBatchWithCpu(n8n, url, make) {
	const cpuBefore = cpuMs(n8n.child.pid);
	const batch = await runBatch(n8n, url, make, {
		count: perBatch,
		concurrency,
		answerKey: (answer) => answer.status,
	});
	await sleep(500);
	return { ...batch, cpuPerRequest: (cpuMs(n8n.child.pid) - cpuBefore) / perBatch };
}

const sides = [];
try {
	const before = packRef(beforeRef);
	const afterTarball = packPackage(work);
	for (const [label, tarball, dist] of [
		[`before (${beforeCommit})`, before.tarball, before.dist],
		['after (this tree)', afterTarball, join(REPO_ROOT, 'dist')],
	]) {
		const userFolder = join(work, label.split(' ')[0]);
		installTarball(userFolder, tarball);
		sides.push({
			label,
			versions: newNodeVersions(dist),
			n8n: new N8n({ version, userFolder, installPackage: false, env: MODES[mode] }),
		});
	}
	await Promise.all(
		sides.map(async (side) => {
			await side.n8n.start();
			await side.n8n.setUp();
		}),
	);
	for (const side of sides) {
		const only = new RegExp(process.env.BENCH_ONLY ?? '');
		side.scenarios = (await publishScenarios(side.n8n, side.versions)).filter((scenario) =>
			only.test(scenario.name),
		);
		for (const { url, make } of side.scenarios) await side.n8n.post(url, ...make()); // prime
	}

	const names = sides[0].scenarios.map((s) => s.name);
	const results = sides.map(() => Object.fromEntries(names.map((name) => [name, []])));
	for (let round = 0; round < rounds; round++) {
		for (let i = 0; i < names.length; i++) {
			const order = round % 2 === 0 ? [0, 1] : [1, 0];
			for (const s of order) {
				const { url, make } = sides[s].scenarios[i];
				results[s][names[i]].push(await runBatchWithCpu(sides[s].n8n, url, make));
			}
		}
	}

	console.log(
		`n8n ${version} (SQLite), engine mode "${mode}"${
			Object.keys(MODES[mode]).length
				? ` (${Object.entries(MODES[mode])
						.map(([k, v]) => `${k}=${v}`)
						.join(' ')})`
				: ''
		}, ` +
			`${rounds} interleaved rounds of ${perBatch} requests, concurrency ${concurrency}; medians over rounds of req/s (latency ms) and n8n CPU ms per request`,
	);
	console.log(
		`${sides.map((side) => `${side.label}: nodes at version ${side.versions.captainVersion} (Captain.AI) / ${side.versions.arriveVersion} (ARRIVE)`).join('; ')}`,
	);
	console.log(
		'scenario'.padEnd(38),
		...sides.map((side) => `req/s ${side.label.split(' ')[0]}`.padStart(18)),
		'ratio'.padStart(6),
		...sides.map((side) => `CPU ms ${side.label.split(' ')[0]}`.padStart(14)),
		'ratio'.padStart(6),
	);
	for (const [i, name] of names.entries()) {
		const cells = results.map((side) => {
			const runs = side[name];
			return {
				rps: median(runs.map((r) => r.rps)),
				ms: median(runs.map((r) => r.medianMs)),
				cpu: median(runs.map((r) => r.cpuPerRequest)),
				statuses: runs.at(-1).statuses,
			};
		});
		const expected = sides[0].scenarios[i].expected;
		const wrong = cells.filter(
			(cell) => !cell.statuses[expected] || Object.keys(cell.statuses).length > 1,
		);
		console.log(
			name.padEnd(38),
			...cells.map((cell) => `${cell.rps.toFixed(0)} (${cell.ms.toFixed(0)})`.padStart(18)),
			(cells[1].rps / cells[0].rps).toFixed(2).padStart(6),
			...cells.map((cell) => cell.cpu.toFixed(1).padStart(14)),
			(cells[1].cpu / cells[0].cpu).toFixed(2).padStart(6),
			wrong.length
				? `  !! answers ${cells.map((c) => JSON.stringify(c.statuses)).join(' / ')}`
				: '',
		);
	}
} finally {
	await Promise.all(sides.map((side) => side.n8n.stop()));
	rmSync(work, { recursive: true, force: true });
}
