#!/usr/bin/env node
'use strict';
// `npm run screenshot` (builds first) / `node scripts/screenshot.js [--only TEXT] [--chromium BIN]`:
// retakes every picture of the package in a real n8n editor with headless Chromium (Debian's
// `chromium` package), into docs/screenshots/ (and docs/autobuy-workflow.png):
//  - the autobuy workflow on the canvas, as the `npm start` demo shows it;
//  - the panel of every node of the package, for every resource/operation it offers (walked from
//    the built node descriptions, so resources and operations added later are pictured too);
//  - both credential forms (filled with the sandbox's accounts and bot);
//  - the node picker's entry for the package, and the login form's last page.
// It boots the `npm start` setup (sandbox with the demo drop, n8n with the package and the shipped
// workflows adapted to the sandbox) plus one inactive workflow per panel. Chromium is driven over
// the DevTools protocol with Node's own WebSocket (re-executes itself with --experimental-websocket
// on Node 20), so no browser library is needed. Everything it starts is stopped at the end.
// --only TEXT keeps the pictures whose file name contains TEXT; --list prints the panels and stops;
// --n8n 2 uses n8n 2.40.7; --out DIR writes elsewhere than docs/. Emoji need Debian's
// fonts-noto-color-emoji (else they show as boxes).

if (typeof globalThis.WebSocket === 'undefined' && !process.execArgv.includes('--experimental-websocket')) {
	const { spawnSync } = require('node:child_process');
	const res = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings', __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
	process.exit(res.status ?? 1);
}

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const util = require('node:util');
const { spawn } = require('node:child_process');
const { bootWithSandbox } = require('./e2e/scenario-run');
const { followingAuctionsOrResale, loadWorkflows, nodeNamed } = require('./e2e/workflows');
const { adaptForSandbox } = require('./e2e/templates');
const { ownerLogin } = require('./e2e/harness');
const { PACKAGE_NAME } = require('./e2e/package');
const { n8nFlavour } = require('./e2e/flavour');
const { cleanupStack, log, sleep, waitUntil, freePort } = require('./e2e/util');

const REPO = path.join(__dirname, '..');
let DOCS = path.join(REPO, 'docs');
let SHOTS = path.join(DOCS, 'screenshots');
const SCENARIO = path.join(__dirname, 'e2e', 'fixtures', 'demo-drop.scenario.json');
const WIDTH = 1440;
const HEIGHT = 1000;
const CHROMIUM_FLAGS = [
	'--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
	'--disable-sync', '--no-first-run', '--hide-scrollbars', `--window-size=${WIDTH},${HEIGHT}`,
];

function parseArgs(argv) {
	const { values } = util.parseArgs({
		args: argv,
		options: {
			only: { type: 'string' }, chromium: { type: 'string', default: 'chromium' }, n8n: { type: 'string' }, out: { type: 'string' }, list: { type: 'boolean' },
		},
		strict: true,
		allowPositionals: false,
	});
	return values;
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
	const evaluate = async (expression) => (await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })).result.value;
	return { send, evaluate, close: () => ws.close() };
}

/** Loads the built node classes of the package (dist/), as n8n would. */
function builtNodes() {
	const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
	return pkg.n8n.nodes.map((file) => {
		const mod = require(path.join(REPO, file));
		const NodeClass = Object.values(mod).find((v) => typeof v === 'function');
		return new NodeClass().description;
	});
}

/** Whether a property shows with the given parameter values (displayOptions.show/hide on plain values only). */
function shows(property, values) {
	const { show, hide } = property.displayOptions || {};
	for (const [key, allowed] of Object.entries(show || {})) if (!allowed.includes(values[key])) return false;
	for (const [key, denied] of Object.entries(hide || {})) if (denied.includes(values[key])) return false;
	return true;
}

/** An example value for a field: its default, or the first example its placeholder gives. */
function exampleOf(property) {
	if (property.type === 'string' && property.default === '' && typeof property.placeholder === 'string') {
		return property.placeholder.split(/ or |, /)[0].trim();
	}
	return property.default;
}

/** One row of each list (fixedCollection) shown, so a panel pictures its rows, not "no items"; examples in required fields. */
function withExampleRows(props, values) {
	const out = { ...values };
	for (const p of props) {
		// A required field left empty shows as an error: give it its placeholder's example.
		if (p.required && p.type === 'string' && p.default === '' && p.placeholder && shows(p, out) && out[p.name] === undefined) {
			out[p.name] = exampleOf(p);
			continue;
		}
		if (p.type !== 'fixedCollection' || !shows(p, out) || out[p.name] !== undefined) continue;
		const option = p.options?.[0];
		if (!option) continue;
		const row = Object.fromEntries(option.values.map((v) => [v.name, exampleOf(v)]));
		out[p.name] = { [option.name]: p.typeOptions?.multipleValues ? [row] : row };
	}
	return out;
}

/**
 * A selector worth one picture per choice: an options field shown with `values` that other
 * fields' display depends on (Buy From, Recipients, …). The first one found, or none.
 */
function selectorOf(props, values) {
	const referenced = new Set(props.flatMap((p) => Object.keys(p.displayOptions?.show || {})));
	return props.find((p) => p.type === 'options' && !['resource', 'operation'].includes(p.name) && referenced.has(p.name) && shows(p, values));
}

/**
 * Every panel worth a picture, walked from the description: one per resource/operation (or per
 * operation, or one for a node with neither), and one per choice of a selector that changes the
 * fields shown. `tool` pictures n8n's AI-agent tool variant (only where fields show for tools).
 */
function panelsOf(description, { tool = false } = {}) {
	const props = description.properties;
	const base = `${description.name}${tool ? 'Tool' : ''}`;
	const displayName = `${description.displayName}${tool ? ' Tool' : ''}`;
	const resource = props.find((p) => p.name === 'resource' && p.type === 'options');
	const operationsFor = (values) => props.filter((p) => p.name === 'operation' && p.type === 'options' && shows(p, values)).flatMap((p) => p.options);
	let panels;
	if (resource) {
		panels = resource.options.flatMap((r) =>
			operationsFor({ resource: r.value }).map((o) => ({ file: `${base}-${r.value}-${o.value}`, parameters: { resource: r.value, operation: o.value }, title: `${displayName}: ${r.name} › ${o.name}` })));
	} else {
		const operations = operationsFor({});
		panels = operations.length > 0
			? operations.map((o) => ({ file: `${base}-${o.value}`, parameters: { operation: o.value }, title: `${displayName}: ${o.name}` }))
			: [{ file: base, parameters: {}, title: displayName }];
	}
	if (tool) {
		const forTools = (values) => props.some((p) => p.displayOptions?.show?.['@tool'] && shows({ displayOptions: { show: Object.fromEntries(Object.entries(p.displayOptions.show).filter(([k]) => k !== '@tool' && k in values)) } }, values));
		panels = panels.filter((panel) => forTools(panel.parameters)).map((panel) => ({ ...panel, parameters: { ...panel.parameters, allowAgentPurchases: true } }));
	}
	return panels.flatMap((panel) => {
		const selector = selectorOf(props, panel.parameters);
		const variants = selector && !tool
			? selector.options.map((o, i) => ({
				file: i === 0 ? panel.file : `${panel.file}-${o.value}`,
				parameters: { ...panel.parameters, [selector.name]: o.value },
				title: `${panel.title} (${selector.displayName}: ${o.name})`,
			}))
			: [panel];
		return variants.map((v) => ({ ...v, parameters: withExampleRows(props, v.parameters) }));
	});
}

/** A one-node workflow showing `panel` of the node (ids ≤ 16 characters). */
function panelWorkflow(description, panel, index, tool = false) {
	const id = `shot${String(index).padStart(3, '0')}`;
	const nodeId = `5c5c5c5c-0000-4000-8000-${String(index).padStart(12, '0')}`;
	return {
		id,
		name: `Panel: ${panel.title}`,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [{ id: nodeId, name: description.defaults?.name || description.displayName, type: `${PACKAGE_NAME}.${description.name}${tool ? 'Tool' : ''}`, typeVersion: 1, position: [0, 0], parameters: panel.parameters }],
		connections: {},
		nodeId,
	};
}

async function main() {
	const opts = parseArgs(process.argv.slice(2));
	if (opts.out) {
		// Elsewhere than docs/ (e.g. to compare another n8n version's editor).
		DOCS = path.resolve(opts.out);
		SHOTS = path.join(DOCS, 'screenshots');
	}
	const source = path.join(REPO, 'dist', 'workflows');
	if (!fs.existsSync(source)) throw new Error('dist/workflows is missing: run `npm run build` first');
	const scenario = JSON.parse(fs.readFileSync(SCENARIO, 'utf8'));
	const wanted = (file) => !opts.only || file.includes(opts.only);
	const cleanup = cleanupStack();
	const saved = [];
	try {
		const demo = adaptForSandbox(loadWorkflows(source), scenario);
		const panels = [];
		for (const description of builtNodes()) {
			for (const panel of panelsOf(description)) if (wanted(panel.file)) panels.push({ description, panel });
			if (description.usableAsTool) {
				for (const panel of panelsOf(description, { tool: true })) if (wanted(panel.file)) panels.push({ description, panel, tool: true });
			}
		}
		if (opts.list) {
			for (const { panel } of panels) process.stdout.write(`${panel.file}\t${panel.title}\t${JSON.stringify(panel.parameters)}\n`);
			return;
		}
		const panelFlows = panels.map(({ description, panel, tool }, i) => panelWorkflow(description, panel, i, tool));
		const workflows = [...demo, ...panelFlows.map(({ nodeId, ...wf }) => wf)];
		// The demo scenario is a drop: the auction and resale templates are shown, not activated.
		const shownOnly = followingAuctionsOrResale(demo);
		const { run, sandbox } = await bootWithSandbox({
			cleanup, scenario, workflows, port: await freePort(), quietSandbox: true, inactive: [...panelFlows.map((w) => w.id), ...shownOnly], prepare: n8nFlavour(opts.n8n),
		});
		const cookie = await ownerLogin(run.n8n);
		const [name, ...rest] = cookie.split('=');

		const devtools = await startChromium(opts.chromium, cleanup);
		const page = await openPage(devtools);
		cleanup.add(() => page.close());
		await page.send('Network.enable');
		await page.send('Network.setCookie', { name, value: rest.join('='), url: run.n8n.url });
		await page.send('Emulation.setDeviceMetricsOverride', { width: WIDTH, height: HEIGHT, deviceScaleFactor: 1, mobile: false });
		await page.send('Page.enable');
		const count = (sel) => page.evaluate(`document.querySelectorAll(${JSON.stringify(sel)}).length`);
		const goto = async (url) => {
			await page.send('Page.navigate', { url: `${run.n8n.url}${url}` });
			await sleep(500);
		};
		/** The bounding box of the first element matching `selector` (null when none). */
		const boxOf = (selector) => page.evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); if (!e) return null; const r = e.getBoundingClientRect(); return { x: Math.max(0, r.x), y: Math.max(0, r.y), width: r.width, height: r.height }; })()`);
		/** The box of `selector` cut below its lowest visible content (forms do not fill their dialog). */
		const contentBoxOf = (selector) => page.evaluate(`(() => {
			const root = document.querySelector(${JSON.stringify(selector)});
			if (!root) return null;
			const r = root.getBoundingClientRect();
			let bottom = r.top;
			for (const e of root.querySelectorAll('*')) {
				if (e.children.length > 0) continue;
				const b = e.getBoundingClientRect();
				if (b.width > 0 && b.height > 0) bottom = Math.max(bottom, b.bottom);
			}
			return { x: Math.max(0, r.x), y: Math.max(0, r.y), width: r.width, height: Math.min(r.height, bottom - r.top + 24) };
		})()`);
		/** Lets every scrolling box inside `selector` grow to its content, so one picture shows it all. */
		const unscroll = (selector) => page.evaluate(`(() => {
			const root = document.querySelector(${JSON.stringify(selector)});
			if (!root) return 0;
			let n = 0;
			for (const e of [root, ...root.querySelectorAll('*')]) {
				const style = getComputedStyle(e);
				if (/(auto|scroll)/.test(style.overflowY) || style.maxHeight !== 'none') {
					e.style.overflow = 'visible';
					e.style.maxHeight = 'none';
					if (/(auto|scroll)/.test(style.overflowY)) e.style.height = 'auto';
					n++;
				}
			}
			return n;
		})()`);
		/** A taller page, so forms and panels show whole instead of scrolling. */
		const viewport = (height) => page.send('Emulation.setDeviceMetricsOverride', { width: WIDTH, height, deviceScaleFactor: 1, mobile: false });
		const shoot = async (file, clip) => {
			const shot = await page.send('Page.captureScreenshot', { format: 'png', ...(clip ? { clip: { ...clip, scale: 1 } } : {}) });
			const bytes = Buffer.from(shot.data, 'base64');
			fs.mkdirSync(path.dirname(file), { recursive: true });
			fs.writeFileSync(file, bytes);
			saved.push(path.relative(REPO, file));
			log(`saved ${path.relative(REPO, file)} (${Math.round(bytes.length / 1024)} kB)`);
		};

		// The autobuy workflow on the canvas.
		if (wanted('autobuy-workflow')) {
			const autobuy = demo.find((w) => w.id === 'tgGiftAutobuy');
			await goto(`/workflow/${autobuy.id}`);
			const nodes = autobuy.nodes.filter((n) => !n.type.endsWith('stickyNote')).length;
			await waitUntil(async () => (await count('[data-test-id="canvas-node"]')) >= nodes, { timeoutMs: 60000, what: 'the workflow canvas' });
			await sleep(2000); // icons and the fit-to-view animation
			await shoot(path.join(DOCS, 'autobuy-workflow.png'));
		}

		// Every node panel (a taller page, so long panels show whole).
		await viewport(1500);
		for (const [i, { panel }] of panels.entries()) {
			const wf = panelFlows[i];
			await goto(`/workflow/${wf.id}/${wf.nodeId}`);
			await waitUntil(async () => (await count('[data-test-id="ndv"] [data-test-id="node-parameters"], [data-test-id="ndv"] .node-parameters-wrapper')) > 0,
				{ timeoutMs: 60000, what: `the panel of ${panel.title}` });
			await sleep(1200);
			await shoot(path.join(SHOTS, `${panel.file}.png`));
		}
		await viewport(1800);

		// Both credential forms, filled with the sandbox's accounts and bot.
		for (const credential of run.described.credentials) {
			const file = `credential-${credential.type}`;
			if (!wanted(file)) continue;
			const id = { telegramGiftsAccountApi: 'tgSandboxAccount', telegramGiftsBotApi: 'tgSandboxBot0001' }[credential.type];
			if (!id) continue;
			await goto(`/home/credentials/${id}`);
			await waitUntil(async () => (await count('[data-test-id="editCredential-modal"], [data-test-id="credential-edit-dialog"]')) > 0, { timeoutMs: 60000, what: `the ${credential.type} form` });
			await sleep(1500);
			await unscroll('.el-dialog');
			await sleep(500);
			const modal = await contentBoxOf('[data-test-id="editCredential-modal"] .el-dialog, .el-dialog');
			await shoot(path.join(SHOTS, `${file}.png`), modal || undefined);
		}
		await viewport(HEIGHT);

		// The node picker, searched for the package.
		if (wanted('node-picker')) {
			await goto(`/workflow/${demo.find((w) => w.id === 'tgGiftAutobuy').id}`);
			await waitUntil(async () => (await count('[data-test-id="canvas-node"]')) > 0, { timeoutMs: 60000, what: 'the canvas' });
			await sleep(1000);
			await page.evaluate(`document.querySelector('[data-test-id="node-creator-plus-button"], [data-test-id="canvas-plus-button"]')?.click()`);
			await waitUntil(async () => (await count('[data-test-id="node-creator-search-bar"] input, [data-test-id="search-bar"] input')) > 0, { timeoutMs: 20000, what: 'the node picker' });
			await page.evaluate(`document.querySelector('[data-test-id="node-creator-search-bar"] input, [data-test-id="search-bar"] input').focus()`);
			await page.send('Input.insertText', { text: 'Telegram Gift' });
			await sleep(1500);
			await shoot(path.join(SHOTS, 'node-picker.png'));
			// What the picker's entry for Telegram Gift (merged with its trigger by n8n) says.
			const merged = await page.evaluate(`(() => {
				const pinia = document.querySelector('#app')?.__vue_app__?.config.globalProperties.$pinia;
				const store = pinia?._s.get('nodeCreator');
				const node = store?.mergedNodes?.find((n) => n.name === '${PACKAGE_NAME}.telegramGift');
				return node ? node.description : null;
			})()`);
			log(`node picker: the Telegram Gift entry says "${merged}"`);
		}

		// The login form's last page: log the demo's login account in through the form.
		if (wanted('login-form')) await shootLoginPage({ page, run, demo, scenario, sandbox, goto, shoot });
		log(`${saved.length} pictures retaken`);
	} finally {
		await cleanup.run();
	}
}

/** Fills the login form (phone → code) over HTTP like a browser, then pictures the last page. */
async function shootLoginPage({ page, run, demo, scenario, sandbox, shoot }) {
	const login = demo.find((w) => w.nodes.some((n) => n.type === 'n8n-nodes-base.formTrigger'));
	const account = scenario.accounts.find((a) => a.phone && a.loginCode && !a.password) || scenario.accounts.find((a) => a.phone && a.loginCode);
	if (!login || !account) return log('no login workflow or login account: login page not pictured');
	const { apiId, apiHash, server } = sandbox.credentials;
	const formUrl = `${run.n8n.url}/form/${nodeNamed(login, 'Login form').webhookId}`;
	const post = async (url, values) => {
		const body = new FormData();
		values.forEach((v, i) => body.append(`field-${i}`, String(v)));
		const res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(30000) });
		return { status: res.status, text: await res.text() };
	};
	const first = await post(formUrl, [account.phone, apiId, apiHash, `${server.host}:${server.port}`, sandbox.issueLoginSession()]);
	const waitingUrl = JSON.parse(first.text).formWaitingUrl;
	if (!waitingUrl) throw new Error(`the login form did not continue: ${first.text.slice(0, 200)}`);
	// A waiting page answers only while the execution waits on it: poll the status endpoint the
	// form page itself polls, then load the page (as scripts/e2e/cases/login.js does).
	const ready = async (marker) => await waitUntil(async () => {
		const status = await (await fetch(`${waitingUrl}/n8n-execution-status`, { signal: AbortSignal.timeout(5000) })).text();
		if (status === 'error' || status === 'null') throw new Error(`the login execution is "${status}" instead of showing "${marker}"`);
		if (status !== 'form-waiting') return null;
		const res = await fetch(waitingUrl, { signal: AbortSignal.timeout(5000) });
		const text = await res.text();
		return res.status === 200 && text.includes(marker) ? text : null;
	}, { timeoutMs: 30000, what: `the login page with "${marker}"` });
	await ready('Two-step verification password');
	await post(waitingUrl, [account.loginCode, account.password || '']);
	await ready('Logged in as');
	await page.send('Page.navigate', { url: waitingUrl });
	await sleep(2500);
	// The picture shows how a long session wraps, not the session: all but its start is masked.
	await page.evaluate(`(() => { const t = document.getElementById('session'); if (t) t.value = t.value.slice(0, 8) + t.value.slice(8).replace(/[^\\s]/g, '•'); })()`);
	await shoot(path.join(SHOTS, 'login-form-session.png'));
}

main().then(() => {
	process.exitCode = 0;
}, (err) => {
	log(err.stack || err.message);
	process.exitCode = 1;
});
