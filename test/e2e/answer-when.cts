/**
 * "Answer the Provider: When the Run Has Finished" in a real n8n: the provider gets its 2xx
 * only once the whole run succeeded (n8n's "When Last Node Finishes", with no data), a run that
 * fails is answered 500 and the provider's resend runs again, and a resend of a run that
 * succeeded is a duplicate.
 */
import { randomUUID } from 'crypto';

import {
	type N8n,
	type NodeE2ESuite,
	type Published,
	TRIGGER_NAMES,
	type WorkflowInput,
	describeExecutions,
	executionIds,
	loadFixture,
	newExecutions,
	once,
	publish,
	triggerWorkflow,
} from './support/real-n8n.cjs';

const TRIGGER = TRIGGER_NAMES.captainAiTrigger;

/** The trigger, answering when the run has finished, then one more node. */
function answeredAtTheEnd(
	name: string,
	next: 'succeeds' | 'fails',
	credential: { id: string; name: string },
): WorkflowInput {
	const workflow = triggerWorkflow(name, 'captainAiTrigger', {
		typeVersion: 2,
		parameters: { options: { answerWhen: 'runFinishes' } },
		credential,
	});
	const after =
		next === 'succeeds'
			? { type: 'n8n-nodes-base.noOp', typeVersion: 1, parameters: {} }
			: {
					type: 'n8n-nodes-base.stopAndError',
					typeVersion: 1,
					parameters: { errorMessage: 'the downstream system refused the order' },
				};
	return {
		...workflow,
		nodes: [...workflow.nodes, { id: randomUUID(), name: 'After', position: [220, 0], ...after }],
		connections: { [TRIGGER]: { main: [[{ node: 'After', type: 'main', index: 0 }]] } },
	};
}

export function answerWhenSuite(n8n: () => N8n): NodeE2ESuite {
	const authToken = `e2e-answer-${randomUUID()}`;
	const auth = { 'Auth-Token': authToken };
	let succeeding: Published;
	let failing: Published;

	const publishWorkflows = once(async () => {
		const created = await n8n().createCredential('Captain.AI e2e answer', 'captainAiWebhookApi', {
			authToken,
		});
		const credential = { id: created.id, name: created.name };
		succeeding = await publish(
			n8n(),
			answeredAtTheEnd('Answer at the end, ok', 'succeeds', credential),
			'events',
		);
		failing = await publish(
			n8n(),
			answeredAtTheEnd('Answer at the end, failing', 'fails', credential),
			'events',
		);
	});

	const freshEvent = () => ({
		...loadFixture('captain', 'order_status_updated'),
		event_uuid: randomUUID(),
	});

	return {
		title: 'Answer the Provider: When the Run Has Finished',

		declareTests() {
			beforeAll(publishWorkflows, 60_000);

			test('a run that succeeds → 200 once it has finished (no workflow data sent); its resend → duplicate, no run', async () => {
				const event = freshEvent();
				const before = await executionIds(n8n(), succeeding.workflow.id);
				const answer = await n8n().post(succeeding.url, event, auth);
				expect({ status: answer.status, text: answer.text }).toEqual({ status: 200, text: '' });
				const runs = await newExecutions(n8n(), succeeding.workflow.id, before, 1);
				expect(describeExecutions(runs, TRIGGER)).toEqual([
					{
						id: runs[0]?.id,
						status: 'success',
						items: [expect.objectContaining({ eventId: event.event_uuid })],
					},
				]);
				const resend = await n8n().post(succeeding.url, event, auth);
				expect({ status: resend.status, reason: resend.body?.reason }).toEqual({
					status: 200,
					reason: 'duplicate',
				});
			});

			test("a run that fails → 500, and the provider's resend runs again (not a duplicate)", async () => {
				const event = freshEvent();
				const before = await executionIds(n8n(), failing.workflow.id);
				const first = await n8n().post(failing.url, event, auth);
				expect(first.status).toBe(500);
				const resend = await n8n().post(failing.url, event, auth);
				expect(resend.status).toBe(500);
				const runs = await newExecutions(n8n(), failing.workflow.id, before, 2);
				expect(runs.map((run) => run.status)).toEqual(['error', 'error']);
			});
		},

		async beforeRestart() {},
		async settleBeforeRestart() {},
		declareTestsAfterRestart() {},
	};
}
