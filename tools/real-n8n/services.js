// The servers n8n's queue mode needs, as users run them, for the queue-mode test: PostgreSQL
// (n8n's database), Redis (its job queue) and nginx (the load balancer in front of the webhook
// processes). Debian's packages, installed with apt-get when missing (root, as on these
// machines); every server listens on 127.0.0.1 only, keeps its files in the folder it is
// given, and is stopped by the pid this module started. Nothing else is touched.
//
// CommonJS, no dependencies beyond Node's standard library.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { freePort, sleep } = require('./n8n.cjs');

function log(message) {
	process.stderr.write(`[services] ${message}\n`);
}

function run(cmd, args, options = {}) {
	const result = spawnSync(cmd, args, { encoding: 'utf8', ...options });
	if (result.status !== 0) {
		throw new Error(
			`${cmd} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
		);
	}
	return result.stdout;
}

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

let aptUpdated = false;
/** Installs Debian packages that are missing (needs root, as on these machines). */
function aptInstall(packages) {
	if (!aptUpdated) {
		log('apt-get update');
		run('apt-get', ['update', '-qq']);
		aptUpdated = true;
	}
	log(`apt-get install ${packages.join(' ')}`);
	run('apt-get', ['install', '-y', '-qq', ...packages], {
		env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
	});
}

function postgresBinDir() {
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root)
		? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
		: [];
	if (versions.length === 0) return undefined;
	const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
	return path.join(root, newest, 'bin');
}

/** Installs what is missing: PostgreSQL, Redis, nginx. */
function ensureInstalled() {
	const missing = [];
	if (!postgresBinDir()) missing.push('postgresql');
	if (!has('redis-server')) missing.push('redis-server');
	if (!has('nginx')) missing.push('nginx');
	if (missing.length > 0) aptInstall(missing);
}

/** A long-running child in its own process group, output to `logFile`. */
function startDaemon(cmd, args, logFile, options = {}) {
	const fd = fs.openSync(logFile, 'a');
	const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: true, ...options });
	fs.closeSync(fd);
	child.exited = new Promise((resolve) =>
		child.on('exit', (code, signal) => resolve({ code, signal })),
	);
	return child;
}

function countMatches(file, pattern) {
	return fs.existsSync(file) ? (fs.readFileSync(file, 'utf8').match(pattern) ?? []).length : 0;
}

async function waitFor(what, probe, timeoutMs = 60_000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await probe()) return;
		await sleep(250);
	}
	throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

class Services {
	/** @param {string} folder  where every server keeps its files (created; readable by postgres) */
	constructor(folder) {
		this.folder = folder;
		fs.mkdirSync(folder, { recursive: true });
		// PostgreSQL refuses to run as root: its data folder belongs to the postgres user, which
		// must be able to reach it.
		fs.chmodSync(folder, 0o755);
		this.children = [];
	}

	/** PostgreSQL with a database and user `n8n` (password `n8n`). */
	async startPostgres() {
		ensureInstalled();
		const bin = postgresBinDir();
		const data = path.join(this.folder, 'postgres');
		const sockets = path.join(this.folder, 'postgres-sockets');
		fs.mkdirSync(data, { recursive: true });
		fs.mkdirSync(sockets, { recursive: true });
		run('chown', ['postgres:postgres', data, sockets]);
		const asPostgres = (args) => run('runuser', ['-u', 'postgres', '--', ...args], { cwd: '/' });
		asPostgres([
			path.join(bin, 'initdb'),
			'-D',
			data,
			'--auth=trust',
			'-U',
			'postgres',
			'-E',
			'UTF8',
		]);
		this.postgresPort = await freePort();
		const logFile = path.join(this.folder, 'postgres.log');
		fs.writeFileSync(logFile, '');
		run('chown', ['postgres:postgres', logFile]);
		asPostgres([
			path.join(bin, 'pg_ctl'),
			'-D',
			data,
			'-l',
			logFile,
			'-w',
			'-o',
			`-p ${this.postgresPort} -k ${sockets} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off`,
			'start',
		]);
		this.postgres = { bin, data };
		const psql = (sql) =>
			asPostgres([
				path.join(bin, 'psql'),
				'-h',
				'127.0.0.1',
				'-p',
				String(this.postgresPort),
				'-U',
				'postgres',
				'-v',
				'ON_ERROR_STOP=1',
				'-c',
				sql,
			]);
		psql("create user n8n password 'n8n'");
		psql('create database n8n owner n8n');
		log(`PostgreSQL on 127.0.0.1:${this.postgresPort}`);
		return this.postgresPort;
	}

	async startRedis() {
		ensureInstalled();
		this.redisPort = await freePort();
		const child = startDaemon(
			'redis-server',
			[
				'--port',
				String(this.redisPort),
				'--bind',
				'127.0.0.1',
				'--save',
				'',
				'--appendonly',
				'no',
				'--dir',
				this.folder,
			],
			path.join(this.folder, 'redis.log'),
		);
		this.children.push(child);
		await waitFor(
			'Redis',
			async () =>
				spawnSync('redis-cli', ['-p', String(this.redisPort), 'ping'], {
					encoding: 'utf8',
				}).stdout.trim() === 'PONG',
		);
		log(`Redis on 127.0.0.1:${this.redisPort}`);
		return this.redisPort;
	}

	/**
	 * nginx in front of `upstreamPorts`, one listening port per balancing rule: `roundRobin`
	 * (nginx's default) and `byUri` (`hash $request_uri consistent`: every delivery of a webhook
	 * URL reaches the same process). Returns { roundRobin, byUri } ports.
	 */
	async startNginx(upstreamPorts) {
		ensureInstalled();
		const prefix = path.join(this.folder, 'nginx');
		const temp = path.join(prefix, 'temp');
		fs.mkdirSync(temp, { recursive: true });
		fs.chmodSync(temp, 0o777);
		const ports = { roundRobin: await freePort(), byUri: await freePort() };
		this.nginx = { prefix, temp, ports, upstreamPorts, down: new Set() };
		const configFile = this.writeNginxConfig();
		const child = startDaemon(
			'nginx',
			['-p', prefix, '-c', configFile],
			path.join(prefix, 'stdout.log'),
		);
		this.children.push(child);
		this.nginx.child = child;
		await waitFor('nginx', async () => {
			if (child.exitCode !== null)
				throw new Error(`nginx exited: ${fs.readFileSync(path.join(prefix, 'error.log'), 'utf8')}`);
			return fs.existsSync(path.join(prefix, 'nginx.pid'));
		});
		log(
			`nginx on 127.0.0.1:${ports.roundRobin} (round-robin) and :${ports.byUri} (hash $request_uri consistent)`,
		);
		return ports;
	}

	/**
	 * Takes one upstream out of nginx's rotation (`down`) or puts it back, as a health-checked
	 * load balancer does while a process starts: nginx reloads its configuration gracefully
	 * (SIGHUP), requests in flight finish on the old workers.
	 */
	async setUpstreamInRotation(port, inRotation) {
		if (inRotation) this.nginx.down.delete(port);
		else this.nginx.down.add(port);
		this.writeNginxConfig();
		const errorLog = path.join(this.nginx.prefix, 'error.log');
		const reloadsBefore = countMatches(errorLog, /reconfiguring/g);
		process.kill(this.nginx.child.pid, 'SIGHUP');
		await waitFor(
			'nginx reload',
			async () => countMatches(errorLog, /reconfiguring/g) > reloadsBefore,
		);
		// New workers start right after the reload is logged; give them that moment.
		await sleep(300);
		log(`nginx: 127.0.0.1:${port} ${inRotation ? 'back in rotation' : 'out of rotation'}`);
	}

	writeNginxConfig() {
		const { prefix, temp, ports, upstreamPorts, down } = this.nginx;
		const servers = upstreamPorts
			.map(
				(port) =>
					`    server 127.0.0.1:${port} max_fails=1 fail_timeout=2s${down.has(port) ? ' down' : ''};`,
			)
			.join('\n');
		const location = (upstream) => `
    location / {
      proxy_pass http://${upstream};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }`;
		const config = `# written by tools/real-n8n/services.js
worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log notice;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  client_max_body_size 16m;
  upstream round_robin {
${servers}
  }
  upstream by_uri {
    hash $request_uri consistent;
${servers}
  }
  server {
    listen 127.0.0.1:${ports.roundRobin};${location('round_robin')}
  }
  server {
    listen 127.0.0.1:${ports.byUri};${location('by_uri')}
  }
}
`;
		const configFile = path.join(prefix, 'nginx.conf');
		fs.writeFileSync(configFile, config);
		return configFile;
	}

	/** Stops what this instance started (the daemons by pid, PostgreSQL by pg_ctl). */
	async stop() {
		for (const child of this.children.reverse()) {
			try {
				process.kill(-child.pid, 'SIGTERM');
			} catch {
				/* gone */
			}
			await Promise.race([child.exited, sleep(5000)]);
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				/* gone */
			}
		}
		this.children = [];
		if (this.postgres) {
			spawnSync(
				'runuser',
				[
					'-u',
					'postgres',
					'--',
					path.join(this.postgres.bin, 'pg_ctl'),
					'-D',
					this.postgres.data,
					'-m',
					'immediate',
					'stop',
				],
				{ cwd: '/' },
			);
			this.postgres = undefined;
		}
	}
}

module.exports = { Services };
