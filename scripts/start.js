#!/usr/bin/env node
'use strict';
// `npm start` (after the npm script has built the package): the demo. Starts the sandbox with a
// gift drop and a real n8n (cached install) with this package installed from its packed tarball
// and the shipped workflows imported and active; prints the editor URL and what to watch, and
// the autobuy report once the drop is over. Ctrl-C stops everything and leaves nothing behind.
//
// Options: --scenario FILE (default: the bundled demo drop), --workflow FILE|DIR (default: the
// workflows shipped in the package), --port N (default 5678), --exit-after-drop (stop once the
// report is printed; for scripted runs). The scenario clock starts once the workflows are live,
// and the demo prints what to type into the login form to log a sandbox account in.

const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const util = require('node:util');
const { bootWithSandbox } = require('./e2e/scenario-run');
const { followingAuctionsOrResale, loadWorkflows, nodeNamed } = require('./e2e/workflows');
const { adaptForSandbox, channelChatId } = require('./e2e/templates');
const { ownerLogin, OWNER } = require('./e2e/harness');
const { cleanupStack, log, seconds, setLogTag, sleep } = require('./e2e/util');

// The demo talks to a person: its lines carry no harness tag.
setLogTag('');

const DEFAULT_SCENARIO = path.join(__dirname, 'e2e', 'fixtures', 'demo-drop.scenario.json');
const SETTLE_MS = 15000;

const USAGE = 'usage: npm start -- [--scenario FILE] [--workflow FILE|DIR] [--port N] [--exit-after-drop]';

function parseArgs(argv) {
	let values;
	try {
		({ values } = util.parseArgs({
			args: argv,
			options: { scenario: { type: 'string' }, workflow: { type: 'string' }, port: { type: 'string' }, 'exit-after-drop': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
			strict: true,
			allowPositionals: false,
		}));
	} catch (err) {
		throw new Error(`${err.message}\n${USAGE}`);
	}
	if (values.help) {
		process.stdout.write(`${USAGE}\n`);
		process.exit(0);
	}
	const port = Number(values.port ?? 5678);
	if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be a port number (got "${values.port}")`);
	return { scenario: values.scenario, workflow: values.workflow, port, exitAfterDrop: values['exit-after-drop'] === true };
}

function portIsFree(port) {
	return new Promise((resolve) => {
		const srv = net.createServer();
		srv.once('error', () => resolve(false));
		srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
	});
}

function out(line = '') {
	process.stdout.write(`${line}\n`);
}

async function main() {
	const opts = parseArgs(process.argv.slice(2));
	if (!(await portIsFree(opts.port))) throw new Error(`port ${opts.port} is busy (another n8n?): stop it or pass --port N`);
	const scenario = JSON.parse(fs.readFileSync(opts.scenario || DEFAULT_SCENARIO, 'utf8'));
	const cleanup = cleanupStack();
	try {
		// The shipped templates are read from the repo's build output; the copies n8n imports are
		// adapted to the sandbox (its channels as recipients, its accounts' chats for reports).
		const source = opts.workflow || path.join(__dirname, '..', 'dist', 'workflows');
		if (!fs.existsSync(source) || (fs.statSync(source).isDirectory() && !fs.readdirSync(source).some((f) => f.endsWith('.json')))) {
			throw new Error(`no workflows in ${path.relative(process.cwd(), source)}: the package ships none yet (pass --workflow FILE|DIR)`);
		}
		// The buy-on-demand webhook needs a header auth credential: a fresh random key per demo.
		const hookAuth = { id: 'demoHookAuth001', name: 'Demo webhook key', type: 'httpHeaderAuth', data: { name: 'X-Api-Key', value: crypto.randomBytes(16).toString('hex') } };
		const workflows = opts.workflow ? loadWorkflows(source) : adaptForSandbox(loadWorkflows(source), scenario, { webhookAuth: hookAuth });
		// The demo scenario is a drop: the auction and resale templates are imported to be looked at,
		// not activated (their triggers would fail on auctions and collections it does not have).
		const { run, sandbox, activeIds } = await bootWithSandbox({
			cleanup, scenario, workflows, port: opts.port, quietSandbox: true, extraCredentials: [hookAuth],
			inactive: opts.workflow ? [] : followingAuctionsOrResale(workflows),
		});
		await ownerLogin(run.n8n);
		const hook = workflows.find((w) => activeIds.includes(w.id) && w.nodes.some((n) => n.type === 'n8n-nodes-base.webhook' && n.parameters?.path));
		const limited = scenario.gifts.find((g) => g.limited && !g.releaseAtMs);

		const releases = scenario.gifts.filter((g) => g.releaseAtMs > 0).map((g) => g.releaseAtMs);
		const dropAtMs = releases.length ? Math.min(...releases) : 0;
		out('');
		out(`n8n editor:   ${run.n8n.url}   (log in as ${OWNER.email} / ${OWNER.password})`);
		out(`workflows:    ${workflows.map((w) => `${w.name}${activeIds.includes(w.id) ? ' [active]' : ''}`).join('; ')}`);
		out(`sandbox:      ${scenario.accounts.length} accounts (${scenario.accounts.map((a) => `${a.label} ${a.balance}★`).join(', ')}), ` +
			`${scenario.channels.length} channels, ${scenario.gifts.length} gifts`);
		const waitMs = Math.max(0, dropAtMs - sandbox.nowMs());
		out(`watch:        the drop starts in ${seconds(waitMs)}: open "Executions" in the editor to see the trigger fire, the plan, the buys and the report.`);
		if (hook && limited) {
			const hookPath = hook.nodes.find((n) => n.type === 'n8n-nodes-base.webhook').parameters.path;
			const target = scenario.channels[0] ? channelChatId(scenario.channels[0].id) : 'me';
			out(`buy by hand: curl -s -X POST ${run.n8n.url}/webhook/${hookPath} -H 'X-Api-Key: ${hookAuth.data.value}' ` +
				`-H 'content-type: application/json' -d '{"giftId":"${limited.id}","recipient":"${target}","quantity":1}'`);
		}
		printLoginHelp(run.n8n, workflows, activeIds, scenario, sandbox);
		out('Ctrl-C stops everything.');
		out('');

		await sleep(waitMs);
		log('the drop is live...');
		// The drop is over when every limited gift released by then is sold out or the purchases settle.
		let lastCount = -1;
		let quietSince = Date.now();
		for (;;) {
			await sleep(1000);
			const rec = sandbox.record();
			const n = rec.purchases.length + rec.botMessages.length;
			if (n !== lastCount) {
				lastCount = n;
				quietSince = Date.now();
			} else if (Date.now() - quietSince > SETTLE_MS && sandbox.nowMs() > dropAtMs + SETTLE_MS) break;
		}
		const record = sandbox.record();
		printReport(record, dropAtMs, scenario.accounts.map((a) => String(a.id)));
		for (const u of record.unwatched) log(`ERROR: ${u.event} at ${seconds(u.atMs)} happened before the workflows were live: nothing was watching it`);
		if (opts.exitAfterDrop) {
			out('The drop is over and --exit-after-drop was given: stopping n8n and the sandbox, then exiting.');
		} else {
			out('The demo keeps running so you can explore the editor. Ctrl-C stops everything.');
			await new Promise(() => {});
		}
	} finally {
		await cleanup.run();
	}
}

/** What to type into the login form (workflows/login.json) to log a sandbox account in. */
function printLoginHelp(n8n, workflows, activeIds, scenario, sandbox) {
	const login = workflows.find((w) => activeIds.includes(w.id) && w.nodes.some((n) => n.type === 'n8n-nodes-base.formTrigger'));
	const account = scenario.accounts.find((a) => a.phone && a.loginCode);
	if (!login || !account) return;
	const form = nodeNamed(login, 'Login form');
	const { apiId, apiHash, server } = sandbox.credentials;
	out(`log in:       open ${n8n.url}/form/${form.webhookId} (the "${login.name}" workflow) and type:`);
	out(`                phone ${account.phone}, api_id ${apiId}, api_hash ${apiHash}, server ${server.host}:${server.port},`);
	out(`                sandbox login session ${sandbox.issueLoginSession()}`);
	out(`              then the code ${account.loginCode}${account.password ? ` and the two-step password ${account.password}` : ''} ` +
		`(account ${account.label}; these are the sandbox's own, not real Telegram logins).`);
}

function printReport(record, dropAtMs, accountIds) {
	const bought = record.purchases.filter((p) => p.ok);
	out('');
	out(`=== after the drop: ${bought.length} gifts bought, ${record.purchases.length - bought.length} failed attempts ===`);
	// Reports go to the accounts' own chats (announcements go to the channels).
	const reports = record.botMessages.filter((m) => m.atMs >= dropAtMs && m.method === 'sendMessage' && m.text && accountIds.includes(m.chatId));
	if (reports.length) {
		out(`The report the bot sent to each account's chat (here: ${reports[0].chatId}):`);
		const firstChat = reports[0].chatId;
		for (const m of reports.filter((r) => r.chatId === firstChat)) out(m.text);
	} else {
		out('The bot sent no report (check the autobuy workflow\'s executions in the editor).');
	}
	out('Balances now: ' + Object.entries(record.balances).map(([id, stars]) => `${id}: ${stars}★`).join(', '));
	out('');
}

main().then(() => {
	process.exitCode = 0;
}, (err) => {
	log(err.message);
	process.exitCode = 1;
});
