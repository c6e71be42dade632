import { describeTokenProblem, isTokenValid } from '../../nodes/common/auth-token';

describe('isTokenValid', () => {
	test('matches only the exact secret', () => {
		expect(isTokenValid('s3cret-token-value', 's3cret-token-value')).toBe(true);
		expect(isTokenValid('s3cret-token-valuE', 's3cret-token-value')).toBe(false);
		expect(isTokenValid('s3cret', 's3cret-token-value')).toBe(false);
		expect(isTokenValid('s3cret-token-value-and-more', 's3cret-token-value')).toBe(false);
	});

	test('refuses missing, empty, repeated headers, and an empty expected secret', () => {
		expect(isTokenValid(undefined, 'x')).toBe(false);
		expect(isTokenValid('', '')).toBe(false);
		expect(isTokenValid(['x', 'x'], 'x')).toBe(false);
		expect(isTokenValid('anything', '')).toBe(false);
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
