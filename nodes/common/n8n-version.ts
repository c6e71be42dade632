/**
 * The oldest n8n these nodes run on, and a check that names it on an older n8n.
 *
 * The nodes import `zod/v4`. A community package gets the zod n8n ships, which has `zod/v4`
 * only from n8n 1.100.1 on (zod 3.25.67; n8n 1.76 to 1.99 ship zod 3.24.1). On an older n8n
 * that import fails while n8n loads the package, and all the user reads is Node's "Package
 * subpath './v4' is not defined by "exports"". Each node file imports this module before
 * anything else, so there the load fails with the message below instead: n8n writes it to its
 * log at start-up, and its Install dialog (Settings → Community nodes) shows it as the cause.
 *
 * The older n8n is told apart without loading zod, by what its n8n-workflow lacks: n8n 1.100.1
 * ships n8n-workflow 1.97.0, which added `EventMessageTypeNames.queue` and
 * `TelemetryHelpers.extractLastExecutedNodeStructuredOutputErrorInfo`; n8n-workflow 1.0.0 to
 * 1.96.0 have both objects without them. Only both missing from objects that are there counts,
 * so an n8n that drops or moves either export later is let through, never refused.
 */
import * as n8nWorkflow from 'n8n-workflow';

export const MINIMUM_N8N_VERSION = '1.100.1';

export const TOO_OLD_MESSAGE = `n8n-nodes-captain-arrive needs n8n ${MINIMUM_N8N_VERSION} or newer: this n8n is older, so its nodes are not loaded. Update n8n to use them.`;

/** The two n8n-workflow exports the check reads, as found (undefined when absent). */
export interface WorkflowExports {
	EventMessageTypeNames?: unknown;
	TelemetryHelpers?: unknown;
}

const lacks = (holder: unknown, key: string): boolean =>
	typeof holder === 'object' && holder !== null && !(key in holder);

/** Whether these n8n-workflow exports are those of an n8n older than MINIMUM_N8N_VERSION. */
export function predatesMinimum(workflow: WorkflowExports): boolean {
	return (
		lacks(workflow.EventMessageTypeNames, 'queue') &&
		lacks(workflow.TelemetryHelpers, 'extractLastExecutedNodeStructuredOutputErrorInfo')
	);
}

// Read from the module object, not as named imports: n8n-workflow types EventMessageTypeNames
// as a const enum, which TypeScript would inline instead of reading it at run time.
if (predatesMinimum(n8nWorkflow)) {
	throw new Error(TOO_OLD_MESSAGE);
}
