/**
 * Webhook description fields computed from the node's parameters (the path, the response
 * mode), without costing an expression evaluation per request where n8n allows it.
 *
 * A field written as an expression (`={{…}}`) is evaluated by n8n on every production request
 * (the path while it looks the webhook up, `WebhookService.getNodeWebhooks`; the response
 * options before it calls the node), which under n8n 2.x's default expression engine means a
 * V8 isolate. n8n-workflow 2.x (checked in n8n 2.41.1) exports `webhookDescriptionFields` +
 * `fromFunction`: the description then carries the same template for the editor plus the
 * function itself, and n8n calls the function instead of the engine whenever the node's
 * parameters contain no expression. n8n 1.x (checked in 1.123.81) has neither export, so there
 * the template alone is used and evaluated as before.
 */
import { fromFunction, webhookDescriptionFields, type INodeParameters } from 'n8n-workflow';

export type ComputeField = (parameters: INodeParameters) => string;

/**
 * The template n8n-workflow's `fromFunction` generates for `compute`, so that the editor and a
 * 1.x backend run the same code as the native resolver.
 */
export function fieldTemplate(compute: ComputeField): string {
	return `={{(${String(compute)})($parameter)}}`;
}

/**
 * Spread into a webhook description, all computed fields in one call (n8n keeps their
 * functions under one key). Each function must be self-contained (no imports, no outer
 * constants): its source text becomes the expression the editor evaluates.
 */
export function computedWebhookFields<K extends string>(
	fields: Record<K, ComputeField>,
): Record<K, string> {
	const entries = Object.entries(fields) as Array<[K, ComputeField]>;
	// Named imports compile to property reads on n8n-workflow's exports, so on 1.x these are
	// undefined rather than a load error.
	if (typeof webhookDescriptionFields === 'function' && typeof fromFunction === 'function') {
		return webhookDescriptionFields(
			Object.fromEntries(entries.map(([name, compute]) => [name, fromFunction(compute)])) as Record<
				K,
				ReturnType<typeof fromFunction>
			>,
		);
	}
	return Object.fromEntries(
		entries.map(([name, compute]) => [name, fieldTemplate(compute)]),
	) as Record<K, string>;
}
