/**
 * The shared-secret half of the guard, for secrets kept in an n8n credential: refuse what can be
 * refused from the request alone (no header, a header sent twice, an empty one) before the
 * credential is ever read, and check the rest through a CredentialCache.
 */
import type { SecretCheck } from './credential-cache';
import type { IncomingRequest, Verdict } from './receive';

export async function checkSharedSecret(
	headers: IncomingRequest['headers'],
	header: string,
	check: (received: string) => Promise<SecretCheck>,
): Promise<Verdict | undefined> {
	const received = headers[header.toLowerCase()];
	if (received === undefined) return { outcome: 'refused', status: 401, body: { error: `missing ${header} header` } };
	// A header sent twice arrives as an array: ambiguous, so refused. An empty one never matches.
	if (typeof received !== 'string' || received === '' || (await check(received)) !== 'valid') {
		return { outcome: 'refused', status: 401, body: { error: `invalid ${header}` } };
	}
	return undefined;
}
