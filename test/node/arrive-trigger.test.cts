import type { IDataObject } from 'n8n-workflow';

import { ArriveTrigger } from '../../nodes/ArriveTrigger/ArriveTrigger.node';
import { SAVE_INTERVAL_MS, forgetProcessMemory } from '../../nodes/common/memory/node-memory';
import { loadFixture } from '../helpers/fixtures.cjs';
import { SavedWorkflow } from '../helpers/webhook-harness.cjs';

const TYPE = 'n8n-nodes-captain-arrive.arriveTrigger';
const ARRIVE = '52.37.123.229';

const sample = () => loadFixture<Record<string, any>>('arrive', 'ad-estimates');
const sampleTrip = () => sample().data.estimates[0];

function arriveWorkflow(parameters: IDataObject = {}) {
	return new SavedWorkflow(new ArriveTrigger(), TYPE, parameters);
}

/** A trip like the sample's, with its own id, status and ack token. */
function trip(destId: string, status: string, ackToken?: string, extra: IDataObject = {}) {
	const base = sampleTrip();
	return {
		...base,
		status,
		track_tokens: [{ ...base.track_tokens[0], dest_id: destId }],
		ack: ackToken ? { token: ackToken } : undefined,
		...extra,
	};
}

let clock = 0;
/** A call as ARRIVE sends it: a fresh timestamp each time, unless a redelivery. */
function call(estimates: unknown[], changes: { production?: boolean; timestamp?: string } = {}) {
	const body = sample();
	body.data.estimates = estimates;
	if (changes.production !== undefined) body.data.production = changes.production;
	body.timestamp =
		changes.timestamp ?? new Date(Date.UTC(2026, 0, 1) + ++clock * 5000).toISOString();
	return body;
}

const fromArrive = (body: unknown) => ({ body, ip: ARRIVE });

beforeEach(() => forgetProcessMemory());

describe('Statuses defaults, by node version (filled in by n8n from the description)', () => {
	const mixedCall = () =>
		call([
			trip('t-transit', 'in-transit', 'ack-transit'),
			trip('t-approach', 'approaching', 'ack-approach'),
			trip('t-future', 'boarding', 'ack-future'),
		]);

	test('version 3, New Approach or Arrival: approaching and arrived only, as the label says', async () => {
		const workflow = arriveWorkflow();
		workflow.typeVersion = 3;
		const answer = await workflow.call(fromArrive(mixedCall()));
		expect(answer.items.map((item) => item.tripId)).toEqual(['t-approach']);
	});

	test('version 3, Every Status Change: every status, in transit included', async () => {
		const workflow = arriveWorkflow({ emit: 'statusChange' });
		workflow.typeVersion = 3;
		const answer = await workflow.call(fromArrive(mixedCall()));
		expect(answer.items.map((item) => item.tripId)).toEqual([
			't-transit',
			't-approach',
			't-future',
		]);
	});

	test('version 2 keeps its default list, so saved workflows behave as before', async () => {
		const workflow = arriveWorkflow();
		workflow.typeVersion = 2;
		const answer = await workflow.call(fromArrive(mixedCall()));
		// (ARRIVE gives in-transit trips no token; this one has one to show the list is unchanged)
		expect(answer.items.map((item) => item.tripId)).toEqual([
			't-transit',
			't-approach',
			't-future',
		]);
	});
});

describe('ARRIVE Trigger through webhook()', () => {
	test('the documented sample gives one trip item with clear names and the envelope', async () => {
		const answer = await arriveWorkflow().call(fromArrive(sample()));
		expect(answer).toMatchObject({ status: 200, startsExecution: true });
		expect(answer.items).toEqual([
			{
				tripId: '25f8f222-6b6a-400e-bcf6-94790cc95daf',
				trackToken: 'my_track_token',
				tid: 'hello12345',
				status: 'arrived',
				previousStatus: null,
				isNewAckToken: true,
				ackToken: 'df37a534-2a1b-4dd5-8709-c3b2a2a3df14',
				eta: 120,
				distance: 29.029977710719,
				lat: 37.4259354,
				lng: -122.1382713,
				receivedAt: '2017-09-14T21:55:34Z',
				siteCsin: 'hellocurbside_9388',
				zoneName: 'curbside',
				customerName: 'John Smith',
				customerEmail: 'john.smith@example.com',
				customerPhone: '8883308304',
				vehicleLicenseNumber: '2114705',
				vehicleMake: 'Tesla',
				vehicleModel: 'Model S',
				pickupWindowStart: '2017-09-14T20:00:00.000Z',
				pickupWindowEnd: '2017-09-14T23:00:00.000Z',
				trackTokens: sampleTrip().track_tokens,
				appId: 'com.curbside.hello',
				production: false,
				timestamp: '2017-09-14T21:55:53.802Z',
				version: '2017-05-31',
			},
		]);
	});

	test('a call with several trips emits only those passing the status and site filters', async () => {
		const workflow = arriveWorkflow({
			emit: 'everyUpdate',
			statuses: ['approaching', 'arrived'],
			siteIds: 'site_a, site_b',
		});
		// answered by the node itself, before n8n starts the run (see webhook-io.ts)
		const body = call([
			trip('t1', 'arrived', 'k1', { site_csin: 'site_a' }),
			trip('t2', 'in-transit', undefined, { site_csin: 'site_a' }),
			trip('t3', 'approaching', 'k3', { site_csin: 'site_c' }),
			trip('t4', 'approaching', 'k4', { site_csin: 'site_b' }),
			trip('t5', 'departed', undefined, { site_csin: 'site_a' }),
		]);
		const answer = await workflow.call(fromArrive(body));
		expect(answer).toMatchObject({ status: 200, body: { status: 'accepted', items: 2 } });
		expect(answer.items.map((item) => item.tripId)).toEqual(['t1', 't4']);
	});

	test('"other" catches statuses ARRIVE may add', async () => {
		const workflow = arriveWorkflow({ emit: 'everyUpdate', statuses: ['other'] });
		const answer = await workflow.call(
			fromArrive(call([trip('t1', 'arrived', 'k'), trip('t2', 'departed')])),
		);
		expect(answer.items.map((item) => item.tripId)).toEqual(['t2']);
	});

	test('sandbox vs production', async () => {
		const sandbox = call([trip('t1', 'arrived', 'k1')], { production: false });
		const production = call([trip('t2', 'arrived', 'k2')], { production: true });
		const productionOnly = arriveWorkflow({ environment: 'production' });
		expect((await productionOnly.call(fromArrive(sandbox))).body).toMatchObject({
			status: 'ignored',
			reason: 'filtered',
		});
		expect(
			(await productionOnly.call(fromArrive(production))).items.map((item) => item.production),
		).toEqual([true]);
		const sandboxOnly = arriveWorkflow({ environment: 'sandbox' });
		forgetProcessMemory();
		expect((await sandboxOnly.call(fromArrive(production))).startsExecution).toBe(false);
		expect(
			(await sandboxOnly.call(fromArrive(sandbox))).items.map((item) => item.production),
		).toEqual([false]);
		forgetProcessMemory();
		const both = arriveWorkflow();
		expect((await both.call(fromArrive(sandbox))).startsExecution).toBe(true);
		expect((await both.call(fromArrive(production))).startsExecution).toBe(true);
	});

	describe('emit modes over one trip: in-transit → approaching ×3 (same token) → arrived (new token) → repeats', () => {
		const script = () => [
			call([trip('T', 'in-transit')]),
			call([trip('T', 'approaching', 'ack-1')]),
			call([trip('T', 'approaching', 'ack-1', { eta: 60 })]),
			call([trip('T', 'approaching', 'ack-1', { eta: 30 })]),
			call([trip('T', 'arrived', 'ack-2', { eta: 0 })]),
			call([trip('T', 'arrived', 'ack-2', { eta: 0 })]),
			call([trip('T', 'arrived', 'ack-2', { eta: 0 })]),
		];

		async function run(emit: string) {
			const workflow = arriveWorkflow({ emit });
			const emitted: Array<IDataObject | null> = [];
			for (const body of script()) {
				const answer = await workflow.call(fromArrive(body));
				expect(answer.status).toBe(200);
				expect(answer.items.length).toBeLessThanOrEqual(1);
				emitted.push(answer.startsExecution ? answer.items[0] : null);
			}
			return emitted.map(
				(item) =>
					item && {
						status: item.status,
						previousStatus: item.previousStatus,
						isNewAckToken: item.isNewAckToken,
						eta: item.eta,
					},
			);
		}

		test('new approach or arrival (default): the first approaching and the arrival', async () => {
			expect(await run('newArrival')).toEqual([
				null,
				{ status: 'approaching', previousStatus: 'in-transit', isNewAckToken: true, eta: 120 },
				null,
				null,
				{ status: 'arrived', previousStatus: 'approaching', isNewAckToken: true, eta: 0 },
				null,
				null,
			]);
		});

		test('every status change: in-transit, approaching, arrived', async () => {
			expect(await run('statusChange')).toEqual([
				{ status: 'in-transit', previousStatus: null, isNewAckToken: false, eta: 120 },
				{ status: 'approaching', previousStatus: 'in-transit', isNewAckToken: true, eta: 120 },
				null,
				null,
				{ status: 'arrived', previousStatus: 'approaching', isNewAckToken: true, eta: 0 },
				null,
				null,
			]);
		});

		test('every update: all seven calls', async () => {
			const emitted = await run('everyUpdate');
			expect(emitted.map((item) => item?.status)).toEqual([
				'in-transit',
				'approaching',
				'approaching',
				'approaching',
				'arrived',
				'arrived',
				'arrived',
			]);
			expect(emitted.map((item) => item?.isNewAckToken)).toEqual([
				false,
				true,
				false,
				false,
				true,
				false,
				false,
			]);
		});

		test('the default mode survives a restart in the middle, once the memory was saved settled', async () => {
			let now = Date.parse('2026-11-25T10:00:00Z');
			jest.spyOn(Date, 'now').mockImplementation(() => now);
			try {
				const workflow = arriveWorkflow();
				const [inTransit, approaching, approachingAgain, approachingThird] = script();
				await workflow.call(fromArrive(inTransit));
				expect((await workflow.call(fromArrive(approaching))).startsExecution).toBe(true);
				now += SAVE_INTERVAL_MS; // its run ended; the next request saves that
				expect((await workflow.call(fromArrive(approachingAgain))).body).toMatchObject({
					reason: 'no-change',
				});
				forgetProcessMemory();
				const answer = await workflow.call(fromArrive(approachingThird));
				expect(answer).toMatchObject({ startsExecution: false, body: { reason: 'no-change' } });
			} finally {
				jest.restoreAllMocks();
			}
		});

		test("a restart during an approach's run fires it again on the next call, marked (at least once)", async () => {
			const workflow = arriveWorkflow();
			const [inTransit, approaching, approachingAgain, approachingThird] = script();
			await workflow.call(fromArrive(inTransit));
			const run = await workflow.start(fromArrive(approaching));
			expect(run.startsExecution).toBe(true);
			await run.finish('cut-short');
			forgetProcessMemory(); // its run may have been cut short
			const again = await workflow.call(fromArrive(approachingAgain));
			expect(again.items).toMatchObject([
				{ status: 'approaching', isNewAckToken: true, possibleRepeat: true },
			]);
			expect(typeof again.items[0].firstAcceptedAt).toBe('string');
			// Once repeated, the moment is known again: the next call has nothing new.
			expect((await workflow.call(fromArrive(approachingThird))).body).toMatchObject({
				reason: 'no-change',
			});
		});

		test("a crash while an approach's delivery is still in flight: the next request saved it in doubt, so it fires again marked", async () => {
			const workflow = arriveWorkflow();
			const [inTransit, approaching, approachingAgain, approachingThird] = script();
			await workflow.call(fromArrive(inTransit));
			const inFlight = await workflow.start(fromArrive(approaching)); // n8n has not started its run
			expect(inFlight.startsExecution).toBe(true);
			const savesBefore = workflow.saves;
			expect((await workflow.call(fromArrive(approachingAgain))).body).toMatchObject({
				reason: 'no-change',
			});
			expect(workflow.saves).toBe(savesBefore + 1); // the next request carried it, in doubt
			forgetProcessMemory(); // killed before the run started or answered
			const next = await workflow.call(fromArrive(approachingThird));
			expect(next.items).toMatchObject([{ status: 'approaching', possibleRepeat: true }]);
		});

		test('with Possible Repeats: Skip Them, the moment in doubt starts nothing after the restart', async () => {
			const workflow = arriveWorkflow({ options: { repeatsAfterRestart: 'skip' } });
			const [inTransit, approaching, approachingAgain] = script();
			await workflow.call(fromArrive(inTransit));
			await (await workflow.start(fromArrive(approaching))).finish('cut-short');
			forgetProcessMemory();
			expect(await workflow.call(fromArrive(approachingAgain))).toMatchObject({
				startsExecution: false,
				body: { reason: 'no-change' },
			});
		});

		test('an approach whose run could not start fires on the next call', async () => {
			const workflow = arriveWorkflow();
			const [inTransit, approaching, approachingAgain] = script();
			await workflow.call(fromArrive(inTransit));
			expect((await workflow.call(fromArrive(approaching), 'webhook', 'fails')).status).toBe(500);
			const next = await workflow.call(fromArrive(approachingAgain));
			expect(next.items).toMatchObject([
				{ status: 'approaching', isNewAckToken: true, previousStatus: 'in-transit' },
			]);
		});
	});

	test('an exact redelivery never starts a second execution, even in every-update mode', async () => {
		const workflow = arriveWorkflow({ emit: 'everyUpdate' });
		const body = call([trip('t1', 'approaching', 'k1')]);
		expect((await workflow.call(fromArrive(body))).startsExecution).toBe(true);
		const again = await workflow.call(fromArrive(structuredClone(body)));
		expect(again).toMatchObject({
			status: 200,
			body: { status: 'ignored', reason: 'duplicate' },
			startsExecution: false,
		});
		// the same trips in a new call (new timestamp) are an update, not a redelivery
		const update = call([trip('t1', 'approaching', 'k1')]);
		expect((await workflow.call(fromArrive(update))).startsExecution).toBe(true);
	});

	test('simultaneous identical calls give one execution', async () => {
		const workflow = arriveWorkflow({ emit: 'everyUpdate' });
		const body = call([trip('t1', 'arrived', 'k1')]);
		const answers = await Promise.all(
			Array.from({ length: 8 }, () => workflow.call(fromArrive(structuredClone(body)))),
		);
		expect(answers.filter((answer) => answer.startsExecution)).toHaveLength(1);
	});

	test('estimates: [] is answered 200 with no execution', async () => {
		const answer = await arriveWorkflow().call(fromArrive(call([])));
		expect(answer).toMatchObject({
			status: 200,
			body: { status: 'ignored', reason: 'no-trips' },
			startsExecution: false,
		});
	});

	test('one item per call carries the envelope and the emitted trips', async () => {
		const workflow = arriveWorkflow({ emit: 'everyUpdate', options: { outputMode: 'perCall' } });
		const answer = await workflow.call(
			fromArrive(
				call([trip('t1', 'arrived', 'k1'), trip('t2', 'approaching', 'k2')], { production: true }),
			),
		);
		expect(answer.items).toHaveLength(1);
		expect(answer.items[0]).toMatchObject({
			appId: 'com.curbside.hello',
			production: true,
			version: '2017-05-31',
			tripCount: 2,
		});
		expect((answer.items[0].trips as IDataObject[]).map((item) => item.tripId)).toEqual([
			't1',
			't2',
		]);
	});

	describe('refusals start no execution', () => {
		test("an address that is not ARRIVE's → 403 naming it, no proxy hint without X-Forwarded-For", async () => {
			const answer = await arriveWorkflow().call({ body: sample(), ip: '198.51.100.9' });
			expect(answer).toMatchObject({
				status: 403,
				body: { error: 'address not allowed', address: '198.51.100.9' },
				startsExecution: false,
			});
			expect(answer.body?.hint).toBeUndefined();
		});

		test("X-Forwarded-For with ARRIVE's address while n8n trusts no proxy → 403 with the N8N_PROXY_HOPS hint", async () => {
			const answer = await arriveWorkflow().call({
				body: sample(),
				ip: '10.0.0.5',
				headers: { 'X-Forwarded-For': ARRIVE },
			});
			expect(answer).toMatchObject({
				status: 403,
				body: { address: '10.0.0.5' },
				startsExecution: false,
			});
			expect(String(answer.body?.hint)).toMatch(/N8N_PROXY_HOPS/);
		});

		test("each of ARRIVE's three addresses is allowed by default, also IPv4-mapped", async () => {
			for (const ip of ['52.37.123.229', '52.37.246.23', '::ffff:52.37.75.38']) {
				forgetProcessMemory();
				expect((await arriveWorkflow().call({ body: sample(), ip })).status).toBe(200);
			}
		});

		test("extra allowed addresses and ranges are added to ARRIVE's", async () => {
			const workflow = arriveWorkflow({ additionalAddresses: '127.0.0.1, 2001:db8::/32' });
			expect(
				(await workflow.call({ body: call([trip('a', 'arrived', 'k')]), ip: '127.0.0.1' }))
					.startsExecution,
			).toBe(true);
			expect(
				(await workflow.call({ body: call([trip('b', 'arrived', 'k')]), ip: '2001:db8::7' }))
					.startsExecution,
			).toBe(true);
			expect(
				(await workflow.call({ body: call([trip('c', 'arrived', 'k')]), ip: ARRIVE }))
					.startsExecution,
			).toBe(true);
			expect(
				(await workflow.call({ body: call([trip('d', 'arrived', 'k')]), ip: '127.0.0.2' })).status,
			).toBe(403);
		});

		test('the restriction can be turned off', async () => {
			const answer = await arriveWorkflow({ sourceRestriction: 'none' }).call({
				body: sample(),
				ip: '198.51.100.9',
			});
			expect(answer).toMatchObject({ status: 200, startsExecution: true });
		});

		test('a bad extra address fails closed with 500, no execution', async () => {
			const answer = await arriveWorkflow({ additionalAddresses: 'office-router' }).call(
				fromArrive(sample()),
			);
			expect(answer).toMatchObject({ status: 500, startsExecution: false });
		});

		test.each<[string, string, (body: Record<string, any>) => void]>([
			['data.production', 'missing production flag', (body) => delete body.data.production],
			['data.estimates', 'estimates not a list', (body) => (body.data.estimates = {})],
			[
				'data.estimates[0].status',
				'trip without status',
				(body) => delete body.data.estimates[0].status,
			],
			[
				'data.estimates[0].site_csin',
				'trip without site',
				(body) => delete body.data.estimates[0].site_csin,
			],
			[
				'data.estimates[0].track_tokens',
				'trip with no id',
				(body) => {
					delete body.data.estimates[0].track_tokens;
					delete body.data.estimates[0].tid;
				},
			],
			[
				'data.estimates[0].ack.token',
				'ack token an object',
				(body) => (body.data.estimates[0].ack = { token: { a: 1 } }),
			],
		])('malformed → 400 naming %s (%s)', async (field, _case, breakIt) => {
			const body = sample();
			breakIt(body);
			const answer = await arriveWorkflow().call(fromArrive(body));
			expect(answer).toMatchObject({
				status: 400,
				body: { error: 'invalid body', field },
				startsExecution: false,
			});
		});

		test.each<[string, string, (body: Record<string, any>) => void, IDataObject]>([
			[
				'data.estimates[0].eta',
				'eta not a number',
				(body) => (body.data.estimates[0].eta = 'soon'),
				{ eta: null },
			],
			[
				'timestamp',
				'timestamp not a time',
				(body) => (body.timestamp = 'now'),
				{ timestamp: 'now' },
			],
			['version', 'version missing', (body) => delete body.version, { version: null }],
			['data.app_id', 'app_id a number', (body) => (body.data.app_id = 7), { appId: 7 }],
			[
				'data.estimates[0].customer',
				'customer a string',
				(body) => (body.data.estimates[0].customer = 'x'),
				{ customerName: null },
			],
		])(
			'a field the node does not need (%s, %s) is accepted with a warning naming it',
			async (field, _case, breakIt, shown) => {
				const body = sample();
				breakIt(body);
				const answer = await arriveWorkflow().call(fromArrive(body));
				expect(answer).toMatchObject({ status: 200, startsExecution: true });
				expect(answer.items[0]).toMatchObject(shown);
				expect(answer.items[0].warnings).toEqual([
					expect.stringMatching(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `)),
				]);
			},
		);

		test('the address is checked before the body is read', async () => {
			const answer = await arriveWorkflow().call({ body: 'garbage', ip: '198.51.100.9' });
			expect(answer.status).toBe(403);
		});
	});

	test('numbers sent as strings become numbers; extra fields do not break parsing', async () => {
		const body = call([
			trip('t1', 'arrived', 'k', {
				eta: '42',
				distance: '3.5',
				lat: '1.5',
				lng: '-2',
				new_field: { x: 1 },
			}),
		]);
		const [item] = (await arriveWorkflow().call(fromArrive(body))).items;
		expect(item).toMatchObject({ eta: 42, distance: 3.5, lat: 1.5, lng: -2 });
	});

	test('a trip without track tokens is identified by tid and site', async () => {
		const workflow = arriveWorkflow();
		const noTokens = (ack: string) =>
			call([{ ...trip('x', 'arrived', ack), track_tokens: undefined }]);
		expect((await workflow.call(fromArrive(noTokens('k1')))).items[0]).toMatchObject({
			tripId: null,
			tid: 'hello12345',
		});
		expect((await workflow.call(fromArrive(noTokens('k1')))).startsExecution).toBe(false);
	});
});

describe('trip memory with the options left unset (the default: 24 h)', () => {
	let now = Date.parse('2026-11-25T10:00:00Z');
	beforeEach(() => {
		now = Date.parse('2026-11-25T10:00:00Z');
		jest.spyOn(Date, 'now').mockImplementation(() => now);
	});
	afterEach(() => jest.restoreAllMocks());

	test.each<{ when: string; later: number; outcome: string }>([
		{ when: 'just under 24 h', later: 24 * 3_600_000 - 60_000, outcome: 'no-change' },
		{ when: 'just over 24 h', later: 24 * 3_600_000 + 60_000, outcome: 'accepted' },
	])('the same arrival again $when later → $outcome', async ({ later, outcome }) => {
		const workflow = arriveWorkflow();
		const arrived = await workflow.call(fromArrive(call([trip('T-day', 'arrived', 'ack-a')])));
		expect(arrived.startsExecution).toBe(true);
		now += later;
		const again = await workflow.call(fromArrive(call([trip('T-day', 'arrived', 'ack-a')])));
		expect(again.startsExecution ? 'accepted' : again.body?.reason).toBe(outcome);
	});
});

test('checkExists fails naming Also Accept Calls From and the bad entry; not when the check is off', async () => {
	await expect(arriveWorkflow().activate()).resolves.toBe(true);
	await expect(
		arriveWorkflow({ additionalAddresses: '127.0.0.1, 300.1.1.1' }).activate(),
	).rejects.toThrow('Also Accept Calls From: "300.1.1.1" is not an IP address or CIDR range');
	await expect(
		arriveWorkflow({ sourceRestriction: 'none', additionalAddresses: '300.1.1.1' }).activate(),
	).resolves.toBe(true);
});
