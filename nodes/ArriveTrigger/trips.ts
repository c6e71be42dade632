/**
 * ARRIVE's half of the pipeline. A call lists every open trip; users think in trips, so the
 * item is one trip (one customer arriving) carrying the call's envelope. What counts as new
 * depends on the emit mode; the per-trip state behind it lives in the dedupe store.
 */
import type { IDataObject } from 'n8n-workflow';

import { contentFingerprint, type MemoryLimits } from '../common/dedupe';
import type { Emission, Receiver, Selection } from '../common/receive';
import { ACK_TOKENS_PER_TRIP, type EmitMode, REDELIVERY_MEMORY, statusCategory } from './catalogue';
import { type ArriveCall, parseArriveCall } from './schema';

export type EnvironmentFilter = 'both' | 'production' | 'sandbox';
export type OutputMode = 'perTrip' | 'perCall';

export interface ArriveSettings {
	emit: EmitMode;
	/** Status categories wanted: 'in-transit', 'approaching', 'arrived', 'other'. */
	statuses: string[];
	environment: EnvironmentFilter;
	/** Empty: every site. */
	siteIds: string[];
	output: OutputMode;
	tripMemory: MemoryLimits;
}

type Trip = ArriveCall['trips'][number];

/** What is remembered per trip between calls. */
interface TripState {
	status: string;
	ackTokens: string[];
}

type ArriveLayout = { acceptedCalls: MemoryLimits; trips: MemoryLimits };

/** ARRIVE's id of the trip; a trip without track tokens is keyed by customer and site. */
export function tripKey(trip: Trip['parsed']): string {
	const destId = trip.track_tokens?.[0]?.dest_id;
	return destId ? `trip:${destId}` : `tid:${trip.tid}@${trip.site_csin}`;
}

function numberOrNull(value: unknown): number | null {
	if (value === null || value === undefined || value === '') return null;
	const number = Number(value);
	return Number.isFinite(number) ? number : null;
}

function textOrNull(value: unknown): string | null {
	if (value === null || value === undefined || value === '') return null;
	return String(value);
}

/** Flat, clearly named fields: a no-code user maps `customerPhone`, not `customer.sms_number`. */
export function toTripFields(trip: Trip, why: { previousStatus: string | null; isNewAckToken: boolean }): IDataObject {
	const { parsed } = trip;
	const firstToken = parsed.track_tokens?.[0];
	return {
		tripId: textOrNull(firstToken?.dest_id),
		trackToken: textOrNull(firstToken?.track_token),
		tid: textOrNull(parsed.tid),
		status: parsed.status,
		previousStatus: why.previousStatus,
		isNewAckToken: why.isNewAckToken,
		ackToken: textOrNull(parsed.ack?.token),
		eta: numberOrNull(parsed.eta),
		distance: numberOrNull(parsed.distance),
		lat: numberOrNull(parsed.lat),
		lng: numberOrNull(parsed.lng),
		receivedAt: textOrNull(parsed.received_at),
		siteCsin: parsed.site_csin,
		zoneName: textOrNull(parsed.arrived?.zone_name),
		customerName: textOrNull(parsed.customer?.name),
		customerEmail: textOrNull(parsed.customer?.email),
		customerPhone: textOrNull(parsed.customer?.sms_number),
		vehicleLicenseNumber: textOrNull(parsed.customer?.vehicle?.license_number),
		vehicleMake: textOrNull(parsed.customer?.vehicle?.make),
		vehicleModel: textOrNull(parsed.customer?.vehicle?.model),
		pickupWindowStart: textOrNull(firstToken?.pickup_window?.start),
		pickupWindowEnd: textOrNull(firstToken?.pickup_window?.end),
		trackTokens: (trip.raw.track_tokens as IDataObject[] | undefined) ?? [],
	};
}

function envelopeOf(call: ArriveCall): IDataObject {
	return { appId: call.appId, production: call.production, timestamp: call.timestamp, version: call.version };
}

export function arriveReceiver(settings: ArriveSettings): Receiver<ArriveCall, Trip, ArriveLayout> {
	const sites = new Set(settings.siteIds);
	const wantsTrip = (trip: Trip) =>
		settings.statuses.includes(statusCategory(trip.parsed.status)) && (sites.size === 0 || sites.has(trip.parsed.site_csin));

	return {
		memoryLayout: { acceptedCalls: REDELIVERY_MEMORY, trips: settings.tripMemory },

		parse: parseArriveCall,

		select(call): Selection<Trip> {
			if (call.event !== 'ad-estimates') return { ignored: 'filtered', detail: `event ${call.event} is not handled` };
			if (call.trips.length === 0) return { ignored: 'no-trips', detail: 'no open trips' };
			if (settings.environment !== 'both' && call.production !== (settings.environment === 'production')) {
				return { ignored: 'filtered', detail: `${call.production ? 'production' : 'sandbox'} calls are not selected` };
			}
			const wanted = call.trips.filter(wantsTrip);
			if (wanted.length === 0) return { ignored: 'filtered', detail: 'no trip matches the status and site filters' };
			return { wanted };
		},

		emit(call, wanted, memory, now): Emission {
			// The timestamp is unchanged on a retry, and so is the rest of a redelivered call.
			const fingerprint = contentFingerprint(call.body);
			const twin = memory.inFlight('acceptedCalls', fingerprint);
			if (twin) return { inFlight: twin };
			if (memory.table('acceptedCalls').has(fingerprint, now)) {
				return { ignored: 'duplicate', detail: 'this call was already received' };
			}
			const tripStates = memory.table<TripState>('trips');
			const emitted: IDataObject[] = [];
			for (const trip of wanted) {
				const key = tripKey(trip.parsed);
				const previous = tripStates.recall(key, now);
				const ackToken = trip.parsed.ack?.token ?? undefined;
				const isNewAckToken = ackToken !== undefined && !(previous?.ackTokens.includes(ackToken) ?? false);
				const statusChanged = previous?.status !== trip.parsed.status;
				if (isNewAckToken || statusChanged) {
					const ackTokens = [...(previous?.ackTokens ?? []), ...(isNewAckToken ? [ackToken] : [])].slice(-ACK_TOKENS_PER_TRIP);
					memory.remember<TripState>('trips', key, { status: trip.parsed.status, ackTokens });
				}
				const emit =
					settings.emit === 'everyUpdate' ||
					(settings.emit === 'newArrival' && isNewAckToken) ||
					(settings.emit === 'statusChange' && statusChanged);
				if (emit) emitted.push(toTripFields(trip, { previousStatus: previous?.status ?? null, isNewAckToken }));
			}
			if (emitted.length === 0) return { ignored: 'no-change', detail: 'no trip has anything new' };
			memory.claim('acceptedCalls', fingerprint);
			if (settings.output === 'perCall') return { items: [{ ...envelopeOf(call), tripCount: emitted.length, trips: emitted }] };
			return { items: emitted.map((fields) => ({ ...fields, ...envelopeOf(call) })) };
		},
	};
}
