/**
 * Shared set-up for the e2e suite: one real n8n per version (fresh temporary user folder, this
 * package packed and installed into it), workflow publishing, and assertions on what n8n
 * recorded. Node-specific cases live in one file per node (see captain-ai-trigger.cts).
 */
import { randomUUID } from 'crypto';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import {
	type Execution,
	type HttpAnswer,
	N8n,
	type Workflow,
	type WorkflowInput,
	nodeOutputItems,
	sleep,
} from '../../../tools/real-n8n/n8n.cjs';

export { N8n, nodeOutputItems, sleep, type Execution, type HttpAnswer, type WorkflowInput };

const PACKAGE = 'n8n-nodes-captain-arrive';
export const NODE_TYPES = {
	captainAiTrigger: `${PACKAGE}.captainAiTrigger`,
	arriveTrigger: `${PACKAGE}.arriveTrigger`,
} as const;
/** The node names the workflows below give each trigger (what nodeOutputItems looks up). */
export const TRIGGER_NAMES = {
	captainAiTrigger: 'Captain.AI Trigger',
	arriveTrigger: 'ARRIVE Trigger',
} as const satisfies Record<keyof typeof NODE_TYPES, string>;

export interface TriggerWorkflowOptions {
	parameters?: Record<string, unknown>;
	/** 1 is what older workflows have; 2 is what a node added now gets. */
	typeVersion?: number;
	/** The Captain.AI Webhook credential the trigger authenticates with. */
	credential?: { id: string; name: string };
}

/**
 * A workflow made of one trigger node (named as in TRIGGER_NAMES, with a fresh webhookId) and
 * nothing after it: what the trigger emits is its run's output, read with nodeOutputItems.
 */
export function triggerWorkflow(
	name: string,
	trigger: keyof typeof NODE_TYPES,
	{ parameters = {}, typeVersion = 1, credential }: TriggerWorkflowOptions = {},
): WorkflowInput {
	return {
		name,
		nodes: [
			{
				id: randomUUID(),
				name: TRIGGER_NAMES[trigger],
				type: NODE_TYPES[trigger],
				typeVersion,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters,
				...(credential ? { credentials: { captainAiWebhookApi: credential } } : {}),
			},
		],
		connections: {},
	};
}

/** A first run may install n8n into the cache (minutes); a start takes 10–40 s. */
export const N8N_START_TIMEOUT_MS = 15 * 60_000;
export const N8N_RESTART_TIMEOUT_MS = 5 * 60_000;
/** How long to wait before concluding that a request started no execution. */
export const SETTLE_MS = Number(process.env.CAPTAIN_ARRIVE_E2E_SETTLE_MS ?? 1500);

/** Whether n8n `version` is `minimum` or newer (x.y.z, compared part by part). */
export function versionAtLeast(version: string, minimum: string): boolean {
	const have = version.split('.').map(Number);
	const want = minimum.split('.').map(Number);
	for (let i = 0; i < Math.max(have.length, want.length); i++) {
		const difference = (have[i] ?? 0) - (want[i] ?? 0);
		if (difference !== 0) return difference > 0;
	}
	return true;
}

export function e2eVersions(): string[] {
	return (process.env.N8N_E2E_VERSIONS ?? '2.41.1,1.123.81,1.100.1')
		.split(',')
		.map((version) => version.trim())
		.filter(Boolean);
}

const failures = (): number =>
	(globalThis as { __realN8nFailures?: { count: number } }).__realN8nFailures?.count ?? 0;

/**
 * Starts n8n `version` before the enclosing describe's tests (owner, login and API key set up)
 * and stops it after them. The user folder is deleted when all of this version's tests passed
 * and kept (its path printed, n8n.log inside) when any failed, or with CAPTAIN_ARRIVE_KEEP_E2E=1.
 */
export function useRealN8n(version: string): () => N8n {
	let n8n: N8n | undefined;
	let failuresBefore = 0;
	beforeAll(async () => {
		failuresBefore = failures();
		const userFolder = mkdtempSync(join(tmpdir(), `captain-arrive-e2e-${version}-`));
		n8n = new N8n({ version, userFolder });
		await n8n.start();
		await n8n.setUp();
	}, N8N_START_TIMEOUT_MS);
	afterAll(async () => {
		if (!n8n) return;
		await n8n.stop();
		if (failures() > failuresBefore || process.env.CAPTAIN_ARRIVE_KEEP_E2E === '1') {
			// eslint-disable-next-line no-console
			console.log(
				`n8n ${version}: user folder kept at ${n8n.userFolder}; n8n's output: ${n8n.logFile}`,
			);
		} else {
			rmSync(n8n.userFolder, { recursive: true, force: true });
		}
	}, 60_000);
	return () => {
		if (!n8n) throw new Error(`n8n ${version} did not start (see the beforeAll failure)`);
		return n8n;
	};
}

/**
 * One node's e2e cases, declared inside `describe` blocks the suite creates per n8n version.
 * `declareTests` registers its own beforeAll (credentials, workflows) and tests against a fresh
 * n8n; `declareTestsAfterRestart` runs after the same n8n was restarted with N8N_PROXY_HOPS=1.
 * Every case creates what it needs (see `once`), so any one of them runs alone (`-t`) or in
 * any order; what the after-restart cases expect n8n to remember is sent by `beforeRestart`.
 */
export interface NodeE2ESuite {
	title: string;
	declareTests(): void;
	/**
	 * Called before the restart, whether or not any of `declareTests`' cases ran: publishes what
	 * the after-restart cases use and sends the deliveries whose memory they check.
	 */
	beforeRestart(): Promise<void>;
	/**
	 * Called SETTLE_WAIT_MS after `beforeRestart`, before the restart: sends each workflow whose
	 * memory must survive a delivery it drops, which carries the save that records its runs as
	 * ended (see nodes/common/memory/node-memory.ts).
	 */
	settleBeforeRestart(): Promise<void>;
	declareTestsAfterRestart(): void;
}

/**
 * `make` run at most once, on the first call: for set-up that several beforeAll hooks need
 * (whichever runs first does it), so a case does not depend on an earlier case or describe.
 */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
	let made: Promise<T> | undefined;
	return () => (made ??= make());
}

/**
 * Long enough for the runs to end and a save to be due again (one every 3 s): on n8n 2.x the
 * node then knows its runs ended (onExecutionFinish), and a restart keeps them as duplicates.
 */
export const SETTLE_WAIT_MS = 4_000;

/**
 * Whether this n8n tells a node when a run has ended (onExecutionFinish): seen in 2.41.1,
 * absent from 1.123.81 and 1.100.1. Without it, a run accepted less than a minute before a
 * restart may have been cut short, and its resend runs again, marked as a possible repeat.
 */
export function saysWhenRunsEnd(version: string): boolean {
	return versionAtLeast(version, '2.0.0');
}

export interface Published {
	workflow: Workflow;
	/** The production URL of the workflow's trigger. */
	url: string;
}

/** Creates the workflow, publishes (activates) it and waits until its production URL is served. */
export async function publish(
	n8n: N8n,
	workflow: WorkflowInput,
	webhookPath: string,
): Promise<Published> {
	const trigger = workflow.nodes.find((node) => node.webhookId);
	if (!trigger?.webhookId)
		throw new Error(`workflow ${workflow.name} has no node with a webhookId`);
	const created = await n8n.createWorkflow(workflow);
	await n8n.activateWorkflow(created.id);
	const url = n8n.webhookUrl(trigger.webhookId, webhookPath);
	await n8n.waitForWebhook(url);
	return { workflow: created, url };
}

export async function executionIds(n8n: N8n, workflowId: string): Promise<Set<string>> {
	return new Set(
		(await n8n.listExecutions(workflowId, { includeData: false })).map((execution) => execution.id),
	);
}

const isFinished = (execution: Execution): boolean =>
	Boolean(execution.stoppedAt) && execution.status !== 'running';

/**
 * Waits (bounded) until `expected` executions not in `before` exist and all new ones have
 * finished (n8n 1.x lists running executions too, without their data), then waits `settleMs`
 * more and returns every new one: a test then asserts the exact count.
 */
export async function newExecutions(
	n8n: N8n,
	workflowId: string,
	before: Set<string>,
	expected: number,
	{ timeoutMs = 20_000, settleMs = 0 }: { timeoutMs?: number; settleMs?: number } = {},
): Promise<Execution[]> {
	const deadline = Date.now() + timeoutMs;
	const fresh = async () =>
		(await n8n.listExecutions(workflowId)).filter((execution) => !before.has(execution.id));
	let found: Execution[] = [];
	for (;;) {
		found = await fresh();
		if ((found.length >= expected && found.every(isFinished)) || Date.now() > deadline) break;
		await sleep(200);
	}
	if (settleMs > 0) {
		await sleep(settleMs);
		found = await fresh();
	}
	return found;
}

/** Waits the settle time and returns the executions that appeared since `before` (expected: none). */
export async function executionsAfterSettling(
	n8n: N8n,
	workflowId: string,
	before: Set<string>,
): Promise<Execution[]> {
	await sleep(SETTLE_MS);
	return (await n8n.listExecutions(workflowId)).filter((execution) => !before.has(execution.id));
}

/** What n8n recorded, in a form that reads well in a failed assertion. */
export function describeExecutions(
	executions: Execution[],
	triggerName: string,
): Array<Record<string, unknown>> {
	return executions.map((execution) => {
		let items: unknown;
		try {
			items = nodeOutputItems(execution, triggerName);
		} catch (error) {
			items = String(error);
		}
		return { id: execution.id, status: execution.status, items };
	});
}

/** The trigger's answer when it accepted a request and handed n8n items to run. */
export function isAcceptedAnswer(answer: HttpAnswer): boolean {
	const body = answer.body as { status?: unknown; items?: unknown } | undefined;
	return (
		answer.status === 200 &&
		body?.status === 'accepted' &&
		typeof body.items === 'number' &&
		body.items > 0
	);
}

export { fixtureNames, loadFixture } from '../../helpers/fixtures.cjs';
