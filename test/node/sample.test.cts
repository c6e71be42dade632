/**
 * The sample webhook (GET <url>/sample) of Captain.AI Trigger 3 and ARRIVE Trigger 4, through
 * webhook() in n8n-core's real contexts: on the Test URL it starts the test run with exactly
 * what the node emits for the sample body; on the Production URL it answers 404 and starts
 * nothing. The bodies are the shared samples (test/fixtures) made into new events.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import type { IDataObject } from 'n8n-workflow';

import { ArriveTrigger } from '../../nodes/ArriveTrigger/ArriveTrigger.node';
import * as arriveSamples from '../../nodes/ArriveTrigger/samples';
import { CaptainAiTrigger } from '../../nodes/CaptainAiTrigger/CaptainAiTrigger.node';
import { captainTokens } from '../../nodes/CaptainAiTrigger/authentication';
import { CAPTAIN_EVENTS } from '../../nodes/CaptainAiTrigger/catalogue';
import * as captainSamples from '../../nodes/CaptainAiTrigger/samples';
import { forgetProcessMemory } from '../../nodes/common/memory/node-memory';
import { captainReceiver } from '../../nodes/CaptainAiTrigger/receiver';
import { runSample } from '../../nodes/common/sample';
import { fixtureNames, loadFixture } from '../helpers/fixtures.cjs';
import { type FakeRequest, SavedWorkflow } from '../helpers/webhook-harness.cjs';

const TOKEN = 'a-long-shared-secret-0123456789';
const ARRIVE = '52.37.123.229';

function captainWorkflow(parameters: IDataObject = {}, typeVersion = 3) {
	const workflow = new SavedWorkflow(
		new CaptainAiTrigger(),
		'n8n-nodes-captain-arrive.captainAiTrigger',
		parameters,
		{ captainAiWebhookApi: { authToken: TOKEN } },
	);
	workflow.typeVersion = typeVersion;
	return workflow;
}

function arriveWorkflow(parameters: IDataObject = {}, typeVersion = 4) {
	const workflow = new SavedWorkflow(
		new ArriveTrigger(),
		'n8n-nodes-captain-arrive.arriveTrigger',
		parameters,
	);
	workflow.typeVersion = typeVersion;
	return workflow;
}

/** Opening GET <Test URL>/sample in a browser tab (no token, no provider address). */
const sampleRequest = (query: Record<string, unknown> = {}): FakeRequest => ({
	webhook: 'setup',
	method: 'GET',
	query,
	body: {},
	ip: '192.0.2.44',
});

/** The envelope fields a sample makes new; everything else is the shared sample as recorded. */
const withoutFreshCaptainFields = (body: IDataObject) => {
	const { event_uuid: _id, created_at: _created, metadata, ...rest } = body;
	const { sent_at: _sent, ...restOfMetadata } = metadata as IDataObject;
	return { ...rest, metadata: restOfMetadata };
};

beforeEach(() => {
	forgetProcessMemory();
	captainTokens.clear();
});
afterEach(() => jest.restoreAllMocks());

describe('Captain.AI Trigger 3: GET …/sample on the Test URL', () => {
	test('the samples are the shared ones, one for every event of the catalogue', () => {
		expect([...captainSamples.CAPTAIN_SAMPLE_BODIES.keys()]).toEqual(
			CAPTAIN_EVENTS.map((kind) => kind.name),
		);
		expect([...captainSamples.CAPTAIN_SAMPLE_BODIES.keys()].sort()).toEqual(
			fixtureNames('captain'),
		);
		for (const [name, body] of captainSamples.CAPTAIN_SAMPLE_BODIES)
			expect({ name, body }).toEqual({ name, body: loadFixture('captain', name) });
	});

	test.each(CAPTAIN_EVENTS.map((kind) => kind.name))(
		'?event=%s: the test run gets exactly what the node emits for that body',
		async (name) => {
			const choose = jest.spyOn(captainSamples, 'chooseCaptainSample');
			const answer = await captainWorkflow().call(sampleRequest({ event: name }), 'manual');
			expect(answer.status).toBe(200);
			expect(answer.headers['content-type']).toMatch(/^text\/html/);
			expect(answer.text).toContain('Sample sent to n8n');
			expect(answer.text).toContain(
				`A sample ${name} event is now the output of &quot;Trigger&quot;`,
			);
			expect(answer.startsExecution).toBe(true);

			// What was sent: the shared sample as a new event.
			const choice = choose.mock.results[0].value as { body: IDataObject };
			const body = choice.body;
			expect(withoutFreshCaptainFields(body)).toEqual(
				withoutFreshCaptainFields(loadFixture('captain', name)),
			);
			expect(body.event_uuid).not.toBe(loadFixture('captain', name).event_uuid);
			expect(Date.now() - Date.parse(String(body.created_at))).toBeLessThan(60_000);

			// The same body delivered to the node (its Production URL, fresh memory): the same items.
			forgetProcessMemory();
			const delivered = await captainWorkflow().call({
				body,
				headers: { 'Auth-Token': TOKEN },
			});
			expect(delivered.body).toEqual({ status: 'accepted', items: 1 });
			expect(answer.items).toEqual(delivered.items);
		},
	);

	test('the run passes the sample on: what the next node gets', async () => {
		const workflow = captainWorkflow();
		const answer = await workflow.call(sampleRequest(), 'manual');
		expect(workflow.lastRunOutput).toEqual(answer.items);
		expect(answer.items[0]).toMatchObject({
			event: 'order_status_updated',
			order_status: 'cancelled',
			entityType: 'order',
			eventId: expect.any(String),
		});
	});

	test.each<[IDataObject, string]>([
		[{}, 'order_status_updated'],
		[{ events: ['agent_eta_updated', 'order_assigned'] }, 'agent_eta_updated'],
		[{ events: ['unlisted', 'item_status_updated'] }, 'item_status_updated'],
	])('without ?event=, with %j: the first event chosen (%s)', async (parameters, expected) => {
		const answer = await captainWorkflow(parameters).call(sampleRequest(), 'manual');
		expect(answer.items.map((item) => item.event)).toEqual([expected]);
	});

	test('each sample is a new event, and the node remembers none of them', async () => {
		const workflow = captainWorkflow();
		const first = await workflow.call(sampleRequest(), 'manual');
		const second = await workflow.call(sampleRequest(), 'manual');
		expect(first.items[0].eventId).not.toBe(second.items[0].eventId);
		expect(workflow.saves).toBe(0);
		expect(workflow.staticData).toEqual({});
		// A delivery to the Test URL of the sample's body is new to the node's test memory.
		const choose = jest.spyOn(captainSamples, 'chooseCaptainSample');
		await workflow.call(sampleRequest(), 'manual');
		const { body } = choose.mock.results[0].value as { body: IDataObject };
		const delivered = await workflow.call({ body, headers: { 'Auth-Token': TOKEN } }, 'manual');
		expect(delivered.body).toEqual({ status: 'accepted', items: 1 });
	});

	test("the node's settings apply: Test Only gets a test-environment sample; Raw Body the body as sent", async () => {
		const testOnly = await captainWorkflow({ environment: 'nonProduction' }).call(
			sampleRequest(),
			'manual',
		);
		expect(testOnly.items[0]).toMatchObject({ environment: 'test' });

		const choose = jest.spyOn(captainSamples, 'chooseCaptainSample');
		const raw = await captainWorkflow({ options: { output: 'raw' } }).call(
			sampleRequest(),
			'manual',
		);
		expect(raw.items).toEqual([(choose.mock.results[0].value as { body: IDataObject }).body]);
	});

	test('a sample the settings leave out: a page saying so, no run', async () => {
		const answer = await captainWorkflow({ events: ['order_assigned'] }).call(
			sampleRequest({ event: 'order_status_updated' }),
			'manual',
		);
		expect(answer).toMatchObject({ status: 200, startsExecution: false });
		expect(answer.text).toContain('No sample sent');
		expect(answer.text).toContain('event order_status_updated is not selected');
	});

	test.each(['no_such_event', 'constructor', '__proto__'])(
		'?event=%s: 400, a page listing the samples, no run',
		async (name) => {
			const answer = await captainWorkflow().call(sampleRequest({ event: name }), 'manual');
			expect(answer).toMatchObject({ status: 400, startsExecution: false });
			expect(answer.text).toContain('No such sample');
			expect(answer.text).toContain('order_status_updated, job_delivery_status_updated');
		},
	);
});

describe('ARRIVE Trigger 4: GET …/sample on the Test URL', () => {
	test('the samples are the shared ones, an approach and an arrival, less their ack tokens', () => {
		const shared = (file: string) => {
			const call = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', file), 'utf8'));
			call.data.estimates[0].ack = {};
			return call;
		};
		expect(Object.fromEntries(arriveSamples.ARRIVE_SAMPLE_CALLS)).toEqual({
			approaching: shared('examples/arrive-approaching.json'),
			arrived: shared('arrive/ad-estimates.json'),
		});
	});

	test.each(['approaching', 'arrived'])(
		'?moment=%s: the test run gets exactly what the node emits for that call',
		async (moment) => {
			const choose = jest.spyOn(arriveSamples, 'chooseArriveSample');
			const answer = await arriveWorkflow().call(sampleRequest({ moment }), 'manual');
			expect(answer).toMatchObject({ status: 200, startsExecution: true });
			expect(answer.text).toContain(
				`A sample ${moment === 'arrived' ? 'arrival' : 'approach'} is now the output of &quot;Trigger&quot;`,
			);
			const { body } = choose.mock.results[0].value as { body: IDataObject };
			const recorded = arriveSamples.ARRIVE_SAMPLE_CALLS.get(moment)!;
			const trip = (body.data as { estimates: IDataObject[] }).estimates[0];
			const recordedTrip = (recorded.data as { estimates: IDataObject[] }).estimates[0];
			// New: the time, the trip and its acknowledgement token. Everything else as recorded.
			expect({
				...body,
				timestamp: recorded.timestamp,
				data: {
					...(body.data as IDataObject),
					estimates: [
						{
							...trip,
							received_at: recordedTrip.received_at,
							track_tokens: recordedTrip.track_tokens,
							ack: recordedTrip.ack,
						},
					],
				},
			}).toEqual(recorded);
			expect(trip.ack).toEqual({ token: expect.any(String) });

			forgetProcessMemory();
			const delivered = await arriveWorkflow().call({ body, ip: ARRIVE });
			expect(delivered.body).toEqual({ status: 'accepted', items: 1 });
			expect(answer.items).toEqual(delivered.items);
			expect(answer.items[0]).toMatchObject({ status: moment, isNewAckToken: true });
		},
	);

	test('without ?moment=, an approach; an arrival when Statuses leave approaches out', async () => {
		const approach = await arriveWorkflow().call(sampleRequest(), 'manual');
		expect(approach.items.map((item) => item.status)).toEqual(['approaching']);
		const arrival = await arriveWorkflow({ statuses: ['arrived'] }).call(sampleRequest(), 'manual');
		expect(arrival.items.map((item) => item.status)).toEqual(['arrived']);
	});

	test('the sample is at a site and in an environment the node takes', async () => {
		const answer = await arriveWorkflow({
			environment: 'production',
			siteIds: 'store_12, store_13',
		}).call(sampleRequest(), 'manual');
		expect(answer.items[0]).toMatchObject({ production: true, siteCsin: 'store_12' });
	});

	test('every Trigger On gets the sample: each is a new trip', async () => {
		for (const emit of ['newArrival', 'statusChange', 'everyUpdate']) {
			const workflow = arriveWorkflow({ emit });
			for (let round = 0; round < 2; round++) {
				const answer = await workflow.call(sampleRequest(), 'manual');
				expect({ emit, round, items: answer.items.length }).toEqual({ emit, round, items: 1 });
			}
		}
	});

	test('?moment=departed: 400 naming the samples, no run', async () => {
		const answer = await arriveWorkflow().call(sampleRequest({ moment: 'departed' }), 'manual');
		expect(answer).toMatchObject({ status: 400, startsExecution: false });
		expect(answer.text).toContain('approaching, arrived');
	});
});

describe.each([
	['Captain.AI Trigger 3', () => captainWorkflow()],
	['ARRIVE Trigger 4', () => arriveWorkflow()],
])('%s: GET …/sample on the Production URL', (_name, make) => {
	test('404 JSON, no run, no memory touched', async () => {
		const workflow = make();
		const answer = await workflow.call(sampleRequest(), 'webhook');
		expect(answer).toMatchObject({
			status: 404,
			body: {
				error: 'not found',
				detail: 'the sample answers only on the Test URL, while the node listens for a test event',
			},
			startsExecution: false,
		});
		expect(workflow.saves).toBe(0);
		expect(workflow.staticData).toEqual({});
	});
});

test("the page escapes what it shows: the node's name and the name asked for", () => {
	const receiver = captainReceiver({
		events: [],
		environment: 'any',
		dropOutOfOrder: true,
		output: 'simplified',
		memory: { maxAgeMs: 60_000, maxEntries: 10 },
		driverUpdates: { etaMinChangeMinutes: 0 },
	});
	const place = { scope: 'escape-test', newRevision: () => 'r' };
	const unknown = runSample(
		{ unknown: '<img src=x onerror=alert(1)>', parameter: 'event', offered: ['a'] },
		receiver,
		place,
		{ now: Date.now(), nodeName: 'x' },
	);
	expect(unknown.page).toContain('&lt;img src=x onerror=alert(1)&gt;');
	expect(unknown.page).not.toContain('<img');
	const sent = runSample(
		captainSamples.chooseCaptainSample(
			{},
			{ now: Date.now(), newId: () => 'fresh-id' },
			{ events: [], environment: 'any' },
		),
		receiver,
		place,
		{ now: Date.now(), nodeName: '"><script>alert(1)</script>' },
	);
	expect(sent.page).toContain('&quot;&gt;&lt;script&gt;');
	expect(sent.page).not.toContain('<script>');
});
