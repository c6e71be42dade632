/**
 * The Captain.AI event catalogue: one line per event. The node's event options, the
 * endpoint notice, the entity an event is about (dedupe/ordering keys, `entityId`, `status`)
 * are all derived from it. Source: Captain.AI webhook docs (see README).
 */

/** Captain sends `item_status_updated` to a dedicated URL and everything else to the main one. */
type CaptainEndpoint = 'events' | 'itemStatus';

type CaptainEntityType = 'order' | 'job' | 'item' | 'driver' | 'store';

export interface CaptainEventKind {
	name: string;
	/** The option's name in Events; n8n lowercases it into the node creator's "On …" action. */
	label: string;
	/** The node creator's action, where lowercasing the label would spoil it (an acronym). */
	action?: string;
	description: string;
	endpoint: CaptainEndpoint;
	/** The entity the event is about and the `data` field holding its id. */
	entity?: { type: CaptainEntityType; idField: string; required: boolean };
	/** Events in one group describe one changing state of the entity, so an older one must not
	 * overwrite a newer one: the out-of-order guard compares `created_at` within the group. */
	orderingGroup?: string;
	/** The `data` field carrying the status, surfaced as `status` on the item. */
	statusField?: string;
}

// One line per event, so the catalogue reads as a table.
// prettier-ignore
export const CAPTAIN_EVENTS: readonly CaptainEventKind[] = [
	{ name: 'order_assigned', label: 'Order Assigned to Driver', description: 'A driver was given the order to deliver', endpoint: 'events', entity: { type: 'order', idField: 'order_uuid', required: true }, orderingGroup: 'order-assignment' },
	{ name: 'order_unassigned', label: 'Order Unassigned From Driver', description: 'The order was taken away from its driver', endpoint: 'events', entity: { type: 'order', idField: 'order_uuid', required: true }, orderingGroup: 'order-assignment' },
	{ name: 'order_status_updated', label: 'Order Status Changed', description: 'For example in progress, completed, failed or cancelled', endpoint: 'events', entity: { type: 'order', idField: 'order_uuid', required: true }, orderingGroup: 'order-status', statusField: 'order_status' },
	{ name: 'job_delivery_status_updated', label: 'Delivery Status Changed', description: 'A delivery was collected, dropped off, …', endpoint: 'events', entity: { type: 'job', idField: 'job_uuid', required: true }, orderingGroup: 'job-status', statusField: 'job_delivery_status' },
	{ name: 'item_status_updated', label: 'Item Status Changed', description: "An item's preparation status changed (sent to the item status URL)", endpoint: 'itemStatus', entity: { type: 'item', idField: 'item_uuid', required: true }, orderingGroup: 'item-status', statusField: 'item_status' },
	{ name: 'order_preparation_updated', label: 'Order Preparation Changed', description: "The kitchen's progress on an order changed", endpoint: 'events', entity: { type: 'order', idField: 'order_uuid', required: false }, orderingGroup: 'order-preparation', statusField: 'status' },
	{ name: 'order_kds_print_request', label: 'Kitchen Ticket Requested', description: 'An order should be printed for the kitchen', endpoint: 'events', entity: { type: 'order', idField: 'order_uuid', required: false }, statusField: 'order_status' },
	{ name: 'agent_eta_updated', label: 'Driver ETA Updated', action: 'On driver ETA updated', description: "A driver's arrival time was recalculated", endpoint: 'events', entity: { type: 'driver', idField: 'agent_uuid', required: true }, orderingGroup: 'driver-eta' },
	{ name: 'agent.radar_locations.created', label: 'Driver Locations Reported', description: "Every minute while drivers move: where a store's drivers are", endpoint: 'events', entity: { type: 'store', idField: 'account_uuid', required: false } },
	{ name: 'analytics_report_ready', label: 'Analytics Report Ready', description: 'A report you asked Captain.AI for is ready', endpoint: 'events' },
];

/** Captain retries 15 times with exponential backoff; its horizon is not published. */
export const CAPTAIN_MEMORY_DEFAULTS = { hours: 72, maxEvents: 10000 };

/** Every event, listed or not: the option the editor offered before an empty list meant it. */
const ANY_EVENT = '*';
/** Option value: events not in the catalogue (Captain adds events over time). */
export const UNLISTED_EVENTS = 'unlisted';

const byName = new Map(CAPTAIN_EVENTS.map((kind) => [kind.name, kind]));

export function findCaptainEvent(name: string): CaptainEventKind | undefined {
	return byName.get(name);
}

/** An empty selection is every event (the editor's default); `*` is how version 1 saved it. */
export function isEventSelected(name: string, selected: readonly string[]): boolean {
	if (selected.length === 0 || selected.includes(ANY_EVENT)) return true;
	if (selected.includes(name)) return true;
	return !byName.has(name) && selected.includes(UNLISTED_EVENTS);
}
