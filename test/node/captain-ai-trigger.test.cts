import type { IDataObject } from 'n8n-workflow';

import { CaptainAiTrigger } from '../../nodes/CaptainAiTrigger/CaptainAiTrigger.node';
import { captainTokens } from '../../nodes/CaptainAiTrigger/authentication';
import {
	MAX_DELIVERIES_IN_FLIGHT,
	MAX_IN_FLIGHT_WAIT_MS,
} from '../../nodes/common/memory/backpressure';
import {
	SAVE_INTERVAL_MS,
	UNWATCHED_SETTLE_MS,
	forgetProcessMemory,
} from '../../nodes/common/memory/node-memory';
import { fixtureNames, loadFixture } from '../helpers/fixtures.cjs';
import { SavedWorkflow, n8nLogger } from '../helpers/webhook-harness.cjs';

const TOKEN = 'a-long-shared-secret-0123456789';
const TYPE = 'n8n-nodes-captain-arrive.captainAiTrigger';

function captainWorkflow(parameters: IDataObject = {}) {
	return new SavedWorkflow(new CaptainAiTrigger(), TYPE, parameters, {
		captainAiWebhookApi: { authToken: TOKEN },
	});
}

const authed = { 'Auth-Token': TOKEN };

function withEnvelope(body: Record<string, any>, changes: Record<string, unknown>) {
	return { ...structuredClone(body), ...changes };
}

beforeEach(() => {
	forgetProcessMemory();
	captainTokens.clear();
});

describe('refusals are logged through n8n, at most one line per node and reason a minute', () => {
	let warn: jest.SpyInstance;
	beforeEach(() => {
		warn = jest.spyOn(n8nLogger(), 'warn').mockImplementation(() => undefined);
	});
	afterEach(() => warn.mockRestore());

	test('a burst of wrong tokens is one line naming node, answer, reason and sender, never the token', async () => {
		const workflow = captainWorkflow();
		workflow.parameters = { options: {} };
		const body = loadFixture('captain', 'order_assigned');
		const wrong = { 'Auth-Token': 'not-the-secret-token-123' };
		for (let attempt = 0; attempt < 5; attempt++) {
			const answer = await workflow.call({ body, headers: wrong, ip: '198.51.100.9' });
			expect(answer.status).toBe(401);
		}
		const lines = warn.mock.calls.map(([line]) => String(line));
		expect(lines).toHaveLength(1);
		expect(lines[0]).toContain('Trigger: answered 401 (invalid Auth-Token)');
		expect(lines[0]).toContain('198.51.100.9');
		expect(lines.join('\n')).not.toContain('not-the-secret-token-123');
		expect(lines.join('\n')).not.toContain(TOKEN);
		expect(lines.join('\n')).not.toContain(body.event_uuid);

		// another reason from the same node gets its own line
		const outsider = captainWorkflow({ options: { allowedAddresses: '203.0.113.0/24' } });
		const refused = await outsider.call({ body, headers: authed, ip: '198.51.100.9' });
		expect(refused.status).toBe(403);
		expect(warn).toHaveBeenCalledTimes(2);
		expect(String(warn.mock.calls[1][0])).toContain('answered 403 (address not allowed)');
	});

	test('accepted and filtered deliveries log nothing', async () => {
		const body = loadFixture('captain', 'order_assigned');
		await captainWorkflow().call({ body, headers: authed });
		await captainWorkflow({ events: ['order_unassigned'] }).call({ body, headers: authed });
		expect(warn).not.toHaveBeenCalled();
	});
});

describe('the item-status URL has no Events list', () => {
	test('an item status trigger emits item events even with an Events value saved by an earlier version', async () => {
		const workflow = captainWorkflow({ receives: 'itemStatus', events: ['order_assigned'] });
		const body = loadFixture('captain', 'item_status_updated');
		const answer = await workflow.call({ body, headers: authed });
		expect(answer.body).toEqual({ status: 'accepted', items: 1 });
		expect(answer.items[0]).toMatchObject({ event: 'item_status_updated' });
	});

	test('the main URL still filters on Events', async () => {
		const workflow = captainWorkflow({ events: ['order_assigned'] });
		const body = loadFixture('captain', 'order_status_updated');
		const answer = await workflow.call({ body, headers: authed });
		expect(answer).toMatchObject({ status: 200, startsExecution: false });
	});
});

describe('Captain.AI Trigger through webhook()', () => {
	test.each(fixtureNames('captain'))(
		'accepts the %s sample and emits one mapped item',
		async (name) => {
			const body = loadFixture('captain', name);
			const answer = await captainWorkflow().call({ body, headers: authed });
			expect(answer.status).toBe(200);
			expect(answer.body).toEqual({ status: 'accepted', items: 1 });
			expect(answer.startsExecution).toBe(true);
			expect(answer.items).toHaveLength(1);
			const [item] = answer.items;
			expect(item).toMatchObject({
				event: body.event_name,
				eventId: body.event_uuid,
				environment: body.environment,
				createdAt: body.created_at,
				deliveryAttempt: body.metadata.delivery_attempt,
			});
			// every data field is mappable at the top level, untouched
			for (const [key, value] of Object.entries(body.data)) expect(item[key]).toEqual(value);
		},
	);

	test('surfaces entity and status from the catalogue', async () => {
		const body = loadFixture('captain', 'job_delivery_status_updated');
		const [item] = (await captainWorkflow().call({ body, headers: authed })).items;
		expect(item).toMatchObject({
			entityType: 'job',
			entityId: body.data.job_uuid,
			status: 'assigned_to_driver',
		});
	});

	/**
	 * Captain's documented events (spec: the overview table plus the two events documented
	 * elsewhere) with the entity each is about: [event, entity type, field holding its id].
	 */
	test.each<{ event: string; entity: string; idField: string | undefined }>([
		{ event: 'agent.radar_locations.created', entity: 'store', idField: 'account_uuid' },
		{ event: 'agent_eta_updated', entity: 'driver', idField: 'agent_uuid' },
		{ event: 'order_assigned', entity: 'order', idField: 'order_uuid' },
		{ event: 'order_unassigned', entity: 'order', idField: 'order_uuid' },
		{ event: 'job_delivery_status_updated', entity: 'job', idField: 'job_uuid' },
		{ event: 'order_status_updated', entity: 'order', idField: 'order_uuid' },
		{ event: 'item_status_updated', entity: 'item', idField: 'item_uuid' },
		{ event: 'analytics_report_ready', entity: 'none', idField: undefined },
		{ event: 'order_preparation_updated', entity: 'order', idField: 'order_uuid' },
		{ event: 'order_kds_print_request', entity: 'order', idField: 'order_uuid' },
	])(
		'$event is a known event: selected by name it runs and names its entity ($entity); "unlisted" does not take it',
		async ({ event, entity, idField }) => {
			const recorded = fixtureNames('captain').includes(event)
				? loadFixture<Record<string, any>>('captain', event)
				: { ...loadFixture<Record<string, any>>('captain', 'order_assigned'), data: {} };
			const body = withEnvelope(recorded, {
				event_name: event,
				event_uuid: `known-${event}`,
				data: { ...recorded.data, ...(idField ? { [idField]: `${event}-entity` } : {}) },
			});
			// Captain sends item_status_updated to its own URL.
			const receives = event === 'item_status_updated' ? { receives: 'itemStatus' } : {};

			const byName = await captainWorkflow({ ...receives, events: [event] }).call({
				body,
				headers: authed,
			});
			expect({ status: byName.status, body: byName.body }).toEqual({
				status: 200,
				body: { status: 'accepted', items: 1 },
			});
			expect(byName.items).toHaveLength(1);
			expect(byName.items[0]).toMatchObject({ event, eventId: body.event_uuid });
			if (idField) {
				expect(byName.items[0]).toMatchObject({ entityType: entity, entityId: `${event}-entity` });
			} else {
				expect(byName.items[0]).not.toHaveProperty('entityType');
			}

			// Judged on the main URL: the item-status URL has no Events list to filter with.
			forgetProcessMemory();
			const unlisted = await captainWorkflow({ events: ['unlisted'] }).call({
				body,
				headers: authed,
			});
			expect(unlisted).toMatchObject({
				status: 200,
				body: { status: 'ignored', reason: 'filtered' },
				startsExecution: false,
			});
		},
	);

	test('raw output is the body exactly as sent', async () => {
		const body = loadFixture('captain', 'order_assigned');
		const answer = await captainWorkflow({ options: { output: 'raw' } }).call({
			body,
			headers: authed,
		});
		expect(answer.items).toEqual([body]);
	});

	describe('refusals start no execution', () => {
		const body = loadFixture('captain', 'order_assigned');

		test('missing Auth-Token → 401', async () => {
			const answer = await captainWorkflow().call({ body });
			expect(answer).toMatchObject({
				status: 401,
				body: { error: 'missing Auth-Token header' },
				items: [],
				startsExecution: false,
			});
		});

		test('wrong Auth-Token → 401', async () => {
			const answer = await captainWorkflow().call({ body, headers: { 'Auth-Token': `${TOKEN}x` } });
			expect(answer).toMatchObject({
				status: 401,
				body: { error: 'invalid Auth-Token' },
				startsExecution: false,
			});
		});

		test('Auth-Token sent twice → 401', async () => {
			const answer = await captainWorkflow().call({
				body,
				headers: { 'Auth-Token': [TOKEN, TOKEN] },
			});
			expect(answer).toMatchObject({
				status: 401,
				body: { error: 'Auth-Token header sent 2 times; send it once' },
				startsExecution: false,
			});
		});

		test('an empty credential refuses everything rather than accepting everything', async () => {
			const workflow = new SavedWorkflow(
				new CaptainAiTrigger(),
				TYPE,
				{},
				{ captainAiWebhookApi: { authToken: '' } },
			);
			const answer = await workflow.call({ body, headers: { 'Auth-Token': '' } });
			expect(answer).toMatchObject({ status: 401, startsExecution: false });
		});

		test('address outside the allowlist → 403 naming the address', async () => {
			const workflow = captainWorkflow({
				options: { allowedAddresses: '203.0.113.0/24, 2001:db8::/32' },
			});
			const answer = await workflow.call({ body, headers: authed, ip: '::ffff:198.51.100.7' });
			expect(answer).toMatchObject({
				status: 403,
				body: { error: 'address not allowed', address: '198.51.100.7' },
				startsExecution: false,
			});
			expect(answer.body?.hint).toBeUndefined();
		});

		test('address check comes before the token check', async () => {
			const workflow = captainWorkflow({ options: { allowedAddresses: '203.0.113.7' } });
			const answer = await workflow.call({ body, ip: '198.51.100.7' });
			expect(answer.status).toBe(403);
		});

		test('a spoofed X-Forwarded-For is not believed, and the answer hints at N8N_PROXY_HOPS', async () => {
			const workflow = captainWorkflow({ options: { allowedAddresses: '203.0.113.7' } });
			const answer = await workflow.call({
				body,
				headers: { ...authed, 'X-Forwarded-For': '203.0.113.7' },
				ip: '127.0.0.1',
			});
			expect(answer.status).toBe(403);
			expect(answer.body).toMatchObject({ address: '127.0.0.1' });
			expect(String(answer.body?.hint)).toContain('N8N_PROXY_HOPS');
		});

		test('a forwarded address n8n resolved (trusted proxy) is allowed', async () => {
			const workflow = captainWorkflow({ options: { allowedAddresses: '203.0.113.7' } });
			const answer = await workflow.call({
				body,
				headers: { ...authed, 'X-Forwarded-For': '203.0.113.7' },
				ip: '203.0.113.7',
				ips: ['203.0.113.7'],
			});
			expect(answer).toMatchObject({ status: 200, startsExecution: true });
		});

		test('an allowlist entry that is no address fails closed with 500 and no execution', async () => {
			const workflow = captainWorkflow({ options: { allowedAddresses: '203.0.113.7, not-an-ip' } });
			const answer = await workflow.call({ body, headers: authed, ip: '203.0.113.7' });
			expect(answer.status).toBe(500);
			expect(answer.body).toMatchObject({ error: 'trigger node misconfigured' });
			expect(String(answer.body?.detail)).toContain('not-an-ip');
			expect(answer.startsExecution).toBe(false);
		});

		test.each([
			['not an object', '(body)', ['a list']],
			['missing event_uuid', 'event_uuid', withEnvelope(body, { event_uuid: undefined })],
			['created_at not a time', 'created_at', withEnvelope(body, { created_at: 'yesterday' })],
			['data not an object', 'data', withEnvelope(body, { data: 'x' })],
			[
				'order_uuid missing',
				'data.order_uuid',
				withEnvelope(body, { data: { ...body.data, order_uuid: undefined } }),
			],
		])('malformed body (%s) → 400 naming %s', async (_case, field, badBody) => {
			const answer = await captainWorkflow().call({ body: badBody, headers: authed });
			expect(answer).toMatchObject({
				status: 400,
				body: { error: 'invalid body', field },
				startsExecution: false,
			});
		});

		test('a body that is not JSON → 400', async () => {
			const answer = await captainWorkflow().call({
				body: {},
				rawBody: Buffer.from('{nope'),
				headers: authed,
			});
			expect(answer).toMatchObject({
				status: 400,
				body: { field: '(body)' },
				startsExecution: false,
			});
		});

		test('a JSON body sent without a JSON content type is still read', async () => {
			const answer = await captainWorkflow().call({
				body: {},
				rawBody: Buffer.from(JSON.stringify(body)),
				headers: authed,
			});
			expect(answer).toMatchObject({ status: 200, startsExecution: true });
		});
	});

	describe('silent paths answer 200 and start no execution', () => {
		test('an event the user did not select', async () => {
			const workflow = captainWorkflow({ events: ['order_status_updated'] });
			const answer = await workflow.call({
				body: loadFixture('captain', 'order_assigned'),
				headers: authed,
			});
			expect(answer).toMatchObject({
				status: 200,
				body: { status: 'ignored', reason: 'filtered' },
				items: [],
				startsExecution: false,
			});
			expect(workflow.saves).toBe(0);
		});

		test('unlisted events pass "Any Event" and "Any Other (Unlisted) Event", not a specific selection', async () => {
			const body = withEnvelope(loadFixture('captain', 'order_assigned'), {
				event_name: 'driver_waved',
			});
			expect((await captainWorkflow().call({ body, headers: authed })).startsExecution).toBe(true);
			forgetProcessMemory();
			expect(
				(await captainWorkflow({ events: ['unlisted'] }).call({ body, headers: authed }))
					.startsExecution,
			).toBe(true);
			forgetProcessMemory();
			expect(
				(await captainWorkflow({ events: ['order_assigned'] }).call({ body, headers: authed }))
					.startsExecution,
			).toBe(false);
		});

		test('environment filter', async () => {
			const body = loadFixture('captain', 'order_assigned');
			const staging = withEnvelope(body, { environment: 'staging', event_uuid: 'staging-1' });
			const productionOnly = captainWorkflow({ environment: 'production' });
			expect((await productionOnly.call({ body: staging, headers: authed })).body).toMatchObject({
				reason: 'filtered',
			});
			expect((await productionOnly.call({ body, headers: authed })).startsExecution).toBe(true);
			const nonProduction = captainWorkflow({ environment: 'nonProduction' });
			forgetProcessMemory();
			expect((await nonProduction.call({ body, headers: authed })).startsExecution).toBe(false);
			expect((await nonProduction.call({ body: staging, headers: authed })).startsExecution).toBe(
				true,
			);
		});

		test('a redelivery (later delivery_attempt) of an accepted event', async () => {
			const workflow = captainWorkflow();
			const body = loadFixture('captain', 'order_status_updated');
			expect((await workflow.call({ body, headers: authed })).startsExecution).toBe(true);
			const retry = withEnvelope(body, {
				metadata: { sent_at: '2022-04-28T15:30:00.000+00:00', delivery_attempt: 2 },
			});
			const answer = await workflow.call({ body: retry, headers: authed });
			expect(answer).toMatchObject({
				status: 200,
				body: { reason: 'duplicate' },
				startsExecution: false,
			});
		});

		test('two identical deliveries at the same moment give one execution', async () => {
			const workflow = captainWorkflow();
			const body = loadFixture('captain', 'order_status_updated');
			const answers = await Promise.all(
				Array.from({ length: 10 }, () => workflow.call({ body, headers: authed })),
			);
			expect(answers.filter((answer) => answer.startsExecution)).toHaveLength(1);
			expect(answers.filter((answer) => answer.body?.reason === 'duplicate')).toHaveLength(9);
		});

		test('an older status update for the same order after a newer one is dropped', async () => {
			const workflow = captainWorkflow();
			const newer = loadFixture('captain', 'order_status_updated');
			const older = withEnvelope(newer, {
				event_uuid: 'older-event',
				created_at: '2022-04-28T10:00:00.000+00:00',
				data: { ...newer.data, order_status: 'in_progress' },
			});
			expect((await workflow.call({ body: newer, headers: authed })).startsExecution).toBe(true);
			const answer = await workflow.call({ body: older, headers: authed });
			expect(answer).toMatchObject({
				status: 200,
				body: { reason: 'out-of-order' },
				startsExecution: false,
			});
		});

		test('the out-of-order guard can be turned off', async () => {
			const workflow = captainWorkflow({ options: { dropOutOfOrder: false } });
			const newer = loadFixture('captain', 'order_status_updated');
			const older = withEnvelope(newer, {
				event_uuid: 'older-event',
				created_at: '2022-04-28T10:00:00.000+00:00',
			});
			await workflow.call({ body: newer, headers: authed });
			expect((await workflow.call({ body: older, headers: authed })).startsExecution).toBe(true);
		});

		test('ordering is per entity: another order is not affected', async () => {
			const workflow = captainWorkflow();
			const newer = loadFixture('captain', 'order_status_updated');
			const otherOrder = withEnvelope(newer, {
				event_uuid: 'other-order-event',
				created_at: '2022-04-28T10:00:00.000+00:00',
				data: { ...newer.data, order_uuid: 'another-order' },
			});
			await workflow.call({ body: newer, headers: authed });
			expect((await workflow.call({ body: otherOrder, headers: authed })).startsExecution).toBe(
				true,
			);
		});
	});

	test('authentication "none" accepts a request without a token', async () => {
		const workflow = new SavedWorkflow(new CaptainAiTrigger(), TYPE, { authentication: 'none' });
		const answer = await workflow.call({ body: loadFixture('captain', 'order_assigned') });
		expect(answer).toMatchObject({ status: 200, startsExecution: true });
	});

	test('test deliveries are remembered apart from production ones', async () => {
		const workflow = captainWorkflow();
		const body = loadFixture('captain', 'order_assigned');
		expect((await workflow.call({ body, headers: authed }, 'manual')).startsExecution).toBe(true);
		expect(workflow.saves).toBe(0); // n8n does not save static data for test calls
		expect((await workflow.call({ body, headers: authed }, 'manual')).startsExecution).toBe(false);
		expect((await workflow.call({ body, headers: authed })).startsExecution).toBe(true);
	});

	describe('a 200 means the run exists; memory across restarts (controlled clock)', () => {
		let now = Date.parse('2026-11-25T10:00:00Z');
		beforeEach(() => {
			now = Date.parse('2026-11-25T10:00:00Z');
			jest.spyOn(Date, 'now').mockImplementation(() => now);
		});
		afterEach(() => jest.restoreAllMocks());
		const body = () => loadFixture('captain', 'order_status_updated');

		test.each<{ when: string; later: number; outcome: string }>([
			{ when: "after Captain's 48 h of retries", later: 48 * 3_600_000, outcome: 'duplicate' },
			{ when: 'just under 72 h', later: 72 * 3_600_000 - 60_000, outcome: 'duplicate' },
			{ when: 'just over 72 h', later: 72 * 3_600_000 + 60_000, outcome: 'accepted' },
		])(
			'memory options left unset (the default: 72 h): a redelivery $when → $outcome',
			async ({ later, outcome }) => {
				const workflow = captainWorkflow();
				const first = body();
				expect((await workflow.call({ body: first, headers: authed })).startsExecution).toBe(true);
				now += later;
				const retry = { ...first, metadata: { ...first.metadata, delivery_attempt: 15 } };
				const answer = await workflow.call({ body: retry, headers: authed });
				expect(answer.startsExecution ? 'accepted' : answer.body?.reason).toBe(outcome);
			},
		);

		test('the accepted answer comes from the run, and that request saves the memory (n8n 2.x resets the flag before)', async () => {
			const workflow = captainWorkflow();
			const answer = await workflow.call({ body: body(), headers: authed });
			expect(answer).toMatchObject({
				status: 200,
				body: { status: 'accepted', items: 1 },
				startsExecution: true,
			});
			expect(answer.headers['content-type']).toMatch(/^application\/json/);
			expect(workflow.lastRunOutput).toEqual(answer.items);
			expect(workflow.saves).toBe(1);
		});

		test('a delivery whose run could not be started is forgotten, so the retry runs', async () => {
			const workflow = captainWorkflow();
			const failed = await workflow.call({ body: body(), headers: authed }, 'webhook', 'fails');
			expect(failed.status).toBe(500);
			const retry = await workflow.call({ body: body(), headers: authed });
			expect(retry).toMatchObject({ status: 200, body: { status: 'accepted' } });
		});

		test('a delivery whose client went away still runs (n8n starts it anyway): the retry is a duplicate', async () => {
			const workflow = captainWorkflow();
			const first = await workflow.start({ body: body(), headers: authed });
			const retry = workflow.call({ body: body(), headers: authed }); // the sender timed out and retries
			await first.finish('client-gone');
			expect(workflow.lastRunOutput).toHaveLength(1);
			expect(await retry).toMatchObject({
				status: 200,
				body: { reason: 'duplicate' },
				startsExecution: false,
			});
		});

		test('a run n8n starts at boot for a delivery accepted before a crash records it: the resend is a duplicate', async () => {
			const workflow = captainWorkflow();
			const accepted = await workflow.start({ body: body(), headers: authed });
			forgetProcessMemory(); // killed after enqueueing the run, before starting it
			await accepted.recover();
			expect(workflow.lastRunOutput).toMatchObject([{ eventId: body().event_uuid }]);
			expect(workflow.lastRunOutput[0].possibleRepeat).toBeUndefined();
			expect(await workflow.call({ body: body(), headers: authed })).toMatchObject({
				body: { reason: 'duplicate' },
				startsExecution: false,
			});
		});

		test('a resend accepted before the boot-time run started makes that run a marked possible repeat', async () => {
			const workflow = captainWorkflow();
			const accepted = await workflow.start({ body: body(), headers: authed });
			forgetProcessMemory();
			const resend = await workflow.call({ body: body(), headers: authed });
			expect(resend.body).toMatchObject({ status: 'accepted' });
			await accepted.recover();
			expect(workflow.lastRunOutput).toMatchObject([
				{ eventId: body().event_uuid, possibleRepeat: true },
			]);
		});

		test('with Possible Repeats: Skip Them, that boot-time run passes nothing on', async () => {
			const workflow = captainWorkflow({ options: { repeatsAfterRestart: 'skip' } });
			const accepted = await workflow.start({ body: body(), headers: authed });
			forgetProcessMemory();
			await workflow.call({ body: body(), headers: authed });
			await accepted.recover();
			expect(workflow.lastRunOutput).toEqual([]);
		});

		test('a twin waits for the first delivery: duplicate once it ran, accepted when it could not start', async () => {
			const workflow = captainWorkflow();
			const first = await workflow.start({ body: body(), headers: authed });
			let twinSettled = false;
			const twin = workflow
				.call({ body: body(), headers: authed })
				.finally(() => (twinSettled = true));
			await new Promise((resolve) => setImmediate(resolve));
			expect(twinSettled).toBe(false); // no answer before the first delivery has one
			await first.finish('fails');
			expect(await twin).toMatchObject({ status: 200, body: { status: 'accepted' } });

			const other = withEnvelope(body(), { event_uuid: 'twin-2' });
			const original = await workflow.start({ body: other, headers: authed });
			const secondTwin = workflow.call({ body: other, headers: authed });
			await original.finish('runs');
			expect(await secondTwin).toMatchObject({
				status: 200,
				body: { reason: 'duplicate' },
				startsExecution: false,
			});
		});

		test('after a restart, an event whose run may have been cut short runs again, marked (at least once)', async () => {
			const workflow = captainWorkflow();
			const firstAt = new Date(now).toISOString();
			await (await workflow.start({ body: body(), headers: authed })).finish('cut-short');
			now += 1000;
			forgetProcessMemory(); // killed during the run: n8n never said it ended
			const again = await workflow.call({ body: body(), headers: authed });
			expect(again.body).toMatchObject({ status: 'accepted' });
			expect(again.items).toMatchObject([
				{ eventId: body().event_uuid, possibleRepeat: true, firstAcceptedAt: firstAt },
			]);
			expect(await workflow.call({ body: body(), headers: authed })).toMatchObject({
				body: { reason: 'duplicate' },
			});
		});

		test('with Possible Repeats: Skip Them, that event starts nothing (at most once)', async () => {
			const workflow = captainWorkflow({ options: { repeatsAfterRestart: 'skip' } });
			await (await workflow.start({ body: body(), headers: authed })).finish('cut-short');
			forgetProcessMemory();
			expect(await workflow.call({ body: body(), headers: authed })).toMatchObject({
				status: 200,
				body: { status: 'ignored', reason: 'possible-repeat' },
				startsExecution: false,
			});
		});

		test('after a restart, an event whose run n8n said had ended, once saved so, stays a duplicate', async () => {
			const workflow = captainWorkflow();
			await workflow.call({ body: body(), headers: authed }); // runs and ends
			now += SAVE_INTERVAL_MS;
			const redelivery = await workflow.call({ body: body(), headers: authed });
			expect(redelivery.body).toMatchObject({ reason: 'duplicate' });
			expect(workflow.saves).toBe(2); // the dropped redelivery carried the settled entry
			forgetProcessMemory();
			expect(await workflow.call({ body: body(), headers: authed })).toMatchObject({
				body: { reason: 'duplicate' },
				startsExecution: false,
			});
		});

		test(`without n8n's end-of-run signal (n8n 1.x), an event counts as run after ${UNWATCHED_SETTLE_MS / 1000} s`, async () => {
			const workflow = captainWorkflow();
			workflow.endSignal = false;
			await workflow.call({ body: body(), headers: authed });
			now += SAVE_INTERVAL_MS;
			await workflow.call({ body: body(), headers: authed }); // saves: still maybe running
			forgetProcessMemory();
			expect(
				(
					await workflow.call({
						body: withEnvelope(body(), { event_uuid: 'other' }),
						headers: authed,
					})
				).body,
			).toMatchObject({ status: 'accepted' });
			const young = await workflow.call({ body: body(), headers: authed });
			expect(young.items).toMatchObject([{ possibleRepeat: true }]);

			const settled = captainWorkflow();
			settled.endSignal = false;
			await settled.call({ body: withEnvelope(body(), { event_uuid: 'old' }), headers: authed });
			now += UNWATCHED_SETTLE_MS;
			await settled.call({ body: withEnvelope(body(), { event_uuid: 'old' }), headers: authed }); // the settling save
			forgetProcessMemory();
			expect(
				await settled.call({ body: withEnvelope(body(), { event_uuid: 'old' }), headers: authed }),
			).toMatchObject({ body: { reason: 'duplicate' } });
		});

		test(`saves are coalesced: at most one per ${SAVE_INTERVAL_MS / 1000} s, the rest carried by a later request`, async () => {
			const workflow = captainWorkflow();
			for (let i = 0; i < 5; i++)
				await workflow.call({
					body: withEnvelope(body(), { event_uuid: `burst-${i}` }),
					headers: authed,
				});
			expect(workflow.saves).toBe(1);
			now += SAVE_INTERVAL_MS;
			await workflow.call({
				body: withEnvelope(body(), { event_uuid: 'burst-0' }),
				headers: authed,
			}); // a duplicate, which carries the burst (its runs ended: settled)
			expect(workflow.saves).toBe(2);
			now += UNWATCHED_SETTLE_MS;
			await workflow.call({
				body: withEnvelope(body(), { event_uuid: 'burst-0' }),
				headers: authed,
			});
			expect(workflow.saves).toBe(2); // nothing left to save: a pure drop writes nothing
			forgetProcessMemory();
			const redeliveries = await Promise.all(
				[0, 1, 2, 3, 4].map((i) =>
					workflow.call({
						body: withEnvelope(body(), { event_uuid: `burst-${i}` }),
						headers: authed,
					}),
				),
			);
			expect(redeliveries.map((answer) => answer.body?.reason)).toEqual(Array(5).fill('duplicate'));
		});

		test(`503 with Retry-After while ${MAX_DELIVERIES_IN_FLIGHT} deliveries wait for their runs, or one has waited ${MAX_IN_FLIGHT_WAIT_MS / 1000} s`, async () => {
			const workflow = captainWorkflow();
			const waiting = [];
			for (let i = 0; i < MAX_DELIVERIES_IN_FLIGHT; i++) {
				waiting.push(
					await workflow.start({
						body: withEnvelope(body(), { event_uuid: `wait-${i}` }),
						headers: authed,
					}),
				);
			}
			const refused = await workflow.call({
				body: withEnvelope(body(), { event_uuid: 'one-too-many' }),
				headers: authed,
			});
			expect(refused).toMatchObject({
				status: 503,
				body: { error: 'busy' },
				startsExecution: false,
			});
			expect(refused.headers['retry-after']).toBe('10');
			// a duplicate costs nothing and is still answered 200
			await waiting[0].finish();
			expect(
				(
					await workflow.call({
						body: withEnvelope(body(), { event_uuid: 'wait-0' }),
						headers: authed,
					})
				).body,
			).toMatchObject({ reason: 'duplicate' });
			for (const call of waiting.slice(1, 10)) await call.finish();
			expect(
				(
					await workflow.call({
						body: withEnvelope(body(), { event_uuid: 'one-too-many' }),
						headers: authed,
					})
				).body,
			).toMatchObject({ status: 'accepted' });
			now += MAX_IN_FLIGHT_WAIT_MS + 1;
			expect(
				(
					await workflow.call({
						body: withEnvelope(body(), { event_uuid: 'late' }),
						headers: authed,
					})
				).status,
			).toBe(503);
			for (const call of waiting.slice(10)) await call.finish();
			expect(
				(
					await workflow.call({
						body: withEnvelope(body(), { event_uuid: 'late' }),
						headers: authed,
					})
				).body,
			).toMatchObject({ status: 'accepted' });
		});
	});
});

describe('publishing and the credential test, in n8n-core contexts', () => {
	test('checkExists passes with a valid allowlist and fails naming the setting and the bad entry', async () => {
		await expect(
			captainWorkflow({ options: { allowedAddresses: '203.0.113.7, 198.51.100.0/24' } }).activate(),
		).resolves.toBe(true);
		await expect(captainWorkflow().activate()).resolves.toBe(true);
		await expect(
			captainWorkflow({ options: { allowedAddresses: '203.0.113.7, not-an-address' } }).activate(),
		).rejects.toThrow('Allowed Addresses: "not-an-address" is not an IP address or CIDR range');
	});

	test('the credential test refuses an empty, padded or short token and accepts a long one', async () => {
		const workflow = captainWorkflow();
		const test = (authToken: string) =>
			workflow.testCredential('captainAiAuthTokenTest', { authToken });
		expect(await test('')).toMatchObject({ status: 'Error', message: 'The Auth-Token is empty.' });
		expect(await test(' padded-token-0123456789 ')).toMatchObject({
			status: 'Error',
			message: expect.stringContaining('starts or ends with a space'),
		});
		expect(await test('short-tok')).toMatchObject({
			status: 'Error',
			message: expect.stringContaining('shorter than 16 characters'),
		});
		expect(await test(TOKEN)).toMatchObject({ status: 'OK' });
	});
});
