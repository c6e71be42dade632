// Drives a real n8n for `npm run dev` and the e2e suite: installs this package the way a user
// does (npm pack → `npm install <tarball>` in <userFolder>/.n8n/nodes), starts n8n on a loopback
// port, sets up the owner, an API key, and talks to n8n over HTTP only (REST for setup, the
// public API for credentials, workflows and executions, the production webhook URLs).
//
// CommonJS so that jest (ts-jest compiles the e2e tests to CommonJS) and dev.mjs share it.
// No dependencies beyond Node's standard library. n8n's output goes to <userFolder>/n8n.log.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');

const { ensureN8n } = require('./install');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_JSON = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const PACKAGE_NAME = PACKAGE_JSON.name;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function log(message) {
	if (process.env.CAPTAIN_ARRIVE_QUIET !== '1') process.stderr.write(`[real-n8n] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Packaging

/** The files of package.json#n8n that the build must have produced. */
function builtEntryPoints() {
	const { nodes = [], credentials = [] } = PACKAGE_JSON.n8n ?? {};
	return [...nodes, ...credentials];
}

function runNpm(args, cwd, extraEnv = {}) {
	const result = spawnSync('npm', args, {
		cwd,
		encoding: 'utf8',
		env: {
			...process.env,
			npm_config_ignore_scripts: 'true',
			npm_config_update_notifier: 'false',
			...extraEnv,
		},
	});
	if (result.status !== 0) {
		throw new Error(
			`npm ${args.join(' ')} failed in ${cwd} (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
		);
	}
	return result.stdout;
}

/**
 * Packs the built package (dist/ must exist: `npm run build`) into `destDir`, exactly the
 * tarball `npm publish` would upload. Returns the tarball's absolute path.
 */
function packPackage(destDir) {
	const missing = builtEntryPoints().filter((file) => !fs.existsSync(path.join(REPO_ROOT, file)));
	if (missing.length > 0) {
		throw new Error(
			`package.json#n8n lists files that are not built: ${missing.join(', ')}. Run \`npm run build\`.`,
		);
	}
	fs.mkdirSync(destDir, { recursive: true });
	const out = runNpm(['pack', '--json', '--pack-destination', destDir], REPO_ROOT);
	const [{ filename }] = JSON.parse(out);
	return path.join(destDir, filename);
}

function nodesDirOf(userFolder) {
	return path.join(userFolder, '.n8n', 'nodes');
}

/**
 * Installs the package into <userFolder>/.n8n/nodes as a user does by hand (or as n8n's
 * community-package installer does): a package.json there and `npm install <tarball>`.
 * Replaces any earlier install. The n8n-workflow peer is not fetched (--legacy-peer-deps):
 * n8n provides it. Returns the installed package directory.
 */
function installPackage(userFolder) {
	const nodesDir = nodesDirOf(userFolder);
	fs.mkdirSync(nodesDir, { recursive: true });
	const manifest = path.join(nodesDir, 'package.json');
	if (!fs.existsSync(manifest)) {
		fs.writeFileSync(
			manifest,
			JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2) + '\n',
		);
	}
	const installed = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	fs.rmSync(installed, { recursive: true, force: true });
	const tarball = packPackage(nodesDir);
	runNpm(
		[
			'install',
			`./${path.basename(tarball)}`,
			'--legacy-peer-deps',
			'--ignore-scripts',
			'--no-audit',
			'--no-fund',
			'--no-package-lock',
		],
		nodesDir,
	);
	const missing = builtEntryPoints().filter((file) => !fs.existsSync(path.join(installed, file)));
	if (missing.length > 0)
		throw new Error(`installed package in ${installed} lacks ${missing.join(', ')}`);
	return installed;
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** Parsed JSON when the body is JSON, else the text. */
function decode(text) {
	if (text === '') return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

/**
 * One HTTP request on its own connection (no keep-alive pooling, so concurrent requests are
 * really concurrent). `body`: an object is sent as JSON, a string as is.
 */
function httpRequest(method, url, { headers = {}, body, timeoutMs = 30_000 } = {}) {
	return new Promise((resolve, reject) => {
		const payload =
			body === undefined
				? undefined
				: typeof body === 'string' || Buffer.isBuffer(body)
					? body
					: JSON.stringify(body);
		const finalHeaders = { ...headers };
		if (payload !== undefined) {
			if (!Object.keys(finalHeaders).some((h) => h.toLowerCase() === 'content-type')) {
				finalHeaders['content-type'] = 'application/json';
			}
			finalHeaders['content-length'] = Buffer.byteLength(payload);
		}
		const req = http.request(
			url,
			{ method, headers: finalHeaders, agent: false, timeout: timeoutMs },
			(res) => {
				const chunks = [];
				res.on('data', (chunk) => chunks.push(chunk));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					resolve({ status: res.statusCode, headers: res.headers, text, body: decode(text) });
				});
				res.on('error', reject);
			},
		);
		req.on('timeout', () =>
			req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)),
		);
		req.on('error', reject);
		if (payload !== undefined) req.write(payload);
		req.end();
	});
}

/** A TCP port free on 127.0.0.1 right now. */
function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

// ---------------------------------------------------------------------------------------------
// Processes: every n8n started here is killed when this process exits, whatever happens.

const running = new Set();
process.on('exit', () => {
	for (const child of running) {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			/* already gone */
		}
	}
});

/** Environment variables inherited from the caller that would change how n8n behaves. */
const INHERITED_NOISE =
	/^(N8N_|DB_|EXECUTIONS_|QUEUE_|WEBHOOK_URL$|GENERIC_TIMEZONE$|NODE_OPTIONS$|NODE_PATH$|NODE_ENV$)/;

function quietEnv({ userFolder, port, brokerPort }) {
	return {
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		DB_TYPE: 'sqlite',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_ENCRYPTION_KEY: 'captain-arrive-test-encryption-key',
		N8N_SECURE_COOKIE: 'false',
		// 1.x: no task runner. 2.x always runs one; its broker gets a free port of its own so
		// that several n8n (dev and e2e) can run side by side.
		N8N_RUNNERS_ENABLED: 'false',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
		NODE_ENV: 'production',
	};
}

function tail(file, lines = 40) {
	try {
		return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
	} catch {
		return '(no log)';
	}
}

// ---------------------------------------------------------------------------------------------
// One n8n

const DEFAULT_OWNER = {
	email: 'owner@example.com',
	firstName: 'Test',
	lastName: 'Owner',
	password: 'Captain-Arrive-Test-1',
};

class N8n {
	/**
	 * @param {object} options
	 * @param {string} options.userFolder   N8N_USER_FOLDER (n8n keeps its data in <it>/.n8n)
	 * @param {string} [options.version]    n8n version (installed into the cache on first use)
	 * @param {number} [options.port]       default: a free port
	 * @param {Record<string,string>} [options.env]  extra environment (e.g. N8N_PROXY_HOPS)
	 * @param {boolean} [options.installPackage]     default true: (re)install this package first
	 * @param {'start'|'worker'|'webhook'} [options.command]  n8n's command (queue mode): default 'start'
	 * @param {number} [options.healthPort]  where /healthz/readiness answers (a worker's QUEUE_HEALTH_CHECK_PORT)
	 * @param {string} [options.logName]     file name of its log in the user folder (default n8n.log)
	 */
	constructor(options) {
		this.options = {
			version: '2.41.1',
			installPackage: true,
			env: {},
			command: 'start',
			...options,
		};
		this.version = this.options.version;
		this.major = Number(this.version.split('.')[0]);
		this.userFolder = path.resolve(this.options.userFolder);
		// Processes sharing a user folder (queue mode) each need a log of their own.
		this.logFile = path.join(this.userFolder, this.options.logName ?? 'n8n.log');
		this.child = undefined;
		this.apiKey = undefined;
		this.cookie = undefined;
	}

	get baseUrl() {
		return `http://127.0.0.1:${this.port}`;
	}

	/** The production URL of a webhook node (n8n ≥ 1: <base>/webhook/<webhookId>/<path>). */
	webhookUrl(webhookId, webhookPath) {
		return `${this.baseUrl}/webhook/${webhookId}/${webhookPath}`;
	}

	/** The Test URL of a webhook node: served only while the workflow listens for a test event. */
	testWebhookUrl(webhookId, webhookPath) {
		return `${this.baseUrl}/webhook-test/${webhookId}/${webhookPath}`;
	}

	/** Resolves with { code, signal } when the running n8n exits (undefined when not running). */
	get exited() {
		return this.child?.exited;
	}

	/** Installs (first start only), starts n8n and waits until it answers. */
	async start() {
		if (this.child) throw new Error('n8n is already running');
		this.install ??= ensureN8n(this.version);
		fs.mkdirSync(this.userFolder, { recursive: true });
		if (this.options.installPackage && !this.packageInstalled) {
			const started = Date.now();
			installPackage(this.userFolder);
			this.packageInstalled = true;
			log(
				`${PACKAGE_NAME} packed and installed into ${nodesDirOf(this.userFolder)} in ${Date.now() - started} ms`,
			);
		}
		this.port ??= this.options.port ?? (await freePort());
		this.brokerPort ??= await freePort();

		const inherited = Object.fromEntries(
			Object.entries(process.env).filter(([key]) => !INHERITED_NOISE.test(key)),
		);
		const env = {
			...inherited,
			PATH: `${this.install.nodeBinDir}${path.delimiter}${process.env.PATH ?? ''}`,
			...quietEnv({ userFolder: this.userFolder, port: this.port, brokerPort: this.brokerPort }),
			...this.options.env,
		};
		const logFd = fs.openSync(this.logFile, 'a');
		fs.writeSync(
			logFd,
			`\n===== ${new Date().toISOString()} starting n8n ${this.version} ${this.options.command} on ${this.baseUrl}\n`,
		);
		const started = Date.now();
		// Own process group: stop() signals n8n and anything it spawned (2.x's task runner).
		const child = spawn(this.install.node, [this.install.entry, this.options.command], {
			cwd: this.userFolder,
			env,
			stdio: ['ignore', logFd, logFd],
			detached: true,
		});
		fs.closeSync(logFd);
		this.child = child;
		running.add(child);
		child.exitInfo = undefined;
		child.exited = new Promise((resolve) =>
			child.on('exit', (code, signal) => {
				child.exitInfo = { code, signal };
				running.delete(child);
				resolve(child.exitInfo);
			}),
		);
		try {
			await this.waitUntilReady(this.options.startTimeoutMs ?? 180_000);
		} catch (error) {
			await this.stop();
			throw error;
		}
		this.startMs = Date.now() - started;
		log(
			`n8n ${this.version} ready on ${this.baseUrl} in ${(this.startMs / 1000).toFixed(1)} s (log: ${this.logFile})`,
		);
		return this;
	}

	async waitUntilReady(timeoutMs) {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (this.child.exitInfo) {
				throw new Error(
					`n8n ${this.version} exited during start-up (${JSON.stringify(this.child.exitInfo)}); log: ${this.logFile}\n${tail(this.logFile)}`,
				);
			}
			try {
				const healthBase = this.options.healthPort
					? `http://127.0.0.1:${this.options.healthPort}`
					: this.baseUrl;
				const health = await httpRequest('GET', `${healthBase}/healthz/readiness`, {
					timeoutMs: 2000,
				});
				// /healthz/readiness: database connected and migrated. 1.x has it too.
				if (health.status === 200 && this.options.command !== 'start') return; // no editor API
				if (health.status === 200) {
					const settings = await httpRequest('GET', `${this.baseUrl}/rest/settings`, {
						timeoutMs: 5000,
					});
					if (settings.status === 200) return;
				}
			} catch {
				/* not listening yet */
			}
			await sleep(500);
		}
		throw new Error(
			`n8n ${this.version} did not become ready within ${timeoutMs} ms; log: ${this.logFile}\n${tail(this.logFile)}`,
		);
	}

	/** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
	async stop(graceMs = 20_000) {
		const child = this.child;
		if (!child) return;
		this.child = undefined;
		this.cookie = undefined;
		if (!child.exitInfo) {
			const signalGroup = (signal) => {
				try {
					process.kill(-child.pid, signal);
				} catch {
					/* gone */
				}
			};
			signalGroup('SIGTERM');
			const timer = setTimeout(() => {
				log(
					`n8n ${this.version} did not stop within ${graceMs} ms: SIGKILL (log: ${this.logFile})`,
				);
				signalGroup('SIGKILL');
			}, graceMs);
			await child.exited;
			clearTimeout(timer);
			// Anything left in the group (a task runner that ignored SIGTERM) goes too.
			signalGroup('SIGKILL');
		}
	}

	/** Stops and starts again with the same user folder, port and environment (plus `env`). */
	async restart(env = {}) {
		await this.stop();
		this.options.env = { ...this.options.env, ...env };
		await this.start();
		if (this.owner) await this.login(this.owner);
		return this;
	}

	// -------------------------------------------------------------------------------------------
	// Owner, login, API key (internal REST API, as the editor does it)

	async rest(method, route, body) {
		const headers = { 'content-type': 'application/json' };
		if (this.cookie) headers.cookie = this.cookie;
		const res = await httpRequest(method, `${this.baseUrl}/rest${route}`, { headers, body });
		if (res.status >= 400) {
			const error = new Error(`${method} /rest${route} → ${res.status}: ${res.text.slice(0, 500)}`);
			error.response = res;
			throw error;
		}
		return res.body?.data ?? res.body;
	}

	/** Creates the owner when the instance has none; then logs in. */
	async ensureOwner(owner = DEFAULT_OWNER) {
		const settings = await this.rest('GET', '/settings');
		const needsSetup = settings?.userManagement?.showSetupOnFirstLoad !== false;
		if (needsSetup) {
			await this.rest('POST', '/owner/setup', {
				email: owner.email,
				firstName: owner.firstName,
				lastName: owner.lastName,
				password: owner.password,
			});
		}
		await this.login(owner);
		return { created: needsSetup };
	}

	async login(owner = DEFAULT_OWNER) {
		const res = await httpRequest('POST', `${this.baseUrl}/rest/login`, {
			body: { emailOrLdapLoginId: owner.email, password: owner.password },
		});
		if (res.status !== 200)
			throw new Error(`login as ${owner.email} → ${res.status}: ${res.text.slice(0, 300)}`);
		const setCookie = [].concat(res.headers['set-cookie'] ?? []);
		const auth = setCookie.map((c) => c.split(';')[0]).find((c) => c.startsWith('n8n-auth='));
		if (!auth) throw new Error('login answered without an n8n-auth cookie');
		this.cookie = auth;
		this.owner = owner;
	}

	/** A public API key with every scope the instance offers; earlier keys with `label` are deleted. */
	async createApiKey(label = 'captain-arrive-e2e') {
		const listed = await this.rest('GET', '/api-keys');
		// 1.x answers an array, 2.x { items, counts, totals }.
		const existing = Array.isArray(listed) ? listed : (listed?.items ?? []);
		for (const key of existing) {
			if (key.label === label) await this.rest('DELETE', `/api-keys/${key.id}`);
		}
		const scopes = await this.rest('GET', '/api-keys/scopes');
		const created = await this.rest('POST', '/api-keys', { label, scopes, expiresAt: null });
		this.apiKey = created.rawApiKey;
		if (!this.apiKey)
			throw new Error(
				`POST /rest/api-keys gave no rawApiKey: ${JSON.stringify(created).slice(0, 300)}`,
			);
		return this.apiKey;
	}

	/** Owner + login + API key (+ a check that n8n loaded this package): what every run needs first. */
	async setUp(owner = DEFAULT_OWNER, apiKeyLabel) {
		await this.ensureOwner(owner);
		if (this.options.installPackage) await this.assertPackageLoaded();
		await this.createApiKey(apiKeyLabel);
		return this;
	}

	/** Names of the node types the editor is offered (GET /types/nodes.json; needs login). */
	async typeNames(kind = 'nodes') {
		const res = await httpRequest('GET', `${this.baseUrl}/types/${kind}.json`, {
			headers: this.cookie ? { cookie: this.cookie } : {},
		});
		if (res.status !== 200 || !Array.isArray(res.body)) {
			throw new Error(`GET /types/${kind}.json → ${res.status}: ${res.text.slice(0, 200)}`);
		}
		return res.body.map((type) => type.name);
	}

	/** Every node and credential of package.json#n8n is known to n8n, else an error naming what is not. */
	async assertPackageLoaded() {
		const expected = {
			nodes: PACKAGE_JSON.n8n?.nodes ?? [],
			credentials: PACKAGE_JSON.n8n?.credentials ?? [],
		};
		const loaded = {
			nodes: (await this.typeNames('nodes')).filter((name) => name.startsWith(`${PACKAGE_NAME}.`)),
			credentials: await this.typeNames('credentials'),
		};
		const nodesMissing = loaded.nodes.length < expected.nodes.length;
		// Credential type names carry no package prefix: compare with the built files' names.
		const credentialNames = expected.credentials.map((file) => {
			const base = path.basename(file).replace(/\.credentials\.js$/, '');
			return base.charAt(0).toLowerCase() + base.slice(1);
		});
		const credentialsMissing = credentialNames.filter((name) => !loaded.credentials.includes(name));
		if (nodesMissing || credentialsMissing.length > 0) {
			const mentions = tail(this.logFile, 2000)
				.split('\n')
				.filter((line) => line.includes(PACKAGE_NAME) || /error/i.test(line))
				.slice(-15)
				.join('\n');
			throw new Error(
				`n8n ${this.version} did not load ${PACKAGE_NAME}: node types loaded ${JSON.stringify(loaded.nodes)} ` +
					`(package.json#n8n lists ${expected.nodes.length}), credential types missing ${JSON.stringify(credentialsMissing)}. ` +
					`Log: ${this.logFile}\n${mentions}`,
			);
		}
		return loaded.nodes;
	}

	// -------------------------------------------------------------------------------------------
	// Public API

	async api(method, route, body) {
		if (!this.apiKey) throw new Error('no API key: call setUp() first');
		const res = await httpRequest(method, `${this.baseUrl}/api/v1${route}`, {
			headers: { 'x-n8n-api-key': this.apiKey, accept: 'application/json' },
			body,
		});
		if (res.status >= 400) {
			const error = new Error(
				`${method} /api/v1${route} → ${res.status}: ${res.text.slice(0, 500)}`,
			);
			error.response = res;
			throw error;
		}
		return res.body;
	}

	async createCredential(name, type, data) {
		return this.api('POST', '/credentials', { name, type, data });
	}

	/**
	 * `workflow`: { name, nodes, connections, settings?, pinData? }. Returns n8n's copy (with id).
	 * n8n 1.x's public API refuses `pinData` (400, checked on 1.123.81): there it is left out.
	 */
	async createWorkflow(workflow) {
		return this.api('POST', '/workflows', { settings: {}, ...this.acceptedByApi(workflow) });
	}

	async updateWorkflow(id, workflow) {
		return this.api('PUT', `/workflows/${id}`, { settings: {}, ...this.acceptedByApi(workflow) });
	}

	acceptedByApi(workflow) {
		if (this.major >= 2 || !('pinData' in workflow)) return workflow;
		const { pinData: _pinned, ...rest } = workflow;
		return rest;
	}

	/**
	 * Makes the saved workflow listen for one test event on `triggerName`'s Test URLs, as the
	 * editor's "Execute step" does (internal REST API, logged in). 2.x runs the saved workflow;
	 * 1.x wants it in the request.
	 */
	async listenForTestEvent(workflowId, triggerName) {
		const body = { triggerToStartFrom: { name: triggerName } };
		if (this.major < 2) body.workflowData = await this.rest('GET', `/workflows/${workflowId}`);
		const started = await this.rest('POST', `/workflows/${workflowId}/run`, body);
		if (!started?.waitingForWebhook)
			throw new Error(
				`workflow ${workflowId} is not listening for a test event: ${JSON.stringify(started).slice(0, 300)}`,
			);
	}

	async listWorkflows() {
		const all = [];
		let cursor;
		do {
			const page = await this.api(
				'GET',
				`/workflows?limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
			);
			all.push(...page.data);
			cursor = page.nextCursor;
		} while (cursor);
		return all;
	}

	/** Makes the workflow's production webhooks live: 2.x "publish", 1.x "activate". */
	async activateWorkflow(id) {
		return this.api('POST', `/workflows/${id}/${this.major >= 2 ? 'publish' : 'activate'}`);
	}

	async deactivateWorkflow(id) {
		return this.api('POST', `/workflows/${id}/${this.major >= 2 ? 'unpublish' : 'deactivate'}`);
	}

	/**
	 * Waits until n8n serves the production URL (publishing registers webhooks asynchronously;
	 * meanwhile a POST answers 404 "webhook is not registered"). Probes with a CORS preflight
	 * (OPTIONS + Origin): n8n answers it from its webhook registry without calling the node, so
	 * nothing runs and nothing is recorded — 500 while the path is unknown (1.123 and 2.41 both),
	 * 204 once it is registered.
	 */
	async waitForWebhook(url, { method = 'POST', timeoutMs = 30_000 } = {}) {
		const deadline = Date.now() + timeoutMs;
		let last;
		while (Date.now() < deadline) {
			last = await httpRequest('OPTIONS', url, {
				headers: { origin: 'http://127.0.0.1', 'access-control-request-method': method },
			});
			if (last.status >= 200 && last.status < 300) return;
			await sleep(200);
		}
		throw new Error(
			`${url} is still not registered after ${timeoutMs} ms (preflight ${last?.status}); log: ${this.logFile}`,
		);
	}

	/** POSTs `body` (object → JSON) with `headers`. Returns { status, headers, text, body }. */
	async post(url, body, headers = {}) {
		return httpRequest('POST', url, { headers, body });
	}

	async get(url, headers = {}) {
		return httpRequest('GET', url, { headers });
	}

	/** Every execution of a workflow, newest first, with its data. */
	async listExecutions(workflowId, { includeData = true } = {}) {
		const all = [];
		let cursor;
		do {
			const query = new URLSearchParams({
				workflowId: String(workflowId),
				includeData: String(includeData),
				limit: '250',
			});
			if (cursor) query.set('cursor', cursor);
			const page = await this.api('GET', `/executions?${query}`);
			all.push(...page.data);
			cursor = page.nextCursor;
		} while (cursor);
		// n8n 1.100.1 lists executions without their status (its public API selects `finished` and
		// the times only; 1.123.81 and 2.41.1 list it); its answer for one execution has it.
		for (const execution of all.filter((listed) => listed.status === undefined)) {
			execution.status = (
				await this.api('GET', `/executions/${execution.id}?includeData=false`)
			).status;
		}
		return all;
	}

	/**
	 * Polls until the workflow has at least `count` finished executions, then returns them all.
	 * n8n answers the webhook before it records the execution, hence the wait.
	 */
	async waitForExecutions(workflowId, count, { timeoutMs = 20_000, intervalMs = 250 } = {}) {
		const deadline = Date.now() + timeoutMs;
		let executions = [];
		while (Date.now() < deadline) {
			executions = await this.listExecutions(workflowId);
			const finished = executions.filter((e) => e.stoppedAt || e.finished);
			if (finished.length >= count && finished.length === executions.length) return executions;
			await sleep(intervalMs);
		}
		throw new Error(
			`workflow ${workflowId}: expected ${count} finished executions within ${timeoutMs} ms, saw ${executions.length} ` +
				`(${executions.map((e) => e.status).join(', ')}); log: ${this.logFile}`,
		);
	}
}

/** The JSON of the items a node output in an execution (first run, first output). */
function nodeOutputItems(execution, nodeName, outputIndex = 0) {
	const runs = execution?.data?.resultData?.runData?.[nodeName];
	if (!runs) {
		const names = Object.keys(execution?.data?.resultData?.runData ?? {});
		throw new Error(
			`execution ${execution?.id} has no run of node "${nodeName}" (nodes run: ${names.join(', ') || 'none'})`,
		);
	}
	return (runs[0]?.data?.main?.[outputIndex] ?? []).map((item) => item.json);
}

module.exports = {
	REPO_ROOT,
	PACKAGE_NAME,
	DEFAULT_OWNER,
	N8n,
	packPackage,
	installPackage,
	httpRequest,
	freePort,
	nodeOutputItems,
	sleep,
};
