/**
 * Runs a trigger node's `webhook()` inside n8n-core's real WebhookContext, on a real
 * n8n-workflow `Workflow`: parameter defaults, expression-free parameter reads, credential
 * resolution rules and static-data change tracking are n8n's own. An execution starts whenever
 * webhook() returns `workflowData`, even with no items and even after the node answered itself
 * (n8n 2.41 webhook-helpers.ts checks only `workflowData === undefined`); the harness then does
 * what n8n does next (webhook-helpers.ts, workflow-runner.ts):
 * a second Workflow is built over the same static data (which resets its change flag), the
 * node's execute() runs in n8n-core's real ExecuteContext, and what it passes to
 * sendResponse is written to the response, after which static data is saved if changed.
 *
 * The run's end is n8n 2.x's: handlers the node registered with onExecutionFinish run once the
 * run is over (`endSignal = false` drops the method, as on n8n 1.x).
 *
 * What is still a stand-in (n8n's server owns them and they cannot be built without it):
 * - the HTTP request/response (Express objects): plain objects with the fields n8n fills;
 * - the credentials store: `credentialsHelper.getDecrypted` returns the test's values;
 * - the database: `SavedWorkflow` keeps static data between requests the way n8n does —
 *   every request gets a fresh Workflow built from the last saved copy, and the copy is
 *   replaced only when the node changed static data (`__dataChanged`), after production calls.
 */
import { EventEmitter } from 'events';

import { CredentialTestContext, ExecuteContext, HookContext, WebhookContext } from 'n8n-core';
import {
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type IExecuteResponsePromiseData,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IWebhookData,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
	Workflow,
	createRunExecutionData,
} from 'n8n-workflow';

export interface FakeRequest {
	body: unknown;
	headers?: Record<string, string | string[]>;
	/** Express's req.ip: what n8n resolved as the client address. */
	ip?: string;
	/** Express's req.ips: filled only when n8n trusts a proxy (N8N_PROXY_HOPS > 0). */
	ips?: string[];
	rawBody?: Buffer;
	/**
	 * Bytes n8n left unread: node version ≥ 2 with a content type n8n does not parse. Only
	 * `req.readRawBody()` (which n8n's middleware attaches) makes them `rawBody`.
	 */
	unreadBody?: Buffer;
	/** Which of the node's webhooks n8n matched: 'default' (a delivery) or 'setup' (the sample). */
	webhook?: 'default' | 'setup';
	method?: string;
	/** Express's req.query. */
	query?: Record<string, unknown>;
}

export interface WebhookAnswer {
	/** HTTP status of the answer; 0 when the request was left unanswered. */
	status: number;
	/** The answer's JSON body. */
	body: IDataObject | undefined;
	/** The answer's body as text (an HTML page, say). */
	text: string | undefined;
	headers: Record<string, string>;
	/** Items the node handed n8n in `workflowData`; [] when none. */
	items: IDataObject[];
	/** Items on the second output (Invalid Deliveries); [] when none. */
	invalidItems: IDataObject[];
	/** webhook() returned `workflowData`: n8n starts an execution, with these items or none. */
	startsExecution: boolean;
}

/** What happens to an accepted delivery after webhook() handed n8n its items. */
export type RunOutcome =
	/** The run starts: the node's execute() answers; then the run ends. */
	| 'runs'
	/** The run starts and answers, but never ends here (n8n is killed during it). */
	| 'cut-short'
	/** n8n could not create or start the run and answers 500 (e.g. a database error). */
	| 'fails'
	/** The client gave up before anything was answered; n8n still starts the run and answers. */
	| 'client-gone';

/** A request whose webhook() has returned; `finish` decides what n8n does next. */
export interface StartedCall {
	startsExecution: boolean;
	finish(outcome?: RunOutcome): Promise<WebhookAnswer>;
	/**
	 * n8n never got to start the run (killed first): at its next start it runs the enqueued
	 * execution, with no one waiting for an answer. Call after forgetProcessMemory().
	 */
	recover(): Promise<void>;
}

export class SavedWorkflow {
	/** The static data "in the database". */
	staticData: IDataObject = {};
	saves = 0;
	/** How often n8n was asked to read and decrypt a credential. */
	credentialReads = 0;
	/** The node's saved version: n8n fills in the defaults of that version's parameters. */
	typeVersion = 1;
	/** Whether runs have n8n 2.x's onExecutionFinish (n8n 1.x has none). */
	endSignal = true;

	constructor(
		readonly nodeType: INodeType,
		readonly typeName: string,
		public parameters: IDataObject,
		public credentials: Record<string, ICredentialDataDecryptedObject> = {},
		readonly workflowId = 'wf-test-1',
		readonly nodeId = 'node-1',
	) {}

	private nodeTypes(): INodeTypes {
		const nodeType = this.nodeType;
		return {
			getByName: () => nodeType,
			getByNameAndVersion: () => nodeType,
			getKnownTypes: () => ({}),
		} as unknown as INodeTypes;
	}

	node(): INode {
		return {
			id: this.nodeId,
			name: 'Trigger',
			type: this.typeName,
			typeVersion: this.typeVersion,
			position: [0, 0],
			webhookId: '00000000-0000-4000-8000-00000000beef',
			parameters: this.parameters as INode['parameters'],
			credentials: Object.fromEntries(
				Object.keys(this.credentials).map((type) => [type, { id: `cred-${type}`, name: type }]),
			),
		};
	}

	/** One HTTP request, as n8n handles it, with the run (if any) going as `outcome` says. */
	async call(
		request: FakeRequest,
		mode: WorkflowExecuteMode = 'webhook',
		outcome: RunOutcome = 'runs',
	): Promise<WebhookAnswer> {
		return await (await this.start(request, mode)).finish(outcome);
	}

	/** Runs webhook() (fresh Workflow, real WebhookContext) and returns before any run. */
	async start(request: FakeRequest, mode: WorkflowExecuteMode = 'webhook'): Promise<StartedCall> {
		const rawStaticData = structuredClone(this.staticData);
		const workflow = this.workflow(rawStaticData);
		const node = workflow.getNode('Trigger') as INode;
		const response = new FakeResponse();
		const additionalData = this.additionalData(request, response);
		const webhookData = {
			httpMethod: request.method ?? 'POST',
			node: node.name,
			path: 'test',
			webhookDescription: {
				name: request.webhook ?? 'default',
				httpMethod: request.method ?? 'POST',
				path: 'test',
			},
			workflowId: this.workflowId,
			isTest: mode === 'manual',
		} as unknown as IWebhookData;

		const context = new WebhookContext(workflow, node, additionalData, mode, webhookData, [], null);
		const result = await this.nodeType.webhook!.call(context);
		const outputs = (result.workflowData ?? [[]]) as INodeExecutionData[][];
		const items = outputs[0] ?? [];
		const startsExecution = result.workflowData !== undefined;

		// n8n saves static data after production requests when the node changed it.
		const saveIfChanged = () => {
			if (mode === 'manual' || (workflow.staticData as IDataObject).__dataChanged !== true) return;
			// The database keeps JSON, so a JSON round trip is what the next request sees.
			const { __dataChanged: _changed, ...rest } = JSON.parse(
				JSON.stringify(workflow.staticData),
			) as IDataObject;
			this.staticData = rest;
			this.saves++;
		};
		const answer = (): WebhookAnswer => ({
			status: response.ended ? response.statusCode : 0,
			body: response.body,
			text: response.text,
			headers: response.headers,
			items: items.map((item) => withoutRunTicket(item.json)),
			invalidItems: (outputs[1] ?? []).map((item) => withoutRunTicket(item.json)),
			startsExecution,
		});

		if (!startsExecution) {
			// The node answered itself (n8n's responseCallback with noWebhookResponse saves first).
			saveIfChanged();
			return { startsExecution, finish: async () => answer(), recover: async () => undefined };
		}

		return {
			startsExecution,
			finish: async (outcome: RunOutcome = 'runs') => {
				// WorkflowRunner.run() builds another Workflow over the same static data object
				// (establishContextForPersistence), which resets its change flag.
				this.workflow(rawStaticData);
				if (outcome === 'client-gone') response.emit('close');
				if (outcome === 'fails') {
					response.status(500).json({ message: 'There was a problem executing the workflow' });
					return answer(); // responseCallback(error): n8n does not save static data
				}
				const run = await this.runExecute(outputs, mode, additionalData);
				const sent = run.sent;
				if (!sent) throw new Error('the run ended without answering the request');
				// A webhook that answered itself (the sample: noWebhookResponse, responseMode
				// onReceived) has no response waiting for the run: n8n drops what the run sends.
				if (response.ended) return answer();
				// setupResponseNodePromise. A Buffer body: status (2.x), headers, end, then save. Any
				// other body: responseCallback answers it with its status (res.status().json()),
				// then the save.
				if (sent.statusCode) response.status(sent.statusCode as number);
				for (const [name, value] of Object.entries(sent.headers ?? {}))
					response.setHeader(name, String(value));
				if (Buffer.isBuffer(sent.body)) response.end(sent.body);
				else response.json(sent.body as IDataObject);
				saveIfChanged();
				if (outcome !== 'cut-short') await run.end();
				return answer();
			},
			recover: async () => {
				const run = await this.runExecute(outputs, mode, this.additionalData(request, response));
				await run.end();
			},
		};
	}

	/** The node's execute() in n8n-core's ExecuteContext, as the first node of the run. */
	private async runExecute(
		outputs: INodeExecutionData[][],
		mode: WorkflowExecuteMode,
		baseData: IWorkflowExecuteAdditionalData,
	): Promise<{ sent: IExecuteResponsePromiseData | undefined; end: () => Promise<void> }> {
		let sent: IExecuteResponsePromiseData | undefined;
		const atEnd: Array<(runData: { status: string }) => Promise<void>> = [];
		const additionalData = {
			...baseData,
			hooks: {
				runHook: async (name: string, args: unknown[]) => {
					if (name === 'sendResponse') sent = args[0] as IExecuteResponsePromiseData;
				},
				addHandler: (name: string, handler: (runData: { status: string }) => Promise<void>) => {
					if (name === 'workflowExecuteAfter') atEnd.push(handler);
				},
			},
		} as unknown as IWorkflowExecuteAdditionalData;
		const workflow = this.workflow(structuredClone(this.staticData));
		const node = workflow.getNode('Trigger') as INode;
		// n8n puts what webhook() returned on the first node's input, output for output; it stores
		// it with the execution, so each run (a recovered one too) reads its own copy.
		const inputData = { main: structuredClone(outputs) };
		const items = inputData.main[0] ?? [];
		const executeData = { node, data: inputData, source: null };
		const context = new ExecuteContext(
			workflow,
			node,
			additionalData,
			mode,
			createRunExecutionData(),
			0,
			items,
			inputData,
			executeData,
			[],
		);
		if (!this.endSignal) (context as { onExecutionFinish?: unknown }).onExecutionFinish = undefined;
		// n8n stores the run's input with the execution: what execute() changes is its own copy.
		const output = (await this.nodeType.execute!.call(context)) as INodeExecutionData[][];
		this.lastRunOutput = output[0].map((item) => item.json);
		this.lastRunInvalid = (output[1] ?? []).map((item) => item.json);
		return {
			sent,
			end: async () => {
				for (const handler of atEnd) await handler({ status: 'success' });
			},
		};
	}

	/** Publishing the workflow: n8n runs the webhook's checkExists in its real HookContext. */
	async activate(): Promise<boolean> {
		const workflow = this.workflow(structuredClone(this.staticData));
		const node = workflow.getNode('Trigger') as INode;
		const webhookData = {
			httpMethod: 'POST',
			node: node.name,
			path: 'test',
			webhookDescription: {},
			workflowId: this.workflowId,
		} as unknown as IWebhookData;
		const context = new HookContext(
			workflow,
			node,
			this.additionalData({ body: {} }, new FakeResponse()),
			'webhook',
			'activate',
			webhookData,
		);
		return await this.nodeType.webhookMethods!.default!.checkExists!.call(context);
	}

	/** The credential's "Test" button: the node's credential test in n8n-core's CredentialTestContext. */
	async testCredential(testName: string, data: ICredentialDataDecryptedObject) {
		const context = new CredentialTestContext(
			this.additionalData({ body: {} }, new FakeResponse()),
		);
		const test = this.nodeType.methods!.credentialTest![testName];
		return await test.call(context, {
			id: 'cred-1',
			name: 'test',
			type: Object.keys(this.credentials)[0] ?? 'unknown',
			data,
		});
	}

	/** What the node's execute() passed on in the last run. */
	lastRunOutput: IDataObject[] = [];
	/** What the last run passed on its second output (Invalid Deliveries). */
	lastRunInvalid: IDataObject[] = [];

	private workflow(staticData: IDataObject): Workflow {
		return new Workflow({
			id: this.workflowId,
			name: 'test',
			nodes: [this.node()],
			connections: {},
			active: true,
			nodeTypes: this.nodeTypes(),
			staticData,
		});
	}

	private additionalData(
		request: FakeRequest,
		response: FakeResponse,
	): IWorkflowExecuteAdditionalData {
		const credentials = this.credentials;
		const countRead = () => this.credentialReads++;
		return {
			httpRequest: {
				method: request.method ?? 'POST',
				headers: nodeHeaders(request.headers ?? {}),
				rawHeaders: rawHeaderLines(request.headers ?? {}),
				body: request.body,
				rawBody: request.rawBody,
				async readRawBody(this: { rawBody?: Buffer }) {
					this.rawBody ??= request.unreadBody ?? Buffer.alloc(0);
				},
				ip: request.ip ?? '127.0.0.1',
				ips: request.ips ?? [],
				params: {},
				query: request.query ?? {},
				socket: { remoteAddress: request.ip ?? '127.0.0.1' },
			},
			httpResponse: response,
			credentialsHelper: {
				getDecrypted: async (_data: unknown, nodeCredentials: { name: string }, type: string) => {
					countRead();
					if (!credentials[type])
						throw new Error(`no credentials of type ${type} (${nodeCredentials?.name})`);
					return credentials[type];
				},
				isCredentialUsableByNode: () => true,
				getCredentialsProperties: () => [],
			},
			executionId: undefined,
			restApiUrl: 'http://localhost:5678/rest',
			instanceBaseUrl: 'http://localhost:5678/',
			webhookBaseUrl: 'http://localhost:5678/webhook',
			webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
			webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
			formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
			variables: {},
		} as unknown as IWorkflowExecuteAdditionalData;
	}
}

/** An item as the workflow sees it: without what the node carries for its own run. */
function withoutRunTicket(json: IDataObject): IDataObject {
	return Object.fromEntries(
		Object.entries(json).filter(([key]) => !key.startsWith('__captainArrive')),
	);
}

/** Express's response as far as the nodes and n8n's answering code use it. */
class FakeResponse extends EventEmitter {
	statusCode = 200;
	body?: IDataObject;
	text?: string;
	headers: Record<string, string> = {};
	ended = false;
	status(code: number) {
		this.statusCode = code;
		return this;
	}
	setHeader(name: string, value: string) {
		this.headers[name.toLowerCase()] = value;
		return this;
	}
	json(body: IDataObject) {
		this.setHeader('content-type', 'application/json; charset=utf-8');
		this.end(Buffer.from(JSON.stringify(body)));
		return this;
	}
	end(chunk?: Buffer | string) {
		if (this.ended) return this;
		this.ended = true;
		if (chunk !== undefined) {
			this.text = chunk.toString();
			if (this.headers['content-type']?.startsWith('application/json'))
				this.body = JSON.parse(this.text) as IDataObject;
		}
		this.emit('finish');
		this.emit('close');
		return this;
	}
}

/**
 * `req.headers` as Node builds it: names in lower case, and a header sent more than once (an
 * array here) joined with ", " into one value, as Node does for every header but a few.
 */
function nodeHeaders(headers: Record<string, string | string[]>) {
	return Object.fromEntries(
		Object.entries(headers).map(([key, value]) => [
			key.toLowerCase(),
			Array.isArray(value) ? value.join(', ') : value,
		]),
	);
}

/** `req.rawHeaders`: one name/value pair per line sent, names as written. */
function rawHeaderLines(headers: Record<string, string | string[]>) {
	return Object.entries(headers).flatMap(([key, value]) =>
		(Array.isArray(value) ? value : [value]).flatMap((line) => [key, line]),
	);
}

/**
 * The Logger instance n8n-core's contexts hand to nodes as `this.logger`. Resolved from
 * n8n-core's own dependencies: it may carry its own copy of @n8n/di, whose container is not
 * the one a plain import here would reach.
 */
export function n8nLogger(): {
	warn: (...args: unknown[]) => void;
	error: (...args: unknown[]) => void;
} {
	const fromCore = { paths: [require.resolve('n8n-core')] };
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Container } = require(require.resolve('@n8n/di', fromCore));
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Logger } = require(require.resolve('@n8n/backend-common', fromCore));
	return Container.get(Logger);
}

// n8n's logger would print every refusal line into the test output. Replaced outright rather
// than mocked, so that restoreAllMocks keeps it quiet; tests that check lines spy on it.
const quietLogger = n8nLogger();
quietLogger.warn = () => undefined;
quietLogger.error = () => undefined;
