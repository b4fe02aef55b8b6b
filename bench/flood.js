'use strict';
/**
 * Flood safety.
 *  - flood.defaults.N1 / .N4: polling at the default settings (P = 1000 ms, per-session floor
 *    800 ms) for 10 minutes of simulated time against a sandbox flood rule with the anchors'
 *    limits on payments.getStarGifts → target 0 FLOOD_WAIT.
 *    The rule (per session → FLOOD_WAIT_5): more than 1 call within 500 ms, or more than 120 calls
 *    within 60 s. Why: the anchors report running without flood waits at one session every 0.5 s
 *    (the mtcute userbot's checker account) and every ≥ 0.8 s (GiftBuyer), so Telegram's real limit
 *    is at least that generous; the tightest rule consistent with both is "no two calls of one
 *    session within 500 ms, at most 120 a minute". (A rule at GiftBuyer's own 0.8 s floor would
 *    flood GiftBuyer itself, which polls exactly at it.) The defaults poll each session once a
 *    second: inside the rule by 2×, never at its edge.
 *    Simulated time: the sandbox's clock is real time, so the run is time-compressed by SCALE:
 *    every interval of the poller (P, floor) and every window of the rule is divided by SCALE and
 *    10 simulated minutes take 10/SCALE real minutes. Flood decisions depend only on call times
 *    relative to the windows, which scale together; the unscaled parts (loopback round trip ~1 ms,
 *    timer jitter ~1 ms) become SCALE× larger in simulated terms, which makes the compressed run
 *    stricter, not looser (less slack between calls and window edges).
 *  - flood.parked.detection: one of N = 4 accounts gets a forced FLOOD_WAIT_60 on its first poll;
 *    it must be parked (no further calls) and detection p95 must stay ≤ P/(N−1) + R + 10 ms.
 */
const { performance } = require('node:perf_hooks');
const { load, round, figure, sleep, sandboxAccounts } = require('./lib/common');
const { traceCalls } = require('./lib/call-trace');
const { createPoller, pollerKind } = require('./lib/poller');
const { startSandboxProcess } = require('./lib/sandbox-process');
const { measureDetection, detectionFigure, P } = require('./detection');

const { ClientPool } = load('src/telegram');

const SCALE = 10;
const SIMULATED_MS = Number(process.env.BENCH_FLOOD_SIMULATED_MS) || 10 * 60 * 1000;
const DEFAULT_FLOOR_MS = 800;
const RULES = [
	{ method: 'payments.getStarGifts', maxCalls: 1, windowMs: 500, waitSeconds: 5 },
	{ method: 'payments.getStarGifts', maxCalls: 120, windowMs: 60000, waitSeconds: 5 },
];

async function floodRun(n) {
	const sandbox = await startSandboxProcess({
		seed: 300 + n,
		accounts: sandboxAccounts(n, 100000, `flood${n}-`),
		gifts: [{ id: '8300000000000000001', stars: 100, total: 1000 }],
		floodRules: RULES.map((r) => ({ ...r, windowMs: r.windowMs / SCALE })),
	});
	const pool = new ClientPool({ idleMs: 0 });
	const trace = traceCalls();
	let poller;
	try {
		poller = await createPoller({
			pool,
			credentials: sandbox.credentials,
			intervalMs: P / SCALE,
			sessionFloorMs: DEFAULT_FLOOR_MS / SCALE,
			onNew: () => undefined,
		});
		const started = performance.now();
		await sleep(SIMULATED_MS / SCALE);
		const realMs = performance.now() - started;
		// Both runs go side by side: keep this run's calls (its accounts' labels) only.
		const labels = new Set(sandbox.credentials.accounts.map((a) => a.label));
		const polls = trace.log.filter((c) => c.method === 'payments.GetStarGifts' && c.start >= started && labels.has(c.account));
		const floodWaits = polls.filter((c) => c.errorKind === 'FloodWaitError' && !c.parked);
		const otherErrors = polls.filter((c) => c.error && c.errorKind !== 'FloodWaitError');
		return { polls: polls.length, floodWaits, otherErrors, realMs };
	} finally {
		trace.stop();
		await poller?.stop();
		await pool.destroy();
		await sandbox.stop();
	}
}

async function run(emit) {
	const ns = [1, 4];
	const results = await Promise.all(ns.map((n) => floodRun(n)));
	ns.forEach((n, i) => {
		const r = results[i];
		const simulatedMinutes = (r.realMs * SCALE) / 60000;
		emit(
			figure(`flood.defaults.N${n}`, r.floodWaits.length, 'FLOOD_WAIT', 0, {
				P,
				N: n,
				sessionFloorMs: DEFAULT_FLOOR_MS,
				simulatedMinutes: round(simulatedMinutes, 2),
				timeScale: SCALE,
				realSeconds: round(r.realMs / 1000, 1),
				polls: r.polls,
				callsPerSessionPerMinute: round(r.polls / n / simulatedMinutes, 1),
				rule: 'per session: >1 call in 500 ms or >120 in 60 s → FLOOD_WAIT_5 (mtcute 0.5 s, GiftBuyer ≥0.8 s per session)',
				otherErrors: r.otherErrors.length,
				poller: pollerKind(),
			}),
		);
	});

	// Forced FLOOD_WAIT on one of N = 4 accounts: it is parked, the other three cover its polls.
	const n = 4;
	const parked = await measureDetection({
		seed: 901,
		n,
		r: 0,
		prepare: async (sandbox) => {
			await sandbox.injectFault({ method: 'payments.getStarGifts', error: 'FLOOD_WAIT_60', accountId: sandbox.credentials.accounts[1].id, times: 1 });
		},
	});
	const fig = detectionFigure('flood.parked.detection', parked, {
		n,
		r: 0,
		target: P / (n - 1) + 10,
		extra: {
			note: 'account 2 of 4 answered FLOOD_WAIT_60 on its first poll; target P/(N−1)+R+10',
			wirePollsOfParkedAccount: parked.wirePollsByAccount[1],
			wirePollsByAccount: parked.wirePollsByAccount,
		},
	});
	// Parked means one (flooded) call and none after it.
	fig.ok = fig.ok && parked.wirePollsByAccount[1] === 1;
	emit(fig);
}

module.exports = { run, RULES, SCALE };
