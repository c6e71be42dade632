/**
 * The link check (.ci/check-links.mjs, `npm run check:links`, a CI step): on a small repository
 * built in a temporary folder, every kind of link into the repository that GitHub would follow
 * passes, and each bad one is listed as file:line with the reason.
 */
import { spawnSync } from 'child_process';

import { TempFolder, runCiScript } from '../helpers/ci-script.cjs';

const SCRIPT = 'check-links.mjs';
const REPOSITORY = 'https://github.com/acme-logistics/n8n-nodes-demo';

// Headings whose GitHub anchors take punctuation out ("install--upgrade", "what-it-does-ok"),
// number repeats ("notes-1") and match case-insensitively; links of every form: inline (one
// across two lines, one with a title), images, root-relative, a reference definition, HTML
// src/href, absolute links into the repository (blob, tree, raw, the repository page). Links to
// other sites and to the repository's issues are not followed; code, comments and footnotes hold
// no links.
const README = `# Demo nodes

Intro with [the guide](docs/guide.md), [its heading](docs/guide.md#setext-heading), a
[multi-line
link](examples/flow.json "title") and ![a picture](examples/screenshots/a.png).

## Install & upgrade

See [below](#what-it-does-ok), [the second Notes](#notes-1), [the folder](examples/) and
[root-relative](/docs/guide.md). A [reference][ref].

## What it does: OK?

<img src="examples/screenshots/a.png" alt="x"> <a href="docs/guide.md#custom-anchor">guide</a>

[ref]: bench/README.md

## Notes

## Notes

Absolute: ${REPOSITORY}/blob/main/README.md#install--upgrade,
[tree](${REPOSITORY}/tree/main/examples), raw
\`${REPOSITORY.replace('github.com', 'raw.githubusercontent.com')}/main/examples/flow.json\`,
[home](${REPOSITORY}#readme), [issues](${REPOSITORY}/issues/1),
[elsewhere](https://example.com/nothing-here.md), [mail](mailto:someone@acme-logistics.com).

Not links: \`[code](missing.md)\`, and

\`\`\`md
[fenced](missing.md)
\`\`\`

<!-- [commented](missing.md) -->
`;

const GUIDE = `Setext heading
==============

Back to [the README](../README.md#notes) and [install](../README.md#Install--Upgrade).

<a id="custom-anchor"></a>
[Self](#custom-anchor), and a footnote[^1].

[^1]: A footnote: not a link.
`;

// Line numbers matter: the check reports them.
const BAD = `# Bad links

[missing file](missing.md)
[missing anchor](../README.md#no-such-heading)
[missing folder](../nowhere/)
![missing image](../examples/screenshots/b.png)
[outside](../../etc/passwd)
[here](#not-here)
${REPOSITORY}/blob/main/docs/missing.md
[raw folder](${REPOSITORY.replace('github.com', 'raw.githubusercontent.com')}/main/examples)

[gone]: ./gone.md
<img src="../missing.png">
`;

let repo: TempFolder;
beforeEach(() => {
	repo = new TempFolder();
	repo.write(
		'package.json',
		JSON.stringify({ repository: { type: 'git', url: `git+${REPOSITORY}.git` } }),
	);
	repo.write('README.md', README);
	repo.write('docs/guide.md', GUIDE);
	repo.write('examples/flow.json', '{}');
	repo.write('examples/screenshots/a.png', 'png');
	repo.write('bench/README.md', '# Bench\n');
});
afterEach(() => repo.remove());

test('passes when every link names a file, folder or heading of the repository', () => {
	const run = runCiScript(SCRIPT, [repo.root]);
	expect(run.errors).toEqual([]);
	expect(run.status).toBe(0);
	expect(run.stdout).toContain(
		'check:links: 3 Markdown files, 18 links into the repository, 0 bad',
	);
});

test('fails, listing each bad link as file:line with the reason', () => {
	repo.write('docs/bad.md', BAD);
	const run = runCiScript(SCRIPT, [repo.root]);
	expect(run.status).toBe(1);
	expect(run.errors).toEqual([
		'docs/bad.md:3: missing.md: no such file or folder',
		'docs/bad.md:4: ../README.md#no-such-heading: no heading or id "no-such-heading" in README.md',
		'docs/bad.md:5: ../nowhere/: no such file or folder',
		'docs/bad.md:6: ../examples/screenshots/b.png: no such file or folder',
		'docs/bad.md:7: ../../etc/passwd: points outside the repository',
		'docs/bad.md:8: #not-here: no heading or id "not-here" in docs/bad.md',
		`docs/bad.md:9: ${REPOSITORY}/blob/main/docs/missing.md: no such file or folder`,
		`docs/bad.md:10: ${REPOSITORY.replace('github.com', 'raw.githubusercontent.com')}/main/examples: a folder, where only a file can be served`,
		'docs/bad.md:12: ./gone.md: no such file or folder',
		'docs/bad.md:13: ../missing.png: no such file or folder',
		'check:links: 4 Markdown files, 28 links into the repository, 10 bad',
	]);
});

test('a heading renamed under its links breaks them', () => {
	repo.write('README.md', README.replace('## What it does: OK?', '## What it does'));
	const run = runCiScript(SCRIPT, [repo.root]);
	expect(run.status).toBe(1);
	expect(run.errors[0]).toBe(
		'README.md:9: #what-it-does-ok: no heading or id "what-it-does-ok" in README.md',
	);
});

test('in a git work tree, a file git ignores is not in the repository', () => {
	const git = (...args: string[]) =>
		expect(spawnSync('git', args, { cwd: repo.root, encoding: 'utf8' }).status).toBe(0);
	git('init', '--quiet');
	repo.write('.gitignore', 'dist/\n');
	repo.write('dist/index.js', '');
	repo.write('docs/build.md', 'The [built file](../dist/index.js).\n');
	const run = runCiScript(SCRIPT, [repo.root]);
	expect(run.errors[0]).toBe(
		'docs/build.md:1: ../dist/index.js: not in the repository (ignored by git)',
	);
	expect(run.status).toBe(1);
});
