/**
 * Hostile and odd input, through the nodes' real webhook(): each case asserts the answer and
 * whether an execution would start, and that a valid delivery right after still works.
 */
import type { IDataObject } from 'n8n-workflow';

import { ArriveTrigger } from '../../nodes/ArriveTrigger/ArriveTrigger.node';
import { CaptainAiTrigger } from '../../nodes/CaptainAiTrigger/CaptainAiTrigger.node';
import { forgetProcessMemory } from '../../nodes/common/memory/node-memory';
import { statusOf } from '../../nodes/common/answers';
import { judgeDelivery, type Receiver } from '../../nodes/common/pipeline';
import { loadFixture } from '../helpers/fixtures.cjs';
import { type FakeRequest, SavedWorkflow } from '../helpers/webhook-harness.cjs';

const TOKEN = 'a-long-shared-secret-0123456789';
const authed = { 'Auth-Token': TOKEN };
const ARRIVE = '52.37.123.229';

beforeEach(() => forgetProcessMemory());

function captain(parameters: IDataObject = {}) {
	return new SavedWorkflow(new CaptainAiTrigger(), 'x.captainAiTrigger', parameters, {
		captainAiWebhookApi: { authToken: TOKEN },
	});
}
function arrive(parameters: IDataObject = {}) {
	return new SavedWorkflow(new ArriveTrigger(), 'x.arriveTrigger', parameters);
}

let serial = 0;
function captainEvent(changes: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
	const body = loadFixture<Record<string, any>>('captain', 'order_status_updated');
	body.event_uuid = `5eed0000-0000-4000-8000-${String(++serial).padStart(12, '0')}`;
	body.data = { ...body.data, ...data };
	return { ...body, ...changes };
}

/** As n8n hands it over: the parsed body and the bytes it was parsed from. */
function asSent(body: unknown, extra: Partial<FakeRequest> = {}): FakeRequest {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	return { body: JSON.parse(text), rawBody: Buffer.from(text), ...extra };
}

function trip(destId: string, status: string, ackToken?: unknown, extra: IDataObject = {}) {
	const base = loadFixture<Record<string, any>>('arrive', 'ad-estimates').data.estimates[0];
	return {
		...base,
		status,
		track_tokens: [{ ...base.track_tokens[0], dest_id: destId }],
		ack: ackToken === undefined ? undefined : { token: ackToken },
		...extra,
	};
}
let tick = 0;
function arriveCall(estimates: unknown[]) {
	const body = loadFixture<Record<string, any>>('arrive', 'ad-estimates');
	body.data.estimates = estimates;
	body.timestamp = new Date(Date.UTC(2026, 0, 1) + ++tick * 5000).toISOString();
	return body;
}

/** A JSON text nested `depth` levels deep under `key`, built as text (no recursion anywhere). */
function deepJson(depth: number): string {
	return `${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

async function validCaptainStillWorks(workflow: SavedWorkflow) {
	const answer = await workflow.call(asSent(captainEvent(), { headers: authed }));
	expect(answer).toMatchObject({
		status: 200,
		body: { status: 'accepted', items: 1 },
		startsExecution: true,
	});
}

describe('1. nothing in the pipeline throws', () => {
	test.each([3_000, 10_000, 100_000])(
		'ARRIVE: a valid call with an extra field nested %i levels → accepted, one item',
		async (depth) => {
			const body = JSON.stringify(arriveCall([trip(`deep-${depth}`, 'arrived', 'k')])).replace(
				/}$/,
				`,"extra":${deepJson(depth)}}`,
			);
			const workflow = arrive();
			const answer = await workflow.call(asSent(body, { ip: ARRIVE }));
			expect(answer).toMatchObject({
				status: 200,
				body: { status: 'accepted', items: 1 },
				startsExecution: true,
			});
			// and its exact redelivery is still recognised
			expect((await workflow.call(asSent(body, { ip: ARRIVE }))).body).toMatchObject({
				reason: 'duplicate',
			});
		},
	);

	test('ARRIVE: the same without the raw bytes (fingerprint of the parsed value) → accepted', async () => {
		const text = JSON.stringify(arriveCall([trip('deep-noraw', 'arrived', 'k')])).replace(
			/}$/,
			`,"extra":${deepJson(10_000)}}`,
		);
		const answer = await arrive().call({ body: JSON.parse(text), ip: ARRIVE });
		expect(answer).toMatchObject({ status: 200, startsExecution: true });
	});

	test('Captain: an event nested 100 000 levels deep in data → accepted', async () => {
		const text = JSON.stringify(captainEvent()).replace(/}}$/, `,"extra":${deepJson(100_000)}}}`);
		const answer = await captain().call(asSent(text, { headers: authed }));
		expect(answer).toMatchObject({ status: 200, startsExecution: true });
	});

	test('a receiver that throws anywhere gives a 400 verdict, never a thrown error', () => {
		const broken = (
			where: 'parse' | 'select' | 'emit',
		): Receiver<unknown, unknown, { seen: { maxEntries: number; maxAgeMs: number } }> => ({
			memoryLayout: { seen: { maxEntries: 10, maxAgeMs: 60_000 } },
			parse: (body) => {
				if (where === 'parse') throw new RangeError('Maximum call stack size exceeded');
				return { ok: true, event: body };
			},
			select: (event) => {
				if (where === 'select') throw new TypeError('boom');
				return { wanted: [event] };
			},
			deliveries: 'seen',
			deliveryKey: () => 'the-delivery',
			describeDuplicate: () => 'seen',
			resendsRegardless: false,
			emit: () => {
				throw new Error('emit failed');
			},
		});
		for (const where of ['parse', 'select', 'emit'] as const) {
			const verdict = judgeDelivery(
				{ body: {} },
				broken(where),
				{ scope: `broken-${where}`, newRevision: () => 'r' },
				0,
				{ answerWhen: 'runStarts', repeats: 'runMarked' },
			);
			expect(verdict).toMatchObject({
				outcome: 'refused',
				body: { error: 'unprocessable body', field: '(body)' },
			});
			expect(statusOf(verdict)).toBe(400);
			expect(String(verdict.outcome === 'refused' && verdict.body.problem)).not.toMatch(/\n\s+at /);
		}
	});
});

describe('2. only own properties satisfy a schema', () => {
	test('Captain: order_uuid hidden in data.__proto__ → 400 naming data.order_uuid, nothing runs', async () => {
		const body = captainEvent();
		const text = JSON.stringify(body).replace(
			`"order_uuid":"${body.data.order_uuid}"`,
			'"__proto__":{"order_uuid":"x"}',
		);
		const workflow = captain();
		const answer = await workflow.call(asSent(text, { headers: authed }));
		expect(answer).toMatchObject({
			status: 400,
			body: { error: 'invalid body', field: 'data.order_uuid' },
			startsExecution: false,
		});
		await validCaptainStillWorks(workflow);
	});

	test('Captain: a __proto__ next to the real id is removed; the item carries no inherited field', async () => {
		const body = captainEvent();
		const text = JSON.stringify(body).replace(
			'"order_status":',
			'"__proto__":{"sneaky":"yes","order_uuid":"x"},"order_status":',
		);
		const answer = await captain().call(asSent(text, { headers: authed }));
		expect(answer).toMatchObject({ status: 200, startsExecution: true });
		const [item] = answer.items;
		expect(item).toMatchObject({
			entityId: body.data.order_uuid,
			order_uuid: body.data.order_uuid,
		});
		expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
		expect('sneaky' in item).toBe(false);
		expect(item.warnings).toEqual([expect.stringMatching(/^data\.__proto__: removed/)]);
	});

	test('ARRIVE: a trip whose dest_id hides in __proto__ and has no tid → 400', async () => {
		const text = JSON.stringify(
			arriveCall([{ ...trip('t', 'arrived', 'k'), tid: undefined }]),
		).replace(/"track_tokens":\[\{"dest_id":"t"/, '"track_tokens":[{"__proto__":{"dest_id":"t"}');
		const answer = await arrive().call(asSent(text, { ip: ARRIVE }));
		expect(answer).toMatchObject({
			status: 400,
			body: { field: 'data.estimates[0].track_tokens[0].dest_id' },
			startsExecution: false,
		});
	});
});

describe('3. ids', () => {
	test('Captain: event ids differing in a lone surrogate are two events', async () => {
		const workflow = captain();
		const base = '5eed0000-0000-4000-8000-0000000000ff';
		expect(
			(
				await workflow.call(
					asSent(captainEvent({ event_uuid: `${base}\ud800` }), { headers: authed }),
				)
			).startsExecution,
		).toBe(true);
		const second = await workflow.call(
			asSent(captainEvent({ event_uuid: `${base}\ud801` }), { headers: authed }),
		);
		expect(second).toMatchObject({ status: 200, startsExecution: true });
	});

	test.each([
		['upper case', (id: string) => id.toUpperCase()],
		['surrounding whitespace', (id: string) => ` ${id}\t`],
	])('Captain: the same UUID in %s is the same event (duplicate)', async (_case, change) => {
		const workflow = captain();
		const body = captainEvent();
		expect((await workflow.call(asSent(body, { headers: authed }))).startsExecution).toBe(true);
		const again = await workflow.call(
			asSent({ ...body, event_uuid: change(body.event_uuid) }, { headers: authed }),
		);
		expect(again).toMatchObject({
			status: 200,
			body: { reason: 'duplicate' },
			startsExecution: false,
		});
	});

	test('Captain: non-UUID ids stay case-sensitive', async () => {
		const workflow = captain();
		expect(
			(await workflow.call(asSent(captainEvent({ event_uuid: 'evt-abc' }), { headers: authed })))
				.startsExecution,
		).toBe(true);
		expect(
			(await workflow.call(asSent(captainEvent({ event_uuid: 'EVT-ABC' }), { headers: authed })))
				.startsExecution,
		).toBe(true);
	});

	test('Captain: an id of only whitespace → 400', async () => {
		const answer = await captain().call(
			asSent(captainEvent({ event_uuid: '  ' }), { headers: authed }),
		);
		expect(answer).toMatchObject({
			status: 400,
			body: { field: 'event_uuid' },
			startsExecution: false,
		});
	});

	test('ARRIVE: the same trip UUID in upper case is the same trip', async () => {
		const workflow = arrive();
		const id = '25f8f222-6b6a-400e-bcf6-94790cc95da0';
		expect(
			(await workflow.call(asSent(arriveCall([trip(id, 'arrived', 'k1')]), { ip: ARRIVE })))
				.startsExecution,
		).toBe(true);
		const again = await workflow.call(
			asSent(arriveCall([trip(id.toUpperCase(), 'arrived', 'k1')]), { ip: ARRIVE }),
		);
		expect(again).toMatchObject({ body: { reason: 'no-change' }, startsExecution: false });
	});
});

describe('4. a far-future created_at never blocks an entity', () => {
	test('an event dated 9999-12-31, then a genuine later one for the same order → both accepted', async () => {
		const workflow = captain();
		const future = await workflow.call(
			asSent(captainEvent({ created_at: '9999-12-31T23:59:59Z' }), { headers: authed }),
		);
		expect(future).toMatchObject({ status: 200, startsExecution: true });
		expect(future.items[0].warnings).toEqual([
			expect.stringMatching(/^created_at: later than now/),
		]);
		expect(future.items[0].createdAt).toBe('9999-12-31T23:59:59Z'); // passed on as sent
		const genuine = captainEvent({ created_at: new Date(Date.now() + 61_000).toISOString() });
		expect(await workflow.call(asSent(genuine, { headers: authed }))).toMatchObject({
			status: 200,
			startsExecution: true,
		});
	});

	test('unix seconds so large they overflow → accepted, and the order is not blocked', async () => {
		const workflow = captain();
		expect(
			(await workflow.call(asSent(captainEvent({ created_at: 1e306 }), { headers: authed })))
				.startsExecution,
		).toBe(true);
		const genuine = captainEvent({ created_at: new Date(Date.now() + 61_000).toISOString() });
		expect((await workflow.call(asSent(genuine, { headers: authed }))).startsExecution).toBe(true);
	});
});

describe('5. fields the node does not need are passed on with a warning', () => {
	test.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
		['published_at "abc"', {}, { published_at: 'abc' }, 'data.published_at'],
		['order_status 5', {}, { order_status: 5 }, 'data.order_status'],
		['items "x"', {}, { items: 'x' }, 'data.items'],
		['order_custom_fields "str"', {}, { order_custom_fields: 'str' }, 'data.order_custom_fields'],
		['metadata missing', { metadata: undefined }, {}, 'metadata'],
		[
			'delivery_attempt "first"',
			{ metadata: { sent_at: '2022-04-28T14:58:12Z', delivery_attempt: 'first' } },
			{},
			'metadata.delivery_attempt',
		],
	])(
		'Captain: %s → accepted, the value as sent, a warning naming it',
		async (_case, changes, data, field) => {
			const body = captainEvent(changes, data);
			const answer = await captain().call(asSent(body, { headers: authed }));
			expect(answer).toMatchObject({
				status: 200,
				body: { status: 'accepted' },
				startsExecution: true,
			});
			const [item] = answer.items;
			for (const [key, value] of Object.entries(data)) expect(item[key]).toEqual(value);
			expect(item.warnings).toEqual([
				expect.stringMatching(new RegExp(`^${field.replace(/\./g, '\\.')}: `)),
			]);
		},
	);

	test('Captain: event_uuid as a number → accepted as its string form, flagged; a redelivery as a string is a duplicate', async () => {
		const workflow = captain();
		const answer = await workflow.call(
			asSent(captainEvent({ event_uuid: 90817 }), { headers: authed }),
		);
		expect(answer).toMatchObject({ status: 200, startsExecution: true });
		expect(answer.items[0]).toMatchObject({
			eventId: '90817',
			warnings: [expect.stringContaining('event_uuid: a number')],
		});
		expect(
			(await workflow.call(asSent(captainEvent({ event_uuid: '90817' }), { headers: authed })))
				.body,
		).toMatchObject({ reason: 'duplicate' });
	});

	test('Captain: raw output stays the body as sent, without warnings added', async () => {
		const body = captainEvent({}, { published_at: 'abc' });
		const answer = await captain({ options: { output: 'raw' } }).call(
			asSent(body, { headers: authed }),
		);
		expect(answer.items).toEqual([body]);
	});
});

describe('6. ARRIVE calls and the trip memory', () => {
	const small = { options: { rememberMaxTrips: 10 } };
	const trips = (prefix: string, count: number, status = 'arrived') =>
		Array.from({ length: count }, (_, i) => trip(`${prefix}-${i}`, status, `ack-${prefix}-${i}`));

	test('more trips than the memory holds → 413 with a reason, nothing runs; at the limit → accepted', async () => {
		const workflow = arrive(small);
		const tooMany = await workflow.call(asSent(arriveCall(trips('big', 11)), { ip: ARRIVE }));
		expect(tooMany).toMatchObject({
			status: 413,
			body: { error: 'too many trips', field: 'data.estimates' },
			startsExecution: false,
		});
		expect(String(tooMany.body?.problem)).toMatch(/11 trips.*10/);
		const atLimit = await workflow.call(asSent(arriveCall(trips('fit', 10)), { ip: ARRIVE }));
		expect(atLimit).toMatchObject({ status: 200, body: { items: 10 }, startsExecution: true });
		const again = await workflow.call(asSent(arriveCall(trips('fit', 10)), { ip: ARRIVE }));
		expect(again).toMatchObject({ body: { reason: 'no-change' }, startsExecution: false });
	});

	test('only trips the filters keep count towards the limit', async () => {
		const workflow = arrive({ ...small, siteIds: 'site-a' });
		const mixed = [
			...trips('other', 20).map((t) => ({ ...t, site_csin: 'site-b' })),
			...trips('mine', 3).map((t) => ({ ...t, site_csin: 'site-a' })),
		];
		expect(await workflow.call(asSent(arriveCall(mixed), { ip: ARRIVE }))).toMatchObject({
			status: 200,
			body: { items: 3 },
		});
	});

	test('new trips never evict the unchanged trips of the same call', async () => {
		const workflow = arrive(small);
		const first = trips('a', 10);
		expect((await workflow.call(asSent(arriveCall(first), { ip: ARRIVE }))).body).toMatchObject({
			items: 10,
		});
		// 5 unchanged trips + 5 new ones: the new ones must push out a-5…a-9, not a-0…a-4
		const mixed = [...first.slice(0, 5), ...trips('b', 5)];
		expect((await workflow.call(asSent(arriveCall(mixed), { ip: ARRIVE }))).body).toMatchObject({
			items: 5,
		});
		const again = await workflow.call(asSent(arriveCall(mixed), { ip: ARRIVE }));
		expect(again).toMatchObject({ body: { reason: 'no-change' }, startsExecution: false });
	});

	test('ack.token "" (or blank) is no token: no new approach', async () => {
		const workflow = arrive();
		const answer = await workflow.call(
			asSent(arriveCall([trip('empty-ack', 'approaching', '')]), { ip: ARRIVE }),
		);
		expect(answer).toMatchObject({ body: { reason: 'no-change' }, startsExecution: false });
		const blank = await workflow.call(
			asSent(arriveCall([trip('empty-ack', 'approaching', '  ')]), { ip: ARRIVE }),
		);
		expect(blank).toMatchObject({ body: { reason: 'no-change' }, startsExecution: false });
		const real = await workflow.call(
			asSent(arriveCall([trip('empty-ack', 'approaching', 'k-1')]), { ip: ARRIVE }),
		);
		expect(real).toMatchObject({ body: { items: 1 }, startsExecution: true });
	});

	test('two trips with the same dest_id in one call → one item, as first listed, with a warning', async () => {
		const answer = await arrive({ emit: 'everyUpdate' }).call(
			asSent(
				arriveCall([
					trip('twin', 'approaching', 'k1'),
					trip('other', 'arrived', 'k9'),
					trip('twin', 'arrived', 'k2'),
				]),
				{ ip: ARRIVE },
			),
		);
		expect(answer).toMatchObject({ status: 200, body: { items: 2 } });
		const twin = answer.items.find((item) => item.tripId === 'twin');
		expect(twin).toMatchObject({ status: 'approaching', ackToken: 'k1' });
		expect(twin?.warnings).toEqual([
			expect.stringContaining(
				'data.estimates[2]: the same trip again in this call; only data.estimates[0] was used',
			),
		]);
	});
});

describe('7. Auth-Token edges', () => {
	test('the right token sent twice → 401 saying so, nothing runs; sent once right after → accepted', async () => {
		const workflow = captain();
		const answer = await workflow.call(
			asSent(captainEvent(), { headers: { 'Auth-Token': [TOKEN, TOKEN] } }),
		);
		expect(answer).toMatchObject({
			status: 401,
			body: { error: 'Auth-Token header sent 2 times; send it once' },
			startsExecution: false,
		});
		await validCaptainStillWorks(workflow);
	});
});

describe('9. the proxy hint', () => {
	const allowlisted = () => captain({ options: { allowedAddresses: '203.0.113.7' } });

	test('X-Forwarded-For from a public address (a direct caller) → 403 without a hint', async () => {
		const answer = await allowlisted().call(
			asSent(captainEvent(), {
				headers: { ...authed, 'X-Forwarded-For': '203.0.113.7' },
				ip: '198.51.100.20',
			}),
		);
		expect(answer).toMatchObject({
			status: 403,
			body: { error: 'address not allowed', address: '198.51.100.20' },
		});
		expect(answer.body?.hint).toBeUndefined();
	});

	test('X-Forwarded-For from a private address (a proxy n8n does not trust) → 403 with the conditional hint', async () => {
		const answer = await allowlisted().call(
			asSent(captainEvent(), {
				headers: { ...authed, 'X-Forwarded-For': '203.0.113.7' },
				ip: '10.0.0.2',
			}),
		);
		expect(answer.status).toBe(403);
		expect(String(answer.body?.hint)).toMatch(/only through that proxy, set N8N_PROXY_HOPS/);
	});
});
