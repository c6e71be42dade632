/**
 * The node versions a node added now gets: Captain.AI Trigger 3 (one node, both Captain URLs,
 * chosen by Events) and ARRIVE Trigger 4, with their GET …/sample; and that saved workflows of
 * the earlier versions still serve exactly the URLs they had. The sample is opened on the Test
 * URL after n8n was told to listen (as "Execute step" does), and on the Production URL.
 */
import { randomUUID } from 'crypto';

import {
	type HttpAnswer,
	type N8n,
	type NodeE2ESuite,
	type Published,
	TRIGGER_NAMES,
	describeExecutions,
	executionIds,
	executionsAfterSettling,
	loadFixture,
	newExecutions,
	nodeOutputItems,
	once,
	publish,
	triggerWorkflow,
} from './support/real-n8n.cjs';

const CAPTAIN = TRIGGER_NAMES.captainAiTrigger;
const ARRIVE = TRIGGER_NAMES.arriveTrigger;

/** n8n's own answer for a URL no webhook is registered at (1.x and 2.x). */
const isNotRegistered = (answer: HttpAnswer) =>
	answer.status === 404 && /not registered/.test(String(answer.body?.message ?? answer.text));

/** The node's answer on the Production URL's /sample. */
const SAMPLE_NOT_HERE = {
	error: 'not found',
	detail: 'the sample answers only on the Test URL, while the node listens for a test event',
};

const webhookIdOf = (published: Published) =>
	published.workflow.nodes.find((node) => node.webhookId)!.webhookId!;

export function versionThreeSuite(n8n: () => N8n): NodeE2ESuite {
	const authToken = `e2e-v3-${randomUUID()}`;
	const auth = { 'Auth-Token': authToken };
	/** Captain.AI 3 with every event; with order status only; with item status only. */
	let every: Published;
	let ordersOnly: Published;
	let itemStatusOnly: Published;
	let arrive4: Published;
	/** Saved with earlier versions. */
	let captain1: Published;
	let captain2ItemStatus: Published;
	let arrive3: Published;

	const publishWorkflows = once(async () => {
		const created = await n8n().createCredential('Captain.AI e2e v3', 'captainAiWebhookApi', {
			authToken,
		});
		const credential = { id: created.id, name: created.name };
		const captain = (name: string, typeVersion: number, parameters: Record<string, unknown>) =>
			triggerWorkflow(name, 'captainAiTrigger', { typeVersion, parameters, credential });
		every = await publish(n8n(), captain('Captain v3 every event', 3, {}), 'events');
		ordersOnly = await publish(
			n8n(),
			captain('Captain v3 order status', 3, { events: ['order_status_updated'] }),
			'events',
		);
		itemStatusOnly = await publish(
			n8n(),
			captain('Captain v3 item status', 3, { events: ['item_status_updated'] }),
			'item-status',
		);
		arrive4 = await publish(
			n8n(),
			triggerWorkflow('ARRIVE v4', 'arriveTrigger', {
				typeVersion: 4,
				parameters: { additionalAddresses: '127.0.0.1' },
			}),
			'arrive',
		);
		captain1 = await publish(n8n(), captain('Captain v1 main', 1, {}), 'events');
		captain2ItemStatus = await publish(
			n8n(),
			captain('Captain v2 item status', 2, { receives: 'itemStatus' }),
			'item-status',
		);
		arrive3 = await publish(
			n8n(),
			triggerWorkflow('ARRIVE v3', 'arriveTrigger', { typeVersion: 3 }),
			'arrive',
		);
	});

	const url = (published: Published, path: string) =>
		n8n().webhookUrl(webhookIdOf(published), path);

	/** A Captain.AI fixture as a new event. */
	const fresh = (name: string) => ({
		...loadFixture<Record<string, unknown>>('captain', name),
		event_uuid: randomUUID(),
	});

	async function expectRun(published: Published, path: string, event: Record<string, unknown>) {
		const before = await executionIds(n8n(), published.workflow.id);
		const answer = await n8n().post(url(published, path), event, auth);
		expect({ path, status: answer.status, body: answer.body }).toEqual({
			path,
			status: 200,
			body: { status: 'accepted', items: 1 },
		});
		const started = await newExecutions(n8n(), published.workflow.id, before, 1);
		expect(started.map((execution) => nodeOutputItems(execution, CAPTAIN)[0]?.eventId)).toEqual([
			event.event_uuid,
		]);
	}

	/** Each request is answered as `expected` says, and none of them starts a run. */
	async function expectNoRun(
		published: Published,
		requests: Array<[string, () => Promise<HttpAnswer>, (answer: HttpAnswer) => void]>,
	) {
		const before = await executionIds(n8n(), published.workflow.id);
		for (const [, send, expected] of requests) expected(await send());
		const started = await executionsAfterSettling(n8n(), published.workflow.id, before);
		expect(describeExecutions(started, CAPTAIN)).toEqual([]);
	}

	const notRegistered = (answer: HttpAnswer) =>
		expect({ status: answer.status, notRegistered: isNotRegistered(answer) }).toEqual({
			status: 404,
			notRegistered: true,
		});
	const sampleNotHere = (answer: HttpAnswer) =>
		expect({ status: answer.status, body: answer.body }).toEqual({
			status: 404,
			body: SAMPLE_NOT_HERE,
		});

	return {
		title:
			'Captain.AI Trigger 3 and ARRIVE Trigger 4 (nodes added now), beside saved earlier versions',

		declareTests() {
			beforeAll(publishWorkflows, 120_000);

			test('Captain.AI 3 with every event: /events and /item-status each run their event', async () => {
				await expectRun(every, 'events', fresh('order_status_updated'));
				await expectRun(every, 'item-status', fresh('item_status_updated'));
			});

			test('Captain.AI 3 with order status only: /events runs it; /item-status is not registered', async () => {
				await expectRun(ordersOnly, 'events', fresh('order_status_updated'));
				await expectNoRun(ordersOnly, [
					[
						'item-status',
						() => n8n().post(url(ordersOnly, 'item-status'), fresh('item_status_updated'), auth),
						notRegistered,
					],
				]);
			});

			test('Captain.AI 3 with item status only (the node-creator action): /item-status runs it; /events is not registered', async () => {
				await expectRun(itemStatusOnly, 'item-status', fresh('item_status_updated'));
				await expectNoRun(itemStatusOnly, [
					[
						'events',
						() => n8n().post(url(itemStatusOnly, 'events'), fresh('order_status_updated'), auth),
						notRegistered,
					],
				]);
			});

			test('GET …/sample on the Production URL: 404 JSON from the node, no run (Captain.AI 3, ARRIVE 4)', async () => {
				for (const published of [every, itemStatusOnly]) {
					await n8n().waitForWebhook(url(published, 'sample'), { method: 'GET' });
					await expectNoRun(published, [
						['sample', () => n8n().get(url(published, 'sample')), sampleNotHere],
						[
							'sample?event=order_assigned',
							() => n8n().get(`${url(published, 'sample')}?event=order_assigned`),
							sampleNotHere,
						],
					]);
				}
				await n8n().waitForWebhook(url(arrive4, 'sample'), { method: 'GET' });
				const before = await executionIds(n8n(), arrive4.workflow.id);
				sampleNotHere(await n8n().get(`${url(arrive4, 'sample')}?moment=arrived`));
				const started = await executionsAfterSettling(n8n(), arrive4.workflow.id, before);
				expect(describeExecutions(started, ARRIVE)).toEqual([]);
			});

			test('saved workflows of earlier versions serve exactly the URLs they had', async () => {
				await expectRun(captain1, 'events', fresh('order_assigned'));
				await expectNoRun(captain1, [
					[
						'item-status',
						() => n8n().post(url(captain1, 'item-status'), fresh('item_status_updated'), auth),
						notRegistered,
					],
					['sample', () => n8n().get(url(captain1, 'sample')), notRegistered],
				]);
				await expectRun(captain2ItemStatus, 'item-status', fresh('item_status_updated'));
				await expectNoRun(captain2ItemStatus, [
					[
						'events',
						() => n8n().post(url(captain2ItemStatus, 'events'), fresh('order_assigned'), auth),
						notRegistered,
					],
					['sample', () => n8n().get(url(captain2ItemStatus, 'sample')), notRegistered],
				]);
				notRegistered(await n8n().get(url(arrive3, 'sample')));
			});

			test('GET …/sample on the Test URL while listening: the test run outputs the sample; then listening ends', async () => {
				const webhookId = webhookIdOf(ordersOnly);
				const sampleUrl = n8n().testWebhookUrl(webhookId, 'sample');
				// Not listening: nothing is served on the Test URL.
				notRegistered(await n8n().get(sampleUrl));

				await n8n().listenForTestEvent(ordersOnly.workflow.id, CAPTAIN);
				const before = await executionIds(n8n(), ordersOnly.workflow.id);
				const page = await n8n().get(sampleUrl);
				expect(page.status).toBe(200);
				expect(String(page.headers['content-type'])).toMatch(/^text\/html/);
				expect(page.text).toContain('Sample sent to n8n');
				const started = await newExecutions(n8n(), ordersOnly.workflow.id, before, 1);
				expect(started.map((execution) => [execution.mode, execution.status])).toEqual([
					['manual', 'success'],
				]);
				const items = nodeOutputItems(started[0], CAPTAIN);
				expect(items).toEqual([
					expect.objectContaining({
						event: 'order_status_updated',
						order_status: 'cancelled',
						order_uuid: '6992dc85d681',
						entityType: 'order',
					}),
				]);
				expect(items[0].eventId).not.toBe(
					loadFixture<Record<string, unknown>>('captain', 'order_status_updated').event_uuid,
				);
				// One test event per listening, as with a real one.
				notRegistered(await n8n().get(sampleUrl));
			});

			test('ARRIVE 4: GET …/sample?moment=arrived on the Test URL while listening: the test run outputs an arrival', async () => {
				const sampleUrl = n8n().testWebhookUrl(webhookIdOf(arrive4), 'sample?moment=arrived');
				await n8n().listenForTestEvent(arrive4.workflow.id, ARRIVE);
				const before = await executionIds(n8n(), arrive4.workflow.id);
				const page = await n8n().get(sampleUrl);
				expect({ status: page.status, sent: page.text.includes('Sample sent to n8n') }).toEqual({
					status: 200,
					sent: true,
				});
				const started = await newExecutions(n8n(), arrive4.workflow.id, before, 1);
				expect(nodeOutputItems(started[0], ARRIVE)).toEqual([
					expect.objectContaining({
						status: 'arrived',
						isNewAckToken: true,
						customerName: 'John Smith',
						siteCsin: 'hellocurbside_9388',
					}),
				]);
			});
		},

		async beforeRestart() {},

		async settleBeforeRestart() {},

		declareTestsAfterRestart() {},
	};
}
