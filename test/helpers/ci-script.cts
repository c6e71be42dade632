/**
 * Runs one of the repository's `.ci/*.mjs` scripts as CI does, in a child Node process (jest's
 * CommonJS module system cannot load an ES module), and a throwaway folder laid out like the
 * repository for it to read.
 */
import { spawnSync } from 'child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';

export const REPO_ROOT = join(__dirname, '..', '..');

export interface ScriptRun {
	status: number | null;
	stdout: string;
	/** stderr, one entry per non-empty line. */
	errors: string[];
}

/**
 * `node .ci/<script> <args>` with the environment it would get outside GitHub Actions (no
 * GITHUB_* variables) plus `env`: the test chooses, whether it runs locally or in CI.
 */
export function runCiScript(
	script: string,
	args: string[],
	env: Record<string, string> = {},
): ScriptRun {
	const inherited = Object.fromEntries(
		Object.entries(process.env).filter(([name]) => !name.startsWith('GITHUB_')),
	);
	const result = spawnSync(process.execPath, [join(REPO_ROOT, '.ci', script), ...args], {
		encoding: 'utf8',
		env: { ...inherited, ...env },
	});
	return {
		status: result.status,
		stdout: result.stdout,
		errors: result.stderr.split('\n').filter((line) => line.trim() !== ''),
	};
}

/** A temporary folder; `remove()` deletes it. */
export class TempFolder {
	readonly root = mkdtempSync(join(tmpdir(), 'captain-arrive-ci-'));

	/** Copies a file or folder of the repository to the same place here. */
	copyFromRepo(path: string): void {
		cpSync(join(REPO_ROOT, path), join(this.root, path), { recursive: true });
	}

	write(path: string, content: string): void {
		mkdirSync(dirname(join(this.root, path)), { recursive: true });
		writeFileSync(join(this.root, path), content);
	}

	remove(): void {
		rmSync(this.root, { recursive: true, force: true });
	}
}
