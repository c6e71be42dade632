/**
 * ARRIVE Trigger cases for the e2e suite, run once per n8n version by triggers.e2e.test.cts.
 * Requests come from 127.0.0.1, so the workflows that should accept them add it to ARRIVE's
 * addresses; `arriveOnly` keeps the default (ARRIVE's three addresses) to test refusals and,
 * after the restart with N8N_PROXY_HOPS=1, a forwarded ARRIVE address.
 */
import { randomUUID } from 'crypto';

import {
	type N8n,
	type NodeE2ESuite,
	type Published,
	TRIGGER_NAMES,
	describeExecutions,
	executionIds,
	executionsAfterSettling,
	isAcceptedAnswer,
	loadFixture,
	newExecutions,
	nodeOutputItems,
	once,
	publish,
	triggerWorkflow,
	saysWhenRunsEnd,
} from './support/real-n8n.cjs';

const TRIGGER = TRIGGER_NAMES.arriveTrigger;
const ARRIVE_ADDRESS = '52.37.246.23';
const OTHER_ADDRESS = '198.51.100.9';

type Estimate = Record<string, any>;
type ArriveBody = {
	event: string;
	data: { app_id: string; estimates: Estimate[]; production: boolean };
	timestamp: string;
	version: string;
};

const sample = () => loadFixture<ArriveBody>('arrive', 'ad-estimates');

let tick = 0;
/** A call as ARRIVE sends it: every open trip, a fresh timestamp. */
function call(estimates: Estimate[]): ArriveBody {
	const body = sample();
	body.data.estimates = estimates;
	body.timestamp = new Date(Date.UTC(2026, 10, 23) + ++tick * 5000).toISOString();
	return body;
}

function trip(tripId: string, status: string, ackToken?: string, extra: Estimate = {}): Estimate {
	const base = sample().data.estimates[0];
	return {
		...base,
		status,
		track_tokens: [{ ...base.track_tokens[0], dest_id: tripId }],
		ack: ackToken ? { token: ackToken } : undefined,
		...extra,
	};
}

export function arriveTriggerSuite(n8n: () => N8n): NodeE2ESuite {
	let local: Published;
	let arriveOnly: Published;
	/** The trip beforeRestart drives to "arrived"; its arrival is sent again after the restart. */
	const restartTrip = `trip-${randomUUID()}`;

	/** Publishes the shared workflows once, for whichever part of the suite runs first. */
	const publishWorkflows = once(async () => {
		local = await publish(
			n8n(),
			triggerWorkflow('ARRIVE local', 'arriveTrigger', {
				parameters: { additionalAddresses: '127.0.0.1, ::1' },
			}),
			'arrive',
		);
		arriveOnly = await publish(n8n(), triggerWorkflow('ARRIVE only', 'arriveTrigger'), 'arrive');
	});

	async function send(published: Published, body: unknown, headers: Record<string, string> = {}) {
		const before = await executionIds(n8n(), published.workflow.id);
		const answer = await n8n().post(published.url, body, headers);
		return { answer, before };
	}

	async function expectNothingStarted(published: Published, before: Set<string>) {
		const started = await executionsAfterSettling(n8n(), published.workflow.id, before);
		expect(describeExecutions(started, TRIGGER)).toEqual([]);
	}

	async function expectOneRun(published: Published, before: Set<string>) {
		const started = await newExecutions(n8n(), published.workflow.id, before, 1);
		expect(started.map((execution) => execution.status)).toEqual(['success']);
		return nodeOutputItems(started[0], TRIGGER);
	}

	return {
		title: 'ARRIVE Trigger',

		declareTests() {
			beforeAll(publishWorkflows, 60_000);

			test('the documented sample → 200 accepted, one execution with one trip item', async () => {
				const { answer, before } = await send(local, sample());
				expect({ status: answer.status, body: answer.body }).toEqual({
					status: 200,
					body: { status: 'accepted', items: 1 },
				});
				const items = await expectOneRun(local, before);
				expect(items).toEqual([
					expect.objectContaining({
						tripId: '25f8f222-6b6a-400e-bcf6-94790cc95daf',
						status: 'arrived',
						isNewAckToken: true,
						ackToken: 'df37a534-2a1b-4dd5-8709-c3b2a2a3df14',
						siteCsin: 'hellocurbside_9388',
						customerName: 'John Smith',
						vehicleLicenseNumber: '2114705',
						appId: 'com.curbside.hello',
						production: false,
						timestamp: '2017-09-14T21:55:53.802Z',
					}),
				]);
			});

			test('scripted trip: in-transit → approaching ×3 → arrived ×2 starts exactly two runs (default mode)', async () => {
				const scriptedTrip = `trip-${randomUUID()}`;
				const script = [
					call([trip(scriptedTrip, 'in-transit')]),
					call([trip(scriptedTrip, 'approaching', 'ack-1')]),
					call([trip(scriptedTrip, 'approaching', 'ack-1', { eta: 60 })]),
					call([trip(scriptedTrip, 'approaching', 'ack-1', { eta: 30 })]),
					call([trip(scriptedTrip, 'arrived', 'ack-2', { eta: 0 })]),
					call([trip(scriptedTrip, 'arrived', 'ack-2', { eta: 0 })]),
				];
				const before = await executionIds(n8n(), local.workflow.id);
				const answers = [];
				for (const body of script) answers.push(await n8n().post(local.url, body));
				expect(
					answers.map((answer) => (isAcceptedAnswer(answer) ? 'accepted' : answer.body?.reason)),
				).toEqual(['no-change', 'accepted', 'no-change', 'no-change', 'accepted', 'no-change']);
				const started = await newExecutions(n8n(), local.workflow.id, before, 2, {
					settleMs: 1000,
				});
				const items = started.flatMap((execution) => nodeOutputItems(execution, TRIGGER));
				expect(
					items.map((item) => [item.status, item.previousStatus, item.ackToken]).sort(),
				).toEqual([
					['approaching', 'in-transit', 'ack-1'],
					['arrived', 'approaching', 'ack-2'],
				]);
			});

			test('exact redelivery of an accepted call → 200 ignored (duplicate), no execution', async () => {
				const body = call([trip(`trip-${randomUUID()}`, 'arrived', 'ack-x')]);
				const first = await send(local, body);
				expect(isAcceptedAnswer(first.answer)).toBe(true);
				await expectOneRun(local, first.before);
				const again = await send(local, body);
				expect(again.answer.body).toMatchObject({ status: 'ignored', reason: 'duplicate' });
				await expectNothingStarted(local, again.before);
			});

			test('estimates: [] → 200 ignored (no-trips), no execution', async () => {
				const { answer, before } = await send(local, call([]));
				expect({ status: answer.status, reason: answer.body?.reason }).toEqual({
					status: 200,
					reason: 'no-trips',
				});
				await expectNothingStarted(local, before);
			});

			test('malformed trip → 400 naming the field, no execution', async () => {
				const body = call([trip('t-bad', 'arrived', 'k')]);
				delete body.data.estimates[0].site_csin;
				const { answer, before } = await send(local, body);
				expect(answer.status).toBe(400);
				expect(answer.body).toMatchObject({
					error: 'invalid body',
					field: 'data.estimates[0].site_csin',
				});
				await expectNothingStarted(local, before);
			});

			test('a caller that is not ARRIVE → 403 naming 127.0.0.1, no hint, no execution', async () => {
				const { answer, before } = await send(arriveOnly, sample());
				expect({ status: answer.status, body: answer.body }).toEqual({
					status: 403,
					body: { error: 'address not allowed', address: '127.0.0.1' },
				});
				await expectNothingStarted(arriveOnly, before);
			});

			test("a spoofed X-Forwarded-For with ARRIVE's address, n8n trusting no proxy → 403 with the N8N_PROXY_HOPS hint", async () => {
				const { answer, before } = await send(arriveOnly, sample(), {
					'X-Forwarded-For': ARRIVE_ADDRESS,
				});
				expect(answer.status).toBe(403);
				expect(answer.body).toMatchObject({ error: 'address not allowed', address: '127.0.0.1' });
				expect(answer.body.hint).toMatch(/N8N_PROXY_HOPS/);
				await expectNothingStarted(arriveOnly, before);
			});
		},

		async beforeRestart() {
			await publishWorkflows();
			const answers = [];
			for (const body of [
				call([trip(restartTrip, 'approaching', 'ack-1')]),
				call([trip(restartTrip, 'arrived', 'ack-2', { eta: 0 })]),
			])
				answers.push(await n8n().post(local.url, body));
			expect(answers.map(isAcceptedAnswer)).toEqual([true, true]);
		},

		async settleBeforeRestart() {
			const { answer } = await send(
				local,
				call([trip(restartTrip, 'arrived', 'ack-2', { eta: 5 })]),
			);
			expect(answer.body).toMatchObject({ status: 'ignored', reason: 'no-change' });
		},

		declareTestsAfterRestart() {
			beforeAll(async () => {
				await publishWorkflows();
				for (const published of [local, arriveOnly]) await n8n().waitForWebhook(published.url);
			}, 60_000);

			test('trip state survives the restart: the same arrival again → no-change where n8n said its run ended, else one run marked', async () => {
				const { answer, before } = await send(
					local,
					call([trip(restartTrip, 'arrived', 'ack-2', { eta: 0 })]),
				);
				if (saysWhenRunsEnd(n8n().version)) {
					expect(answer.body).toMatchObject({ status: 'ignored', reason: 'no-change' });
					await expectNothingStarted(local, before);
					return;
				}
				expect(isAcceptedAnswer(answer)).toBe(true);
				expect(await expectOneRun(local, before)).toEqual([
					expect.objectContaining({ status: 'arrived', ackToken: 'ack-2', possibleRepeat: true }),
				]);
			});

			test("N8N_PROXY_HOPS=1: forwarded from ARRIVE's address → accepted, one execution", async () => {
				const body = call([trip(`trip-${randomUUID()}`, 'approaching', 'ack-p')]);
				const { answer, before } = await send(arriveOnly, body, {
					'X-Forwarded-For': ARRIVE_ADDRESS,
				});
				expect(isAcceptedAnswer(answer)).toBe(true);
				expect(await expectOneRun(arriveOnly, before)).toEqual([
					expect.objectContaining({ status: 'approaching', ackToken: 'ack-p' }),
				]);
			});

			test('N8N_PROXY_HOPS=1: forwarded from another address → 403 naming it, no execution', async () => {
				const { answer, before } = await send(arriveOnly, sample(), {
					'X-Forwarded-For': OTHER_ADDRESS,
				});
				expect({ status: answer.status, body: answer.body }).toEqual({
					status: 403,
					body: { error: 'address not allowed', address: OTHER_ADDRESS },
				});
				await expectNothingStarted(arriveOnly, before);
			});
		},
	};
}
