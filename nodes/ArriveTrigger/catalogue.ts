/**
 * What ARRIVE (Curbside / Rakuten Ready) documents, in one place: where its webhooks come
 * from, the trip statuses, and how long a redelivery can trail the original. Options,
 * filters and keys are derived from it.
 */

/** ARRIVE's published webhook source addresses (developer docs, "Webhooks"). */
export const ARRIVE_SOURCE_ADDRESSES = ['52.37.123.229', '52.37.246.23', '52.37.75.38'] as const;

export const TRIP_STATUSES = [
	{ value: 'in-transit', label: 'In Transit', description: 'On the way, not yet near the site' },
	{ value: 'approaching', label: 'Approaching', description: 'Close to the site' },
	{ value: 'arrived', label: 'Arrived', description: 'At the site' },
] as const;

/** Option value for statuses ARRIVE may add. */
export const OTHER_STATUS = 'other';

export type EmitMode = 'newArrival' | 'statusChange' | 'everyUpdate';

export const EMIT_MODES: ReadonlyArray<{ value: EmitMode; label: string; description: string }> = [
	{
		value: 'newArrival',
		label: 'New Approach or Arrival',
		description:
			'A customer starts approaching or arrives: one run each, however often ARRIVE repeats the trip',
	},
	{
		value: 'statusChange',
		label: 'Every Status Change',
		description: 'A trip moves to another status',
	},
	{
		value: 'everyUpdate',
		label: 'Every Update',
		description: 'Every trip in every call ARRIVE sends, except exact resends',
	},
];

/** ARRIVE retries a failed call twice, a minute apart: an hour of call fingerprints is ample. */
export const REDELIVERY_MEMORY = { maxEntries: 2000, maxAgeMs: 3_600_000 };

/** Trips last hours; the per-trip state (status, ack tokens) must outlive them. */
export const TRIP_MEMORY_DEFAULTS = { hours: 24, maxTrips: 5000 };

/** Ack tokens kept per trip: one per approach/arrival, so a handful is plenty. */
export const ACK_TOKENS_PER_TRIP = 8;

export function statusCategory(status: string): string {
	return TRIP_STATUSES.some((known) => known.value === status) ? status : OTHER_STATUS;
}
