/**
 * The Captain.AI Trigger: wiring only. A delivery is admitted (address, then Auth-Token), judged
 * by the shared pipeline with Captain's half of it (receiver.ts), and answered; an accepted
 * event is answered from the node's own run.
 */
// First: on an n8n older than the minimum, fail here with a message naming it, before zod/v4.
import '../common/n8n-version';
import {
	type ICredentialTestFunctions,
	type ICredentialsDecrypted,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeCredentialTestResult,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { admit } from '../common/admission';
import { triggerNode } from '../common/descriptions';
import { registeredByHand } from '../common/manual-registration';
import { readDelivery } from '../common/request';
import { describeTokenProblem } from '../common/shared-secret';
import {
	answerDelivery,
	answerFromRun,
	answerSample,
	answerVerdict,
	deliveryWebhook,
	isSampleRequest,
	sampleWebhook,
} from '../common/webhook-io';
import { captainAuthToken } from './authentication';
import {
	CAPTAIN_ALLOWLIST,
	captainAiTriggerProperties,
	captainSubtitle,
	captainWebhookPath,
	readCaptainSettings,
	takesItemStatus,
	takesMainUrlEvents,
} from './description';
import { captainReceiver } from './receiver';
import { chooseCaptainSample } from './samples';

export class CaptainAiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Captain.AI Trigger',
		name: 'captainAiTrigger',
		icon: { light: 'file:captainAi.svg', dark: 'file:captainAi.dark.svg' },
		...triggerNode('Events'),
		// 2: no per-request expression (n8n evaluates one for every request to a version-1
		// webhook node, its old Webhook node's binaryData option); 3: one node for both URLs,
		// item status an action in the node creator, the sample URL (see description.ts).
		version: [1, 2, 3],
		defaultVersion: 3,
		subtitle: captainSubtitle,
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
		// Paths, methods and the response mode are functions, not expressions: no evaluation per
		// request on n8n 2.x.
		webhooks: [
			deliveryWebhook({
				path: captainWebhookPath,
				activeWhen: { method: 'POST', isActive: takesMainUrlEvents },
			}),
			deliveryWebhook({
				path: 'item-status',
				activeWhen: { method: 'POST', isActive: takesItemStatus },
			}),
			sampleWebhook(),
		],
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
	webhookMethods = registeredByHand(CAPTAIN_ALLOWLIST);

	/** Runs first in every run this trigger started: answers the delivery, passes the items on. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await answerFromRun(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const settings = readCaptainSettings(this);
		if (isSampleRequest(this)) {
			return answerSample(this, captainReceiver(settings.events), (query, fresh) =>
				chooseCaptainSample(query, fresh, settings.events),
			);
		}
		const request = await readDelivery(this);
		const refusal = await admit(request, {
			allowlist: settings.allowlist,
			secret: settings.checksAuthToken ? captainAuthToken(this) : undefined,
		});
		if (refusal) return answerVerdict(this, refusal);
		const receiver = captainReceiver(settings.events);
		return await answerDelivery(this, request, receiver, settings.rules);
	}
}
