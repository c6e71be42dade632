/**
 * The hostile-input corpus against a real n8n: every case's answer as the docs document
 * it, no execution for what is refused or ignored, and a valid delivery right after each case
 * still accepted and run. All of n8n 2.41.1's corpus; on n8n 1.x the cases marked `subset`.
 * Prints `corpus: N passed, M failed` per n8n version.
 *
 * Only this file: npx jest --config jest.e2e.config.js --runInBand test/e2e/hostile-input
 * (after npm run build), N8N_E2E_VERSIONS to pick versions.
 */
import { randomUUID } from 'crypto';

import {
	type Published,
	N8N_RESTART_TIMEOUT_MS,
	TRIGGER_NAMES,
	e2eVersions,
	publish,
	triggerWorkflow,
	useRealN8n,
} from './support/real-n8n.cjs';
import { ARRIVE_ADDRESS, SMALL_TRIP_MEMORY, arriveCorpus } from './hostile/arrive-cases.cjs';
import { CAPTAIN_ALLOWED_ADDRESS, captainCorpus } from './hostile/captain-cases.cjs';
import {
	type CaseResult,
	type CorpusCase,
	type CorpusTargets,
	IdBook,
	report,
	runCorpus,
} from './hostile/corpus.cjs';

const CAPTAIN = TRIGGER_NAMES.captainAiTrigger;
const ARRIVE = TRIGGER_NAMES.arriveTrigger;

function targetsOf(
	published: Record<string, Published>,
	triggerName: string,
	idOf: CorpusTargets['idOf'],
	valid: CorpusTargets['valid'],
): CorpusTargets {
	const entries = Object.entries(published);
	return {
		urls: Object.fromEntries(entries.map(([key, value]) => [key, value.url])),
		workflowIds: Object.fromEntries(entries.map(([key, value]) => [key, value.workflow.id])),
		triggerName,
		idOf,
		valid,
	};
}

describe.each(e2eVersions())('hostile-input corpus on n8n %s', (version) => {
	const n8n = useRealN8n(version);
	const full = version.startsWith('2.');
	const book = new IdBook();
	const token = `corpus-${randomUUID()}`;
	const captain = captainCorpus(book, token);
	const arrive = arriveCorpus(book);
	const results: CaseResult[] = [];
	let captainTargets: CorpusTargets;
	let arriveTargets: CorpusTargets;

	const chosen = (cases: CorpusCase[]) =>
		full ? cases : cases.filter((corpusCase) => corpusCase.subset);
	const print = (text: string) => process.stdout.write(`${text}\n`);

	async function run(title: string, cases: CorpusCase[], targets: CorpusTargets) {
		const outcome = await runCorpus(n8n(), cases, targets, book);
		results.push(...outcome);
		const { text } = report(`${title} on n8n ${version}`, outcome);
		print(text);
		expect(outcome.filter((result) => result.problems.length > 0)).toEqual([]);
	}

	beforeAll(async () => {
		const credential = await n8n().createCredential('Captain.AI corpus', 'captainAiWebhookApi', {
			authToken: token,
		});
		const ref = { id: credential.id, name: credential.name };
		const captainWorkflows = {
			main: await publish(
				n8n(),
				triggerWorkflow('Corpus Captain', 'captainAiTrigger', { credential: ref }),
				'events',
			),
			allowlisted: await publish(
				n8n(),
				triggerWorkflow('Corpus Captain allowlist', 'captainAiTrigger', {
					parameters: { options: { allowedAddresses: CAPTAIN_ALLOWED_ADDRESS } },
					credential: ref,
				}),
				'events',
			),
		};
		const local = { additionalAddresses: '127.0.0.1, ::1' };
		const arriveWorkflows = {
			local: await publish(
				n8n(),
				triggerWorkflow('Corpus ARRIVE', 'arriveTrigger', { parameters: local }),
				'arrive',
			),
			small: await publish(
				n8n(),
				triggerWorkflow('Corpus ARRIVE small', 'arriveTrigger', {
					parameters: { ...local, options: { rememberMaxTrips: SMALL_TRIP_MEMORY } },
				}),
				'arrive',
			),
			every: await publish(
				n8n(),
				triggerWorkflow('Corpus ARRIVE every', 'arriveTrigger', {
					parameters: { ...local, emit: 'everyUpdate' },
				}),
				'arrive',
			),
			arriveOnly: await publish(
				n8n(),
				triggerWorkflow('Corpus ARRIVE only', 'arriveTrigger'),
				'arrive',
			),
		};
		captainTargets = targetsOf(
			captainWorkflows,
			CAPTAIN,
			(item) => String(item.eventId),
			captain.valid,
		);
		arriveTargets = targetsOf(
			arriveWorkflows,
			ARRIVE,
			(item) => String(item.tripId ?? item.tid),
			arrive.valid,
		);
	}, 120_000);

	afterAll(() => {
		const failed = results.filter((result) => result.problems.length > 0).length;
		print(`n8n ${version}: ${results.length} corpus cases`);
		print(`corpus: ${results.length - failed} passed, ${failed} failed`);
	});

	test(`Captain.AI Trigger: ${full ? 'every case' : 'the subset'}`, async () => {
		await run('Captain.AI corpus', chosen(captain.cases), captainTargets);
	}, 600_000);

	test(`ARRIVE Trigger: ${full ? 'every case' : 'the subset'}`, async () => {
		await run('ARRIVE corpus', chosen(arrive.cases), arriveTargets);
	}, 600_000);

	// On 2.x only: the main suite (triggers.e2e.test.cts) already checks N8N_PROXY_HOPS=1 on both.
	if (full)
		describe('n8n restarted with N8N_PROXY_HOPS=1 (n8n then believes the last X-Forwarded-For hop)', () => {
			beforeAll(async () => {
				await n8n().restart({ N8N_PROXY_HOPS: '1' });
				for (const url of [
					...Object.values(captainTargets.urls),
					...Object.values(arriveTargets.urls),
				])
					await n8n().waitForWebhook(url);
			}, N8N_RESTART_TIMEOUT_MS);

			test('Captain.AI Trigger behind a trusted proxy', async () => {
				await run('Captain.AI proxy corpus', captain.proxyCases, captainTargets);
			}, 300_000);

			test(`ARRIVE Trigger behind a trusted proxy (${ARRIVE_ADDRESS})`, async () => {
				await run('ARRIVE proxy corpus', arrive.proxyCases, arriveTargets);
			}, 300_000);
		});
});
