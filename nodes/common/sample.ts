/**
 * The sample webhook, provider-neutral and without n8n. Captain.AI's webhooks are set up by an
 * account manager and ARRIVE sends only when a trip moves, so a person building a workflow often
 * has no way to make the provider send an event. Instead, while the node listens for a test
 * event, they open GET <Test URL>/sample in a browser tab: a realistic body of the event they
 * chose goes through the node's own pipeline, so its items are exactly what the node emits for
 * that body, and they become the test run's output. The tab gets a short page saying so.
 */
import type { IDataObject } from 'n8n-workflow';

import { directAnswer, SAMPLE_STATUS } from './answers';
import type { MemoryLayout, MemoryPlace } from './memory/node-memory';
import { judgeDelivery, type Receiver } from './pipeline';

/** What a sample is made with: the clock and fresh ids, so that each sample is a new event. */
export interface Fresh {
	now: number;
	newId: () => string;
}

/** The body a provider's sample module chose, or the name asked for that it does not know. */
export type SampleChoice =
	| { body: IDataObject; title: string }
	| { unknown: string; parameter: string; offered: readonly string[] };

export interface SampleOutcome {
	status: number;
	/** The page for the browser tab. */
	page: string;
	/** The test run's items; absent when nothing runs. */
	items?: IDataObject[];
}

/**
 * Runs a chosen sample through the node's pipeline. `place` is a memory of the sample's own
 * (never the node's test or production memory); an accepted sample is released from it at once,
 * so a sample leaves nothing behind.
 */
export function runSample<Event, Candidate, Layout extends MemoryLayout>(
	choice: SampleChoice,
	receiver: Receiver<Event, Candidate, Layout>,
	place: MemoryPlace,
	{ now, nodeName }: { now: number; nodeName: string },
): SampleOutcome {
	if ('unknown' in choice) {
		return {
			status: SAMPLE_STATUS.unknown,
			page: samplePage(
				'No such sample',
				`There is no sample "${choice.unknown}". Set ?${choice.parameter}= to one of: ${choice.offered.join(', ')}.`,
			),
		};
	}
	const verdict = judgeDelivery({ body: choice.body }, receiver, place, now, {
		answerWhen: 'runStarts',
		repeats: 'runMarked',
	});
	if (verdict.outcome === 'accepted') {
		verdict.delivery.release();
		return {
			status: SAMPLE_STATUS.sent,
			page: samplePage(
				'Sample sent to n8n',
				`A sample ${choice.title} is now the output of "${nodeName}" in the n8n editor. You can close this tab.`,
			),
			items: verdict.items,
		};
	}
	// No Invalid Deliveries report is asked for, so a sample is never 'reported'.
	const answer = verdict.outcome === 'reported' ? undefined : directAnswer(verdict);
	const reason = String(answer?.body.detail ?? answer?.body.error ?? verdict.outcome);
	return {
		status: SAMPLE_STATUS.leftOut,
		page: samplePage(
			'No sample sent',
			`The settings of "${nodeName}" leave the sample ${choice.title} out (${reason}). Change them, or ask for another sample, then open this URL again while the node listens.`,
		),
	};
}

/** The node name and the query are the user's text: everything shown is escaped. */
function escapeHtml(text: string): string {
	return text.replace(
		/[&<>"']/g,
		(character) =>
			({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character]!,
	);
}

function samplePage(title: string, text: string): string {
	return (
		'<!doctype html><html lang="en"><head><meta charset="utf-8">' +
		`<title>${escapeHtml(title)}</title></head>` +
		'<body style="font-family: sans-serif; margin: 3em; max-width: 40em">' +
		`<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`
	);
}
