import * as n8nWorkflow from 'n8n-workflow';

import {
	MINIMUM_N8N_VERSION,
	TOO_OLD_MESSAGE,
	predatesMinimum,
} from '../../nodes/common/n8n-version';

/** The two objects as n8n-workflow 1.96.0 (n8n 1.99.1) has them, and 1.97.0 (n8n 1.100.1). */
const OLD_EVENTS = { generic: '$$EventMessage', runner: '$$EventMessageRunner' };
const OLD_TELEMETRY = { getNodeTypeForName: () => undefined };
const NEW_EVENTS = { ...OLD_EVENTS, queue: '$$EventMessageQueue' };
const NEW_TELEMETRY = {
	...OLD_TELEMETRY,
	extractLastExecutedNodeStructuredOutputErrorInfo: () => ({}),
};

const NODE_FILES = [
	'../../nodes/CaptainAiTrigger/CaptainAiTrigger.node',
	'../../nodes/ArriveTrigger/ArriveTrigger.node',
];

describe('the minimum n8n version check', () => {
	afterEach(() => {
		jest.dontMock('n8n-workflow');
		jest.dontMock('zod/v4');
	});

	test('names the minimum version in its message', () => {
		expect(MINIMUM_N8N_VERSION).toBe('1.100.1');
		expect(TOO_OLD_MESSAGE).toContain('n8n-nodes-captain-arrive needs n8n 1.100.1 or newer');
	});

	test('lets the n8n-workflow this package is built against through', () => {
		expect(predatesMinimum(n8nWorkflow)).toBe(false);
	});

	test('refuses the exports of n8n-workflow 1.96.0 and older', () => {
		expect(
			predatesMinimum({ EventMessageTypeNames: OLD_EVENTS, TelemetryHelpers: OLD_TELEMETRY }),
		).toBe(true);
	});

	test.each([
		['n8n-workflow 1.97.0 (both exports there)', NEW_EVENTS, NEW_TELEMETRY],
		['only the event name there', NEW_EVENTS, OLD_TELEMETRY],
		['only the telemetry helper there', OLD_EVENTS, NEW_TELEMETRY],
		['a later n8n without the event names', undefined, OLD_TELEMETRY],
		['a later n8n without the telemetry helpers', OLD_EVENTS, undefined],
	])('lets %s through', (_, events, telemetry) => {
		expect(predatesMinimum({ EventMessageTypeNames: events, TelemetryHelpers: telemetry })).toBe(
			false,
		);
	});

	test.each(NODE_FILES)(
		'%s fails to load with the message, before it reaches zod/v4, on an old n8n',
		(file) => {
			jest.isolateModules(() => {
				jest.doMock('n8n-workflow', () => ({
					...n8nWorkflow,
					EventMessageTypeNames: OLD_EVENTS,
					TelemetryHelpers: OLD_TELEMETRY,
				}));
				// What an n8n older than 1.100.1 answers for zod/v4 (its zod 3.24.1 has no such export).
				jest.doMock('zod/v4', () => {
					throw new Error(`Package subpath './v4' is not defined by "exports"`);
				});
				expect(() => require(file)).toThrow(TOO_OLD_MESSAGE);
			});
		},
	);

	test.each(NODE_FILES)('%s loads on the n8n-workflow it is built against', (file) => {
		jest.isolateModules(() => {
			expect(() => require(file)).not.toThrow();
		});
	});
});
