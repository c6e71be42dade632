import { RefusalLog, describeRefusal } from '../../nodes/common/refusal-log';

describe('RefusalLog: one line per key a minute', () => {
	test('the first refusal is logged, the next ones in the minute are counted and reported with the next line', () => {
		const log = new RefusalLog(60_000);
		expect(log.take('node-a|401 invalid Auth-Token', 0)).toEqual({ unsaid: 0 });
		expect(log.take('node-a|401 invalid Auth-Token', 10_000)).toBeUndefined();
		expect(log.take('node-a|401 invalid Auth-Token', 59_999)).toBeUndefined();
		// another reason or another node is its own line
		expect(log.take('node-a|403 address not allowed', 20_000)).toEqual({ unsaid: 0 });
		expect(log.take('node-b|401 invalid Auth-Token', 20_000)).toEqual({ unsaid: 0 });
		expect(log.take('node-a|401 invalid Auth-Token', 60_000)).toEqual({ unsaid: 2 });
		expect(log.take('node-a|401 invalid Auth-Token', 60_001)).toBeUndefined();
	});

	test('keeps at most maxTracked keys, forgetting the least recently logged', () => {
		const log = new RefusalLog(60_000, 2);
		log.take('a', 0);
		log.take('b', 1);
		log.take('c', 2); // forgets 'a'
		expect(log.take('a', 3)).toEqual({ unsaid: 0 }); // logged again: nothing was kept of it
		expect(log.take('c', 4)).toBeUndefined();
	});
});

describe('describeRefusal', () => {
	test('names the node, the answer, the reason and the sender', () => {
		expect(
			describeRefusal(
				{
					node: 'Captain.AI Trigger',
					status: 400,
					body: { error: 'invalid body', field: 'event_uuid', problem: 'expected an event id' },
					address: '203.0.113.7',
				},
				3,
			),
		).toBe(
			'Captain.AI Trigger: answered 400 (invalid body, at event_uuid, expected an event id) to a request from 203.0.113.7 (and 3 more like it since the last line)',
		);
	});
});
