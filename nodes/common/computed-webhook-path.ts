/**
 * A webhook path computed from the node's parameters, without costing an expression evaluation
 * per request where n8n allows it.
 *
 * A path written as an expression (`={{…}}`) is evaluated by n8n on every production request
 * while it looks the webhook up (`WebhookService.getNodeWebhooks`), which under n8n 2.x's
 * default expression engine means a V8 isolate. n8n-workflow 2.x (checked in n8n 2.41.1)
 * exports `webhookDescriptionFields` + `fromFunction`: the description then carries the same
 * template for the editor plus the function itself, and n8n calls the function instead of the
 * engine whenever the node's parameters contain no expression. n8n 1.x (checked in 1.123.81)
 * has neither export, so there the template alone is used and evaluated as before.
 */
import {
	fromFunction,
	webhookDescriptionFields,
	type INodeParameters,
	type IWebhookDescription,
} from 'n8n-workflow';

/**
 * The template n8n-workflow's `fromFunction` generates for `compute`, so that the editor and a
 * 1.x backend run the same code as the native resolver.
 */
export function pathTemplate(compute: (parameters: INodeParameters) => string): string {
	return `={{(${String(compute)})($parameter)}}`;
}

/**
 * Spread into a webhook description. `compute` must be self-contained (no imports, no outer
 * constants): its source text becomes the expression the editor evaluates.
 */
export function computedWebhookPath(
	compute: (parameters: INodeParameters) => string,
): Pick<IWebhookDescription, 'path'> {
	// Named imports compile to property reads on n8n-workflow's exports, so on 1.x these are
	// undefined rather than a load error.
	if (typeof webhookDescriptionFields === 'function' && typeof fromFunction === 'function') {
		return webhookDescriptionFields({ path: fromFunction(compute) });
	}
	return { path: pathTemplate(compute) };
}
