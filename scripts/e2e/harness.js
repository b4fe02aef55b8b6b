'use strict';
// Builds one e2e run: cached n8n, fresh user folder with the packed package installed, ports,
// and the owner login used to query the editor's endpoints. Everything is torn down by the
// cleanup stack the caller passes in.

const fs = require('node:fs');
const path = require('node:path');
const { ensureN8n, N8N_1 } = require('./n8n-install');
const { packPackage, installPackage, describePackage, PACKAGE_NAME } = require('./package');
const { N8n } = require('./n8n');
const { QueueN8n, prepareQueue } = require('./queue');
const { freePort, makeRunDir, log, seconds } = require('./util');

let packed = null;
/** Packs the package once per process into a private dir removed at exit. */
function packOnce() {
	if (!packed) {
		const dir = makeRunDir('tg-gifts-pack-');
		process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
		packed = packPackage(dir);
	}
	return packed;
}

/**
 * @param {{cleanup, version?, nodeBin?, abi?, port?, installEnv?, n8nEnv?, keepRunDir?: boolean,
 *          installMode?: 'npm'|'gui', queue?: boolean}} opts
 * @returns {Promise<{n8n: N8n, install, runDir, packageDir, described, timings}>}
 */
async function prepareRun(opts) {
	const { cleanup } = opts;
	const timings = {};
	const install = ensureN8n({ version: opts.version || N8N_1, nodeBin: opts.nodeBin, abi: opts.abi, env: opts.installEnv,
		ignoreScripts: opts.ignoreScripts, rebuild: opts.rebuild, allowScripts: opts.allowScripts });
	timings.n8nInstallMs = install.installMs;

	const runDir = makeRunDir();
	if (!opts.keepRunDir) cleanup.add(() => fs.rmSync(runDir, { recursive: true, force: true }));

	const t = Date.now();
	const packed = packOnce();
	timings.packMs = Date.now() - t;
	const userFolder = path.join(runDir, 'user');
	const installed = installPackage(packed.tarball, userFolder, { n8nDir: install.dir, nodeBin: install.nodeBin, mode: opts.installMode });
	timings.packageInstallMs = installed.ms;
	const described = describePackage(installed.packageDir, { n8nDir: install.dir, nodeBin: install.nodeBin });
	log(`packed ${PACKAGE_NAME} (${packed.files} files, ${Math.round(packed.bytes / 1024)} kB) in ${seconds(timings.packMs)}; ` +
		`installed into the user folder in ${seconds(installed.ms)} (sqlite3 binding ${installed.sqlite}); ` +
		`declares ${described.nodes.length} nodes, ${described.credentials.length} credentials`);

	for (const b of described.broken) log(`WARNING: the package declares ${b.file} but it does not load: ${b.error}`);
	// Queue mode (--queue): main + workers + webhook processor on PostgreSQL and Redis of the run's own.
	const queue = opts.queue ? await prepareQueue(cleanup) : null;
	const n8nOpts = {
		install,
		runDir,
		port: opts.port || (await freePort()),
		brokerPort: await freePort(),
		env: opts.n8nEnv,
	};
	const n8n = queue ? new QueueN8n({ ...n8nOpts, queue, webhookPort: queue.webhookPort }) : new N8n(n8nOpts);
	cleanup.add(() => n8n.stop());
	return { n8n, install, runDir, packageDir: installed.packageDir, described, timings, queue };
}

const OWNER = { email: 'demo@example.com', firstName: 'Demo', lastName: 'Owner', password: 'Demo-pass-1234' };

/** Creates the instance owner (first start only) and logs in; returns the session cookie. */
async function ownerLogin(n8n, owner = OWNER) {
	const json = { 'content-type': 'application/json' };
	const setup = await fetch(`${n8n.url}/rest/owner/setup`, { method: 'POST', headers: json, body: JSON.stringify(owner) });
	let cookie = setup.headers.get('set-cookie');
	if (!setup.ok) {
		const login = await fetch(`${n8n.url}/rest/login`, {
			method: 'POST', headers: json, body: JSON.stringify({ emailOrLdapLoginId: owner.email, email: owner.email, password: owner.password }),
		});
		if (!login.ok) throw new Error(`n8n owner login failed: HTTP ${login.status}`);
		cookie = login.headers.get('set-cookie');
	}
	return cookie.split(';')[0];
}

/** Node type names the running editor offers (the editor's own /types/nodes.json). */
async function editorNodeTypes(n8n, cookie) {
	const res = await fetch(`${n8n.url}/types/nodes.json`, { headers: { cookie } });
	if (!res.ok) throw new Error(`/types/nodes.json answered HTTP ${res.status}`);
	const types = await res.json();
	return types.map((t) => t.name);
}

module.exports = { prepareRun, ownerLogin, editorNodeTypes, OWNER };
