/**
 * Captain.AI Trigger cases for the e2e suite, run once per n8n version by
 * triggers.e2e.test.cts. `declareTests` runs against a fresh n8n; `declareTestsAfterRestart`
 * against the same n8n restarted with N8N_PROXY_HOPS=1.
 */
import { randomUUID } from 'crypto';
import { readFileSync } from 'fs';

import {
	type N8n,
	type NodeE2ESuite,
	type Published,
	SETTLE_MS,
	TRIGGER_NAMES,
	describeExecutions,
	executionIds,
	executionsAfterSettling,
	fixtureNames,
	isAcceptedAnswer,
	loadFixture,
	newExecutions,
	nodeOutputItems,
	once,
	publish,
	triggerWorkflow,
	saysWhenRunsEnd,
} from './support/real-n8n.cjs';

const TRIGGER = TRIGGER_NAMES.captainAiTrigger;
/** An address from TEST-NET-3 (RFC 5737): never the address of this machine. */
const ALLOWED_ADDRESS = '203.0.113.7';
const OTHER_ADDRESS = '198.51.100.9';

type CaptainBody = {
	event_name: string;
	event_uuid: string;
	environment: string;
	created_at: string;
	metadata: { sent_at: string; delivery_attempt: number };
	data: Record<string, unknown>;
};

/** A fixture with a new event_uuid (and the other fields as recorded). */
function freshEvent(name = 'order_status_updated'): CaptainBody {
	return { ...loadFixture<CaptainBody>('captain', name), event_uuid: randomUUID() };
}

/** Captain sends item_status_updated to the item-status URL and everything else to the main one. */
const isItemStatus = (fixture: string) => fixture === 'item_status_updated';

export function captainAiTriggerSuite(n8n: () => N8n): NodeE2ESuite {
	const authToken = `e2e-${randomUUID()}`;
	const auth = { 'Auth-Token': authToken };
	let main: Published;
	let itemStatus: Published;
	let filtered: Published;
	let allowlisted: Published;
	/** Accepted by beforeRestart (not by a test, so each case runs alone), redelivered after it. */
	const acceptedBeforeRestart: CaptainBody[] = [];

	const credential = once(async () => {
		const created = await n8n().createCredential('Captain.AI e2e', 'captainAiWebhookApi', {
			authToken,
		});
		return { id: created.id, name: created.name };
	});

	/** Publishes the shared workflows once, for whichever part of the suite runs first. */
	const publishWorkflows = once(async () => {
		const ref = await credential();
		main = await publish(
			n8n(),
			triggerWorkflow('Captain main', 'captainAiTrigger', { credential: ref }),
			'events',
		);
		itemStatus = await publish(
			n8n(),
			triggerWorkflow('Captain item status', 'captainAiTrigger', {
				parameters: { receives: 'itemStatus' },
				credential: ref,
			}),
			'item-status',
		);
		filtered = await publish(
			n8n(),
			triggerWorkflow('Captain filtered', 'captainAiTrigger', {
				parameters: { events: ['order_assigned'], environment: 'nonProduction' },
				credential: ref,
			}),
			'events',
		);
		allowlisted = await publish(
			n8n(),
			triggerWorkflow('Captain allowlist', 'captainAiTrigger', {
				parameters: { options: { allowedAddresses: `${ALLOWED_ADDRESS}, 2001:db8::/32` } },
				credential: ref,
			}),
			'events',
		);
	});

	/** Runs `send` (which asserts on the answers), then checks that no execution started. */
	async function expectNoExecution(published: Published, send: () => Promise<void>) {
		const before = await executionIds(n8n(), published.workflow.id);
		let wrongAnswer: unknown;
		await send().catch((error: unknown) => (wrongAnswer = error));
		// Even after a wrong answer: let what it started be recorded now, not during the next test.
		const started = await executionsAfterSettling(n8n(), published.workflow.id, before);
		if (wrongAnswer) throw wrongAnswer;
		expect(describeExecutions(started, TRIGGER)).toEqual([]);
	}

	/** POSTs and expects exactly one new execution whose trigger output is this one event. */
	async function expectOneExecution(
		published: Published,
		body: CaptainBody,
		headers: Record<string, string>,
	) {
		const before = await executionIds(n8n(), published.workflow.id);
		const answer = await n8n().post(published.url, body, headers);
		expect({ status: answer.status, accepted: isAcceptedAnswer(answer) }).toEqual({
			status: 200,
			accepted: true,
		});
		const started = await newExecutions(n8n(), published.workflow.id, before, 1);
		expect(started).toHaveLength(1);
		expect(started[0].status).toBe('success');
		const items = nodeOutputItems(started[0], TRIGGER);
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({
			event: body.event_name,
			eventId: body.event_uuid,
			environment: body.environment,
			createdAt: body.created_at,
			deliveryAttempt: Number(body.metadata.delivery_attempt),
		});
		return items[0];
	}

	return {
		title: 'Captain.AI Trigger',

		declareTests() {
			beforeAll(publishWorkflows, 60_000);

			test.each(fixtureNames('captain'))(
				'fixture %s → 200 and exactly one execution carrying the event',
				async (fixture) => {
					const body = loadFixture<CaptainBody>('captain', fixture);
					await expectOneExecution(isItemStatus(fixture) ? itemStatus : main, body, auth);
				},
			);

			test('all fixtures together: one execution per event_uuid, nothing else', async () => {
				// Its own pair of workflows: the shared ones also run other cases' events.
				const ref = await credential();
				const pair = {
					main: await publish(
						n8n(),
						triggerWorkflow('Captain all fixtures', 'captainAiTrigger', { credential: ref }),
						'events',
					),
					itemStatus: await publish(
						n8n(),
						triggerWorkflow('Captain all fixtures, item status', 'captainAiTrigger', {
							parameters: { receives: 'itemStatus' },
							credential: ref,
						}),
						'item-status',
					),
				};
				const fixtures = fixtureNames('captain');
				const answers = [];
				for (const fixture of fixtures) {
					const target = isItemStatus(fixture) ? pair.itemStatus : pair.main;
					const answer = await n8n().post(
						target.url,
						loadFixture<CaptainBody>('captain', fixture),
						auth,
					);
					answers.push([fixture, isAcceptedAnswer(answer)]);
				}
				expect(answers).toEqual(fixtures.map((fixture) => [fixture, true]));
				const itemStatusCount = fixtures.filter(isItemStatus).length;
				const executions = [
					...(await newExecutions(
						n8n(),
						pair.main.workflow.id,
						new Set(),
						fixtures.length - itemStatusCount,
						{ settleMs: SETTLE_MS },
					)),
					...(await newExecutions(n8n(), pair.itemStatus.workflow.id, new Set(), itemStatusCount)),
				];
				const eventIds = executions.flatMap((execution) =>
					nodeOutputItems(execution, TRIGGER).map((item) => item.eventId),
				);
				const expected = fixtures.map(
					(fixture) => loadFixture<CaptainBody>('captain', fixture).event_uuid,
				);
				expect(eventIds.sort()).toEqual(expected.sort());
			});

			test('an Allowed Addresses entry that is no address stops activation (1.x names the entry, 2.41 serves no URL)', async () => {
				const refusedAtOnce = n8n().version.startsWith('1.');
				const created = await n8n().createWorkflow(
					triggerWorkflow('Captain bad allowlist', 'captainAiTrigger', {
						parameters: {
							authentication: 'none',
							options: { allowedAddresses: '203.0.113.7, office-router' },
						},
					}),
				);
				const expected = /office-router.*is not an IP address or CIDR range/;
				const refusal = await n8n()
					.activateWorkflow(created.id)
					.then(
						() => undefined,
						(error: Error) => error.message,
					);
				if (refusedAtOnce) {
					expect(refusal).toMatch(expected); // n8n 1.x: activation refused at once
					return;
				}
				// n8n 2.41 reports the publish as done but registers no webhook when checkExists throws
				// (and, through the public API, surfaces no message): the URL must not be served.
				expect(refusal).toBeUndefined();
				const url = n8n().webhookUrl(created.nodes[0].webhookId as string, 'events');
				await new Promise((resolve) => setTimeout(resolve, 1000));
				const answer = await n8n().post(url, freshEvent());
				expect(answer.status).toBe(404);
			});

			test('a JSON body sent as text/plain (Captain documents no content type) → accepted, one execution', async () => {
				const body = freshEvent('order_assigned');
				const before = await executionIds(n8n(), main.workflow.id);
				const answer = await n8n().post(main.url, JSON.stringify(body), {
					...auth,
					'Content-Type': 'text/plain',
				});
				expect({ status: answer.status, accepted: isAcceptedAnswer(answer) }).toEqual({
					status: 200,
					accepted: true,
				});
				const started = await newExecutions(n8n(), main.workflow.id, before, 1);
				expect(nodeOutputItems(started[0], TRIGGER)).toEqual([
					expect.objectContaining({ eventId: body.event_uuid }),
				]);
			});

			test('the Test URL while the editor listens ("Execute step") → 200 accepted from a manual run', async () => {
				// What the editor does: run the workflow from the trigger, which then waits for one call
				// to its Test URL (/webhook-test/…); the answer also comes from the run (responseNode).
				const full = await n8n().rest('GET', `/workflows/${main.workflow.id}`);
				const listening = await n8n().rest('POST', `/workflows/${main.workflow.id}/run`, {
					workflowData: full,
					triggerToStartFrom: { name: TRIGGER },
				});
				expect(listening).toMatchObject({ waitingForWebhook: true });
				const webhookId = main.workflow.nodes.find((node) => node.name === TRIGGER)?.webhookId;
				const body = freshEvent();
				const before = await executionIds(n8n(), main.workflow.id);
				const answer = await n8n().post(
					`${n8n().baseUrl}/webhook-test/${webhookId}/events`,
					body,
					auth,
				);
				expect({ status: answer.status, body: answer.body }).toEqual({
					status: 200,
					body: { status: 'accepted', items: 1 },
				});
				const started = await newExecutions(n8n(), main.workflow.id, before, 1);
				expect(started.map((execution) => [execution.mode, execution.status])).toEqual([
					['manual', 'success'],
				]);
				expect(nodeOutputItems(started[0], TRIGGER)).toEqual([
					expect.objectContaining({ eventId: body.event_uuid }),
				]);
			});

			test('a body that is not JSON → 400, no execution', async () => {
				await expectNoExecution(main, async () => {
					const answer = await n8n().post(main.url, 'event_name=order_assigned', {
						...auth,
						'Content-Type': 'text/plain',
					});
					expect(answer.status).toBe(400);
					expect(answer.body).toMatchObject({ error: 'invalid body' });
				});
			});

			test('missing Auth-Token → 401, no execution', async () => {
				await expectNoExecution(main, async () => {
					const answer = await n8n().post(main.url, freshEvent());
					expect({ status: answer.status, body: answer.body }).toEqual({
						status: 401,
						body: { error: 'missing Auth-Token header' },
					});
				});
			});

			test('wrong Auth-Token → 401, no execution', async () => {
				await expectNoExecution(main, async () => {
					const answer = await n8n().post(main.url, freshEvent(), {
						'Auth-Token': `${authToken}-wrong`,
					});
					expect({ status: answer.status, body: answer.body }).toEqual({
						status: 401,
						body: { error: 'invalid Auth-Token' },
					});
				});
			});

			test("refusals are in n8n's log: one line per node and reason a minute, never the token", async () => {
				// Its own workflow: no other case's refusals share its lines.
				const logged = await publish(
					n8n(),
					triggerWorkflow('Captain refusal log', 'captainAiTrigger', {
						credential: await credential(),
					}),
					'events',
				);
				const wrongToken = `${authToken}-not-it`;
				const logBefore = readFileSync(n8n().logFile, 'utf8').length;
				for (let attempt = 0; attempt < 4; attempt++) {
					const answer = await n8n().post(logged.url, freshEvent(), { 'Auth-Token': wrongToken });
					expect(answer.status).toBe(401);
				}
				const missing = await n8n().post(logged.url, freshEvent(), {});
				expect(missing.status).toBe(401);
				await new Promise((resolve) => setTimeout(resolve, 500)); // n8n's output reaches the file
				const lines = readFileSync(n8n().logFile, 'utf8')
					.slice(logBefore)
					.split('\n')
					.filter((line) => line.includes(`${TRIGGER}: answered 401`));
				expect(lines).toHaveLength(2);
				expect(lines[0]).toContain('(invalid Auth-Token) to a request from 127.0.0.1');
				expect(lines[1]).toContain('(missing Auth-Token header)');
				expect(lines.join('\n')).not.toContain(authToken);
			});

			test('Invalid Deliveries Output on: an invalid body → 400 and one run on the second output; its retry → 400, no run', async () => {
				const reporting = await publish(
					n8n(),
					triggerWorkflow('Captain invalid deliveries', 'captainAiTrigger', {
						parameters: { options: { invalidDeliveries: true } },
						credential: await credential(),
					}),
					'events',
				);
				const { event_uuid: _id, ...invalid } = freshEvent();
				invalid.data = { ...invalid.data, order_uuid: randomUUID() }; // a body of its own
				const before = await executionIds(n8n(), reporting.workflow.id);
				const first = await n8n().post(reporting.url, invalid, auth);
				expect({ status: first.status, body: first.body }).toMatchObject({
					status: 400,
					body: { error: 'invalid body', field: 'event_uuid' },
				});
				const started = await newExecutions(n8n(), reporting.workflow.id, before, 1);
				expect(started.map((execution) => execution.status)).toEqual(['success']);
				expect(nodeOutputItems(started[0], TRIGGER, 0)).toEqual([]);
				const reported = nodeOutputItems(started[0], TRIGGER, 1);
				expect(reported).toHaveLength(1);
				expect(reported[0]).toMatchObject({ error: 'invalid body', field: 'event_uuid' });
				expect(JSON.parse(reported[0].body)).toEqual(invalid);

				await expectNoExecution(reporting, async () => {
					const retry = {
						...invalid,
						metadata: { delivery_attempt: 2, sent_at: new Date().toISOString() },
					};
					const answer = await n8n().post(reporting.url, retry, auth);
					expect(answer.status).toBe(400);
				});
			});

			test('body without event_uuid → 400 naming the field, no execution', async () => {
				const { event_uuid: _omitted, ...body } = freshEvent();
				await expectNoExecution(main, async () => {
					const answer = await n8n().post(main.url, body, auth);
					expect(answer.status).toBe(400);
					expect(answer.body).toMatchObject({ error: 'invalid body', field: 'event_uuid' });
					expect(typeof answer.body.problem).toBe('string');
				});
			});

			test('sender not in Allowed Addresses → 403 naming its address, no execution', async () => {
				await expectNoExecution(allowlisted, async () => {
					const answer = await n8n().post(allowlisted.url, freshEvent(), auth);
					expect({ status: answer.status, body: answer.body }).toEqual({
						status: 403,
						body: { error: 'address not allowed', address: '127.0.0.1' },
					});
				});
			});

			test('X-Forwarded-For naming an allowed address, n8n not trusting proxies → 403 with a hint, no execution', async () => {
				await expectNoExecution(allowlisted, async () => {
					const answer = await n8n().post(allowlisted.url, freshEvent(), {
						...auth,
						'X-Forwarded-For': ALLOWED_ADDRESS,
					});
					expect(answer.status).toBe(403);
					expect(answer.body).toMatchObject({ error: 'address not allowed', address: '127.0.0.1' });
					expect(answer.body.hint).toMatch(/N8N_PROXY_HOPS/);
				});
			});

			test('event type not selected → 200 ignored (filtered), no execution', async () => {
				await expectNoExecution(filtered, async () => {
					const answer = await n8n().post(filtered.url, freshEvent('order_status_updated'), auth);
					expect(answer.status).toBe(200);
					expect(answer.body).toMatchObject({ status: 'ignored', reason: 'filtered' });
				});
			});

			test('environment not selected → 200 ignored (filtered), no execution', async () => {
				await expectNoExecution(filtered, async () => {
					const answer = await n8n().post(filtered.url, freshEvent('order_assigned'), auth);
					expect(answer.status).toBe(200);
					expect(answer.body).toMatchObject({ status: 'ignored', reason: 'filtered' });
				});
			});

			test('redelivery (Captain retry: same event_uuid, next attempt) → 200 ignored (duplicate), no execution', async () => {
				const original = freshEvent('order_status_updated');
				await expectOneExecution(main, original, auth);
				const retry = { ...original, metadata: { ...original.metadata, delivery_attempt: 2 } };
				await expectNoExecution(main, async () => {
					const answer = await n8n().post(main.url, retry, auth);
					expect(answer.status).toBe(200);
					expect(answer.body).toMatchObject({ status: 'ignored', reason: 'duplicate' });
				});
			});

			test('burst of 10 concurrent identical deliveries → exactly one execution', async () => {
				const body = freshEvent('job_delivery_status_updated');
				const before = await executionIds(n8n(), main.workflow.id);
				const answers = await Promise.all(
					Array.from({ length: 10 }, () => n8n().post(main.url, body, auth)),
				);
				expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
				const accepted = answers.filter(isAcceptedAnswer);
				const duplicates = answers.filter((answer) => answer.body?.reason === 'duplicate');
				expect({ accepted: accepted.length, duplicates: duplicates.length }).toEqual({
					accepted: 1,
					duplicates: 9,
				});
				const started = await newExecutions(n8n(), main.workflow.id, before, 1, {
					settleMs: SETTLE_MS,
				});
				expect(describeExecutions(started, TRIGGER)).toEqual([
					{
						id: started[0]?.id,
						status: 'success',
						items: [expect.objectContaining({ eventId: body.event_uuid })],
					},
				]);
			});
		},

		async beforeRestart() {
			await publishWorkflows();
			// One event of each kind the main URL receives, accepted now: the restart must keep them.
			for (const fixture of fixtureNames('captain').filter((name) => !isItemStatus(name))) {
				const body = freshEvent(fixture);
				const answer = await n8n().post(main.url, body, auth);
				expect({ event: fixture, accepted: isAcceptedAnswer(answer) }).toEqual({
					event: fixture,
					accepted: true,
				});
				acceptedBeforeRestart.push(body);
			}
		},

		async settleBeforeRestart() {
			const [first] = acceptedBeforeRestart;
			const answer = await n8n().post(
				main.url,
				{ ...first, metadata: { ...first.metadata, delivery_attempt: 9 } },
				auth,
			);
			expect({ status: answer.status, reason: answer.body?.reason }).toEqual({
				status: 200,
				reason: 'duplicate',
			});
		},

		declareTestsAfterRestart() {
			beforeAll(async () => {
				await publishWorkflows();
				// n8n re-registers published workflows at start-up.
				for (const published of [main, itemStatus, filtered, allowlisted])
					await n8n().waitForWebhook(published.url);
			}, 60_000);

			test('redeliveries of events accepted before the restart: duplicates where n8n said their runs ended, else run again marked', async () => {
				// Captain's retries: same event_uuid, a later attempt.
				const redeliveries = acceptedBeforeRestart.map((body) => ({
					...body,
					metadata: {
						...body.metadata,
						delivery_attempt: Number(body.metadata.delivery_attempt) + 1,
					},
				}));
				expect(redeliveries.length).toBeGreaterThan(1);
				if (saysWhenRunsEnd(n8n().version)) {
					await expectNoExecution(main, async () => {
						const outcomes: Array<{ event: string; status: number; reason: unknown }> = [];
						for (const body of redeliveries) {
							const answer = await n8n().post(main.url, body, auth);
							const reason = isAcceptedAnswer(answer)
								? 'accepted again'
								: (answer.body?.reason ?? answer.text);
							outcomes.push({
								event: `${body.event_name} ${body.event_uuid}`,
								status: answer.status,
								reason,
							});
						}
						expect(outcomes).toEqual(
							redeliveries.map((body) => ({
								event: `${body.event_name} ${body.event_uuid}`,
								status: 200,
								reason: 'duplicate',
							})),
						);
					});
					return;
				}
				// No end-of-run signal and accepted seconds before the restart: at least once, marked.
				const before = await executionIds(n8n(), main.workflow.id);
				for (const body of redeliveries)
					expect(isAcceptedAnswer(await n8n().post(main.url, body, auth))).toBe(true);
				const runs = await newExecutions(n8n(), main.workflow.id, before, redeliveries.length);
				const items = runs.flatMap((run) => nodeOutputItems(run, TRIGGER));
				expect(items.map((item) => [item.eventId, item.possibleRepeat])).toEqual(
					expect.arrayContaining(redeliveries.map((body) => [body.event_uuid, true])),
				);
				expect(items).toHaveLength(redeliveries.length);
			});

			test('a new event is still accepted after the restart', async () => {
				await expectOneExecution(main, freshEvent('order_assigned'), auth);
			});

			test('N8N_PROXY_HOPS=1: X-Forwarded-For naming the allowed address → accepted, one execution', async () => {
				await expectOneExecution(allowlisted, freshEvent(), {
					...auth,
					'X-Forwarded-For': ALLOWED_ADDRESS,
				});
			});

			test('N8N_PROXY_HOPS=1: X-Forwarded-For naming another address → 403 naming that address, no hint', async () => {
				await expectNoExecution(allowlisted, async () => {
					const answer = await n8n().post(allowlisted.url, freshEvent(), {
						...auth,
						'X-Forwarded-For': OTHER_ADDRESS,
					});
					expect({ status: answer.status, body: answer.body }).toEqual({
						status: 403,
						body: { error: 'address not allowed', address: OTHER_ADDRESS },
					});
				});
			});
		},
	};
}
