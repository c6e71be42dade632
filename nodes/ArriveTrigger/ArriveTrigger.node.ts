import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type IHookFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { parseAllowlist, type ParsedAllowlist } from '../common/allowlist';
import { readBodyNotReadByN8n } from '../common/raw-body';
import { receive } from '../common/receive';
import { splitList } from '../common/validation';
import {
	answerFromRun,
	answerMisconfigured,
	answerWebhook,
	describeInvalidAddresses,
	failOnInvalidAddresses,
	memoryPlaceOf,
	readIncomingRequest,
} from '../common/webhook-io';
import { ARRIVE_SOURCE_ADDRESSES, TRIP_MEMORY_DEFAULTS, type EmitMode } from './catalogue';
import { arriveTriggerProperties } from './description';
import { arriveReceiver, type ArriveSettings } from './trips';

interface ArriveOptions {
	outputMode?: ArriveSettings['output'];
	rememberHours?: number;
	rememberMaxTrips?: number;
}

/** `undefined` when the user turned the address check off. */
function readAllowlist(context: IHookFunctions | IWebhookFunctions): ParsedAllowlist | undefined {
	if (context.getNodeParameter('sourceRestriction', 'arriveAddresses') === 'none') return undefined;
	const extra = context.getNodeParameter('additionalAddresses', '') as string;
	return parseAllowlist([...ARRIVE_SOURCE_ADDRESSES, ...splitList(extra)]);
}

const ALLOWLIST_SETTING = 'Extra Allowed Addresses';

export class ArriveTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'ARRIVE Trigger',
		name: 'arriveTrigger',
		icon: { light: 'file:arrive.svg', dark: 'file:arrive.dark.svg' },
		group: ['trigger'],
		// Version 2 behaves exactly as 1. n8n evaluates an expression on every request to a
		// version-1 webhook node (parseRequestBody: the old Webhook node's binaryData option),
		// which costs an isolate on n8n 2.x; new nodes are version 2 and skip it.
		version: [1, 2],
		defaultVersion: 2,
		subtitle:
			'={{$parameter["emit"] === "everyUpdate" ? "Every update" : $parameter["emit"] === "statusChange" ? "Every status change" : "New approach or arrival"}}',
		description: 'Starts the workflow when an ARRIVE (Rakuten Ready) customer approaches or arrives at a site',
		defaults: { name: 'ARRIVE Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				// Answered from the node's own run (see answerFromRun): a 200 means the run exists.
				// ARRIVE allows two seconds; backpressure (503) keeps the wait short under load.
				responseMode: 'responseNode',
				path: 'arrive',
			},
		],
		triggerPanel: {
			header: 'Waiting for an ARRIVE call',
			executionsHelp: {
				inactive:
					'While listening, send a sample call to the Test URL (see the README of n8n-nodes-captain-arrive for a curl command; set Accept Calls From to Any Address, or add your address, to try it from your machine). To receive real trips, publish the workflow and set the Production URL in the ARRIVE dashboard.',
				active:
					'The workflow is published: trips ARRIVE sends to the Production URL start executions as chosen in Trigger On. See them under Executions.',
			},
			activationHint: 'Publish the workflow, then set the Production URL in the ARRIVE dashboard (Account → Webhooks).',
		},
		properties: arriveTriggerProperties,
	};

	webhookMethods = {
		default: {
			// Webhooks are set in the ARRIVE dashboard: nothing to create or delete. See
			// failOnInvalidAddresses for why checkExists still checks.
			async checkExists(this: IHookFunctions): Promise<boolean> {
				failOnInvalidAddresses(this, ALLOWLIST_SETTING, readAllowlist(this)?.invalid ?? []);
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	/** Runs first in every run this trigger started: answers the delivery, passes the items on. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await answerFromRun(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const allowlist = readAllowlist(this);
		if (allowlist && allowlist.invalid.length > 0) return answerMisconfigured(this, describeInvalidAddresses(ALLOWLIST_SETTING, allowlist.invalid));

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
		await readBodyNotReadByN8n(this);
		const request = readIncomingRequest(this);
		const place = memoryPlaceOf(this);
		return answerWebhook(this, place, () => receive(request, { allowlist: allowlist?.ranges }, receiver, place, Date.now()));
	}
}
