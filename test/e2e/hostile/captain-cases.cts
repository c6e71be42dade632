/**
 * The Captain.AI Trigger's hostile-input corpus: each case states the answer docs/answers.md
 * documents and which executions it may start. Targets: `main` (Auth-Token) and
 * `allowlisted` (Auth-Token + Allowed Addresses 203.0.113.7).
 */
import { gzipSync, deflateSync } from 'zlib';

import { loadFixture } from '../../helpers/fixtures.cjs';
import type { Answer, CorpusCase, IdBook, SentRequest, Step } from './corpus.cjs';

type Body = Record<string, any>;

export const CAPTAIN_ALLOWED_ADDRESS = '203.0.113.7';
const MB = 1024 * 1024;
/** n8n's answer when reading the body fails (NODE_ENV=production: no stack trace). */
export const N8N_FAILED = { message: 'There was a problem executing the workflow' };

/** A JSON text nested `depth` levels deep, built as text. */
export function deepJson(depth: number): string {
	return `${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const noHint = (answer: Answer) =>
	(answer.body as Body | undefined)?.hint === undefined ? undefined : 'a hint was given';
const hasWarning = (pattern: RegExp) => (items: Array<Record<string, unknown>>) => {
	const warnings = items[0]?.warnings;
	return Array.isArray(warnings) && warnings.some((warning) => pattern.test(String(warning)))
		? undefined
		: `expected a warning matching ${pattern}, got ${JSON.stringify(warnings)}`;
};
const noWarnings = (items: Array<Record<string, unknown>>) =>
	items[0]?.warnings === undefined
		? undefined
		: `unexpected warnings ${JSON.stringify(items[0].warnings)}`;

export function captainCorpus(book: IdBook, token: string) {
	const auth = { 'Auth-Token': token };
	const cases: CorpusCase[] = [];
	const proxyCases: CorpusCase[] = [];

	/** The order_status_updated sample with a fresh event_uuid (and order) owned by `name`. */
	function event(name: string, changes: Body = {}, data: Body = {}): Body {
		const body = loadFixture<Body>('captain', 'order_status_updated');
		body.event_uuid = book.id(name);
		body.data = { ...body.data, order_uuid: book.id(name), ...data };
		return { ...body, ...changes };
	}
	const accepted = (
		body: Body,
		request: SentRequest = {},
		items?: Step['items'],
		runs = [String(body.event_uuid)],
	): Step => ({
		target: 'main',
		request: { body, headers: auth, ...request },
		expect: { status: 200, body: { status: 'accepted', items: 1 } },
		runs,
		items,
	});
	const refused = (
		request: SentRequest,
		status: number,
		body?: unknown,
		target = 'main',
		check?: (answer: Answer) => string | undefined,
	): Step => ({
		target,
		request: { headers: auth, ...request },
		expect: { status, body, check },
		runs: [],
	});
	const ignored = (body: Body, reason: string): Step => ({
		target: 'main',
		request: { body, headers: auth },
		expect: { status: 200, body: { status: 'ignored', reason } },
		runs: [],
	});
	const add = (category: string, name: string, steps: (name: string) => Step[], subset = false) =>
		cases.push({
			name: `${category}: ${name}`,
			category,
			subset,
			steps: steps(`${category}: ${name}`),
		});
	const invalid = (field: string) => ({ error: 'invalid body', field });

	// --- content types and encodings -------------------------------------------------------
	add('content', 'application/json → accepted', (n) => [accepted(event(n))], true);
	add(
		'content',
		'JSON sent as text/plain → accepted',
		(n) => {
			const body = event(n);
			return [accepted(body, { body: JSON.stringify(body), contentType: 'text/plain' })];
		},
		true,
	);
	add('content', 'JSON with no Content-Type → accepted', (n) => {
		const body = event(n);
		return [accepted(body, { body: JSON.stringify(body), contentType: null })];
	});
	add('content', 'application/json; charset=utf-8 → accepted', (n) => [
		accepted(event(n), { contentType: 'application/json; charset=utf-8' }),
	]);
	add('content', 'application/vnd.captain+json (n8n leaves it unparsed) → accepted', (n) => {
		const body = event(n);
		return [
			accepted(body, { body: JSON.stringify(body), contentType: 'application/vnd.captain+json' }),
		];
	});
	add('content', 'JSON with a byte-order mark → accepted', (n) => {
		const body = event(n);
		return [accepted(body, { body: `\ufeff${JSON.stringify(body)}` })];
	});
	add(
		'content',
		'Content-Encoding: gzip, valid → accepted',
		(n) => {
			const body = event(n);
			return [
				accepted(body, {
					body: gzipSync(JSON.stringify(body)),
					headers: { ...auth, 'Content-Encoding': 'gzip' },
				}),
			];
		},
		true,
	);
	add('content', 'Content-Encoding: deflate, valid → accepted', (n) => {
		const body = event(n);
		return [
			accepted(body, {
				body: deflateSync(JSON.stringify(body)),
				headers: { ...auth, 'Content-Encoding': 'deflate' },
			}),
		];
	});
	add('content', 'form-urlencoded → 400 (n8n parses it into fields)', (n) => [
		refused(
			{
				body: `event_name=order_status_updated&event_uuid=${book.id(n)}`,
				contentType: 'application/x-www-form-urlencoded',
			},
			400,
			invalid('created_at'),
		),
	]);
	add('content', 'XML → 400', (n) => [
		refused(
			{
				body: `<event><event_uuid>${book.id(n)}</event_uuid></event>`,
				contentType: 'application/xml',
			},
			400,
			{ error: 'invalid body' },
		),
	]);
	add(
		'content',
		'text/plain that is not JSON → 400 (body)',
		() => [
			refused(
				{ body: 'order_status_updated please', contentType: 'text/plain' },
				400,
				invalid('(body)'),
			),
		],
		true,
	);
	add('content', 'empty JSON body → 400 (body)', () => [
		refused({ body: '', contentType: 'application/json' }, 400, invalid('(body)')),
	]);
	add('content', 'JSON array → 400 (body)', () => [
		refused({ body: [1, 2] }, 400, invalid('(body)')),
	]);
	add('content', 'JSON string → 400 (body)', () => [
		refused({ body: '"order_status_updated"' }, 400, invalid('(body)')),
	]);
	add('content', 'JSON null → 400 (body)', () => [
		refused({ body: 'null' }, 400, invalid('(body)')),
	]);

	// --- n8n's own answers, before the node runs (docs/answers.md: "What the node cannot influence") --
	add(
		'n8n',
		'application/json that is not JSON → n8n 422',
		() => [refused({ body: '{"event_name": ' }, 422)],
		true,
	);
	add(
		'n8n',
		'Content-Encoding: gzip with garbage → n8n 500',
		() => [
			refused(
				{
					body: Buffer.from('definitely not gzip'),
					headers: { ...auth, 'Content-Encoding': 'gzip' },
				},
				500,
				N8N_FAILED,
			),
		],
		true,
	);
	add(
		'n8n',
		'body over 16 MB → n8n 500',
		() => [refused({ body: JSON.stringify({ pad: 'x'.repeat(17 * MB) }) }, 500, N8N_FAILED)],
		true,
	);
	add('n8n', 'gzip bomb (40 MB of spaces, 40 kB sent) → n8n 500', () => [
		refused(
			{
				body: gzipSync(Buffer.alloc(40 * MB, 0x20)),
				headers: { ...auth, 'Content-Encoding': 'gzip' },
			},
			500,
			N8N_FAILED,
		),
	]);
	add('n8n', 'GET instead of POST → n8n 404', () => [refused({ method: 'GET' }, 404)]);

	// --- sizes and nesting ------------------------------------------------------------------
	add(
		'size',
		'1 MB extra field → accepted',
		(n) => [accepted(event(n, {}, { extra: 'x'.repeat(MB) }))],
		true,
	);
	add('size', '10 000 extra keys → accepted', (n) => {
		const extra = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
		return [accepted(event(n, {}, { extra }))];
	});
	for (const depth of [3_000, 10_000, 100_000]) {
		add(
			'nesting',
			`extra field nested ${depth} levels → accepted`,
			(n) => {
				const body = event(n);
				return [
					accepted(body, {
						body: JSON.stringify(body).replace(/}$/, `,"extra":${deepJson(depth)}}`),
					}),
				];
			},
			depth === 10_000,
		);
	}

	// --- unicode and ids --------------------------------------------------------------------
	add(
		'ids',
		'event ids differing only in a lone surrogate → two events',
		(n) => {
			const base = book.id(n);
			const first = event(n, { event_uuid: book.claim(`${base}\ud800`, n) });
			const second = event(n, { event_uuid: book.claim(`${base}\ud801`, n) });
			return [accepted(first), accepted(second)];
		},
		true,
	);
	add(
		'ids',
		'the same UUID again in upper case → duplicate',
		(n) => {
			const body = event(n);
			return [
				accepted(body),
				ignored({ ...body, event_uuid: body.event_uuid.toUpperCase() }, 'duplicate'),
			];
		},
		true,
	);
	add('ids', 'the same UUID again with surrounding whitespace → duplicate', (n) => {
		const body = event(n);
		return [accepted(body), ignored({ ...body, event_uuid: ` ${body.event_uuid}\n` }, 'duplicate')];
	});
	add('ids', 'non-UUID ids differing in case → two events', (n) => {
		const id = `evt-${book.id(n).slice(0, 8)}`;
		return [
			accepted(event(n, { event_uuid: book.claim(id, n) })),
			accepted(event(n, { event_uuid: book.claim(id.toUpperCase(), n) })),
		];
	});
	add(
		'ids',
		'event_uuid as a number → accepted as its string form, with a warning',
		(n) => {
			const id = Math.floor(Math.random() * 1e12) + 1e12;
			book.claim(String(id), n);
			return [accepted(event(n, { event_uuid: id }), {}, hasWarning(/^event_uuid: a number/))];
		},
		true,
	);
	add('ids', 'emoji and right-to-left text in ids → accepted', (n) => [
		accepted(event(n, { event_uuid: book.claim(`🚚-${book.id(n)}-\u202e`, n) })),
	]);
	add('ids', 'NUL and control characters in an id → accepted', (n) => [
		accepted(event(n, { event_uuid: book.claim(`\u0000\u0007${book.id(n)}`, n) })),
	]);
	add('ids', 'event_uuid of 201 characters → 400', (n) => [
		refused({ body: event(n, { event_uuid: 'e'.repeat(201) }) }, 400, invalid('event_uuid')),
	]);
	for (const [label, value] of [
		['""', ''],
		['"   "', '   '],
		['null', null],
		['an object', { id: 1 }],
		['a list', ['a']],
		['true', true],
	] as const) {
		add(
			'ids',
			`event_uuid ${label} → 400`,
			(n) => [refused({ body: event(n, { event_uuid: value }) }, 400, invalid('event_uuid'))],
			label === 'null',
		);
	}
	add('ids', 'order_uuid missing → 400', (n) => {
		const body = event(n);
		delete body.data.order_uuid;
		return [refused({ body }, 400, invalid('data.order_uuid'))];
	});
	add('ids', 'order_uuid an object → 400', (n) => [
		refused({ body: event(n, {}, { order_uuid: { id: 'x' } }) }, 400, invalid('data.order_uuid')),
	]);
	add('ids', 'order_uuid "" → 400', (n) => [
		refused({ body: event(n, {}, { order_uuid: '' }) }, 400, invalid('data.order_uuid')),
	]);

	// --- fields the node needs, of the wrong type -----------------------------------------
	add(
		'types',
		'event_name missing → 400',
		(n) => {
			const body = event(n);
			delete body.event_name;
			return [refused({ body }, 400, invalid('event_name'))];
		},
		true,
	);
	add('types', 'event_name a number → 400', (n) => [
		refused({ body: event(n, { event_name: 5 }) }, 400, invalid('event_name')),
	]);
	add(
		'types',
		'created_at "yesterday" → 400',
		(n) => [refused({ body: event(n, { created_at: 'yesterday' }) }, 400, invalid('created_at'))],
		true,
	);
	add('types', 'created_at missing → 400', (n) => {
		const body = event(n);
		delete body.created_at;
		return [refused({ body }, 400, invalid('created_at'))];
	});
	add('types', 'environment a number → 400', (n) => [
		refused({ body: event(n, { environment: 5 }) }, 400, invalid('environment')),
	]);
	add('types', 'data a string → 400', (n) => [
		refused({ body: event(n, { data: 'x' }) }, 400, invalid('data')),
	]);
	add('types', 'data a list → 400', (n) => [
		refused({ body: event(n, { data: [] }) }, 400, invalid('data')),
	]);

	// --- fields the node does not need: accepted, passed on, flagged ----------------------
	const lenient: Array<[string, Body, Body, RegExp]> = [
		['published_at "abc"', {}, { published_at: 'abc' }, /^data\.published_at: expected a number/],
		['order_status 5', {}, { order_status: 5 }, /^data\.order_status: /],
		['items "x"', {}, { items: 'x' }, /^data\.items: /],
		[
			'order_custom_fields "str"',
			{},
			{ order_custom_fields: 'str' },
			/^data\.order_custom_fields: /,
		],
		['metadata missing', { metadata: undefined }, {}, /^metadata: /],
		['metadata "x"', { metadata: 'x' }, {}, /^metadata: /],
		[
			'delivery_attempt "first"',
			{ metadata: { sent_at: '2022-04-28T14:58:12Z', delivery_attempt: 'first' } },
			{},
			/^metadata\.delivery_attempt: /,
		],
		[
			'sent_at "soon"',
			{ metadata: { sent_at: 'soon', delivery_attempt: 1 } },
			{},
			/^metadata\.sent_at: /,
		],
	];
	for (const [label, changes, data, warning] of lenient) {
		add(
			'lenient',
			`${label} → accepted, passed on, with a warning`,
			(n) => {
				const body = event(n, changes, data);
				const passedOn = (items: Array<Record<string, unknown>>) =>
					hasWarning(warning)(items) ??
					Object.entries(data)
						.filter(([key, value]) => JSON.stringify(items[0]?.[key]) !== JSON.stringify(value))
						.map(([key]) => `${key} not passed on as sent`)[0];
				return [accepted(body, {}, passedOn)];
			},
			label === 'published_at "abc"' || label === 'metadata missing',
		);
	}
	add('lenient', 'a clean event has no warnings field', (n) => [
		accepted(event(n), {}, noWarnings),
	]);

	// --- __proto__ and constructor ----------------------------------------------------------
	add(
		'proto',
		'order_uuid only inside data.__proto__ → 400 naming data.order_uuid',
		(n) => {
			const body = event(n);
			const text = JSON.stringify(body).replace(
				`"order_uuid":"${body.data.order_uuid}"`,
				'"__proto__":{"order_uuid":"x"}',
			);
			return [refused({ body: text }, 400, invalid('data.order_uuid'))];
		},
		true,
	);
	add(
		'proto',
		'__proto__ beside a real order_uuid → accepted, removed, flagged, nothing inherited',
		(n) => {
			const body = event(n);
			const text = JSON.stringify(body).replace(
				'"order_status":',
				'"__proto__":{"sneaky":"yes","order_uuid":"x"},"order_status":',
			);
			const check = (items: Array<Record<string, unknown>>) =>
				items[0]?.sneaky !== undefined || items[0]?.entityId !== body.data.order_uuid
					? `inherited fields leaked: ${JSON.stringify({ sneaky: items[0]?.sneaky, entityId: items[0]?.entityId })}`
					: hasWarning(/^data\.__proto__: removed/)(items);
			return [accepted(body, { body: text }, check)];
		},
		true,
	);
	add('proto', 'event_uuid only inside a top-level __proto__ → 400 naming event_uuid', (n) => {
		const body = event(n);
		const text = JSON.stringify(body).replace(
			`"event_uuid":"${body.event_uuid}"`,
			`"__proto__":{"event_uuid":"${book.id(n)}"}`,
		);
		return [refused({ body: text }, 400, invalid('event_uuid'))];
	});
	add('proto', 'metadata fields only inside metadata.__proto__ → accepted with warnings', (n) => {
		const body = event(n);
		const text = JSON.stringify(body).replace(
			/"metadata":\{/,
			'"metadata":{"__proto__":{"delivery_attempt":1},',
		);
		return [accepted(body, { body: text }, hasWarning(/^metadata\.__proto__: removed/))];
	});
	add('proto', '"constructor" and "prototype" keys in data → accepted, passed on', (n) => {
		const body = event(n, {}, { constructor: { prototype: { order_uuid: 'x' } } });
		return [
			accepted(body, {}, (items) =>
				items[0]?.entityId === body.data.order_uuid ? undefined : 'wrong entityId',
			),
		];
	});

	// --- Auth-Token -----------------------------------------------------------------------
	add(
		'auth',
		'no Auth-Token → 401',
		(n) => [refused({ body: event(n), headers: {} }, 401, { error: 'missing Auth-Token header' })],
		true,
	);
	add(
		'auth',
		'wrong Auth-Token → 401',
		(n) => [
			refused({ body: event(n), headers: { 'Auth-Token': `${token}x` } }, 401, {
				error: 'invalid Auth-Token',
			}),
		],
		true,
	);
	add(
		'auth',
		'the right token sent twice → 401 saying so',
		(n) => [
			refused({ body: event(n), headers: { 'Auth-Token': [token, token] } }, 401, {
				error: 'Auth-Token header sent 2 times; send it once',
			}),
		],
		true,
	);
	add('auth', 'right and wrong token, two headers → 401 saying so', (n) => [
		refused({ body: event(n), headers: { 'Auth-Token': [token, 'wrong'] } }, 401, {
			error: 'Auth-Token header sent 2 times; send it once',
		}),
	]);
	add(
		'auth',
		'the right token with spaces around it → accepted (HTTP strips them)',
		(n) => [accepted(event(n), { headers: { 'Auth-Token': `  ${token}\t ` } })],
		true,
	);
	add('auth', 'header name in lower case → accepted', (n) => [
		accepted(event(n), { headers: { 'auth-token': token } }),
	]);
	add('auth', 'the token in another case → 401', (n) => [
		refused({ body: event(n), headers: { 'Auth-Token': token.toUpperCase() } }, 401, {
			error: 'invalid Auth-Token',
		}),
	]);
	add('auth', 'an empty Auth-Token → 401', (n) => [
		refused({ body: event(n), headers: { 'Auth-Token': '' } }, 401, {
			error: 'invalid Auth-Token',
		}),
	]);
	add('auth', 'the token as a Bearer Authorization instead → 401', (n) => [
		refused({ body: event(n), headers: { Authorization: `Bearer ${token}` } }, 401, {
			error: 'missing Auth-Token header',
		}),
	]);
	add('auth', 'the token with a prefix of the right one → 401', (n) => [
		refused({ body: event(n), headers: { 'Auth-Token': token.slice(0, -1) } }, 401, {
			error: 'invalid Auth-Token',
		}),
	]);

	// --- source address (n8n trusting no proxy) -------------------------------------------
	add(
		'address',
		'not in Allowed Addresses → 403 naming 127.0.0.1, no hint',
		(n) => [
			refused(
				{ body: event(n) },
				403,
				{ error: 'address not allowed', address: '127.0.0.1' },
				'allowlisted',
				noHint,
			),
		],
		true,
	);
	add(
		'address',
		'spoofed X-Forwarded-For with the allowed address → 403 and the conditional hint',
		(n) => [
			refused(
				{ body: event(n), headers: { ...auth, 'X-Forwarded-For': CAPTAIN_ALLOWED_ADDRESS } },
				403,
				{
					address: '127.0.0.1',
					hint: /only through that proxy, set N8N_PROXY_HOPS/,
				},
				'allowlisted',
			),
		],
		true,
	);
	add('address', 'spoofed X-Forwarded-For list ending in the allowed address → 403', (n) => [
		refused(
			{
				body: event(n),
				headers: { ...auth, 'X-Forwarded-For': `198.51.100.1, ${CAPTAIN_ALLOWED_ADDRESS}` },
			},
			403,
			{ address: '127.0.0.1' },
			'allowlisted',
		),
	]);
	add('address', 'spoofed X-Real-IP / Forwarded headers → 403', (n) => [
		refused(
			{
				body: event(n),
				headers: {
					...auth,
					'X-Real-IP': CAPTAIN_ALLOWED_ADDRESS,
					Forwarded: `for=${CAPTAIN_ALLOWED_ADDRESS}`,
				},
			},
			403,
			{ address: '127.0.0.1' },
			'allowlisted',
			noHint,
		),
	]);

	// --- times ----------------------------------------------------------------------------
	// The far-future time is ordered as "now + 60 s" (docs/hostile-input.md): an event dated later than that,
	// dated when it is sent, must pass. Its time is set when sent, not when the case is built.
	const aMinuteLater = (body: Body): Step => ({
		...accepted(body),
		request: () => ({
			body: { ...body, created_at: new Date(Date.now() + 61_000).toISOString() },
			headers: auth,
		}),
	});
	add(
		'time',
		'created_at 9999-12-31 for an order, then an event dated a minute later → both accepted',
		(n) => {
			const future = event(n, { created_at: '9999-12-31T23:59:59Z' });
			const genuine = event(n, {}, { order_uuid: future.data.order_uuid });
			return [
				accepted(future, {}, hasWarning(/^created_at: later than now/)),
				aMinuteLater(genuine),
			];
		},
		true,
	);
	add(
		'time',
		'created_at 1e306 unix seconds, then an event dated a minute later → both accepted',
		(n) => {
			const future = event(n, { created_at: 1e306 });
			const genuine = event(n, {}, { order_uuid: future.data.order_uuid });
			return [accepted(future), aMinuteLater(genuine)];
		},
	);
	add('time', 'an older update after a newer one → out-of-order, no execution', (n) => {
		const newer = event(n, { created_at: '2022-04-28T15:00:00Z' });
		const older = event(
			n,
			{ created_at: '2022-04-28T14:00:00Z' },
			{ order_uuid: newer.data.order_uuid },
		);
		return [accepted(newer), ignored(older, 'out-of-order')];
	});
	add('time', 'created_at in 1970 → accepted', (n) => [
		accepted(event(n, { created_at: '1970-01-01T00:00:00Z' })),
	]);

	// --- n8n trusting one proxy (N8N_PROXY_HOPS=1): n8n's model, docs/proxy-trust.md ---
	const proxied = (name: string, forwardedFor: string, allowed: boolean): Step => {
		const body = event(name);
		return allowed
			? {
					...accepted(body, { headers: { ...auth, 'X-Forwarded-For': forwardedFor } }),
					target: 'allowlisted',
				}
			: refused(
					{ body, headers: { ...auth, 'X-Forwarded-For': forwardedFor } },
					403,
					{ error: 'address not allowed' },
					'allowlisted',
					noHint,
				);
	};
	const addProxy = (name: string, forwardedFor: string, allowed: boolean) =>
		proxyCases.push({
			name: `proxy: ${name}`,
			category: 'proxy',
			steps: [proxied(`proxy: ${name}`, forwardedFor, allowed)],
		});
	addProxy('X-Forwarded-For the allowed address → accepted', CAPTAIN_ALLOWED_ADDRESS, true);
	addProxy(
		'X-Forwarded-For ::ffff: form of it → accepted',
		`::ffff:${CAPTAIN_ALLOWED_ADDRESS}`,
		true,
	);
	addProxy(
		'X-Forwarded-For list ending in it → accepted (the last hop is the one trusted)',
		`198.51.100.1, ${CAPTAIN_ALLOWED_ADDRESS}`,
		true,
	);
	addProxy(
		'X-Forwarded-For list starting with it → 403',
		`${CAPTAIN_ALLOWED_ADDRESS}, 198.51.100.1`,
		false,
	);
	addProxy('X-Forwarded-For another address → 403, no hint', '198.51.100.9', false);

	/** A valid delivery, sent after every case. */
	const valid = () => accepted(event('(valid delivery)'));
	return { cases, proxyCases, valid };
}
