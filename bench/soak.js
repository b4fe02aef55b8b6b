#!/usr/bin/env node
'use strict';
/**
 * Soak: the trigger's loop polls 100 000 times at P = 1 ms with one account (the sandbox runs in
 * its own process, so this process holds only the package's side). Figures:
 *  - soak.heapGrowth: heap used after the run minus after warm-up (both after a full GC),
 *    target ≤ 5 MB;
 *  - soak.handleGrowth: process._getActiveHandles().length after minus after warm-up, target 0;
 *  - soak.connectionsPerSession: TCP connections the sandbox accepted per session, target 1.
 * Ten gifts are released during the run, so some polls carry full catalogs, not only
 * starGiftsNotModified. Runs as its own process (the registry's "script" kind) for a clean heap.
 */
const v8 = require('node:v8');
const vm = require('node:vm');

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc');

const { performance } = require('node:perf_hooks');
const { load, round, figure, sleep, sandboxAccounts } = require('./lib/common');
const { createPoller, pollerKind } = require('./lib/poller');
const { startSandboxProcess } = require('./lib/sandbox-process');

const { ClientPool } = load('src/telegram');

const POLLS = Number(process.env.BENCH_SOAK_POLLS) || 100_000;
const WARMUP_POLLS = Math.min(5_000, Math.floor(POLLS / 10));
const emit = (f) => process.stdout.write(JSON.stringify(f) + '\n');

function settledHeap() {
	for (let i = 0; i < 3; i++) gc();
	return process.memoryUsage().heapUsed;
}

async function waitForPolls(poller, count) {
	while (poller.stats().polls < count) await sleep(50);
}

async function main() {
	const sandbox = await startSandboxProcess({
		seed: 500,
		accounts: sandboxAccounts(1),
		gifts: [
			{ id: '8500000000000000000', stars: 100, total: 1000 },
			...Array.from({ length: 10 }, (_, i) => ({ id: String(8500000000000000001n + BigInt(i)), stars: 100 + i, total: 1000, releaseAtMs: 5000 + i * 5000 })),
		],
	});
	const pool = new ClientPool({ idleMs: 0 });
	let poller;
	let emitted = 0;
	const warnings = [];
	try {
		poller = await createPoller({ pool, credentials: sandbox.credentials, intervalMs: 1, onNew: (gifts) => (emitted += gifts.length), onError: (m) => warnings.push(m) });
		await waitForPolls(poller, WARMUP_POLLS);
		const heapBefore = settledHeap();
		const handlesBefore = process._getActiveHandles().length;
		const started = performance.now();
		const pollsBefore = poller.stats().polls;
		await waitForPolls(poller, POLLS);
		const seconds = (performance.now() - started) / 1000;
		const polls = poller.stats().polls - pollsBefore;
		const heapAfter = settledHeap();
		const handlesAfter = process._getActiveHandles().length;
		const record = await sandbox.record();
		const stats = poller.stats();
		const context = { polls: stats.polls, pollErrors: warnings.length, pollsPerSecond: round(polls / seconds, 0), seconds: round(seconds, 1), giftsEmitted: emitted, poller: pollerKind() };
		emit(figure('soak.heapGrowth', round((heapAfter - heapBefore) / 1048576, 2), 'MB', 5, { heapBeforeMB: round(heapBefore / 1048576, 1), heapAfterMB: round(heapAfter / 1048576, 1), ...context }));
		emit(figure('soak.handleGrowth', handlesAfter - handlesBefore, 'handles', 0, { handlesBefore, handlesAfter, polls: stats.polls }));
		const perSession = Math.max(...Object.values(record.connections.byAccount));
		emit(figure('soak.connectionsPerSession', perSession, 'connections', 1, { sessions: 1, totalAccepted: record.connections.total, getStarGiftsCalls: record.calls['payments.getStarGifts'] }));
	} finally {
		await poller?.stop();
		await pool.destroy();
		await sandbox.stop();
	}
}

main().catch((error) => {
	process.stderr.write(`soak failed: ${error && error.stack}\n`);
	process.exitCode = 1;
});
