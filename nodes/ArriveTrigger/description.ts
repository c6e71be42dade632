/** The ARRIVE Trigger's parameters, derived from the ARRIVE catalogue. */
import type { INodeProperties } from 'n8n-workflow';

import {
	addressListField,
	memoryBoundsOptions,
	optionsCollection,
	warningNotice,
} from '../common/descriptions';
import {
	ARRIVE_SOURCE_ADDRESSES,
	EMIT_MODES,
	OTHER_STATUS,
	TRIP_MEMORY_DEFAULTS,
	TRIP_STATUSES,
} from './catalogue';

export const arriveTriggerProperties: INodeProperties[] = [
	{
		displayName:
			'Open "Webhook URLs" at the top of this panel and copy the Production URL (it ends in /arrive). In the ARRIVE dashboard (Account → Webhooks), set it as the webhook URL, and publish this workflow. ARRIVE sends sandbox and production trips to the same URL: use Environment to keep one. n8n must be reachable over HTTPS.',
		name: 'setupNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Accept Calls From',
		name: 'sourceRestriction',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: "ARRIVE's Addresses Only",
				value: 'arriveAddresses',
				description: `Refuse (403) anything not from ${ARRIVE_SOURCE_ADDRESSES.join(', ')} or the extra addresses below`,
			},
			{
				name: 'Any Address',
				value: 'none',
				description:
					'ARRIVE does not sign its calls, so anyone who knows the URL could start this workflow. Only for trying the node out.',
			},
		],
		default: 'arriveAddresses',
	},
	{
		...addressListField({
			displayName: 'Extra Allowed Addresses',
			name: 'additionalAddresses',
			placeholder: '127.0.0.1, 2001:db8::/32',
			description:
				"More IPv4/IPv6 addresses or CIDR ranges allowed besides ARRIVE's (comma-separated).",
		}),
		displayOptions: { show: { sourceRestriction: ['arriveAddresses'] } },
	},
	warningNotice(
		'noRestrictionNotice',
		"The address check is off: anyone who knows this URL can start the workflow. Switch back to ARRIVE's Addresses Only before going live.",
		{ sourceRestriction: ['none'] },
	),
	{
		displayName: 'Trigger On',
		name: 'emit',
		type: 'options',
		noDataExpression: true,
		options: EMIT_MODES.map((mode) => ({
			name: mode.label,
			value: mode.value,
			description: mode.description,
		})),
		default: 'newArrival',
		description:
			'ARRIVE repeats every open trip every few seconds; this decides which trips are new enough to start the workflow. "New Approach or Arrival" uses the acknowledgement token ARRIVE creates when a customer starts approaching or arrives.',
	},
	{
		displayName: 'Statuses',
		name: 'statuses',
		type: 'multiOptions',
		options: [
			...TRIP_STATUSES.map((status) => ({
				name: status.label,
				value: status.value,
				description: status.description,
			})),
			{ name: 'Other', value: OTHER_STATUS, description: 'Any status ARRIVE adds in future' },
		],
		default: ['in-transit', 'approaching', 'arrived', 'other'],
		description:
			'Trips with other statuses are left out. With Trigger On = New Approach or Arrival, in-transit trips never start the workflow (ARRIVE gives them no acknowledgement token).',
	},
	{
		displayName: 'Environment',
		name: 'environment',
		type: 'options',
		options: [
			{ name: 'Production and Sandbox', value: 'both' },
			{
				name: 'Production Only',
				value: 'production',
				description: 'Calls with data.production = true',
			},
			{ name: 'Sandbox Only', value: 'sandbox', description: 'Calls with data.production = false' },
		],
		default: 'both',
	},
	{
		displayName: 'Site IDs',
		name: 'siteIds',
		type: 'string',
		default: '',
		placeholder: 'hellocurbside_9388, store_2',
		description:
			"Only trips to these ARRIVE sites (the site IDs from ARRIVE's dashboard, called site_csin in its data; comma-separated). Empty: every site.",
	},
	optionsCollection([
		{
			displayName: 'Output',
			name: 'outputMode',
			type: 'options',
			options: [
				{
					name: 'One Item per Trip',
					value: 'perTrip',
					description: 'Each trip with the call fields (appId, production, timestamp, version)',
				},
				{
					name: 'One Item per Call',
					value: 'perCall',
					description: 'One item with the call fields and a trips list',
				},
			],
			default: 'perTrip',
		},
		...memoryBoundsOptions({
			things: 'Trips',
			maxName: 'rememberMaxTrips',
			maxDefault: TRIP_MEMORY_DEFAULTS.maxTrips,
			maxDescription:
				'Upper bound on trips whose status and ack tokens are remembered; the oldest are forgotten first',
			hoursDisplayName: 'Remember Trips For (Hours)',
			hoursDefault: TRIP_MEMORY_DEFAULTS.hours,
			hoursDescription: 'How long a trip is remembered after its last change',
		}),
	]),
];
