/** The Captain.AI Trigger's parameters, derived from the event catalogue. */
import type { INodeParameters, INodeProperties } from 'n8n-workflow';

import {
	addressListField,
	memoryBoundsOptions,
	optionsCollection,
	warningNotice,
} from '../common/descriptions';
import {
	ANY_EVENT,
	CAPTAIN_EVENTS,
	CAPTAIN_MEMORY_DEFAULTS,
	type CaptainEndpoint,
	UNLISTED_EVENTS,
} from './catalogue';

/**
 * The webhook path for the Receives setting: /events or /item-status. Self-contained on purpose:
 * its source is also the expression the editor evaluates (see computedWebhookPath).
 */
export const captainWebhookPath = (parameters: INodeParameters): string =>
	parameters.receives === 'itemStatus' ? 'item-status' : 'events';

/** The Events list for one of Captain's two URLs: only the events that arrive on it. */
function eventsParameterFor(endpoint: CaptainEndpoint): INodeProperties {
	return {
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		required: true,
		default: [ANY_EVENT],
		description:
			'Events that start the workflow. Others are still answered 200, so Captain.AI does not retry them, but start nothing. "Any Event" includes all the others.',
		displayOptions: { show: { receives: [endpoint] } },
		options: [
			{
				name: 'Any Event',
				value: ANY_EVENT,
				description: 'Every event, including ones not listed here',
			},
			...CAPTAIN_EVENTS.filter((kind) => kind.endpoint === endpoint).map((kind) => ({
				name: kind.label,
				value: kind.name,
				description: kind.description,
			})),
			{
				name: 'Any Other (Unlisted) Event',
				value: UNLISTED_EVENTS,
				description: 'Events Captain.AI adds in future or does not document',
			},
		],
	};
}

export const captainAiTriggerProperties: INodeProperties[] = [
	{
		displayName: 'Receives',
		name: 'receives',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Main Webhook (All Events Except Item Status)',
				value: 'events',
				description: 'The URL Captain.AI sends orders, deliveries, driver locations and ETAs to',
			},
			{
				name: 'Item Status Webhook',
				value: 'itemStatus',
				description: 'The separate URL Captain.AI sends item_status_updated events to',
			},
		],
		default: 'events',
		description: 'Which of the two Captain.AI webhook URLs this trigger is',
	},
	{
		displayName:
			'Captain.AI has no API to register webhooks. Open "Webhook URLs" at the top of this panel, choose the Production URL tab (it ends in /events) and email that URL and your Auth-Token to your Captain.AI account manager as the main webhook URL. Item status updates go to a separate URL: add a second Captain.AI Trigger with Receives = Item Status Webhook and send its URL too. The Production URL answers only while the workflow is published.',
		name: 'mainUrlNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { receives: ['events'] } },
	},
	{
		displayName:
			'Open "Webhook URLs" at the top of this panel, choose the Production URL tab (it ends in /item-status) and email that URL to your Captain.AI account manager as the item status webhook URL. Orders, deliveries and driver events go to the main URL: use another Captain.AI Trigger with Receives = Main Webhook for those.',
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
				name: 'Auth-Token Header',
				value: 'authToken',
				description:
					'Refuse (401) any request whose Auth-Token header does not match the credential',
			},
			{
				name: 'None (Accept Requests Without a Token)',
				value: 'none',
				description:
					'Anyone who knows the URL can start this workflow. For trying things out only.',
			},
		],
		default: 'authToken',
	},
	warningNotice(
		'noAuthNotice',
		'Authentication is off: anyone who knows this URL can start the workflow. Choose Auth-Token Header before giving the URL to Captain.AI.',
		{ authentication: ['none'] },
	),
	...(['events', 'itemStatus'] as const).map(eventsParameterFor),
	{
		displayName: 'Environment',
		name: 'environment',
		type: 'options',
		options: [
			{ name: 'Any', value: 'any' },
			{
				name: 'Production Only',
				value: 'production',
				description: 'Only events whose environment is "production"',
			},
			{
				name: 'Non-Production Only',
				value: 'nonProduction',
				description: 'Only events from test or staging environments',
			},
		],
		default: 'any',
		description: "Filter on the event's environment field",
	},
	optionsCollection([
		addressListField({
			displayName: 'Allowed Addresses',
			name: 'allowedAddresses',
			placeholder: '203.0.113.7, 198.51.100.0/24, 2001:db8::/32',
			description:
				'Only accept requests from these IPv4/IPv6 addresses or CIDR ranges (comma-separated); others get 403. Empty: any address.',
		}),
		{
			displayName: 'Drop Out-of-Order Updates',
			name: 'dropOutOfOrder',
			type: 'boolean',
			default: true,
			description:
				'Whether to drop a status update (order, job, item, assignment, driver ETA) older than one already received for the same entity. Retries can arrive hours late.',
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
						'Event, eventId, environment, createdAt, deliveryAttempt, entityId, status and the data fields at the top level',
				},
				{ name: 'Raw Body', value: 'raw', description: 'The body exactly as Captain.AI sent it' },
			],
			default: 'simplified',
		},
		...memoryBoundsOptions({
			things: 'Events',
			maxName: 'rememberMaxEvents',
			maxDefault: CAPTAIN_MEMORY_DEFAULTS.maxEvents,
			maxDescription: 'Upper bound on remembered event IDs; the oldest are forgotten first',
			hoursDisplayName: 'Remember For (Hours)',
			hoursDefault: CAPTAIN_MEMORY_DEFAULTS.hours,
			hoursDescription:
				'How long a received event ID is remembered to drop redeliveries. Captain.AI retries 15 times with growing delays.',
		}),
	]),
];
