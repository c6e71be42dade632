/**
 * Runs a trigger node's `webhook()` inside n8n-core's real WebhookContext, on a real
 * n8n-workflow `Workflow`: parameter defaults, expression-free parameter reads, credential
 * resolution rules and static-data change tracking are n8n's own.
 *
 * What is still a stand-in (n8n's server owns them and they cannot be built without it):
 * - the HTTP request/response (Express objects): plain objects with the fields n8n fills;
 * - the credentials store: `credentialsHelper.getDecrypted` returns the test's values;
 * - the database: `SavedWorkflow` keeps static data between requests the way n8n does —
 *   every request gets a fresh Workflow built from the last saved copy, and the copy is
 *   replaced only when the node changed static data (`__dataChanged`), after production calls.
 */
import { WebhookContext } from 'n8n-core';
import {
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IWebhookData,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
	Workflow,
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
}

export interface WebhookAnswer {
	/** HTTP status the node wrote itself; 0 when it left the answer to n8n. */
	status: number;
	/** JSON the node wrote itself. */
	body: IDataObject | undefined;
	/** Items that would start an execution; [] when none would. */
	items: IDataObject[];
	startsExecution: boolean;
}

export class SavedWorkflow {
	/** The static data "in the database". */
	staticData: IDataObject = {};
	saves = 0;
	/** How often n8n was asked to read and decrypt a credential. */
	credentialReads = 0;

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
			typeVersion: 1,
			position: [0, 0],
			webhookId: '00000000-0000-4000-8000-00000000beef',
			parameters: this.parameters as INode['parameters'],
			credentials: Object.fromEntries(Object.keys(this.credentials).map((type) => [type, { id: `cred-${type}`, name: type }])),
		};
	}

	/** One HTTP request, as n8n handles it: fresh Workflow, real WebhookContext, save after. */
	async call(request: FakeRequest, mode: WorkflowExecuteMode = 'webhook'): Promise<WebhookAnswer> {
		const workflow = new Workflow({
			id: this.workflowId,
			name: 'test',
			nodes: [this.node()],
			connections: {},
			active: true,
			nodeTypes: this.nodeTypes(),
			staticData: structuredClone(this.staticData),
		});
		const node = workflow.getNode('Trigger') as INode;
		const response = new FakeResponse();
		const credentials = this.credentials;
		const countRead = () => this.credentialReads++;
		const additionalData = {
			httpRequest: {
				method: 'POST',
				headers: lowercaseKeys(request.headers ?? {}),
				body: request.body,
				rawBody: request.rawBody,
				async readRawBody(this: { rawBody?: Buffer }) {
					this.rawBody ??= request.unreadBody ?? Buffer.alloc(0);
				},
				ip: request.ip ?? '127.0.0.1',
				ips: request.ips ?? [],
				params: {},
				query: {},
				socket: { remoteAddress: request.ip ?? '127.0.0.1' },
			},
			httpResponse: response,
			credentialsHelper: {
				getDecrypted: async (_data: unknown, nodeCredentials: { name: string }, type: string) => {
					countRead();
					if (!credentials[type]) throw new Error(`no credentials of type ${type} (${nodeCredentials?.name})`);
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
		const webhookData = {
			httpMethod: 'POST',
			node: node.name,
			path: 'test',
			webhookDescription: { name: 'default', httpMethod: 'POST', path: 'test' },
			workflowId: this.workflowId,
			isTest: mode === 'manual',
		} as unknown as IWebhookData;

		const context = new WebhookContext(workflow, node, additionalData, mode, webhookData, [], null);
		const result = await this.nodeType.webhook!.call(context);

		// n8n saves static data after production requests when the node changed it.
		if (mode !== 'manual' && (workflow.staticData as IDataObject).__dataChanged === true) {
			// The database keeps JSON, so a JSON round trip is what the next request sees.
			const { __dataChanged: _changed, ...rest } = JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject;
			this.staticData = rest;
			this.saves++;
		}

		// n8n starts an execution whenever workflowData is returned, answered or not.
		const items = (result.workflowData?.[0] ?? []).map((item: INodeExecutionData) => item.json);
		const startsExecution = result.workflowData !== undefined && items.length > 0;
		// The nodes answer every request themselves (see webhook-io.ts): one that left the answer
		// to n8n would reintroduce the n8n 2.x static-data loss, so it shows here as status 0.
		return { status: result.noWebhookResponse ? (response.statusCode ?? 0) : 0, body: response.body, items, startsExecution };
	}
}

class FakeResponse {
	statusCode?: number;
	body?: IDataObject;
	status(code: number) {
		this.statusCode = code;
		return this;
	}
	json(body: IDataObject) {
		this.body = body;
		return this;
	}
}

function lowercaseKeys(headers: Record<string, string | string[]>) {
	return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
}
