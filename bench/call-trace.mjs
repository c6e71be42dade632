#!/usr/bin/env node
// How far one accepted delivery travels through the code: the calls it makes from one source
// file into another, counted on the built package (`npm run build` first) while each node's
// webhook() and execute() run in n8n-core's real contexts (the unit tests' harness).
//
// Counted: every call of a function or class method a module of dist/nodes or dist/credentials
// exports, and of functions on objects such functions return (a receiver's parse/emit), whose
// caller is in another file. A module's calls to its own functions are not counted.
// Usage: node bench/call-trace.mjs   (prints per node: calls, files, entries per file)
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const require = createRequire(join(root, 'package.json'));
const ts = require('typescript');

const calls = [];
const traced = new WeakSet();

/** The source file of the function that called the wrapper (n8n's own code when outside dist). */
function callerFile() {
	const prepare = Error.prepareStackTrace;
	Error.prepareStackTrace = (_, frames) => frames;
	const frames = new Error().stack;
	Error.prepareStackTrace = prepare;
	// frames[0] is this function, frames[1] the wrapper, frames[2] its caller.
	const file = frames[2]?.getFileName() ?? '';
	return file.startsWith(dist + '/') ? relative(dist, file).replace(/\.js$/, '.ts') : '(n8n)';
}

function trace(fn, file, name) {
	if (typeof fn !== 'function' || traced.has(fn)) return fn;
	const wrapped = function (...args) {
		const caller = callerFile();
		if (caller !== file) calls.push({ from: caller, to: file, name });
		const result = new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args);
		return result instanceof Promise ? result : traceObject(result, file, name);
	};
	Object.defineProperties(wrapped, Object.getOwnPropertyDescriptors(fn));
	traced.add(wrapped);
	return wrapped;
}

/** Plain objects returned by a traced function (a receiver): their functions are entries too. */
function traceObject(value, file, name) {
	if (!value || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype)
		return value;
	for (const [key, member] of Object.entries(value))
		if (typeof member === 'function') value[key] = trace(member, file, `${name}().${key}`);
	return value;
}

function traceClass(cls, file) {
	for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(cls.prototype))) {
		if (key === 'constructor' || typeof descriptor.value !== 'function') continue;
		cls.prototype[key] = trace(descriptor.value, file, `${cls.name}.${key}`);
	}
}

const load = Module._load;
Module._load = function (request, parent, isMain) {
	const exports = load.apply(this, arguments);
	const filename = Module._resolveFilename(request, parent, isMain);
	if (!filename.startsWith(dist + '/') || traced.has(exports)) return exports;
	traced.add(exports);
	const file = relative(dist, filename).replace(/\.js$/, '.ts');
	for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(exports))) {
		if (!descriptor.writable || typeof descriptor.value !== 'function') continue;
		const value = descriptor.value;
		if (/^class\b/.test(Function.prototype.toString.call(value))) {
			traceClass(value, file);
			continue;
		}
		exports[key] = trace(value, file, key);
	}
	return exports;
};

/** The unit tests' harness (TypeScript), compiled here in memory. */
function loadHarness() {
	const file = join(root, 'test', 'helpers', 'webhook-harness.cts');
	const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
		compilerOptions: {
			module: ts.ModuleKind.CommonJS,
			target: ts.ScriptTarget.ES2021,
			esModuleInterop: true,
		},
		fileName: file,
	});
	const harness = new Module(file);
	harness.filename = file;
	harness.paths = Module._nodeModulePaths(root);
	harness._compile(outputText, file);
	return harness.exports;
}

const { SavedWorkflow } = loadHarness();
const fixture = (provider, name) =>
	JSON.parse(readFileSync(join(root, 'test', 'fixtures', provider, `${name}.json`), 'utf8'));

async function measure(label, workflow, request) {
	calls.length = 0;
	const answer = await workflow.call(request);
	if (answer.status !== 200 || answer.items.length === 0)
		throw new Error(
			`${label}: expected an accepted delivery, got ${answer.status} ${JSON.stringify(answer.body)}`,
		);
	const perFile = new Map();
	for (const call of calls) perFile.set(call.to, (perFile.get(call.to) ?? 0) + 1);
	const files = new Set(calls.flatMap((call) => [call.from, call.to]).filter((f) => f !== '(n8n)'));
	const leaf = calls.filter((call) => call.to === 'nodes/common/json.ts').length;
	console.log(
		`\n${label}: ${calls.length} cross-file calls through ${files.size} files (${leaf} of them into json.ts, the one own-field reader)`,
	);
	for (const [file, count] of [...perFile].sort((a, b) => b[1] - a[1]))
		console.log(`  ${String(count).padStart(3)}  ${file}`);
	if (process.argv.includes('--calls'))
		for (const call of calls) console.log(`      ${call.from} → ${call.to} ${call.name}`);
}

const { CaptainAiTrigger } = require(join(dist, 'nodes/CaptainAiTrigger/CaptainAiTrigger.node.js'));
const { ArriveTrigger } = require(join(dist, 'nodes/ArriveTrigger/ArriveTrigger.node.js'));
const token = 'a-long-shared-secret-0123456789';

await measure(
	'Captain.AI Trigger, one accepted order_status_updated',
	new SavedWorkflow(
		new CaptainAiTrigger(),
		'n8n-nodes-captain-arrive.captainAiTrigger',
		{},
		{
			captainAiWebhookApi: { authToken: token },
		},
	),
	{
		body: fixture('captain', 'order_status_updated'),
		headers: { 'Auth-Token': token },
		ip: '198.51.100.7',
	},
);
await measure(
	'ARRIVE Trigger, one accepted ad-estimates call',
	new SavedWorkflow(new ArriveTrigger(), 'n8n-nodes-captain-arrive.arriveTrigger', {}),
	{ body: fixture('arrive', 'ad-estimates'), ip: '52.37.123.229' },
);
