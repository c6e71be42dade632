/**
 * A delivery as n8n hands it to a trigger: read once, into plain data the admission stage and
 * the pipeline judge without n8n.
 */
import type { IWebhookFunctions } from 'n8n-workflow';

import { isJsonObject } from './json';

/** What the admission stage and the pipeline know about one HTTP request. */
export interface IncomingRequest {
	/** The client address as n8n resolved it (Express `req.ip`). */
	clientAddress: string | undefined;
	/** Whether n8n trusts a proxy (N8N_PROXY_HOPS > 0), i.e. `req.ips` is filled from X-Forwarded-For. */
	proxyTrusted: boolean;
	headers: Record<string, string | string[] | undefined>;
	/** Node's header lines as sent (name, value, name, value…): shows a header sent twice. */
	rawHeaders?: string[];
	body: unknown;
	/** The bytes n8n received (after any Content-Encoding), when it kept them: `req.rawBody`. */
	rawBody?: Uint8Array;
}

interface RawBodyRequest {
	rawBody?: unknown;
	readRawBody?: () => Promise<void>;
	headers?: Record<string, string | string[] | undefined>;
}

/**
 * For node versions ≥ 2, n8n (1.x and 2.x, `parseRequestBody`) reads and parses the request
 * body only when the content type is one it parses (JSON, text/plain, form-urlencoded, XML);
 * for version 1 it read every body. Senders that do not document their content type
 * (Captain.AI) or send none would then reach the node with no body at all: the raw bytes are
 * read through the reader n8n's own middleware attaches to the request, so `decodeBody` can
 * parse them as before.
 */
async function readBodyNotReadByN8n(context: IWebhookFunctions): Promise<void> {
	const request = context.getRequestObject() as unknown as RawBodyRequest;
	if (request.rawBody !== undefined || typeof request.readRawBody !== 'function') return;
	// n8n parsed multipart itself (and consumed the stream): nothing left to read.
	const contentType = request.headers?.['content-type'];
	if (typeof contentType === 'string' && contentType.toLowerCase().startsWith('multipart/')) return;
	await request.readRawBody();
}

/**
 * n8n parses JSON bodies only when the content type says JSON. Captain.AI does not document
 * its content type, so a body that reached us as text or only as raw bytes is parsed here.
 */
function decodeBody(body: unknown, rawBody: unknown): unknown {
	const isEmptyObject = isJsonObject(body) && Object.keys(body).length === 0;
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

/** The request as the pipeline reads it, with any bytes n8n left unread. */
export async function readDelivery(context: IWebhookFunctions): Promise<IncomingRequest> {
	await readBodyNotReadByN8n(context);
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
