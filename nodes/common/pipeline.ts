/**
 * What a delivery that passed admission goes through, the same for both triggers and
 * synchronous from start to end (so check-then-record is atomic within the n8n process):
 *
 *   parse → select → seen before? → emit → accepted
 *
 * Each provider supplies its half (a Receiver: its receiver.ts); this module runs the stages
 * and says, as a verdict, how each ended (answers.ts turns verdicts into HTTP answers).
 */
import type { IDataObject } from 'n8n-workflow';

import { BUSY, ignore, type IgnoreReason, type Refused, refuse, type Verdict } from './answers';
import { type InvalidDeliveryReport, invalidDeliveryItem } from './invalid-deliveries';
import { isOverloaded } from './memory/backpressure';
import {
	type MemoryLayout,
	type MemoryPlace,
	type NodeMemory,
	openMemory,
} from './memory/node-memory';
import type { IncomingRequest } from './request';
import type { ParseResult } from './validation';

export type Selection<Candidate> =
	| { wanted: Candidate[] }
	| { ignored: IgnoreReason; detail?: string }
	/** The selection is more than the node can judge (ARRIVE: more trips than it remembers). */
	| { refused: Refused };

export type Emission = { items: IDataObject[] } | { ignored: IgnoreReason; detail?: string };

/** When the provider is answered: once the run has started, or once it has finished. */
export type AnswerWhen = 'runStarts' | 'runFinishes';

/**
 * What happens to an event that may have run before n8n restarted (its run may have been cut
 * short, or may have finished: node-memory.ts says which entries are in doubt): run it again
 * with its items marked (at least once), or skip it (at most once).
 */
export type RepeatPolicy = 'runMarked' | 'skip';

/** The user's choices that apply to every delivery, whatever the provider. */
export interface DeliveryRules {
	answerWhen: AnswerWhen;
	repeats: RepeatPolicy;
	/** Set when the user turned on the Invalid Deliveries output. */
	report?: InvalidDeliveryReport;
}

/** The fields a possible repeat's items carry, like a message broker's "redelivered" flag. */
export function possibleRepeat(firstAcceptedAt: number): IDataObject {
	return { possibleRepeat: true, firstAcceptedAt: new Date(firstAcceptedAt).toISOString() };
}

const SKIPPED_REPEAT =
	'accepted before n8n restarted, and its run may have happened (Possible Repeats After a Restart: Skip Them)';

/** A provider's half of the pipeline. */
export interface Receiver<Event, Candidate, Layout extends MemoryLayout> {
	memoryLayout: Layout;
	/** The validated body, or the first field that is not as the node needs it. */
	parse(body: unknown, rawBody?: Uint8Array): ParseResult<Event>;
	/** What the user asked for (event type, status, environment, site); no memory needed. */
	select(event: Event): Selection<Candidate>;
	/** The table of delivery keys, and the key: the same for every resend of a delivery. */
	deliveries: keyof Layout & string;
	deliveryKey(event: Event): string;
	/** The `detail` of a duplicate's answer. */
	describeDuplicate(event: Event): string;
	/**
	 * Whether the provider sends what it already sent again and again, whatever the answer
	 * (ARRIVE: every open trip, every second): each acceptance is then saved at once.
	 */
	resendsRegardless: boolean;
	/**
	 * What is new to the provider's state (ordering, trips), and the items; state in doubt
	 * after a restart is judged by `repeats`. Must not await.
	 */
	emit(
		event: Event,
		wanted: Candidate[],
		memory: NodeMemory<Layout>,
		now: number,
		repeats: RepeatPolicy,
	): Emission;
}

/** The body of a delivery, as the pipeline reads it. */
export type DeliveryBody = Pick<IncomingRequest, 'body' | 'rawBody'>;

/**
 * The verdict on an admitted delivery. A thrown error would make n8n answer 500 and record a
 * failed execution; whatever a body does to parse, select or emit, the sender gets an answer
 * and nothing runs.
 */
export function judgeDelivery<Event, Candidate, Layout extends MemoryLayout>(
	delivery: DeliveryBody,
	receiver: Receiver<Event, Candidate, Layout>,
	place: MemoryPlace,
	now: number,
	rules: DeliveryRules,
): Verdict {
	let verdict: Verdict;
	try {
		verdict = judge(delivery, receiver, place, now, rules);
	} catch (error) {
		verdict = refuse.unprocessable(error);
	}
	if (rules.report && verdict.outcome === 'refused' && verdict.reason === 'invalid body')
		return reportInvalid(delivery, verdict, rules.report, rules, place, now);
	return verdict;
}

function judge<Event, Candidate, Layout extends MemoryLayout>(
	delivery: DeliveryBody,
	receiver: Receiver<Event, Candidate, Layout>,
	place: MemoryPlace,
	now: number,
	rules: DeliveryRules,
): Verdict {
	const parsed = receiver.parse(delivery.body, delivery.rawBody);
	if (!parsed.ok) return refuse.body(parsed.field, parsed.problem);
	const event = parsed.event;
	const selection = receiver.select(event);
	if ('refused' in selection) return selection.refused;

	// Opened only now: refused requests never touch memory; filtered ones only to save it when due.
	const memory = openMemory({ ...place, layout: receiver.memoryLayout, now });
	if ('ignored' in selection) return closed(memory, ignore(selection.ignored, selection.detail));

	const seen = memory.seenBefore(receiver.deliveries, receiver.deliveryKey(event));
	if (seen.answer === 'in flight') return { outcome: 'twin in flight', settled: seen.settled };
	if (seen.answer === 'seen')
		return closed(memory, ignore('duplicate', receiver.describeDuplicate(event)));
	if (seen.answer === 'in doubt' && rules.repeats === 'skip')
		return closed(memory, ignore('possible-repeat', SKIPPED_REPEAT));

	let emission: Emission;
	try {
		emission = receiver.emit(event, selection.wanted, memory, now, rules.repeats);
	} catch (error) {
		memory.rollBack(); // a fault halfway through emit leaves no partial records
		return refuse.unprocessable(error);
	}
	if ('ignored' in emission) return closed(memory, ignore(emission.ignored, emission.detail));
	if (isOverloaded(now)) {
		memory.rollBack();
		return closed(memory, BUSY);
	}
	seen.claim();
	const items =
		seen.answer === 'in doubt'
			? emission.items.map((item) => ({ ...item, ...possibleRepeat(seen.firstAcceptedAt) }))
			: emission.items;
	return {
		outcome: 'accepted',
		items,
		delivery: hold(memory, rules, receiver.resendsRegardless),
	};
}

function hold(memory: NodeMemory<MemoryLayout>, rules: DeliveryRules, savedAtOnce: boolean) {
	return memory.hold({ waitsForRunEnd: rules.answerWhen === 'runFinishes', savedAtOnce });
}

/** The request ends without a run: its memory is saved if a save is due. */
function closed(memory: NodeMemory<MemoryLayout>, verdict: Verdict): Verdict {
	memory.close();
	return verdict;
}

/**
 * A delivery that passed admission but not validation, for the Invalid Deliveries output: a
 * run the first time its body is seen, a plain 400 for every retry. The key is held like an
 * accepted event's (in flight until n8n answers, undone if the run cannot start).
 */
function reportInvalid(
	delivery: DeliveryBody,
	refusal: Refused,
	report: InvalidDeliveryReport,
	rules: DeliveryRules,
	place: MemoryPlace,
	now: number,
): Verdict {
	let key: string;
	try {
		key = report.key(delivery.body, delivery.rawBody);
	} catch {
		return refusal; // a body that cannot even be keyed is only refused
	}
	const layout = { invalidDeliveries: report.memory };
	const memory = openMemory({ ...place, layout, now });
	const seen = memory.seenBefore('invalidDeliveries', key);
	if (seen.answer === 'in flight') return { outcome: 'twin in flight', settled: seen.settled };
	if (seen.answer === 'seen' || (seen.answer === 'in doubt' && rules.repeats === 'skip'))
		return closed(memory, refusal);
	if (isOverloaded(now)) return closed(memory, BUSY);
	seen.claim();
	const item = invalidDeliveryItem(refusal.body, delivery.body, delivery.rawBody, now);
	return {
		outcome: 'reported',
		refusal,
		items: [
			seen.answer === 'in doubt' ? { ...item, ...possibleRepeat(seen.firstAcceptedAt) } : item,
		],
		delivery: hold(memory, rules, false),
	};
}
