/**
 * The Auth-Token a Captain.AI Trigger checks: the header, and the secret it must match, read
 * from the credential through a per-process CredentialCache (see credential-cache.ts for how
 * long a replaced token keeps working).
 */
import type { IWebhookFunctions } from 'n8n-workflow';

import type { Admission } from '../common/admission';
import { CredentialCache } from '../common/credential-cache';

const CAPTAIN_CREDENTIAL = 'captainAiWebhookApi';

/** Shared by every Captain.AI Trigger of this n8n process; keyed per workflow, node and credential. */
export const captainTokens = new CredentialCache(() => Date.now());

export function captainAuthToken(context: IWebhookFunctions): Admission['secret'] {
	const node = context.getNode();
	const credential = node.credentials?.[CAPTAIN_CREDENTIAL];
	const key = JSON.stringify([
		context.getWorkflow().id ?? '',
		node.id,
		credential?.id ?? credential?.name ?? '',
	]);
	const readSecret = async () =>
		(await context.getCredentials<{ authToken?: unknown }>(CAPTAIN_CREDENTIAL)).authToken;
	return {
		header: 'Auth-Token',
		check: (received) => captainTokens.check(key, received, readSecret),
	};
}
