/**
 * The pipeline both triggers share: guard → parse → select → dedupe → emit.
 * Plain functions over plain data: the node files gather the request and settings from n8n,
 * call `receive`, and turn the verdict into an HTTP answer (see webhook-io.ts).
 */
import type { IDataObject } from 'n8n-workflow';

import {
	type AddressRange,
	describeInvalidAddresses,
	displayAddress,
	isAddressAllowed,
	isPrivateAddress,
} from './allowlist';
import { judgeSharedSecret } from './auth-token';
import { type InvalidDeliveryReport, invalidDeliveryItem } from './invalid-deliveries';
import {
	type Delivery,
	type MemoryLayout,
	type NodeMemory,
	isOverloaded,
	openMemory,
} from './dedupe';

/** What the pipeline needs to know about one HTTP request. */
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

export interface GuardSettings {
	/**
	 * `undefined`: no address restriction. Entries that are not addresses (`invalid`) make the
	 * node misconfigured: every request is refused (500) until the setting is fixed.
	 */
	allowlist?: { setting: string; ranges: readonly AddressRange[]; invalid: readonly string[] };
	/** `undefined`: no shared-secret check (an explicit user choice). */
	sharedSecret?: { header: string; expected: string };
}

export type ParseResult<Event> =
	| { ok: true; event: Event }
	/** 400 "invalid body" unless `status` and `error` say otherwise (413: more than the node can judge). */
	| { ok: false; field: string; problem: string; status?: 400 | 413; error?: string };

/** Why a valid request started no execution. Each is answered 200 so the sender does not retry. */
export type IgnoreReason = 'filtered' | 'duplicate' | 'out-of-order' | 'no-trips' | 'no-change';

export type Selection<Candidate> =
	| { wanted: Candidate[] }
	| { ignored: IgnoreReason; detail?: string };

export type Emission =
	| { items: IDataObject[] }
	| { ignored: IgnoreReason; detail?: string }
	/** The same delivery was accepted a moment ago and n8n has not answered it yet. */
	| { inFlight: Promise<void> };

/** A provider's half of the pipeline. */
export interface Receiver<Event, Candidate, Layout extends MemoryLayout> {
	parse(body: unknown, rawBody?: Uint8Array): ParseResult<Event>;
	/** What the user asked for (event type, status, environment, site); no memory needed. */
	select(event: Event): Selection<Candidate>;
	/**
	 * Dedupe and emit, reading and recording in memory; `claim` the delivery's own id so a twin
	 * can wait for it. Must not await.
	 */
	emit(event: Event, wanted: Candidate[], memory: NodeMemory<Layout>, now: number): Emission;
	memoryLayout: Layout;
}

export interface MemoryPlace {
	scope: string;
	staticData?: Record<string, unknown>;
	newRevision: () => string;
}

export type Verdict =
	| { outcome: 'refused'; status: 400 | 401 | 403 | 413; body: IDataObject }
	| { outcome: 'ignored'; status: 200; body: IDataObject }
	/** n8n is behind: the provider should retry later. */
	| { outcome: 'busy'; status: 503; retryAfterSeconds: number; body: IDataObject }
	/** A setting cannot work (an allowlist entry that is no address): fail closed, loudly. */
	| { outcome: 'misconfigured'; status: 500; body: IDataObject }
	/** Decide again once the twin delivery in flight has its answer. */
	| { outcome: 'in-flight'; settled: Promise<void> }
	/** Answer 200 once n8n has started the run (`delivery.confirm`), or undo (`release`). */
	| { outcome: 'accepted'; status: 200; items: IDataObject[]; delivery: Delivery }
	/** Invalid, reported on the second output (invalid-deliveries.ts): a run, then this 400. */
	| {
			outcome: 'reported';
			status: 400;
			body: IDataObject;
			items: IDataObject[];
			delivery: Delivery;
	  };

/** Both providers retry on 5xx; a short wait is enough for n8n to catch up. */
export const RETRY_AFTER_SECONDS = 10;

function refuse(status: 400 | 401 | 403 | 413, body: IDataObject): Verdict {
	return { outcome: 'refused', status, body };
}

function ignore(reason: IgnoreReason, detail?: string): Verdict {
	return {
		outcome: 'ignored',
		status: 200,
		body: { status: 'ignored', reason, ...(detail ? { detail } : {}) },
	};
}

function hasHeader(headers: IncomingRequest['headers'], name: string): boolean {
	return headers[name] !== undefined;
}

/** Address and shared secret. Address first: an unknown sender learns nothing about tokens. */
export function guardRequest(request: IncomingRequest, guard: GuardSettings): Verdict | undefined {
	if (guard.allowlist && guard.allowlist.invalid.length > 0) {
		const detail = describeInvalidAddresses(guard.allowlist.setting, guard.allowlist.invalid);
		return {
			outcome: 'misconfigured',
			status: 500,
			body: { error: 'trigger node misconfigured', detail },
		};
	}
	if (guard.allowlist && !isAddressAllowed(request.clientAddress, guard.allowlist.ranges)) {
		const address = displayAddress(request.clientAddress);
		const body: IDataObject = { error: 'address not allowed', address };
		// Only for a caller that can be a reverse proxy (loopback or private network): to anyone
		// else, X-Forwarded-For is a claim, and the advice would be to believe it.
		if (
			hasHeader(request.headers, 'x-forwarded-for') &&
			!request.proxyTrusted &&
			isPrivateAddress(request.clientAddress)
		) {
			body.hint =
				"The request came through a proxy, but n8n does not trust proxies, so the proxy's own address was judged. If n8n can be reached only through that proxy, set N8N_PROXY_HOPS to the number of proxies in front of n8n.";
		}
		return refuse(403, body);
	}
	if (guard.sharedSecret) {
		const { header, expected } = guard.sharedSecret;
		const problem = judgeSharedSecret(request.headers, request.rawHeaders, header, expected);
		if (problem) return refuse(401, { error: problem });
	}
	return undefined;
}

export function receive<Event, Candidate, Layout extends MemoryLayout>(
	request: IncomingRequest,
	guard: GuardSettings,
	receiver: Receiver<Event, Candidate, Layout>,
	place: MemoryPlace,
	now: number,
	report?: InvalidDeliveryReport,
): Verdict {
	// A thrown error would make n8n answer 500 and record a failed execution; whatever a body
	// does to parse, select or emit, the sender gets an answer and nothing runs.
	let verdict: Verdict;
	try {
		verdict = judge(request, guard, receiver, place, now);
	} catch (error) {
		verdict = unprocessable(error);
	}
	if (report && verdict.outcome === 'refused' && verdict.status === 400) {
		return reportInvalid(request, verdict, report, place, now);
	}
	return verdict;
}

/**
 * A delivery that passed the guard but not validation, for the Invalid Deliveries output:
 * a run the first time its body is seen, a plain 400 for every retry. The key is held like an
 * accepted event's (in flight until n8n answers, undone if the run cannot start).
 */
function reportInvalid(
	request: IncomingRequest,
	refused: Verdict & { outcome: 'refused' },
	report: InvalidDeliveryReport,
	place: MemoryPlace,
	now: number,
): Verdict {
	let key: string;
	try {
		key = report.key(request.body, request.rawBody);
	} catch {
		return refused; // a body that cannot even be keyed is only refused
	}
	const memory = openMemory({ ...place, layout: { invalidDeliveries: report.memory }, now });
	const inFlight = memory.inFlight('invalidDeliveries', key);
	if (inFlight) return { outcome: 'in-flight', settled: inFlight };
	if (memory.table('invalidDeliveries').has(key, now)) {
		memory.close();
		return refused;
	}
	if (isOverloaded(now)) {
		memory.close();
		return busy();
	}
	memory.claim('invalidDeliveries', key);
	return {
		outcome: 'reported',
		status: 400,
		body: refused.body,
		items: [invalidDeliveryItem(refused.body, request.body, request.rawBody, now)],
		delivery: memory.hold(),
	};
}

function unprocessable(error: unknown): Verdict {
	return refuse(400, {
		error: 'unprocessable body',
		field: '(body)',
		problem: describeFault(error),
	});
}

function judge<Event, Candidate, Layout extends MemoryLayout>(
	request: IncomingRequest,
	guard: GuardSettings,
	receiver: Receiver<Event, Candidate, Layout>,
	place: MemoryPlace,
	now: number,
): Verdict {
	const refusal = guardRequest(request, guard);
	if (refusal) return refusal;

	const parsed = receiver.parse(request.body, request.rawBody);
	if (!parsed.ok)
		return refuse(parsed.status ?? 400, {
			error: parsed.error ?? 'invalid body',
			field: parsed.field,
			problem: parsed.problem,
		});

	// Opened only now: refused requests never touch memory; filtered ones only to save it when due.
	const memory = openMemory({ ...place, layout: receiver.memoryLayout, now });
	const selection = receiver.select(parsed.event);
	if ('ignored' in selection) {
		memory.close();
		return ignore(selection.ignored, selection.detail);
	}

	let emission: Emission;
	try {
		emission = receiver.emit(parsed.event, selection.wanted, memory, now);
	} catch (error) {
		memory.rollBack(); // a fault halfway through emit leaves no partial records
		return unprocessable(error);
	}
	if ('inFlight' in emission) {
		memory.rollBack();
		return { outcome: 'in-flight', settled: emission.inFlight };
	}
	if ('ignored' in emission) {
		memory.close();
		return ignore(emission.ignored, emission.detail);
	}
	if (isOverloaded(now)) {
		memory.rollBack();
		memory.close();
		return busy();
	}
	return { outcome: 'accepted', status: 200, items: emission.items, delivery: memory.hold() };
}

/** n8n is behind: nothing is remembered, the provider retries later. */
function busy(): Verdict {
	return {
		outcome: 'busy',
		status: 503,
		retryAfterSeconds: RETRY_AFTER_SECONDS,
		body: { error: 'busy', detail: 'n8n is not keeping up with deliveries; retry later' },
	};
}

/** The fault's kind and message, never its stack: enough to look for in the payload. */
function describeFault(error: unknown): string {
	const name = error instanceof Error ? error.name : 'Error';
	const message = error instanceof Error ? error.message : String(error);
	return `the node could not process this body (${name}: ${message.slice(0, 200)})`;
}
