/**
 * How often the Captain.AI Trigger reads its credential, through n8n-core's real WebhookContext
 * (the credential store counts its reads). The timing rules themselves are unit-tested with a
 * test clock in test/unit/credential-cache.test.cts; here the clock is Date.now, moved by a spy.
 */
import { CaptainAiTrigger } from '../../nodes/CaptainAiTrigger/CaptainAiTrigger.node';
import { captainTokens } from '../../nodes/CaptainAiTrigger/authentication';
import { forgetProcessMemory } from '../../nodes/common/memory/node-memory';
import { loadFixture } from '../helpers/fixtures.cjs';
import { SavedWorkflow } from '../helpers/webhook-harness.cjs';

const TOKEN = 'a-long-shared-secret-0123456789';
const NEW_TOKEN = 'the-rotated-shared-secret-9876543210';
const TYPE = 'n8n-nodes-captain-arrive.captainAiTrigger';
const body = loadFixture('captain', 'order_assigned');

let now = 1_700_000_000_000;
beforeEach(() => {
	forgetProcessMemory();
	captainTokens.clear();
	jest.spyOn(Date, 'now').mockImplementation(() => now);
});
afterEach(() => jest.restoreAllMocks());

const captainWorkflow = (parameters = {}) =>
	new SavedWorkflow(
		new CaptainAiTrigger(),
		TYPE,
		{ events: ['order_status_updated'], ...parameters },
		{ captainAiWebhookApi: { authToken: TOKEN } },
	);

test('a request without Auth-Token is refused without reading the credential', async () => {
	const workflow = captainWorkflow();
	const answer = await workflow.call({ body });
	expect(answer).toMatchObject({ status: 401, body: { error: 'missing Auth-Token header' } });
	expect(workflow.credentialReads).toBe(0);
});

test('an empty or repeated Auth-Token is refused without reading the credential', async () => {
	const workflow = captainWorkflow();
	expect(await workflow.call({ body, headers: { 'Auth-Token': '' } })).toMatchObject({
		status: 401,
		body: { error: 'invalid Auth-Token' },
	});
	expect(await workflow.call({ body, headers: { 'Auth-Token': [TOKEN, TOKEN] } })).toMatchObject({
		status: 401,
	});
	expect(workflow.credentialReads).toBe(0);
});

test('the address allowlist is judged before the Auth-Token, and without reading the credential', async () => {
	const workflow = captainWorkflow({ options: { allowedAddresses: '203.0.113.0/24' } });
	const answer = await workflow.call({
		body,
		headers: { 'Auth-Token': 'wrong' },
		ip: '198.51.100.1',
	});
	expect(answer).toMatchObject({ status: 403 });
	expect(workflow.credentialReads).toBe(0);
});

test('requests within a few seconds read the credential once', async () => {
	const workflow = captainWorkflow();
	for (let i = 0; i < 10; i++) {
		expect((await workflow.call({ body, headers: { 'Auth-Token': TOKEN } })).status).toBe(200);
		now += 100;
	}
	expect(workflow.credentialReads).toBe(1);
});

test('a rotated token works at once, and the replaced one stops when the new one is read', async () => {
	const workflow = captainWorkflow();
	await workflow.call({ body, headers: { 'Auth-Token': TOKEN } });
	workflow.credentials = { captainAiWebhookApi: { authToken: NEW_TOKEN } };
	now += 2_000;
	expect((await workflow.call({ body, headers: { 'Auth-Token': NEW_TOKEN } })).status).toBe(200);
	expect((await workflow.call({ body, headers: { 'Auth-Token': TOKEN } })).status).toBe(401);
	expect(workflow.credentialReads).toBe(2);
});

test('a flood of wrong tokens causes at most one credential read per second', async () => {
	const workflow = captainWorkflow();
	await workflow.call({ body, headers: { 'Auth-Token': TOKEN } });
	for (let i = 0; i < 50; i++) {
		expect((await workflow.call({ body, headers: { 'Auth-Token': `wrong-${i}` } })).status).toBe(
			401,
		);
		now += 10; // 50 requests in half a second
	}
	expect(workflow.credentialReads).toBe(1);
});

test('each node has its own entry: another workflow reads its own credential', async () => {
	const first = captainWorkflow();
	const second = new SavedWorkflow(
		new CaptainAiTrigger(),
		TYPE,
		{},
		{ captainAiWebhookApi: { authToken: NEW_TOKEN } },
		'wf-test-2',
	);
	expect((await first.call({ body, headers: { 'Auth-Token': TOKEN } })).status).toBe(200);
	expect((await second.call({ body, headers: { 'Auth-Token': TOKEN } })).status).toBe(401);
	expect((await second.call({ body, headers: { 'Auth-Token': NEW_TOKEN } })).status).toBe(200);
});
