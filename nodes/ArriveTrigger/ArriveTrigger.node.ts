/**
 * The ARRIVE Trigger: wiring only. A call is admitted (ARRIVE's addresses), judged by the shared
 * pipeline with ARRIVE's half of it (receiver.ts), and answered; an accepted call is answered
 * from the node's own run.
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

import { admit } from '../common/admission';
import { triggerNode } from '../common/descriptions';
import { registeredByHand } from '../common/manual-registration';
import { readDelivery } from '../common/request';
import {
	answerDelivery,
	answerFromRun,
	answerSample,
	answerVerdict,
	deliveryWebhook,
	isSampleRequest,
	sampleWebhook,
} from '../common/webhook-io';
import { ARRIVE_ALLOWLIST, arriveTriggerProperties, readArriveSettings } from './description';
import { arriveReceiver } from './receiver';
import { chooseArriveSample } from './samples';

export class ArriveTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'ARRIVE Trigger',
		name: 'arriveTrigger',
		icon: { light: 'file:arrive.svg', dark: 'file:arrive.dark.svg' },
		...triggerNode('Trips'),
		// 2: no per-request expression (n8n evaluates one for every request to a version-1
		// webhook node, its old Webhook node's binaryData option); 3: Statuses follows Trigger On
		// (see statusesParameters in description.ts); 4: the sample URL (see sampleWebhook).
		version: [1, 2, 3, 4],
		defaultVersion: 4,
		subtitle:
			'={{$parameter["emit"] === "everyUpdate" ? "Every update" : $parameter["emit"] === "statusChange" ? "Every status change" : "New approach or arrival"}}',
		description:
			'Starts the workflow when an ARRIVE (Rakuten Ready) customer approaches or arrives at a site',
		defaults: { name: 'ARRIVE Trigger' },
		// Answered from the node's own run. ARRIVE allows two seconds; backpressure (503) keeps
		// the wait short under load.
		webhooks: [deliveryWebhook({ path: 'arrive' }), sampleWebhook()],
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
	webhookMethods = registeredByHand(ARRIVE_ALLOWLIST);

	/** Runs first in every run this trigger started: answers the delivery, passes the items on. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await answerFromRun(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const settings = readArriveSettings(this);
		if (isSampleRequest(this)) {
			return answerSample(this, arriveReceiver(settings.trips), (query, fresh) =>
				chooseArriveSample(query, fresh, settings.trips),
			);
		}
		const request = await readDelivery(this);
		const refusal = await admit(request, { allowlist: settings.allowlist });
		if (refusal) return answerVerdict(this, refusal);
		const receiver = arriveReceiver(settings.trips);
		return await answerDelivery(this, request, receiver, settings.rules);
	}
}
