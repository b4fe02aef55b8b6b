'use strict';
/**
 * Activates the built Gift Trigger the way n8n does, through n8n-core's own ActiveWorkflows and
 * TriggerContext (the same engine the node tests use, test/nodes/harness), so a bench can count
 * what several active workflows cost Telegram without a whole n8n process. Each activation is its
 * own workflow (its own id, node and static data) on the given sandbox credential.
 *
 * Must be required before anything loads n8n-core: n8n's instance settings and the package's
 * store read their locations from the environment on first use.
 */
const fs = require('node:fs');
const path = require('node:path');
const { BUILD, tempDir } = require('./common');

const folder = tempDir('bench-n8n-');
process.env.N8N_USER_FOLDER = folder;
process.env.TELEGRAM_GIFTS_DB = path.join(folder, 'store.sqlite');
process.env.N8N_LOG_LEVEL = process.env.N8N_LOG_LEVEL || 'silent';
process.env.N8N_ENCRYPTION_KEY = process.env.N8N_ENCRYPTION_KEY || 'bench-only-key';
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';

const PACKAGE_NAME = 'n8n-nodes-telegram-gifts';
const ACCOUNT_CREDENTIAL = 'telegramGiftsAccountApi';

function n8nContainer() {
	const diPath = require.resolve('@n8n/di', { paths: [require.resolve('n8n-core')] });
	return require(diPath).Container;
}

function builtClass(rel, className) {
	const file = path.join(BUILD, rel);
	if (!fs.existsSync(file)) throw new Error(`the build has no ${rel}`);
	return new (require(file)[className])();
}

/**
 * @param {object} credentials the sandbox's credentials
 * @returns {{activate(parameters: object, id?: string): Promise<{id: string, events: number, executions: number, errors: Error[], deactivate(): Promise<void>}>, shutdown(): Promise<void>}}
 */
function triggerEngine(credentials) {
	const { ActiveWorkflows, TriggerContext } = require('n8n-core');
	const { Workflow, NodeHelpers } = require('n8n-workflow');
	const trigger = builtClass('nodes/TelegramGiftTrigger/TelegramGiftTrigger.node.js', 'TelegramGiftTrigger');
	const credentialType = builtClass('credentials/TelegramGiftsAccountApi.credentials.js', 'TelegramGiftsAccountApi');
	const nodeTypes = {
		getByName: () => trigger,
		getByNameAndVersion: () => trigger,
		getKnownTypes: () => ({}),
	};
	const stored = {
		apiId: credentials.apiId,
		apiHash: credentials.apiHash,
		server: 'custom',
		host: credentials.server.host,
		port: credentials.server.port,
		sessions: credentials.accounts.map((a) => `${a.label}: ${a.session}`).join('\n'),
	};
	const decrypted = NodeHelpers.getNodeParameters(credentialType.properties, stored, true, false, null, null);
	const credentialsHelper = {
		getDecrypted: async () => ({ ...decrypted }),
		getParentTypes: () => [],
		getCredentialsProperties: () => credentialType.properties,
		authenticate: async () => {
			throw new Error('not HTTP');
		},
		preAuthentication: async () => undefined,
		updateCredentials: async () => undefined,
		updateCredentialsOauthTokenData: async () => undefined,
	};
	const additionalData = { credentialsHelper, variables: {}, restApiUrl: '', instanceBaseUrl: '', webhookBaseUrl: '', webhookWaitingBaseUrl: '', webhookTestBaseUrl: '', formWaitingBaseUrl: '' };
	const activeWorkflows = n8nContainer().get(ActiveWorkflows);
	let counter = 0;
	const active = new Set();

	async function activate(parameters, id = `wf-bench-${++counter}`) {
		const node = {
			id: `${id}-trigger`,
			name: 'Gift Trigger',
			type: `${PACKAGE_NAME}.telegramGiftTrigger`,
			typeVersion: 1,
			position: [0, 0],
			parameters,
			credentials: { [ACCOUNT_CREDENTIAL]: { id: 'bench-credential', name: 'bench' } },
		};
		const workflow = new Workflow({ id, name: id, nodes: [node], connections: {}, nodeTypes, active: false, settings: { executionOrder: 'v1' } });
		const state = { id, events: 0, executions: 0, errors: [], giftIds: [] };
		await activeWorkflows.add(
			id,
			workflow,
			additionalData,
			'trigger',
			'activate',
			(wf, n, data, mode, activation) =>
				new TriggerContext(
					wf,
					n,
					data,
					mode,
					activation,
					// An execution per emit, as n8n starts one; the bench counts them instead of running them.
					(output) => {
						state.executions += 1;
						state.events += output[0]?.length ?? 0;
						for (const item of output[0] ?? []) state.giftIds.push(String(item.json.id));
					},
					(error) => state.errors.push(error),
				),
			() => {
				throw new Error('no poll nodes here');
			},
		);
		active.add(id);
		return {
			id,
			get events() {
				return state.events;
			},
			get executions() {
				return state.executions;
			},
			errors: state.errors,
			/** Gift ids of every emitted item, in order. */
			giftIds: state.giftIds,
			async deactivate() {
				if (!active.delete(id)) return;
				await activeWorkflows.remove(id);
			},
		};
	}

	return {
		activate,
		async shutdown() {
			for (const id of [...active]) {
				active.delete(id);
				await activeWorkflows.remove(id);
			}
		},
	};
}

module.exports = { triggerEngine };
