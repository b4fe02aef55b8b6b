'use strict';
// Login template in a real n8n, the way a user goes through it: the form (phone, api_id,
// api_hash, server, the sandbox's login session), then the code on the wait form; the completion
// page shows a session string, and that string signs the account in. The template saves no
// execution data (the session must not sit in n8n's database) and n8n's log shows no secret.
// The account lives on the sandbox's DC 1 while the login starts at DC 2: n8n's client follows
// PHONE_MIGRATE_1 and makes an auth key there (the e2e n8n trusts the sandbox run's RSA key).

const assert = require('node:assert/strict');
const path = require('node:path');
const { bootTemplates } = require('../drop');
const { nodeNamed } = require('../workflows');
const { waitUntil } = require('../util');

const ACCOUNT = { id: '7300001', label: 'alice', username: 'alice_login', balance: 100, phone: '+15550001111', loginCode: '24680', dc: 1 };

/** Posts form fields the way n8n's form page does (multipart, `field-<index>`). */
async function postForm(url, values) {
	const body = new FormData();
	values.forEach((value, index) => body.set(`field-${index}`, value));
	const res = await fetch(url, { method: 'POST', body, redirect: 'manual', signal: AbortSignal.timeout(15000) });
	return { status: res.status, text: await res.text() };
}

function htmlText(html) {
	return html.replace(/&#x([0-9a-f]+);/gi, (_m, hex) => String.fromCharCode(parseInt(hex, 16)))
		.replace(/&#(\d+);/g, (_m, dec) => String.fromCharCode(Number(dec)))
		.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** n8n's executions API gives waitTill as ISO text (sqlite: without the zone) or as a Date's toString (PostgreSQL). */
function timeOf(value) {
	const text = String(value);
	const direct = Date.parse(text);
	if (/[a-z]{3} [a-z]{3} \d/i.test(text) && Number.isFinite(direct)) return direct;
	return Date.parse(`${text.replace(' ', 'T')}${/Z|[+-]\d\d:?\d\d$/.test(text) ? '' : 'Z'}`);
}

/** The worker whose log says it `started`/`finished` an execution (other than `except`). */
function workerThatRan(n8n, verb, except) {
	const worker = n8n.extra.find((e) => e.role.startsWith('worker-') && e.role !== except && new RegExp(`Worker ${verb} execution`).test(n8n.logOf(e.role)));
	return worker?.role;
}

/** Queue mode: kills (-9) the worker that ran Send Code, so the next step must run elsewhere. */
async function killWorkerThatRan(n8n) {
	const role = workerThatRan(n8n, 'finished');
	assert.ok(role, 'a worker ran Send Code');
	const entry = n8n.extra.find((e) => e.role === role);
	process.kill(-entry.child.pid, 'SIGKILL');
	await entry.exited;
	return role;
}

module.exports = {
	name: 'login: form → code → a session string that signs the account in; nothing saved or logged',
	requires: ['telegramGift'],
	// `npm run e2e -- --queue`: the worker that sent the code is killed before the code is typed,
	// so Sign In runs on the other worker: the pending login lives in the package's store
	// (PostgreSQL), not in the memory of the worker that sent the code.
	queue: true,
	async run({ run, cleanup }) {
		const scenario = { seed: 31, accounts: [ACCOUNT], channels: [], gifts: [{ id: '5100001', stars: 10, limited: false, releaseAtMs: 0 }] };
		const { sandbox, workflows, activeIds } = await bootTemplates({ run, cleanup, scenario, files: ['login.json'] });
		assert.equal(activeIds.length, 1, 'the login workflow (a form trigger) must be active');
		const creds = sandbox.credentials;
		const formUrl = `${run.n8n.hookUrl || run.n8n.url}/form/${nodeNamed(workflows[0], 'Login form').webhookId}`;
		await waitUntil(async () => (await fetch(formUrl, { signal: AbortSignal.timeout(5000) })).status === 200, { timeoutMs: 20000, what: 'the login form to be served' });

		const first = await postForm(formUrl, [ACCOUNT.phone, String(creds.apiId), creds.apiHash, `${creds.server.host}:${creds.server.port}`, creds.loginSession]);
		assert.equal(first.status, 200, `form submit: HTTP ${first.status}`);
		const waitingUrl = JSON.parse(first.text).formWaitingUrl;
		assert.ok(waitingUrl, `the form answers where the next page is: ${first.text.slice(0, 200)}`);
		// A waiting page is served only while the execution waits on it (a GET during "running"
		// never answers): poll the status endpoint the form page itself polls, then load the page.
		const pageWhenWaiting = (what, marker) =>
			waitUntil(async () => {
				const status = await (await fetch(`${waitingUrl}/n8n-execution-status`, { signal: AbortSignal.timeout(5000) })).text();
				if (status === 'error' || status === 'null') throw new Error(`the login execution is "${status}" instead of showing ${what}`);
				if (status !== 'form-waiting') return null;
				const res = await fetch(waitingUrl, { signal: AbortSignal.timeout(5000) });
				const html = htmlText(await res.text());
				return res.status === 200 && html.includes(marker) ? html : null;
			}, { timeoutMs: 20000, what });
		await pageWhenWaiting('the code page', 'Two-step verification password');
		const sentBy = run.queue ? await killWorkerThatRan(run.n8n) : undefined;

		const second = await postForm(waitingUrl, [ACCOUNT.loginCode, '']);
		assert.equal(second.status, 200, `code submit: HTTP ${second.status}`);
		const done = await pageWhenWaiting('the completion page', 'Logged in as');
		const session = /<textarea id="session" readonly[^>]*>([A-Za-z0-9+/=_-]{40,})<\/textarea>/.exec(done)?.[1];
		assert.ok(session, 'the completion page shows the session string in its box');
		assert.match(done, /<button type="button" id="copy"[^>]*>Copy session string<\/button>/, 'with a copy button');
		run.n8n.secrets.push(session);
		assert.ok(done.includes(`@${ACCOUNT.username}`), 'the page names the account');
		// The completion page's own script then POSTs back, which ends the execution. Until then it
		// waits at "Show the session", with the session in its data in n8n's database: the template
		// limits that wait to 5 minutes (a closed browser never POSTs).
		const [waiting] = await run.n8n.executions({ workflowId: activeIds[0] });
		const waitMs = timeOf(waiting.waitTill) - Date.now();
		assert.ok(waiting.status === 'waiting' && waitMs > 0 && waitMs <= 5 * 60_000, `the completion page waits at most 5 minutes (waitTill ${waiting.waitTill})`);
		const ended = await fetch(waitingUrl, { method: 'POST', body: '{}', signal: AbortSignal.timeout(10000) });
		assert.equal(ended.status, 200, `the completion page's POST: HTTP ${ended.status}`);
		await waitUntil(async () => {
			const status = await (await fetch(`${waitingUrl}/n8n-execution-status`, { signal: AbortSignal.timeout(5000) })).text();
			return status === 'null' || status === 'success';
		}, { timeoutMs: 20000, what: 'the login execution to end' });

		// The string works: it is the account.
		const { createTelegramClient, destroyClient } = require(path.join(run.packageDir, 'dist', 'src', 'telegram', 'connection.js'));
		const client = createTelegramClient({ apiId: creds.apiId, apiHash: creds.apiHash, session, server: creds.server });
		try {
			await client.connect();
			const me = await client.getMe();
			assert.equal(String(me.id), ACCOUNT.id, 'the session signs in as the account');
		} finally {
			await destroyClient(client);
		}
		assert.deepEqual(sandbox.record().logins.map((l) => [l.accountId, l.via]), [[ACCOUNT.id, 'code']]);
		// Signed in at the account's DC after the migration; the session string points there.
		const byDc = sandbox.record().callsByDc;
		assert.equal(byDc[2]?.['auth.sendCode'], 1, 'the code was first asked at DC 2 (answered PHONE_MIGRATE_1)');
		assert.equal(byDc[1]?.['auth.sendCode'], 1, 'and asked again at DC 1');
		assert.equal(byDc[1]?.['auth.signIn'], 1, 'the sign-in happened at DC 1');
		const { StringSession } = require(path.join(run.packageDir, 'dist', 'src', 'telegram', 'gramjs.js'));
		assert.equal(new StringSession(session).dcId, 1, 'the session string is for DC 1');

		// Read before stopping: a stopped queue cluster forgets its workers.
		const queue = run.queue ? { codeSentBy: sentBy, signedInBy: workerThatRan(run.n8n, 'finished', sentBy) } : undefined;
		const logFiles = [run.n8n.logFile, ...(run.n8n.extra ?? []).map((e) => e.logFile)];
		await run.n8n.stop();
		const executions = await run.n8n.executions({ workflowId: activeIds[0], withData: true });
		// (Never print the rows: their data would hold the session.)
		const saved = executions.filter((e) => e.data).map((e) => `execution ${e.id}: ${e.status}, finished ${e.finished}, waiting at ${e.data.executionData?.nodeExecutionStack?.[0]?.node?.name ?? '-'}`);
		assert.deepEqual(saved, [], 'no execution data saved for the login');
		for (const file of logFiles) {
			const log = require('node:fs').readFileSync(file, 'utf8');
			for (const [what, secret] of [['session', session], ['api_hash', creds.apiHash], ['login session', creds.loginSession]]) {
				assert.ok(!log.includes(secret), `n8n's log ${path.basename(file)} holds the ${what}`);
			}
		}
		if (queue) assert.ok(queue.signedInBy && queue.signedInBy !== sentBy, `Sign In ran on another worker than Send Code (${JSON.stringify(queue)})`);
		return { executionsSaved: executions.length, logins: sandbox.record().logins.length, ...(queue ? { queue } : {}) };
	},
};
