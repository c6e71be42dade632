/**
 * Which webhooks each node version registers, and for which settings: computed the way n8n 2.x
 * does (the native resolvers, no expression engine) and the way the editor and n8n 1.x do (the
 * same functions' templates, evaluated as expressions), which must agree. Saved workflows of
 * earlier versions must get exactly the webhooks they had.
 */
import {
	type INode,
	type INodeParameters,
	type INodeType,
	type INodeTypes,
	type IWebhookDescription,
	NodeHelpers,
	Workflow,
	nodeParametersAreStatic,
	resolveWebhookDescriptionField,
	webhookDescriptionIsNativelyResolvable,
} from 'n8n-workflow';

import { ArriveTrigger } from '../../nodes/ArriveTrigger/ArriveTrigger.node';
import { CaptainAiTrigger } from '../../nodes/CaptainAiTrigger/CaptainAiTrigger.node';
import { CAPTAIN_EVENTS } from '../../nodes/CaptainAiTrigger/catalogue';
import {
	captainAiTriggerProperties,
	captainWebhookPath,
	takesItemStatus,
	takesMainUrlEvents,
} from '../../nodes/CaptainAiTrigger/description';
import { callTemplate } from '../../nodes/common/computed-webhook-fields';

/** The node as n8n's Workflow holds it: parameters with their version's defaults applied. */
function workflowNode(
	nodeType: INodeType,
	typeVersion: number,
	parameters: INode['parameters'],
): { workflow: Workflow; node: INode } {
	const nodeTypes = {
		getByName: () => nodeType,
		getByNameAndVersion: () => nodeType,
		getKnownTypes: () => ({}),
	} as unknown as INodeTypes;
	const workflow = new Workflow({
		id: 'wf',
		nodes: [
			{
				id: 'n',
				name: 'Trigger',
				type: 'test.trigger',
				typeVersion,
				position: [0, 0],
				parameters,
			},
		],
		connections: {},
		active: true,
		nodeTypes,
	});
	return { workflow, node: workflow.getNode('Trigger') as INode };
}

type Resolution = 'native' | 'expression';

/** A field as n8n 2.x resolves it (native) or as the editor and n8n 1.x do (its template). */
function field(
	{ workflow, node }: ReturnType<typeof workflowNode>,
	webhook: IWebhookDescription,
	name: string,
	how: Resolution,
): unknown {
	if (how === 'native') {
		const native = resolveWebhookDescriptionField(node, webhook, name);
		if (native.resolved) return native.value;
		// A literal field (no template) is what it says.
		expect(String(webhook[name]).startsWith('=')).toBe(false);
		return webhook[name];
	}
	return workflow.expression.getSimpleParameterValue(node, webhook[name], 'internal', {});
}

/**
 * What n8n registers ("METHOD path", as getNodeWebhooks: an empty method is skipped) and what the
 * editor lists under Webhook URLs (every webhook whose ndvHideUrl is false).
 */
function webhooksOf(
	nodeType: INodeType,
	typeVersion: number,
	parameters: INodeParameters,
	how: Resolution,
) {
	const held = workflowNode(nodeType, typeVersion, parameters);
	const registered: string[] = [];
	const listed: string[] = [];
	for (const webhook of nodeType.description.webhooks ?? []) {
		const method = String(field(held, webhook, 'httpMethod', how));
		const path = String(field(held, webhook, 'path', how));
		if (method !== '') registered.push(`${method} ${path}`);
		if (field(held, webhook, 'ndvHideUrl', how) !== true) listed.push(`${method} ${path}`);
	}
	return { registered, listed };
}

const captain = new CaptainAiTrigger();
const arrive = new ArriveTrigger();

describe.each<Resolution>(['native', 'expression'])(
	'webhooks registered (%s resolution)',
	(how) => {
		test.each<[number, INodeParameters, string[]]>([
			// Versions 1-2: one URL, chosen by Receives, exactly as before version 3 existed.
			[1, {}, ['POST events']],
			[1, { receives: 'events', events: ['*'] }, ['POST events']],
			[1, { receives: 'itemStatus' }, ['POST item-status']],
			[2, {}, ['POST events']],
			[2, { events: ['order_assigned'] }, ['POST events']],
			[2, { receives: 'itemStatus', events: ['order_assigned'] }, ['POST item-status']],
			// Version 3: the Events list decides; the sample always.
			[3, {}, ['POST events', 'POST item-status', 'GET sample']],
			[3, { events: ['order_status_updated'] }, ['POST events', 'GET sample']],
			[3, { events: ['unlisted'] }, ['POST events', 'GET sample']],
			[3, { events: ['item_status_updated'] }, ['POST item-status', 'GET sample']],
			[
				3,
				{ events: ['agent_eta_updated', 'item_status_updated'] },
				['POST events', 'POST item-status', 'GET sample'],
			],
			// `*` (how version 1 saved "every event"), should a version-1 list be pasted into a 3.
			[3, { events: ['*'] }, ['POST events', 'POST item-status', 'GET sample']],
			// Receives is not a version-3 setting: n8n drops it, so it changes nothing.
			[3, { receives: 'itemStatus' }, ['POST events', 'POST item-status', 'GET sample']],
		])('Captain.AI Trigger %i with %j: %j', (version, parameters, expected) => {
			const { registered, listed } = webhooksOf(captain, version, parameters, how);
			expect(registered).toEqual(expected);
			expect(listed).toEqual(expected);
		});

		test.each<[number, string[]]>([
			[1, ['POST arrive']],
			[2, ['POST arrive']],
			[3, ['POST arrive']],
			[4, ['POST arrive', 'GET sample']],
		])('ARRIVE Trigger %i: %j', (version, expected) => {
			const { registered, listed } = webhooksOf(arrive, version, {}, how);
			expect(registered).toEqual(expected);
			expect(listed).toEqual(expected);
		});
	},
);

describe('Captain.AI URLs follow the catalogue', () => {
	const choices = [...CAPTAIN_EVENTS.map((kind) => kind.name), 'unlisted'];
	const endpointOf = (name: string) =>
		CAPTAIN_EVENTS.find((kind) => kind.name === name)?.endpoint ?? 'events';
	/** Every subset of the Events options (2^11). */
	const subsets = Array.from({ length: 2 ** choices.length }, (_, bits) =>
		choices.filter((_, index) => bits & (1 << index)),
	);
	const noticeShown = (name: string, events: string[]) => {
		const notice = captainAiTriggerProperties.find((property) => property.name === name)!;
		return NodeHelpers.displayParameter({ events }, notice, { typeVersion: 3 }, null);
	};

	test("each URL exists exactly when Events is empty or holds one of that URL's events", () => {
		for (const events of subsets) {
			const parameters = { events };
			const every = events.length === 0;
			expect({ events, main: takesMainUrlEvents(parameters) }).toEqual({
				events,
				main: every || events.some((name) => endpointOf(name) === 'events'),
			});
			expect({ events, itemStatus: takesItemStatus(parameters) }).toEqual({
				events,
				itemStatus: every || events.some((name) => endpointOf(name) === 'itemStatus'),
			});
		}
	});

	test('version 3 shows one set of setup steps, pointing at the URLs listed, whatever Events holds', () => {
		for (const events of [
			[],
			['item_status_updated'],
			['order_assigned'],
			['order_assigned', 'item_status_updated'],
		])
			expect({ events, shown: noticeShown('version3SetupNotice', events) }).toEqual({
				events,
				shown: true,
			});
	});

	test('versions 1-2 show their own setup steps only', () => {
		const notice = captainAiTriggerProperties.find(
			(property) => property.name === 'version3SetupNotice',
		)!;
		for (const typeVersion of [1, 2])
			expect(
				NodeHelpers.displayParameter(
					{ receives: 'events', events: [] },
					notice,
					{ typeVersion },
					null,
				),
			).toBe(false);
	});

	test('no display condition of either node is a regular expression (n8n checks them on every request and run, in a sandbox with a time limit)', () => {
		const conditions = JSON.stringify([
			new CaptainAiTrigger().description.properties,
			new ArriveTrigger().description.properties,
		]);
		expect(conditions).not.toContain('"regex"');
	});
});

describe('Captain.AI subtitle on the canvas', () => {
	test.each<[number, INodeParameters, string]>([
		[1, {}, 'Orders, deliveries and drivers'],
		[2, { receives: 'itemStatus' }, 'Item status changes'],
		[2, { events: ['order_assigned'] }, 'Orders, deliveries and drivers'],
		[3, {}, 'Every event'],
		[3, { events: ['item_status_updated'] }, 'Item status changed'],
		[3, { events: ['agent_eta_updated'] }, 'Driver ETA updated'],
		[3, { events: ['unlisted'] }, 'Events Captain.AI adds later'],
		[
			3,
			{ events: ['order_status_updated', 'order_assigned', 'unlisted'] },
			'Order status changed + 2 more',
		],
	])('version %i with %j: "%s"', (version, parameters, expected) => {
		const { workflow, node } = workflowNode(captain, version, parameters);
		expect(
			workflow.expression.getSimpleParameterValue(
				node,
				captain.description.subtitle as string,
				'internal',
				{},
			),
		).toBe(expected);
	});
});

describe('computed fields', () => {
	test('the main path carries the template generated from its function, as before version 3', () => {
		expect(captain.description.webhooks![0].path).toBe(callTemplate(captainWebhookPath));
	});

	test('with an expression in any parameter, n8n falls back to evaluating the templates', () => {
		const held = workflowNode(captain, 3, {
			events: ['item_status_updated'],
			environment: '={{"any"}}',
		});
		expect(nodeParametersAreStatic(held.node)).toBe(false);
		const [main, itemStatus] = captain.description.webhooks!;
		expect(resolveWebhookDescriptionField(held.node, main, 'httpMethod')).toEqual({
			resolved: false,
		});
		expect(field(held, main, 'httpMethod', 'expression')).toBe('');
		expect(field(held, itemStatus, 'httpMethod', 'expression')).toBe('POST');
	});

	test('on an n8n-workflow without webhookDescriptionFields (n8n 1.x) the same templates are used alone', () => {
		jest.isolateModules(() => {
			jest.doMock('n8n-workflow', () => ({
				...jest.requireActual('n8n-workflow'),
				webhookDescriptionFields: undefined,
			}));
			const { computedWebhookFields } =
				require('../../nodes/common/computed-webhook-fields') as typeof import('../../nodes/common/computed-webhook-fields');
			const fields = computedWebhookFields({
				path: captainWebhookPath,
				activeWhen: { method: 'POST', isActive: takesItemStatus },
			});
			expect(fields).toEqual({
				path: callTemplate(captainWebhookPath),
				httpMethod: `={{(${String(takesItemStatus)})($parameter) ? "POST" : ""}}`,
				ndvHideUrl: `={{!(${String(takesItemStatus)})($parameter)}}`,
			});
			expect(Object.getOwnPropertySymbols(fields)).toEqual([]);
		});
		jest.dontMock('n8n-workflow');
	});
});

describe.each([
	['Captain.AI Trigger', captain],
	['ARRIVE Trigger', arrive],
])('%s webhook description', (_name, nodeType) => {
	test('needs no expression engine when the parameters are static (n8n 2.x webhookDescriptionIsNativelyResolvable)', () => {
		for (const webhook of nodeType.description.webhooks ?? [])
			expect(webhookDescriptionIsNativelyResolvable(webhook)).toBe(true);
	});

	test('new nodes are not version 1: n8n evaluates an expression per request for version-1 webhook nodes', () => {
		const versions = nodeType.description.version as number[];
		expect(versions).toContain(1); // saved workflows keep working
		expect(nodeType.description.defaultVersion).toBe(Math.max(...versions));
		expect(nodeType.description.defaultVersion).toBeGreaterThanOrEqual(2);
	});
});

describe.each([
	['Captain.AI Trigger', new CaptainAiTrigger()],
	['ARRIVE Trigger', new ArriveTrigger()],
])('%s: when the provider is answered', (_name, nodeType) => {
	test.each([
		[{}, 'responseNode'],
		[{ options: { answerWhen: 'runStarts' } }, 'responseNode'],
		[{ options: { answerWhen: 'runFinishes' } }, 'lastNode'],
	])(
		'parameters %j: the response mode is %s, the same through the expression and the function',
		(parameters, expected) => {
			const version = nodeType.description.defaultVersion as number;
			const { workflow, node } = workflowNode(nodeType, version, parameters);
			const webhook = nodeType.description.webhooks![0];
			expect(
				workflow.expression.getSimpleParameterValue(node, webhook.responseMode, 'internal', {}),
			).toBe(expected);
			expect(resolveWebhookDescriptionField(node, webhook, 'responseMode')).toEqual({
				resolved: true,
				value: expected,
			});
			// The provider reads the status only: a finished run never sends it the workflow's data.
			expect(webhook.responseData).toBe('noData');
		},
	);
});
