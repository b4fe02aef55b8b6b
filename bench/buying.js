'use strict';
/**
 * Buying, through the account layer's at-most-once buyer (executeOperations) against the
 * sandbox with R = 30 ms injected on every method:
 *  - buying.parallel: 10 accounts × 5 purchases each (one operation of quantity 5 per account),
 *    target total ≤ 1.2 × (2R × 5) — accounts in parallel, each purchase = form + send.
 *    Steady state of a sniper: the pool's connections are open and the recipient resolved (one
 *    warm-up purchase of another gift first), the ledger is a fresh sqlite file.
 *  - buying.soldOutStop: 10 accounts × 5 units of a gift with 12 copies left; from the first
 *    sold-out answer reaching any account to the last purchase request (form or send) any account
 *    sends must be ≤ R: every account stops within one round trip. Timed on the client by
 *    tracing TelegramAccount.call (lib/call-trace.js).
 * The sandbox runs in its own process (lib/sandbox-process.js).
 */
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { load, percentile, round, figure, sandboxAccounts, tempDir } = require('./lib/common');
const { traceCalls } = require('./lib/call-trace');

const { startSandboxProcess } = require('./lib/sandbox-process');
const { ClientPool, executeOperations } = load('src/telegram');
const { getStore } = load('src/store');

const R = 30;
const ACCOUNTS = Number(process.env.BENCH_BUY_ACCOUNTS) || 10;
const UNITS = 5;
const CHANNEL = '1700000001';
const RECIPIENT = `-100${CHANNEL}`;
const WARM_GIFT = '8200000000000000001';
const GIFT = '8200000000000000002';

function scenario(remains) {
	return {
		seed: 77,
		accounts: sandboxAccounts(ACCOUNTS, 1_000_000),
		// Every buying account is a member: it finds the channel's access hash in its dialogs.
		channels: [{ id: CHANNEL, title: 'Bench channel', members: sandboxAccounts(ACCOUNTS).map((a) => a.id) }],
		gifts: [
			{ id: WARM_GIFT, stars: 10, total: 100000 },
			{ id: GIFT, stars: 100, total: 100000, remains },
		],
		latencyMs: { default: R },
	};
}

function operationsFor(giftId, price, quantity, tag) {
	return Array.from({ length: ACCOUNTS }, (_, i) => ({
		opKey: `bench-${tag}-${i}`,
		accountId: String(700000001 + i),
		recipient: RECIPIENT,
		giftId,
		price,
		quantity,
		supply: 100000,
	}));
}

async function withMarket(remains, fn) {
	const sandbox = await startSandboxProcess(scenario(remains));
	const dir = tempDir('bench-buying-');
	const store = await getStore(path.join(dir, 'store.sqlite'));
	const pool = new ClientPool({ idleMs: 60_000 });
	const { apiId, apiHash, server, accounts } = sandbox.credentials;
	const credentials = accounts.map((a) => ({ apiId, apiHash, server, session: a.session, label: a.label }));
	try {
		// Warm-up: connects every account and resolves the channel once (cached per connection).
		const warm = await executeOperations(operationsFor(WARM_GIFT, 10, 1, `warm-${remains}`), { store, pool, credentials });
		const warmFailed = warm.filter((r) => r.status !== 'bought');
		if (warmFailed.length) throw new Error(`warm-up purchase failed: ${warmFailed[0].error}`);
		return await fn({ sandbox, store, pool, credentials });
	} finally {
		await pool.destroy();
		await store.close();
		await sandbox.stop();
	}
}

/** Per account, the number of groups of calls that overlap in time, summed over accounts. */
function sequentialRoundTrips(log) {
	let groups = 0;
	for (const account of new Set(log.map((c) => c.account))) {
		let groupEnd = -Infinity;
		for (const call of log.filter((c) => c.account === account).sort((a, b) => a.start - b.start)) {
			if (call.start >= groupEnd) groups += 1;
			groupEnd = Math.max(groupEnd, call.end);
		}
	}
	return groups;
}

async function run(emit) {
	await withMarket(undefined, async ({ sandbox, store, pool, credentials }) => {
		const trace = traceCalls();
		const started = performance.now();
		let results;
		try {
			results = await executeOperations(operationsFor(GIFT, 100, UNITS, 'parallel'), { store, pool, credentials });
		} finally {
			trace.stop();
		}
		const total = performance.now() - started;
		const bought = results.reduce((s, r) => s + r.quantityBought, 0);
		const sends = trace.log.filter((c) => c.method === 'payments.SendStarsForm' && !c.error);
		const rtts = trace.log.map((c) => c.end - c.start);
		const target = 1.2 * (2 * R * UNITS);
		const fig = figure('buying.parallel', round(total, 1), 'ms', target, {
			stat: 'executeOperations wall time',
			accounts: ACCOUNTS,
			purchasesPerAccount: UNITS,
			R,
			bought,
			physicalFloor: 2 * R * UNITS,
			lastPurchaseAnsweredMs: round(Math.max(...sends.map((c) => c.end)) - started, 1),
			callsPerAccount: round(trace.log.length / ACCOUNTS, 1),
			// Calls that overlap in time count once: the round trips an account waits for in a row.
			sequentialRoundTripsPerAccount: round(sequentialRoundTrips(trace.log) / ACCOUNTS, 1),
			callP50: round(percentile(rtts, 50), 1),
			callP95: round(percentile(rtts, 95), 1),
			calls: Object.fromEntries([...new Set(trace.log.map((c) => c.method))].map((m) => [m, trace.log.filter((c) => c.method === m).length])),
		});
		fig.ok = fig.ok && bought === ACCOUNTS * UNITS;
		emit(fig);
	});

	await withMarket(12, async ({ store, pool, credentials }) => {
		const trace = traceCalls();
		let results;
		try {
			results = await executeOperations(operationsFor(GIFT, 100, UNITS, 'soldout'), { store, pool, credentials });
		} finally {
			trace.stop();
		}
		const buyCalls = trace.log.filter((c) => c.method === 'payments.GetPaymentForm' || c.method === 'payments.SendStarsForm');
		const soldOut = buyCalls.filter((c) => c.error === 'STARGIFT_USAGE_LIMITED');
		const firstSoldOutAnswer = Math.min(...soldOut.map((c) => c.end));
		const lastRequest = Math.max(...buyCalls.map((c) => c.start));
		const late = buyCalls.filter((c) => c.start > firstSoldOutAnswer);
		const bought = results.reduce((s, r) => s + r.quantityBought, 0);
		emit(
			figure('buying.soldOutStop', round(Math.max(0, lastRequest - firstSoldOutAnswer), 1), 'ms', R, {
				stat: 'last form/send request sent − first sold-out answer received (client clock)',
				R,
				copies: 12,
				bought,
				soldOutAnswers: soldOut.length,
				requestsAfterFirstSoldOut: late.map((c) => c.method.replace('payments.', '')),
				reasons: [...new Set(results.map((r) => r.reason ?? r.status))],
			}),
		);
	});
}

module.exports = { run };
