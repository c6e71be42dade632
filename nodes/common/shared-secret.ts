/**
 * The shared secret a provider sends in a header (Captain.AI's Auth-Token): reading the header
 * as the request carries it, and what makes a secret unusable before it is ever compared.
 */

/**
 * What the request alone says about its shared-secret header: the value to check, or why it
 * cannot authenticate (so the secret need not even be read).
 *
 * A header sent twice is refused with its own reason: Node joins the two values into one
 * ("a, b"), which would be compared as a wrong token and reported as such, hiding the real
 * mistake. Spaces around the value never reach here: HTTP defines them as not part of the
 * value (RFC 9110, 5.5) and Node's parser strips them, so " token " is the token.
 */
export function readSecretHeader(
	headers: Record<string, string | string[] | undefined>,
	rawHeaders: readonly string[] | undefined,
	header: string,
): { received: string } | { problem: string } {
	const name = header.toLowerCase();
	const received = headers[name];
	if (received === undefined) return { problem: `missing ${header} header` };
	let lines = Array.isArray(received) ? received.length : 1;
	if (rawHeaders) {
		lines = 0;
		for (let i = 0; i < rawHeaders.length; i += 2)
			if (rawHeaders[i].toLowerCase() === name) lines++;
	}
	if (lines > 1) return { problem: `${header} header sent ${lines} times; send it once` };
	if (typeof received !== 'string' || received === '') return { problem: `invalid ${header}` };
	return { received };
}

/** Minimum length below which a shared secret is easy to guess. */
const MIN_TOKEN_LENGTH = 16;

/**
 * What is wrong with a secret before it is ever used, for the credential test: the provider
 * has no API to check it against, but some mistakes can be seen locally.
 */
export function describeTokenProblem(token: unknown): string | undefined {
	if (typeof token !== 'string' || token === '') return 'The Auth-Token is empty.';
	// HTTP strips spaces around header values, so such a token could never match.
	if (token.trim() !== token)
		return 'The Auth-Token starts or ends with a space; HTTP headers drop those, so it would never match.';
	if (!/^[\x21-\x7e ]+$/.test(token))
		return 'The Auth-Token has characters that cannot be sent in an HTTP header (use printable ASCII).';
	if (token.length < MIN_TOKEN_LENGTH)
		return `The Auth-Token is shorter than ${MIN_TOKEN_LENGTH} characters: easy to guess. Agree on a longer one with Captain.AI.`;
	return undefined;
}
