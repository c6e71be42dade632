// `npm run dev`: this checkout's build in a real n8n, ready to click through and to curl.
//
// Installs n8n (once, cached; see install.js), packs and installs the freshly built package into
// .n8n-dev/.n8n/nodes, starts n8n on 127.0.0.1:${N8N_PORT:-5678}, creates (first run) or updates two
// example workflows — Captain.AI Trigger → Edit Fields and ARRIVE Trigger → Edit Fields —,
// publishes them and prints the editor URL, the login and a curl command per workflow.
// Runs until Ctrl-C, which stops n8n. n8n's output: .n8n-dev/n8n.log.
//
// Environment: N8N_PORT (default 5678), CAPTAIN_ARRIVE_N8N_VERSION (default 2.41.1).
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import harness from './n8n.js';

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
			},
			null,
			2,
		) + '\n',
	);

	const captainUrl = n8n.webhookUrl(WEBHOOK_IDS.captain, 'events');
	const arriveUrl = n8n.webhookUrl(WEBHOOK_IDS.arrive, 'arrive');
	await n8n.waitForWebhook(captainUrl);
	await n8n.waitForWebhook(arriveUrl);

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
