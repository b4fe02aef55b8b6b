'use strict';
/**
 * Shared pieces of the sandbox benches: where the build is, percentiles, the figure shape,
 * a precise reading of the sandbox clock, and accounts leased from a pool.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const BUILD = process.env.BENCH_BUILD_DIR || path.join(__dirname, '..', '..', 'dist');
const load = (rel) => require(path.join(BUILD, rel));

function percentile(values, p) {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	// Nearest-rank: the smallest value with at least p% of the samples at or below it.
	const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
	return sorted[rank - 1];
}

const round = (x, digits = 1) => (x === null || x === undefined ? null : Math.round(x * 10 ** digits) / 10 ** digits);

/** {"bench","value","unit","target","ok",...context}; `ok` is false when value is null. */
function figure(bench, value, unit, target, context = {}, better = 'lower') {
	const ok = value !== null && (better === 'lower' ? value <= target : value >= target);
	return { bench, value, unit, target, ok, ...context };
}

/**
 * The sandbox timeline (`nowMs()`) is whole milliseconds of performance.now() since its start.
 * Recover the start precisely (min over samples of performance.now() − nowMs()), so a bench can
 * read sub-millisecond sandbox time for events it observes itself.
 */
function sandboxClock(sandbox) {
	let start = Infinity;
	for (let i = 0; i < 2000; i++) start = Math.min(start, performance.now() - sandbox.nowMs());
	return () => performance.now() - start;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Leases every sandbox account from `pool`; returns {accounts, release}. */
async function leaseAll(pool, credentials) {
	const { apiId, apiHash, server, accounts } = credentials;
	const leases = await Promise.all(accounts.map((a) => pool.acquire({ apiId, apiHash, server, session: a.session, label: a.label })));
	return { accounts: leases.map((l) => l.account), release: () => leases.forEach((l) => l.release()) };
}

/**
 * Sandbox accounts `count` strong with ids 700000001…; balance per account. Labels start with
 * `prefix`: benches running side by side give each run its own, so traced calls can be told apart.
 */
function sandboxAccounts(count, balance = 100000, prefix = 'bench') {
	return Array.from({ length: count }, (_, i) => ({ id: String(700000001 + i), label: `${prefix}${i + 1}`, balance, premium: true }));
}

function tempDir(prefix) {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A sandbox playing `scenario`, a sqlite store in a temp dir, a client pool and the accounts'
 * credentials, with one close() for all of it (the auction and resale benches).
 */
async function sandboxWorld(scenario, prefix) {
	const { startSandbox, silentLogger } = load('src/sandbox');
	const { ClientPool } = load('src/telegram');
	const { getStore } = load('src/store');
	const sandbox = await startSandbox(scenario, { logger: silentLogger() });
	const dir = tempDir(prefix);
	const store = await getStore(path.join(dir, 'store.sqlite'));
	const pool = new ClientPool({ idleMs: 60_000, connectionRetries: 1 });
	const { apiId, apiHash, server, accounts } = sandbox.credentials;
	const creds = accounts.map((a) => ({ apiId, apiHash, server, session: a.session, label: a.label }));
	return {
		sandbox,
		store,
		pool,
		creds,
		async close() {
			await pool.destroy();
			await store.close();
			await sandbox.stop();
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** The sandbox round trip of one small call (balance; median of 200 after 50 warm-up calls), ms, on a sandboxWorld. */
async function sandboxRoundTrip(w) {
	const lease = await w.pool.acquire(w.creds[0]);
	try {
		for (let i = 0; i < 50; i++) await lease.account.balance();
		const samples = [];
		for (let i = 0; i < 200; i++) {
			const t = performance.now();
			await lease.account.balance();
			samples.push(performance.now() - t);
		}
		return percentile(samples, 50);
	} finally {
		lease.release();
	}
}

module.exports = { BUILD, load, percentile, round, figure, sandboxClock, sleep, leaseAll, sandboxAccounts, tempDir, sandboxWorld, sandboxRoundTrip };
