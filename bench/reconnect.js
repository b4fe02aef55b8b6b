'use strict';
/**
 * Reconnect: while the trigger's loop polls (P = 1000 ms, one account), the sandbox closes the
 * TCP connection at scheduled moments and releases a gift 100 ms after each; figures:
 *  - reconnect.resume: time from the drop to the first poll answered afterwards (worst of three
 *    drops), target ≤ 2000 ms;
 *  - reconnect.missedDrops: gifts released during the reconnects that were never emitted, target 0.
 */
const { load, round, figure, sleep, sandboxAccounts } = require('./lib/common');
const { createPoller, pollerKind } = require('./lib/poller');
const { startSandboxProcess } = require('./lib/sandbox-process');
const { traceCalls } = require('./lib/call-trace');

const { ClientPool } = load('src/telegram');

const P = 1000;
const DROPS_AT = [3000, 7500, 12000];
const RELEASE_AFTER_MS = 100;

async function run(emit) {
	const sandbox = await startSandboxProcess({
		seed: 600,
		accounts: sandboxAccounts(1),
		gifts: [
			{ id: '8600000000000000000', stars: 100, total: 1000 },
			...DROPS_AT.map((at, i) => ({ id: String(8600000000000000001n + BigInt(i)), stars: 100 + i, total: 1000, releaseAtMs: at + RELEASE_AFTER_MS })),
		],
		disconnects: DROPS_AT.map((atMs) => ({ atMs })),
	});
	const pool = new ClientPool({ idleMs: 0 });
	const trace = traceCalls();
	const emitted = new Map();
	const errors = [];
	let poller;
	try {
		poller = await createPoller({
			pool,
			credentials: sandbox.credentials,
			intervalMs: P,
			onNew: (gifts) => gifts.forEach((g) => emitted.set(g.id, sandbox.clock())),
			onError: (message) => errors.push(message),
		});
		await sleep(DROPS_AT[DROPS_AT.length - 1] - sandbox.clock() + 3000);
	} finally {
		trace.stop();
		await poller?.stop();
		await pool.destroy();
	}
	const record = await sandbox.record();
	await sandbox.stop();

	// Convert traced call times (this process's clock) to the sandbox timeline.
	const offset = sandbox.clock() - require('node:perf_hooks').performance.now();
	const answered = trace.log.filter((c) => c.method === 'payments.GetStarGifts' && !c.error && c.end !== null).map((c) => c.end + offset);
	const resumes = DROPS_AT.map((at) => {
		const next = answered.find((t) => t > at);
		return next === undefined ? null : next - at;
	});
	const worst = resumes.includes(null) ? null : Math.max(...resumes);
	const common = { P, N: 1, drops: DROPS_AT.length, poller: pollerKind() };
	emit(
		figure('reconnect.resume', round(worst, 1), 'ms', 2000, {
			stat: 'drop → first poll answered after it (worst of the drops)',
			each: resumes.map((r) => round(r, 1)),
			connectionsAccepted: record.connections.total,
			pollErrors: errors.length,
			errors: [...new Set(errors)].slice(0, 3),
			...common,
		}),
	);
	const missed = DROPS_AT.filter((_, i) => !emitted.has(String(8600000000000000001n + BigInt(i)))).length;
	emit(
		figure('reconnect.missedDrops', missed, 'gifts', 0, {
			releasedDuringReconnect: DROPS_AT.length,
			detectedAfterReleaseMs: DROPS_AT.map((at, i) => {
				const t = emitted.get(String(8600000000000000001n + BigInt(i)));
				return t === undefined ? null : round(t - at - RELEASE_AFTER_MS, 1);
			}),
			...common,
		}),
	);
}

module.exports = { run };
