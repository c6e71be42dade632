/**
 * The hostile-input corpus runner: sends each case's requests to a real n8n, checks each
 * answer, sends a valid delivery right after every case, then checks the executions of the
 * whole batch at once (one settle wait for all refusals, instead of one per case).
 *
 * Every id a case sends (event_uuid, dest_id) is fresh and registered to the case, so an
 * execution that should not exist is blamed on the case that caused it.
 */
import { randomUUID } from 'crypto';
import * as http from 'http';
import * as net from 'net';

import { type Execution, type N8n, SETTLE_MS, nodeOutputItems } from '../support/real-n8n.cjs';

export interface SentRequest {
	/** An object is sent as JSON; a string or Buffer as is. */
	body?: unknown;
	/** A header given as a list is sent as that many header lines. */
	headers?: Record<string, string | string[]>;
	/** Default `application/json`; `null` sends no Content-Type at all. */
	contentType?: string | null;
	method?: string;
}

export interface Answer {
	status: number;
	text: string;
	body: unknown;
}

/** What an answer must be: the status, and fields the JSON body must contain (RegExp: matches). */
interface ExpectedAnswer {
	status: number;
	body?: unknown;
	/** Checks on the answer beyond `body`, e.g. "no hint". Returns a problem or undefined. */
	check?: (answer: Answer) => string | undefined;
}

export interface Step {
	/** Which published workflow receives it (a key of the corpus targets). */
	target: string;
	/** A function builds the request when it is sent (for times relative to that moment). */
	request: SentRequest | (() => SentRequest);
	expect: ExpectedAnswer;
	/**
	 * Ids whose execution this step must start: one execution whose trigger items carry
	 * exactly these ids. Empty: the step must start nothing.
	 */
	runs: string[];
	/** Checks on the items of the execution this step started (warnings, passed-on values). */
	items?: (items: Array<Record<string, unknown>>) => string | undefined;
	/** Where to record the answer as received (for n8n's own answers). */
	note?: string[];
}

export interface CorpusCase {
	name: string;
	category: string;
	/** Also run on n8n 1.x. */
	subset?: boolean;
	steps: Step[];
}

export interface CorpusTargets {
	urls: Record<string, string>;
	workflowIds: Record<string, string>;
	triggerName: string;
	/** The id an item of this node carries (eventId / tripId). */
	idOf: (item: Record<string, unknown>) => string;
	/** A valid delivery to send after each case; it must be accepted and run once. */
	valid: () => Step;
}

export interface CaseResult {
	name: string;
	category: string;
	problems: string[];
	/** n8n's own answers, printed so docs/answers.md's table can be checked against them. */
	notes?: string[];
}

function toAnswer(status: number, text: string): Answer {
	let parsed: unknown = text;
	try {
		parsed = text === '' ? undefined : JSON.parse(text);
	} catch {
		// not JSON: keep the text
	}
	return { status, text, body: parsed };
}

/** A chunked HTTP body, joined (sizes are in bytes; n8n's answers here are ASCII JSON). */
function dechunk(text: string): string {
	let rest = text;
	let out = '';
	for (;;) {
		const end = rest.indexOf('\r\n');
		const size = parseInt(rest.slice(0, end), 16);
		if (end === -1 || !(size > 0)) return out;
		out += rest.slice(end + 2, end + 2 + size);
		rest = rest.slice(end + 2 + size + 2);
	}
}

/**
 * A large body over a plain socket. n8n answers a body over its limit before reading all of
 * it; with `connection: close` it then closes a socket we are still writing to, and the reset
 * can destroy its answer before we read it. So the connection is kept alive and the answer is
 * taken as soon as it is complete (by its Content-Length), whatever becomes of the writes.
 */
function sendLarge(
	url: string,
	method: string,
	headers: Record<string, string | string[] | number>,
	payload: Buffer,
): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const { hostname, port, pathname, search } = new URL(url);
		const socket = net.connect(Number(port), hostname);
		let received = Buffer.alloc(0);
		let settled = false;
		const settle = (outcome: () => void) => {
			if (settled) return;
			settled = true;
			socket.destroy();
			outcome();
		};
		const tryParse = (atClose: boolean) => {
			const text = received.toString('latin1');
			const match = /^HTTP\/1\.[01] (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(text);
			if (!match) {
				if (atClose)
					settle(() =>
						reject(
							new Error(`no HTTP answer to ${method} ${url} (${received.length} bytes received)`),
						),
					);
				return;
			}
			const body = received.subarray(match[0].length);
			const length = /content-length:\s*(\d+)/i.exec(match[2]);
			if (length && body.length >= Number(length[1])) {
				settle(() =>
					resolve(toAnswer(Number(match[1]), body.subarray(0, Number(length[1])).toString('utf8'))),
				);
			} else if (atClose) {
				const text = body.toString('utf8');
				settle(() =>
					resolve(
						toAnswer(
							Number(match[1]),
							/transfer-encoding:\s*chunked/i.test(match[2]) ? dechunk(text) : text,
						),
					),
				);
			}
		};
		socket.on('data', (chunk: Buffer) => {
			received = Buffer.concat([received, chunk]);
			tryParse(false);
		});
		socket.on('error', () => tryParse(true)); // EPIPE/ECONNRESET once n8n has answered
		socket.on('close', () => tryParse(true));
		socket.setTimeout(60_000, () => settle(() => reject(new Error(`${method} ${url} timed out`))));
		const lines = [`${method} ${pathname}${search} HTTP/1.1`, `host: ${hostname}:${port}`];
		for (const [name, value] of Object.entries(headers))
			for (const line of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${line}`);
		socket.write(`${lines.join('\r\n')}\r\n\r\n`);
		socket.write(payload);
	});
}

/** One request, on its own connection, with full control of the headers sent. */
function send(url: string, request: SentRequest): Promise<Answer> {
	const { body } = request;
	const payload =
		body === undefined
			? undefined
			: typeof body === 'string' || Buffer.isBuffer(body)
				? body
				: JSON.stringify(body);
	const headers: Record<string, string | string[] | number> = { ...(request.headers ?? {}) };
	const contentType = request.contentType === undefined ? 'application/json' : request.contentType;
	if (contentType !== null) headers['content-type'] = contentType;
	if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload);
	if (payload !== undefined && Buffer.byteLength(payload) > 8 * 1024 * 1024) {
		return sendLarge(url, request.method ?? 'POST', headers, Buffer.from(payload));
	}
	return new Promise((resolve, reject) => {
		const req = http.request(
			url,
			{ method: request.method ?? 'POST', headers, agent: false, timeout: 60_000 },
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('end', () =>
					resolve(toAnswer(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))),
				);
				res.on('error', reject);
			},
		);
		req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
		req.on('error', reject);
		if (payload !== undefined) req.write(payload);
		req.end();
	});
}

/** Problems with `actual` against a partial `expected`: objects by key, RegExp by match. */
function mismatches(actual: unknown, expected: unknown, path = 'body'): string[] {
	if (expected instanceof RegExp) {
		return typeof actual === 'string' && expected.test(actual)
			? []
			: [`${path}: ${JSON.stringify(actual)} does not match ${expected}`];
	}
	if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
		if (actual === null || typeof actual !== 'object')
			return [`${path}: expected an object, got ${JSON.stringify(actual)?.slice(0, 200)}`];
		return Object.entries(expected).flatMap(([key, value]) =>
			mismatches((actual as Record<string, unknown>)[key], value, `${path}.${key}`),
		);
	}
	if (Array.isArray(expected)) {
		if (!Array.isArray(actual) || actual.length !== expected.length)
			return [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
		return expected.flatMap((value, i) => mismatches(actual[i], value, `${path}[${i}]`));
	}
	return Object.is(actual, expected)
		? []
		: [
				`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)?.slice(0, 200)}`,
			];
}

/** A fresh id, registered as belonging to a case. */
export class IdBook {
	private readonly owners = new Map<string, string>();
	id(caseName: string, make: () => string = randomUUID): string {
		const id = make();
		this.owners.set(id, caseName);
		return id;
	}
	claim(id: string, caseName: string): string {
		this.owners.set(id, caseName);
		return id;
	}
	/** Also finds a variant a case sent of its id (another case, spaces around it). */
	ownerOf(id: string): string | undefined {
		return this.owners.get(id) ?? this.owners.get(id.trim().toLowerCase());
	}
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs every case (answers checked at once), then checks all executions of the batch.
 * Returns one result per case, plus a pseudo-case for executions no case can be blamed for.
 */
export async function runCorpus(
	n8n: N8n,
	cases: CorpusCase[],
	targets: CorpusTargets,
	book: IdBook,
): Promise<CaseResult[]> {
	const results = new Map<string, CaseResult>();
	const expectedRuns: Array<{ caseName: string; ids: string[]; items?: Step['items'] }> = [];
	const before = new Map<string, Set<string>>();
	for (const [name, workflowId] of Object.entries(targets.workflowIds)) {
		before.set(
			name,
			new Set(
				(await n8n.listExecutions(workflowId, { includeData: false })).map(
					(execution) => execution.id,
				),
			),
		);
	}

	const runStep = async (caseName: string, step: Step, problems: string[], label: string) => {
		let answer: Answer;
		try {
			answer = await send(
				targets.urls[step.target],
				typeof step.request === 'function' ? step.request() : step.request,
			);
		} catch (error) {
			problems.push(`${label}: request failed: ${(error as Error).message}`);
			return;
		}
		const wrong: string[] = [];
		if (answer.status !== step.expect.status)
			wrong.push(`status ${answer.status}, expected ${step.expect.status}`);
		if (step.expect.body !== undefined) wrong.push(...mismatches(answer.body, step.expect.body));
		const extra = step.expect.check?.(answer);
		if (extra) wrong.push(extra);
		if (wrong.length > 0)
			problems.push(`${label}: ${wrong.join('; ')} (answer: ${answer.text.slice(0, 300)})`);
		if (step.note) step.note.push(`${answer.status} ${answer.text.slice(0, 200)}`);
		if (step.runs.length > 0) expectedRuns.push({ caseName, ids: step.runs, items: step.items });
	};

	for (const corpusCase of cases) {
		const problems: string[] = [];
		const notes: string[] = [];
		results.set(corpusCase.name, {
			name: corpusCase.name,
			category: corpusCase.category,
			problems,
			notes,
		});
		for (const [i, step] of corpusCase.steps.entries()) {
			await runStep(
				corpusCase.name,
				corpusCase.category === 'n8n' ? { ...step, note: notes } : step,
				problems,
				`step ${i + 1}`,
			);
		}
		// n8n and the node still work right after it.
		const valid = targets.valid();
		for (const id of valid.runs) book.claim(id, corpusCase.name);
		await runStep(corpusCase.name, valid, problems, 'valid delivery after');
	}

	// All executions of the batch, checked together: wait until the expected ones exist and
	// have finished, then once more for anything a refusal might have started.
	const collect = async (includeData: boolean): Promise<Execution[]> => {
		const all: Execution[] = [];
		for (const [name, workflowId] of Object.entries(targets.workflowIds)) {
			const seen = before.get(name) as Set<string>;
			all.push(
				...(await n8n.listExecutions(workflowId, { includeData })).filter(
					(execution) => !seen.has(execution.id),
				),
			);
		}
		return all;
	};
	// Polled without data (some carry megabytes), read with data once at the end.
	const deadline = Date.now() + 90_000;
	let executions = await collect(false);
	while (
		Date.now() < deadline &&
		(executions.length < expectedRuns.length ||
			executions.some((e) => !e.stoppedAt || e.status === 'running'))
	) {
		await sleep(500);
		executions = await collect(false);
	}
	await sleep(SETTLE_MS);
	executions = await collect(true);

	const unmatched = [...expectedRuns];
	const problemsOf = (caseName: string | undefined) => {
		if (caseName && results.has(caseName)) return (results.get(caseName) as CaseResult).problems;
		const key = '(executions no case can be blamed for)';
		if (!results.has(key)) results.set(key, { name: key, category: 'corpus', problems: [] });
		return (results.get(key) as CaseResult).problems;
	};
	for (const execution of executions) {
		let items: Array<Record<string, unknown>>;
		try {
			items = nodeOutputItems(execution, targets.triggerName) as Array<Record<string, unknown>>;
		} catch (error) {
			problemsOf(undefined).push(
				`execution ${execution.id} (${execution.status}): ${(error as Error).message}`,
			);
			continue;
		}
		const ids = items.map(targets.idOf).sort();
		const owner = ids.map((id) => book.ownerOf(id)).find((name) => name !== undefined);
		if (execution.status !== 'success')
			problemsOf(owner).push(`execution ${execution.id} ended ${execution.status}`);
		const index = unmatched.findIndex(
			(run) => JSON.stringify([...run.ids].sort()) === JSON.stringify(ids),
		);
		if (index === -1) {
			problemsOf(owner).push(
				`unexpected execution ${execution.id} with ${JSON.stringify(ids).slice(0, 200)}`,
			);
			continue;
		}
		const [run] = unmatched.splice(index, 1);
		const itemProblem = run.items?.(items);
		if (itemProblem) problemsOf(run.caseName).push(`items: ${itemProblem}`);
	}
	for (const run of unmatched)
		problemsOf(run.caseName).push(`no execution with ${JSON.stringify(run.ids).slice(0, 200)}`);
	return [...results.values()];
}

/** The line the issue asks for, and the failures in a form a person can act on. */
export function report(
	title: string,
	results: CaseResult[],
): { passed: number; failed: number; text: string } {
	const failed = results.filter((result) => result.problems.length > 0);
	const passed = results.length - failed.length;
	const byCategory = new Map<string, number>();
	for (const result of results)
		byCategory.set(result.category, (byCategory.get(result.category) ?? 0) + 1);
	const lines = [
		`${title}: ${results.length} cases (${[...byCategory].map(([category, count]) => `${category} ${count}`).join(', ')})`,
		...results
			.filter((result) => result.notes?.length)
			.map((result) => `  ${result.name}: n8n answered ${result.notes?.join(' | ')}`),
		...failed.map((result) => `  FAILED ${result.name}\n    ${result.problems.join('\n    ')}`),
		`${title}: ${passed} passed, ${failed.length} failed`,
	];
	return { passed, failed: failed.length, text: lines.join('\n') };
}
