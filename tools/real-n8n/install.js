// Installs a real n8n (and, when this machine's Node is too old, a Node 24 runtime from the
// npm registry) into a cache outside the package, so `npm run dev` and the e2e suite run the
// nodes inside the same n8n a user runs. Idempotent: a finished install is marked and reused.
//
// CommonJS so that both the jest e2e suite (ts-jest, CommonJS) and dev.mjs can load it.
// Usage: node tools/real-n8n/install.js [n8nVersion ...]   (prints one JSON line per version)
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, writeFileSync, rmSync } = require('node:fs');
const { homedir } = require('node:os');
const { join } = require('node:path');

const NODE_RUNTIME_VERSION = '24.21.0';
const DEFAULT_N8N_VERSION = '2.41.1';
const LEGACY_N8N_VERSION = '1.123.81';

function cacheRoot() {
	return (
		process.env.CAPTAIN_ARRIVE_N8N_CACHE ??
		join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'n8n-nodes-captain-arrive')
	);
}

/**
 * The environment for the npm calls below, without the configuration a parent npm exports to
 * its scripts (`npm run dev`, `npm run test:e2e` pass npm_config_* variables, among them this
 * repo's ignore-scripts=true, which would turn the native rebuild into a silent no-op).
 */
/** What `npm rebuild` must produce for n8n to start (isolated-vm ships prebuilt binaries). */
const NATIVE_BINARIES = ['sqlite3/build/Release/node_sqlite3.node'];

function npmEnvironment(extra = {}) {
	const inherited = Object.fromEntries(
		Object.entries(process.env).filter(([key]) => !/^npm_(config|package|lifecycle)_/i.test(key)),
	);
	return { ...inherited, ...extra };
}

function run(cmd, args, options) {
	const started = Date.now();
	// Output goes to stderr: stdout is kept for the JSON lines of the CLI.
	const result = spawnSync(cmd, args, { stdio: ['ignore', process.stderr, 'inherit'], ...options });
	if (result.status !== 0) {
		throw new Error(`${cmd} ${args.join(' ')} failed (exit ${result.status}) in ${options.cwd}`);
	}
	return Date.now() - started;
}

function log(message) {
	process.stderr.write(`[real-n8n] ${message}\n`);
}

/** A Node >= 24 runtime: this machine's own when new enough, else one from the npm registry. */
function ensureNodeRuntime() {
	const major = Number(process.versions.node.split('.')[0]);
	if (major >= 24) {
		return { bin: process.execPath, binDir: join(process.execPath, '..'), headersDir: undefined };
	}
	// Node itself is published on npm as node-<platform>-<arch>: a registry package, so it
	// installs where only the npm registry is reachable.
	const pkg = `node-${process.platform}-${process.arch}`;
	const dir = join(cacheRoot(), `node-${NODE_RUNTIME_VERSION}`);
	const home = join(dir, 'node_modules', pkg);
	const bin = join(home, 'bin', 'node');
	if (!existsSync(join(dir, '.complete'))) {
		log(`installing Node ${NODE_RUNTIME_VERSION} (${pkg}) into ${dir}`);
		rmSync(dir, { recursive: true, force: true });
		mkdirSync(dir, { recursive: true });
		writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
		const ms = run(
			'npm',
			['install', '--no-save', '--no-package-lock', `${pkg}@${NODE_RUNTIME_VERSION}`],
			{ cwd: dir, env: npmEnvironment() },
		);
		writeFileSync(join(dir, '.complete'), `${ms}\n`);
		log(`Node ${NODE_RUNTIME_VERSION} installed in ${(ms / 1000).toFixed(0)} s`);
	}
	return { bin, binDir: join(home, 'bin'), headersDir: home };
}

/** n8n at `version`, installed without its network-bound install scripts, natives rebuilt. */
function ensureN8n(version = DEFAULT_N8N_VERSION) {
	const runtime = ensureNodeRuntime();
	const dir = join(cacheRoot(), `n8n-${version}`);
	const entry = join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	if (!existsSync(join(dir, '.complete'))) {
		log(`installing n8n ${version} into ${dir} (several minutes, once)`);
		rmSync(dir, { recursive: true, force: true });
		mkdirSync(dir, { recursive: true });
		// n8n 1.x depends on an xlsx tarball on a CDN; the registry's 0.18.5 is the same library.
		const overrides = version.startsWith('1.') ? { xlsx: '0.18.5' } : {};
		writeFileSync(
			join(dir, 'package.json'),
			JSON.stringify({ private: true, overrides }, null, 2) + '\n',
		);
		const env = npmEnvironment({
			PATH: `${runtime.binDir}:${process.env.PATH}`,
			...(runtime.headersDir ? { npm_config_nodedir: runtime.headersDir } : {}),
		});
		// --ignore-scripts: a native dependency (kafka) downloads sources from the internet.
		const installMs = run(
			'npm',
			['install', '--ignore-scripts', '--no-audit', '--no-fund', `n8n@${version}`],
			{ cwd: dir, env },
		);
		// The two natives n8n needs to start (SQLite) and to evaluate expressions (isolated-vm).
		const rebuildMs = run('npm', ['rebuild', 'sqlite3', 'isolated-vm'], { cwd: dir, env });
		// A rebuild that ran no scripts exits 0 too: check that the binaries are there.
		for (const binary of NATIVE_BINARIES) {
			if (!existsSync(join(dir, 'node_modules', binary)))
				throw new Error(`n8n ${version}: ${binary} was not built; see the npm output above`);
		}
		writeFileSync(join(dir, '.complete'), JSON.stringify({ installMs, rebuildMs }) + '\n');
		log(`n8n ${version} installed in ${((installMs + rebuildMs) / 1000).toFixed(0)} s`);
	}
	return { version, dir, entry, node: runtime.bin, nodeBinDir: runtime.binDir };
}

module.exports = {
	NODE_RUNTIME_VERSION,
	DEFAULT_N8N_VERSION,
	LEGACY_N8N_VERSION,
	cacheRoot,
	ensureNodeRuntime,
	ensureN8n,
};

if (require.main === module) {
	const versions = process.argv.slice(2);
	for (const version of versions.length ? versions : [DEFAULT_N8N_VERSION]) {
		process.stdout.write(JSON.stringify(ensureN8n(version)) + '\n');
	}
}
