import {
	type INode,
	type INodeType,
	type INodeTypes,
	type IWebhookDescription,
	Workflow,
	nodeParametersAreStatic,
	resolveWebhookDescriptionField,
	webhookDescriptionIsNativelyResolvable,
} from 'n8n-workflow';

import { ArriveTrigger } from '../../nodes/ArriveTrigger/ArriveTrigger.node';
import { CaptainAiTrigger } from '../../nodes/CaptainAiTrigger/CaptainAiTrigger.node';
import { captainWebhookPath } from '../../nodes/CaptainAiTrigger/description';
import { fieldTemplate } from '../../nodes/common/computed-webhook-fields';

/** The node as n8n's Workflow holds it: parameters with their defaults applied. */
function workflowNode(
	nodeType: INodeType,
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
				typeVersion: 2,
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

const captainWebhook = (): IWebhookDescription => new CaptainAiTrigger().description.webhooks![0];

describe('Captain.AI webhook path', () => {
	test.each([
		[{}, 'events'],
		[{ receives: 'events' }, 'events'],
		[{ receives: 'itemStatus' }, 'item-status'],
	])(
		'parameters %j: the expression the editor evaluates and the native function agree on /%s',
		(parameters, expected) => {
			const { workflow, node } = workflowNode(new CaptainAiTrigger(), parameters);
			const webhook = captainWebhook();
			expect(workflow.expression.getSimpleParameterValue(node, webhook.path, 'internal', {})).toBe(
				expected,
			);
			expect(captainWebhookPath(node.parameters)).toBe(expected);
			expect(resolveWebhookDescriptionField(node, webhook, 'path')).toEqual({
				resolved: true,
				value: expected,
			});
		},
	);

	test('the description carries the template generated from the function', () => {
		expect(captainWebhook().path).toBe(fieldTemplate(captainWebhookPath));
	});

	test('with an expression in any parameter, n8n falls back to evaluating the template', () => {
		const { workflow, node } = workflowNode(new CaptainAiTrigger(), {
			receives: 'itemStatus',
			environment: '={{"any"}}',
		});
		expect(nodeParametersAreStatic(node)).toBe(false);
		expect(resolveWebhookDescriptionField(node, captainWebhook(), 'path')).toEqual({
			resolved: false,
		});
		expect(
			workflow.expression.getSimpleParameterValue(node, captainWebhook().path, 'internal', {}),
		).toBe('item-status');
	});

	test('on an n8n-workflow without webhookDescriptionFields (n8n 1.x) the same template is used alone', () => {
		jest.isolateModules(() => {
			jest.doMock('n8n-workflow', () => ({
				...jest.requireActual('n8n-workflow'),
				webhookDescriptionFields: undefined,
				fromFunction: undefined,
			}));
			const { computedWebhookFields } =
				require('../../nodes/common/computed-webhook-fields') as typeof import('../../nodes/common/computed-webhook-fields');
			const fields = computedWebhookFields({ path: captainWebhookPath });
			expect(fields).toEqual({ path: fieldTemplate(captainWebhookPath) });
			expect(Object.getOwnPropertySymbols(fields)).toEqual([]);
		});
		jest.dontMock('n8n-workflow');
	});
});

describe.each([
	['Captain.AI Trigger', new CaptainAiTrigger()],
	['ARRIVE Trigger', new ArriveTrigger()],
])('%s webhook description', (_name, nodeType) => {
	test.each([
		[{}, 'responseNode'],
		[{ options: { answerWhen: 'runStarts' } }, 'responseNode'],
		[{ options: { answerWhen: 'runFinishes' } }, 'lastNode'],
	])(
		'parameters %j: the response mode is %s, the same through the expression and the function',
		(parameters, expected) => {
			const { workflow, node } = workflowNode(nodeType, parameters);
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
