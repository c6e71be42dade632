/**
 * The ARRIVE Trigger's hostile-input corpus. Targets: `local` (127.0.0.1 allowed, New
 * Approach or Arrival), `small` (the same, Trips to Remember = 10), `every` (Every
 * Update) and `arriveOnly` (ARRIVE's addresses only).
 */
import { randomUUID } from 'crypto';
import { gzipSync } from 'zlib';

import { loadFixture } from '../../helpers/fixtures.cjs';
import { N8N_FAILED, deepJson } from './captain-cases.cjs';
import type { Answer, CorpusCase, IdBook, SentRequest, Step } from './corpus.cjs';

type Body = Record<string, any>;

export const ARRIVE_ADDRESS = '52.37.123.229';
export const SMALL_TRIP_MEMORY = 10;
const MB = 1024 * 1024;

const noHint = (answer: Answer) =>
	(answer.body as Body | undefined)?.hint === undefined ? undefined : 'a hint was given';
const hasWarning = (pattern: RegExp) => (items: Array<Record<string, unknown>>) => {
	const warnings = items.flatMap((item) => (Array.isArray(item.warnings) ? item.warnings : []));
	return warnings.some((warning) => pattern.test(String(warning)))
		? undefined
		: `expected a warning matching ${pattern}, got ${JSON.stringify(warnings)}`;
};
const field = (name: string, expected: unknown) => (items: Array<Record<string, unknown>>) =>
	JSON.stringify(items[0]?.[name]) === JSON.stringify(expected)
		? undefined
		: `${name}: ${JSON.stringify(items[0]?.[name])}, expected ${JSON.stringify(expected)}`;
const all =
	(...checks: Array<(items: Array<Record<string, unknown>>) => string | undefined>) =>
	(items: Array<Record<string, unknown>>) =>
		checks.map((check) => check(items)).find((problem) => problem !== undefined);

let tick = 0;

export function arriveCorpus(book: IdBook) {
	const cases: CorpusCase[] = [];
	const proxyCases: CorpusCase[] = [];

	/** A trip like the sample's with a fresh dest_id and ack token owned by `name`. */
	function trip(name: string, extra: Body = {}, status = 'arrived'): Body {
		const base = loadFixture<Body>('arrive', 'ad-estimates').data.estimates[0];
		return {
			...base,
			status,
			track_tokens: [{ ...base.track_tokens[0], dest_id: book.id(name) }],
			ack: { token: randomUUID() },
			...extra,
		};
	}
	function call(estimates: Body[], changes: Body = {}, data: Body = {}): Body {
		const body = loadFixture<Body>('arrive', 'ad-estimates');
		body.data = { ...body.data, estimates, ...data };
		body.timestamp = new Date(Date.UTC(2026, 10, 25) + ++tick * 1000).toISOString();
		return { ...body, ...changes };
	}
	const idsOf = (body: Body) =>
		(body.data.estimates as Body[]).map((estimate) =>
			String(estimate.track_tokens?.[0]?.dest_id ?? estimate.tid),
		);
	const accepted = (
		body: Body,
		request: SentRequest = {},
		items?: Step['items'],
		target = 'local',
		runs = idsOf(body),
	): Step => ({
		target,
		request: { body, ...request },
		expect: { status: 200, body: { status: 'accepted', items: runs.length } },
		runs,
		items,
	});
	const refused = (
		request: SentRequest,
		status: number,
		body?: unknown,
		target = 'local',
		check?: (answer: Answer) => string | undefined,
	): Step => ({
		target,
		request,
		expect: { status, body, check },
		runs: [],
	});
	const ignored = (body: Body, reason: string, target = 'local'): Step => ({
		target,
		request: { body },
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
	const invalid = (fieldName: string) => ({ error: 'invalid body', field: fieldName });
	const oneTrip = (n: string, extra: Body = {}, status = 'arrived') =>
		call([trip(n, extra, status)]);

	// --- content types and encodings -------------------------------------------------------
	add('content', 'application/json → accepted', (n) => [accepted(oneTrip(n))], true);
	add(
		'content',
		'JSON as text/plain → accepted',
		(n) => {
			const body = oneTrip(n);
			return [accepted(body, { body: JSON.stringify(body), contentType: 'text/plain' })];
		},
		true,
	);
	add('content', 'JSON with no Content-Type → accepted', (n) => {
		const body = oneTrip(n);
		return [accepted(body, { body: JSON.stringify(body), contentType: null })];
	});
	add(
		'content',
		'Content-Encoding: gzip, valid → accepted',
		(n) => {
			const body = oneTrip(n);
			return [
				accepted(body, {
					body: gzipSync(JSON.stringify(body)),
					headers: { 'Content-Encoding': 'gzip' },
				}),
			];
		},
		true,
	);
	add(
		'content',
		'text/plain that is not JSON → 400 (body)',
		() => [refused({ body: 'ad-estimates', contentType: 'text/plain' }, 400, invalid('(body)'))],
		true,
	);
	add('content', 'JSON array → 400 (body)', () => [refused({ body: [] }, 400, invalid('(body)'))]);
	add('content', 'empty body → 400 (body)', () => [refused({ body: '' }, 400, invalid('(body)'))]);
	add('content', 'XML → 400', () => [
		refused({ body: '<event>ad-estimates</event>', contentType: 'application/xml' }, 400, {
			error: 'invalid body',
		}),
	]);

	// --- n8n's own answers ------------------------------------------------------------------
	add(
		'n8n',
		'application/json that is not JSON → n8n 422',
		() => [refused({ body: '{"event":' }, 422)],
		true,
	);
	add(
		'n8n',
		'Content-Encoding: gzip with garbage → n8n 500',
		() => [
			refused(
				{ body: Buffer.from('garbage'), headers: { 'Content-Encoding': 'gzip' } },
				500,
				N8N_FAILED,
			),
		],
		true,
	);
	add('n8n', 'body over 16 MB → n8n 500', () => [
		refused({ body: JSON.stringify({ pad: 'x'.repeat(17 * MB) }) }, 500, N8N_FAILED),
	]);

	// --- sizes, the trip memory -------------------------------------------------------------
	add(
		'size',
		'500 trips in one call → accepted, 500 items',
		(n) => [accepted(call(Array.from({ length: 500 }, () => trip(n))))],
		true,
	);
	add(
		'size',
		`${SMALL_TRIP_MEMORY + 1} trips, memory ${SMALL_TRIP_MEMORY} → 413 too many trips`,
		(n) => [
			refused(
				{ body: call(Array.from({ length: SMALL_TRIP_MEMORY + 1 }, () => trip(n))) },
				413,
				{ error: 'too many trips', field: 'data.estimates' },
				'small',
			),
		],
		true,
	);
	add(
		'size',
		`${SMALL_TRIP_MEMORY} trips, memory ${SMALL_TRIP_MEMORY} → accepted; sent again → no-change`,
		(n) => {
			const trips = Array.from({ length: SMALL_TRIP_MEMORY }, () => trip(n));
			return [
				accepted(call(trips), {}, undefined, 'small'),
				ignored(call(trips), 'no-change', 'small'),
			];
		},
		true,
	);
	add('size', 'unchanged trips of a call are not evicted by its new ones', (n) => {
		const first = Array.from({ length: SMALL_TRIP_MEMORY }, () => trip(n));
		const mixed = [...first.slice(0, 5), ...Array.from({ length: 5 }, () => trip(n))];
		return [
			accepted(call(first), {}, undefined, 'small'),
			accepted(call(mixed), {}, undefined, 'small', idsOf(call(mixed.slice(5)))),
			ignored(call(mixed), 'no-change', 'small'),
		];
	});
	add('size', 'estimates: [] → no-trips', () => [ignored(call([]), 'no-trips')]);

	// --- nesting ----------------------------------------------------------------------------
	for (const depth of [3_000, 10_000, 100_000]) {
		add(
			'nesting',
			`extra field nested ${depth} levels → accepted`,
			(n) => {
				const body = oneTrip(n);
				return [
					accepted(body, {
						body: JSON.stringify(body).replace(/}$/, `,"extra":${deepJson(depth)}}`),
					}),
				];
			},
			depth === 10_000,
		);
	}
	add(
		'nesting',
		'a call nested 10 000 levels, redelivered exactly → duplicate',
		(n) => {
			const body = oneTrip(n);
			const text = JSON.stringify(body).replace(/}$/, `,"extra":${deepJson(10_000)}}`);
			return [
				accepted(body, { body: text }, undefined, 'every'),
				{ ...ignored(body, 'duplicate', 'every'), request: { body: text } },
			];
		},
		true,
	);
	add('nesting', 'a trip with a field nested 10 000 levels → accepted', (n) => {
		const body = oneTrip(n);
		return [
			accepted(body, {
				body: JSON.stringify(body).replace('"eta":', `"deep":${deepJson(10_000)},"eta":`),
			}),
		];
	});

	// --- ids and unicode --------------------------------------------------------------------
	add(
		'ids',
		'dest_ids differing only in a lone surrogate → two trips',
		(n) => {
			const base = book.id(n);
			const a = trip(n, { track_tokens: [{ dest_id: book.claim(`${base}\ud800`, n) }] });
			const b = trip(n, { track_tokens: [{ dest_id: book.claim(`${base}\ud801`, n) }] });
			return [accepted(call([a])), accepted(call([b]))];
		},
		true,
	);
	add(
		'ids',
		'the same trip UUID in upper case, same ack → no-change',
		(n) => {
			const t = trip(n);
			const upper = {
				...t,
				track_tokens: [{ ...t.track_tokens[0], dest_id: t.track_tokens[0].dest_id.toUpperCase() }],
			};
			return [accepted(call([t])), ignored(call([upper]), 'no-change')];
		},
		true,
	);
	add('ids', 'the same ack token in upper case → no-change', (n) => {
		const t = trip(n);
		return [
			accepted(call([t])),
			ignored(call([{ ...t, ack: { token: t.ack.token.toUpperCase() } }]), 'no-change'),
		];
	});
	add('ids', 'dest_id a number → accepted as its string form', (n) => {
		const id = Math.floor(Math.random() * 1e12) + 1e12;
		book.claim(String(id), n);
		return [
			accepted(call([trip(n, { track_tokens: [{ dest_id: id }] })]), {}, undefined, 'local', [
				String(id),
			]),
		];
	});
	add('ids', 'a trip with only a tid → accepted', (n) => {
		const tid = book.id(n);
		return [
			accepted(call([trip(n, { track_tokens: undefined, tid })]), {}, undefined, 'local', [tid]),
		];
	});
	for (const [label, tokens] of [
		['dest_id ""', [{ dest_id: '' }]],
		['dest_id null', [{ dest_id: null }]],
		['dest_id an object', [{ dest_id: { a: 1 } }]],
		['track_tokens "x"', 'x'],
	] as const) {
		add('ids', `${label} → 400`, (n) => [
			refused({ body: call([trip(n, { track_tokens: tokens })]) }, 400, {
				error: 'invalid body',
				field: /^data\.estimates\[0\]\.track_tokens/,
			}),
		]);
	}
	add(
		'ids',
		'no track_tokens and no tid → 400',
		(n) => [
			refused(
				{ body: call([trip(n, { track_tokens: [], tid: undefined })]) },
				400,
				invalid('data.estimates[0].track_tokens'),
			),
		],
		true,
	);
	add('ids', 'emoji and right-to-left customer fields → accepted, as sent', (n) => [
		accepted(
			call([trip(n, { customer: { name: 'Zoë 🚗 \u202eevil' } })]),
			{},
			field('customerName', 'Zoë 🚗 \u202eevil'),
		),
	]);

	// --- ack tokens and repeated trips -------------------------------------------------------
	add(
		'ack',
		'ack.token "" → no new approach (no-change)',
		(n) => [ignored(oneTrip(n, { ack: { token: '' } }, 'approaching'), 'no-change')],
		true,
	);
	add('ack', 'ack.token "   " → no new approach (no-change)', (n) => [
		ignored(oneTrip(n, { ack: { token: '   ' } }, 'approaching'), 'no-change'),
	]);
	add('ack', 'ack.token a number → accepted as its string form', (n) => [
		accepted(oneTrip(n, { ack: { token: 12345 } }), {}, field('ackToken', '12345')),
	]);
	add('ack', 'ack.token an object → 400', (n) => [
		refused(
			{ body: oneTrip(n, { ack: { token: { t: 1 } } }) },
			400,
			invalid('data.estimates[0].ack.token'),
		),
	]);
	add('ack', 'ack a string → 400', (n) => [
		refused({ body: oneTrip(n, { ack: 'x' }) }, 400, invalid('data.estimates[0].ack')),
	]);
	add(
		'ack',
		'the same dest_id twice in one call → one item, first listing, with a warning',
		(n) => {
			const t = trip(n, {}, 'approaching');
			const again = { ...t, status: 'arrived', ack: { token: randomUUID() } };
			return [
				accepted(
					call([t, again]),
					{},
					all(field('status', 'approaching'), hasWarning(/the same trip again in this call/)),
					'every',
					idsOf(call([t])),
				),
			];
		},
		true,
	);

	// --- fields the node needs, of the wrong type -----------------------------------------
	const strict: Array<[string, (body: Body) => void, string]> = [
		['event missing', (body) => delete body.event, 'event'],
		['event a number', (body) => (body.event = 5), 'event'],
		['data missing', (body) => delete body.data, 'data'],
		['estimates an object', (body) => (body.data.estimates = {}), 'data.estimates'],
		['estimates null', (body) => (body.data.estimates = null), 'data.estimates'],
		['production "true"', (body) => (body.data.production = 'true'), 'data.production'],
		['production missing', (body) => delete body.data.production, 'data.production'],
		['status missing', (body) => delete body.data.estimates[0].status, 'data.estimates[0].status'],
		['status a number', (body) => (body.data.estimates[0].status = 5), 'data.estimates[0].status'],
		['status ""', (body) => (body.data.estimates[0].status = ''), 'data.estimates[0].status'],
		[
			'site_csin missing',
			(body) => delete body.data.estimates[0].site_csin,
			'data.estimates[0].site_csin',
		],
		[
			'site_csin a list',
			(body) => (body.data.estimates[0].site_csin = ['a']),
			'data.estimates[0].site_csin',
		],
		['a trip that is a string', (body) => (body.data.estimates[0] = 'trip'), 'data.estimates[0]'],
	];
	for (const [label, breakIt, fieldName] of strict) {
		add(
			'types',
			`${label} → 400`,
			(n) => {
				const body = oneTrip(n);
				breakIt(body);
				return [refused({ body }, 400, invalid(fieldName))];
			},
			label === 'production "true"' || label === 'status missing',
		);
	}
	add('types', 'event "other" → 200 filtered', (n) => [
		ignored({ ...oneTrip(n), event: 'other-event' }, 'filtered'),
	]);

	// --- fields the node does not need -------------------------------------------------------
	const lenient: Array<[string, Body, Body, Step['items']]> = [
		[
			'eta "soon"',
			{ eta: 'soon' },
			{},
			all(field('eta', null), hasWarning(/^data\.estimates\[0\]\.eta: expected a number/)),
		],
		[
			'distance an object',
			{ distance: { m: 1 } },
			{},
			all(field('distance', null), hasWarning(/\.distance: /)),
		],
		['lat "north"', { lat: 'north' }, {}, hasWarning(/\.lat: /)],
		[
			'received_at "x"',
			{ received_at: 'x' },
			{},
			hasWarning(/\.received_at: expected a timestamp/),
		],
		[
			'customer a string',
			{ customer: 'x' },
			{},
			all(field('customerName', null), hasWarning(/\.customer: /)),
		],
		[
			'vehicle a list',
			{ customer: { name: 'A', vehicle: [] } },
			{},
			all(field('customerName', 'A'), hasWarning(/\.customer\.vehicle: /)),
		],
		['pickup_window "x"', {}, {}, undefined],
		['arrived "x"', { arrived: 'x' }, {}, all(field('zoneName', null), hasWarning(/\.arrived: /))],
		['app_id a number', {}, { app_id: 7 }, all(field('appId', 7), hasWarning(/^data\.app_id: /))],
	];
	for (const [label, tripChanges, dataChanges, check] of lenient) {
		add(
			'lenient',
			`${label} → accepted with a warning`,
			(n) => {
				const t = trip(n, tripChanges);
				if (label === 'pickup_window "x"')
					t.track_tokens = [{ ...t.track_tokens[0], pickup_window: 'x' }];
				const body = call([t], {}, dataChanges);
				return [accepted(body, {}, check ?? hasWarning(/pickup_window: /))];
			},
			label === 'eta "soon"' || label === 'app_id a number',
		);
	}
	add('lenient', 'timestamp "now" → accepted, passed on, with a warning', (n) => [
		accepted(
			call([trip(n)], { timestamp: 'now' }),
			{},
			all(field('timestamp', 'now'), hasWarning(/^timestamp: /)),
		),
	]);
	add('lenient', 'version missing → accepted with a warning', (n) => {
		const body = oneTrip(n);
		delete body.version;
		return [accepted(body, {}, all(field('version', null), hasWarning(/^version: /)))];
	});
	add('lenient', 'a clean call has no warnings field', (n) => [
		accepted(oneTrip(n), {}, (items) =>
			items[0]?.warnings === undefined ? undefined : 'warnings present',
		),
	]);

	// --- __proto__ --------------------------------------------------------------------------
	add(
		'proto',
		'dest_id only inside track_tokens[0].__proto__, no tid → 400',
		(n) => {
			const t = trip(n, { tid: undefined });
			const text = JSON.stringify(call([t])).replace(
				`{"dest_id":"${t.track_tokens[0].dest_id}"`,
				`{"__proto__":{"dest_id":"${t.track_tokens[0].dest_id}"}`,
			);
			return [refused({ body: text }, 400, invalid('data.estimates[0].track_tokens[0].dest_id'))];
		},
		true,
	);
	add('proto', 'production only inside data.__proto__ → 400', (n) => {
		const text = JSON.stringify(oneTrip(n)).replace(
			'"production":false',
			'"__proto__":{"production":false}',
		);
		return [refused({ body: text }, 400, invalid('data.production'))];
	});
	add('proto', 'status only inside a trip __proto__ → 400', (n) => {
		const text = JSON.stringify(oneTrip(n)).replace(
			'"status":"arrived"',
			'"__proto__":{"status":"arrived"}',
		);
		return [refused({ body: text }, 400, invalid('data.estimates[0].status'))];
	});
	add(
		'proto',
		'__proto__ beside valid fields → accepted, removed, flagged',
		(n) => {
			const body = oneTrip(n);
			const text = JSON.stringify(body).replace('"eta":', '"__proto__":{"sneaky":1},"eta":');
			return [
				accepted(
					body,
					{ body: text },
					all(hasWarning(/^data\.estimates\[0\]\.__proto__: removed/), (items) =>
						items[0]?.sneaky === undefined ? undefined : 'sneaky leaked',
					),
				),
			];
		},
		true,
	);

	// --- source address (n8n trusting no proxy) ---------------------------------------------
	add(
		'address',
		'not from ARRIVE → 403 naming 127.0.0.1, no hint',
		(n) => [
			refused(
				{ body: oneTrip(n) },
				403,
				{ error: 'address not allowed', address: '127.0.0.1' },
				'arriveOnly',
				noHint,
			),
		],
		true,
	);
	add(
		'address',
		"spoofed X-Forwarded-For with ARRIVE's address → 403 and the conditional hint",
		(n) => [
			refused(
				{ body: oneTrip(n), headers: { 'X-Forwarded-For': ARRIVE_ADDRESS } },
				403,
				{ address: '127.0.0.1', hint: /only through that proxy/ },
				'arriveOnly',
			),
		],
		true,
	);
	add('address', 'spoofed ::ffff: form in X-Forwarded-For → 403', (n) => [
		refused(
			{ body: oneTrip(n), headers: { 'X-Forwarded-For': `::ffff:${ARRIVE_ADDRESS}` } },
			403,
			{ address: '127.0.0.1' },
			'arriveOnly',
		),
	]);
	add('address', 'spoofed X-Forwarded-For list ending in ARRIVE → 403', (n) => [
		refused(
			{ body: oneTrip(n), headers: { 'X-Forwarded-For': `198.51.100.1, ${ARRIVE_ADDRESS}` } },
			403,
			{ address: '127.0.0.1' },
			'arriveOnly',
		),
	]);

	// --- n8n trusting one proxy (N8N_PROXY_HOPS=1) -----------------------------------------
	const addProxy = (name: string, forwardedFor: string, allowed: boolean) => {
		const caseName = `proxy: ${name}`;
		const body = oneTrip(caseName);
		proxyCases.push({
			name: caseName,
			category: 'proxy',
			steps: [
				allowed
					? accepted(
							body,
							{ headers: { 'X-Forwarded-For': forwardedFor } },
							undefined,
							'arriveOnly',
						)
					: refused(
							{ body, headers: { 'X-Forwarded-For': forwardedFor } },
							403,
							{ error: 'address not allowed' },
							'arriveOnly',
							noHint,
						),
			],
		});
	};
	addProxy("X-Forwarded-For ARRIVE's address → accepted", ARRIVE_ADDRESS, true);
	addProxy('X-Forwarded-For its ::ffff: form → accepted', `::ffff:${ARRIVE_ADDRESS}`, true);
	addProxy(
		'X-Forwarded-For list ending in it → accepted (the last hop is the one trusted)',
		`198.51.100.1, ${ARRIVE_ADDRESS}`,
		true,
	);
	addProxy('X-Forwarded-For list starting with it → 403', `${ARRIVE_ADDRESS}, 198.51.100.1`, false);
	addProxy('X-Forwarded-For another address → 403, no hint', '198.51.100.9', false);

	const valid = () => accepted(oneTrip('(valid delivery)'));
	return { cases, proxyCases, valid };
}
