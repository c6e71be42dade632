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
	sampleNotice,
	setupSteps,
	warningNotice,
} from '../common/descriptions';
import { INVALID_DELIVERIES_REMEMBERED } from '../common/invalid-deliveries';
import type { AnswerWhen, DeliveryRules, RepeatPolicy } from '../common/pipeline';
import {
	CAPTAIN_EVENTS,
	CAPTAIN_MEMORY_DEFAULTS,
	type CaptainEventKind,
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

/*
 * Node versions. 1 and 2 are one URL each, chosen by Receives: the main one (/events) or the
 * item-status one (/item-status). From 3, one node serves both, and its Events list (item status
 * included) decides which URLs exist: n8n's node creator builds a trigger's actions from its
 * first Events list only, so item status has to be in it to be an action at all.
 *
 * The functions below are self-contained on purpose: their source is also the expression the
 * editor and n8n 1.x evaluate (see computedWebhookFields). They tell the versions apart by
 * Receives, which n8n fills in (with its default) for versions 1-2 and drops for 3, where it
 * is never shown. A test holds them to the catalogue's `endpoint` of each event.
 */

/** The main URL's path: the Receives setting's choice in versions 1-2, /events from 3. */
export const captainWebhookPath = (parameters: INodeParameters): string =>
	parameters.receives === 'itemStatus' ? 'item-status' : 'events';

/** The main URL: always in versions 1-2; from 3 unless Item Status Changed is all that is chosen. */
export const takesMainUrlEvents = (parameters: INodeParameters): boolean =>
	parameters.receives !== undefined ||
	!Array.isArray(parameters.events) ||
	parameters.events.length === 0 ||
	(parameters.events as string[]).some((name) => name !== 'item_status_updated');

/** The item-status URL, from version 3: with every event (none chosen) or Item Status Changed. */
export const takesItemStatus = (parameters: INodeParameters): boolean =>
	parameters.receives === undefined &&
	(!Array.isArray(parameters.events) ||
		parameters.events.length === 0 ||
		(parameters.events as string[]).indexOf('item_status_updated') >= 0 ||
		(parameters.events as string[]).indexOf('*') >= 0);

// n8n would read "Captain.AI" as two words and lowercase it: "captain ai".
const unlistedAction = 'On events Captain.AI adds later';

/**
 * The canvas subtitle: versions 1-2 name their URL, from 3 the events chosen, in the node
 * creator's words ("Order status changed").
 */
const subtitleOf = (parameters: INodeParameters, texts: Record<string, string>): string =>
	parameters.receives !== undefined
		? parameters.receives === 'itemStatus'
			? 'Item status changes'
			: 'Orders, deliveries and drivers'
		: !Array.isArray(parameters.events) ||
			  parameters.events.length === 0 ||
			  (parameters.events as string[]).indexOf('*') >= 0
			? 'Every event'
			: (texts[parameters.events[0] as string] || String(parameters.events[0])) +
				(parameters.events.length > 1 ? ' + ' + (parameters.events.length - 1) + ' more' : '');

/** "On order status changed" → "Order status changed". */
const asSubtitle = (action: string) => action.charAt(3).toUpperCase() + action.slice(4);

export const captainSubtitle = `={{(${String(subtitleOf)})($parameter, ${JSON.stringify(
	Object.fromEntries([
		...CAPTAIN_EVENTS.map((kind) => [
			kind.name,
			asSubtitle(kind.action ?? `On ${kind.label.toLowerCase()}`),
		]),
		[UNLISTED_EVENTS, asSubtitle(unlistedAction)],
	]),
)})}}`;

const eventOption = (kind: CaptainEventKind) => ({
	name: kind.label,
	value: kind.name,
	description: kind.description,
	...(kind.action ? { action: kind.action } : {}),
});

const unlistedEventsOption = {
	name: 'Events Captain.AI Adds Later',
	value: UNLISTED_EVENTS,
	action: unlistedAction,
	description: 'Any event not in this list',
};

/** An Events list: which events start a run, the others still answered. */
const eventsList = (
	displayOptions: INodeProperties['displayOptions'],
	options: INodeProperties['options'],
): INodeProperties => ({
	displayName: 'Events',
	name: 'events',
	type: 'multiOptions',
	default: [],
	// n8n shows "Select" in an empty list whatever the placeholder, so the rule is a hint.
	hint: 'Leave empty to receive every event',
	description:
		'Events left out are still answered, so Captain.AI does not resend them, but start nothing',
	displayOptions,
	options,
});

/**
 * Version 3's Events, every event of both URLs. The first property named Events, so the node
 * creator's actions come from it ("On item status changed" among them); each action sets only
 * this list. Hidden for versions 1-2 rather than shown for 3: the node creator copies the first
 * value of every `show` condition of this list into each action's parameters.
 */
const allEvents = eventsList({ hide: { '@version': [1, 2] } }, [
	...CAPTAIN_EVENTS.map(eventOption),
	unlistedEventsOption,
]);

/**
 * Versions 1-2: events offered on the main URL. The item-status URL carries one event, so it has
 * no list: switching Receives to Item Status hides this, and n8n forgets a hidden value, so
 * coming back shows the default (every event) again; the Receives description says so.
 */
const mainUrlEvents = eventsList({ show: { receives: ['events'], '@version': [1, 2] } }, [
	...CAPTAIN_EVENTS.filter((kind) => kind.endpoint === 'events').map(eventOption),
	unlistedEventsOption,
]);

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

const MAIN_URL_STEPS = [
	'Copy the Production URL from Webhook URLs above (it ends in /events).',
	'Email it, with your Auth-Token, to your Captain.AI account manager.',
	'Publish this workflow.',
];

/**
 * Version 3's setup steps. Which URLs exist follows Events (takesMainUrlEvents,
 * takesItemStatus), and Webhook URLs lists exactly those, so the steps point there rather than
 * naming one: a notice shown per case would need display conditions n8n checks on every
 * request and run (a regular expression there runs in a sandbox with a time limit a busy n8n
 * exceeds, failing the run).
 */
const version3SetupNotice: INodeProperties = {
	displayName: setupSteps(
		'Copy each Production URL listed under Webhook URLs above: /events for orders, deliveries and drivers, /item-status for item status changes.',
		'Email them, with your Auth-Token, to your Captain.AI account manager (say which is the item status webhook).',
		'Publish this workflow.',
	),
	name: 'version3SetupNotice',
	type: 'notice',
	default: '',
	displayOptions: { hide: { '@version': [1, 2] } },
};

export const captainAiTriggerProperties: INodeProperties[] = [
	version3SetupNotice,
	sampleNotice(
		'No event to map yet? While this node listens for a test event, open its GET URL ending in /sample (Webhook URLs above, Test URL) in a new browser tab: the node outputs a sample of the first event chosen. Add ?event=agent_eta_updated (or another event) to the URL for another one.',
		3,
	),
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
		displayOptions: { show: { '@version': [1, 2] } },
	},
	{
		displayName: setupSteps(...MAIN_URL_STEPS),
		name: 'mainUrlNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { receives: ['events'], '@version': [1, 2] } },
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
		displayOptions: { show: { receives: ['itemStatus'], '@version': [1, 2] } },
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
	allEvents,
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
		// Versions 1-2: the item-status URL carries one event, no list to choose from (see
		// mainUrlEvents). From version 3 (no Receives) the one list serves both URLs.
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
