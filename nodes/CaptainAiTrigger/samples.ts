/**
 * A realistic body of every Captain.AI event, for the sample webhook (see common/sample.ts):
 * copies of the shared samples in test/fixtures/captain, which a test holds them equal to (the
 * node cannot read files). Captain documents no data fields for analytics_report_ready, so its
 * sample carries only the store and the time.
 */
import type { IDataObject } from 'n8n-workflow';

import type { Fresh, SampleChoice } from '../common/sample';
import type { CaptainSettings } from './receiver';

/** In the catalogue's order. A Map: a name from the query must not find Object's own keys. */
export const CAPTAIN_SAMPLE_BODIES: ReadonlyMap<string, IDataObject> = new Map<string, IDataObject>(
	[
		[
			'order_assigned',
			{
				data: {
					order_uuid: '6992dc85d681',
					partners_unique_internal_order_id: 'ac730930-a545-4a54-8ad9-5f60737d8a1c',
					account_uuid: '73f4c9af9f79',
					agent_uuid: '7183bb9f1a65',
					agent_partners_external_identifier: 'webhook-driver-1-partners-external-identifier',
					agent_partner_data: { example: 456 },
					order_account_partners_external_identifier: 'partners-external-identifier-account',
					order_account_business_partners_external_identifier: '',
					order_custom_fields: {
						example: 123,
						sms_opt_in: true,
						anything_else_that: 'was_passed_through_when_creating_an_order',
					},
					published_at: 1651157722.2628822,
				},
				environment: 'production',
				event_name: 'order_assigned',
				created_at: '2022-04-28T14:55:22.333+00:00',
				event_uuid: 'a18a4c70-e1e0-4024-a44f-b189835eb970',
				metadata: { sent_at: '2022-04-28T14:55:22.350+00:00', delivery_attempt: 1 },
			},
		],
		[
			'order_unassigned',
			{
				data: {
					order_uuid: '1bbccbfff496',
					account_uuid: '1234c9999f79',
					agent_uuid: '1133bb999a45',
					agent_partners_external_identifier: 'webhook-driver-1-partners-external-identifier',
					agent_partner_data: {},
					partners_unique_internal_order_id: 'bb61f5f3-af81-4fa1-9281-32f7e8b2d0ed',
					order_account_partners_external_identifier: 'partners-external-identifier-account',
					order_account_business_partners_external_identifier: '',
					order_custom_fields: null,
					published_at: 1651156220.3478127,
				},
				environment: 'production',
				event_name: 'order_unassigned',
				created_at: '2022-04-28T14:30:20.483+00:00',
				event_uuid: 'b3df4834-328b-4d54-a871-91b17aa52ca4',
				metadata: { sent_at: '2022-04-28T14:30:20.500+00:00', delivery_attempt: 1 },
			},
		],
		[
			'order_status_updated',
			{
				data: {
					order_uuid: '6992dc85d681',
					order_custom_fields: {
						example: 123,
						sms_opt_in: true,
						anything_else_that: 'was_passed_through_when_creating_an_order',
					},
					order_status: 'cancelled',
					order_description: '12',
					account_uuid: '73f4c9af9f79',
					partners_unique_internal_order_id: 'ac730930-a545-4a54-8ad9-5f60737d8a1c',
					order_account_partners_external_identifier: 'partners-external-identifier-account',
					order_account_business_partners_external_identifier: '',
					published_at: 1651157758.1605158,
					items: [
						{
							uuid: '57414eeb4206',
							addons: [],
							name: 'Pepperoni Pizza',
							quantity: 1,
							addons_type: 'pizza',
							status: 'not_being_prepared',
							printer: null,
						},
					],
				},
				environment: 'production',
				event_name: 'order_status_updated',
				created_at: '2022-04-28T14:55:58.200+00:00',
				event_uuid: '5eed0000-0000-4000-8000-000000000004',
				metadata: { sent_at: '2022-04-28T14:55:58.220+00:00', delivery_attempt: 1 },
			},
		],
		[
			'job_delivery_status_updated',
			{
				data: {
					job_uuid: '6992dc85d681',
					job_delivery_status: 'assigned_to_driver',
					job_delivery_status_agent_uuid: '7183bb9f1a65',
					job_delivery_status_agent_location: {
						latitude: '18.797923',
						longitude: '98.965022',
						recorded_at: '2022-04-28 07:54:06 -0700',
					},
					order_uuid: '6992dc85d681',
					order_description: '12',
					account_uuid: '73f4c9af9f79',
					order_account_partners_external_identifier: 'partners-external-identifier-account',
					order_account_business_partners_external_identifier: '',
					order_custom_fields: {
						example: 123,
						sms_opt_in: true,
						anything_else_that: 'was_passed_through_when_creating_an_order',
					},
					partners_unique_internal_order_id: 'ac730930-a545-4a54-8ad9-5f60737d8a1c',
					published_at: 1651157646.5,
				},
				environment: 'production',
				event_name: 'job_delivery_status_updated',
				created_at: '2022-04-28T14:54:06.600+00:00',
				event_uuid: '5eed0000-0000-4000-8000-000000000003',
				metadata: { sent_at: '2022-04-28T14:54:06.620+00:00', delivery_attempt: 1 },
			},
		],
		[
			'item_status_updated',
			{
				data: {
					item_status: 'being_prepared',
					quantity: 1,
					sequence: '',
					channel_slug: 'unknown',
					account_uuid: '73f4c9af9f79',
					published_at: 1651157758.1605158,
					payment_gateway_id: 'ch_1IaB23XYZa1AbCdEfGhIJK2L',
					payment_status: 'fully_paid',
					grand_total_including_tax: '25.90',
					item_account_partners_external_identifier: 'partners-external-identifier-account',
					item_account_business_partners_external_identifier: '',
					kind: 'delivery',
					order_description: '12',
					tracking_link: 'https://tracking.captain.ai/t/6992dc85d681',
					item_uuid: '57414eeb4206',
					item_name: 'Pepperoni Pizza',
				},
				environment: 'production',
				event_name: 'item_status_updated',
				created_at: '2022-04-28T14:55:58.200+00:00',
				event_uuid: '5eed0000-0000-4000-8000-000000000002',
				metadata: { sent_at: '2022-04-28T14:55:58.220+00:00', delivery_attempt: 1 },
			},
		],
		[
			'order_preparation_updated',
			{
				data: {
					order_uuid: '6992dc85d681',
					order_custom_fields: {
						example: 123,
						sms_opt_in: true,
						anything_else_that: 'was_passed_through_when_creating_an_order',
					},
					status: 'being_prepared',
					order_description: '12',
					kind: 'delivery',
					channel_slug: 'unknown',
					payment_gateway_id: 'ch_1IaB23XYZa1AbCdEfGhIJK2L',
					payment_status: 'fully_paid',
					grand_total_including_tax: '25.90',
					payment_amount_received: '25.90',
					remaining_balance: '0.00',
					account_uuid: '73f4c9af9f79',
					partners_unique_internal_order_id: 'ac730930-a545-4a54-8ad9-5f60737d8a1c',
					order_account_partners_external_identifier: 'partners-external-identifier-account',
					order_account_business_partners_external_identifier: '',
					published_at: 1651157402.5,
					items: [
						{
							uuid: '57414eeb4206',
							addons: [],
							name: 'Pepperoni Pizza',
							quantity: 1,
							addons_type: 'pizza',
							status: 'being_prepared',
							printer: null,
						},
					],
					started_at: '2022-04-28T14:50:02.500+00:00',
					completed_at: null,
					placed_at_time: '2022-04-28T14:49:30.000+00:00',
					recipient: {
						name: 'Jane Doe',
						phone_number: '+15555550123',
						address: {
							name: 'Home',
							line_1: '1 Example Street',
							line_2: '',
							city: 'Las Vegas',
							postcode: '89101',
							country: 'US',
							state: 'NV',
							apartment_number: '4B',
							latitude: '36.1699',
							longitude: '-115.1398',
							address_specific_instructions_to_driver: 'Ring twice',
						},
					},
				},
				environment: 'production',
				event_name: 'order_preparation_updated',
				created_at: '2022-04-28T14:50:02.600+00:00',
				event_uuid: '5eed0000-0000-4000-8000-000000000005',
				metadata: { sent_at: '2022-04-28T14:50:02.620+00:00', delivery_attempt: 1 },
			},
		],
		[
			'order_kds_print_request',
			{
				data: {
					order_uuid: '6992dc85d681',
					order_custom_fields: {
						example: 123,
						sms_opt_in: true,
						anything_else_that: 'was_passed_through_when_creating_an_order',
					},
					order_status: 'not_being_prepared',
					order_description: '12',
					kind: 'delivery',
					channel_slug: 'unknown',
					payment_gateway_id: 'ch_1IaB23XYZa1AbCdEfGhIJK2L',
					payment_status: 'fully_paid',
					grand_total_including_tax: '25.90',
					account_uuid: '73f4c9af9f79',
					partners_unique_internal_order_id: 'ac730930-a545-4a54-8ad9-5f60737d8a1c',
					order_account_partners_external_identifier: 'partners-external-identifier-account',
					order_account_business_partners_external_identifier: '',
					published_at: 1651157371.2,
					items: [
						{
							uuid: '57414eeb4206',
							addons: [],
							name: 'Pepperoni Pizza',
							quantity: 1,
							addons_type: 'pizza',
							status: 'not_being_prepared',
							printer: 'Kitchen',
						},
					],
					started_at: null,
					completed_at: null,
					recipient: {
						name: 'Jane Doe',
						phone_number: '+15555550123',
						address: {
							name: 'Home',
							line_1: '1 Example Street',
							line_2: '',
							city: 'Las Vegas',
							postcode: '89101',
							country: 'US',
							state: 'NV',
							apartment_number: '4B',
							latitude: '36.1699',
							longitude: '-115.1398',
							address_specific_instructions_to_driver: 'Ring twice',
						},
					},
					printer: 'Kitchen',
				},
				environment: 'production',
				event_name: 'order_kds_print_request',
				created_at: '2022-04-28T14:49:31.300+00:00',
				event_uuid: '5eed0000-0000-4000-8000-000000000006',
				metadata: { sent_at: '2022-04-28T14:49:31.320+00:00', delivery_attempt: 1 },
			},
		],
		[
			'agent_eta_updated',
			{
				data: {
					account_uuid: '73f5c9af9f75',
					agent_account_business_partners_external_identifier: 'captain.test1.org',
					agent_account_partners_external_identifier:
						'webhook-driver-1-partners-external-identifier',
					agent_uuid: '7183cb9f1a63',
					agent_partners_external_identifier: '',
					agent_partner_data: { example: 456 },
					calculated_at: 1651154580,
					eta_till_available: 1651145338,
					eta_arrive_at_home_hub: 1651154580,
					published_at: 1651154580.747739,
				},
				environment: 'production',
				event_name: 'agent_eta_updated',
				created_at: '2022-03-31T02:47:08.935+00:00',
				event_uuid: '4e95d5af-5f3b-41e1-8b6f-624331c15a4e',
				metadata: { sent_at: '2022-03-31T02:47:08.957+00:00', delivery_attempt: 1 },
			},
		],
		[
			'agent.radar_locations.created',
			{
				data: {
					account_uuid: '47975676',
					agent_locations: [
						{
							agent_uuid: '32314',
							agent_partners_external_identifier: 'external_1',
							locations: [
								{
									latitude: '36.12244499999999',
									longitude: '-115.1511192',
									speed: '35.2',
									course: 13.2,
									recorded_at: '2021-12-10 05:49:50 UTC',
									account_uuid: '47975676',
								},
								{
									latitude: '36.254499999999',
									longitude: '-115.1511192',
									speed: '37.5',
									course: 15.5,
									recorded_at: '2021-12-10 05:49:50 UTC',
									account_uuid: '47975676',
								},
							],
						},
						{
							agent_uuid: '4535',
							agent_partners_external_identifier: 'external_2',
							locations: [
								{
									latitude: '36.12244499999999',
									longitude: '-115.1511192',
									speed: '40.4',
									course: 16.1,
									recorded_at: '2021-12-10 05:49:50 UTC',
									account_uuid: '47975676',
								},
								{
									latitude: '36.254499999999',
									longitude: '-115.1511192',
									speed: '42.2',
									course: 18.5,
									recorded_at: '2021-12-10 05:49:50 UTC',
									account_uuid: '47975676',
								},
							],
						},
					],
				},
				environment: 'production',
				event_name: 'agent.radar_locations.created',
				created_at: '2021-12-10T05:49:50.000+00:00',
				event_uuid: '5eed0000-0000-4000-8000-000000000001',
				metadata: { sent_at: '2021-12-10T05:49:50.020+00:00', delivery_attempt: 1 },
			},
		],
		[
			'analytics_report_ready',
			{
				data: { account_uuid: '73f4c9af9f79', published_at: 1651190400.1 },
				environment: 'production',
				event_name: 'analytics_report_ready',
				created_at: '2022-04-29T00:00:00.150+00:00',
				event_uuid: '5eed0000-0000-4000-8000-000000000007',
				metadata: { sent_at: '2022-04-29T00:00:00.170+00:00', delivery_attempt: 1 },
			},
		],
	],
);

/** What most workflows react to: the sample when the node takes every event. */
const DEFAULT_SAMPLE = 'order_status_updated';

/** Captain's way of writing a time: '2022-04-28T14:55:58.200+00:00'. */
function captainTime(now: number): string {
	return new Date(now).toISOString().replace('Z', '+00:00');
}

/**
 * The recorded body as a new event: a new event_uuid (a resent one would be a duplicate), sent
 * now, from an environment the node takes.
 */
function captainSampleBody(
	name: string,
	{ now, newId }: Fresh,
	environment: CaptainSettings['environment'],
): IDataObject | undefined {
	const recorded = CAPTAIN_SAMPLE_BODIES.get(name);
	if (!recorded) return undefined;
	const body = JSON.parse(JSON.stringify(recorded)) as IDataObject;
	body.event_uuid = newId();
	body.created_at = captainTime(now);
	body.metadata = { ...(body.metadata as IDataObject), sent_at: captainTime(now) };
	if (environment === 'nonProduction') body.environment = 'test';
	return body;
}

/**
 * The sample asked for with ?event=<name>; without one, the first event the node takes, else
 * an order status change.
 */
export function chooseCaptainSample(
	query: IDataObject,
	fresh: Fresh,
	settings: Pick<CaptainSettings, 'events' | 'environment'>,
): SampleChoice {
	const asked = typeof query.event === 'string' && query.event !== '' ? query.event : undefined;
	const name =
		asked ?? settings.events.find((event) => CAPTAIN_SAMPLE_BODIES.has(event)) ?? DEFAULT_SAMPLE;
	const body = captainSampleBody(name, fresh, settings.environment);
	if (!body)
		return { unknown: name, parameter: 'event', offered: [...CAPTAIN_SAMPLE_BODIES.keys()] };
	return { body, title: `${name} event` };
}
