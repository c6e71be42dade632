/**
 * The thin layer between n8n's webhook context and the pipeline: read the request as n8n
 * resolved it, and turn a verdict into n8n's answer. Shared by both trigger nodes.
 */
import { randomUUID } from 'crypto';
import {
	type IWebhookDescription,
	type IDataObject,
	type IExecuteFunctions,
	type IExecuteResponsePromiseData,
	type INodeExecutionData,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { type Delivery, type MemoryLayout, takeSharedMemoryNotice } from './dedupe';
import { displayAddress } from './allowlist';
import { describeRefusal, refusalLog } from './refusal-log';
import type { InvalidDeliveryReport } from './invalid-deliveries';
import { readBodyNotReadByN8n } from './raw-body';
import {
	RETRY_AFTER_SECONDS,
	receive,
	type GuardSettings,
	type Receiver,
	type MemoryPlace,
	type IncomingRequest,
	type Verdict,
} from './receive';

/**
 * n8n parses JSON bodies only when the content type says JSON. Captain.AI does not document
 * its content type, so a body that reached us as text or only as raw bytes is parsed here.
 */
export function decodeBody(body: unknown, rawBody: unknown): unknown {
	const isEmptyObject =
		body !== null &&
		typeof body === 'object' &&
		!Array.isArray(body) &&
		Object.keys(body).length === 0;
	let text: string | undefined;
	if (typeof body === 'string') text = body;
	else if (
		(body === undefined || isEmptyObject) &&
		rawBody instanceof Uint8Array &&
		rawBody.length > 0
	) {
		text = new TextDecoder().decode(rawBody);
	}
	if (text === undefined) return body;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text; // not JSON: the schema step answers 400
	}
}

function rawBodyOf(request: object): Uint8Array | undefined {
	const rawBody = (request as { rawBody?: unknown }).rawBody;
	return rawBody instanceof Uint8Array ? rawBody : undefined;
}

export function readIncomingRequest(context: IWebhookFunctions): IncomingRequest {
	const request = context.getRequestObject();
	return {
		// Express's req.ip: the socket's peer, or the X-Forwarded-For hop that n8n was told to
		// trust with N8N_PROXY_HOPS. Never the raw header.
		clientAddress: request.ip ?? request.socket?.remoteAddress,
		proxyTrusted: Array.isArray(request.ips) && request.ips.length > 0,
		headers: request.headers,
		rawHeaders: Array.isArray(request.rawHeaders) ? request.rawHeaders : undefined,
		body: decodeBody(request.body, rawBodyOf(request)),
		rawBody: rawBodyOf(request),
	};
}

/** This node in this workflow: what its memory and its refusal log lines are kept by. */
function nodeScope(context: IWebhookFunctions): string {
	return `${context.getWorkflow().id ?? 'unsaved'}:${context.getNode().id}`;
}

/** Memory is kept per node; test deliveries (to the Test URL) get their own. */
export function memoryPlaceOf(context: IWebhookFunctions): MemoryPlace {
	const isTest = context.getMode() === 'manual';
	return {
		scope: `${nodeScope(context)}:${isTest ? 'test' : 'production'}`,
		// n8n saves static data after production requests only, so test memory stays in-process.
		staticData: isTest
			? undefined
			: (context.getWorkflowStaticData('node') as Record<string, unknown>),
		newRevision: randomUUID,
	};
}

function answerJson(
	context: IWebhookFunctions,
	status: number,
	body: IDataObject,
	headers: Record<string, string> = {},
): IWebhookResponseData {
	const response = context.getResponseObject();
	for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
	response.status(status).json(body);
	return { noWebhookResponse: true };
}

/** The parts of n8n's (Express) response that tell when and how a request was answered. */
interface AnsweredResponse {
	statusCode: number;
	end: (...args: unknown[]) => unknown;
	once(event: 'close', listener: () => void): unknown;
}

/**
 * Settles an accepted delivery when n8n answers its request: confirmed on the status our own
 * run sends (200, or 400 for a reported invalid delivery; see answerFromRun; n8n's own
 * failures are 500), released on anything else or when the client goes
 * away unanswered. `end` is wrapped rather than listened to because n8n saves static data
 * right after calling it (webhook-helpers.ts `setupResponseNodePromise`, on 1.x and 2.x):
 * the memory written in `confirm` is saved by that same request. Waiting for 'finish' would
 * be too late, and on n8n 2.x the write made inside `webhook()` is not saved at all
 * (WorkflowRunner.run() resets the static-data change flag before n8n answers).
 */
function settleWhenAnswered(
	response: AnsweredResponse,
	delivery: Delivery,
	runAnswers: 200 | 400 = 200,
): void {
	const end = response.end;
	let answered = false;
	response.end = function endAndSettle(this: unknown, ...args: unknown[]) {
		if (!answered) {
			answered = true;
			if (response.statusCode === runAnswers) delivery.confirm(Date.now());
			else delivery.release();
		}
		return end.apply(this, args);
	};
	response.once('close', () => {
		if (answered) return;
		answered = true;
		delivery.release();
	});
}

/** One warning an hour per node when webhook processes share its deliveries (queue mode). */
function reportSharedMemory(context: IWebhookFunctions, place: MemoryPlace): void {
	if (!place.staticData || !takeSharedMemoryNotice(place.scope, Date.now())) return;
	const path = context.getNodeWebhookUrl('default') ?? context.getNode().name;
	context.logger.warn(
		`${context.getNode().name}: another n8n webhook process also answers ${path}, so deliveries of one event can reach both ` +
			'and dedupe there is best-effort. Route each webhook URL to one webhook process (see "Queue mode" in the README of n8n-nodes-captain-arrive).',
	);
}

/** A twin delivery in flight is waited for at most this many times before answering 503. */
const MAX_TWIN_WAITS = 3;

/**
 * Runs `decide` (the pipeline) and answers its verdict. Refusals, drops and 503 are written
 * here and start nothing. An accepted delivery is handed to n8n with the items and answered
 * from inside its run (responseMode 'responseNode' + the node's execute()), so a 200 means
 * that the run exists; until then its twin deliveries wait rather than being dropped.
 */
export async function answerWebhook(
	context: IWebhookFunctions,
	place: MemoryPlace,
	decide: () => Verdict,
): Promise<IWebhookResponseData> {
	let verdict = decide();
	reportSharedMemory(context, place);
	for (let waits = 0; verdict.outcome === 'in-flight' && waits < MAX_TWIN_WAITS; waits++) {
		await verdict.settled;
		verdict = decide();
	}
	return answerVerdict(context, verdict);
}

/** The request as the pipeline reads it, with any bytes n8n left unread (raw-body.ts). */
export async function readDelivery(context: IWebhookFunctions): Promise<IncomingRequest> {
	await readBodyNotReadByN8n(context);
	return readIncomingRequest(context);
}

/** A node's webhook() after its settings are read: the pipeline judges, the verdict is answered. */
export async function answerDelivery<Event, Candidate, Layout extends MemoryLayout>(
	context: IWebhookFunctions,
	request: IncomingRequest,
	guard: GuardSettings,
	receiver: Receiver<Event, Candidate, Layout>,
	report?: InvalidDeliveryReport,
): Promise<IWebhookResponseData> {
	const place = memoryPlaceOf(context);
	return await answerWebhook(context, place, () =>
		receive(request, guard, receiver, place, Date.now(), report),
	);
}

/** Answers a verdict as it stands (a twin still in flight after the waits gets a 503). */
export function answerVerdict(context: IWebhookFunctions, verdict: Verdict): IWebhookResponseData {
	switch (verdict.outcome) {
		case 'accepted':
			settleWhenAnswered(
				context.getResponseObject() as unknown as AnsweredResponse,
				verdict.delivery,
			);
			return { workflowData: [context.helpers.returnJsonArray(verdict.items)] };
		case 'reported':
			logRefusal(context, verdict);
			settleWhenAnswered(
				context.getResponseObject() as unknown as AnsweredResponse,
				verdict.delivery,
				400,
			);
			// n8n runs the first node only when its first input has an item: an empty one goes
			// there, execute() drops it (the report is on the second input, see answerFromRun).
			return {
				workflowData: [[{ json: {} }], context.helpers.returnJsonArray(verdict.items)],
			};
		case 'in-flight':
			return answerJson(
				context,
				503,
				{ error: 'busy', detail: 'the same delivery is still being started' },
				{ 'Retry-After': String(RETRY_AFTER_SECONDS) },
			);
		case 'busy':
			return answerJson(context, verdict.status, verdict.body, {
				'Retry-After': String(verdict.retryAfterSeconds),
			});
		case 'refused':
		case 'misconfigured':
			logRefusal(context, verdict);
			return answerJson(context, verdict.status, verdict.body);
		default:
			return answerJson(context, verdict.status, verdict.body);
	}
}

/** One log line per node and reason a minute (see refusal-log.ts). */
function logRefusal(
	context: IWebhookFunctions,
	verdict: Extract<Verdict, { outcome: 'refused' | 'misconfigured' | 'reported' }>,
): void {
	const node = context.getNode();
	const reason = `${verdict.status} ${String(verdict.body.error)}`;
	const due = refusalLog.take(`${nodeScope(context)}|${reason}`, Date.now());
	if (!due) return;
	const request = context.getRequestObject();
	const line = describeRefusal(
		{
			node: node.name,
			status: verdict.status,
			body: verdict.body,
			address: displayAddress(request.ip ?? request.socket?.remoteAddress),
		},
		due.unsaid,
	);
	if (verdict.outcome === 'misconfigured') context.logger.error(line);
	else context.logger.warn(line);
}

/**
 * The one webhook of a trigger answered from its own run: n8n waits for the run to call
 * sendResponse (answerFromRun), so a 200 means that the run exists. `path` may carry fields
 * n8n 2.x reads instead of an expression (computedWebhookPath); they are kept as given.
 */
export function deliveryWebhook(path: Pick<IWebhookDescription, 'path'>): IWebhookDescription {
	return { name: 'default', httpMethod: 'POST', responseMode: 'responseNode', ...path };
}

/**
 * The node's execute(): n8n runs it first in every run the node started (before its
 * pass-through of webhook data; workflow-execute.ts runNode). It answers the waiting request
 * with 200 through n8n's responseNode path, which works in queue mode too (the worker relays
 * it), then passes the items on unchanged; a reported invalid delivery is answered 400 and
 * passed on the second output (see jsonAnswer for how each answer is written).
 */
export async function answerFromRun(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	// A second input only ever comes from a reported invalid delivery (answerVerdict): no
	// setting to read on an accepted run. The sender still gets its 400, and nothing goes out
	// on the first output.
	const invalid = secondInput(context);
	const reason = invalid[0]?.json;
	if (reason) {
		await context.sendResponse(
			jsonAnswer(400, { error: reason.error, field: reason.field, problem: reason.problem }),
		);
		return [[], invalid];
	}
	const items = context.getInputData();
	await context.sendResponse(jsonAnswer(200, { status: 'accepted', items: items.length }));
	return [items];
}

/** The run's second input: [] for an accepted delivery, which has only the first. */
function secondInput(context: IExecuteFunctions): INodeExecutionData[] {
	try {
		return context.getInputData(1) ?? [];
	} catch {
		return [];
	}
}

/**
 * The run's answer. 200 goes as a Buffer, which n8n writes as is on 1.x and 2.x
 * (setupResponseNodePromise). Any other status goes as an object: n8n 1.x's Buffer branch
 * sets no status (the sender would read 200), its object branch does, as 2.x's does.
 */
function jsonAnswer(statusCode: number, body: IDataObject): IExecuteResponsePromiseData {
	const headers = { 'content-type': 'application/json; charset=utf-8' };
	if (statusCode !== 200) return { body, headers, statusCode };
	return { body: Buffer.from(JSON.stringify(body)), headers, statusCode };
}
