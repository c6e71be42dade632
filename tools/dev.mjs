// `npm run dev`: this checkout's build in a real n8n, ready to click through and to curl.
//
// Installs n8n (once, cached; see install.js), packs and installs the freshly built package into
// .n8n-dev/.n8n/nodes, starts n8n on 127.0.0.1:${N8N_PORT:-5678}, creates (first run) or updates two
// dev workflows — Captain.AI Trigger → Edit Fields and ARRIVE Trigger → Edit Fields — and the
// importable examples of examples/*.json, publishes them and prints the editor URL, the login and
// a curl command per workflow. The examples' Slack and HTTP Request nodes get placeholder
// credentials ("… (example — replace)"), created once and kept: n8n 2.x refuses to publish a
// workflow whose node lacks a required credential.
// Runs until Ctrl-C, which stops n8n. n8n's output: .n8n-dev/n8n.log.
//
// Environment: N8N_PORT (default 5678), CAPTAIN_ARRIVE_N8N_VERSION (default 2.41.1).
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import harness from './real-n8n/n8n.cjs';

const { N8n, REPO_ROOT } = harness;

const VERSION = process.env.CAPTAIN_ARRIVE_N8N_VERSION || '2.41.1';
const PORT = Number(process.env.N8N_PORT || 5678);
const USER_FOLDER = join(REPO_ROOT, '.n8n-dev');
const STATE_FILE = join(USER_FOLDER, 'dev-state.json');
const DEV_OWNER = {
	email: 'dev@example.com',
	firstName: 'Dev',
	lastName: 'User',
	password: 'CaptainArrive-Dev-1',
};
const API_KEY_LABEL = 'captain-arrive-dev';
// Fixed webhook ids: the production URLs stay the same from one `npm run dev` to the next.
const WEBHOOK_IDS = {
	captain: '5c0d1a6e-0c4a-4b4e-9a11-ca97a1a1d0e1',
	arrive: '5c0d1a6e-0c4a-4b4e-9a11-a77a1fe0d0e2',
	captainDeliveredToSlack: '5c0d1a6e-0c4a-4b4e-9a11-e8a3b1e0d0e3',
	captainStatusToPos: '5c0d1a6e-0c4a-4b4e-9a11-e8a3b1e0d0e4',
	arriveArrivedToSlack: '5c0d1a6e-0c4a-4b4e-9a11-e8a3b1e0d0e5',
};
const PACKAGE = 'n8n-nodes-captain-arrive';

const fixture = (provider, name) =>
	JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', provider, `${name}.json`), 'utf8'));

function readState() {
	try {
		return JSON.parse(readFileSync(STATE_FILE, 'utf8'));
	} catch {
		return {};
	}
}

// ---------------------------------------------------------------------------------------------
// The example workflows

function editFields(position) {
	return {
		id: randomUUID(),
		name: 'Edit Fields',
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position,
		parameters: {
			mode: 'manual',
			includeOtherFields: true,
			assignments: {
				assignments: [
					{ id: randomUUID(), name: 'receivedAt', value: '={{ $now.toISO() }}', type: 'string' },
				],
			},
			options: {},
		},
	};
}

function exampleWorkflow(name, trigger) {
	return {
		name,
		nodes: [trigger, editFields([260, 0])],
		connections: { [trigger.name]: { main: [[{ node: 'Edit Fields', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

const captainWorkflow = (credential) =>
	exampleWorkflow('Captain.AI Trigger (dev example)', {
		id: randomUUID(),
		name: 'Captain.AI Trigger',
		type: `${PACKAGE}.captainAiTrigger`,
		typeVersion: 1,
		position: [0, 0],
		webhookId: WEBHOOK_IDS.captain,
		parameters: { receives: 'events', authentication: 'authToken', events: ['*'] },
		credentials: { captainAiWebhookApi: { id: credential.id, name: credential.name } },
	});

const arriveWorkflow = () =>
	exampleWorkflow('ARRIVE Trigger (dev example)', {
		id: randomUUID(),
		name: 'ARRIVE Trigger',
		type: `${PACKAGE}.arriveTrigger`,
		typeVersion: 1,
		position: [0, 0],
		webhookId: WEBHOOK_IDS.arrive,
		// ARRIVE's own addresses plus this machine, so that the printed curl is let in.
		parameters: { sourceRestriction: 'arriveAddresses', additionalAddresses: '127.0.0.1, ::1' },
	});

/** Updates the workflow saved earlier (by id, else by name) or creates it; then publishes it. */
async function upsertAndPublish(n8n, knownId, workflow) {
	let existing;
	if (knownId) existing = await n8n.api('GET', `/workflows/${knownId}`).catch(() => undefined);
	existing ??= (await n8n.listWorkflows()).find((candidate) => candidate.name === workflow.name);
	let id;
	if (existing) {
		id = existing.id;
		await n8n.deactivateWorkflow(id).catch(() => undefined);
		await n8n.updateWorkflow(id, workflow);
	} else {
		id = (await n8n.createWorkflow(workflow)).id;
	}
	await n8n.activateWorkflow(id);
	return id;
}

// ---------------------------------------------------------------------------------------------
// The importable examples (examples/*.json), as a user has them after importing and choosing
// credentials. Changes made to them in the editor are overwritten at the next start.

/** key: state and webhook id; trigger path; what to send (see samples below). */
const EXAMPLES = [
	{ key: 'captainDeliveredToSlack', file: 'captain-delivered-to-slack.json', path: 'events' },
	{ key: 'captainStatusToPos', file: 'captain-status-to-pos.json', path: 'events' },
	{ key: 'arriveArrivedToSlack', file: 'arrive-arrived-to-slack.json', path: 'arrive' },
];

/** Clearly fake credentials for the examples' outbound nodes, by credential type. */
const PLACEHOLDER_CREDENTIALS = {
	slackApi: {
		name: 'Slack (example — replace)',
		data: (major) => ({
			accessToken: 'xoxb-example-replace-me',
			// n8n 1.x's public API schema for slackApi requires its notice property.
			...(major < 2 ? { notice: '' } : {}),
		}),
	},
	httpHeaderAuth: {
		name: 'POS header auth (example — replace)',
		data: () => ({ name: 'Authorization', value: 'Bearer example-replace-me' }),
	},
};

/** The placeholder credentials saved earlier (kept, since the user may have filled them in), else new ones. */
async function placeholderCredentials(n8n, known = {}) {
	const credentials = {};
	for (const [type, placeholder] of Object.entries(PLACEHOLDER_CREDENTIALS)) {
		const earlier = known[type]
			? await n8n.rest('GET', `/credentials/${known[type]}`).catch(() => undefined)
			: undefined;
		credentials[type] = earlier
			? { id: earlier.id, name: earlier.name }
			: await n8n.createCredential(placeholder.name, type, placeholder.data(n8n.major));
	}
	return credentials;
}

function credentialTypesOf(node) {
	const parameters = node.parameters ?? {};
	if (node.type === `${PACKAGE}.captainAiTrigger`)
		return parameters.authentication === 'none' ? [] : ['captainAiWebhookApi'];
	if (node.type === 'n8n-nodes-base.slack')
		return [parameters.authentication === 'oAuth2' ? 'slackOAuth2Api' : 'slackApi'];
	if (
		node.type === 'n8n-nodes-base.httpRequest' &&
		parameters.authentication === 'genericCredentialType'
	)
		return [parameters.genericAuthType];
	return [];
}

function exampleWorkflowFromFile(example, credentials) {
	const shipped = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', example.file), 'utf8'));
	const nodes = shipped.nodes.map((node) => {
		const copy = { ...node, parameters: { ...node.parameters } };
		if (node.type.startsWith(`${PACKAGE}.`)) copy.webhookId = WEBHOOK_IDS[example.key];
		// ARRIVE's addresses plus this machine, so that the printed curl is let in.
		if (node.type === `${PACKAGE}.arriveTrigger`)
			copy.parameters.additionalAddresses = '127.0.0.1, ::1';
		const types = credentialTypesOf(node);
		if (types.length > 0) {
			copy.credentials = Object.fromEntries(
				types.map((type) => {
					const credential = credentials[type];
					return [type, { id: credential.id, name: credential.name }];
				}),
			);
		}
		return copy;
	});
	return {
		name: `${shipped.name} (example)`,
		nodes,
		connections: shipped.connections,
		settings: shipped.settings ?? { executionOrder: 'v1' },
		// The trigger's pinned output, as after an import (n8n 1.x's public API refuses it: the
		// harness leaves it out there).
		pinData: shipped.pinData,
	};
}

/** Like upsertAndPublish, but an example that n8n will not publish stays saved, with the reason. */
async function upsertExample(n8n, knownId, workflow) {
	try {
		return { id: await upsertAndPublish(n8n, knownId, workflow), published: true };
	} catch (error) {
		const saved = (await n8n.listWorkflows()).find((candidate) => candidate.name === workflow.name);
		if (!saved) throw error;
		return { id: saved.id, published: false, reason: error.message };
	}
}

// ---------------------------------------------------------------------------------------------
// Ready-to-paste curl commands

const FRESH_UUID = '__FRESH_UUID__';
const NOW = '__NOW__';

/** The body as a single-quoted shell word; placeholders become command substitutions. */
function shellJson(body) {
	const quoted = `'${JSON.stringify(body).replace(/'/g, `'\\''`)}'`;
	return quoted
		.replaceAll(FRESH_UUID, `'"$(cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen)"'`)
		.replaceAll(NOW, `'"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)"'`);
}

function curl(url, headers, body) {
	return [
		`curl -sS -w '\\nHTTP %{http_code}\\n' -X POST '${url}'`,
		`  -H 'Content-Type: application/json'`,
		...Object.entries(headers).map(([name, value]) => `  -H '${name}: ${value}'`),
		`  --data-binary ${shellJson(body)}`,
	].join(' \\\n');
}

/** A Captain.AI order_assigned event, new on every run: fresh event_uuid and timestamps. */
function captainSample() {
	const body = fixture('captain', 'order_assigned');
	return {
		...body,
		event_uuid: FRESH_UUID,
		created_at: NOW,
		metadata: { ...body.metadata, sent_at: NOW },
	};
}

/** The ARRIVE sample call; a fresh ack token makes each run a new arrival (else: duplicate). */
function arriveSample() {
	const body = fixture('arrive', 'ad-estimates');
	const [estimate, ...others] = body.data.estimates;
	return {
		...body,
		timestamp: NOW,
		data: {
			...body.data,
			estimates: [{ ...estimate, ack: { ...estimate.ack, token: FRESH_UUID } }, ...others],
		},
	};
}

/** A Captain.AI order_status_updated event for a delivered order, new on every run. */
function captainDeliveredSample() {
	const body = fixture('examples', 'captain-order-completed');
	return {
		...body,
		event_uuid: FRESH_UUID,
		created_at: NOW,
		metadata: { ...body.metadata, sent_at: NOW },
	};
}

/** What to print for the examples: URL, whether published (else why not), a curl each. */
function exampleLines(examples, authToken) {
	const lines = [
		'Examples from examples/, as imported (reset at every start). Their Slack and POS credentials are',
		`placeholders: until you fill in "${PLACEHOLDER_CREDENTIALS.slackApi.name}" and`,
		`"${PLACEHOLDER_CREDENTIALS.httpHeaderAuth.name}" (and the POS URL), runs end in an error at the last`,
		'node; the message or request it would have sent is in the execution.',
		'',
	];
	for (const example of Object.values(examples)) {
		lines.push(`${example.workflow.name}   (${n8n.baseUrl}/workflow/${example.id})`);
		if (!example.published) {
			lines.push(`  NOT published: ${example.reason}`, '');
			continue;
		}
		lines.push(`  Production URL: ${example.url}`);
		if (example.path === 'arrive') {
			lines.push('  Send the sample arrival (new ack token on each run):', '');
			lines.push(curl(example.url, {}, arriveSample()));
		} else {
			lines.push('  Send a delivered order (order_status_updated, completed):', '');
			lines.push(curl(example.url, { 'Auth-Token': authToken }, captainDeliveredSample()));
		}
		lines.push('');
	}
	return lines;
}

// ---------------------------------------------------------------------------------------------

const n8n = new N8n({ version: VERSION, userFolder: USER_FOLDER, port: PORT });

async function main() {
	let stopping = false;
	const stop = async (signal) => {
		if (stopping) return;
		stopping = true;
		process.stderr.write(`\n${signal}: stopping n8n…\n`);
		await n8n.stop();
		process.exit(0);
	};
	process.on('SIGINT', () => void stop('SIGINT'));
	process.on('SIGTERM', () => void stop('SIGTERM'));

	const started = Date.now();
	await n8n.start();
	try {
		await n8n.setUp(DEV_OWNER, API_KEY_LABEL);
	} catch (error) {
		throw new Error(
			`${error.message}\nThe dev owner ${DEV_OWNER.email} could not log in (password changed in the editor?). ` +
				`Delete ${relative(process.cwd(), USER_FOLDER) || USER_FOLDER}/ to start afresh.`,
		);
	}

	const state = readState();
	state.authToken ??= randomBytes(24).toString('hex');
	// A new credential each start (the public API of n8n 1.x cannot read or update one), same token.
	const credential = await n8n.createCredential(
		'Captain.AI Auth-Token (dev)',
		'captainAiWebhookApi',
		{
			authToken: state.authToken,
		},
	);
	const captainId = await upsertAndPublish(
		n8n,
		state.workflows?.captain,
		captainWorkflow(credential),
	);
	const arriveId = await upsertAndPublish(n8n, state.workflows?.arrive, arriveWorkflow());
	const placeholders = await placeholderCredentials(n8n, state.placeholderCredentials);
	const examples = {};
	for (const example of EXAMPLES) {
		const workflow = exampleWorkflowFromFile(example, {
			...placeholders,
			captainAiWebhookApi: credential,
		});
		examples[example.key] = {
			...example,
			workflow,
			...(await upsertExample(n8n, state.examples?.[example.key], workflow)),
		};
	}
	if (state.credentialId && state.credentialId !== credential.id) {
		await n8n.api('DELETE', `/credentials/${state.credentialId}`).catch(() => undefined);
	}
	writeFileSync(
		STATE_FILE,
		JSON.stringify(
			{
				authToken: state.authToken,
				credentialId: credential.id,
				workflows: { captain: captainId, arrive: arriveId },
				placeholderCredentials: Object.fromEntries(
					Object.entries(placeholders).map(([type, { id }]) => [type, id]),
				),
				examples: Object.fromEntries(
					Object.values(examples).map((example) => [example.key, example.id]),
				),
			},
			null,
			2,
		) + '\n',
	);

	const captainUrl = n8n.webhookUrl(WEBHOOK_IDS.captain, 'events');
	const arriveUrl = n8n.webhookUrl(WEBHOOK_IDS.arrive, 'arrive');
	await n8n.waitForWebhook(captainUrl);
	await n8n.waitForWebhook(arriveUrl);
	for (const example of Object.values(examples)) {
		example.url = n8n.webhookUrl(WEBHOOK_IDS[example.key], example.path);
		if (example.published) await n8n.waitForWebhook(example.url);
	}

	const seconds = ((Date.now() - started) / 1000).toFixed(0);
	const out = [
		'',
		`n8n ${VERSION} is running with ${PACKAGE} from this checkout (ready in ${seconds} s).`,
		'',
		`  Editor:  ${n8n.baseUrl}/home/workflows`,
		`  Login:   ${DEV_OWNER.email} / ${DEV_OWNER.password}`,
		`  Log:     ${relative(process.cwd(), n8n.logFile)}`,
		'',
		`Captain.AI Trigger → Edit Fields   (${n8n.baseUrl}/workflow/${captainId})`,
		`  Production URL: ${captainUrl}`,
		`  Auth-Token:     ${state.authToken}`,
		'  Send an order_assigned event (new event_uuid on each run):',
		'',
		curl(captainUrl, { 'Auth-Token': state.authToken }, captainSample()),
		'',
		`ARRIVE Trigger → Edit Fields   (${n8n.baseUrl}/workflow/${arriveId})`,
		`  Production URL: ${arriveUrl}`,
		"  Allowed senders: ARRIVE's addresses and 127.0.0.1, ::1 (Also Accept Calls From).",
		'  Send the sample ad-estimates call (new ack token on each run, so a new arrival):',
		'',
		curl(arriveUrl, {}, arriveSample()),
		'',
		...exampleLines(examples, state.authToken),
		'Executions: Overview → Executions in the editor. Ctrl-C stops n8n.',
		'',
	];
	process.stdout.write(out.join('\n') + '\n');

	const exit = await n8n.exited;
	if (!stopping) {
		process.stderr.write(`n8n exited unexpectedly (${JSON.stringify(exit)}); see ${n8n.logFile}\n`);
		process.exit(1);
	}
}

main().catch(async (error) => {
	process.stderr.write(`npm run dev failed: ${error.stack ?? error}\n`);
	await n8n.stop();
	process.exit(1);
});
