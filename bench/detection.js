'use strict';
/**
 * Detection: gifts are released at random moments on the sandbox timeline; the figure is the
 * time from the release to the trigger's emit of that gift. P = 1000 ms, N = 1, 4, 10 accounts
 * polling, R = 0 and 30 ms injected round trip; 20 drops per configuration. Target:
 * p95 ≤ P/N + R + 10 ms, 0 missed drops. The six configurations run at once, each with its own
 * sandbox (together they make ~30 polls/s: light enough not to disturb each other's timers).
 *
 * Also: the account of a flood-parked account (forced FLOOD_WAIT) — with N = 4 one account is
 * parked and the detection p95 must stay ≤ P/(N−1) + R + 10 ms (the other three take over).
 */
const { load, percentile, round, figure, sandboxClock, sleep, leaseAll, sandboxAccounts } = require('./lib/common');
const { createPoller, pollerKind } = require('./lib/poller');

const { startSandbox, silentLogger } = load('src/sandbox');
const { ClientPool } = load('src/telegram');

const P = 1000;
const DROPS = 20;
const LEAD_MS = 1500; // connections and baseline poll happen before the first drop
const SPREAD_MS = 10000;

function mulberry32(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function dropScenario({ seed, accounts, drops, leadMs, spreadMs, latencyMs }) {
	const random = mulberry32(seed);
	const base = [{ id: '8000000000000000001', stars: 100, total: 1000, releaseAtMs: 0 }];
	const released = Array.from({ length: drops }, (_, i) => ({
		id: String(8100000000000000000n + BigInt(seed) * 1000n + BigInt(i)),
		stars: 100 + i,
		total: 500,
		releaseAtMs: leadMs + Math.floor(random() * spreadMs),
	}));
	return {
		seed,
		accounts: sandboxAccounts(accounts),
		gifts: [...base, ...released],
		latencyMs: latencyMs ? { default: latencyMs } : {},
	};
}

/**
 * One configuration: returns {latencies, missed, polls, …}. `prepare(sandbox, accounts)` may
 * inject faults before the drops begin.
 */
async function measureDetection({ seed, n, r, prepare }) {
	const scenario = dropScenario({ seed, accounts: n, drops: DROPS, leadMs: LEAD_MS, spreadMs: SPREAD_MS, latencyMs: r });
	const sandbox = await startSandbox(scenario, { logger: silentLogger() });
	const clock = sandboxClock(sandbox);
	const pool = new ClientPool({ idleMs: 0 });
	const emitted = new Map();
	let poller;
	let lease;
	try {
		lease = await leaseAll(pool, sandbox.credentials);
		if (prepare) await prepare(sandbox, lease.accounts);
		poller = await createPoller({
			sandbox,
			accounts: lease.accounts,
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
		return { latencies, missed, polls: poller.stats().polls, errors: poller.stats().errors, accounts: lease.accounts };
	} finally {
		await poller?.stop();
		lease?.release();
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
		poller: pollerKind(),
		...extra,
	});
	fig.ok = fig.ok && result.missed === 0;
	return fig;
}

async function run(emit) {
	const configs = [];
	for (const r of [0, 30]) for (const n of [1, 4, 10]) configs.push({ n, r, seed: 700 + n * 10 + r });
	const results = await Promise.all(configs.map((c) => measureDetection(c)));
	configs.forEach((c, i) => emit(detectionFigure(`detection.N${c.n}.R${c.r}`, results[i], { ...c, target: P / c.n + c.r + 10 })));

	// Forced FLOOD_WAIT on one of N = 4 accounts: it is parked, the other three cover its polls.
	const n = 4;
	const parked = await measureDetection({
		seed: 901,
		n,
		r: 0,
		prepare: async (sandbox) => {
			sandbox.injectFault({ method: 'payments.getStarGifts', error: 'FLOOD_WAIT_60', accountId: sandbox.credentials.accounts[1].id, times: 1 });
		},
	});
	const parkedAccount = parked.accounts[1];
	emit(
		detectionFigure('flood.parked.detection', parked, {
			n,
			r: 0,
			target: P / (n - 1) + 10,
			extra: {
				note: 'one of 4 accounts answered FLOOD_WAIT_60 on its first poll; target P/(N−1)+R+10',
				parkedStillParked: parkedAccount.parkedUntilMs('payments.GetStarGifts') !== null,
			},
		}),
	);
}

module.exports = { run, measureDetection, dropScenario, P };
