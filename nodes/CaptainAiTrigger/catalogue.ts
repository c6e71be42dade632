/**
 * The Captain.AI event catalogue: one line per event. The node's event options, the
 * endpoint notice, the entity an event is about (dedupe/ordering keys, `entityId`, `status`)
 * are all derived from it. Source: Captain.AI webhook docs (see README).
 */

/** Captain sends `item_status_updated` to a dedicated URL and everything else to the main one. */
export type CaptainEndpoint = 'events' | 'itemStatus';

export type CaptainEntityType = 'order' | 'job' | 'item' | 'driver' | 'store';

export interface CaptainEventKind {
	name: string;
	label: string;
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
	{ name: 'order_assigned', label: 'Order Assigned', description: 'A delivery was assigned to a driver', endpoint: 'events', entity: { type: 'order', idField: 'order_uuid', required: true }, orderingGroup: 'order-assignment' },
	{ name: 'order_unassigned', label: 'Order Unassigned', description: 'A delivery was unassigned from a driver', endpoint: 'events', entity: { type: 'order', idField: 'order_uuid', required: true }, orderingGroup: 'order-assignment' },
	{ name: 'order_status_updated', label: 'Order Status Updated', description: 'An order changed status (in_progress, completed, failed, cancelled, …)', endpoint: 'events', entity: { type: 'order', idField: 'order_uuid', required: true }, orderingGroup: 'order-status', statusField: 'order_status' },
	{ name: 'job_delivery_status_updated', label: 'Delivery Job Status Updated', description: 'A delivery job changed status (collected, dropped_off, …)', endpoint: 'events', entity: { type: 'job', idField: 'job_uuid', required: true }, orderingGroup: 'job-status', statusField: 'job_delivery_status' },
	{ name: 'item_status_updated', label: 'Item Status Updated', description: "An item's preparation status changed; Captain sends it to the item-status URL", endpoint: 'itemStatus', entity: { type: 'item', idField: 'item_uuid', required: true }, orderingGroup: 'item-status', statusField: 'item_status' },
	{ name: 'order_preparation_updated', label: 'Order Preparation Updated', description: "An order's preparation status changed", endpoint: 'events', entity: { type: 'order', idField: 'order_uuid', required: false }, orderingGroup: 'order-preparation', statusField: 'status' },
	{ name: 'order_kds_print_request', label: 'Order KDS Print Request', description: 'An order should be printed on the kitchen display', endpoint: 'events', entity: { type: 'order', idField: 'order_uuid', required: false }, statusField: 'order_status' },
	{ name: 'agent_eta_updated', label: 'Driver ETA Updated', description: "A driver's ETA was recalculated", endpoint: 'events', entity: { type: 'driver', idField: 'agent_uuid', required: true }, orderingGroup: 'driver-eta' },
	{ name: 'agent.radar_locations.created', label: 'Driver Locations (Radar)', description: "Every minute while drivers move: recent locations of a store's drivers", endpoint: 'events', entity: { type: 'store', idField: 'account_uuid', required: false } },
	{ name: 'analytics_report_ready', label: 'Analytics Report Ready', description: 'A report requested through the API is ready', endpoint: 'events' },
];

/** Captain retries 15 times with exponential backoff; its horizon is not published. */
export const CAPTAIN_MEMORY_DEFAULTS = { hours: 72, maxEvents: 10000 };

/** Option value: every event, listed or not. */
export const ANY_EVENT = '*';
/** Option value: events not in the catalogue (Captain adds events over time). */
export const UNLISTED_EVENTS = 'unlisted';

const byName = new Map(CAPTAIN_EVENTS.map((kind) => [kind.name, kind]));

export function findCaptainEvent(name: string): CaptainEventKind | undefined {
	return byName.get(name);
}

export function isEventSelected(name: string, selected: readonly string[]): boolean {
	if (selected.includes(ANY_EVENT)) return true;
	if (selected.includes(name)) return true;
	return !byName.has(name) && selected.includes(UNLISTED_EVENTS);
}
