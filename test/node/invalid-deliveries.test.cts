/**
 * The optional Invalid Deliveries output, through webhook() and execute() in n8n-core's real
 * contexts: a delivery that passes the address and token checks but not validation starts a
 * run on the second output, once per distinct body; the sender gets its 400 either way.
 */
import type { IDataObject } from 'n8n-workflow';

import { ArriveTrigger } from '../../nodes/ArriveTrigger/ArriveTrigger.node';
import { CaptainAiTrigger } from '../../nodes/CaptainAiTrigger/CaptainAiTrigger.node';
import { captainTokens } from '../../nodes/CaptainAiTrigger/authentication';
import { forgetProcessMemory } from '../../nodes/common/memory/node-memory';
import { INVALID_BODY_TEXT_LIMIT } from '../../nodes/common/invalid-deliveries';
import { loadFixture } from '../helpers/fixtures.cjs';
import { SavedWorkflow } from '../helpers/webhook-harness.cjs';

const TOKEN = 'a-long-shared-secret-0123456789';
const authed = { 'Auth-Token': TOKEN };
const ARRIVE = '52.37.123.229';

function captain(options: IDataObject = { invalidDeliveries: true }) {
	return new SavedWorkflow(
		new CaptainAiTrigger(),
		'n8n-nodes-captain-arrive.captainAiTrigger',
		{ options },
		{ captainAiWebhookApi: { authToken: TOKEN } },
	);
}

function arrive(options: IDataObject = { invalidDeliveries: true }) {
	return new SavedWorkflow(new ArriveTrigger(), 'n8n-nodes-captain-arrive.arriveTrigger', {
		options,
	});
}

/** A Captain body without event_uuid (invalid), as Captain sends it on attempt `attempt`. */
function invalidCaptainBody(attempt = 1, orderUuid = '6992dc85d681') {
	const body = structuredClone(loadFixture<Record<string, any>>('captain', 'order_assigned'));
	delete body.event_uuid;
	body.data.order_uuid = orderUuid;
	body.metadata = {
		...body.metadata,
		delivery_attempt: attempt,
		sent_at: `2022-04-28T14:5${attempt}:00Z`,
	};
	return body;
}

beforeEach(() => {
	forgetProcessMemory();
	captainTokens.clear();
});

describe('Captain.AI Trigger, Invalid Deliveries Output on', () => {
	test('an invalid body starts one run on the second output; the sender still gets the 400', async () => {
		const workflow = captain();
		const body = invalidCaptainBody();
		const answer = await workflow.call({ body, headers: authed, ip: '203.0.113.7' });
		expect(answer.status).toBe(400);
		expect(answer.body).toMatchObject({ error: 'invalid body', field: 'event_uuid' });
		expect(answer.startsExecution).toBe(true);
		expect(workflow.lastRunOutput).toEqual([]);
		expect(workflow.lastRunInvalid).toHaveLength(1);
		const [reported] = workflow.lastRunInvalid;
		expect(reported).toMatchObject({
			error: 'invalid body',
			field: 'event_uuid',
			bodyTruncated: false,
		});
		expect(JSON.parse(reported.body as string)).toEqual(body);
		expect(typeof reported.receivedAt).toBe('string');
	});

	test("Captain's retries of that body (next attempt, new sent_at) are answered 400 and start nothing", async () => {
		const workflow = captain();
		expect(
			(await workflow.call({ body: invalidCaptainBody(1), headers: authed })).startsExecution,
		).toBe(true);
		for (const attempt of [2, 3]) {
			const retry = await workflow.call({ body: invalidCaptainBody(attempt), headers: authed });
			expect(retry.status).toBe(400);
			expect(retry.startsExecution).toBe(false);
		}
		// another invalid body is reported on its own
		const other = await workflow.call({
			body: invalidCaptainBody(1, 'another-order'),
			headers: authed,
		});
		expect(other.startsExecution).toBe(true);
	});

	test('if n8n cannot start the run, the body is forgotten: the retry is reported', async () => {
		const workflow = captain();
		const failed = await workflow.call(
			{ body: invalidCaptainBody(1), headers: authed },
			'webhook',
			'fails',
		);
		expect(failed.status).toBe(500);
		const retry = await workflow.call({ body: invalidCaptainBody(2), headers: authed });
		expect(retry).toMatchObject({ status: 400, startsExecution: true });
	});

	test('a wrong token or a valid event is answered as without the output', async () => {
		const workflow = captain();
		const refused = await workflow.call({
			body: invalidCaptainBody(),
			headers: { 'Auth-Token': 'x'.repeat(20) },
		});
		expect(refused).toMatchObject({ status: 401, startsExecution: false });
		const event = loadFixture('captain', 'order_assigned');
		const accepted = await workflow.call({ body: event, headers: authed });
		expect(accepted.body).toEqual({ status: 'accepted', items: 1 });
		expect(workflow.lastRunOutput).toHaveLength(1);
		expect(workflow.lastRunInvalid).toEqual([]);
	});

	test('a large body is passed on cut to the limit, as text', async () => {
		const body = invalidCaptainBody();
		body.data.padding = 'x'.repeat(INVALID_BODY_TEXT_LIMIT * 2);
		const workflow = captain();
		await workflow.call({ body, headers: authed });
		expect(workflow.lastRunInvalid[0]).toMatchObject({ bodyTruncated: true });
		expect((workflow.lastRunInvalid[0].body as string).length).toBe(INVALID_BODY_TEXT_LIMIT);
	});

	test('off (the default): an invalid body starts nothing', async () => {
		const answer = await captain({}).call({ body: invalidCaptainBody(), headers: authed });
		expect(answer).toMatchObject({ status: 400, startsExecution: false });
	});
});

describe('ARRIVE Trigger, Invalid Deliveries Output on', () => {
	const invalidCall = () => {
		const body = structuredClone(loadFixture<Record<string, any>>('arrive', 'ad-estimates'));
		delete body.data.production;
		return body;
	};

	test('an invalid call from ARRIVE is reported once; its resend (same bytes) starts nothing', async () => {
		const workflow = arrive();
		const rawBody = Buffer.from(JSON.stringify(invalidCall()));
		const first = await workflow.call({ body: invalidCall(), rawBody, ip: ARRIVE });
		expect(first).toMatchObject({ status: 400, startsExecution: true });
		expect(workflow.lastRunInvalid[0]).toMatchObject({
			field: 'data.production',
			body: rawBody.toString('utf8'),
		});
		const resend = await workflow.call({ body: invalidCall(), rawBody, ip: ARRIVE });
		expect(resend).toMatchObject({ status: 400, startsExecution: false });
	});

	test('a call from an address not allowed is refused before validation: no run', async () => {
		const answer = await arrive().call({ body: invalidCall(), ip: '198.51.100.9' });
		expect(answer).toMatchObject({ status: 403, startsExecution: false });
	});
});
