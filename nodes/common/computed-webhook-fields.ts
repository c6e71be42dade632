/**
 * Webhook description fields computed from the node's parameters (the path, the response mode;
 * whether the webhook is registered and listed in the editor at all), without costing an
 * expression evaluation per request where n8n allows it.
 *
 * A field written as an expression (`={{…}}`) is evaluated by n8n on every production request
 * (the path and method while it looks the webhook up, `WebhookService.getNodeWebhooks`; the
 * response options before it calls the node), which under n8n 2.x's default expression engine
 * means a V8 isolate. n8n-workflow 2.x (checked in n8n 2.41.1)
 * exports `webhookDescriptionFields`: the description then carries the template for the editor
 * plus a native resolver, and n8n calls the resolver instead of the engine whenever the node's
 * parameters contain no expression. n8n 1.x (checked in 1.123.81) has no such export, so there
 * the template alone is used and evaluated as before. Template and resolver are made from one
 * function here, so the editor, n8n 1.x and n8n 2.x run the same code.
 */
import {
	webhookDescriptionFields,
	type INodeParameters,
	type IWebhookDescription,
	type NativeParameterResolvers,
} from 'n8n-workflow';

/**
 * A function of the node's parameters (with their defaults, as n8n's Workflow holds them). It
 * must be self-contained (no imports, no outer constants) and in plain syntax (no `?.` or `??`):
 * its source text becomes the expression the editor and n8n 1.x evaluate.
 */
export type ParameterFunction<T> = (parameters: INodeParameters) => T;

/** The expression that calls `compute` with the node's parameters (as n8n-workflow's `fromFunction`). */
export function callTemplate(compute: ParameterFunction<unknown>): string {
	return `={{(${String(compute)})($parameter)}}`;
}

export interface ComputedWebhook {
	path?: ParameterFunction<string>;
	responseMode?: ParameterFunction<string>;
	/**
	 * The webhook exists only while this holds: otherwise its method is empty, which n8n skips
	 * without a word (1.100.1, 1.123.81, 2.41.1: `getNodeWebhooks` ignores an empty method,
	 * while an undefined one logs an error), and the editor does not list its URL.
	 */
	activeWhen?: { method: string; isActive: ParameterFunction<boolean> };
}

export type ComputedFields = Partial<
	Pick<IWebhookDescription, 'path' | 'httpMethod' | 'ndvHideUrl' | 'responseMode'>
>;

/** Spread into a webhook description (one call per webhook: n8n keeps its resolvers under one key). */
export function computedWebhookFields({
	path,
	responseMode,
	activeWhen,
}: ComputedWebhook): ComputedFields {
	const fields: NativeParameterResolvers = {};
	if (path) fields.path = { template: callTemplate(path), resolve: path };
	if (responseMode)
		fields.responseMode = { template: callTemplate(responseMode), resolve: responseMode };
	if (activeWhen) {
		const { method, isActive } = activeWhen;
		fields.httpMethod = {
			template: `={{(${String(isActive)})($parameter) ? ${JSON.stringify(method)} : ""}}`,
			resolve: (parameters) => (isActive(parameters) ? method : ''),
		};
		fields.ndvHideUrl = {
			template: `={{!(${String(isActive)})($parameter)}}`,
			resolve: (parameters) => !isActive(parameters),
		};
	}
	// A named import compiles to a property read on n8n-workflow's exports: undefined on 1.x
	// rather than a load error.
	if (typeof webhookDescriptionFields === 'function')
		return webhookDescriptionFields(fields) as ComputedFields;
	return Object.fromEntries(
		Object.entries(fields).map(([field, { template }]) => [field, template]),
	) as ComputedFields;
}
