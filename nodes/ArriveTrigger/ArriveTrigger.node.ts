/**
 * The ARRIVE Trigger: wiring only. n8n's request goes to the shared pipeline (receive.ts) with
 * ARRIVE's half of it (receiver.ts); an accepted call is answered from the node's own run.
 */
// First: on an n8n older than the minimum, fail here with a message naming it, before zod/v4.
import '../common/n8n-version';
import {
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { parseAllowlist } from '../common/allowlist';
import { splitList } from '../common/validation';
import {
	allowlistGuard,
	registeredByHand,
	type AllowlistSetting,
} from '../common/manual-registration';
import { answerDelivery, answerFromRun, deliveryWebhook, readDelivery } from '../common/webhook-io';
import {
	ARRIVE_SOURCE_ADDRESSES,
	REDELIVERY_MEMORY,
	TRIP_MEMORY_DEFAULTS,
	type EmitMode,
} from './catalogue';
import { triggerNode } from '../common/descriptions';
import { INVALID_DELIVERIES_REMEMBERED, sameBytesKey } from '../common/invalid-deliveries';
import { arriveTriggerProperties } from './description';
import { arriveReceiver, type ArriveSettings } from './receiver';

interface ArriveOptions {
	outputMode?: ArriveSettings['output'];
	rememberHours?: number;
	rememberMaxTrips?: number;
	invalidDeliveries?: boolean;
}

/** ARRIVE's published addresses plus the user's extra ones; off when the user says so. */
const ALLOWLIST: AllowlistSetting = {
	name: 'Also Accept Calls From',
	read(context) {
		if (context.getNodeParameter('sourceRestriction', 'arriveAddresses') === 'none')
			return undefined;
		const extra = context.getNodeParameter('additionalAddresses', '') as string;
		return parseAllowlist([...ARRIVE_SOURCE_ADDRESSES, ...splitList(extra)]);
	},
};

export class ArriveTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'ARRIVE Trigger',
		name: 'arriveTrigger',
		icon: { light: 'file:arrive.svg', dark: 'file:arrive.dark.svg' },
		...triggerNode('Trips'),
		// 2: no per-request expression (see TRIGGER_VERSIONS); 3: Statuses follows Trigger On
		// (see statusesParameters in description.ts).
		version: [1, 2, 3],
		defaultVersion: 3,
		subtitle:
			'={{$parameter["emit"] === "everyUpdate" ? "Every update" : $parameter["emit"] === "statusChange" ? "Every status change" : "New approach or arrival"}}',
		description:
			'Starts the workflow when an ARRIVE (Rakuten Ready) customer approaches or arrives at a site',
		defaults: { name: 'ARRIVE Trigger' },
		// Answered from the node's own run. ARRIVE allows two seconds; backpressure (503) keeps
		// the wait short under load.
		webhooks: [deliveryWebhook({ path: 'arrive' })],
		eventTriggerDescription: 'Waiting for a call to the Test URL',
		triggerPanel: {
			header: 'Waiting for an ARRIVE call',
			executionsHelp: {
				inactive:
					'Send a sample call to the Test URL (the docs have one to copy). From your own machine, first add its address under Also Accept Calls From. Refused calls never show here: n8n logs them. For real trips, publish the workflow and set the Production URL in the ARRIVE dashboard.',
				active:
					"The workflow is published: trips ARRIVE sends to the Production URL start executions as chosen in Trigger On. Refused calls are in n8n's log.",
			},
			activationHint:
				'Publish the workflow, then set the Production URL in the ARRIVE dashboard (Account → Webhooks).',
		},
		properties: arriveTriggerProperties,
	};

	// ARRIVE's webhook URL is set in its dashboard: nothing to create or delete.
	webhookMethods = registeredByHand(ALLOWLIST);

	/** Runs first in every run this trigger started: answers the delivery, passes the items on. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await answerFromRun(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const allowlist = allowlistGuard(ALLOWLIST, ALLOWLIST.read(this));

		const options = this.getNodeParameter('options', {}) as ArriveOptions;
		const receiver = arriveReceiver({
			emit: this.getNodeParameter('emit', 'newArrival') as EmitMode,
			statuses: this.getNodeParameter('statuses', []) as string[],
			environment: this.getNodeParameter('environment', 'both') as ArriveSettings['environment'],
			siteIds: splitList(this.getNodeParameter('siteIds', '') as string),
			output: options.outputMode ?? 'perTrip',
			tripMemory: {
				maxAgeMs: (options.rememberHours ?? TRIP_MEMORY_DEFAULTS.hours) * 3_600_000,
				maxEntries: options.rememberMaxTrips ?? TRIP_MEMORY_DEFAULTS.maxTrips,
			},
		});
		// ARRIVE resends the same bytes (twice, a minute apart): an hour of reported bodies is ample.
		const report = options.invalidDeliveries
			? {
					key: sameBytesKey,
					memory: { ...REDELIVERY_MEMORY, maxEntries: INVALID_DELIVERIES_REMEMBERED },
				}
			: undefined;
		return await answerDelivery(this, await readDelivery(this), { allowlist }, receiver, report);
	}
}
