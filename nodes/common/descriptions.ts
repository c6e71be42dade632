/**
 * What both trigger nodes show n8n, written once: that they are triggers, and the editor
 * parameters they share (memory bounds, setup steps, warnings, the sample notice, the Invalid
 * Deliveries switch, Options). Defaults come from each provider's catalogue.
 */
import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

/** How many things and how long the node remembers, inside its Options. */
export function memoryBoundsOptions({
	maxDisplayName,
	maxName,
	maxDefault,
	maxDescription,
	hoursDisplayName,
	hoursDefault,
	hoursDescription,
}: {
	maxDisplayName: string;
	maxName: string;
	maxDefault: number;
	maxDescription: string;
	hoursDisplayName: string;
	hoursDefault: number;
	hoursDescription: string;
}): INodeProperties[] {
	// The defaults are the catalogues' constants; a test per node checks that the editor shows them.
	return [
		{
			displayName: maxDisplayName,
			name: maxName,
			type: 'number',
			typeOptions: { minValue: 10 },
			default: maxDefault,
			description: maxDescription,
		},
		{
			displayName: hoursDisplayName,
			name: 'rememberHours',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: hoursDefault,
			description: hoursDescription,
		},
	];
}

/**
 * A node's setup as short steps, for a notice (a bulleted list, in order; a number before
 * each would stand beside n8n's bullet). n8n renders a notice's text as HTML
 * but keeps only <a>, <ul> and <li> (seen in 2.41.1's editor).
 */
export function setupSteps(...steps: string[]): string {
	return `<ul>${steps.map((step) => `<li>${step}</li>`).join('')}</ul>`;
}

/**
 * How to load a sample event (see sample.ts), in the node versions from `fromVersion` on. Its
 * presence among the node's parameters is what registers the sample webhook (webhook-io.ts
 * sampleWebhook), so it is shown by version alone, never by another setting.
 */
export function sampleNotice(text: string, fromVersion: number): INodeProperties {
	return {
		displayName: text,
		name: 'sampleNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { '@version': [{ _cnd: { gte: fromVersion } }] } },
	};
}

/** An orange notice shown only while a setting is in a risky state. */
export function warningNotice(
	name: string,
	text: string,
	show: Record<string, string[]>,
): INodeProperties {
	return { displayName: text, name, type: 'notice', default: '', displayOptions: { show } };
}

/** When the provider gets its 2xx, inside the node's Options (see webhook-io.ts). */
export const answerWhenOption: INodeProperties = {
	displayName: 'Answer the Provider',
	name: 'answerWhen',
	type: 'options',
	options: [
		{
			name: 'When the Run Starts',
			value: 'runStarts',
			description:
				'Fast: within a second or so. If n8n crashes during the run, the provider does not send the event again.',
		},
		{
			name: 'When the Run Has Finished',
			value: 'runFinishes',
			description:
				'Only a run that succeeded gets the 2xx; a failed or cut-short run is sent again by the provider. The provider waits for the whole run, so keep runs short (ARRIVE allows 2 seconds).',
		},
	],
	default: 'runStarts',
};

/** What to do with an event that may have run before n8n restarted (see node-memory.ts). */
export const repeatsOption: INodeProperties = {
	displayName: 'Possible Repeats After a Restart',
	name: 'repeatsAfterRestart',
	type: 'options',
	options: [
		{
			name: 'Run Them, Marked',
			value: 'runMarked',
			description:
				'Never lose an event: one whose run may have happened before n8n restarted runs again, its items marked possibleRepeat: true',
		},
		{
			name: 'Skip Them',
			value: 'skip',
			description:
				'Never run an event twice: one whose run may have happened before n8n restarted starts nothing, so if that run was cut short, the event is lost',
		},
	],
	default: 'runMarked',
};

/** The switch for the second output (see invalid-deliveries.ts), inside the node's Options. */
export const invalidDeliveriesOption: INodeProperties = {
	displayName: 'Invalid Deliveries Output',
	name: 'invalidDeliveries',
	type: 'boolean',
	default: false,
	description:
		'Whether to add a second output that starts a run, once per distinct body, for a delivery that passed the address and token checks but not validation, with the reason and the body. The sender still gets 400.',
};

/**
 * What both nodes are to n8n: triggers (no inputs) with the outputs below; `mainOutput` labels
 * the first output once there are two. (The icon stays a literal in each node file: n8n's lint
 * reads it there.)
 */
export function triggerNode(mainOutput: string) {
	return {
		group: ['trigger'],
		inputs: [],
		outputs: triggerOutputs(mainOutput),
	} satisfies Pick<INodeTypeDescription, 'group' | 'inputs' | 'outputs'>;
}

/**
 * The node's outputs: one, or two when Invalid Deliveries Output is on. An expression: the
 * editor evaluates it to draw the node; a run reads it only on paths that need a node's
 * outputs (error outputs, parent lookups), none of them a webhook request's.
 */
function triggerOutputs(mainName: string): `={{${string}}}` {
	return `={{($parameter.options || {}).invalidDeliveries ? [{ "type": "main", "displayName": "${mainName}" }, { "type": "main", "displayName": "Invalid Deliveries" }] : ["main"]}}`;
}

/** The node's "Options" collection (settings most users never change). */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options,
	};
}
