#!/usr/bin/env node
'use strict';
// `node scripts/screenshot.js [--out FILE] [--workflow ID]` (after `npm run build`): boots the
// `npm start` demo setup (sandbox with the demo drop, a real n8n with the package and the shipped
// workflows adapted to the sandbox), logs in, opens the autobuy workflow in the editor with
// headless Chromium (Debian's `chromium` package) and saves a PNG (default
// docs/autobuy-workflow.png). Chromium is driven over the DevTools protocol with Node's own
// WebSocket (re-executes itself with --experimental-websocket on Node 20), so no browser
// library is needed. Everything it starts is stopped at the end.

if (typeof globalThis.WebSocket === 'undefined' && !process.execArgv.includes('--experimental-websocket')) {
	const { spawnSync } = require('node:child_process');
	const res = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings', __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
	process.exit(res.status ?? 1);
}

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { bootWithSandbox } = require('./e2e/scenario-run');
const { loadWorkflows } = require('./e2e/workflows');
const { adaptForSandbox } = require('./e2e/templates');
const { ownerLogin } = require('./e2e/harness');
const { cleanupStack, log, sleep, waitUntil, freePort } = require('./e2e/util');

const REPO = path.join(__dirname, '..');
const SCENARIO = path.join(__dirname, 'e2e', 'fixtures', 'demo-drop.scenario.json');
const CHROMIUM_FLAGS = [
	'--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
	'--disable-sync', '--no-first-run', '--hide-scrollbars', '--window-size=1600,900',
];

function parseArgs(argv) {
	const opts = { out: path.join(REPO, 'docs', 'autobuy-workflow.png'), workflow: 'tgGiftAutobuy', chromium: 'chromium' };
	for (let i = 0; i < argv.length; i++) {
		const [key, inline] = argv[i].replace(/^--/, '').split('=', 2);
		if (!['out', 'workflow', 'chromium'].includes(key)) throw new Error(`unknown argument ${argv[i]} (options: --out FILE, --workflow ID, --chromium BIN)`);
		opts[key] = inline ?? argv[++i];
	}
	return opts;
}

/** Starts headless Chromium with a fresh profile; resolves its DevTools browser endpoint. */
async function startChromium(bin, cleanup) {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tg-gifts-chromium-'));
	cleanup.add(() => fs.rmSync(profile, { recursive: true, force: true }));
	const child = spawn(bin, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'], {
		stdio: ['ignore', 'ignore', 'pipe'], detached: true,
	});
	const exited = new Promise((resolve) => child.once('exit', resolve));
	child.once('error', (err) => log(`cannot start ${bin}: ${err.message} (apt-get install -y chromium)`));
	cleanup.add(async () => {
		try {
			process.kill(-child.pid, 'SIGTERM');
		} catch {
			return;
		}
		await Promise.race([exited, sleep(5000)]);
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			/* gone */
		}
	});
	let stderr = '';
	child.stderr.on('data', (chunk) => {
		stderr += chunk;
	});
	const port = await waitUntil(() => /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr)?.[1], { timeoutMs: 30000, what: 'Chromium DevTools' });
	return Number(port);
}

/** A minimal DevTools protocol session on one page target. */
async function openPage(devtoolsPort) {
	const targets = await (await fetch(`http://127.0.0.1:${devtoolsPort}/json/list`)).json();
	const page = targets.find((t) => t.type === 'page');
	if (!page) throw new Error('Chromium has no page target');
	const ws = new WebSocket(page.webSocketDebuggerUrl);
	await new Promise((resolve, reject) => {
		ws.onopen = resolve;
		ws.onerror = () => reject(new Error('cannot connect to Chromium DevTools'));
	});
	let nextId = 1;
	const pending = new Map();
	ws.onmessage = (event) => {
		const msg = JSON.parse(event.data);
		const waiter = msg.id && pending.get(msg.id);
		if (!waiter) return;
		pending.delete(msg.id);
		if (msg.error) waiter.reject(new Error(`${waiter.method}: ${msg.error.message}`));
		else waiter.resolve(msg.result);
	};
	const send = (method, params = {}) =>
		new Promise((resolve, reject) => {
			const id = nextId++;
			pending.set(id, { resolve, reject, method });
			ws.send(JSON.stringify({ id, method, params }));
		});
	return { send, close: () => ws.close() };
}

async function main() {
	const opts = parseArgs(process.argv.slice(2));
	const source = path.join(REPO, 'dist', 'workflows');
	if (!fs.existsSync(source)) throw new Error('dist/workflows is missing: run `npm run build` first');
	const scenario = JSON.parse(fs.readFileSync(SCENARIO, 'utf8'));
	const cleanup = cleanupStack();
	try {
		const workflows = adaptForSandbox(loadWorkflows(source), scenario);
		if (!workflows.some((w) => w.id === opts.workflow)) throw new Error(`no workflow with id ${opts.workflow} in dist/workflows`);
		const { run } = await bootWithSandbox({ cleanup, scenario, workflows, port: await freePort(), quietSandbox: true });
		const cookie = await ownerLogin(run.n8n);
		const [name, ...rest] = cookie.split('=');

		const devtools = await startChromium(opts.chromium, cleanup);
		const page = await openPage(devtools);
		cleanup.add(() => page.close());
		await page.send('Network.enable');
		await page.send('Network.setCookie', { name, value: rest.join('='), url: run.n8n.url });
		await page.send('Emulation.setDeviceMetricsOverride', { width: 1600, height: 900, deviceScaleFactor: 1, mobile: false });
		await page.send('Page.enable');
		await page.send('Page.navigate', { url: `${run.n8n.url}/workflow/${opts.workflow}` });
		const count = (sel) => page.send('Runtime.evaluate', { expression: `document.querySelectorAll(${JSON.stringify(sel)}).length`, returnByValue: true });
		const wanted = workflows.find((w) => w.id === opts.workflow).nodes.filter((n) => !n.type.endsWith('stickyNote')).length;
		await waitUntil(async () => (await count('[data-test-id="canvas-node"]')).result.value >= wanted, { timeoutMs: 60000, what: 'the workflow canvas' });
		await sleep(2000); // icons and the fit-to-view animation
		const shot = await page.send('Page.captureScreenshot', { format: 'png' });
		fs.mkdirSync(path.dirname(opts.out), { recursive: true });
		fs.writeFileSync(opts.out, Buffer.from(shot.data, 'base64'));
		log(`saved ${path.relative(process.cwd(), opts.out)} (${Math.round(Buffer.from(shot.data, 'base64').length / 1024)} kB)`);
	} finally {
		await cleanup.run();
	}
}

main().then(() => {
	process.exitCode = 0;
}, (err) => {
	log(err.message);
	process.exitCode = 1;
});
