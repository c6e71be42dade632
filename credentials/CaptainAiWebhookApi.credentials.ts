import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The shared secret Captain.AI sends in the `Auth-Token` header of every webhook. Captain has
 * no signature and no API to test it against: the trigger compares it on each request, against
 * a digest it keeps for a few seconds (nodes/common/credential-cache.ts; the rotation rules in
 * the description below come from there).
 */
export class CaptainAiWebhookApi implements ICredentialType {
	name = 'captainAiWebhookApi';

	// Named as the issue and the UI call it: this holds a webhook secret, not an API key.
	// eslint-disable-next-line n8n-nodes-base/cred-class-field-display-name-missing-api
	displayName = 'Captain.AI Webhook';

	icon: Icon = {
		light: 'file:../nodes/CaptainAiTrigger/captainAi.svg',
		dark: 'file:../nodes/CaptainAiTrigger/captainAi.dark.svg',
	};

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-captain-arrive#captainai-trigger';

	properties: INodeProperties[] = [
		{
			displayName: 'Auth-Token',
			name: 'authToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'The secret Captain.AI sends in the Auth-Token header of every webhook. Use a random value of at least 16 characters and give the same value to your Captain.AI account manager. After you change it, the new value is accepted at once (at worst a second later) and the old one keeps working for at most 5 seconds.',
		},
	];
}
