import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The shared secret Captain.AI sends in the `Auth-Token` header of every webhook. Captain has
 * no signature and no API to test it against: the trigger compares it on each request, against
 * a digest it keeps for a few seconds (nodes/common/credential-cache.ts; the rotation rules in
 * the description below come from there).
 */
export class CaptainAiWebhookApi implements ICredentialType {
	name = 'captainAiWebhookApi';

	// n8n's verification wants credential names to end in "API". `name` above is what saved
	// credentials and workflows refer to: it never changes.
	displayName = 'Captain.AI Webhook API';

	icon: Icon = {
		light: 'file:../nodes/CaptainAiTrigger/captainAi.svg',
		dark: 'file:../nodes/CaptainAiTrigger/captainAi.dark.svg',
	};

	// The README on GitHub, where its relative links work; the same owner as package.json's
	// repository. No #anchor: n8n appends tracking parameters to this URL, after any anchor.
	documentationUrl = 'https://github.com/OWNER-TO-SET/n8n-nodes-captain-arrive';

	properties: INodeProperties[] = [
		{
			displayName: 'Auth-Token',
			name: 'authToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'At least 16 characters',
			hint: 'At least 16 characters. Give the same value to your Captain.AI account manager.',
			description:
				'The secret Captain.AI sends in the Auth-Token header of every webhook. A new value works at once; the old one keeps working for at most 5 seconds.',
		},
	];
}
