// The outcomes the benchmarks measure, published into a running n8n (tools/real-n8n/n8n.cjs):
// one workflow per trigger setting, and for each outcome a request maker. Shared by
// bench/isolates.mjs (what the expression engine does per request) and bench/compare.mjs
// (requests per second, two builds of the package side by side); its node and Filter builders
// also by bench/diy-chain.mjs and bench/fleet.mjs.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

const CAPTAIN = 'n8n-nodes-captain-arrive.captainAiTrigger';
const ARRIVE = 'n8n-nodes-captain-arrive.arriveTrigger';
const fixture = (file) =>
	JSON.parse(readFileSync(new URL(`../test/fixtures/${file}`, import.meta.url), 'utf8'));

/** A workflow node in column `x` of a left-to-right chain. */
export const workflowNode = (name, type, typeVersion, x, parameters, extra = {}) => ({
	id: randomUUID(),
	name,
	type,
	typeVersion,
	position: [x * 220, 0],
	parameters,
	...extra,
});

/** Filter v2 conditions: any of `conditions` ([leftValue, operation, rightValue?]). */
export function filterParameters(conditions, combinator = 'or') {
	return {
		conditions: {
			options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 1 },
			combinator,
			conditions: conditions.map(([leftValue, operation, rightValue]) => ({
				id: randomUUID(),
				leftValue,
				rightValue: rightValue ?? '',
				operator: {
					type: 'string',
					operation,
					...(rightValue === undefined ? { singleValue: true } : {}),
				},
			})),
		},
		options: {},
	};
}

const node = (name, type, parameters, extra = {}) => ({
	id: randomUUID(),
	name,
	type,
	typeVersion: 1,
	position: [0, 0],
	webhookId: randomUUID(),
	parameters,
	...extra,
});

/**
 * Publishes the workflows and returns the scenarios:
 * [{ name, url, make: () => [body, headers], expected: HTTP status, prime?: () => [body, headers] }].
 * `prime` (or else `make`) is sent once before measuring: the duplicate's original, ARRIVE's
 * remembered trip.
 */
/** n8n 2.41's expression engine modes the benchmarks compare: the environment of each. */
export const ENGINE_MODES = {
	default: {},
	lazy: { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
	legacy: { N8N_EXPRESSION_ENGINE: 'legacy' },
};

export async function publishScenarios(n8n, { captainVersion, arriveVersion }) {
	const token = `bench-${randomUUID()}`;
	const credential = await n8n.createCredential('bench', 'captainAiWebhookApi', {
		authToken: token,
	});
	const credentials = { captainAiWebhookApi: { id: credential.id, name: credential.name } };

	const publish = async (name, workflowNode, path) => {
		const created = await n8n.createWorkflow({ name, nodes: [workflowNode], connections: {} });
		await n8n.activateWorkflow(created.id);
		const url = n8n.webhookUrl(workflowNode.webhookId, path);
		await n8n.waitForWebhook(url);
		return url;
	};
	const captain = (parameters) =>
		node('Captain.AI Trigger', CAPTAIN, parameters, { credentials, typeVersion: captainVersion });
	const arrive = (parameters) =>
		node('ARRIVE Trigger', ARRIVE, parameters, { typeVersion: arriveVersion });
	const webhookNode = (path, options) => ({
		...node('Webhook', 'n8n-nodes-base.webhook', { httpMethod: 'POST', path, options }),
		typeVersion: 2,
		webhookId: path,
	});

	const captainUrl = await publish('captain', captain({}), 'events');
	const filteredUrl = await publish(
		'captain filtered',
		captain({ events: ['order_assigned'] }),
		'events',
	);
	const arriveLocalUrl = await publish(
		'arrive local',
		arrive({ additionalAddresses: '127.0.0.1' }),
		'arrive',
	);
	const arriveOnlyUrl = await publish('arrive only', arrive({}), 'arrive');
	const hookPath = randomUUID();
	await publish('webhook', webhookNode(hookPath, {}), '');
	const refusingPath = randomUUID();
	await publish('webhook 403', webhookNode(refusingPath, { ipWhitelist: '10.9.9.9' }), '');

	const order = fixture('captain/order_status_updated.json');
	const known = { ...order, event_uuid: randomUUID() };
	const arriveCall = fixture('arrive/ad-estimates.json');
	const auth = { 'Auth-Token': token };
	const freshArrival = () => ({
		...arriveCall,
		data: {
			...arriveCall.data,
			estimates: [
				{ ...arriveCall.data.estimates[0], tid: randomUUID(), ack: { token: randomUUID() } },
			],
		},
	});
	const freshOrder = () => ({ ...order, event_uuid: randomUUID() });

	return [
		{
			name: "n8n's Webhook node, its 403",
			url: `${n8n.baseUrl}/webhook/${refusingPath}`,
			make: () => [order, {}],
			expected: 403,
		},
		{
			name: "n8n's Webhook node, runs an execution",
			url: `${n8n.baseUrl}/webhook/${hookPath}`,
			make: () => [order, {}],
			expected: 200,
		},
		{
			name: 'Captain.AI 401, no Auth-Token',
			url: captainUrl,
			make: () => [order, {}],
			expected: 401,
		},
		{
			name: 'Captain.AI 401, wrong Auth-Token',
			url: captainUrl,
			make: () => [order, { 'Auth-Token': 'nope' }],
			expected: 401,
		},
		{ name: 'Captain.AI duplicate', url: captainUrl, make: () => [known, auth], expected: 200 },
		{
			name: 'Captain.AI filtered',
			url: filteredUrl,
			make: () => [freshOrder(), auth],
			expected: 200,
		},
		{
			name: 'Captain.AI accepted',
			url: captainUrl,
			make: () => [freshOrder(), auth],
			expected: 200,
		},
		{
			name: 'ARRIVE 403, not from ARRIVE',
			url: arriveOnlyUrl,
			make: () => [arriveCall, {}],
			expected: 403,
		},
		{
			name: 'ARRIVE nothing new',
			url: arriveLocalUrl,
			make: () => [arriveCall, {}],
			expected: 200,
		},
		{
			name: 'ARRIVE accepted',
			url: arriveLocalUrl,
			make: () => [freshArrival(), {}],
			expected: 200,
		},
	];
}
