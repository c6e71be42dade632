/**
 * The thin layer between n8n's webhook context and the pipeline: read the request as n8n
 * resolved it, and turn a verdict into n8n's answer. Shared by both trigger nodes.
 */
import { randomUUID } from 'crypto';
import { NodeOperationError, type IDataObject, type IHookFunctions, type IWebhookFunctions, type IWebhookResponseData } from 'n8n-workflow';

import type { MemoryPlace, IncomingRequest, Verdict } from './receive';

/**
 * n8n parses JSON bodies only when the content type says JSON. Captain.AI does not document
 * its content type, so a body that reached us as text or only as raw bytes is parsed here.
 */
export function decodeBody(body: unknown, rawBody: unknown): unknown {
	const isEmptyObject =
		body !== null && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0;
	let text: string | undefined;
	if (typeof body === 'string') text = body;
	else if ((body === undefined || isEmptyObject) && rawBody instanceof Uint8Array && rawBody.length > 0) {
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
		body: decodeBody(request.body, (request as { rawBody?: unknown }).rawBody),
		rawBody: rawBodyOf(request),
	};
}

/** Memory is kept per node; test deliveries ("Listen for test event") get their own. */
export function memoryPlaceOf(context: IWebhookFunctions): MemoryPlace {
	const isTest = context.getMode() === 'manual';
	return {
		scope: `${context.getWorkflow().id ?? 'unsaved'}:${context.getNode().id}:${isTest ? 'test' : 'production'}`,
		// n8n saves static data after production requests only, so test memory stays in-process.
		staticData: isTest ? undefined : (context.getWorkflowStaticData('node') as Record<string, unknown>),
		newRevision: randomUUID,
	};
}

function answerJson(context: IWebhookFunctions, status: number, body: IDataObject): IWebhookResponseData {
	const response = context.getResponseObject();
	response.status(status).json(body);
	return { noWebhookResponse: true };
}

/**
 * Accepted: answer 200 ourselves, then hand n8n the items to start an execution.
 * Answering ourselves (rather than leaving it to the `onReceived` response mode) matters on
 * n8n 2.x: there n8n answers only after WorkflowRunner.run(), which resets the static-data
 * change flag, so the dedupe memory of accepted events would never be saved. With
 * `noWebhookResponse`, n8n saves static data as soon as we return, then starts the run.
 * It also keeps ARRIVE's two-second deadline independent of how busy n8n's queue is.
 */
export function answerWebhook(context: IWebhookFunctions, verdict: Verdict): IWebhookResponseData {
	if (verdict.outcome === 'accepted') {
		answerJson(context, 200, { status: 'accepted', items: verdict.items.length });
		return { workflowData: [context.helpers.returnJsonArray(verdict.items)], noWebhookResponse: true };
	}
	return answerJson(context, verdict.status, verdict.body);
}

/** A setting that cannot work (e.g. an allowlist entry that is no address): fail closed, loudly. */
export function answerMisconfigured(context: IWebhookFunctions, problem: string): IWebhookResponseData {
	return answerJson(context, 500, { error: 'trigger node misconfigured', detail: problem });
}

/** The message for allowlist entries that are not addresses, naming the setting they are in. */
export function describeInvalidAddresses(settingName: string, invalid: readonly string[]): string {
	return `${settingName}: ${invalid.map((entry) => `"${entry}"`).join(', ')} is not an IP address or CIDR range`;
}

/**
 * For `checkExists` of providers with no API to register webhooks (Captain.AI's account
 * manager, ARRIVE's dashboard): there is nothing to look up, but activation runs it, which
 * makes it the place where a bad setting is shown to the user.
 */
export function failOnInvalidAddresses(context: IHookFunctions, settingName: string, invalid: readonly string[]): void {
	if (invalid.length > 0) throw new NodeOperationError(context.getNode(), describeInvalidAddresses(settingName, invalid));
}
