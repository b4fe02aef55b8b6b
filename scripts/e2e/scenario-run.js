'use strict';
// `npm run e2e -- --scenario FILE --workflow FILE|DIR [--seconds N] --record OUT [--keep]`:
// plays a sandbox scenario against any workflow(s) in a real n8n with the packed package, then
// writes the sandbox record (plus an `e2e` section: n8n executions and timings) to OUT.

const fs = require('node:fs');
const { prepareRun } = require('./harness');
const { startPackageSandbox, sandboxCredentials, credentialRefs, secretsOf, bindCredentials } = require('./sandbox');
const { loadWorkflows, isActivatable } = require('./workflows');
const { PACKAGE_NAME } = require('./package');
const { cleanupStack, log, seconds, sleep, writeSecretFile } = require('./util');

/**
 * Boots sandbox + n8n with the given workflows imported, credentials bound and triggers active.
 * Shared by the scenario runner, the cases and `npm start`. Returns {run, sandbox, workflows, activeIds}.
 * `run` reuses a prepared run (from prepareRun) instead of preparing one.
 */
async function bootWithSandbox({ cleanup, scenario, workflows, port, extraCredentials = [], quietSandbox = false, prepare, run: prepared }) {
	const t0 = Date.now();
	// A case gets its run (n8n instance, user folder with the package) from the case runner.
	const run = prepared || (await prepareRun({ cleanup, port, ...prepare }));
	const { n8n, described, packageDir } = run;
	// Scenario time 0 is the sandbox start, so everything that does not need the sandbox's
	// credentials (workflow import, activation) happens before it starts.
	const refs = [...credentialRefs(described, Boolean(scenario.bot)), ...extraCredentials];
	for (const wf of workflows) bindCredentials(wf, described, refs, PACKAGE_NAME);
	const ids = n8n.importWorkflows(workflows);
	const active = workflows.filter(isActivatable).map((wf) => wf.id);
	n8n.activate(active);
	const logger = quietSandbox ? require(`${packageDir}/dist/src/sandbox`).silentLogger() : undefined;
	const sandbox = await startPackageSandbox(packageDir, scenario, logger ? { logger } : {});
	cleanup.add(() => sandbox.stop());
	n8n.secrets.push(...secretsOf(sandbox.credentials));
	n8n.importCredentials([...sandboxCredentials(sandbox.credentials, described), ...extraCredentials]);
	const prepMs = Date.now() - t0;
	const startupMs = await n8n.start();
	run.timings.prepareMs = prepMs;
	run.timings.startupMs = startupMs;
	run.timings.sandboxLeadMs = sandbox.nowMs();
	log(`n8n ${run.install.version} up at ${n8n.url} in ${seconds(startupMs)} (prepared in ${seconds(prepMs)}); ` +
		`${ids.length} workflows imported, ${active.length} active; sandbox MTProto on ${sandbox.credentials.server.host}:${sandbox.credentials.server.port}, scenario clock at ${seconds(sandbox.nowMs())}`);
	return { run, sandbox, workflows, activeIds: active };
}

async function runScenario(opts) {
	if (!opts.scenario || !opts.workflow || !opts.record) throw new Error('usage: --scenario FILE --workflow FILE|DIR [--seconds N] --record OUT');
	const scenario = JSON.parse(fs.readFileSync(opts.scenario, 'utf8'));
	const workflows = loadWorkflows(opts.workflow);
	const waitMs = opts.seconds !== undefined ? Number(opts.seconds) * 1000 : scenario.durationMs ?? 30000;
	if (!Number.isFinite(waitMs) || waitMs < 0) throw new Error('--seconds must be a non-negative number');
	const cleanup = cleanupStack();
	const t0 = Date.now();
	try {
		const { run, sandbox } = await bootWithSandbox({ cleanup, scenario, workflows, prepare: { keepRunDir: opts.keep, installMode: opts.install, ...opts.flavour } });
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
		return 0;
	} finally {
		await cleanup.run();
	}
}

module.exports = { runScenario, bootWithSandbox };
