// Preloaded into a real n8n (NODE_OPTIONS="--require <this file>", see bench/isolates.mjs) to
// count what the expression engine does per webhook request, with the stack of each call.
// It wraps methods of the n8n modules already installed (nothing on disk changes):
//   @n8n/expression-runtime  ExpressionEvaluator.acquire        a caller asks for an isolate
//                                                               (lazy mode: only opens a scope)
//                            ExpressionEvaluator.acquireBridgeSync  lazy mode: an evaluation
//                                                               needs the engine now
//                            IsolatedVmBridge.initialize(Sync)  a V8 isolate is built
//   n8n-workflow             Expression.renderExpression        an expression is evaluated
//                                                               (any engine, legacy included)
// Counters and stacks go to $ISOLATE_PROBE_OUT (JSON), rewritten at most every 100 ms.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const out = process.env.ISOLATE_PROBE_OUT;
const entry = process.argv[1] ?? '';
// Only the n8n process itself (its bin/n8n), not helpers it may spawn.
if (out && /[/\\]n8n[/\\]bin[/\\]n8n$/.test(entry)) install(path.resolve(entry, '..', '..', '..'));

function install(nodeModules) {
	Error.stackTraceLimit = 60;
	const counts = { acquire: 0, acquireScope: 0, lazyBridge: 0, isolateBuilt: 0, evaluate: 0 };
	/** Wall time (ms) spent inside isolate builds and disposals, summed. */
	const timings = { buildMs: 0, disposeMs: 0, disposed: 0 };
	const stacks = new Map();
	let dirty = true;

	/** Frames inside n8n's packages and this package, shortened to package/file:line function. */
	function frames() {
		const lines = (new Error().stack ?? '').split('\n').slice(3);
		const kept = [];
		for (const line of lines) {
			const match = /at (?:async )?(?:(.*?) \()?(.*?node_modules[/\\](.*?)):(\d+):\d+\)?$/.exec(
				line.trim(),
			);
			if (!match) continue;
			const file = match[3].replace(/[/\\]dist[/\\](cjs[/\\])?/, '/');
			if (/isolate-probe/.test(file)) continue;
			kept.push(`${file}:${match[4]} ${match[1] ?? ''}`.trim());
		}
		return kept;
	}

	function record(kind, detail) {
		counts[kind]++;
		const stack = frames();
		const key = `${kind}\n${detail ?? ''}\n${stack.join('\n')}`;
		const seen = stacks.get(key);
		if (seen) seen.count++;
		else stacks.set(key, { kind, detail, stack, count: 1 });
		dirty = true;
	}

	function flush() {
		if (!dirty) return;
		dirty = false;
		const snapshot = { counts, timings, stacks: [...stacks.values()] };
		fs.writeFileSync(`${out}.tmp`, JSON.stringify(snapshot));
		fs.renameSync(`${out}.tmp`, out);
	}
	setInterval(flush, 100).unref();

	function wrap(proto, name, before) {
		const original = proto?.[name];
		if (typeof original !== 'function') return false;
		proto[name] = function (...args) {
			before.call(this, args);
			return original.apply(this, args);
		};
		return true;
	}

	/** Adds the wall time of each call (until its promise settles, if it returns one) to timings[field]. */
	function timed(proto, name, field) {
		const original = proto?.[name];
		if (typeof original !== 'function') return false;
		proto[name] = function (...args) {
			const started = performance.now();
			const done = () => {
				timings[field] += performance.now() - started;
				if (field === 'disposeMs') timings.disposed++;
				dirty = true;
			};
			const result = original.apply(this, args);
			if (result && typeof result.then === 'function') return result.finally(done);
			done();
			return result;
		};
		return true;
	}

	const resolve = (id) => require.resolve(id, { paths: [nodeModules] });
	const runtime = require(resolve('@n8n/expression-runtime'));
	const hooked = [];
	if (
		wrap(runtime.ExpressionEvaluator?.prototype, 'acquire', function (args) {
			// Mirrors ExpressionEvaluator.acquire: a caller already holding one gets nothing new.
			if (this.bridgesByCaller?.has(args[0])) return;
			if (this.config?.lazyAcquire) {
				if (!this.lazyScopes?.has(args[0])) record('acquireScope');
			} else record('acquire');
		})
	)
		hooked.push('ExpressionEvaluator.acquire');
	if (wrap(runtime.ExpressionEvaluator?.prototype, 'acquireBridgeSync', () => record('lazyBridge')))
		hooked.push('acquireBridgeSync');
	for (const method of ['initialize', 'initializeSync']) {
		if (wrap(runtime.IsolatedVmBridge?.prototype, method, () => record('isolateBuilt', method)))
			hooked.push(`IsolatedVmBridge.${method}`);
		timed(runtime.IsolatedVmBridge?.prototype, method, 'buildMs');
	}
	if (timed(runtime.IsolatedVmBridge?.prototype, 'dispose', 'disposeMs'))
		hooked.push('IsolatedVmBridge.dispose (timed)');
	const workflow = require(resolve('n8n-workflow'));
	if (
		wrap(workflow.Expression?.prototype, 'renderExpression', (args) =>
			record('evaluate', String(args[0]).slice(0, 160)),
		)
	)
		hooked.push('Expression.renderExpression');
	process.stderr.write(`[isolate-probe] hooked ${hooked.join(', ')}\n`);
	counts.hooked = hooked;
	flush();
}
