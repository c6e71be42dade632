/**
 * For node versions ≥ 2, n8n reads the body only for content types it parses. A body sent with
 * another content type (or none) must still reach the pipeline, as it did at version 1.
 */
import { ArriveTrigger } from '../../nodes/ArriveTrigger/ArriveTrigger.node';
import { CaptainAiTrigger } from '../../nodes/CaptainAiTrigger/CaptainAiTrigger.node';
import { forgetProcessMemory } from '../../nodes/common/memory/node-memory';
import { loadFixture } from '../helpers/fixtures.cjs';
import { SavedWorkflow } from '../helpers/webhook-harness.cjs';

const TOKEN = 'a-long-shared-secret-0123456789';

beforeEach(() => forgetProcessMemory());

test('Captain.AI: a JSON body n8n left unread is read and parsed', async () => {
	const workflow = new SavedWorkflow(
		new CaptainAiTrigger(),
		'n8n-nodes-captain-arrive.captainAiTrigger',
		{},
		{ captainAiWebhookApi: { authToken: TOKEN } },
	);
	const body = loadFixture('captain', 'order_assigned');
	const answer = await workflow.call({
		body: undefined,
		unreadBody: Buffer.from(JSON.stringify(body)),
		headers: { 'Auth-Token': TOKEN },
	});
	expect(answer).toMatchObject({ status: 200, startsExecution: true });
});

test('ARRIVE: a JSON body n8n left unread is read and parsed', async () => {
	const workflow = new SavedWorkflow(
		new ArriveTrigger(),
		'n8n-nodes-captain-arrive.arriveTrigger',
		{ sourceRestriction: 'none' },
	);
	const body = loadFixture('arrive', 'ad-estimates');
	const answer = await workflow.call({
		body: undefined,
		unreadBody: Buffer.from(JSON.stringify(body)),
	});
	expect(answer).toMatchObject({ status: 200, startsExecution: true });
});

test('a multipart request is left to n8n (its parser consumed the stream)', async () => {
	const workflow = new SavedWorkflow(
		new ArriveTrigger(),
		'n8n-nodes-captain-arrive.arriveTrigger',
		{ sourceRestriction: 'none' },
	);
	const answer = await workflow.call({
		body: undefined,
		unreadBody: Buffer.from(JSON.stringify(loadFixture('arrive', 'ad-estimates'))),
		headers: { 'Content-Type': 'multipart/form-data; boundary=x' },
	});
	expect(answer).toMatchObject({ status: 400, startsExecution: false });
});
