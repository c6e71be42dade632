/**
 * Editor parameters both trigger nodes have, written once: the bounds of the node's memory, an
 * address-list field, and a warning notice. Defaults come from each provider's catalogue.
 */
import type { INodeProperties } from 'n8n-workflow';

/** "Remember at Most (…)" and "Remember … For (Hours)", inside the node's Options. */
export function memoryBoundsOptions(memory: {
	/** What is remembered, plural, as the user names it: "Events", "Trips". */
	things: string;
	maxName: string;
	maxDefault: number;
	maxDescription: string;
	hoursDisplayName: string;
	hoursDefault: number;
	hoursDescription: string;
}): INodeProperties[] {
	return [
		// n8n's lint reads only literal defaults; these are the catalogues' constants, and a test
		// per node checks that the editor shows them.
		// eslint-disable-next-line n8n-nodes-base/node-param-default-missing
		{
			displayName: `Remember at Most (${memory.things})`,
			name: memory.maxName,
			type: 'number',
			typeOptions: { minValue: 10 },
			default: memory.maxDefault,
			description: memory.maxDescription,
		},
		// eslint-disable-next-line n8n-nodes-base/node-param-default-missing
		{
			displayName: memory.hoursDisplayName,
			name: 'rememberHours',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: memory.hoursDefault,
			description: memory.hoursDescription,
		},
	];
}

/** A comma-separated list of IPv4/IPv6 addresses or CIDR ranges, judged as n8n resolves clients. */
export function addressListField(field: {
	displayName: string;
	name: string;
	placeholder: string;
	description: string;
}): INodeProperties {
	return {
		displayName: field.displayName,
		name: field.name,
		type: 'string',
		default: '',
		placeholder: field.placeholder,
		description: `${field.description} Judged on the client address n8n resolves: behind a reverse proxy, set N8N_PROXY_HOPS`,
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
