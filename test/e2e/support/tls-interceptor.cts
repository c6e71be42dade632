/**
 * A local stand-in for the HTTPS services the example workflows call (slack.com,
 * pos.example.com), so that the examples run in a real n8n exactly as shipped: no URL is
 * rewritten, the Slack node sends its real `chat.postMessage` call.
 *
 * How: n8n is started with HTTPS_PROXY pointing here and NODE_EXTRA_CA_CERTS naming a CA made
 * for this run (openssl). n8n's HTTP helpers honour HTTPS_PROXY (proxy-from-env, 1.x and 2.x),
 * so they ask this proxy to CONNECT to slack.com:443; the proxy never connects anywhere: it
 * terminates TLS itself with a certificate for the intercepted hosts signed by that CA, records
 * the request and answers it. CONNECT to any other host is refused (403), so nothing leaves the
 * machine. The CA exists only in a temporary folder and only that n8n trusts it.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { type IncomingHttpHeaders, createServer as createHttpServer } from 'http';
import { createServer as createHttpsServer } from 'https';
import type { AddressInfo, Socket } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';

export interface InterceptedRequest {
	host: string;
	method: string;
	/** Path and query, e.g. /api/chat.postMessage */
	path: string;
	headers: IncomingHttpHeaders;
	text: string;
	/** The body parsed as JSON when it is JSON. */
	json?: any;
}

export type Answer = (request: InterceptedRequest) => { status: number; body: unknown };

export interface TlsInterceptor {
	/** For HTTPS_PROXY. */
	proxyUrl: string;
	/** PEM file of the CA, for NODE_EXTRA_CA_CERTS. */
	caFile: string;
	/** Every request answered so far, oldest first. */
	requests: InterceptedRequest[];
	/** Hosts a CONNECT was refused for (anything not intercepted). */
	refused: string[];
	close(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
	const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
	if (result.error || result.status !== 0) {
		throw new Error(
			`openssl ${args.join(' ')} failed (the examples e2e test needs the openssl CLI): ${
				result.error?.message ?? result.stderr
			}`,
		);
	}
}

/** A throw-away CA and a server certificate for `hosts`, signed by it. */
function makeCertificates(
	dir: string,
	hosts: string[],
): { caFile: string; key: Buffer; cert: Buffer } {
	const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
	// prettier-ignore
	openssl(
		[
			'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
			'-subj', '/CN=n8n-nodes-captain-arrive e2e test CA',
			'-addext', 'basicConstraints=critical,CA:TRUE',
			'-addext', 'keyUsage=critical,keyCertSign,cRLSign',
		],
		dir,
	);
	openssl(
		['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${hosts[0]}`],
		dir,
	);
	writeFileSync(
		join(dir, 'server.ext'),
		[
			`subjectAltName=${hosts.map((host) => `DNS:${host}`).join(',')}`,
			'basicConstraints=CA:FALSE',
			'keyUsage=critical,digitalSignature',
			'extendedKeyUsage=serverAuth',
		].join('\n') + '\n',
	);
	// prettier-ignore
	openssl(
		[
			'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
			'-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext',
		],
		dir,
	);
	return {
		caFile: join(dir, 'ca.pem'),
		key: readFileSync(join(dir, 'server.key')),
		cert: readFileSync(join(dir, 'server.pem')),
	};
}

/** Starts the proxy on 127.0.0.1; `answers` maps each intercepted host to how it answers. */
export async function startTlsInterceptor(
	answers: Record<string, Answer>,
): Promise<TlsInterceptor> {
	const dir = mkdtempSync(join(tmpdir(), 'captain-arrive-interceptor-'));
	const { caFile, key, cert } = makeCertificates(dir, Object.keys(answers));
	const requests: InterceptedRequest[] = [];
	const refused: string[] = [];

	const tlsServer = createHttpsServer({ key, cert }, (req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const text = Buffer.concat(chunks).toString('utf8');
			let json: unknown;
			try {
				json = text === '' ? undefined : JSON.parse(text);
			} catch {
				json = undefined;
			}
			const host = String(req.headers.host ?? '').replace(/:443$/, '');
			const request: InterceptedRequest = {
				host,
				method: req.method ?? '',
				path: req.url ?? '',
				headers: req.headers,
				text,
				json,
			};
			requests.push(request);
			const answer = answers[host]?.(request) ?? { status: 404, body: { error: 'unknown host' } };
			res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
			res.end(JSON.stringify(answer.body));
		});
	});

	const proxy = createHttpServer((req, res) => {
		// Plain-HTTP proxying is not offered: only CONNECT to an intercepted host.
		refused.push(String(req.url));
		res.writeHead(403).end();
	});
	const sockets = new Set<Socket>();
	proxy.on('connection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	proxy.on('connect', (req, socket: Socket, head: Buffer) => {
		const host = String(req.url ?? '').replace(/:\d+$/, '');
		if (!Object.prototype.hasOwnProperty.call(answers, host)) {
			refused.push(host);
			socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
			return;
		}
		socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
		if (head.length > 0) socket.unshift(head);
		tlsServer.emit('connection', socket);
	});
	await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
	const { port } = proxy.address() as AddressInfo;

	return {
		proxyUrl: `http://127.0.0.1:${port}`,
		caFile,
		requests,
		refused,
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => proxy.close(() => resolve()));
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
