// Types for n8n.cjs (CommonJS, shared by the e2e suite, the tools and the benchmarks).

export interface HttpAnswer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	/** The body as text. */
	text: string;
	/** The body parsed as JSON when it is JSON, else the text; undefined when empty. */
	body: any;
}

export interface Owner {
	email: string;
	firstName: string;
	lastName: string;
	password: string;
}

export interface WorkflowNode {
	id?: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	webhookId?: string;
	credentials?: Record<string, { id: string; name: string }>;
}

export interface WorkflowInput {
	name: string;
	nodes: WorkflowNode[];
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
	/** Pinned output per node name; left out on n8n 1.x, whose public API refuses it. */
	pinData?: Record<string, Array<{ json: Record<string, unknown> }>>;
}

export interface Workflow extends WorkflowInput {
	id: string;
	active: boolean;
	[key: string]: unknown;
}

export interface Execution {
	id: string;
	status?: string;
	finished?: boolean;
	mode?: string;
	startedAt?: string;
	stoppedAt?: string | null;
	workflowId?: string;
	data?: any;
	[key: string]: unknown;
}

export interface N8nOptions {
	userFolder: string;
	/** Default 2.41.1. Installed into the cache on first use. */
	version?: string;
	/** Default: a free port on 127.0.0.1. */
	port?: number;
	/** Extra environment for n8n, e.g. { N8N_PROXY_HOPS: '1' }. */
	env?: Record<string, string>;
	/** Default true: pack this package and install it into <userFolder>/.n8n/nodes first. */
	installPackage?: boolean;
	startTimeoutMs?: number;
}

export declare class N8n {
	constructor(options: N8nOptions);
	readonly version: string;
	readonly major: number;
	readonly userFolder: string;
	/** n8n's stdout and stderr. */
	readonly logFile: string;
	readonly baseUrl: string;
	port: number | undefined;
	apiKey: string | undefined;
	cookie: string | undefined;
	/** How long the last start took until n8n answered. */
	startMs: number | undefined;
	/** Resolves when the running n8n exits; undefined when it is not running. */
	readonly exited: Promise<{ code: number | null; signal: string | null }> | undefined;
	webhookUrl(webhookId: string, path: string): string;
	/** <base>/webhook-test/<webhookId>/<path>: served while the workflow listens for a test event. */
	testWebhookUrl(webhookId: string, path: string): string;
	start(): Promise<this>;
	stop(graceMs?: number): Promise<void>;
	/** Same user folder, port and environment, plus `env`; logs in again. */
	restart(env?: Record<string, string>): Promise<this>;
	rest(method: string, route: string, body?: unknown): Promise<any>;
	ensureOwner(owner?: Owner): Promise<{ created: boolean }>;
	login(owner?: Owner): Promise<void>;
	createApiKey(label?: string): Promise<string>;
	/** Owner (created when missing) + login + (when it installed the package) assertPackageLoaded + API key. */
	setUp(owner?: Owner, apiKeyLabel?: string): Promise<this>;
	/** Names of the node (or credential) types n8n offers the editor; needs login. */
	typeNames(kind?: 'nodes' | 'credentials'): Promise<string[]>;
	/** Throws (naming what is missing, with the log's relevant lines) unless n8n loaded every node and
	 * credential of package.json#n8n. Returns the package's node type names. */
	assertPackageLoaded(): Promise<string[]>;
	api(method: string, route: string, body?: unknown): Promise<any>;
	createCredential(
		name: string,
		type: string,
		data: Record<string, unknown>,
	): Promise<{ id: string; name: string }>;
	createWorkflow(workflow: WorkflowInput): Promise<Workflow>;
	updateWorkflow(id: string, workflow: WorkflowInput): Promise<Workflow>;
	/** The saved workflow listens for one test event on that trigger, as "Execute step" does. */
	listenForTestEvent(workflowId: string, triggerName: string): Promise<void>;
	listWorkflows(): Promise<Workflow[]>;
	/** 2.x: POST /workflows/{id}/publish; 1.x: /activate. */
	activateWorkflow(id: string): Promise<Workflow>;
	deactivateWorkflow(id: string): Promise<Workflow>;
	/** Resolves once n8n serves the production URL (no node is called while probing). */
	waitForWebhook(url: string, options?: { method?: string; timeoutMs?: number }): Promise<void>;
	post(url: string, body: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
	get(url: string, headers?: Record<string, string>): Promise<HttpAnswer>;
	/** Executions of a workflow, newest first (n8n 1.x also lists running ones, without data). */
	listExecutions(workflowId: string, options?: { includeData?: boolean }): Promise<Execution[]>;
	waitForExecutions(
		workflowId: string,
		count: number,
		options?: { timeoutMs?: number; intervalMs?: number },
	): Promise<Execution[]>;
}

export declare const REPO_ROOT: string;
export declare const PACKAGE_NAME: string;
export declare const DEFAULT_OWNER: Owner;
export declare function packPackage(destDir: string): string;
export declare function installPackage(userFolder: string): string;
export declare function httpRequest(
	method: string,
	url: string,
	options?: { headers?: Record<string, string>; body?: unknown; timeoutMs?: number },
): Promise<HttpAnswer>;
export declare function freePort(): Promise<number>;
/** The JSON of the items `nodeName` output in `execution` (first run; first output by default). */
export declare function nodeOutputItems(
	execution: Execution,
	nodeName: string,
	outputIndex?: number,
): Array<Record<string, any>>;
export declare function sleep(ms: number): Promise<void>;
