/**
 * Driver Updates (driver-updates.ts) through webhook(), in n8n-core's real contexts: which
 * locations reports and ETA updates start a run, what the items are, that a drop writes and
 * saves nothing, and that the per-driver state survives a restart and concurrent deliveries.
 */
import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { CaptainAiTrigger } from '../../nodes/CaptainAiTrigger/CaptainAiTrigger.node';
import { captainTokens } from '../../nodes/CaptainAiTrigger/authentication';
import { SAVE_INTERVAL_MS, forgetProcessMemory } from '../../nodes/common/memory/node-memory';
import { loadFixture } from '../helpers/fixtures.cjs';
import { SavedWorkflow } from '../helpers/webhook-harness.cjs';

const TOKEN = 'a-long-shared-secret-0123456789';
const TYPE = 'n8n-nodes-captain-arrive.captainAiTrigger';
const authed = { 'Auth-Token': TOKEN };

/** A store in central London; 0.001° of latitude is 111.2 m. */
const STORE = { latitude: 51.5072, longitude: -0.1276 };
const metresNorth = (metres: number) => STORE.latitude + metres / 111_195;

/** Event times: an hour before n8n's clock, so nothing here is "in the future". */
const EVENTS_FROM = Date.parse('2026-11-25T09:00:00Z');
const minute = (m: number) => EVENTS_FROM + m * 60_000;
const captainTime = (ms: number) =>
	new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';

function captainWorkflow(parameters: IDataObject = {}) {
	const workflow = new SavedWorkflow(new CaptainAiTrigger(), TYPE, parameters, {
		captainAiWebhookApi: { authToken: TOKEN },
	});
	workflow.typeVersion = 2;
	return workflow;
}

interface DriverAt {
	id: string;
	/** Metres north of the store. */
	metres?: number;
	/** Minutes after EVENTS_FROM. */
	at: number;
}

/** A locations report as Captain sends it: each driver with two recent locations, the latest last. */
function locationsReport(uuid: string, m: number, drivers: DriverAt[]) {
	const sample = loadFixture('captain', 'agent.radar_locations.created');
	return {
		...sample,
		event_uuid: uuid,
		created_at: new Date(minute(m)).toISOString(),
		metadata: { sent_at: new Date(minute(m)).toISOString(), delivery_attempt: 1 },
		data: {
			account_uuid: 'store-1',
			agent_locations: drivers.map((driver) => ({
				agent_uuid: driver.id,
				agent_partners_external_identifier: `ext-${driver.id}`,
				locations: [driver.at - 0.5, driver.at].map((at) => ({
					latitude: String(metresNorth(driver.metres ?? 0)),
					longitude: String(STORE.longitude),
					speed: '20.0',
					course: 10,
					recorded_at: captainTime(minute(at)),
					account_uuid: 'store-1',
				})),
			})),
		},
	};
}

function etaUpdate(uuid: string, m: number, etaMinutes: number, driver = 'driver-1') {
	const sample = loadFixture('captain', 'agent_eta_updated');
	const eta = Math.floor(minute(etaMinutes) / 1000);
	return {
		...sample,
		event_uuid: uuid,
		created_at: new Date(minute(m)).toISOString(),
		data: {
			...sample.data,
			agent_uuid: driver,
			calculated_at: Math.floor(minute(m) / 1000),
			eta_arrive_at_home_hub: eta,
			eta_till_available: eta - 600,
		},
	};
}

/** Answers of a sequence of deliveries, one at a time, n8n's clock a minute on each time. */
async function deliverEachMinute(
	workflow: SavedWorkflow,
	bodies: unknown[],
	clock: { now: number },
) {
	const answers = [];
	for (const body of bodies) {
		answers.push(await workflow.call({ body, headers: authed }));
		clock.now += 60_000;
	}
	return answers;
}

/** The tables of the node's memory as n8n saved them (the node's static data is under `node:<name>`). */
const memoryTables = (workflow: SavedWorkflow) =>
	(
		(workflow.staticData['node:Trigger'] as IDataObject | undefined)?.captainArriveMemory as
			| { tables: Record<string, string> }
			| undefined
	)?.tables;

const clock = { now: 0 };
beforeEach(() => {
	forgetProcessMemory();
	captainTokens.clear();
	clock.now = Date.parse('2026-11-25T10:00:00Z');
	jest.spyOn(Date, 'now').mockImplementation(() => clock.now);
});
afterEach(() => jest.restoreAllMocks());

describe('off by default', () => {
	test('every locations report and every ETA update is one run, as before', async () => {
		const workflow = captainWorkflow();
		const answers = await deliverEachMinute(
			workflow,
			[
				locationsReport('r-0', 0, [
					{ id: 'a', at: 0 },
					{ id: 'b', at: 0 },
				]),
				locationsReport('r-1', 1, [
					{ id: 'a', at: 1 },
					{ id: 'b', at: 1 },
				]),
				etaUpdate('e-0', 0, 30),
				etaUpdate('e-1', 1, 30),
			],
			clock,
		);
		expect(answers.map((answer) => answer.items.length)).toEqual([1, 1, 1, 1]);
		expect(answers[0].items[0]).toMatchObject({ entityType: 'store', entityId: 'store-1' });
	});
});

describe('Locations: One Item per Driver', () => {
	test('the sample: one item per driver with its latest location; nothing remembered', async () => {
		const workflow = captainWorkflow({ driverUpdates: { locationsPerDriver: true } });
		const body = loadFixture('captain', 'agent.radar_locations.created');
		const answer = await workflow.call({ body, headers: authed });
		expect(answer.body).toEqual({ status: 'accepted', items: 2 });
		expect(answer.items[0]).toEqual({
			account_uuid: '47975676',
			agent_uuid: '32314',
			agent_partners_external_identifier: 'external_1',
			location: body.data.agent_locations[0].locations[1],
			latitude: 36.254499999999,
			longitude: -115.1511192,
			event: 'agent.radar_locations.created',
			eventId: body.event_uuid,
			environment: 'production',
			createdAt: body.created_at,
			sentAt: body.metadata.sent_at,
			deliveryAttempt: 1,
			entityType: 'driver',
			entityId: '32314',
		});
		expect(answer.items[1]).toMatchObject({ agent_uuid: '4535', entityId: '4535' });
		expect(workflow.lastRunOutput).toEqual(answer.items);
		expect(memoryTables(workflow)?.driverLocations).toBe('');
	});

	test('Raw Body output: one body per driver, with only that driver in agent_locations', async () => {
		const workflow = captainWorkflow({
			driverUpdates: { locationsPerDriver: true },
			options: { output: 'raw' },
		});
		const body = loadFixture('captain', 'agent.radar_locations.created');
		const { items } = await workflow.call({ body, headers: authed });
		expect(items).toEqual(
			body.data.agent_locations.map((driver: IDataObject) => ({
				...body,
				data: { ...body.data, agent_locations: [driver] },
			})),
		);
	});

	test('switched off again (false), a report is one item as sent', async () => {
		const workflow = captainWorkflow({ driverUpdates: { locationsPerDriver: false } });
		const body = loadFixture('captain', 'agent.radar_locations.created');
		expect((await workflow.call({ body, headers: authed })).items).toHaveLength(1);
	});

	test('other events are not affected', async () => {
		const workflow = captainWorkflow({ driverUpdates: { locationsPerDriver: true } });
		const body = loadFixture('captain', 'order_status_updated');
		const answer = await workflow.call({ body, headers: authed });
		expect(answer.items).toEqual([expect.objectContaining({ entityType: 'order' })]);
	});
});

describe('Locations: At Most One per Driver Every 5 Minutes', () => {
	const parameters = { driverUpdates: { locationIntervalMinutes: 5 } };
	const drivers = (m: number) => ['a', 'b', 'c'].map((id) => ({ id, at: m }));

	test('ten reports a minute apart: two runs of one item per driver; a drop starts nothing and saves nothing', async () => {
		const workflow = captainWorkflow(parameters);
		const saves: number[] = [];
		const answers = [];
		for (let m = 0; m < 10; m++) {
			answers.push(
				await workflow.call({ body: locationsReport(`r-${m}`, m, drivers(m)), headers: authed }),
			);
			saves.push(workflow.saves);
			clock.now += 60_000;
		}
		expect(answers.map((answer) => answer.items.length)).toEqual([3, 0, 0, 0, 0, 3, 0, 0, 0, 0]);
		expect(answers[1]).toMatchObject({
			status: 200,
			startsExecution: false,
			body: {
				status: 'ignored',
				reason: 'no-change',
				detail: 'no driver location to report: 3 drivers within 5 min of the last one',
			},
		});
		// Saved by each run, then once more once n8n said the run ended (node-memory.ts); the other drops write nothing.
		expect(saves).toEqual([1, 2, 2, 2, 2, 3, 4, 4, 4, 4]);
	});

	test('by the times recorded, not by when the reports arrive: a backlog delivered at once is thinned the same', async () => {
		const workflow = captainWorkflow(parameters);
		const answers = [];
		for (let m = 0; m < 10; m++)
			answers.push(
				await workflow.call({ body: locationsReport(`r-${m}`, m, drivers(m)), headers: authed }),
			);
		expect(answers.map((answer) => answer.items.length)).toEqual([3, 0, 0, 0, 0, 3, 0, 0, 0, 0]);
	});

	test('drivers are judged apart: one that just started reporting gets its item', async () => {
		const workflow = captainWorkflow(parameters);
		await workflow.call({ body: locationsReport('r-0', 0, [{ id: 'a', at: 0 }]), headers: authed });
		const answer = await workflow.call({
			body: locationsReport('r-1', 1, [
				{ id: 'a', at: 1 },
				{ id: 'new', at: 1 },
			]),
			headers: authed,
		});
		expect(answer.items.map((item) => item.agent_uuid)).toEqual(['new']);
	});

	test('a run that could not start is undone: the retry of that report runs', async () => {
		const workflow = captainWorkflow(parameters);
		const failed = await workflow.call(
			{ body: locationsReport('r-0', 0, drivers(0)), headers: authed },
			'webhook',
			'fails',
		);
		expect(failed.status).toBe(500);
		const retry = await workflow.call({
			body: locationsReport('r-0', 0, drivers(0)),
			headers: authed,
		});
		expect(retry.items).toHaveLength(3);
	});

	test('20 concurrent deliveries of the same report: one run, 19 duplicates', async () => {
		const workflow = captainWorkflow(parameters);
		const body = locationsReport('r-0', 0, drivers(0));
		const answers = await Promise.all(
			Array.from({ length: 20 }, () => workflow.call({ body, headers: authed })),
		);
		expect(answers.filter((answer) => answer.startsExecution)).toHaveLength(1);
		expect(answers.filter((answer) => answer.body?.reason === 'duplicate')).toHaveLength(19);
	});

	test('20 concurrent reports (other event ids) with the same locations: one run', async () => {
		const workflow = captainWorkflow(parameters);
		const answers = await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				workflow.call({ body: locationsReport(`same-${i}`, 0, drivers(0)), headers: authed }),
			),
		);
		expect(answers.filter((answer) => answer.startsExecution)).toHaveLength(1);
		expect(answers.filter((answer) => answer.body?.reason === 'no-change')).toHaveLength(19);
	});

	test('after a restart (the state read back from static data): still at most one per 5 minutes', async () => {
		const workflow = captainWorkflow(parameters);
		await workflow.call({ body: locationsReport('r-0', 0, drivers(0)), headers: authed });
		clock.now += SAVE_INTERVAL_MS;
		await workflow.call({ body: locationsReport('r-1', 1, drivers(1)), headers: authed }); // saves the ended run
		forgetProcessMemory();
		const afterRestart = [];
		for (const m of [2, 5])
			afterRestart.push(
				await workflow.call({ body: locationsReport(`r-${m}`, m, drivers(m)), headers: authed }),
			);
		expect(afterRestart.map((answer) => answer.items.length)).toEqual([0, 3]);
	});

	test('after a restart during a run (it may have been cut short): the next report runs again, marked a possible repeat', async () => {
		const workflow = captainWorkflow(parameters);
		const firstAt = new Date(clock.now).toISOString();
		await (
			await workflow.start({ body: locationsReport('r-0', 0, drivers(0)), headers: authed })
		).finish('cut-short');
		clock.now += 1000;
		forgetProcessMemory();
		const again = await workflow.call({
			body: locationsReport('r-1', 1, drivers(1)),
			headers: authed,
		});
		expect(again.items).toHaveLength(3);
		expect(again.items[0]).toMatchObject({ possibleRepeat: true, firstAcceptedAt: firstAt });
		// From then on, judged against that item: minute 2 is too soon.
		const next = await workflow.call({
			body: locationsReport('r-2', 2, drivers(2)),
			headers: authed,
		});
		expect(next.body).toMatchObject({ reason: 'no-change' });
	});

	test('with Possible Repeats After a Restart: Skip Them, that report starts nothing', async () => {
		const workflow = captainWorkflow({ ...parameters, options: { repeatsAfterRestart: 'skip' } });
		await (
			await workflow.start({ body: locationsReport('r-0', 0, drivers(0)), headers: authed })
		).finish('cut-short');
		forgetProcessMemory();
		const skipped = await workflow.call({
			body: locationsReport('r-1', 1, drivers(1)),
			headers: authed,
		});
		expect(skipped).toMatchObject({ startsExecution: false, body: { reason: 'no-change' } });
		const later = await workflow.call({
			body: locationsReport('r-5', 5, drivers(5)),
			headers: authed,
		});
		expect(later.items).toHaveLength(3);
		expect(later.items[0].possibleRepeat).toBeUndefined();
	});
});

describe('Locations: Only Near a Place', () => {
	const near = (emit: string, radiusMetres = 200) => ({
		driverUpdates: { nearPlace: { place: { ...STORE, radiusMetres, emit } } },
	});

	test('every location inside: only drivers within the radius, with their distance', async () => {
		const workflow = captainWorkflow(near('inside'));
		const answer = await workflow.call({
			body: locationsReport('r-0', 0, [
				{ id: 'a', metres: 50, at: 0 },
				{ id: 'b', metres: 500, at: 0 },
				{ id: 'c', metres: 150, at: 0 },
			]),
			headers: authed,
		});
		expect(answer.items.map((item) => [item.agent_uuid, item.distanceMetres])).toEqual([
			['a', 50],
			['c', 150],
		]);
		const away = await workflow.call({
			body: locationsReport('r-1', 1, [{ id: 'b', metres: 500, at: 1 }]),
			headers: authed,
		});
		expect(away).toMatchObject({
			startsExecution: false,
			body: {
				reason: 'filtered',
				detail: 'no driver location to report: 1 driver not within 200 m',
			},
		});
		expect(memoryTables(workflow)?.driverLocations).toBe('');
	});

	test('only when entering: once per visit; leaving resets it (remembered, no run)', async () => {
		const workflow = captainWorkflow(near('entering'));
		const path = [900, 150, 50, 20, 600, 900, 100, 30];
		const answers = await deliverEachMinute(
			workflow,
			path.map((metres, m) => locationsReport(`r-${m}`, m, [{ id: 'a', metres, at: m }])),
			clock,
		);
		expect(answers.map((answer) => (answer.startsExecution ? 'run' : answer.body?.reason))).toEqual(
			[
				'filtered',
				'run',
				'no-change',
				'no-change',
				'filtered', // leaves
				'filtered',
				'run', // a new visit
				'no-change',
			],
		);
		expect(answers[2].body?.detail).toBe(
			'no driver location to report: 1 driver still inside since entering',
		);
	});

	test('after a restart, a driver inside since before it does not enter again', async () => {
		const workflow = captainWorkflow(near('entering'));
		await workflow.call({
			body: locationsReport('r-0', 0, [{ id: 'a', metres: 10, at: 0 }]),
			headers: authed,
		});
		clock.now += SAVE_INTERVAL_MS;
		await workflow.call({
			body: locationsReport('r-1', 1, [{ id: 'a', metres: 10, at: 1 }]),
			headers: authed,
		});
		forgetProcessMemory();
		const answer = await workflow.call({
			body: locationsReport('r-2', 2, [{ id: 'a', metres: 10, at: 2 }]),
			headers: authed,
		});
		expect(answer.body).toMatchObject({ reason: 'no-change' });
	});

	test('a place that cannot be (latitude 100) refuses locations reports with 500, other events run', async () => {
		const workflow = captainWorkflow({
			driverUpdates: { nearPlace: { place: { latitude: 100, longitude: 0, radiusMetres: 200 } } },
		});
		const refused = await workflow.call({
			body: locationsReport('r-0', 0, [{ id: 'a', at: 0 }]),
			headers: authed,
		});
		expect(refused).toMatchObject({
			status: 500,
			startsExecution: false,
			body: {
				error: 'trigger node misconfigured',
				detail: 'Driver Updates: the latitude must be between -90 and 90',
			},
		});
		const other = await workflow.call({ body: etaUpdate('e-0', 0, 30), headers: authed });
		expect(other.startsExecution).toBe(true);
	});
});

describe('ETA: Only When Moved by 5 Minutes', () => {
	const parameters = { driverUpdates: { etaMinChangeMinutes: 5 } };

	test('runs for the first ETA and then only for one that moved 5 minutes from the last that ran', async () => {
		const workflow = captainWorkflow(parameters);
		const etas = [30, 31, 33, 34.9, 35, 36, 29, 30];
		const saves: number[] = [];
		const answers = [];
		for (const [m, eta] of etas.entries()) {
			answers.push(await workflow.call({ body: etaUpdate(`e-${m}`, m, eta), headers: authed }));
			saves.push(workflow.saves);
		}
		expect(answers.map((answer) => answer.startsExecution)).toEqual([
			true,
			false,
			false,
			false,
			true,
			false,
			true,
			false,
		]);
		expect(answers[1].body).toEqual({
			status: 'ignored',
			reason: 'no-change',
			detail: 'the ETAs of driver-1 moved less than 5 min',
		});
		// n8n's clock stands still here: only runs save (the first at once, the others when due).
		expect(answers[4].items[0]).toMatchObject({ event: 'agent_eta_updated', entityId: 'driver-1' });
		expect(saves[1]).toBe(saves[0]);
		expect(saves[3]).toBe(saves[0]);
	});

	test('drivers apart; an update older than one that ran is still out of order', async () => {
		const workflow = captainWorkflow(parameters);
		expect(
			(await workflow.call({ body: etaUpdate('e-0', 5, 30, 'x'), headers: authed }))
				.startsExecution,
		).toBe(true);
		expect(
			(await workflow.call({ body: etaUpdate('e-1', 5, 30, 'y'), headers: authed }))
				.startsExecution,
		).toBe(true);
		const older = await workflow.call({ body: etaUpdate('e-2', 1, 60, 'x'), headers: authed });
		expect(older.body).toMatchObject({ reason: 'out-of-order' });
	});

	test('20 concurrent deliveries of the same update: one run', async () => {
		const workflow = captainWorkflow(parameters);
		const body = etaUpdate('e-0', 0, 30);
		const answers = await Promise.all(
			Array.from({ length: 20 }, () => workflow.call({ body, headers: authed })),
		);
		expect(answers.filter((answer) => answer.startsExecution)).toHaveLength(1);
	});

	test('after a restart during a run: the next update runs, marked; with Skip Them it does not', async () => {
		for (const repeats of ['runMarked', 'skip']) {
			forgetProcessMemory();
			const workflow = captainWorkflow({
				...parameters,
				options: { repeatsAfterRestart: repeats },
			});
			await (
				await workflow.start({ body: etaUpdate(`e-0-${repeats}`, 0, 30), headers: authed })
			).finish('cut-short');
			forgetProcessMemory();
			const next = await workflow.call({
				body: etaUpdate(`e-1-${repeats}`, 1, 31),
				headers: authed,
			});
			expect([repeats, next.items.map((item) => item.possibleRepeat)]).toEqual([
				repeats,
				repeats === 'skip' ? [] : [true],
			]);
		}
	});

	test('after a restart, the last ETA that ran is still what an update is compared with', async () => {
		const workflow = captainWorkflow(parameters);
		await workflow.call({ body: etaUpdate('e-0', 0, 30), headers: authed });
		clock.now += SAVE_INTERVAL_MS;
		await workflow.call({ body: etaUpdate('e-1', 1, 31), headers: authed }); // dropped; saves the ended run
		forgetProcessMemory();
		const answers = [
			await workflow.call({ body: etaUpdate('e-2', 2, 33), headers: authed }),
			await workflow.call({ body: etaUpdate('e-3', 3, 36), headers: authed }),
		];
		expect(answers.map((answer) => answer.startsExecution)).toEqual([false, true]);
	});
});

describe('in the editor: Driver Updates shows only where those events can arrive', () => {
	const description = new CaptainAiTrigger().description;
	const properties = description.properties;
	const driverUpdates = properties.find((property) => property.name === 'driverUpdates')!;
	const option = (name: string) =>
		(driverUpdates.options as INodeProperties[]).find((property) => property.name === name)!;
	const node = { typeVersion: 2 } as Parameters<typeof NodeHelpers.displayParameter>[2];
	const shown = (parameter: INodeProperties, values: IDataObject) =>
		NodeHelpers.displayParameter(
			{ receives: 'events', ...values } as never,
			parameter,
			node,
			description,
			{ receives: 'events', ...values } as never,
		);

	test.each<[string[], boolean, boolean, boolean]>([
		// events chosen, collection shown, location options shown, ETA option shown
		[[], true, true, true],
		[['*'], true, true, false], // version 1's "every event": the ETA rule cannot tell it apart
		[['agent.radar_locations.created'], true, true, false],
		[['agent.radar_locations.created', 'order_status_updated'], true, true, false],
		[['agent_eta_updated', 'order_assigned'], true, false, true],
		[['agent_eta_updated', 'agent.radar_locations.created'], true, true, true],
		[['order_assigned', 'unlisted'], false, false, false],
	])('Events %j', (events, collection, locations, eta) => {
		expect(shown(driverUpdates, { events })).toBe(collection);
		expect(shown(option('locationsPerDriver'), { events })).toBe(locations);
		expect(shown(option('nearPlace'), { events })).toBe(locations);
		expect(shown(option('etaMinChangeMinutes'), { events })).toBe(eta);
	});

	test('each other event of the Events list alone hides it (the rules compare names: they hold for the whole list)', () => {
		const events = properties.find((property) => property.name === 'events')!;
		const others = (events.options as Array<{ value: string }>)
			.map((choice) => choice.value)
			.filter(
				(value) => value !== 'agent.radar_locations.created' && value !== 'agent_eta_updated',
			);
		expect(others.length).toBeGreaterThan(5);
		for (const other of others)
			expect([other, shown(driverUpdates, { events: [other] })]).toEqual([other, false]);
	});

	test('hidden for the item-status URL', () => {
		expect(shown(driverUpdates, { receives: 'itemStatus', events: [] })).toBe(false);
	});

	test('each option is off until added', () => {
		expect(driverUpdates.default).toEqual({});
	});
});
