'use strict';
// `npm run e2e -- --scenario FILE --workflow FILE|DIR [--seconds N] --record OUT [--keep]`:
// plays a sandbox scenario against any workflow(s) in a real n8n with the packed package, then
// writes the sandbox record (plus an `e2e` section: n8n executions and timings) to OUT. The
// scenario clock starts when the workflows are live (goLive); exit 1 when a scenario event
// happened before that, or when the triggers saw nothing of the scenario's drops.

const fs = require('node:fs');
const path = require('node:path');
const { prepareRun } = require('./harness');
const { startPackageSandbox, sandboxCredentials, credentialRefs, secretsOf, bindCredentials } = require('./sandbox');
const { loadWorkflows, isActivatable } = require('./workflows');
const { PACKAGE_NAME } = require('./package');
const { cleanupStack, log, seconds, sleep, waitUntil, writeSecretFile } = require('./util');

/**
 * Boots sandbox + n8n with the given workflows imported, credentials bound and triggers active.
 * Shared by the scenario runner, the cases and `npm start`. Returns {run, sandbox, workflows, activeIds}.
 * `run` reuses a prepared run (from prepareRun) instead of preparing one.
 */
async function bootWithSandbox({ cleanup, scenario, workflows, port, extraCredentials = [], quietSandbox = false, prepare, run: prepared, inactive = [] }) {
	const t0 = Date.now();
	// A case gets its run (n8n instance, user folder with the package) from the case runner.
	const run = prepared || (await prepareRun({ cleanup, port, ...prepare }));
	const { n8n, described, packageDir } = run;
	// The sandbox starts first (n8n needs its credentials) with its scenario clock held at 0; the
	// clock starts once the workflows are live (goLive), however long n8n takes to come up.
	const refs = [...credentialRefs(described, Boolean(scenario.bot)), ...extraCredentials];
	for (const wf of workflows) bindCredentials(wf, described, refs, PACKAGE_NAME);
	const ids = n8n.importWorkflows(workflows);
	// `inactive`: ids imported for viewing only (the screenshot script's panel workflows).
	const active = workflows.filter((wf) => isActivatable(wf) && !inactive.includes(wf.id)).map((wf) => wf.id);
	n8n.activate(active);
	const logger = quietSandbox ? require(`${packageDir}/dist/src/sandbox`).silentLogger() : undefined;
	const sandbox = await startPackageSandbox(packageDir, scenario, { clock: 'held', ...(logger ? { logger } : {}) });
	cleanup.add(() => sandbox.stop());
	n8n.secrets.push(...secretsOf(sandbox.credentials));
	n8n.importCredentials([...sandboxCredentials(sandbox.credentials, described), ...extraCredentials]);
	trustSandboxKeyIn(n8n, sandbox, packageDir);
	const prepMs = Date.now() - t0;
	const startupMs = await n8n.start();
	run.timings.prepareMs = prepMs;
	run.timings.startupMs = startupMs;
	log(`n8n ${run.install.version} up at ${n8n.url} in ${seconds(startupMs)} (prepared in ${seconds(prepMs)}); ` +
		`${ids.length} workflows imported, ${active.length} active; sandbox MTProto on ${sandbox.credentials.server.host}:${sandbox.credentials.server.port}`);
	const t1 = Date.now();
	await goLive({ n8n, sandbox, workflows: workflows.filter((wf) => active.includes(wf.id)) });
	run.timings.goLiveMs = Date.now() - t1;
	return { run, sandbox, workflows, activeIds: active };
}

/**
 * Makes the e2e n8n (and only it) trust this sandbox run's RSA key, so its clients can make auth
 * keys at the sandbox's other DCs (a login that follows PHONE_MIGRATE, a sticker on a file DC):
 * a `--require` preload patches the package's own teleproto in that process (docs/decisions.md,
 * "The sandbox's RSA key"). The package itself never trusts anything but Telegram.
 */
function trustSandboxKeyIn(n8n, sandbox, packageDir) {
	const preload = path.join(__dirname, '..', 'sandbox-rsa-trust.js');
	n8n.env.NODE_OPTIONS = `${n8n.env.NODE_OPTIONS ? `${n8n.env.NODE_OPTIONS} ` : ''}--require ${JSON.stringify(preload)}`;
	n8n.env.SANDBOX_RSA_KEY = JSON.stringify(sandbox.credentials.rsaPublicKey);
	n8n.env.SANDBOX_TELEPROTO_FROM = packageDir;
}

const TRIGGER_TYPE = `${PACKAGE_NAME}.telegramGiftTrigger`;

/**
 * What each kind of Gift Trigger reads to take its baseline (its `watch` parameter): catalog
 * triggers poll the catalog on their interval; an auction trigger reads its auction's state once
 * and then follows pushed updates (it re-reads only after the state's timeout); a resale trigger
 * reads its collections' listings in turn on its interval.
 */
const BASELINE_READS = {
	gifts: { method: 'payments.getStarGifts', keepsPolling: true },
	auction: { method: 'payments.getStarGiftAuctionState', keepsPolling: false },
	resale: { method: 'payments.getResaleStarGifts', keepsPolling: true },
};

/**
 * Starts the scenario clock once the workflows are live: n8n has activated each of them (its
 * "Activated workflow" log line on 1.x; an activation error fails the run here, loudly) and the Gift
 * Triggers have taken their baseline (the sandbox answered each kind's baseline read; catalog reads
 * go on for two of the slowest catalog trigger's poll intervals, so every trigger activated with
 * them has polled once).
 */
async function goLive({ n8n, sandbox, workflows, timeoutMs = 120000 }) {
	const activation = (wf) => {
		const text = n8n.logSinceStart();
		const id = `(ID: ${wf.id})`;
		const failed = text.split('\n').find((line) => line.includes(id) && /Issue on initial workflow activation|did fail with error/.test(line));
		if (failed) throw new Error(`n8n could not activate workflow "${wf.name}": ${n8n.redact(failed.trim())}\n${n8n.logTail(15)}`);
		return text.split('\n').some((line) => line.includes(id) && line.includes('Activated workflow'));
	};
	const triggers = workflows.flatMap((wf) => wf.nodes.filter((n) => n.type === TRIGGER_TYPE && !n.disabled));
	const kinds = [...new Set(triggers.map((n) => n.parameters?.watch ?? 'gifts'))].map((watch) => {
		const kind = BASELINE_READS[watch];
		if (!kind) throw new Error(`a Gift Trigger watches "${watch}", which the runner does not know how to wait for`);
		return kind;
	});
	const reads = (method) => sandbox.record().calls[method] || 0;
	const anyRead = () => kinds.some((k) => reads(k.method) > 0);
	await waitUntil(() => {
		const all = workflows.map(activation).every(Boolean); // checks every workflow for an activation error
		// n8n 2.x activates after "Editor is now accessible" without an info line per workflow:
		// there the triggers' baseline reads are the sign (webhook/form workflows retry on 404).
		return all || (n8n.major >= 2 && (triggers.length === 0 || anyRead()));
	}, { timeoutMs, what: `n8n to activate ${workflows.map((wf) => `"${wf.name}"`).join(', ')}` });
	if (kinds.length > 0) {
		await waitUntil(() => {
			workflows.forEach(activation);
			return kinds.every((k) => reads(k.method) > 0);
		}, { timeoutMs, what: `the Gift Triggers' baseline (${kinds.map((k) => k.method).join(', ')})` });
		// Each polling kind (catalog, resale) must go on reading after its first read.
		for (const watch of Object.keys(BASELINE_READS).filter((w) => BASELINE_READS[w].keepsPolling)) {
			const polling = triggers.filter((n) => (n.parameters?.watch ?? 'gifts') === watch);
			if (polling.length === 0) continue;
			const { method } = BASELINE_READS[watch];
			const intervalOf = (n) => Number((watch === 'resale' ? n.parameters?.resalePollIntervalMs : n.parameters?.pollIntervalMs) ?? 1000) || 1000;
			const intervalMs = Math.max(...polling.map(intervalOf));
			const before = reads(method);
			await sleep(2 * intervalMs);
			if (reads(method) <= before) throw new Error(`the Gift Triggers stopped calling ${method} after their first read:\n${n8n.logTail(15)}`);
		}
	}
	sandbox.startClock();
	log(triggers.length > 0
		? `workflows live (${triggers.length} Gift Trigger(s) took their baseline): the scenario clock starts now`
		: 'workflows live: the scenario clock starts now');
}

/**
 * What a finished run says about itself: scenario events nobody was watching (a loud error), and
 * a run whose triggers saw nothing. Returns the problems (empty when the run is sound).
 */
function runProblems(record, executions, workflows) {
	const problems = [];
	for (const u of record.unwatched || []) {
		problems.push(`${u.event} at ${seconds(u.atMs)} on the scenario clock, before the workflows were live: nothing was watching it`);
	}
	const triggered = workflows.filter((wf) => wf.nodes.some((n) => n.type === TRIGGER_TYPE && !n.disabled)).map((wf) => wf.id);
	const drops = record.releases.filter((r) => r.atMs > 0);
	if (triggered.length > 0 && drops.length > 0 && !executions.some((e) => triggered.includes(e.workflowId))) {
		problems.push(`the Gift Triggers saw nothing: ${drops.length} gift(s) were released during the run but no workflow with a trigger ran`);
	}
	return problems;
}

async function runScenario(opts) {
	if (!opts.scenario || !opts.workflow || !opts.record) throw new Error('usage: --scenario FILE --workflow FILE|DIR [--seconds N] --record OUT');
	const scenario = JSON.parse(fs.readFileSync(opts.scenario, 'utf8'));
	const workflows = loadWorkflows(opts.workflow);
	const waitMs = opts.seconds !== undefined ? Number(opts.seconds) * 1000 : scenario.durationMs ?? 30000;
	if (!Number.isFinite(waitMs) || waitMs < 0) throw new Error('--seconds must be a non-negative number');
	// A case hands over its prepared run and cleanup; the command line makes its own.
	const cleanup = opts.cleanup || cleanupStack();
	const t0 = Date.now();
	try {
		const { run, sandbox, activeIds } = await bootWithSandbox({
			cleanup, scenario, workflows, run: opts.run, prepare: { keepRunDir: opts.keep, installMode: opts.install, ...opts.flavour },
		});
		log(`running the scenario for ${seconds(waitMs)}...`);
		await sleep(waitMs);
		await run.n8n.stop();
		const executions = await run.n8n.executions();
		const record = {
			...sandbox.record(),
			e2e: {
				n8nVersion: run.install.version,
				scenarioMs: sandbox.nowMs(),
				executions: executions.map(({ id, workflowId, status, mode, startedAt, stoppedAt }) => ({ id, workflowId, status, mode, startedAt, stoppedAt })),
				timings: { ...run.timings, totalMs: Date.now() - t0 },
			},
		};
		writeSecretFile(opts.record, `${JSON.stringify(record, null, 2)}\n`);
		const failed = executions.filter((e) => e.status !== 'success').length;
		log(`record written to ${opts.record}: ${record.purchases.length} purchases, ${record.botMessages.length} bot messages, ` +
			`${executions.length} executions (${failed} not successful)`);
		if (failed) log(`n8n log tail:\n${run.n8n.logTail(20)}`);
		const problems = runProblems(record, executions, workflows.filter((wf) => activeIds.includes(wf.id)));
		for (const p of problems) log(`ERROR: ${p}`);
		return problems.length > 0 ? 1 : 0;
	} finally {
		if (!opts.cleanup) await cleanup.run();
	}
}

module.exports = { runScenario, bootWithSandbox, runProblems };
