/**
 * The Captain.AI Trigger: wiring only. The address and Auth-Token are checked first
 * (authentication.ts, the credential read at most every few seconds), then the request goes to
 * the shared pipeline (receive.ts) with Captain's half of it (receiver.ts); an accepted event is
 * answered from the node's own run.
 */
// First: on an n8n older than the minimum, fail here with a message naming it, before zod/v4.
import '../common/n8n-version';
import {
	type ICredentialTestFunctions,
	type ICredentialsDecrypted,
	type IExecuteFunctions,
	type IHookFunctions,
	type INodeExecutionData,
	type INodeCredentialTestResult,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { parseAllowlist } from '../common/allowlist';
import { describeTokenProblem } from '../common/auth-token';
import {
	TRIGGER_VERSIONS,
	allowlistGuard,
	registeredByHand,
	type AllowlistSetting,
} from '../common/manual-registration';
import {
	answerDelivery,
	answerFromRun,
	answerVerdict,
	deliveryWebhook,
	readDelivery,
} from '../common/webhook-io';
import { computedWebhookPath } from '../common/computed-webhook-path';
import { refuseUnauthorised } from './authentication';
import { captainAiTriggerProperties, captainWebhookPath } from './description';
import { CAPTAIN_MEMORY_DEFAULTS } from './catalogue';
import { captainReceiver, captainRetryKey, type CaptainSettings } from './receiver';
import { triggerNode } from '../common/descriptions';
import { INVALID_DELIVERIES_REMEMBERED } from '../common/invalid-deliveries';

interface CaptainOptions {
	allowedAddresses?: string;
	dropOutOfOrder?: boolean;
	output?: CaptainSettings['output'];
	rememberHours?: number;
	rememberMaxEvents?: number;
	invalidDeliveries?: boolean;
}

function readOptions(context: IHookFunctions | IWebhookFunctions): CaptainOptions {
	return context.getNodeParameter('options', {}) as CaptainOptions;
}

/** Optional: an empty setting means any address. */
function parseAllowedAddresses(options: CaptainOptions) {
	const parsed = parseAllowlist(options.allowedAddresses ?? '');
	return parsed.ranges.length > 0 || parsed.invalid.length > 0 ? parsed : undefined;
}

const ALLOWLIST: AllowlistSetting = {
	name: 'Allowed Addresses',
	read: (context) => parseAllowedAddresses(readOptions(context)),
};

export class CaptainAiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Captain.AI Trigger',
		name: 'captainAiTrigger',
		icon: { light: 'file:captainAi.svg', dark: 'file:captainAi.dark.svg' },
		...triggerNode('Events'),
		...TRIGGER_VERSIONS,
		subtitle:
			'={{$parameter["receives"] === "itemStatus" ? "Item status changes" : "Orders, deliveries and drivers"}}',
		description:
			'Starts the workflow when Captain.AI reports an order, delivery, item or driver update',
		defaults: { name: 'Captain.AI Trigger' },
		credentials: [
			{
				name: 'captainAiWebhookApi',
				required: true,
				testedBy: 'captainAiAuthTokenTest',
				displayOptions: { show: { authentication: ['authToken'] } },
			},
		],
		// The path is a function rather than an expression: no evaluation per request on n8n 2.x.
		webhooks: [deliveryWebhook(computedWebhookPath(captainWebhookPath))],
		eventTriggerDescription: 'Waiting for an event at the Test URL',
		triggerPanel: {
			header: 'Waiting for a Captain.AI event',
			executionsHelp: {
				inactive:
					'Send a sample event with your Auth-Token to the Test URL (the docs have one to copy). Refused requests, such as a wrong token, never show here: n8n logs them. For real events, publish the workflow and give Captain.AI the Production URL.',
				active:
					"The workflow is published: every event Captain.AI sends to the Production URL starts an execution, except events left out and resends. Refused requests are in n8n's log.",
			},
			activationHint:
				'Publish the workflow, then email the Production URL to your Captain.AI account manager.',
		},
		properties: captainAiTriggerProperties,
	};

	methods = {
		credentialTest: {
			// Captain.AI has no API to check a token against; catch what can be seen locally.
			async captainAiAuthTokenTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				const problem = describeTokenProblem(credential.data?.authToken);
				if (problem) return { status: 'Error', message: problem };
				return {
					status: 'OK',
					message: 'The Auth-Token is usable. Send a test event to check it matches Captain.AI.',
				};
			},
		},
	};

	// Captain.AI has no API to register webhooks (its account manager does it).
	webhookMethods = registeredByHand(ALLOWLIST);

	/** Runs first in every run this trigger started: answers the delivery, passes the items on. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await answerFromRun(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const options = readOptions(this);
		const request = await readDelivery(this);
		// Address (or a misconfigured allowlist), then Auth-Token, before anything else.
		const refusal = await refuseUnauthorised(
			this,
			request,
			allowlistGuard(ALLOWLIST, parseAllowedAddresses(options)),
		);
		if (refusal) return answerVerdict(this, refusal);

		const memory = {
			maxAgeMs: (options.rememberHours ?? CAPTAIN_MEMORY_DEFAULTS.hours) * 3_600_000,
			maxEntries: options.rememberMaxEvents ?? CAPTAIN_MEMORY_DEFAULTS.maxEvents,
		};
		const receiver = captainReceiver({
			// The item-status URL carries one event: no list to choose from (see description.ts).
			events:
				this.getNodeParameter('receives', 'events') === 'itemStatus'
					? []
					: (this.getNodeParameter('events', []) as string[]),
			environment: this.getNodeParameter('environment', 'any') as CaptainSettings['environment'],
			dropOutOfOrder: options.dropOutOfOrder ?? true,
			output: options.output ?? 'simplified',
			memory,
		});
		const report = options.invalidDeliveries
			? {
					key: captainRetryKey,
					memory: { maxAgeMs: memory.maxAgeMs, maxEntries: INVALID_DELIVERIES_REMEMBERED },
				}
			: undefined;
		// Address and token were judged above, with the credential read only when needed.
		return await answerDelivery(this, request, {}, receiver, report);
	}
}
