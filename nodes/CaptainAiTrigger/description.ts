/** The Captain.AI Trigger's parameters, derived from the event catalogue, and how they are read. */
import type {
	IHookFunctions,
	INodeParameters,
	INodeProperties,
	IWebhookFunctions,
} from 'n8n-workflow';

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
	setupSteps,
	warningNotice,
} from '../common/descriptions';
import { INVALID_DELIVERIES_REMEMBERED } from '../common/invalid-deliveries';
import type { AnswerWhen, DeliveryRules, RepeatPolicy } from '../common/pipeline';
import {
	CAPTAIN_EVENTS,
	CAPTAIN_MEMORY_DEFAULTS,
	findCaptainEvent,
	UNLISTED_EVENTS,
} from './catalogue';
import {
	DRIVER_ETA_EVENT,
	DRIVER_LOCATIONS_EVENT,
	type DriverUpdateSettings,
	type LocationSettings,
} from './driver-updates';
import { captainRetryKey, type CaptainSettings } from './receiver';

/**
 * The webhook path for the Receives setting: /events or /item-status. Self-contained on purpose:
 * its source is also the expression the editor evaluates (see computedWebhookPath).
 */
export const captainWebhookPath = (parameters: INodeParameters): string =>
	parameters.receives === 'itemStatus' ? 'item-status' : 'events';

/**
 * Events offered on the main URL. The item-status URL carries one event, so it has no list:
 * switching Receives to Item Status hides this, and n8n forgets a hidden value, so coming back
 * shows the default (every event) again; the Receives description says so.
 */
const mainUrlEvents: INodeProperties = {
	displayName: 'Events',
	name: 'events',
	type: 'multiOptions',
	default: [],
	// n8n shows "Select" in an empty list whatever the placeholder, so the rule is a hint.
	hint: 'Leave empty to receive every event',
	description:
		'Events left out are still answered, so Captain.AI does not resend them, but start nothing',
	displayOptions: { show: { receives: ['events'] } },
	options: [
		...CAPTAIN_EVENTS.filter((kind) => kind.endpoint === 'events').map((kind) => ({
			name: kind.label,
			value: kind.name,
			description: kind.description,
			...(kind.action ? { action: kind.action } : {}),
		})),
		{
			name: 'Events Captain.AI Adds Later',
			value: UNLISTED_EVENTS,
			// n8n would read "Captain.AI" as two words and lowercase it: "captain ai".
			action: 'On events Captain.AI adds later',
			description: 'Any event not in this list',
		},
	],
};

/*
 * Driver Updates shows only while Events lets a driver event through: every event (an empty
 * list, or `*` as version 1 saved it) or the event itself. n8n applies a hide rule only to a
 * non-empty list, and a `_cnd` condition only when every chosen value meets it. The conditions
 * are plain comparisons, not regular expressions: n8n evaluates display rules on every request
 * and run, and runs each regex in a sandbox with a 250 ms limit that a busy n8n exceeds, which
 * fails the run. They rest on the names: every other event sorts after both driver events
 * ('agent…') and `*` before them (a test holds the catalogue to it).
 */
/** Hidden when no chosen event is a driver event or `*`. */
const unlessDriverEvents = {
	hide: {
		events: [{ _cnd: { gt: [DRIVER_LOCATIONS_EVENT, DRIVER_ETA_EVENT].sort()[1] } }],
		receives: ['itemStatus'],
	},
};
/** Inside the collection: hidden when no chosen event is the locations event or `*`. */
const unlessLocations = { hide: { '/events': [{ _cnd: { gt: DRIVER_LOCATIONS_EVENT } }] } };
/** Inside the collection: hidden when ETA updates are not chosen (and for a version-1 `*`). */
const unlessEtas = { hide: { '/events': [{ _cnd: { not: DRIVER_ETA_EVENT } }] } };

const labelOf = (name: string) => findCaptainEvent(name)?.label ?? name;

/** Fewer runs for Captain.AI's frequent driver events (driver-updates.ts); each off until added. */
const driverUpdates: INodeProperties = {
	displayName: 'Driver Updates',
	name: 'driverUpdates',
	type: 'collection',
	placeholder: 'Add option',
	default: {},
	description: `Fewer runs for ${labelOf(DRIVER_LOCATIONS_EVENT)} and ${labelOf(DRIVER_ETA_EVENT)}, which Captain.AI sends often`,
	displayOptions: unlessDriverEvents,
	options: [
		{
			displayName: 'ETA: Only When Moved by (Minutes)',
			name: 'etaMinChangeMinutes',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 5,
			description:
				"Run for a driver's ETA update only when an ETA moved at least this much since the last one that ran",
			displayOptions: unlessEtas,
		},
		{
			displayName: 'Locations: At Most One per Driver Every (Minutes)',
			name: 'locationIntervalMinutes',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 5,
			description:
				'Skip locations recorded less than this long after the last one a driver had an item for. Gives one item per driver.',
			displayOptions: unlessLocations,
		},
		{
			displayName: 'Locations: One Item per Driver',
			name: 'locationsPerDriver',
			type: 'boolean',
			default: true,
			description:
				"Whether to split each locations report into one item per driver, with the driver's latest location",
			displayOptions: unlessLocations,
		},
		{
			displayName: 'Locations: Only Near a Place',
			name: 'nearPlace',
			type: 'fixedCollection',
			placeholder: 'Add place',
			typeOptions: { multipleValues: false },
			default: { place: {} },
			description: 'Only drivers within a radius of a place. Gives one item per driver.',
			displayOptions: unlessLocations,
			options: [
				{
					displayName: 'Place',
					name: 'place',
					values: [
						{
							displayName: 'Latitude',
							name: 'latitude',
							type: 'number',
							typeOptions: { minValue: -90, maxValue: 90, numberPrecision: 6 },
							default: 0,
							description: "The place's latitude in degrees, e.g. 51.507351",
						},
						{
							displayName: 'Longitude',
							name: 'longitude',
							type: 'number',
							typeOptions: { minValue: -180, maxValue: 180, numberPrecision: 6 },
							default: 0,
							description: "The place's longitude in degrees, e.g. -0.127758",
						},
						{
							displayName: 'Radius (Metres)',
							name: 'radiusMetres',
							type: 'number',
							typeOptions: { minValue: 1 },
							default: 200,
						},
						{
							displayName: 'Trigger On',
							name: 'emit',
							type: 'options',
							options: [
								{
									name: 'Every Location Inside',
									value: 'inside',
									description: 'Each location of a driver within the radius',
								},
								{
									name: 'Only When Entering',
									value: 'entering',
									description:
										'Once per visit, when a driver comes within the radius; leaving resets it',
								},
							],
							default: 'inside',
						},
					],
				},
			],
		},
	],
};

export const captainAiTriggerProperties: INodeProperties[] = [
	{
		displayName: 'Receives',
		name: 'receives',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Orders, Deliveries and Drivers',
				value: 'events',
				description: "Captain.AI's main webhook (the URL ends in /events)",
			},
			{
				name: 'Item Status Changes',
				value: 'itemStatus',
				description: "Captain.AI's separate item status webhook (the URL ends in /item-status)",
			},
		],
		default: 'events',
		description:
			'Captain.AI sends item status changes to a URL of their own, which has no Events list: switching to it clears the events chosen. To receive both, add one trigger for each.',
	},
	{
		displayName: setupSteps(
			'Copy the Production URL from Webhook URLs above (it ends in /events).',
			'Email it, with your Auth-Token, to your Captain.AI account manager.',
			'Publish this workflow.',
		),
		name: 'mainUrlNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { receives: ['events'] } },
	},
	{
		displayName: setupSteps(
			'Copy the Production URL from Webhook URLs above (it ends in /item-status).',
			'Email it to your Captain.AI account manager as the item status webhook.',
			'Publish this workflow.',
		),
		name: 'itemStatusUrlNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { receives: ['itemStatus'] } },
	},
	{
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Auth-Token',
				value: 'authToken',
				description: 'Accept only requests that carry your Auth-Token',
			},
			{
				name: 'None (for Testing Only)',
				value: 'none',
				description: 'Anyone who knows the URL can start this workflow',
			},
		],
		default: 'authToken',
	},
	warningNotice(
		'noAuthNotice',
		'Anyone who knows this URL can start the workflow. Choose Auth-Token before giving the URL to Captain.AI.',
		{ authentication: ['none'] },
	),
	mainUrlEvents,
	{
		displayName: 'Environment',
		name: 'environment',
		type: 'options',
		options: [
			{ name: 'Production and Test', value: 'any' },
			{ name: 'Production Only', value: 'production' },
			{ name: 'Test Only', value: 'nonProduction', description: 'Test and staging accounts' },
		],
		default: 'any',
		description: 'Which of your Captain.AI environments to receive events from',
	},
	driverUpdates,
	optionsCollection([
		addressListField({
			displayName: 'Allowed Addresses',
			name: 'allowedAddresses',
			placeholder: 'e.g. 203.0.113.7, 198.51.100.0/24',
			description:
				'Accept requests only from these addresses or address ranges (comma-separated). Empty: any address.',
		}),
		{
			displayName: 'Drop Out-of-Order Updates',
			name: 'dropOutOfOrder',
			type: 'boolean',
			default: true,
			description:
				'Whether to skip a status update that is older than one already received for the same order, delivery, item or driver. Resent updates can arrive hours late.',
		},
		{
			displayName: 'Output',
			name: 'output',
			type: 'options',
			options: [
				{
					name: 'Simplified',
					value: 'simplified',
					description:
						'The event name, its ID, time, status and what it is about, then its data fields, all at the top level',
				},
				{ name: 'Raw Body', value: 'raw', description: 'The body exactly as Captain.AI sent it' },
			],
			default: 'simplified',
		},
		...memoryBoundsOptions({
			maxDisplayName: 'Events to Remember',
			maxName: 'rememberMaxEvents',
			maxDefault: CAPTAIN_MEMORY_DEFAULTS.maxEvents,
			maxDescription:
				'How many received events are remembered so that a resent one starts nothing; the oldest are forgotten first',
			hoursDisplayName: 'Remember Events For (Hours)',
			hoursDefault: CAPTAIN_MEMORY_DEFAULTS.hours,
			hoursDescription:
				'How long a received event is remembered. Captain.AI resends an event up to 15 times, with growing delays.',
		}),
		answerWhenOption,
		repeatsOption,
		invalidDeliveriesOption,
	]),
];

interface CaptainOptions {
	allowedAddresses?: string;
	dropOutOfOrder?: boolean;
	output?: CaptainSettings['output'];
	rememberHours?: number;
	rememberMaxEvents?: number;
	answerWhen?: AnswerWhen;
	repeatsAfterRestart?: RepeatPolicy;
	invalidDeliveries?: boolean;
}

interface DriverUpdatesParameter {
	etaMinChangeMinutes?: number;
	locationIntervalMinutes?: number;
	locationsPerDriver?: boolean;
	nearPlace?: {
		place?: { latitude?: number; longitude?: number; radiusMetres?: number; emit?: string };
	};
}

/**
 * The Driver Updates settings. Each location option gives one item per driver, so adding any
 * of them splits reports, whatever One Item per Driver says.
 */
function readDriverUpdates(context: IWebhookFunctions): DriverUpdateSettings {
	const chosen = context.getNodeParameter('driverUpdates', {}) as DriverUpdatesParameter;
	const place = chosen.nearPlace?.place;
	const locations: LocationSettings = {
		minIntervalMinutes: chosen.locationIntervalMinutes ?? 0,
		...(place
			? {
					place: {
						latitude: place.latitude ?? 0,
						longitude: place.longitude ?? 0,
						radiusMetres: place.radiusMetres ?? 200,
						onEntering: place.emit === 'entering',
					},
				}
			: {}),
	};
	const splits =
		chosen.locationsPerDriver === true ||
		chosen.locationIntervalMinutes !== undefined ||
		place !== undefined;
	return {
		etaMinChangeMinutes: chosen.etaMinChangeMinutes ?? 0,
		...(splits ? { locations } : {}),
	};
}

function readOptions(context: IHookFunctions | IWebhookFunctions): CaptainOptions {
	return context.getNodeParameter('options', {}) as CaptainOptions;
}

/** Optional: empty means any address. */
export const CAPTAIN_ALLOWLIST: AllowlistSetting = {
	name: 'Allowed Addresses',
	read(context) {
		const parsed = parseAllowlist(readOptions(context).allowedAddresses ?? '');
		return parsed.ranges.length > 0 || parsed.invalid.length > 0 ? parsed : undefined;
	},
};

/** Everything a delivery is judged by, read from the node's parameters. */
export function readCaptainSettings(context: IWebhookFunctions) {
	const options = readOptions(context);
	const memory = {
		maxAgeMs: (options.rememberHours ?? CAPTAIN_MEMORY_DEFAULTS.hours) * 3_600_000,
		maxEntries: options.rememberMaxEvents ?? CAPTAIN_MEMORY_DEFAULTS.maxEvents,
	};
	const events: CaptainSettings = {
		// The item-status URL carries one event: no list to choose from (see mainUrlEvents).
		events:
			context.getNodeParameter('receives', 'events') === 'itemStatus'
				? []
				: (context.getNodeParameter('events', []) as string[]),
		environment: context.getNodeParameter('environment', 'any') as CaptainSettings['environment'],
		dropOutOfOrder: options.dropOutOfOrder ?? true,
		output: options.output ?? 'simplified',
		memory,
		driverUpdates: readDriverUpdates(context),
	};
	const rules: DeliveryRules = {
		answerWhen: options.answerWhen ?? 'runStarts',
		repeats: options.repeatsAfterRestart ?? 'runMarked',
		report: options.invalidDeliveries
			? { key: captainRetryKey, memory: { ...memory, maxEntries: INVALID_DELIVERIES_REMEMBERED } }
			: undefined,
	};
	return {
		allowlist: allowlistRule(CAPTAIN_ALLOWLIST, CAPTAIN_ALLOWLIST.read(context)),
		checksAuthToken: context.getNodeParameter('authentication', 'authToken') === 'authToken',
		events,
		rules,
	};
}
