/**
 * Who may deliver: the admission stage both triggers run before anything reads the body. In
 * this order, each ending the request with its own refusal:
 * 1. the node's settings can work (an allowlist entry that is no address refuses everything);
 * 2. the client address is allowed (first: an unknown sender learns nothing about secrets);
 * 3. the shared secret header is there once and matches (compared as SHA-256 digests in
 *    constant time, see credential-cache.ts); what the request alone shows is refused before
 *    the credential is read.
 */
import { type AllowlistRule, describeInvalidAddresses, judgeAddress } from './allowlist';
import { refuse, type Refused } from './answers';
import { readSecretHeader } from './shared-secret';
import type { SecretCheck } from './credential-cache';
import type { IncomingRequest } from './request';

export interface Admission {
	/** `undefined`: no address restriction. */
	allowlist?: AllowlistRule;
	/** `undefined`: no shared secret (an explicit user choice). */
	secret?: {
		header: string;
		/** Whether `received` is the secret the credential holds. */
		check(received: string): Promise<SecretCheck>;
	};
}

export async function admit(
	request: IncomingRequest,
	admission: Admission,
): Promise<Refused | undefined> {
	const { allowlist, secret } = admission;
	if (allowlist && allowlist.invalid.length > 0)
		return refuse.misconfigured(describeInvalidAddresses(allowlist.setting, allowlist.invalid));
	const addressRefusal = allowlist && judgeAddress(request, allowlist);
	if (addressRefusal) return addressRefusal;
	if (!secret) return undefined;
	const read = readSecretHeader(request.headers, request.rawHeaders, secret.header);
	if ('problem' in read) return refuse.secret(read.problem);
	if ((await secret.check(read.received)) !== 'valid')
		return refuse.secret(`invalid ${secret.header}`);
	return undefined;
}
