import { findCaptainEvent } from '../../nodes/CaptainAiTrigger/catalogue';
import {
	DRIVER_ETA_EVENT,
	DRIVER_LOCATIONS_EVENT,
	type DriverLocation,
	type LocationSettings,
	type LocationState,
	describeDriverUpdatesProblem,
	describeLocationDrops,
	distanceMetres,
	etaMoved,
	etasOf,
	judgeLocation,
	latestLocations,
	locationStateKey,
	needsLocationState,
} from '../../nodes/CaptainAiTrigger/driver-updates';
import { loadFixture } from '../helpers/fixtures.cjs';

const FAR_FUTURE = Date.UTC(2100, 0, 1);
const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
/** A store in central London and points at known distances from it. */
const STORE = { latitude: 51.5072, longitude: -0.1276 };
/** 0.001° of latitude is 111.2 m. */
const metresNorth = (metres: number) => STORE.latitude + metres / 111_195;

function driverAt(
	at: number,
	latitude: number | null = STORE.latitude,
	longitude: number | null = STORE.longitude,
	id = 'd1',
): DriverLocation {
	return {
		driverId: id,
		driverKey: id,
		entry: { agent_uuid: id },
		location: {},
		latitude,
		longitude,
		at: Math.floor(at / 1000),
	};
}

/** Runs a driver's locations through judgeLocation as the receiver does, keeping its state. */
function replay(settings: LocationSettings, locations: DriverLocation[]) {
	let state: LocationState | undefined;
	const outcomes: string[] = [];
	let writes = 0;
	for (const location of locations) {
		const verdict = judgeLocation(location, state, settings);
		if (verdict.next) {
			state = verdict.next;
			writes++;
		}
		outcomes.push(verdict.emit ? 'emit' : verdict.why);
	}
	return { outcomes, writes, state };
}

const minutes = (n: number) => T0 + n * 60_000;

describe('the events the driver options act on', () => {
	test('are in the catalogue, about a store and a driver', () => {
		expect(findCaptainEvent(DRIVER_LOCATIONS_EVENT)?.entity?.type).toBe('store');
		expect(findCaptainEvent(DRIVER_ETA_EVENT)?.entity?.type).toBe('driver');
	});
});

describe('latestLocations', () => {
	test('the sample: each driver once, its latest location (of equal times the one listed last), coordinates as numbers', () => {
		const body = loadFixture('captain', 'agent.radar_locations.created');
		const drivers = latestLocations(body.data, Date.parse(body.created_at), FAR_FUTURE);
		expect(drivers.map((driver) => [driver.driverId, driver.location.speed])).toEqual([
			['32314', '37.5'],
			['4535', '42.2'],
		]);
		expect(drivers[0]).toMatchObject({
			latitude: 36.254499999999,
			longitude: -115.1511192,
			at: Date.UTC(2021, 11, 10, 5, 49, 50) / 1000,
			entry: body.data.agent_locations[0],
		});
	});

	test('the latest by recorded_at, not by position; without recorded_at the event time counts', () => {
		const drivers = latestLocations(
			{
				agent_locations: [
					{
						agent_uuid: 'a',
						locations: [
							{ latitude: '1', longitude: '1', recorded_at: '2026-11-25 08:05:00 UTC' },
							{ latitude: '2', longitude: '2', recorded_at: '2026-11-25 08:01:00 UTC' },
						],
					},
					{ agent_uuid: 'b', locations: [{ latitude: '3', longitude: '3' }] },
				],
			},
			minutes(10),
			FAR_FUTURE,
		);
		expect(drivers.map((driver) => [driver.driverId, driver.latitude, driver.at * 1000])).toEqual([
			['a', 1, minutes(5)],
			['b', 3, minutes(10)],
		]);
	});

	test('a driver listed twice is one driver; entries without an id or locations report nothing', () => {
		const drivers = latestLocations(
			{
				agent_locations: [
					{
						agent_uuid: 'A-1',
						locations: [{ latitude: 1, longitude: 1, recorded_at: minutes(1) / 1000 }],
					},
					{ agent_uuid: ' ', locations: [{ latitude: 9, longitude: 9 }] },
					{ locations: [{ latitude: 9, longitude: 9 }] },
					{ agent_uuid: 'c' },
					{ agent_uuid: 'd', locations: [] },
					'not an entry',
					{
						agent_uuid: 'A-1',
						locations: [{ latitude: 2, longitude: 2, recorded_at: minutes(2) / 1000 }],
					},
				],
			},
			minutes(3),
			FAR_FUTURE,
		);
		expect(drivers).toHaveLength(1);
		expect(drivers[0]).toMatchObject({ driverId: 'A-1', latitude: 2 });
	});

	test('no agent_locations, or not a list: no drivers', () => {
		expect(latestLocations({}, T0, FAR_FUTURE)).toEqual([]);
		expect(latestLocations({ agent_locations: 'x' }, T0, FAR_FUTURE)).toEqual([]);
	});

	test('coordinates that are not numbers read as null', () => {
		const [driver] = latestLocations(
			{ agent_locations: [{ agent_uuid: 'a', locations: [{ latitude: 'north', longitude: '' }] }] },
			T0,
			FAR_FUTURE,
		);
		expect(driver).toMatchObject({ latitude: null, longitude: null });
	});

	test('a time in the future counts as the bound given, so it cannot hold a driver back', () => {
		const [driver] = latestLocations(
			{
				agent_locations: [
					{
						agent_uuid: 'a',
						locations: [{ latitude: 1, longitude: 1, recorded_at: '9999-12-31 00:00:00 UTC' }],
					},
				],
			},
			T0,
			minutes(1),
		);
		expect(driver.at * 1000).toBe(minutes(1));
	});
});

describe('distanceMetres (haversine)', () => {
	test('0.001° of latitude is about 111 m; London to Paris about 344 km', () => {
		expect(distanceMetres(STORE, { ...STORE, latitude: STORE.latitude + 0.001 })).toBeCloseTo(
			111.2,
			0,
		);
		expect(distanceMetres(STORE, { latitude: 48.8566, longitude: 2.3522 }) / 1000).toBeCloseTo(
			343.6,
			0,
		);
		expect(distanceMetres(STORE, STORE)).toBe(0);
	});
});

describe('judgeLocation', () => {
	test('one item per driver alone: every location, no state', () => {
		const settings: LocationSettings = { minIntervalMinutes: 0 };
		expect(needsLocationState(settings)).toBe(false);
		const { outcomes, writes } = replay(settings, [
			driverAt(minutes(0)),
			driverAt(minutes(1)),
			driverAt(minutes(1)),
		]);
		expect(outcomes).toEqual(['emit', 'emit', 'emit']);
		expect(writes).toBe(0);
	});

	test('at most one per driver every 5 minutes, by the times recorded; a state write only per item', () => {
		const settings: LocationSettings = { minIntervalMinutes: 5 };
		const { outcomes, writes } = replay(
			settings,
			[0, 1, 2, 4.9, 5, 6, 9, 10, 10].map((m) => driverAt(minutes(m))),
		);
		expect(outcomes).toEqual([
			'emit',
			'too soon',
			'too soon',
			'too soon',
			'emit',
			'too soon',
			'too soon',
			'emit',
			'too soon',
		]);
		expect(writes).toBe(3);
	});

	test('a location older than the last one emitted (a late redelivery, a replay) starts nothing', () => {
		const { outcomes } = replay({ minIntervalMinutes: 5 }, [
			driverAt(minutes(10)),
			driverAt(minutes(2)),
		]);
		expect(outcomes).toEqual(['emit', 'older']);
	});

	test('only near a place: drivers within the radius, with their distance; no state', () => {
		const settings: LocationSettings = {
			minIntervalMinutes: 0,
			place: { ...STORE, radiusMetres: 200, onEntering: false },
		};
		expect(needsLocationState(settings)).toBe(false);
		const near = judgeLocation(driverAt(T0, metresNorth(150)), undefined, settings);
		expect(near).toEqual({ emit: true, distanceMetres: 150 });
		expect(judgeLocation(driverAt(T0, metresNorth(250)), undefined, settings)).toEqual({
			emit: false,
			why: 'away',
		});
		expect(judgeLocation(driverAt(T0, null, null), undefined, settings)).toEqual({
			emit: false,
			why: 'away',
		});
	});

	test('only when entering: once per visit, leaving resets it, writes only on entering and leaving', () => {
		const settings: LocationSettings = {
			minIntervalMinutes: 0,
			place: { ...STORE, radiusMetres: 200, onEntering: true },
		};
		const path = [900, 500, 150, 50, 10, 120, 400, 800, 190, 20];
		const { outcomes, writes } = replay(
			settings,
			path.map((metres, m) => driverAt(minutes(m), metresNorth(metres))),
		);
		expect(outcomes).toEqual([
			'away',
			'away',
			'emit',
			'still inside',
			'still inside',
			'still inside',
			'away', // leaves: written
			'away',
			'emit', // back: a new visit
			'still inside',
		]);
		expect(writes).toBe(3);
	});

	test('entering and at most every 10 minutes: a visit within 10 minutes of the last item waits for the interval', () => {
		const settings: LocationSettings = {
			minIntervalMinutes: 10,
			place: { ...STORE, radiusMetres: 200, onEntering: true },
		};
		const path: Array<[number, number]> = [
			[0, 100], // enters: item
			[2, 900], // leaves
			[4, 100], // back, 4 min after the item: too soon
			[11, 100], // still the same visit, now 11 min after: item
			[12, 100],
		];
		const { outcomes } = replay(
			settings,
			path.map(([m, metres]) => driverAt(minutes(m), metresNorth(metres))),
		);
		expect(outcomes).toEqual(['emit', 'away', 'too soon', 'emit', 'still inside']);
	});

	test('the state key names the place: another place or radius starts afresh', () => {
		const driver = driverAt(T0);
		const here = { ...STORE, radiusMetres: 200, onEntering: true };
		const keys = [
			locationStateKey(driver, { minIntervalMinutes: 5 }),
			locationStateKey(driver, { minIntervalMinutes: 5, place: here }),
			locationStateKey(driver, { minIntervalMinutes: 5, place: { ...here, radiusMetres: 300 } }),
		];
		expect(new Set(keys).size).toBe(3);
		expect(keys[0]).toBe('d1');
	});
});

describe('describeLocationDrops', () => {
	test('counts drivers per reason', () => {
		const settings: LocationSettings = {
			minIntervalMinutes: 5,
			place: { ...STORE, radiusMetres: 200, onEntering: false },
		};
		expect(describeLocationDrops(['too soon', 'away', 'too soon'], settings)).toBe(
			'no driver location to report: 2 drivers within 5 min of the last one, 1 driver not within 200 m',
		);
		expect(describeLocationDrops([], settings)).toBe('no driver locations in this report');
	});
});

describe('ETA updates', () => {
	test('etasOf reads both ETAs (unix seconds, strings too), null when absent', () => {
		const body = loadFixture('captain', 'agent_eta_updated');
		expect(etasOf(body.data)).toEqual([1651154580, 1651145338]);
		expect(etasOf({ eta_arrive_at_home_hub: '1651154580.5' })).toEqual([1651154580.5, null]);
	});

	test('moved: a first update, either ETA by at least the minutes, or one appearing or disappearing', () => {
		const before: [number, number] = [1_000_000, 2_000_000];
		expect(etaMoved(undefined, before, 5)).toBe(true);
		expect(etaMoved(before, [1_000_000 + 299, 2_000_000 - 299], 5)).toBe(false);
		expect(etaMoved(before, [1_000_000 + 300, 2_000_000], 5)).toBe(true);
		expect(etaMoved(before, [1_000_000, 2_000_000 - 300], 5)).toBe(true);
		expect(etaMoved(before, [1_000_000, null], 5)).toBe(true);
		expect(etaMoved([null, null], [null, null], 5)).toBe(false);
	});
});

describe('describeDriverUpdatesProblem', () => {
	const place = { ...STORE, radiusMetres: 200, onEntering: false };
	test.each<[string, Parameters<typeof describeDriverUpdatesProblem>[0], string | undefined]>([
		['usable', { etaMinChangeMinutes: 5, locations: { minIntervalMinutes: 5, place } }, undefined],
		[
			'latitude',
			{
				etaMinChangeMinutes: 0,
				locations: { minIntervalMinutes: 0, place: { ...place, latitude: 91 } },
			},
			'the latitude must be between -90 and 90',
		],
		[
			'longitude',
			{
				etaMinChangeMinutes: 0,
				locations: { minIntervalMinutes: 0, place: { ...place, longitude: NaN } },
			},
			'the longitude must be between -180 and 180',
		],
		[
			'radius',
			{
				etaMinChangeMinutes: 0,
				locations: { minIntervalMinutes: 0, place: { ...place, radiusMetres: 0 } },
			},
			'the radius must be more than 0 metres',
		],
		['minutes', { etaMinChangeMinutes: -1 }, 'minutes must be 0 or more'],
		[
			'left unset',
			{
				etaMinChangeMinutes: 0,
				locations: { minIntervalMinutes: 0, place: { ...place, latitude: 0, longitude: 0 } },
			},
			"set the place's latitude and longitude",
		],
	])('%s', (_name, settings, problem) => {
		expect(describeDriverUpdatesProblem(settings)).toBe(problem);
	});
});
