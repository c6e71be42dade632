import { admit, type Admission } from '../../nodes/common/admission';
import { allowlistRule, parseAllowlist } from '../../nodes/common/allowlist';
import { statusOf } from '../../nodes/common/answers';
import { CredentialCache } from '../../nodes/common/credential-cache';
import type { IncomingRequest } from '../../nodes/common/request';
import { describeTokenProblem } from '../../nodes/common/shared-secret';

const SECRET = 'a-long-shared-secret-0123456789';

function request(headers: Record<string, string> = {}, ip = '198.51.100.7'): IncomingRequest {
	return {
		clientAddress: ip,
		proxyTrusted: false,
		headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
		rawHeaders: Object.entries(headers).flat(),
		body: {},
	};
}

/** The secret as a Captain.AI Trigger checks it: through a real CredentialCache. */
function secretRule(stored = SECRET) {
	const reads = { count: 0 };
	const cache = new CredentialCache(() => 0);
	const secret: Admission['secret'] = {
		header: 'Auth-Token',
		check: (received) =>
			cache.check('key', received, async () => {
				reads.count++;
				return stored;
			}),
	};
	return { secret, reads };
}

async function answer(incoming: IncomingRequest, admission: Admission) {
	const refusal = await admit(incoming, admission);
	return refusal && { status: statusOf(refusal), body: refusal.body };
}

describe('the shared secret', () => {
	test('accepts exactly the secret, sent once', async () => {
		expect(await answer(request({ 'Auth-Token': SECRET }), secretRule())).toBeUndefined();
		for (const wrong of [`${SECRET}x`, SECRET.slice(0, -1), SECRET.toUpperCase(), 'x'])
			expect(await answer(request({ 'Auth-Token': wrong }), secretRule())).toEqual({
				status: 401,
				body: { error: 'invalid Auth-Token' },
			});
	});

	test('a header sent twice is refused as such, even with the right token in both (Node joins them)', async () => {
		const incoming = request();
		incoming.headers['auth-token'] = `${SECRET}, ${SECRET}`;
		incoming.rawHeaders = ['Auth-Token', SECRET, 'auth-token', SECRET];
		const { secret, reads } = secretRule();
		expect(await answer(incoming, { secret })).toEqual({
			status: 401,
			body: { error: 'Auth-Token header sent 2 times; send it once' },
		});
		expect(reads.count).toBe(0); // judged from the request alone
	});

	test('a missing or empty header is refused without reading the credential', async () => {
		const { secret, reads } = secretRule();
		expect(await answer(request(), { secret })).toEqual({
			status: 401,
			body: { error: 'missing Auth-Token header' },
		});
		expect(await answer(request({ 'Auth-Token': '' }), { secret })).toEqual({
			status: 401,
			body: { error: 'invalid Auth-Token' },
		});
		expect(reads.count).toBe(0);
	});

	test('an empty secret in the credential matches nothing', async () => {
		expect(await answer(request({ 'Auth-Token': SECRET }), secretRule(''))).toMatchObject({
			status: 401,
		});
	});
});

describe('the order: settings, then address, then secret', () => {
	const allowlist = (entries: string) =>
		allowlistRule({ name: 'Allowed Addresses', read: () => undefined }, parseAllowlist(entries));

	test('an allowlist entry that is no address refuses everything (500), naming it', async () => {
		const { secret, reads } = secretRule();
		expect(
			await answer(request({ 'Auth-Token': SECRET }), {
				allowlist: allowlist('198.51.100.7 not-an-ip'),
				secret,
			}),
		).toEqual({
			status: 500,
			body: {
				error: 'trigger node misconfigured',
				detail: 'Allowed Addresses: "not-an-ip" is not an IP address or CIDR range',
			},
		});
		expect(reads.count).toBe(0);
	});

	test('an address not allowed is refused before the secret is looked at', async () => {
		const { secret, reads } = secretRule();
		expect(
			await answer(request({}, '203.0.113.9'), { allowlist: allowlist('198.51.100.0/24'), secret }),
		).toEqual({ status: 403, body: { error: 'address not allowed', address: '203.0.113.9' } });
		expect(reads.count).toBe(0);
		expect(
			await answer(request({ 'Auth-Token': SECRET }), {
				allowlist: allowlist('198.51.100.0/24'),
				secret,
			}),
		).toBeUndefined();
	});

	test('a private caller with X-Forwarded-For, while n8n trusts no proxy, is told about N8N_PROXY_HOPS', async () => {
		const incoming = request({ 'X-Forwarded-For': '52.37.123.229' }, '10.0.0.2');
		const refusal = await answer(incoming, { allowlist: allowlist('52.37.123.229') });
		expect(refusal).toMatchObject({ status: 403, body: { address: '10.0.0.2' } });
		expect(String(refusal?.body.hint)).toMatch(/N8N_PROXY_HOPS/);
		// From a public address the header is a claim: no advice to believe it.
		const claim = await answer(request({ 'X-Forwarded-For': '52.37.123.229' }, '203.0.113.9'), {
			allowlist: allowlist('52.37.123.229'),
		});
		expect(claim?.body.hint).toBeUndefined();
	});
});

test('describeTokenProblem flags tokens that cannot work or are easy to guess', () => {
	expect(describeTokenProblem('')).toMatch(/empty/);
	expect(describeTokenProblem(undefined)).toMatch(/empty/);
	expect(describeTokenProblem(' leading-space-token-123')).toMatch(/space/);
	expect(describeTokenProblem('short')).toMatch(/shorter than 16/);
	expect(describeTokenProblem('tøken-with-non-ascii-chars')).toMatch(/printable ASCII/);
	expect(describeTokenProblem('a-good-long-random-token-0193')).toBeUndefined();
});
