/**
 * Both nodes at version 2, the version new nodes get (the other suites place them at version 1,
 * as older workflows have them). What differs in n8n: at version 2 it does not evaluate the old
 * Webhook node's binaryData option per request, it reads the body only for content types it
 * parses (the nodes read the rest themselves), and on 2.x the Captain.AI path is resolved by
 * the node's function instead of the expression (1.x evaluates the same template).
 */
import { randomUUID } from 'crypto';

import {
	type N8n,
	type NodeE2ESuite,
	type Published,
	TRIGGER_NAMES,
	executionIds,
	isAcceptedAnswer,
	loadFixture,
	newExecutions,
	nodeOutputItems,
	once,
	publish,
	triggerWorkflow,
} from './support/real-n8n.cjs';

export function versionTwoSuite(n8n: () => N8n): NodeE2ESuite {
	const authToken = `e2e-v2-${randomUUID()}`;
	let captainMain: Published;
	let captainItemStatus: Published;
	let arrive: Published;

	const publishWorkflows = once(async () => {
		const credential = await n8n().createCredential('Captain.AI e2e v2', 'captainAiWebhookApi', {
			authToken,
		});
		const ref = { id: credential.id, name: credential.name };
		captainMain = await publish(
			n8n(),
			triggerWorkflow('Captain v2 main', 'captainAiTrigger', {
				typeVersion: 2,
				credential: ref,
			}),
			'events',
		);
		captainItemStatus = await publish(
			n8n(),
			triggerWorkflow('Captain v2 item status', 'captainAiTrigger', {
				typeVersion: 2,
				parameters: { receives: 'itemStatus' },
				credential: ref,
			}),
			'item-status',
		);
		arrive = await publish(
			n8n(),
			triggerWorkflow('ARRIVE v2', 'arriveTrigger', {
				typeVersion: 2,
				parameters: { additionalAddresses: '127.0.0.1' },
			}),
			'arrive',
		);
	});

	async function expectOneRun(
		published: Published,
		trigger: string,
		body: unknown,
		headers: Record<string, string>,
	) {
		const before = await executionIds(n8n(), published.workflow.id);
		const answer = await n8n().post(published.url, JSON.stringify(body), headers);
		expect({ status: answer.status, accepted: isAcceptedAnswer(answer) }).toEqual({
			status: 200,
			accepted: true,
		});
		const started = await newExecutions(n8n(), published.workflow.id, before, 1);
		expect(started).toHaveLength(1);
		return nodeOutputItems(started[0], trigger);
	}

	return {
		title: 'both nodes at version 2 (new nodes)',

		declareTests() {
			beforeAll(publishWorkflows, 60_000);

			test('Captain.AI: the main and item-status paths are served, each accepting its event', async () => {
				const order = {
					...loadFixture<Record<string, unknown>>('captain', 'order_assigned'),
					event_uuid: randomUUID(),
				};
				const items = await expectOneRun(captainMain, TRIGGER_NAMES.captainAiTrigger, order, {
					'Auth-Token': authToken,
					'Content-Type': 'application/json',
				});
				expect(items).toEqual([expect.objectContaining({ eventId: order.event_uuid })]);
				const item = {
					...loadFixture<Record<string, unknown>>('captain', 'item_status_updated'),
					event_uuid: randomUUID(),
				};
				await expectOneRun(captainItemStatus, TRIGGER_NAMES.captainAiTrigger, item, {
					'Auth-Token': authToken,
					'Content-Type': 'application/json',
				});
			});

			test('Captain.AI: a JSON body sent as application/octet-stream (n8n leaves it unread) → accepted', async () => {
				const order = {
					...loadFixture<Record<string, unknown>>('captain', 'order_assigned'),
					event_uuid: randomUUID(),
				};
				const items = await expectOneRun(captainMain, TRIGGER_NAMES.captainAiTrigger, order, {
					'Auth-Token': authToken,
					'Content-Type': 'application/octet-stream',
				});
				expect(items).toEqual([expect.objectContaining({ eventId: order.event_uuid })]);
			});

			test('Captain.AI: missing and wrong Auth-Token → 401', async () => {
				const order = loadFixture<Record<string, unknown>>('captain', 'order_assigned');
				expect((await n8n().post(captainMain.url, order)).status).toBe(401);
				expect(
					(await n8n().post(captainMain.url, order, { 'Auth-Token': `${authToken}-wrong` })).status,
				).toBe(401);
			});

			test('ARRIVE: a call sent as application/octet-stream → accepted, one trip item', async () => {
				const call = loadFixture<Record<string, any>>('arrive', 'ad-estimates');
				call.data.estimates[0].ack = { token: randomUUID() };
				const items = await expectOneRun(arrive, TRIGGER_NAMES.arriveTrigger, call, {
					'Content-Type': 'application/octet-stream',
				});
				expect(items).toHaveLength(1);
			});
		},

		async beforeRestart() {},

		async settleBeforeRestart() {},

		declareTestsAfterRestart() {},
	};
}
