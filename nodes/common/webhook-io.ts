/**
 * The n8n side of a delivery: where a node's memory lives in n8n, how a verdict becomes n8n's
 * answer, and the run's own answer. Shared by both trigger nodes; the only module besides the
 * node files that touches n8n's request, response and contexts.
 */
import { randomUUID } from 'crypto';
import {
	sleep,
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
import {
	type ComputedWebhook,
	computedWebhookFields,
	type ParameterFunction,
} from './computed-webhook-fields';
import { isJsonObject } from './json';
import {
	type Delivery,
	type HandOff,
	type MemoryLayout,
	type MemoryPlace,
	recordRunStart,
	takeSharedMemoryNotice,
} from './memory/node-memory';
import {
	type AnswerWhen,
	type DeliveryRules,
	judgeDelivery,
	possibleRepeat,
	type Receiver,
	type RepeatPolicy,
} from './pipeline';
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

/** A twin delivery in flight is waited for at most this many times before answering 503… */
const MAX_TWIN_WAITS = 3;
/** …and each time at most this long: a run can wait for its start behind others. */
const TWIN_WAIT_MS = 5_000;

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
	rules: DeliveryRules,
): Promise<IWebhookResponseData> {
	const place = memoryPlaceOf(context);
	const decide = () => judgeDelivery(request, receiver, place, Date.now(), rules);
	let verdict = decide();
	reportSharedMemory(context, place);
	for (let waits = 0; verdict.outcome === 'twin in flight' && waits < MAX_TWIN_WAITS; waits++) {
		await waitAtMost(verdict.settled, TWIN_WAIT_MS);
		verdict = decide();
	}
	return answerVerdict(context, verdict, rules);
}

/** Waits for `settled`, or `ms`, whichever comes first (n8n 2.x's sleep stops its timer then). */
async function waitAtMost(settled: Promise<void>, ms: number): Promise<void> {
	const stop = new AbortController();
	try {
		await Promise.race([settled, sleep(ms, stop.signal).catch(() => undefined)]);
	} finally {
		stop.abort();
	}
}

/** Answers a verdict as it stands (a twin still in flight after the waits gets a 503). */
export function answerVerdict(
	context: IWebhookFunctions,
	verdict: Verdict,
	rules?: Pick<DeliveryRules, 'answerWhen' | 'repeats'>,
): IWebhookResponseData {
	if (verdict.outcome === 'accepted' && rules) {
		// The run's Buffer answer is saved after; n8n's own answer at the run's end is not.
		const savedAfter = rules.answerWhen === 'runStarts';
		settleWhenAnswered(context, verdict.delivery, statusOf(verdict), savedAfter);
		const items = withTicket(verdict.items, verdict.delivery, rules);
		return { workflowData: [context.helpers.returnJsonArray(items)] };
	}
	if (verdict.outcome === 'reported' && rules) {
		logRefusal(context, statusOf(verdict), verdict.refusal.body, 'warn');
		// n8n runs the first node only when its first input has an item: an empty one goes
		// there, execute() drops it (the report is on the second input, see answerFromRun).
		const report = context.helpers.returnJsonArray(
			withTicket(verdict.items, verdict.delivery, rules),
		);
		if (rules.answerWhen === 'runFinishes') {
			// n8n answers such a run from its end, with 200; the sender must read its 400 now.
			const answer = runAnswer({ reported: verdict.refusal.body });
			context.getResponseObject().status(answer.status).json(answer.body);
			verdict.delivery.confirm(Date.now(), false);
			return { noWebhookResponse: true, workflowData: [[{ json: {} }], report] };
		}
		// A 400 goes as an object body, which n8n writes after it saved static data.
		settleWhenAnswered(context, verdict.delivery, statusOf(verdict), false);
		return { workflowData: [[{ json: {} }], report] };
	}
	if (verdict.outcome === 'accepted' || verdict.outcome === 'reported')
		throw new Error('an accepted delivery is answered with the rules it was judged by');
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
 * Settles an accepted delivery when n8n answers its request: confirmed on the status the run
 * answers (see answerFromRun; n8n's own failures are 500), released on anything else. A client
 * that went away changes nothing: n8n still starts the run and still calls `end` with its
 * outcome (1.x and 2.x), so until then the delivery stays in flight and a resend waits for it
 * rather than starting a second run. `end` is wrapped rather than listened to because n8n
 * saves static data right after calling it (webhook-helpers.ts `setupResponseNodePromise`):
 * the memory written in `confirm` is saved by that same request. Waiting for 'finish' would be
 * too late, and on n8n 2.x the write made inside `webhook()` is not saved at all
 * (WorkflowRunner.run() resets the static-data change flag before n8n answers).
 */
function settleWhenAnswered(
	context: IWebhookFunctions,
	delivery: Delivery,
	runAnswers: number,
	savedAfterTheAnswer: boolean,
): void {
	const response = context.getResponseObject() as unknown as AnsweredResponse;
	const end = response.end;
	let answered = false;
	response.end = function endAndSettle(this: unknown, ...args: unknown[]) {
		if (!answered) {
			answered = true;
			if (response.statusCode === runAnswers) delivery.confirm(Date.now(), savedAfterTheAnswer);
			else delivery.release();
		}
		return end.apply(this, args);
	};
}

/**
 * What a delivery's run needs to know, carried on its first item (n8n stores the items with
 * the execution, so a run started at boot or on a worker has it too); execute() takes it off
 * before anything downstream sees the items.
 */
interface RunTicket {
	handOff: HandOff;
	answerWhen: AnswerWhen;
	repeats: RepeatPolicy;
}

const TICKET_FIELD = '__captainArriveRun';

function withTicket(
	items: IDataObject[],
	delivery: Delivery,
	rules: Pick<DeliveryRules, 'answerWhen' | 'repeats'>,
): IDataObject[] {
	const ticket: RunTicket = {
		handOff: delivery.handOff(),
		answerWhen: rules.answerWhen,
		repeats: rules.repeats,
	};
	return items.map((item, index) =>
		index === 0 ? { ...item, [TICKET_FIELD]: ticket as unknown as IDataObject } : item,
	);
}

/** The run's ticket, taken off every item it is on. */
function takeTicket(...inputs: INodeExecutionData[][]): RunTicket | undefined {
	let ticket: RunTicket | undefined;
	for (const items of inputs)
		for (const item of items) {
			if (!isJsonObject(item.json) || !(TICKET_FIELD in item.json)) continue;
			ticket ??= item.json[TICKET_FIELD] as unknown as RunTicket;
			delete item.json[TICKET_FIELD];
		}
	return ticket;
}

/** One warning an hour per node when webhook processes share its deliveries (queue mode). */
function reportSharedMemory(context: IWebhookFunctions, place: MemoryPlace): void {
	if (!place.staticData || !takeSharedMemoryNotice(place.scope, Date.now())) return;
	const path = context.getNodeWebhookUrl('default') ?? context.getNode().name;
	context.logger.warn(
		`${context.getNode().name}: another n8n webhook process also answers ${path}, so deliveries of one event can reach both ` +
			'and dedupe there is best-effort. Route each webhook URL to one webhook process (see docs/queue-mode.md of n8n-nodes-captain-arrive).',
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
/**
 * Which of n8n's answers the node's webhook gets: from the node's own run when it starts
 * (answerFromRun), or n8n's answer once the whole run has finished ("When Last Node
 * Finishes"; with no data: the provider reads only the status, never the workflow's output).
 */
const responseModeOf: ParameterFunction<string> = (parameters) =>
	((parameters.options || {}) as { answerWhen?: string }).answerWhen === 'runFinishes'
		? 'lastNode'
		: 'responseNode';

/**
 * A webhook the provider delivers to: POST, answered from the node's own run (n8n waits for the
 * run to call sendResponse, answerFromRun, so a 200 means that the run exists) or once the run
 * has finished, as the node's Options say. Path literal or computed; `activeWhen` as in
 * computedWebhookFields.
 */
export function deliveryWebhook({
	path,
	activeWhen,
}: {
	path: string | ParameterFunction<string>;
	activeWhen?: ComputedWebhook['activeWhen'];
}): IWebhookDescription {
	const computed = computedWebhookFields({
		path: typeof path === 'function' ? path : undefined,
		responseMode: responseModeOf,
		activeWhen,
	});
	return {
		name: 'default',
		httpMethod: 'POST',
		responseData: 'noData',
		path: typeof path === 'string' ? path : '',
		...computed,
	};
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
 * pass-through of webhook data; workflow-execute.ts runNode), wherever the run starts: here,
 * at boot after a crash, or on a queue-mode worker. It records the run in the node's memory
 * (see recordRunStart: a run started elsewhere makes the provider's resend a duplicate here,
 * or is itself marked as a possible repeat), answers the waiting request when the answer goes
 * at the run's start (through n8n's responseNode path, which a worker relays), and passes the
 * items on; a reported invalid delivery is answered 400 and passed on the second output.
 */
export async function answerFromRun(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	// A second input only ever comes from a reported invalid delivery (answerVerdict).
	let items = context.getInputData();
	let invalid = secondInput(context);
	const ticket = takeTicket(items, invalid);
	if (ticket) {
		const onRunEnd = context.onExecutionFinish
			? (handler: () => void) => context.onExecutionFinish!(handler)
			: undefined;
		const run = recordRunStart(ticket.handOff, Date.now(), onRunEnd);
		if (run === 'possible repeat') {
			if (ticket.repeats === 'skip') items = invalid = [];
			else {
				const marked = (item: INodeExecutionData) => ({
					...item,
					json: { ...item.json, ...possibleRepeat(ticket.handOff.acceptedAt) },
				});
				items = items.map(marked);
				invalid = invalid.map(marked);
			}
		}
	}
	const answersNow = ticket?.answerWhen !== 'runFinishes';
	const report = invalid[0]?.json;
	if (report) {
		if (answersNow) await context.sendResponse(jsonAnswer(runAnswer({ reported: report })));
		return [[], invalid];
	}
	if (answersNow) await context.sendResponse(jsonAnswer(runAnswer({ accepted: items.length })));
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
