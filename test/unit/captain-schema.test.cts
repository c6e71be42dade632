import { CAPTAIN_EVENTS, isEventSelected } from '../../nodes/CaptainAiTrigger/catalogue';
import { captainAiTriggerProperties } from '../../nodes/CaptainAiTrigger/description';
import { parseCaptainEvent } from '../../nodes/CaptainAiTrigger/schema';
import { parseProviderTime } from '../../nodes/common/validation';
import { fixtureNames, loadFixture } from '../helpers/fixtures.cjs';

function withData(name: string, data: Record<string, unknown>) {
	const body = loadFixture<Record<string, any>>('captain', name);
	return { ...body, data: { ...body.data, ...data } };
}

describe('parseCaptainEvent', () => {
	test.each(fixtureNames('captain'))('accepts the %s sample', (name) => {
		const result = parseCaptainEvent(loadFixture('captain', name));
		expect(result).toMatchObject({ ok: true });
	});

	test('reads the envelope and the entity id from the catalogue', () => {
		const result = parseCaptainEvent(loadFixture('captain', 'job_delivery_status_updated'));
		expect(result).toMatchObject({
			ok: true,
			event: {
				name: 'job_delivery_status_updated',
				eventId: '5eed0000-0000-4000-8000-000000000003',
				entityId: '6992dc85d681',
				deliveryAttempt: 1,
			},
		});
	});

	test('accepts the documented quirks', () => {
		const quirks = [
			withData('order_status_updated', { published_at: 1651156220.3478127 }), // float for integer
			withData('order_status_updated', { order_custom_fields: [] }),
			withData('order_status_updated', { order_custom_fields: null }),
			withData('order_status_updated', { order_custom_fields: { a: 1 } }),
			withData('agent_eta_updated', { eta_till_available: '1651156220' }), // number as string
			withData('item_status_updated', { sequence: '', quantity: '2' }),
			withData('order_status_updated', { order_uuid: 12345 }), // numeric id
			withData('order_status_updated', { brand_new_field: { deep: true } }),
			{ ...loadFixture('captain', 'order_status_updated'), created_at: '2021-12-10 05:49:50 UTC' },
			{
				...loadFixture('captain', 'order_status_updated'),
				created_at: '2022-04-28 07:54:06 -0700',
			},
			{ ...loadFixture('captain', 'order_status_updated'), created_at: 1651156220.5 },
			{
				...loadFixture('captain', 'order_status_updated'),
				metadata: { sent_at: '2022-04-28T14:30:20Z', delivery_attempt: '3' },
			},
			{ ...loadFixture('captain', 'order_status_updated'), surprise: 'top-level extra' },
		];
		for (const body of quirks) expect(parseCaptainEvent(body)).toMatchObject({ ok: true });
	});

	test('an unknown event needs only the envelope', () => {
		const body = {
			...loadFixture('captain', 'order_assigned'),
			event_name: 'something_new',
			data: {},
		};
		expect(parseCaptainEvent(body)).toMatchObject({ ok: true, event: { entityId: undefined } });
	});

	test('analytics_report_ready (no documented payload) needs only the envelope', () => {
		const body = {
			...loadFixture('captain', 'order_assigned'),
			event_name: 'analytics_report_ready',
			data: { report_url: 'x' },
		};
		expect(parseCaptainEvent(body)).toMatchObject({ ok: true });
	});

	test.each<[string, Record<string, unknown>]>([
		['event_name', { event_name: '' }],
		['event_uuid', { event_uuid: '   ' }],
		['event_uuid', { event_uuid: { id: 1 } }],
		['environment', { environment: undefined }],
		['created_at', { created_at: 'yesterday' }],
		['data', { data: [] }],
	])('names the first bad field the node needs: %s', (field, change) => {
		const result = parseCaptainEvent({
			...loadFixture<Record<string, unknown>>('captain', 'order_assigned'),
			...change,
		});
		expect(result).toMatchObject({ ok: false, field });
	});

	test.each<[string, Record<string, unknown>]>([
		['metadata', { metadata: null }],
		[
			'metadata.delivery_attempt',
			{ metadata: { sent_at: '2022-04-28T14:30:20Z', delivery_attempt: 0 } },
		],
		['metadata.sent_at', { metadata: { sent_at: 'soon', delivery_attempt: 1 } }],
	])('a field the node does not need is a warning, not a refusal: %s', (field, change) => {
		const result = parseCaptainEvent({
			...loadFixture<Record<string, unknown>>('captain', 'order_assigned'),
			...change,
		});
		expect(result).toMatchObject({ ok: true });
		if (result.ok)
			expect(result.event.warnings).toEqual([expect.stringMatching(new RegExp(`^${field}: `))]);
	});

	test('a number event_uuid counts as its string form, flagged', () => {
		const result = parseCaptainEvent({
			...loadFixture<Record<string, unknown>>('captain', 'order_assigned'),
			event_uuid: 42,
		});
		expect(result).toMatchObject({ ok: true, event: { eventId: '42', eventKey: '42' } });
		if (result.ok)
			expect(result.event.warnings).toEqual([expect.stringContaining('event_uuid: a number')]);
	});

	test('a bad nested field the node does not need is named in a warning', () => {
		const body = withData('agent.radar_locations.created', {
			agent_locations: [{ agent_uuid: 'a', locations: [{ latitude: 'north', longitude: '1' }] }],
		});
		const result = parseCaptainEvent(body);
		expect(result).toMatchObject({ ok: true });
		if (result.ok) {
			expect(result.event.warnings).toEqual([
				'data.agent_locations[0].locations[0].latitude: expected a number (got "north"); passed on as sent',
			]);
		}
	});
});

test('parseProviderTime reads the three formats and unix seconds', () => {
	const iso = Date.parse('2022-04-28T14:30:20.483Z');
	expect(parseProviderTime('2022-04-28T14:30:20.483+00:00')).toBe(iso);
	expect(parseProviderTime('2021-12-10 05:49:50 UTC')).toBe(Date.parse('2021-12-10T05:49:50Z'));
	expect(parseProviderTime('2022-04-28 07:54:06 -0700')).toBe(Date.parse('2022-04-28T14:54:06Z'));
	expect(parseProviderTime(1651156220.5)).toBe(1651156220500);
	expect(parseProviderTime('1651156220')).toBe(1651156220000);
	expect(parseProviderTime('28/04/2022')).toBeUndefined();
	expect(parseProviderTime('2022-13-45T99:00:00Z')).toBeUndefined();
});

describe('event catalogue', () => {
	test("drives the Events options: version 3 offers every event, first; versions 1-2 the main URL's", () => {
		const [version3, versions1to2, ...others] = captainAiTriggerProperties.filter(
			(property) => property.name === 'events',
		);
		expect(others).toEqual([]);
		const values = (property: typeof version3) =>
			(property.options as Array<{ value: string }>).map((option) => option.value);

		// The node creator's actions come from the first Events list: item status among them.
		expect(version3.displayOptions).toEqual({ hide: { '@version': [1, 2] } });
		expect(values(version3)).toEqual([...CAPTAIN_EVENTS.map((kind) => kind.name), 'unlisted']);
		expect(version3.default).toEqual([]);

		expect(versions1to2.displayOptions?.show).toEqual({ receives: ['events'], '@version': [1, 2] });
		expect(values(versions1to2)).toEqual([
			...CAPTAIN_EVENTS.filter((kind) => kind.endpoint === 'events').map((kind) => kind.name),
			'unlisted',
		]);
		expect(values(versions1to2)).not.toContain('item_status_updated');
		expect(versions1to2.default).toEqual([]);
	});

	test('isEventSelected', () => {
		expect(isEventSelected('order_assigned', ['*'])).toBe(true);
		expect(isEventSelected('order_assigned', ['order_assigned'])).toBe(true);
		expect(isEventSelected('order_assigned', ['unlisted'])).toBe(false);
		expect(isEventSelected('brand_new', ['unlisted'])).toBe(true);
		// Empty is the editor's "every event"; `*` is what earlier versions saved for it.
		expect(isEventSelected('brand_new', [])).toBe(true);
		expect(isEventSelected('order_assigned', [])).toBe(true);
	});
});
