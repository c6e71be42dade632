/** The ARRIVE Trigger's parameters, derived from the ARRIVE catalogue, and how they are read. */
import type { INodeProperties, IWebhookFunctions } from 'n8n-workflow';

import {
	addressListField,
	type AllowlistSetting,
	allowlistRule,
	parseAllowlist,
} from '../common/allowlist';
import {
	answerWhenOption,
	invalidDeliveriesOption,
	memoryBoundsOptions,
	optionsCollection,
	repeatsOption,
	sampleNotice,
	setupSteps,
	warningNotice,
} from '../common/descriptions';
import { INVALID_DELIVERIES_REMEMBERED, sameBytesKey } from '../common/invalid-deliveries';
import type { AnswerWhen, DeliveryRules, RepeatPolicy } from '../common/pipeline';
import { splitList } from '../common/validation';
import {
	ARRIVE_SOURCE_ADDRESSES,
	EMIT_MODES,
	type EmitMode,
	OTHER_STATUS,
	REDELIVERY_MEMORY,
	TRIP_MEMORY_DEFAULTS,
	TRIP_STATUSES,
} from './catalogue';
import type { ArriveSettings } from './receiver';

const statusOptions = [
	...TRIP_STATUSES.map((status) => ({
		name: status.label,
		value: status.value as string,
		description: status.description,
	})),
	{ name: 'Other', value: OTHER_STATUS, description: 'Statuses ARRIVE adds in future' },
];

/**
 * Statuses, by node version. From version 3 the list follows Trigger On: a new approach or
 * arrival never comes from an in-transit trip (ARRIVE gives it no acknowledgement token), so
 * In Transit is not offered there, and the default is what the label says. Versions 1-2 keep
 * their list and default, so saved workflows behave as before.
 */
const statusesParameters: INodeProperties[] = [
	{
		displayName: 'Statuses',
		name: 'statuses',
		type: 'multiOptions',
		options: statusOptions.filter((option) => option.value !== 'in-transit'),
		default: ['approaching', 'arrived'],
		description: 'Trips with other statuses start nothing',
		displayOptions: { show: { emit: ['newArrival'], '@version': [{ _cnd: { gte: 3 } }] } },
	},
	{
		displayName: 'Statuses',
		name: 'statuses',
		type: 'multiOptions',
		options: statusOptions,
		default: ['in-transit', 'approaching', 'arrived', 'other'],
		description: 'Trips with other statuses start nothing',
		displayOptions: {
			show: { emit: ['statusChange', 'everyUpdate'], '@version': [{ _cnd: { gte: 3 } }] },
		},
	},
	{
		displayName: 'Statuses',
		name: 'statuses',
		type: 'multiOptions',
		options: statusOptions,
		default: ['in-transit', 'approaching', 'arrived', 'other'],
		description:
			'Trips with other statuses start nothing. With Trigger On = New Approach or Arrival, in-transit trips never start the workflow.',
		displayOptions: { show: { '@version': [1, 2] } },
	},
];

export const arriveTriggerProperties: INodeProperties[] = [
	{
		displayName: setupSteps(
			'Copy the Production URL from Webhook URLs above (it ends in /arrive).',
			'In the ARRIVE dashboard, paste it under Account → Webhooks.',
			'Publish this workflow.',
		),
		name: 'setupNotice',
		type: 'notice',
		default: '',
	},
	sampleNotice(
		'No call to map yet? While this node listens for a test event, open its GET URL ending in /sample (Webhook URLs above, Test URL) in a new browser tab: the node outputs a sample approach. Add ?moment=arrived to the URL for an arrival.',
		4,
	),
	{
		displayName: 'Accept Calls From',
		name: 'sourceRestriction',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'ARRIVE Only',
				value: 'arriveAddresses',
				description: "Refuse calls that do not come from ARRIVE's servers (or the addresses below)",
			},
			{
				name: 'Anyone (for Testing Only)',
				value: 'none',
				description:
					'ARRIVE does not sign its calls: anyone who knows the URL could start this workflow',
			},
		],
		default: 'arriveAddresses',
	},
	{
		...addressListField({
			displayName: 'Also Accept Calls From',
			name: 'additionalAddresses',
			placeholder: 'e.g. 127.0.0.1',
			description:
				'More addresses or address ranges to accept calls from, such as your own machine for testing (comma-separated).',
		}),
		displayOptions: { show: { sourceRestriction: ['arriveAddresses'] } },
	},
	warningNotice(
		'noRestrictionNotice',
		'Anyone who knows this URL can start the workflow. Switch back to ARRIVE Only before going live.',
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
			'ARRIVE resends every open trip every few seconds; choose which updates start the workflow',
	},
	...statusesParameters,
	{
		displayName: 'Environment',
		name: 'environment',
		type: 'options',
		options: [
			{ name: 'Production and Sandbox', value: 'both' },
			{ name: 'Production Only', value: 'production' },
			{ name: 'Sandbox Only', value: 'sandbox' },
		],
		default: 'both',
		description: 'ARRIVE sends sandbox and production trips to the same URL',
	},
	{
		displayName: 'Sites',
		name: 'siteIds',
		type: 'string',
		default: '',
		placeholder: 'e.g. store_12, store_13',
		description:
			"Only trips to these sites, by the site IDs in ARRIVE's dashboard (comma-separated). Empty: every site.",
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
					description: "Each trip is an item, with the call's details",
				},
				{
					name: 'One Item per Call',
					value: 'perCall',
					description: 'One item per call from ARRIVE, with its trips in a list',
				},
			],
			default: 'perTrip',
		},
		...memoryBoundsOptions({
			maxDisplayName: 'Trips to Remember',
			maxName: 'rememberMaxTrips',
			maxDefault: TRIP_MEMORY_DEFAULTS.maxTrips,
			maxDescription:
				'How many trips are remembered to tell a new approach or arrival from a repeat; the oldest are forgotten first',
			hoursDisplayName: 'Remember Trips For (Hours)',
			hoursDefault: TRIP_MEMORY_DEFAULTS.hours,
			hoursDescription: 'How long a trip is remembered after its last change',
		}),
		answerWhenOption,
		repeatsOption,
		invalidDeliveriesOption,
	]),
];

/** ARRIVE's published addresses plus the user's extra ones; off when the user says so. */
export const ARRIVE_ALLOWLIST: AllowlistSetting = {
	name: 'Also Accept Calls From',
	read(context) {
		if (context.getNodeParameter('sourceRestriction', 'arriveAddresses') === 'none')
			return undefined;
		const extra = context.getNodeParameter('additionalAddresses', '') as string;
		return parseAllowlist([...ARRIVE_SOURCE_ADDRESSES, ...splitList(extra)]);
	},
};

interface ArriveOptions {
	outputMode?: ArriveSettings['output'];
	rememberHours?: number;
	rememberMaxTrips?: number;
	answerWhen?: AnswerWhen;
	repeatsAfterRestart?: RepeatPolicy;
	invalidDeliveries?: boolean;
}

/** Everything a call is judged by, read from the node's parameters. */
export function readArriveSettings(context: IWebhookFunctions) {
	const options = context.getNodeParameter('options', {}) as ArriveOptions;
	const trips: ArriveSettings = {
		emit: context.getNodeParameter('emit', 'newArrival') as EmitMode,
		statuses: context.getNodeParameter('statuses', []) as string[],
		environment: context.getNodeParameter('environment', 'both') as ArriveSettings['environment'],
		siteIds: splitList(context.getNodeParameter('siteIds', '') as string),
		output: options.outputMode ?? 'perTrip',
		tripMemory: {
			maxAgeMs: (options.rememberHours ?? TRIP_MEMORY_DEFAULTS.hours) * 3_600_000,
			maxEntries: options.rememberMaxTrips ?? TRIP_MEMORY_DEFAULTS.maxTrips,
		},
	};
	const rules: DeliveryRules = {
		answerWhen: options.answerWhen ?? 'runStarts',
		repeats: options.repeatsAfterRestart ?? 'runMarked',
		// ARRIVE resends the same bytes (twice, a minute apart): an hour of reported bodies is ample.
		report: options.invalidDeliveries
			? {
					key: sameBytesKey,
					memory: { ...REDELIVERY_MEMORY, maxEntries: INVALID_DELIVERIES_REMEMBERED },
				}
			: undefined,
	};
	return {
		allowlist: allowlistRule(ARRIVE_ALLOWLIST, ARRIVE_ALLOWLIST.read(context)),
		trips,
		rules,
	};
}
