/**
 * The release check (.ci/release-check.mjs, `npm run release:check`, a step of publish.yml) is
 * what keeps a placeholder owner or author from reaching npm. It refuses on this repository as
 * it is, and passes on a copy where a real-looking owner and author are filled in; each refusal
 * is one line naming the problem, on that otherwise good copy.
 */
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';

import { REPO_ROOT, TempFolder, runCiScript } from '../helpers/ci-script.cjs';

const SCRIPT = 'release-check.mjs';
/** What the check reads. */
const READ = ['package.json', 'CHANGELOG.md', 'nodes', 'credentials'];
const OWNER = 'acme-logistics';
const REPOSITORY = `https://github.com/${OWNER}/n8n-nodes-captain-arrive`;
const AUTHOR = { name: 'Jane Doe', email: 'jane@acme-logistics.com' };

interface PackageJson {
	version: string;
	repository?: { type: string; url: string } | string;
	bugs?: { url: string } | string;
	homepage?: string;
	author?: unknown;
}

const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
	version: string;
};
/** GitHub Actions' variables for the tag `name`, pushed to the copy's repository. */
function onTag(name: string): Record<string, string> {
	return {
		GITHUB_REF_NAME: name,
		GITHUB_REF_TYPE: 'tag',
		GITHUB_REPOSITORY: `${OWNER}/n8n-nodes-captain-arrive`,
	};
}

function files(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? files(path) : [path];
	});
}

/** Replaces `from` with `to` in every text file of the folder, as the maintainer will. */
function searchAndReplace(root: string, from: string, to: string): void {
	for (const path of files(root).filter((file) => /\.(json|ts|md)$/.test(file))) {
		const text = readFileSync(path, 'utf8');
		if (text.includes(from)) writeFileSync(path, text.split(from).join(to));
	}
}

function editPackageJson(root: string, edit: (packageJson: PackageJson) => void): void {
	const path = join(root, 'package.json');
	const packageJson = JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
	edit(packageJson);
	writeFileSync(path, JSON.stringify(packageJson, null, '\t'));
}

/** The copy's repository URL owner, whatever placeholder spelling package.json uses today. */
function placeholderOwner(root: string): string {
	const { repository } = JSON.parse(
		readFileSync(join(root, 'package.json'), 'utf8'),
	) as PackageJson;
	const url = typeof repository === 'string' ? repository : repository?.url;
	const owner = /github\.com\/([^/]+)\//.exec(url ?? '')?.[1];
	if (!owner) throw new Error(`package.json's repository names no GitHub owner: ${url}`);
	return owner;
}

describe('this repository as it is', () => {
	// Documents today's state: the GitHub owner and the author are not known yet. The day they
	// are filled in, this test fails; delete it then (the copy's tests below keep every refusal).
	test('is refused: placeholder repository owner and author, one line each', () => {
		const run = runCiScript(SCRIPT, [REPO_ROOT]);
		expect(run.status).toBe(1);
		expect(run.errors).toEqual(
			expect.arrayContaining([
				expect.stringMatching(/^release check: package\.json: repository .* is a placeholder/),
				expect.stringMatching(/^release check: package\.json: author name .* is a placeholder/),
				expect.stringMatching(/^release check: package\.json: author email .* is a placeholder/),
			]),
		);
		for (const line of run.errors) expect(line).toMatch(/^release check: /);
	});
});

describe('a copy with a real-looking owner and author', () => {
	let copy: TempFolder;
	beforeEach(() => {
		copy = new TempFolder();
		for (const path of READ) copy.copyFromRepo(path);
		searchAndReplace(
			copy.root,
			`github.com/${placeholderOwner(copy.root)}/`,
			`github.com/${OWNER}/`,
		);
		editPackageJson(copy.root, (packageJson) => {
			packageJson.author = AUTHOR;
		});
	});
	afterEach(() => copy.remove());

	test('passes locally, and in GitHub Actions for its version tag (with or without v)', () => {
		for (const env of [{}, onTag(version), onTag(`v${version}`)]) {
			const run = runCiScript(SCRIPT, [copy.root], env);
			expect(run.errors).toEqual([]);
			expect(run.status).toBe(0);
			expect(run.stdout).toContain(`release check: passed (n8n-nodes-captain-arrive ${version}`);
		}
	});

	test('passes with author as a string and repository in another GitHub form', () => {
		editPackageJson(copy.root, (packageJson) => {
			packageJson.author = 'Jane Doe <jane@acme-logistics.com> (https://acme-logistics.com)';
			packageJson.repository = `git+ssh://git@github.com/${OWNER}/n8n-nodes-captain-arrive.git`;
		});
		const run = runCiScript(SCRIPT, [copy.root], onTag(version));
		expect(run.errors).toEqual([]);
		expect(run.status).toBe(0);
	});

	const refusals: Array<{
		problem: string;
		change: (root: string) => void;
		env?: Record<string, string>;
		says: RegExp;
	}> = [
		{
			problem: 'no repository',
			change: (root) => editPackageJson(root, (p) => delete p.repository),
			says: /package\.json: repository is missing/,
		},
		{
			problem: 'a repository that is not on GitHub',
			change: (root) =>
				editPackageJson(root, (p) => {
					p.repository = {
						type: 'git',
						url: 'git+https://gitlab.com/acme/n8n-nodes-captain-arrive.git',
					};
				}),
			says: /repository .*gitlab\.com.* is not a GitHub https or git URL/,
		},
		{
			problem: "n8n's template placeholder, everywhere the owner is",
			change: (root) =>
				searchAndReplace(root, REPOSITORY, 'https://github.com/<...>/n8n-nodes-<...>'),
			says: /repository https:\/\/github\.com\/<\.\.\.>\/n8n-nodes-<\.\.\.> is a placeholder/,
		},
		{
			problem: 'a stand-in owner, everywhere the owner is',
			change: (root) =>
				searchAndReplace(root, `github.com/${OWNER}/`, 'github.com/your-github-user/'),
			says: /repository https:\/\/github\.com\/your-github-user\/.* is a placeholder/,
		},
		{
			problem: 'a workflow running in another repository than package.json names',
			change: () => undefined,
			env: { ...onTag(version), GITHUB_REPOSITORY: 'someone-else/n8n-nodes-captain-arrive' },
			says: /is not the repository publishing it \(someone-else\/n8n-nodes-captain-arrive\)/,
		},
		{
			problem: 'bugs in another repository',
			change: (root) =>
				editPackageJson(root, (p) => {
					p.bugs = { url: `${REPOSITORY}-fork/issues` };
				}),
			says: new RegExp(`bugs ".*-fork/issues": expected ${REPOSITORY}/issues`),
		},
		{
			problem: 'homepage on npm',
			change: (root) =>
				editPackageJson(root, (p) => {
					p.homepage = 'https://www.npmjs.com/package/n8n-nodes-captain-arrive';
				}),
			says: /homepage "https:\/\/www\.npmjs\.com\/package\/n8n-nodes-captain-arrive": expected/,
		},
		{
			problem: "a node's documentation link outside the repository",
			change: (root) =>
				searchAndReplace(
					join(root, 'nodes', 'ArriveTrigger'),
					REPOSITORY,
					'https://www.npmjs.com/package/n8n-nodes-captain-arrive',
				),
			says: /^release check: nodes\/ArriveTrigger\/ArriveTrigger\.node\.json: documentation URL https:\/\/www\.npmjs\.com\/\S+ is not in /,
		},
		{
			problem: "the credential's documentation link with an #anchor",
			change: (root) =>
				searchAndReplace(join(root, 'credentials'), `${REPOSITORY}'`, `${REPOSITORY}#credentials'`),
			says: /^release check: credentials\/CaptainAiWebhookApi\.credentials\.ts: documentation URL \S+#credentials has an #anchor/,
		},
		{
			problem: 'no author',
			change: (root) => editPackageJson(root, (p) => delete p.author),
			says: /package\.json: author is missing/,
		},
		{
			problem: 'an example.org author email',
			change: (root) =>
				editPackageJson(root, (p) => {
					p.author = { name: 'Jane Doe', email: 'jane@example.org' };
				}),
			says: /author email "jane@example\.org" is a placeholder/,
		},
		{
			problem: 'an example.net author email, author as a string',
			change: (root) =>
				editPackageJson(root, (p) => {
					p.author = 'Jane Doe <jane@example.net>';
				}),
			says: /author email "jane@example\.net" is a placeholder/,
		},
		{
			problem: 'a TODO author name',
			change: (root) =>
				editPackageJson(root, (p) => {
					p.author = { name: 'TODO', email: 'jane@acme-logistics.com' };
				}),
			says: /author name "TODO" is a placeholder/,
		},
		{
			problem: 'a version CHANGELOG.md has no section for',
			change: (root) =>
				editPackageJson(root, (p) => {
					p.version = '9.8.7';
				}),
			env: onTag('9.8.7'),
			says: /CHANGELOG\.md has no section for 9\.8\.7/,
		},
		{
			problem: 'no CHANGELOG.md',
			change: (root) => rmSync(join(root, 'CHANGELOG.md')),
			says: /CHANGELOG\.md is missing/,
		},
		{
			problem: "a tag that is not package.json's version",
			change: () => undefined,
			env: onTag('9.8.7'),
			says: new RegExp(
				`tag 9\\.8\\.7 is not package\\.json's version ${version.replace(/\./g, '\\.')}`,
			),
		},
		{
			problem: 'a run on a branch, not a tag',
			change: () => undefined,
			env: { ...onTag('main'), GITHUB_REF_TYPE: 'branch' },
			says: /publishing from branch main: only a version tag publishes/,
		},
	];

	test.each(refusals)('refuses $problem, in one line, exit 1', ({ change, env, says }) => {
		change(copy.root);
		const run = runCiScript(SCRIPT, [copy.root], env ?? {});
		expect(run.errors).toEqual([expect.stringMatching(says)]);
		expect(run.errors[0]).toMatch(/^release check: /);
		expect(run.status).toBe(1);
	});
});
