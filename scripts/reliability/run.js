#!/usr/bin/env node
/**
 * npm run reliability: runs the reliability cases (jest.reliability.config.js) in one process,
 * then prints one JSON line per case and the summary line
 * {"cases", "doubleBuys", "overspendStars", "lostReports", "secretsLeaked", "unclearErrors"} on
 * stdout. jest's own output goes to stderr. Exits non-zero when any count is above zero, when a
 * case's assertions failed, or when no case ran.
 *
 *   node scripts/reliability/run.js [jest path filter...]
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'tg-gifts-reliability-'));
const out = join(dir, 'cases.jsonl');
const started = Date.now();

const jest = spawnSync(
	process.execPath,
	[require.resolve('jest/bin/jest', { paths: [root] }), '-c', join(root, 'jest.reliability.config.js'), '--runInBand', '--forceExit', ...process.argv.slice(2)],
	{ cwd: root, env: { ...process.env, RELIABILITY_OUT: out }, stdio: ['ignore', process.stderr, process.stderr] },
);

const lines = existsSync(out)
	? readFileSync(out, 'utf8')
			.split('\n')
			.filter((l) => l.trim() !== '')
			.map((l) => JSON.parse(l))
	: [];
rmSync(dir, { recursive: true, force: true });

const summary = { cases: lines.length, doubleBuys: 0, overspendStars: 0, lostReports: 0, secretsLeaked: 0, unclearErrors: 0 };
for (const line of lines) {
	process.stdout.write(JSON.stringify(line) + '\n');
	for (const key of ['doubleBuys', 'overspendStars', 'lostReports', 'secretsLeaked', 'unclearErrors']) summary[key] += line[key] ?? 0;
}
process.stdout.write(JSON.stringify(summary) + '\n');
process.stderr.write(`reliability: ${lines.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s, jest exit ${jest.status}\n`);

const bad = ['doubleBuys', 'overspendStars', 'lostReports', 'secretsLeaked', 'unclearErrors'].some((k) => summary[k] > 0);
process.exit(bad || jest.status !== 0 || lines.length === 0 ? 1 : 0);
