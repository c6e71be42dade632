/**
 * Who may deliver to a Captain.AI Trigger: the address allowlist first (an unknown sender learns
 * nothing about tokens), then the Auth-Token header against the credential, read through a
 * per-process CredentialCache (see credential-cache.ts for how long a replaced token works).
 */
import type { IWebhookFunctions } from 'n8n-workflow';

import { CredentialCache } from '../common/credential-cache';
import {
	guardRequest,
	type GuardSettings,
	type IncomingRequest,
	type Verdict,
} from '../common/receive';
import { checkSharedSecret } from '../common/shared-secret';

export const CAPTAIN_CREDENTIAL = 'captainAiWebhookApi';

/** Shared by every Captain.AI Trigger of this n8n process; keyed per workflow, node and credential. */
export const captainTokens = new CredentialCache(() => Date.now());

export async function refuseUnauthorised(
	context: IWebhookFunctions,
	request: IncomingRequest,
	allowlist: GuardSettings['allowlist'],
): Promise<Verdict | undefined> {
	const addressRefusal = guardRequest(request, { allowlist });
	if (addressRefusal) return addressRefusal;
	if (context.getNodeParameter('authentication', 'authToken') !== 'authToken') return undefined;

	const node = context.getNode();
	const credential = node.credentials?.[CAPTAIN_CREDENTIAL];
	const key = JSON.stringify([
		context.getWorkflow().id ?? '',
		node.id,
		credential?.id ?? credential?.name ?? '',
	]);
	return checkSharedSecret(request, 'Auth-Token', (received) =>
		captainTokens.check(
			key,
			received,
			async () =>
				(await context.getCredentials<{ authToken?: unknown }>(CAPTAIN_CREDENTIAL)).authToken,
		),
	);
}
