/**
 * For node versions ≥ 2, n8n (1.x and 2.x, `parseRequestBody`) reads and parses the request
 * body only when the content type is one it parses (JSON, text/plain, form-urlencoded, XML).
 * For version 1 it read every body. Senders that do not document their content type (Captain.AI)
 * or send none would then reach the node with no body at all: read the raw bytes here, through
 * the reader n8n's own middleware attaches to the request, so `decodeBody` can parse them as before.
 */
import type { IWebhookFunctions } from 'n8n-workflow';

interface RawBodyRequest {
	rawBody?: unknown;
	readRawBody?: () => Promise<void>;
	headers?: Record<string, string | string[] | undefined>;
}

export async function readBodyNotReadByN8n(context: IWebhookFunctions): Promise<void> {
	const request = context.getRequestObject() as unknown as RawBodyRequest;
	if (request.rawBody !== undefined || typeof request.readRawBody !== 'function') return;
	// n8n parsed multipart itself (and consumed the stream): nothing left to read.
	const contentType = request.headers?.['content-type'];
	if (typeof contentType === 'string' && contentType.toLowerCase().startsWith('multipart/')) return;
	await request.readRawBody();
}
