/**
 * Fewer runs for Captain.AI's frequent driver events. `agent.radar_locations.created` comes every
 * minute per store with recent locations of every driver, `agent_eta_updated` on every
 * recalculation: a run each is more than most workflows want, and each run is what a user pays
 * for. Here, as plain functions over plain data, is what decides which of them still start one:
 * one item per driver with its latest location, at most one per driver every N minutes, only
 * drivers near a place (or only when one comes near), and only ETAs that moved.
 *
 * Times are the events' own (a location's `recorded_at`, else the event's `created_at`), never
 * n8n's clock: a replay, a late redelivery and live traffic are judged alike. What must be
 * remembered per driver is returned as the next state, for the caller to keep in the node's
 * memory; a delivery that changes nothing returns none, so dropping it writes nothing.
 */
import { normaliseId } from '../common/fingerprint';
import { isJsonObject, ownField } from '../common/json';
import { parseProviderTime } from '../common/validation';

/** The events these settings act on. */
export const DRIVER_LOCATIONS_EVENT = 'agent.radar_locations.created';
export const DRIVER_ETA_EVENT = 'agent_eta_updated';

interface PlaceSettings {
	latitude: number;
	longitude: number;
	radiusMetres: number;
	/** Only when a driver comes within the radius, once per visit; leaving resets it. */
	onEntering: boolean;
}

/** Set when locations reports are split by driver; absent, a report is one item as sent. */
export interface LocationSettings {
	/** A driver's next item needs a location recorded at least this long after the last one; 0: every report. */
	minIntervalMinutes: number;
	place?: PlaceSettings;
}

export interface DriverUpdateSettings {
	locations?: LocationSettings;
	/** An ETA update runs only when an ETA moved at least this much; 0: every update. */
	etaMinChangeMinutes: number;
}

/** A setting these functions cannot work with, in words for the user; undefined when usable. */
export function describeDriverUpdatesProblem(settings: DriverUpdateSettings): string | undefined {
	const place = settings.locations?.place;
	if (place) {
		// Where the editor's fields start: a place left unset, not one in the Gulf of Guinea.
		if (place.latitude === 0 && place.longitude === 0)
			return "set the place's latitude and longitude";
		if (!isBetween(place.latitude, -90, 90)) return 'the latitude must be between -90 and 90';
		if (!isBetween(place.longitude, -180, 180)) return 'the longitude must be between -180 and 180';
		if (!(place.radiusMetres > 0)) return 'the radius must be more than 0 metres';
	}
	const minutes = [settings.locations?.minIntervalMinutes ?? 0, settings.etaMinChangeMinutes];
	if (minutes.some((value) => !(value >= 0))) return 'minutes must be 0 or more';
	return undefined;
}

function isBetween(value: number, low: number, high: number): boolean {
	return Number.isFinite(value) && value >= low && value <= high;
}

// ---------------------------------------------------------------------------------------------
// Driver locations

/** One driver of a locations report, with its latest location. */
export interface DriverLocation {
	/** `agent_uuid` as sent (a number in its string form). */
	driverId: string;
	/** The key its state is remembered by. */
	driverKey: string;
	/** Its entry of `agent_locations`, as sent. */
	entry: Record<string, unknown>;
	/** Its latest location, as sent. */
	location: Record<string, unknown>;
	/** Captain sends coordinates as strings; null when one is not a number. */
	latitude: number | null;
	longitude: number | null;
	/** When the location was recorded (seconds): `recorded_at`, else the event's `created_at`. */
	at: number;
}

/** Times are kept in whole seconds: Captain records locations to the second. */
function seconds(ms: number): number {
	return Math.floor(ms / 1000);
}

function numberOrNull(value: unknown): number | null {
	if (typeof value !== 'number' && (typeof value !== 'string' || value.trim() === '')) return null;
	const number = Number(value);
	return Number.isFinite(number) ? number : null;
}

/**
 * Each driver of a report with its latest location (the latest `recorded_at`; of equal times
 * the one listed last), in the order the drivers are listed. A driver listed twice is one
 * driver; entries without an id or without any location have nothing to report.
 * `notAfterMs` bounds a time sent in the future, so one such location cannot hold a driver
 * back for as long as the memory lasts.
 */
export function latestLocations(
	data: Record<string, unknown>,
	createdAtMs: number,
	notAfterMs: number,
): DriverLocation[] {
	const entries = ownField(data, 'agent_locations');
	if (!Array.isArray(entries)) return [];
	const eventAt = Math.min(createdAtMs, notAfterMs);
	const drivers = new Map<string, DriverLocation>();
	for (const entry of entries) {
		const id = ownField(entry, 'agent_uuid');
		const locations = ownField(entry, 'locations');
		if (!isJsonObject(entry) || (typeof id !== 'string' && typeof id !== 'number')) continue;
		if (String(id).trim() === '' || !Array.isArray(locations)) continue;
		const driverKey = normaliseId(String(id));
		let latest = drivers.get(driverKey);
		for (const location of locations) {
			if (!isJsonObject(location)) continue;
			const recordedMs = parseProviderTime(ownField(location, 'recorded_at'));
			const at = seconds(Math.min(recordedMs ?? eventAt, notAfterMs));
			if (latest && at < latest.at) continue;
			latest = {
				driverId: latest?.driverId ?? String(id),
				driverKey,
				entry: latest?.entry ?? entry,
				location,
				latitude: numberOrNull(ownField(location, 'latitude')),
				longitude: numberOrNull(ownField(location, 'longitude')),
				at,
			};
		}
		if (latest) drivers.set(driverKey, latest);
	}
	return [...drivers.values()];
}

const EARTH_RADIUS_METRES = 6_371_008.8;

/** Great-circle distance (haversine), in metres. */
export function distanceMetres(
	from: { latitude: number; longitude: number },
	to: { latitude: number; longitude: number },
): number {
	const radians = (degrees: number) => (degrees * Math.PI) / 180;
	const dLat = radians(to.latitude - from.latitude);
	const dLon = radians(to.longitude - from.longitude);
	const a =
		Math.sin(dLat / 2) ** 2 +
		Math.cos(radians(from.latitude)) * Math.cos(radians(to.latitude)) * Math.sin(dLon / 2) ** 2;
	return 2 * EARTH_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * What is remembered per driver, compactly (the whole memory is rewritten on each save), in
 * seconds: the time of the newest location that changed this state, of the last location
 * emitted (null: none yet), and whether the driver is within the place's radius (1) or not (0).
 */
export type LocationState = [judgedAt: number, emittedAt: number | null, inside: 0 | 1];

/** Whether judging locations needs a driver's state at all: without it, nothing is read or written. */
export function needsLocationState(settings: LocationSettings): boolean {
	return settings.minIntervalMinutes > 0 || settings.place?.onEntering === true;
}

/**
 * The key a driver's state is kept under. The place is part of it: after the place or radius
 * changes, "inside" from the old one means nothing.
 */
export function locationStateKey(driver: DriverLocation, settings: LocationSettings): string {
	const place = settings.place;
	return place
		? `near ${place.latitude},${place.longitude},${place.radiusMetres}:${driver.driverKey}`
		: driver.driverKey;
}

/** Why a driver's location starts nothing. */
export type LocationDrop =
	/** Recorded before one already judged (a late redelivery or replay). */
	| 'older'
	/** Within the minimum interval of the last location emitted. */
	| 'too soon'
	/** Not within the place's radius, or without coordinates to tell. */
	| 'away'
	/** Entering only: still inside since the visit's first item. */
	| 'still inside';

export type LocationVerdict =
	| { emit: true; distanceMetres?: number; next?: LocationState }
	| { emit: false; why: LocationDrop; next?: LocationState };

/** Judges one driver's latest location against its state; `next` only when the state changes. */
export function judgeLocation(
	driver: DriverLocation,
	previous: LocationState | undefined,
	settings: LocationSettings,
): LocationVerdict {
	if (previous && driver.at < previous[0]) return { emit: false, why: 'older' };
	const place = settings.place;
	let distance: number | undefined;
	if (place) {
		distance =
			driver.latitude === null || driver.longitude === null
				? Infinity
				: distanceMetres({ latitude: driver.latitude, longitude: driver.longitude }, place);
		const inside = distance <= place.radiusMetres;
		if (!inside) {
			// Leaving ends the visit, so coming back is entering again.
			const left = place.onEntering && previous?.[2] === 1;
			return { emit: false, why: 'away', next: left ? [driver.at, previous[1], 0] : undefined };
		}
		if (place.onEntering && previous?.[2] === 1) return { emit: false, why: 'still inside' };
	}
	const emittedAt = previous?.[1] ?? null;
	if (
		settings.minIntervalMinutes > 0 &&
		emittedAt !== null &&
		driver.at - emittedAt < settings.minIntervalMinutes * 60
	)
		return { emit: false, why: 'too soon' };
	const next: LocationState | undefined = needsLocationState(settings)
		? [driver.at, driver.at, place?.onEntering ? 1 : 0]
		: undefined;
	return {
		emit: true,
		...(distance === undefined ? {} : { distanceMetres: Math.round(distance) }),
		...(next ? { next } : {}),
	};
}

const DROP_WORDS: Record<LocationDrop, (settings: LocationSettings) => string> = {
	older: () => 'older than one already received',
	'too soon': (settings) => `within ${settings.minIntervalMinutes} min of the last one`,
	away: (settings) => `not within ${settings.place?.radiusMetres} m`,
	'still inside': () => 'still inside since entering',
};

/** Why a report started nothing, counted per reason: "3 drivers within 5 min of the last one, …". */
export function describeLocationDrops(
	drops: readonly LocationDrop[],
	settings: LocationSettings,
): string {
	if (drops.length === 0) return 'no driver locations in this report';
	const counts = new Map<LocationDrop, number>();
	for (const why of drops) counts.set(why, (counts.get(why) ?? 0) + 1);
	const parts = [...counts].map(
		([why, count]) => `${count} ${count === 1 ? 'driver' : 'drivers'} ${DROP_WORDS[why](settings)}`,
	);
	return `no driver location to report: ${parts.join(', ')}`;
}

// ---------------------------------------------------------------------------------------------
// ETA updates

/** A driver's ETAs in unix seconds, null when not sent: `[eta_arrive_at_home_hub, eta_till_available]`. */
export type EtaState = [arriveAtHomeHub: number | null, tillAvailable: number | null];

export function etasOf(data: Record<string, unknown>): EtaState {
	return [
		numberOrNull(ownField(data, 'eta_arrive_at_home_hub')),
		numberOrNull(ownField(data, 'eta_till_available')),
	];
}

/**
 * Whether an ETA moved at least `minChangeMinutes` since the last one emitted: either of the
 * two, and an ETA that appears or disappears counts as moved. A driver's first update runs.
 */
export function etaMoved(
	previous: EtaState | undefined,
	current: EtaState,
	minChangeMinutes: number,
): boolean {
	if (!previous) return true;
	return current.some((eta, index) => {
		const before = previous[index];
		if (eta === null || before === null) return eta !== before;
		return Math.abs(eta - before) >= minChangeMinutes * 60;
	});
}
