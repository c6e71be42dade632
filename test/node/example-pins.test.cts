/**
 * Every example workflow (examples/*.json) opens with pinned output on its trigger, so the next
 * nodes can be mapped and the workflow run before any event arrives. The pinned items are what
 * the trigger itself emits, with the example's settings, for the sample of the case the example
 * is about (test/fixtures): this test holds them equal. After a change to what a node emits,
 * `npm run examples:pin` writes them anew (CAPTAIN_ARRIVE_UPDATE_PINS=1 runs this test in
 * writing mode, then prettier formats the files).
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import type { IDataObject, INodeType } from 'n8n-workflow';

import { ArriveTrigger } from '../../nodes/ArriveTrigger/ArriveTrigger.node';
import { CaptainAiTrigger } from '../../nodes/CaptainAiTrigger/CaptainAiTrigger.node';
import { captainTokens } from '../../nodes/CaptainAiTrigger/authentication';
import { forgetProcessMemory } from '../../nodes/common/memory/node-memory';
import { loadFixture } from '../helpers/fixtures.cjs';
import { type FakeRequest, SavedWorkflow } from '../helpers/webhook-harness.cjs';

const REPO = join(__dirname, '..', '..');
const TOKEN = 'a-long-shared-secret-0123456789';
const UPDATE = process.env.CAPTAIN_ARRIVE_UPDATE_PINS === '1';

const exampleFixture = (name: string): IDataObject =>
	JSON.parse(readFileSync(join(REPO, 'test', 'fixtures', 'examples', `${name}.json`), 'utf8'));

/** Each example and the delivery its pinned output comes from: the case the example handles. */
const EXAMPLES: Array<{ file: string; delivery: () => FakeRequest }> = [
	{
		file: 'captain-delivered-to-slack.json',
		delivery: () => ({
			body: exampleFixture('captain-order-completed'),
			headers: { 'Auth-Token': TOKEN },
		}),
	},
	{
		file: 'captain-status-to-pos.json',
		delivery: () => ({
			body: exampleFixture('captain-order-completed'),
			headers: { 'Auth-Token': TOKEN },
		}),
	},
	{
		file: 'arrive-arrived-to-slack.json',
		delivery: () => ({ body: loadFixture('arrive', 'ad-estimates'), ip: '52.37.123.229' }),
	},
];

const NODE_TYPES: Record<string, () => INodeType> = {
	'n8n-nodes-captain-arrive.captainAiTrigger': () => new CaptainAiTrigger(),
	'n8n-nodes-captain-arrive.arriveTrigger': () => new ArriveTrigger(),
};

interface ExampleNode {
	name: string;
	type: string;
	typeVersion: number;
	parameters: IDataObject;
}

beforeEach(() => {
	forgetProcessMemory();
	captainTokens.clear();
});

test.each(EXAMPLES)(
	'$file opens with the trigger output pinned: what the trigger emits for its case',
	async ({ file, delivery }) => {
		const path = join(REPO, 'examples', file);
		const example = JSON.parse(readFileSync(path, 'utf8')) as {
			nodes: ExampleNode[];
			pinData?: Record<string, Array<{ json: IDataObject }>>;
		};
		const trigger = example.nodes.find((node) => NODE_TYPES[node.type])!;
		const workflow = new SavedWorkflow(
			NODE_TYPES[trigger.type](),
			trigger.type,
			trigger.parameters,
			{ captainAiWebhookApi: { authToken: TOKEN } },
		);
		workflow.typeVersion = trigger.typeVersion;
		const answer = await workflow.call(delivery());
		expect(answer.startsExecution).toBe(true);
		const pinned = { [trigger.name]: answer.items.map((json) => ({ json })) };

		if (UPDATE) {
			// pinData is the file's last key: only it is rewritten, the rest keeps its layout.
			const text = readFileSync(path, 'utf8');
			const at = text.lastIndexOf('\t"pinData":');
			expect(at).toBeGreaterThan(0);
			const pins = JSON.stringify(pinned, null, '\t').replace(/\n/g, '\n\t');
			writeFileSync(path, `${text.slice(0, at)}\t"pinData": ${pins}\n}\n`);
			return;
		}
		// Only the trigger is pinned: every later node runs on it.
		expect(example.pinData).toEqual(pinned);
	},
);
