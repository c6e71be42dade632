/**
 * Every answer a provider can get, decided here: the verdicts the admission stage and the
 * pipeline reach, the HTTP status of each (one table), and the JSON each answer carries. The
 * sample webhook's answers (to a person's browser tab, see sample.ts) are at the end. Nothing
 * else in the package picks a status code.
 */
import type { IDataObject } from 'n8n-workflow';

import type { Delivery } from './memory/node-memory';
import { RETRY_AFTER_SECONDS } from './memory/backpressure';

/** Why a request is refused; it starts nothing. */
type RefusalReason =
	/** A setting cannot work (an allowlist entry that is no address): fail closed, loudly. */
	| 'misconfigured'
	| 'address not allowed'
	/** No, a repeated, an empty or a wrong shared secret. */
	| 'unauthenticated'
	/** Malformed where the node needs a value, or a body the node could not process at all. */
	| 'invalid body'
	/** More trips in one call than the node remembers (it could not judge them). */
	| 'too many trips';

/** Why a valid request started no execution. Each is answered 200 so the sender does not retry. */
export type IgnoreReason =
	| 'filtered'
	| 'duplicate'
	| 'out-of-order'
	| 'no-trips'
	| 'no-change'
	/** Accepted before n8n restarted, its run may have happened; the user chose to skip such. */
	| 'possible-repeat';

export interface Refused {
	outcome: 'refused';
	reason: RefusalReason;
	body: IDataObject;
}

export type Verdict =
	| Refused
	| { outcome: 'ignored'; reason: IgnoreReason; detail?: string }
	/** n8n is behind: the provider should retry later. */
	| { outcome: 'busy' }
	/** The same delivery was accepted a moment ago: decide again once its run has an answer. */
	| { outcome: 'twin in flight'; settled: Promise<void> }
	/** Answered from the run once n8n has started it (`delivery.confirm`), or undone (`release`). */
	| { outcome: 'accepted'; items: IDataObject[]; delivery: Delivery }
	/** Invalid, reported on the second output (invalid-deliveries.ts): a run, which answers 400. */
	| { outcome: 'reported'; refusal: Refused; items: IDataObject[]; delivery: Delivery };

/** The HTTP status of each verdict: the one place a provider's answer is decided. */
const HTTP_STATUS = {
	misconfigured: 500,
	'address not allowed': 403,
	unauthenticated: 401,
	'invalid body': 400,
	'too many trips': 413,
	ignored: 200,
	busy: 503,
	/** A twin still waiting for its run after a few waits: treated as n8n being behind. */
	'twin in flight': 503,
	accepted: 200,
	reported: 400,
} as const satisfies Record<RefusalReason | Exclude<Verdict['outcome'], 'refused'>, number>;

export function statusOf(verdict: Verdict): number {
	return verdict.outcome === 'refused' ? HTTP_STATUS[verdict.reason] : HTTP_STATUS[verdict.outcome];
}

/** The refusals, each with the JSON the sender reads. */
export const refuse = {
	misconfigured: (detail: string): Refused => ({
		outcome: 'refused',
		reason: 'misconfigured',
		body: { error: 'trigger node misconfigured', detail },
	}),
	address: (address: string, hint?: string): Refused => ({
		outcome: 'refused',
		reason: 'address not allowed',
		body: { error: 'address not allowed', address, ...(hint ? { hint } : {}) },
	}),
	/** `error` names what is wrong with the secret: "missing Auth-Token header", "invalid Auth-Token". */
	secret: (error: string): Refused => ({
		outcome: 'refused',
		reason: 'unauthenticated',
		body: { error },
	}),
	body: (field: string, problem: string): Refused => ({
		outcome: 'refused',
		reason: 'invalid body',
		body: { error: 'invalid body', field, problem },
	}),
	/** A fault while judging a body (never its stack): enough to look for in the payload. */
	unprocessable: (fault: unknown): Refused => ({
		outcome: 'refused',
		reason: 'invalid body',
		body: { error: 'unprocessable body', field: '(body)', problem: describeFault(fault) },
	}),
	tooManyTrips: (field: string, problem: string): Refused => ({
		outcome: 'refused',
		reason: 'too many trips',
		body: { error: 'too many trips', field, problem },
	}),
};

export function ignore(reason: IgnoreReason, detail?: string): Verdict {
	return { outcome: 'ignored', reason, ...(detail ? { detail } : {}) };
}

export const BUSY: Verdict = { outcome: 'busy' };

/** An answer the node writes itself, without a run. */
export interface DirectAnswer {
	status: number;
	body: IDataObject;
	headers: Record<string, string>;
}

/** The answer to a verdict that starts no run (accepted and reported are answered by the run). */
export function directAnswer(
	verdict: Exclude<Verdict, { outcome: 'accepted' | 'reported' }>,
): DirectAnswer {
	const status = statusOf(verdict);
	const retryLater = { 'Retry-After': String(RETRY_AFTER_SECONDS) };
	switch (verdict.outcome) {
		case 'refused':
			return { status, body: verdict.body, headers: {} };
		case 'ignored':
			return {
				status,
				body: {
					status: 'ignored',
					reason: verdict.reason,
					...(verdict.detail ? { detail: verdict.detail } : {}),
				},
				headers: {},
			};
		case 'busy':
			return {
				status,
				body: { error: 'busy', detail: 'n8n is not keeping up with deliveries; retry later' },
				headers: retryLater,
			};
		case 'twin in flight':
			return {
				status,
				body: { error: 'busy', detail: 'the same delivery is still being started' },
				headers: retryLater,
			};
	}
}

/** What the run answers: 200 for accepted items, or the 400 of a reported invalid delivery. */
export function runAnswer(run: { accepted: number } | { reported: IDataObject }): {
	status: number;
	body: IDataObject;
} {
	if ('accepted' in run)
		return { status: HTTP_STATUS.accepted, body: { status: 'accepted', items: run.accepted } };
	const { error, field, problem } = run.reported;
	return { status: HTTP_STATUS.reported, body: { error, field, problem } };
}

function describeFault(error: unknown): string {
	const name = error instanceof Error ? error.name : 'Error';
	const message = error instanceof Error ? error.message : String(error);
	return `the node could not process this body (${name}: ${message.slice(0, 200)})`;
}

/**
 * The sample webhook's answers. It is a page for the person who opened the Test URL; on the
 * Production URL (where the same webhook is registered) it does not exist for anyone.
 */
export const SAMPLE_STATUS = {
	/** The sample ran through the node and is the test run's output. */
	sent: 200,
	/** The node's own settings leave the sample out (the page says which one). */
	leftOut: 200,
	/** A sample asked for by a name the node does not know. */
	unknown: 400,
} as const;

export const SAMPLE_NOT_ON_PRODUCTION: DirectAnswer = {
	status: 404,
	body: {
		error: 'not found',
		detail: 'the sample answers only on the Test URL, while the node listens for a test event',
	},
	headers: {},
};
