/**
 * A realistic ARRIVE call for each moment a workflow reacts to, for the sample webhook (see
 * common/sample.ts): copies of the shared samples (test/fixtures/examples/arrive-approaching.json
 * and test/fixtures/arrive/ad-estimates.json), which a test holds them equal to (the node cannot
 * read files), less the recorded acknowledgement tokens, which a sample never uses.
 */
import type { IDataObject } from 'n8n-workflow';

import type { Fresh, SampleChoice } from '../common/sample';
import type { ArriveSettings } from './receiver';

/** A Map: a moment from the query must not find Object's own keys. */
export const ARRIVE_SAMPLE_CALLS: ReadonlyMap<string, IDataObject> = new Map<string, IDataObject>([
	[
		'approaching',
		{
			event: 'ad-estimates',
			data: {
				app_id: 'com.curbside.hello',
				estimates: [
					{
						customer: {
							email: 'john.smith@example.com',
							sms_number: '8883308304',
							name: 'John Smith',
							vehicle: { license_number: '2114705', make: 'Tesla', model: 'Model S' },
						},
						eta: 240,
						distance: 1450.2,
						lat: 37.4259354,
						lng: -122.1382713,
						received_at: '2017-09-14T21:55:34Z',
						site_csin: 'hellocurbside_9388',
						status: 'approaching',
						tid: 'hello12345',
						track_tokens: [
							{
								dest_id: '7e1c2a90-3b4d-4c5e-8f60-71a2b3c4d5e6',
								track_token: 'my_track_token',
								pickup_window: {
									start: '2017-09-14T20:00:00.000Z',
									end: '2017-09-14T23:00:00.000Z',
								},
							},
						],
						// Every sample gets a new token (see arriveSampleCall).
						ack: {},
					},
				],
				production: false,
			},
			timestamp: '2017-09-14T21:53:10.000Z',
			version: '2017-05-31',
		},
	],
	[
		'arrived',
		{
			event: 'ad-estimates',
			data: {
				app_id: 'com.curbside.hello',
				estimates: [
					{
						customer: {
							email: 'john.smith@example.com',
							sms_number: '8883308304',
							name: 'John Smith',
							vehicle: { license_number: '2114705', make: 'Tesla', model: 'Model S' },
						},
						eta: 120,
						distance: 29.029977710719,
						lat: 37.4259354,
						lng: -122.1382713,
						received_at: '2017-09-14T21:55:34Z',
						site_csin: 'hellocurbside_9388',
						status: 'arrived',
						tid: 'hello12345',
						track_tokens: [
							{
								dest_id: '25f8f222-6b6a-400e-bcf6-94790cc95daf',
								track_token: 'my_track_token',
								pickup_window: {
									start: '2017-09-14T20:00:00.000Z',
									end: '2017-09-14T23:00:00.000Z',
								},
							},
						],
						// Every sample gets a new token (see arriveSampleCall).
						ack: {},
						arrived: { zone_name: 'curbside' },
					},
				],
				production: false,
			},
			timestamp: '2017-09-14T21:55:53.802Z',
			version: '2017-05-31',
		},
	],
]);

/**
 * The recorded call as a new one: sent now, about a new trip with a new acknowledgement token (so
 * it is a new approach or arrival whatever Trigger On says), in an environment and at a site the
 * node takes.
 */
function arriveSampleCall(
	moment: string,
	{ now, newId }: Fresh,
	settings: Pick<ArriveSettings, 'environment' | 'siteIds'>,
): IDataObject | undefined {
	const recorded = ARRIVE_SAMPLE_CALLS.get(moment);
	if (!recorded) return undefined;
	const call = JSON.parse(JSON.stringify(recorded)) as IDataObject;
	const data = call.data as IDataObject;
	const trip = (data.estimates as IDataObject[])[0];
	const [token] = trip.track_tokens as IDataObject[];
	call.timestamp = new Date(now).toISOString();
	trip.received_at = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
	token.dest_id = newId();
	trip.ack = { token: newId() };
	if (settings.environment !== 'both') data.production = settings.environment === 'production';
	if (settings.siteIds.length > 0) trip.site_csin = settings.siteIds[0];
	return call;
}

/**
 * The sample asked for with ?moment=approaching or ?moment=arrived; without one, an approach,
 * unless the node's Statuses leave approaches out and take arrivals.
 */
export function chooseArriveSample(
	query: IDataObject,
	fresh: Fresh,
	settings: Pick<ArriveSettings, 'environment' | 'siteIds' | 'statuses'>,
): SampleChoice {
	const asked = typeof query.moment === 'string' && query.moment !== '' ? query.moment : undefined;
	const onlyArrivals =
		!settings.statuses.includes('approaching') && settings.statuses.includes('arrived');
	const moment = asked ?? (onlyArrivals ? 'arrived' : 'approaching');
	const body = arriveSampleCall(moment, fresh, settings);
	if (!body)
		return { unknown: moment, parameter: 'moment', offered: [...ARRIVE_SAMPLE_CALLS.keys()] };
	return { body, title: moment === 'arrived' ? 'arrival' : 'approach' };
}
