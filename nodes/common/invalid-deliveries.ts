/**
 * The optional "Invalid Deliveries" output: a delivery that passed the address and token
 * checks but not validation starts a run on the node's second output, so the user can alert
 * on it, once per distinct body (the provider's retries of it are answered 400 and start
 * nothing). The sender is still answered 400 with the reason, as without the output.
 */
import type { IDataObject } from 'n8n-workflow';

import type { MemoryLimits } from './memory/table';
import { bodyFingerprint } from './fingerprint';

/** The body is passed on as text, cut here: a hostile body must not become a huge or deeply
 * nested item that n8n then has to store and show. */
export const INVALID_BODY_TEXT_LIMIT = 64 * 1024;

/** Reported bodies remembered at most, per node. */
export const INVALID_DELIVERIES_REMEMBERED = 1000;

/** The user's choice to report invalid deliveries, and how a provider recognises a retry. */
export interface InvalidDeliveryReport {
	/** One key per distinct body, the same for every retry of it. */
	key(body: unknown, rawBody: Uint8Array | undefined): string;
	/** How long and how many reported bodies are remembered. */
	memory: MemoryLimits;
}

/** Retries resend the same bytes (ARRIVE): the bytes are the key. */
export function sameBytesKey(body: unknown, rawBody: Uint8Array | undefined): string {
	return bodyFingerprint(body, rawBody);
}

/**
 * The item on the second output: the answer's reason at the top level, then the body as text
 * (JSON re-encoded when n8n kept no bytes).
 */
export function invalidDeliveryItem(
	refusal: IDataObject,
	body: unknown,
	rawBody: Uint8Array | undefined,
	receivedAt: number,
): IDataObject {
	const text = bodyText(body, rawBody);
	return {
		...refusal,
		receivedAt: new Date(receivedAt).toISOString(),
		body: text.length > INVALID_BODY_TEXT_LIMIT ? text.slice(0, INVALID_BODY_TEXT_LIMIT) : text,
		bodyTruncated: text.length > INVALID_BODY_TEXT_LIMIT,
	};
}

function bodyText(body: unknown, rawBody: Uint8Array | undefined): string {
	if (rawBody && rawBody.length > 0)
		return Buffer.from(rawBody.subarray(0, INVALID_BODY_TEXT_LIMIT * 4)).toString('utf8');
	if (typeof body === 'string') return body;
	try {
		return JSON.stringify(body) ?? '';
	} catch {
		return '(a body the node cannot show as text)';
	}
}
