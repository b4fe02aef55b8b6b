'use strict';
/**
 * Detection: gifts are released at random moments on the sandbox timeline; the figure is the
 * time from the release to the trigger's emit of that gift. P = 1000 ms, N = 1, 4, 10 accounts
 * polling, R = 0 and 30 ms injected round trip; 20 drops per configuration. Target:
 * p95 ≤ P/N + R + 10 ms, 0 missed drops. The six configurations run at once, each with its own
 * sandbox process (together they make ~35 polls/s: light enough not to disturb each other's timers).
 * A seventh run, alone afterwards, repeats N = 4, R = 30 with a catalog of Telegram's real size.
 * The poller is the trigger's loop when the build has it, else the bench's stand-in (lib/poller.js).
 */
const { load, percentile, round, figure, sleep, sandboxAccounts } = require('./lib/common');
const { traceCalls } = require('./lib/call-trace');
const { performance } = require('node:perf_hooks');
const { createPoller, pollerKind } = require('./lib/poller');
const { startSandboxProcess } = require('./lib/sandbox-process');

const { ClientPool } = load('src/telegram');
const { mulberry32 } = load('src/core');

const P = 1000;
const DROPS = 20;
const LEAD_MS = 5000; // connections, store and baseline poll of all six configurations happen before the first drop
const SPREAD_MS = 10000;

function dropScenario({ seed, accounts, drops, leadMs, spreadMs, latencyMs, catalog = 1 }) {
	const random = mulberry32(seed);
	// Gifts already in the catalog before the drops (Telegram's real catalog holds ~100).
	const base = Array.from({ length: catalog }, (_, i) => ({ id: String(8000000000000000001n + BigInt(i)), stars: 100 + i, total: 1000, releaseAtMs: 0 }));
	const released = Array.from({ length: drops }, (_, i) => ({
		id: String(8100000000000000000n + BigInt(seed) * 1000n + BigInt(i)),
		stars: 100 + i,
		total: 500,
		releaseAtMs: leadMs + Math.floor(random() * spreadMs),
	}));
	return {
		seed,
		accounts: sandboxAccounts(accounts, 100000, `det${seed}-`),
		gifts: [...base, ...released],
		latencyMs: latencyMs ? { default: latencyMs } : {},
	};
}

/**
 * One configuration: returns {latencies, missed, polls, …}. `prepare(sandbox, accounts)` may
 * inject faults before the drops begin.
 */
async function measureDetection({ seed, n, r, prepare, catalog }) {
	const scenario = dropScenario({ seed, accounts: n, drops: DROPS, leadMs: LEAD_MS, spreadMs: SPREAD_MS, latencyMs: r, catalog });
	const sandbox = await startSandboxProcess(scenario);
	const clock = sandbox.clock;
	const pool = new ClientPool({ idleMs: 0 });
	const emitted = new Map();
	const trace = traceCalls();
	let poller;
	try {
		if (prepare) await prepare(sandbox);
		poller = await createPoller({
			pool,
			credentials: sandbox.credentials,
			intervalMs: P,
			onNew: (gifts) => {
				const at = clock();
				for (const g of gifts) if (!emitted.has(g.id)) emitted.set(g.id, at);
			},
		});
		if (clock() > LEAD_MS) throw new Error(`setup took ${Math.round(clock())} ms, past the first possible drop`);
		const lastRelease = Math.max(...scenario.gifts.map((g) => g.releaseAtMs));
		await sleep(lastRelease - clock() + P + 3 * r + 200);
		const latencies = [];
		let missed = 0;
		for (const g of scenario.gifts.filter((x) => x.releaseAtMs > 0)) {
			const at = emitted.get(g.id);
			if (at === undefined) missed += 1;
			else latencies.push(at - g.releaseAtMs);
		}
		// Configurations run side by side: keep this run's calls (its accounts' labels) only.
		const labels = new Set(sandbox.credentials.accounts.map((a) => a.label));
		const polls = trace.log.filter((c) => c.method === 'payments.GetStarGifts' && labels.has(c.account));
		// Where the time of each detection went: waiting for the next poll, the detecting poll's round
		// trip, and what the loop did between its answer and the emit (diff, store, hand-over).
		const offset = clock() - performance.now();
		const breakdown = { waitMs: [], pollMs: [], afterAnswerMs: [] };
		for (const g of scenario.gifts.filter((x) => x.releaseAtMs > 0)) {
			const at = emitted.get(g.id);
			if (at === undefined) continue;
			const answered = polls.filter((c) => c.end !== null && c.end + offset <= at + 0.001 && !c.error).pop();
			if (!answered) continue;
			breakdown.waitMs.push(answered.start + offset - g.releaseAtMs);
			breakdown.pollMs.push(answered.end - answered.start);
			breakdown.afterAnswerMs.push(at - (answered.end + offset));
		}
		// The loop's own schedule: time between consecutive poll starts (target gap P/N).
		const starts = polls.map((c) => c.start).sort((x, y) => x - y);
		const gaps = starts.slice(1).map((t, i) => t - starts[i]);
		return {
			pollGap: { p50: round(percentile(gaps, 50), 1), p95: round(percentile(gaps, 95), 1), max: round(Math.max(...gaps), 1) },
			breakdownP50: Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k, round(percentile(v, 50), 1)])),
			latencies,
			missed,
			polls: poller.stats().polls,
			errors: polls.filter((c) => c.error).length,
			wirePollsByAccount: sandbox.credentials.accounts.map((a) => polls.filter((c) => c.account === a.label && !c.parked).length),
		};
	} finally {
		trace.stop();
		await poller?.stop();
		await pool.destroy();
		await sandbox.stop();
	}
}

function detectionFigure(name, result, { n, r, target, extra = {} }) {
	const p95 = percentile(result.latencies, 95);
	const value = round(p95, 1);
	const fig = figure(name, value, 'ms', round(target, 1), {
		stat: 'p95 release→emit',
		P,
		N: n,
		R: r,
		p50: round(percentile(result.latencies, 50), 1),
		max: round(Math.max(...result.latencies), 1),
		drops: result.latencies.length + result.missed,
		missed: result.missed,
		polls: result.polls,
		pollErrors: result.errors,
		breakdownP50: result.breakdownP50,
		pollGap: result.pollGap,
		poller: pollerKind(),
		...extra,
	});
	fig.ok = fig.ok && result.missed === 0;
	return fig;
}

async function run(emit) {
	const configs = [];
	for (const r of [0, 30]) for (const n of [1, 4, 10]) configs.push({ n, r, seed: 700 + n * 100 + r });
	// allSettled: a failing configuration must not leave the others polling into the next bench.
	const results = await Promise.allSettled(configs.map((c) => measureDetection(c)));
	// The same with a catalog of Telegram's real size (every detecting poll carries ~120 gifts), run
	// alone: its parsing bursts would otherwise delay the other configurations' timers.
	const big = { n: 4, r: 30, seed: 799, catalog: 100, suffix: '.catalog100' };
	configs.push(big);
	results.push(...(await Promise.allSettled([measureDetection(big)])));
	configs.forEach((c, i) => {
		const name = `detection.N${c.n}.R${c.r}${c.suffix ?? ''}`;
		const r = results[i];
		if (r.status === 'fulfilled') emit(detectionFigure(name, r.value, { ...c, target: P / c.n + c.r + 10, extra: { catalogGifts: (c.catalog ?? 1) + DROPS } }));
		else emit({ bench: name, error: r.reason instanceof Error ? r.reason.message : String(r.reason) });
	});
}

module.exports = { run, measureDetection, detectionFigure, P };
