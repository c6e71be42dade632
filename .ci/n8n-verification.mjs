#!/usr/bin/env node
// n8n's verification gate, run here the way n8n runs it: the lint legs of
// @n8n/scan-community-package (its exported ESLint config and file sets, inline config off, so an
// `eslint-disable` comment hides nothing) on the source and on the packed tarball. The scanner's
// other checks need a published version (npm provenance, the attested GitHub source) and cannot
// run before a release.
//
// Usage: node .ci/n8n-verification.mjs   (builds nothing: run `npm run build` first)
// Fails on any error or warning. The scanner is installed once into the project's cache folder
// (tools/real-n8n/install.js cacheRoot), outside node_modules: it is n8n's tool, not a dependency.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SCANNER_VERSION = '0.32.0';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { cacheRoot } = require('../tools/real-n8n/install.js');

function ensureScanner() {
	const dir = join(cacheRoot(), `scan-community-package-${SCANNER_VERSION}`);
	if (!existsSync(join(dir, '.complete'))) {
		rmSync(dir, { recursive: true, force: true });
		mkdirSync(dir, { recursive: true });
		writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
		// --ignore-scripts: a dependency's preinstall insists on pnpm; nothing here needs a script.
		execFileSync(
			'npm',
			[
				'install',
				'--ignore-scripts',
				'--no-audit',
				'--no-fund',
				`@n8n/scan-community-package@${SCANNER_VERSION}`,
			],
			{ cwd: dir, stdio: ['ignore', process.stderr, 'inherit'] },
		);
		writeFileSync(join(dir, '.complete'), '');
	}
	return join(dir, 'node_modules', '@n8n', 'scan-community-package');
}

const scannerDir = ensureScanner();
const scanner = await import(pathToFileURL(join(scannerDir, 'scanner', 'scanner.mjs')).href);
// The scanner's own ESLint and glob, so the versions are the ones it lints with.
const fromScanner = createRequire(join(scannerDir, 'package.json'));
const { ESLint } = fromScanner('eslint');
const glob = fromScanner('fast-glob');

async function lintLeg(name, dir, patterns) {
	const eslint = new ESLint({
		cwd: dir,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: await scanner.buildScanConfig(),
	});
	const files = glob.sync(patterns, {
		cwd: dir,
		absolute: true,
		ignore: ['node_modules/**', '**/package-lock.json'],
	});
	const results = await eslint.lintFiles(files);
	const errors = results.reduce((sum, result) => sum + result.errorCount, 0);
	const warnings = results.reduce((sum, result) => sum + result.warningCount, 0);
	const report = await (await eslint.loadFormatter('stylish')).format(results);
	if (report.trim()) process.stdout.write(report.split(dir + '/').join('') + '\n');
	console.log(`${name}: ${files.length} files, ${errors} errors, ${warnings} warnings`);
	return files.length > 0 && errors === 0 && warnings === 0;
}

const sourceOk = await lintLeg('source', root, scanner.SOURCE_FILE_PATTERNS);

const unpacked = mkdtempSync(join(tmpdir(), 'n8n-verification-'));
let tarballOk = false;
try {
	const [{ filename }] = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--pack-destination', unpacked], {
			cwd: root,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'inherit'],
		}),
	);
	const packageDir = join(unpacked, 'package');
	execFileSync('tar', ['-xzf', join(unpacked, filename), '-C', unpacked]);
	console.log(`tarball: ${filename}`);
	tarballOk = await lintLeg('tarball', packageDir, ['**/*.js', 'package.json']);
} finally {
	rmSync(unpacked, { recursive: true, force: true });
}

if (!sourceOk || !tarballOk) {
	console.error('n8n verification: FAILED (see above)');
	process.exit(1);
}
console.log(`n8n verification: passed (@n8n/scan-community-package ${SCANNER_VERSION} lint legs)`);
