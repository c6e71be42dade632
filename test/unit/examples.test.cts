/**
 * The example workflows (examples/*.json) stay importable as the nodes change: they use only
 * parameter names and option values the trigger nodes still have, carry no credential and no
 * webhook id (the user chooses credentials; the editor assigns webhook ids on import), and
 * their connections name nodes that exist. That they run is proven by the e2e suite
 * (test/e2e/examples.e2e.test.cts).
 */
import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { NodeHelpers, type INodeParameters, type INodeProperties } from 'n8n-workflow';

import { ArriveTrigger } from '../../nodes/ArriveTrigger/ArriveTrigger.node';
import { arriveTriggerProperties } from '../../nodes/ArriveTrigger/description';
import { CaptainAiTrigger } from '../../nodes/CaptainAiTrigger/CaptainAiTrigger.node';
import { captainAiTriggerProperties } from '../../nodes/CaptainAiTrigger/description';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const PROPERTIES: Record<string, INodeProperties[]> = {
	'n8n-nodes-captain-arrive.captainAiTrigger': captainAiTriggerProperties,
	'n8n-nodes-captain-arrive.arriveTrigger': arriveTriggerProperties,
};
/** What a node added in the editor today gets: the examples should read the same. */
const DEFAULT_VERSION: Record<string, number | undefined> = {
	'n8n-nodes-captain-arrive.captainAiTrigger': new CaptainAiTrigger().description.defaultVersion,
	'n8n-nodes-captain-arrive.arriveTrigger': new ArriveTrigger().description.defaultVersion,
};

interface ExampleNode {
	name: string;
	type: string;
	typeVersion: number;
	parameters: Record<string, unknown>;
	credentials?: unknown;
	webhookId?: unknown;
}
interface Example {
	name: string;
	nodes: ExampleNode[];
	connections: Record<string, { main: Array<Array<{ node: string }>> }>;
}

const files = readdirSync(EXAMPLES).filter((file) => file.endsWith('.json'));
const load = (file: string): Example =>
	JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Example;

/** Problems with one parameter value against the node's properties ([] when fine). */
function checkParameter(
	properties: INodeProperties[],
	name: string,
	value: unknown,
	parameters: Record<string, unknown>,
	typeVersion: number,
): string[] {
	const candidates = properties.filter((property) => property.name === name);
	if (candidates.length === 0) return [`unknown parameter ${name}`];
	// Some names exist once per display condition (e.g. ARRIVE's Statuses per Trigger On and
	// version): n8n's own rule decides which one the editor shows.
	const shown = candidates.filter((property) =>
		NodeHelpers.displayParameter(parameters as INodeParameters, property, { typeVersion }, null),
	);
	if (shown.length === 0) return [`parameter ${name} is not shown with these settings`];
	const property = shown[0];
	if (property.type === 'collection') {
		return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
			checkParameter(property.options as INodeProperties[], key, inner, parameters, typeVersion),
		);
	}
	if (property.type === 'options' || property.type === 'multiOptions') {
		const allowed = (property.options as Array<{ value: unknown }>).map((option) => option.value);
		const values = property.type === 'multiOptions' ? (value as unknown[]) : [value];
		return values
			.filter((one) => !allowed.includes(one))
			.map((one) => `${name}: ${JSON.stringify(one)} is not an option`);
	}
	return [];
}

describe.each(files)('examples/%s', (file) => {
	const example = load(file);

	test('has a name, uniquely named nodes and connections between existing nodes', () => {
		expect(example.name).toEqual(expect.any(String));
		const names = example.nodes.map((node) => node.name);
		expect(new Set(names).size).toBe(names.length);
		for (const [from, outputs] of Object.entries(example.connections)) {
			expect(names).toContain(from);
			for (const target of outputs.main.flat()) expect(names).toContain(target.node);
		}
	});

	test('carries no credential and no webhook id', () => {
		expect(example.nodes.filter((node) => node.credentials !== undefined)).toEqual([]);
		expect(example.nodes.filter((node) => node.webhookId !== undefined)).toEqual([]);
	});

	test('sticky notes write "Captain\\.AI": n8n\'s markdown would turn a bare Captain.AI into a link', () => {
		const notes = example.nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote');
		for (const note of notes)
			expect(String(note.parameters.content)).not.toMatch(/(?<!\\)Captain\.AI/);
	});

	test("is at the trigger's default version and uses only its current parameter names and option values", () => {
		const triggers = example.nodes.filter((node) => PROPERTIES[node.type]);
		expect(triggers).toHaveLength(1);
		for (const node of triggers) {
			expect(node.typeVersion).toBe(DEFAULT_VERSION[node.type]);
			const problems = Object.entries(node.parameters).flatMap(([name, value]) =>
				checkParameter(PROPERTIES[node.type], name, value, node.parameters, node.typeVersion),
			);
			expect(problems).toEqual([]);
		}
	});
});

test('the three examples the README describes are there', () => {
	expect(files.sort()).toEqual([
		'arrive-arrived-to-slack.json',
		'captain-delivered-to-slack.json',
		'captain-status-to-pos.json',
	]);
});
