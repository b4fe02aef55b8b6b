'use strict';
// The sandbox (a simulated Telegram gift market + fake Bot API), loaded from the installed
// package, and the n8n credentials that point at it.

const fs = require('node:fs');
const path = require('node:path');

/** Starts the sandbox shipped in the installed package with a scenario object or JSON file. */
async function startPackageSandbox(packageDir, scenario, opts = {}) {
	const entry = path.join(packageDir, 'dist', 'src', 'sandbox', 'index.js');
	if (!fs.existsSync(entry)) throw new Error(`the packed package has no sandbox (${path.relative(packageDir, entry)} missing)`);
	const { startSandbox } = require(entry);
	const input = typeof scenario === 'string' ? JSON.parse(fs.readFileSync(scenario, 'utf8')) : scenario;
	return await startSandbox(input, opts);
}

const ACCOUNT_CREDENTIAL = 'telegramGiftsAccountApi';
const BOT_CREDENTIAL = 'telegramGiftsBotApi';
const CREDENTIAL_IDS = { [ACCOUNT_CREDENTIAL]: 'tgSandboxAccount', [BOT_CREDENTIAL]: 'tgSandboxBot0001' };
const CREDENTIAL_NAMES = { [ACCOUNT_CREDENTIAL]: 'Sandbox accounts', [BOT_CREDENTIAL]: 'Sandbox bot' };

/**
 * n8n credentials (import:credentials format, plain data) for the sandbox's accounts and bot,
 * filled in the fields the packed credential types declare. Sessions go into the Accounts list
 * (label + session per account), the way the credential form offers them.
 */
function sandboxCredentials(creds, described) {
	const out = [];
	const fill = (type, data) => {
		const declared = described.credentials.find((c) => c.type === type);
		if (!declared) return;
		const names = new Set(declared.properties.map((p) => p.name));
		for (const key of Object.keys(data)) {
			if (!names.has(key)) throw new Error(`credential ${type} has no field "${key}" (fields: ${[...names].join(', ')})`);
		}
		out.push({ id: CREDENTIAL_IDS[type], name: CREDENTIAL_NAMES[type], type, data });
	};
	fill(ACCOUNT_CREDENTIAL, {
		apiId: creds.apiId,
		apiHash: creds.apiHash,
		server: 'custom',
		host: creds.server.host,
		port: creds.server.port,
		accounts: { account: creds.accounts.map((a) => ({ label: a.label, session: a.session })) },
	});
	if (creds.bot) fill(BOT_CREDENTIAL, { token: creds.bot.token, baseUrl: creds.bot.apiRoot });
	return out;
}

/** {id, name, type} of the sandbox credentials the package declares (ids are fixed, so workflows can be bound first). */
function credentialRefs(described, withBot) {
	return [ACCOUNT_CREDENTIAL, ...(withBot ? [BOT_CREDENTIAL] : [])]
		.filter((type) => described.credentials.some((c) => c.type === type))
		.map((type) => ({ id: CREDENTIAL_IDS[type], name: CREDENTIAL_NAMES[type], type }));
}

/** Every secret value in the sandbox credentials (to redact from anything printed). */
function secretsOf(creds) {
	return [creds.apiHash, creds.bot?.token, creds.loginSession, ...creds.accounts.map((a) => a.session)].filter(Boolean);
}

/**
 * Binds imported credentials to the package's nodes in a workflow (templates carry none):
 * every credential type a node declares and that was imported is set on it.
 */
function bindCredentials(workflow, described, credentials, packageName) {
	const byType = new Map(credentials.map((c) => [c.type, { id: c.id, name: c.name }]));
	for (const node of workflow.nodes) {
		if (!node.type.startsWith(`${packageName}.`)) continue;
		// `<type>Tool` is n8n's AI-agent variant of a node: it takes the node's credentials.
		const declared = described.nodes.find((n) => `${packageName}.${n.type}` === node.type || `${packageName}.${n.type}Tool` === node.type);
		if (!declared) throw new Error(`workflow "${workflow.name}" uses ${node.type}, which the package does not declare`);
		for (const c of declared.credentials) {
			if (byType.has(c.name)) node.credentials = { ...node.credentials, [c.name]: byType.get(c.name) };
		}
	}
	return workflow;
}

module.exports = { startPackageSandbox, sandboxCredentials, credentialRefs, secretsOf, bindCredentials, ACCOUNT_CREDENTIAL, BOT_CREDENTIAL };
