/**
 * The package in a real n8n, per version in N8N_E2E_VERSIONS (default 2.41.1,1.123.81,1.100.1): packed,
 * installed into <userFolder>/.n8n/nodes as a user does, driven over HTTP only. One n8n per
 * version, restarted once (with N8N_PROXY_HOPS=1) for the cases that need a restart.
 *
 * To add a node's cases: write a NodeE2ESuite (see captain-ai-trigger.cts) and list it below.
 */
import { answerWhenSuite } from './answer-when.cjs';
import { arriveTriggerSuite } from './arrive-trigger.cjs';
import { captainAiTriggerSuite } from './captain-ai-trigger.cjs';
import { driverUpdatesSuite } from './driver-updates.cjs';
import { versionTwoSuite } from './version-2.cjs';
import { versionThreeSuite } from './version-3.cjs';
import {
	N8N_RESTART_TIMEOUT_MS,
	NODE_TYPES,
	SETTLE_WAIT_MS,
	type N8n,
	type NodeE2ESuite,
	e2eVersions,
	publish,
	sleep,
	triggerWorkflow,
	useRealN8n,
} from './support/real-n8n.cjs';

const NODE_SUITES: Array<(n8n: () => N8n) => NodeE2ESuite> = [
	captainAiTriggerSuite,
	arriveTriggerSuite,
	versionTwoSuite,
	versionThreeSuite,
	answerWhenSuite,
	driverUpdatesSuite,
];

describe.each(e2eVersions())('n8n %s', (version) => {
	const n8n = useRealN8n(version);
	const suites = NODE_SUITES.map((makeSuite) => makeSuite(n8n));

	describe('package', () => {
		test('n8n loaded both trigger nodes and the credential type from the installed package', async () => {
			expect(await n8n().typeNames('nodes')).toEqual(
				expect.arrayContaining([NODE_TYPES.captainAiTrigger, NODE_TYPES.arriveTrigger]),
			);
			expect(await n8n().typeNames('credentials')).toContain('captainAiWebhookApi');
		});

		test('a workflow with the ARRIVE Trigger publishes and its production URL is served', async () => {
			await publish(n8n(), triggerWorkflow('ARRIVE publish check', 'arriveTrigger'), 'arrive');
		});
	});

	for (const suite of suites) describe(suite.title, () => suite.declareTests());

	describe('after restarting n8n with N8N_PROXY_HOPS=1', () => {
		beforeAll(
			async () => {
				// Send what must be remembered, let the runs end (n8n 2.x tells the node), let each
				// suite's dropped delivery carry the save that records it, restart.
				for (const suite of suites) await suite.beforeRestart();
				await sleep(SETTLE_WAIT_MS);
				for (const suite of suites) await suite.settleBeforeRestart();
				await n8n().restart({ N8N_PROXY_HOPS: '1' });
			},
			N8N_RESTART_TIMEOUT_MS + SETTLE_WAIT_MS + 120_000,
		);

		for (const suite of suites) describe(suite.title, () => suite.declareTestsAfterRestart());
	});
});
