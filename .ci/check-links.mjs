#!/usr/bin/env node
// The link check: every link in the repository's Markdown files that points into the repository
// must name something there. Relative links (`docs/x.md`, `../README.md#install`, `/examples/`),
// and absolute ones into this repository on GitHub (`…/blob/<branch>/path`, `…/tree/<branch>/path`,
// `…/raw/<branch>/path`, raw.githubusercontent.com/…/<branch>/path, the repository page itself),
// must name a file or folder that exists and that git does not ignore; a `#anchor` on a Markdown
// file must match one of its headings, by GitHub's rules for heading anchors (or an HTML id).
// Links elsewhere (other sites, this repository's issues or releases) are not checked: no network.
// Links inside code are not links; a URL into this repository is checked there too, as a user
// copies it from there.
//
// Usage: node .ci/check-links.mjs [root]   (npm run check:links; root defaults to the repo)
// One `file:line: link: reason` per bad link on stderr and exit 1, or a summary and exit 0.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { gitHubRepository } from './release-check.mjs';

const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

/**
 * The repository's files, as paths relative to root with `/`: what git tracks plus what it
 * would add (not ignored), or, outside a git work tree, every file but node_modules and .git.
 */
export function repositoryFiles(root) {
	let listed;
	try {
		const inside = execFileSync('git', ['rev-parse', '--is-inside-work-tree'], {
			cwd: root,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'ignore'],
		});
		if (inside.trim() === 'true')
			listed = execFileSync(
				'git',
				['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '.'],
				{ cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
			)
				.split('\0')
				.filter((path) => path !== '');
	} catch {
		listed = undefined; // no git, or not a work tree
	}
	if (listed)
		return listed.filter(
			(path) =>
				!path.split('/').some((part) => SKIPPED_FOLDERS.has(part)) && existsSync(join(root, path)),
		);
	const found = [];
	const walk = (dir) => {
		for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
			if (SKIPPED_FOLDERS.has(entry.name)) continue;
			const path = dir ? `${dir}/${entry.name}` : entry.name;
			if (entry.isDirectory()) walk(path);
			else found.push(path);
		}
	};
	walk('');
	return found;
}

const isMarkdown = (path) => /\.(md|markdown)$/i.test(path);

const blank = (text) => text.replace(/[^\n]/g, ' ');

/** The text with fenced code blocks and HTML comments blanked (line breaks kept). */
function withoutCodeBlocks(text) {
	const lines = text.split('\n');
	let fence;
	for (let i = 0; i < lines.length; i++) {
		const opening = /^ {0,3}(`{3,}|~{3,})/.exec(lines[i]);
		if (fence) {
			const closing = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(lines[i]);
			if (closing && closing[1][0] === fence[0] && closing[1].length >= fence.length)
				fence = undefined;
			lines[i] = blank(lines[i]);
		} else if (
			opening &&
			!(opening[1][0] === '`' && lines[i].slice(opening.index + opening[1].length).includes('`'))
		) {
			fence = opening[1];
			lines[i] = blank(lines[i]);
		}
	}
	return lines.join('\n').replace(/<!--[\s\S]*?-->/g, (comment) => blank(comment));
}

/** The text with code blocks, comments and code spans blanked, offsets and lines unchanged. */
export function proseOf(text) {
	return withoutCodeBlocks(text).replace(/(`+)((?:(?!\n[ \t]*\n)[\s\S])*?[^`])\1(?!`)/g, (span) =>
		blank(span),
	);
}

/** GitHub's anchor for a heading's text (github-slugger): lowercase, punctuation out, spaces to -. */
export function slug(text) {
	return text
		.toLowerCase()
		.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
		.replace(/ /g, '-');
}

/** A heading's text as GitHub renders it: no images, link text only, no emphasis or tags. */
function headingText(markdown) {
	return markdown
		.replace(/!\[[^\]]*\]\([^)]*\)/g, '')
		.replace(/!\[[^\]]*\]\[[^\]]*\]/g, '')
		.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
		.replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
		.replace(/<[^>]+>/g, '')
		.replace(/`+/g, '')
		.replace(/(^|[^\p{L}\p{N}_])_{1,3}(?=\S)(.*?\S)_{1,3}(?=[^\p{L}\p{N}_]|$)/gu, '$1$2')
		.replace(/\\(.)/g, '$1')
		.trim();
}

/** Every anchor a Markdown file has: heading slugs (repeats get -1, -2, …) and HTML ids/names. */
export function anchorsOf(text) {
	const anchors = new Set();
	const counts = new Map();
	const add = (heading) => {
		const base = slug(heading);
		let anchor = base;
		let count = counts.get(base) ?? 0;
		while (anchors.has(anchor)) anchor = `${base}-${++count}`;
		counts.set(base, count);
		anchors.add(anchor);
	};
	const prose = withoutCodeBlocks(text);
	const lines = prose.split('\n');
	for (let i = 0; i < lines.length; i++) {
		const atx = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(lines[i]);
		if (atx) {
			add(headingText(atx[1] ?? ''));
			continue;
		}
		const next = lines[i + 1];
		if (
			next !== undefined &&
			/^ {0,3}(=+|-+)[ \t]*$/.test(next) &&
			lines[i].trim() !== '' &&
			!/^ {0,3}([>#|*+-]|\d+[.)])/.test(lines[i])
		) {
			add(headingText(lines[i]));
			i++;
		}
	}
	for (const match of prose.matchAll(/<[a-z][^>]*?\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi))
		anchors.add(match[1] ?? match[2]);
	return anchors;
}

/** Where an inline link's destination starts after `](`, and its text; undefined if none. */
function destinationAt(text, start) {
	let i = start;
	while (text[i] === ' ' || text[i] === '\t') i++;
	if (text[i] === '\n') i++;
	while (text[i] === ' ' || text[i] === '\t') i++;
	const from = i;
	let target;
	if (text[i] === '<') {
		const end = text.indexOf('>', i);
		if (end < 0 || text.slice(i, end).includes('\n')) return undefined;
		target = text.slice(i + 1, end);
		i = end + 1;
	} else {
		let depth = 0;
		while (i < text.length && !/\s/.test(text[i])) {
			if (text[i] === '\\') i++;
			else if (text[i] === '(') depth++;
			else if (text[i] === ')') {
				if (depth === 0) break;
				depth--;
			}
			i++;
		}
		target = text.slice(from, i);
	}
	// An optional title, then the closing parenthesis: otherwise this was not a link.
	const rest = /^[ \t]*(?:\n[ \t]*)?(?:(?:"[^"]*"|'[^']*'|\([^)]*\))[ \t]*)?\)/.exec(text.slice(i));
	if (!rest) return undefined;
	return { offset: from + (text[from] === '<' ? 1 : 0), target };
}

function escapeRegExp(text) {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Every link of a Markdown text: `{ offset, target }`. Inline links and images, reference
 * definitions (not footnotes, `[^1]: …`), HTML href/src, and (anywhere, code included) URLs
 * into `repositoryUrl`.
 */
export function linksOf(text, repositoryUrl) {
	const prose = proseOf(text);
	const links = new Map();
	const add = (offset, target) => {
		if (!links.has(offset)) links.set(offset, { offset, target });
	};
	for (let at = prose.indexOf(']('); at >= 0; at = prose.indexOf('](', at + 2)) {
		if (prose[at - 1] === '\\') continue;
		const found = destinationAt(prose, at + 2);
		if (found) add(found.offset, found.target);
	}
	for (const match of prose.matchAll(
		/^ {0,3}\[(?!\^)(?:[^\]\\\n]|\\.)+\]:[ \t]*(?:\n[ \t]*)?(<[^>\n]*>|\S+)/gm,
	)) {
		const raw = match[1];
		const offset = match.index + match[0].length - raw.length + (raw.startsWith('<') ? 1 : 0);
		add(offset, raw.startsWith('<') ? raw.slice(1, -1) : raw);
	}
	for (const match of prose.matchAll(
		/<(?:a|img|source)\b[^>]*?\s(?:href|src)\s*=\s*("([^"]*)"|'([^']*)')/gi,
	)) {
		const target = match[2] ?? match[3];
		add(match.index + match[0].length - match[1].length + 1, target);
	}
	if (repositoryUrl) {
		const { owner, name } = gitHubRepository(repositoryUrl);
		const repo = `${escapeRegExp(owner)}/${escapeRegExp(name)}`;
		const url = new RegExp(
			`https?://(?:www\\.)?(?:github\\.com/${repo}(?![\\w.-])|raw\\.githubusercontent\\.com/${repo}/)[^\\s<>()\\[\\]"'\`]*`,
			'gi',
		);
		for (const match of text.matchAll(url)) add(match.index, match[0].replace(/[.,;:!?]+$/, ''));
	}
	return [...links.values()].sort((a, b) => a.offset - b.offset);
}

/**
 * Where a link points inside the repository: `{ path, fragment, file }` (path relative to root
 * with `/`, '' for the root; `file` when only a file will do), `{ outside }` for a relative path
 * that leaves the repository, or undefined for a link this check does not follow.
 */
export function resolveLink(target, fromFile, repositoryUrl) {
	const hash = target.indexOf('#');
	const fragment = hash >= 0 ? target.slice(hash + 1) : undefined;
	const beforeHash = hash >= 0 ? target.slice(0, hash) : target;
	const pathPart = beforeHash.split('?')[0];
	const decode = (path) => {
		try {
			return decodeURIComponent(path);
		} catch {
			return path;
		}
	};

	if (/^[a-z][a-z0-9+.-]*:/i.test(pathPart) || pathPart.startsWith('//')) {
		if (!repositoryUrl) return undefined;
		const { owner, name } = gitHubRepository(repositoryUrl);
		const base = new RegExp(
			`^https?://(?:www\\.)?github\\.com/${escapeRegExp(owner)}/${escapeRegExp(name)}(?=/|$)`,
			'i',
		);
		const raw = new RegExp(
			`^https?://raw\\.githubusercontent\\.com/${escapeRegExp(owner)}/${escapeRegExp(name)}/`,
			'i',
		);
		if (raw.test(pathPart)) {
			const [, ...path] = pathPart.replace(raw, '').split('/');
			return { path: decode(path.join('/')), fragment, file: true };
		}
		if (!base.test(pathPart)) return undefined;
		const rest = pathPart.replace(base, '').replace(/^\/+|\/+$/g, '');
		if (rest === '') return { path: '', fragment, repositoryPage: true };
		const parts = rest.split('/');
		if (!['blob', 'tree', 'raw'].includes(parts[0])) return undefined; // issues, releases, …
		if (parts.length < 2) return undefined;
		return { path: decode(parts.slice(2).join('/')), fragment, file: parts[0] === 'raw' };
	}

	if (pathPart === '') return { path: fromFile, fragment };
	const joined = pathPart.startsWith('/')
		? posix.normalize(decode(pathPart).replace(/^\/+/, ''))
		: posix.join(posix.dirname(fromFile), decode(pathPart));
	const path = joined === '.' ? '' : joined.replace(/\/+$/, '');
	if (path === '..' || path.startsWith('../')) return { outside: true };
	return { path, fragment };
}

/**
 * Bad links of the repository at root: `[{ file, line, target, reason }]`, by file and line,
 * plus how many Markdown files and links were read.
 */
export function checkLinks(root, repositoryUrl) {
	const files = repositoryFiles(root);
	const fileSet = new Set(files);
	const folders = new Set(['']);
	for (const file of files) {
		const parts = file.split('/');
		for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
	}
	const anchorCache = new Map();
	const anchorsOfFile = (path) => {
		if (!anchorCache.has(path))
			anchorCache.set(path, anchorsOf(readFileSync(join(root, path), 'utf8')));
		return anchorCache.get(path);
	};
	const hasAnchor = (path, fragment) => {
		let decoded = fragment;
		try {
			decoded = decodeURIComponent(fragment);
		} catch {
			// kept as written
		}
		const anchors = anchorsOfFile(path);
		return anchors.has(decoded) || anchors.has(decoded.toLowerCase()) || decoded === 'top';
	};

	const markdown = files.filter(isMarkdown).sort();
	const problems = [];
	let linkCount = 0;
	for (const file of markdown) {
		const text = readFileSync(join(root, file), 'utf8');
		const lineStarts = [0];
		for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
		const lineOf = (offset) => {
			let low = 0;
			let high = lineStarts.length - 1;
			while (low < high) {
				const mid = (low + high + 1) >> 1;
				if (lineStarts[mid] <= offset) low = mid;
				else high = mid - 1;
			}
			return low + 1;
		};
		for (const { offset, target } of linksOf(text, repositoryUrl)) {
			const link = resolveLink(target, file, repositoryUrl);
			if (!link) continue;
			linkCount++;
			const report = (reason) => problems.push({ file, line: lineOf(offset), target, reason });
			if (link.outside) {
				report('points outside the repository');
				continue;
			}
			const { path, fragment } = link;
			const isFile = fileSet.has(path);
			const isFolder = folders.has(path);
			if (!isFile && !isFolder) {
				report(
					existsSync(join(root, path))
						? 'not in the repository (ignored by git)'
						: 'no such file or folder',
				);
				continue;
			}
			if (link.file && !isFile) {
				report('a folder, where only a file can be served');
				continue;
			}
			if (!fragment) continue;
			const page = link.repositoryPage
				? 'README.md'
				: isFolder
					? [`${path}/README.md`.replace(/^\//, '')].find((readme) => fileSet.has(readme))
					: path;
			if (!page || !isMarkdown(page)) continue; // #L10 on code, a folder without README: not checked
			if (link.repositoryPage && fragment === 'readme') continue;
			if (!hasAnchor(page, fragment)) report(`no heading or id "${fragment}" in ${page}`);
		}
	}
	problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
	return { problems, markdownFiles: markdown.length, links: linkCount };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
	const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
	const packagePath = join(root, 'package.json');
	const repository = existsSync(packagePath)
		? gitHubRepository(JSON.parse(readFileSync(packagePath, 'utf8')).repository)
		: undefined;
	const { problems, markdownFiles, links } = checkLinks(root, repository?.url);
	for (const { file, line, target, reason } of problems)
		console.error(`${file}:${line}: ${target}: ${reason}`);
	const summary = `check:links: ${markdownFiles} Markdown files, ${links} links into the repository, ${problems.length} bad`;
	if (problems.length > 0) {
		console.error(summary);
		process.exit(1);
	}
	console.log(summary);
}
