/**
 * The shared-secret half of the guard, for secrets kept in an n8n credential: refuse what can be
 * refused from the request alone (no header, a header sent twice, an empty one) before the
 * credential is ever read, and check the rest through a CredentialCache.
 */
import { readSecretHeader } from './auth-token';
import type { SecretCheck } from './credential-cache';
import type { IncomingRequest, Verdict } from './receive';

export async function checkSharedSecret(
	request: Pick<IncomingRequest, 'headers' | 'rawHeaders'>,
	header: string,
	check: (received: string) => Promise<SecretCheck>,
): Promise<Verdict | undefined> {
	const read = readSecretHeader(request.headers, request.rawHeaders, header);
	if ('problem' in read) return { outcome: 'refused', status: 401, body: { error: read.problem } };
	if ((await check(read.received)) !== 'valid')
		return { outcome: 'refused', status: 401, body: { error: `invalid ${header}` } };
	return undefined;
}
