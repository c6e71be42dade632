/**
 * End-to-end suite: the packed package installed into a real n8n (each version in
 * N8N_E2E_VERSIONS, default 2.41.1,1.123.81,1.100.1: the newest this registry serves, the last 1.x, the oldest supported), driven over HTTP. Slow: n8n starts take 10–40 s.
 * Run with `npm run test:e2e` (builds first). n8n installs are cached, see tools/real-n8n/install.js.
 */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: '<rootDir>/test/e2e/support/environment.js',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.test.cts'],
	moduleFileExtensions: ['ts', 'cts', 'js', 'json'],
	resolver: '<rootDir>/test/resolve-cts.js',
	transform: { '^.+\\.c?ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
	// A first run installs n8n (minutes); a start takes 10–40 s on two cores.
	testTimeout: 120_000,
	maxWorkers: 1,
	verbose: true,
};
