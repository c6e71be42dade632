/**
 * The n8n side of a delivery: where a node's memory lives in n8n, how a verdict becomes n8n's
 * answer, and the run's own answer. Shared by both trigger nodes; the only module besides the
 * node files that touches n8n's request, response and contexts.
 */
import { randomUUID } from 'crypto';
import {
	type IDataObject,
	type IExecuteFunctions,
	type IExecuteResponsePromiseData,
	type INodeExecutionData,
	type IWebhookDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import {
	directAnswer,
	runAnswer,
	SAMPLE_NOT_ON_PRODUCTION,
	statusOf,
	type Verdict,
} from './answers';
import { displayAddress } from './allowlist';
import { computedWebhookFields } from './computed-webhook-fields';
import type { InvalidDeliveryReport } from './invalid-deliveries';
import {
	type Delivery,
	type MemoryLayout,
	type MemoryPlace,
	takeSharedMemoryNotice,
} from './memory/node-memory';
import { judgeDelivery, type Receiver } from './pipeline';
import { describeRefusal, refusalLog } from './refusal-log';
import type { IncomingRequest } from './request';
import { type Fresh, runSample, type SampleChoice } from './sample';

/** This node in this workflow: what its memory and its refusal log lines are kept by. */
function nodeScope(context: IWebhookFunctions): string {
	return `${context.getWorkflow().id ?? 'unsaved'}:${context.getNode().id}`;
}

/** Memory is kept per node; test deliveries (to the Test URL) get their own. */
function memoryPlaceOf(context: IWebhookFunctions): MemoryPlace {
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

/** A twin delivery in flight is waited for at most this many times before answering 503. */
const MAX_TWIN_WAITS = 3;

/**
 * Judges an admitted delivery and answers the verdict. Refusals, drops and 503 are written
 * here and start nothing. An accepted delivery is handed to n8n with the items and answered
 * from inside its run (responseMode 'responseNode' + the node's execute()), so a 200 means
 * that the run exists; until then its twin deliveries wait rather than being dropped.
 */
export async function answerDelivery<Event, Candidate, Layout extends MemoryLayout>(
	context: IWebhookFunctions,
	request: IncomingRequest,
	receiver: Receiver<Event, Candidate, Layout>,
	report?: InvalidDeliveryReport,
): Promise<IWebhookResponseData> {
	const place = memoryPlaceOf(context);
	const decide = () => judgeDelivery(request, receiver, place, Date.now(), report);
	let verdict = decide();
	reportSharedMemory(context, place);
	for (let waits = 0; verdict.outcome === 'twin in flight' && waits < MAX_TWIN_WAITS; waits++) {
		await verdict.settled;
		verdict = decide();
	}
	return answerVerdict(context, verdict);
}

/** Answers a verdict as it stands (a twin still in flight after the waits gets a 503). */
export function answerVerdict(context: IWebhookFunctions, verdict: Verdict): IWebhookResponseData {
	if (verdict.outcome === 'accepted') {
		settleWhenAnswered(context, verdict.delivery, statusOf(verdict));
		return { workflowData: [context.helpers.returnJsonArray(verdict.items)] };
	}
	if (verdict.outcome === 'reported') {
		logRefusal(context, statusOf(verdict), verdict.refusal.body, 'warn');
		settleWhenAnswered(context, verdict.delivery, statusOf(verdict));
		// n8n runs the first node only when its first input has an item: an empty one goes
		// there, execute() drops it (the report is on the second input, see answerFromRun).
		return { workflowData: [[{ json: {} }], context.helpers.returnJsonArray(verdict.items)] };
	}
	const answer = directAnswer(verdict);
	if (verdict.outcome === 'refused')
		logRefusal(
			context,
			answer.status,
			answer.body,
			verdict.reason === 'misconfigured' ? 'error' : 'warn',
		);
	const response = context.getResponseObject();
	for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
	response.status(answer.status).json(answer.body);
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
 * run sends (see answerFromRun; n8n's own failures are 500), released on anything else or when
 * the client goes away unanswered. `end` is wrapped rather than listened to because n8n saves
 * static data right after calling it (webhook-helpers.ts `setupResponseNodePromise`, on 1.x and
 * 2.x): the memory written in `confirm` is saved by that same request. Waiting for 'finish'
 * would be too late, and on n8n 2.x the write made inside `webhook()` is not saved at all
 * (WorkflowRunner.run() resets the static-data change flag before n8n answers).
 */
function settleWhenAnswered(
	context: IWebhookFunctions,
	delivery: Delivery,
	runAnswers: number,
): void {
	const response = context.getResponseObject() as unknown as AnsweredResponse;
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

/** One log line per node and reason a minute (see refusal-log.ts). */
function logRefusal(
	context: IWebhookFunctions,
	status: number,
	body: IDataObject,
	level: 'warn' | 'error',
): void {
	const due = refusalLog.take(`${nodeScope(context)}|${status} ${String(body.error)}`, Date.now());
	if (!due) return;
	const request = context.getRequestObject();
	const line = describeRefusal(
		{
			node: context.getNode().name,
			status,
			body,
			address: displayAddress(request.ip ?? request.socket?.remoteAddress),
		},
		due.unsaid,
	);
	context.logger[level](line);
}

/**
 * A webhook the provider delivers to, answered from the node's own run: n8n waits for the run
 * to call sendResponse (answerFromRun), so a 200 means that the run exists. `fields` may carry
 * what n8n 2.x reads instead of an expression (computedWebhookFields); they are kept as given.
 */
export function deliveryWebhook(
	fields: Partial<Pick<IWebhookDescription, 'path' | 'httpMethod' | 'ndvHideUrl'>>,
): IWebhookDescription {
	return { name: 'default', httpMethod: 'POST', responseMode: 'responseNode', path: '', ...fields };
}

/** The sample webhook's name (n8n types webhook names as 'default' or 'setup'). */
const SAMPLE_WEBHOOK = 'setup';

/**
 * GET <url>/sample (see sample.ts), in the node versions whose panel explains it: their
 * parameters hold the `sampleNotice` notice (descriptions.ts sampleNotice), earlier versions'
 * do not, so saved workflows of those register exactly the webhooks they had.
 */
export function sampleWebhook(): IWebhookDescription {
	return {
		name: SAMPLE_WEBHOOK,
		httpMethod: '',
		responseMode: 'onReceived',
		path: 'sample',
		...computedWebhookFields({
			activeWhen: {
				method: 'GET',
				isActive: (parameters) => parameters.sampleNotice !== undefined,
			},
		}),
	};
}

export function isSampleRequest(context: IWebhookFunctions): boolean {
	return context.getWebhookName() === SAMPLE_WEBHOOK;
}

/**
 * Answers GET <url>/sample. On the Test URL: `choose` picks the body from the query and the
 * node's settings, the receiver judges it as a delivery, and its items start the test run
 * while the browser tab gets a page. On the Production URL, where n8n registers it as well:
 * 404 and nothing runs.
 */
export function answerSample<Event, Candidate, Layout extends MemoryLayout>(
	context: IWebhookFunctions,
	receiver: Receiver<Event, Candidate, Layout>,
	choose: (query: IDataObject, fresh: Fresh) => SampleChoice,
): IWebhookResponseData {
	const response = context.getResponseObject();
	if (context.getMode() !== 'manual') {
		response.status(SAMPLE_NOT_ON_PRODUCTION.status).json(SAMPLE_NOT_ON_PRODUCTION.body);
		return { noWebhookResponse: true };
	}
	const now = Date.now();
	const query = (context.getRequestObject().query ?? {}) as IDataObject;
	const outcome = runSample(
		choose(query, { now, newId: randomUUID }),
		receiver,
		{ scope: `${nodeScope(context)}:sample`, newRevision: randomUUID },
		{ now, nodeName: context.getNode().name },
	);
	response.status(outcome.status);
	response.setHeader('content-type', 'text/html; charset=utf-8');
	response.end(outcome.page);
	if (!outcome.items) return { noWebhookResponse: true };
	return {
		noWebhookResponse: true,
		workflowData: [context.helpers.returnJsonArray(outcome.items)],
	};
}

/**
 * The node's execute(): n8n runs it first in every run the node started (before its
 * pass-through of webhook data; workflow-execute.ts runNode). It answers the waiting request
 * through n8n's responseNode path, which works in queue mode too (the worker relays it), then
 * passes the items on unchanged; a reported invalid delivery is answered 400 and passed on the
 * second output.
 */
export async function answerFromRun(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	// A second input only ever comes from a reported invalid delivery (answerVerdict): no
	// setting to read on an accepted run. The sender still gets its 400, and nothing goes out
	// on the first output.
	const invalid = secondInput(context);
	const report = invalid[0]?.json;
	if (report) {
		await context.sendResponse(jsonAnswer(runAnswer({ reported: report })));
		return [[], invalid];
	}
	const items = context.getInputData();
	await context.sendResponse(jsonAnswer(runAnswer({ accepted: items.length })));
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
 * 200 goes as a Buffer, which n8n writes as is on 1.x and 2.x (setupResponseNodePromise). Any
 * other status goes as an object: n8n 1.x's Buffer branch sets no status (the sender would
 * read 200), its object branch does, as 2.x's does.
 */
function jsonAnswer({
	status,
	body,
}: {
	status: number;
	body: IDataObject;
}): IExecuteResponsePromiseData {
	const headers = { 'content-type': 'application/json; charset=utf-8' };
	if (status !== 200) return { body, headers, statusCode: status };
	return { body: Buffer.from(JSON.stringify(body)), headers, statusCode: status };
}
