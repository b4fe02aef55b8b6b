#!/usr/bin/env node
'use strict';
// `npm run e2e`: the bundled end-to-end cases in a real n8n with the packed package.
// `npm run e2e -- --scenario FILE --workflow FILE [--seconds N] --record OUT`: one scenario with
// any workflow; writes the sandbox record; exit 0 when the run completed.
// Options: --case NAME (run only cases whose file name contains NAME), --keep (keep the run dir),
// --queue (the cases that declare `queue: true`, on n8n in queue mode: main + 2 workers + webhook
// processor on this machine's PostgreSQL and Redis; see scripts/e2e/queue.js),
// --n8n 2 (n8n 2.40.7 on a cached Node 24), --install gui (install the package exactly as n8n's Community Nodes page does: no dependency scripts).

const fs = require('node:fs');
const path = require('node:path');
const { prepareRun } = require('./harness');
const { n8nFlavour } = require('./flavour');
const { cleanupStack, log, seconds } = require('./util');

function parseArgs(argv) {
	const opts = {};
	const flags = { scenario: 'string', workflow: 'string', seconds: 'string', record: 'string', case: 'string', keep: 'boolean', install: 'string', n8n: 'string', queue: 'boolean' };
	for (let i = 0; i < argv.length; i++) {
		const [key, inline] = argv[i].replace(/^--/, '').split('=', 2);
		if (!argv[i].startsWith('--') || !flags[key]) throw new Error(`unknown argument ${argv[i]}`);
		if (flags[key] === 'boolean') opts[key] = true;
		else {
			const value = inline ?? argv[++i];
			if (value === undefined) throw new Error(`--${key} needs a value`);
			opts[key] = value;
		}
	}
	return opts;
}

function loadCases(filter, queue) {
	const dir = path.join(__dirname, 'cases');
	return fs.readdirSync(dir)
		.filter((f) => f.endsWith('.js') && (!filter || f.includes(filter)))
		.filter((f) => !queue || require(path.join(dir, f)).queue === true)
		.sort((a, b) => (a === 'selftest.js' ? -1 : b === 'selftest.js' ? 1 : a.localeCompare(b)))
		.map((f) => ({ file: f, ...require(path.join(dir, f)) }));
}

async function runCases(opts) {
	const started = Date.now();
	const results = [];
	for (const c of loadCases(opts.case, opts.queue)) {
		const cleanup = cleanupStack();
		const t0 = Date.now();
		let run;
		try {
			run = await prepareRun({ cleanup, keepRunDir: opts.keep, installMode: opts.install, queue: opts.queue, ...n8nFlavour(opts.n8n) });
			const missing = (c.requires || []).filter((type) => !run.described.nodes.some((n) => n.type === type));
			if (missing.length) {
				results.push({ case: c.file, status: 'skipped', why: `package does not declare ${missing.join(', ')} yet` });
				log(`SKIP ${c.file}: package does not declare ${missing.join(', ')} yet`);
				continue;
			}
			log(`RUN  ${c.name}`);
			const info = await c.run({ run, cleanup });
			results.push({ case: c.file, ...(opts.queue ? { mode: 'queue' } : {}), status: 'passed', ms: Date.now() - t0, timings: run.timings, ...info });
			log(`PASS ${c.file} in ${seconds(Date.now() - t0)}`);
		} catch (err) {
			results.push({ case: c.file, status: 'failed', ms: Date.now() - t0, error: err.message });
			log(`FAIL ${c.file}: ${run ? run.n8n.redact(err.stack || err.message) : err.stack || err.message}`);
			if (run) log(`n8n log tail:\n${run.n8n.logTail(30)}`);
		} finally {
			await cleanup.run();
		}
	}
	const count = (s) => results.filter((r) => r.status === s).length;
	const summary = { totalMs: Date.now() - started, results };
	process.stdout.write(`${JSON.stringify(summary)}\n`);
	process.stdout.write(`e2e: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped (${seconds(summary.totalMs)})\n`);
	return count('failed') === 0 && count('passed') > 0 ? 0 : 1;
}

async function main() {
	const opts = parseArgs(process.argv.slice(2));
	if (opts.scenario || opts.workflow || opts.record) {
		const { runScenario } = require('./scenario-run');
		return await runScenario({ ...opts, flavour: n8nFlavour(opts.n8n) });
	}
	return await runCases(opts);
}

main().then((code) => {
	process.exitCode = code;
}, (err) => {
	log(err.message);
	process.exitCode = 1;
});
