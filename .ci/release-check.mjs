#!/usr/bin/env node
// The release check: refuses to publish while package.json or the docs links still carry a
// placeholder, or the version, the changelog and the tag disagree. Nothing else stands between a
// placeholder and npm: npm publish reads no setting that could stop it, and this repository's
// .npmrc (ignore-scripts=true) skips lifecycle scripts such as prepublishOnly.
//
// Usage: node .ci/release-check.mjs [root]   (npm run release:check; root defaults to the repo)
// One line per problem on stderr and exit 1, or one line on stdout and exit 0.
// In GitHub Actions it also reads GITHUB_REF_NAME (the tag being published must be the version,
// with or without a leading v), GITHUB_REF_TYPE and GITHUB_REPOSITORY (the workflow must run in
// the repository package.json names, as npm provenance requires).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `https://github.com/<owner>/<name>` from package.json's `repository` (object or string), or
 * undefined when it is not a GitHub URL. Accepted: https, git+https, git://, git+ssh://git@.
 */
export function gitHubRepository(repository) {
	const url = typeof repository === 'string' ? repository : repository?.url;
	if (typeof url !== 'string') return undefined;
	const match =
		/^(?:git\+)?(?:https:\/\/|git:\/\/|ssh:\/\/git@|git\+ssh:\/\/git@)github\.com\/([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(
			url.trim(),
		);
	if (!match) return undefined;
	const [, owner, name] = match;
	return { owner, name, url: `https://github.com/${owner}/${name}` };
}

// A GitHub owner or repository name nobody would choose: template tokens (n8n's template has
// `<...>`) and stand-in words. Words a real name may contain (org, user) count only alone.
const PLACEHOLDER_NAME =
	/[<>{}]|\.\.\.|^(?:user|org|name|repo)$|(?:^|[^a-z0-9])(?:owner|your\w*|username|example|todo|tbd|fixme|changeme|placeholder|xxx+)(?:$|[^a-z0-9])/i;
// RFC 2606 / 6761 names reserved for examples and tests.
const PLACEHOLDER_EMAIL_DOMAIN =
	/(?:^|\.)(?:example\.(?:com|org|net)|example|invalid|test|localhost)$/i;
const PLACEHOLDER_AUTHOR_NAME =
	/[<>{}]|(?:^|[^a-z0-9])(?:contributors|your name|todo|tbd|fixme|changeme|placeholder|unknown|anonymous)(?:$|[^a-z0-9])/i;

/** `{ name, email }` from package.json's `author`, object or "Name <email> (url)" string. */
export function parseAuthor(author) {
	if (typeof author === 'string') {
		const match = /^\s*([^<(]*?)\s*(?:<([^>]*)>)?\s*(?:\([^)]*\))?\s*$/.exec(author);
		return { name: match?.[1] ?? author.trim(), email: match?.[2] };
	}
	if (author && typeof author === 'object') return { name: author.name, email: author.email };
	return undefined;
}

/** Problems with `author`: missing, or a stand-in name or email. */
export function authorProblems(author) {
	const parsed = parseAuthor(author);
	if (!parsed || typeof parsed.name !== 'string' || parsed.name.trim() === '')
		return ['package.json: author is missing (a name, and an email or url people can reach)'];
	const problems = [];
	if (PLACEHOLDER_AUTHOR_NAME.test(parsed.name))
		problems.push(`package.json: author name "${parsed.name}" is a placeholder`);
	if (parsed.email !== undefined) {
		const domain = String(parsed.email).split('@')[1] ?? '';
		if (!/^[^@\s]+@[^@\s]+$/.test(parsed.email) || PLACEHOLDER_EMAIL_DOMAIN.test(domain))
			problems.push(`package.json: author email "${parsed.email}" is a placeholder`);
	}
	return problems;
}

/** Whether `url` is `repositoryUrl` itself or a page under it (not a sibling repository). */
export function isUnder(url, repositoryUrl) {
	if (typeof url !== 'string') return false;
	if (!url.toLowerCase().startsWith(repositoryUrl.toLowerCase())) return false;
	const rest = url.slice(repositoryUrl.length);
	return rest === '' || /^[/#?]/.test(rest);
}

function walk(dir, accept, found = []) {
	if (!existsSync(dir)) return found;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) walk(path, accept, found);
		else if (accept(entry.name)) found.push(path);
	}
	return found.sort();
}

/**
 * The documentation links n8n shows: each node's codex (`nodes/**\/*.node.json`, every
 * `resources.*[].url`) and each credential's `documentationUrl`. A file without one is listed
 * with no URLs, which is a problem too.
 */
export function readDocumentationUrls(root) {
	const files = [];
	for (const path of walk(join(root, 'nodes'), (name) => name.endsWith('.node.json'))) {
		const codex = JSON.parse(readFileSync(path, 'utf8'));
		const urls = Object.values(codex.resources ?? {})
			.flat()
			.map((resource) => resource?.url)
			.filter((url) => typeof url === 'string');
		files.push({ file: relative(root, path), urls });
	}
	for (const path of walk(join(root, 'credentials'), (name) => name.endsWith('.credentials.ts'))) {
		const source = readFileSync(path, 'utf8');
		const urls = [...source.matchAll(/documentationUrl\s*=\s*(['"`])([^'"`]*)\1/g)].map(
			(match) => match[2],
		);
		files.push({ file: relative(root, path), urls });
	}
	return files;
}

/** What the check reads, from a folder laid out as this repository. */
export function readReleaseInputs(root) {
	const changelogPath = join(root, 'CHANGELOG.md');
	return {
		packageJson: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')),
		changelog: existsSync(changelogPath) ? readFileSync(changelogPath, 'utf8') : undefined,
		documentationUrls: readDocumentationUrls(root),
	};
}

function escapeRegExp(text) {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether CHANGELOG.md has a `## [x.y.z]` (or `## x.y.z`, `## vx.y.z`) section for the version. */
export function changelogHasVersion(changelog, version) {
	const heading = new RegExp(`^##\\s+\\[?v?${escapeRegExp(version)}\\]?(?:\\s|$)`, 'm');
	return heading.test(changelog);
}

/**
 * Every reason not to publish, one line each; empty when the package may go to npm.
 * `env` is the process environment (GitHub Actions' GITHUB_REF_NAME, GITHUB_REF_TYPE,
 * GITHUB_REPOSITORY), passed in so a test can choose it.
 */
export function releaseProblems({ packageJson, changelog, documentationUrls }, env = {}) {
	const problems = [];
	const version = packageJson.version;

	const repository = gitHubRepository(packageJson.repository);
	if (packageJson.repository === undefined) {
		problems.push(
			'package.json: repository is missing (npm refuses a provenance publish without it): { "type": "git", "url": "git+https://github.com/<owner>/<name>.git" }',
		);
	} else if (!repository) {
		problems.push(
			`package.json: repository ${JSON.stringify(packageJson.repository)} is not a GitHub https or git URL`,
		);
	} else {
		if (PLACEHOLDER_NAME.test(repository.owner) || PLACEHOLDER_NAME.test(repository.name))
			problems.push(
				`package.json: repository ${repository.url} is a placeholder: set the real GitHub owner (the same placeholder is in bugs, homepage and the docs links: one search-and-replace)`,
			);
		if (
			env.GITHUB_REPOSITORY &&
			env.GITHUB_REPOSITORY.toLowerCase() !== `${repository.owner}/${repository.name}`.toLowerCase()
		)
			problems.push(
				`package.json: repository ${repository.url} is not the repository publishing it (${env.GITHUB_REPOSITORY}); npm provenance requires them to match`,
			);
	}

	// Pages that must live in that repository: the README there is what its links are written for.
	if (repository) {
		const bugs = typeof packageJson.bugs === 'string' ? packageJson.bugs : packageJson.bugs?.url;
		if (!isUnder(bugs, repository.url))
			problems.push(
				`package.json: bugs ${bugs === undefined ? 'is missing' : `"${bugs}"`}: expected ${repository.url}/issues`,
			);
		if (!isUnder(packageJson.homepage, repository.url))
			problems.push(
				`package.json: homepage ${packageJson.homepage === undefined ? 'is missing' : `"${packageJson.homepage}"`}: expected ${repository.url}#readme`,
			);
		for (const { file, urls } of documentationUrls) {
			if (urls.length === 0) problems.push(`${file}: no documentation URL`);
			for (const url of urls) {
				if (!isUnder(url, repository.url))
					problems.push(`${file}: documentation URL ${url} is not in ${repository.url}`);
				else if (url.includes('#'))
					problems.push(
						`${file}: documentation URL ${url} has an #anchor (n8n appends tracking parameters after it, which breaks it)`,
					);
			}
		}
	}

	problems.push(...authorProblems(packageJson.author));

	if (typeof version !== 'string' || version === '') {
		problems.push('package.json: version is missing');
	} else {
		if (changelog === undefined) problems.push('CHANGELOG.md is missing');
		else if (!changelogHasVersion(changelog, version))
			problems.push(
				`CHANGELOG.md has no section for ${version} (a "## [${version}] - YYYY-MM-DD" heading; move the Unreleased entries there)`,
			);
		if (env.GITHUB_REF_TYPE && env.GITHUB_REF_TYPE !== 'tag')
			problems.push(
				`publishing from ${env.GITHUB_REF_TYPE} ${env.GITHUB_REF_NAME ?? ''}: only a version tag publishes`,
			);
		else if (
			env.GITHUB_REF_NAME &&
			env.GITHUB_REF_NAME !== version &&
			env.GITHUB_REF_NAME !== `v${version}`
		)
			problems.push(
				`tag ${env.GITHUB_REF_NAME} is not package.json's version ${version} (tag ${version})`,
			);
	}
	return problems;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
	const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
	const inputs = readReleaseInputs(root);
	const problems = releaseProblems(inputs, process.env);
	if (problems.length > 0) {
		for (const problem of problems) console.error(`release check: ${problem}`);
		process.exit(1);
	}
	const { name, version, repository } = inputs.packageJson;
	console.log(
		`release check: passed (${name} ${version}, ${gitHubRepository(repository).url}, author ${parseAuthor(inputs.packageJson.author).name})`,
	);
}
