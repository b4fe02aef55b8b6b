'use strict';
/**
 * Queue mode (docs/queue-mode.md), one run, JSON lines:
 * - `queue.forward.overhead`: a read (payments.getStarsStatus) through the session's owner minus
 *   the same read on the owner's own connection, p50 over 300 calls each, against the sandbox and
 *   the real Redis at 127.0.0.1:6379 (a key prefix of its own, removed after). Target: one Redis
 *   exchange (a message pushed, taken by a blocked BLPOP, answered onto the sender's blocked list:
 *   measured beside it with nothing else in it) + 0.3 ms for TL/JSON encoding, as the issue asks
 *   ("no more than one Redis round trip per call"). Context: PING p50.
 * - `reaction.regular.p50/p95` and `reaction.queue.p50/p95`: release → first payment sent, the
 *   shipped autobuy workflow in a real n8n 1.123.50, regular mode and then queue mode (main + 2
 *   workers + webhook processor on PostgreSQL and Redis), same scenario (bench/reaction.js with
 *   BENCH_REACTION_DROPS drops, default 20). Skipped with BENCH_QUEUE_N8N=0.
 */
const { performance } = require('node:perf_hooks');
const { randomBytes } = require('node:crypto');
const { load, percentile, round, figure } = require('./lib/common');

async function forwardOverhead(emit) {
	const { startSandbox, silentLogger } = load('src/sandbox');
	const { ClientPool } = load('src/telegram');
	const { OwnershipCoordinator } = load('src/telegram/ownership');
	const Redis = require('ioredis');
	const sandbox = await startSandbox({
		seed: 5,
		accounts: [{ id: '1000001', label: 'Alice', balance: 1000 }],
		gifts: [{ id: '5001', stars: 10, total: 10 }],
	}, { logger: silentLogger() });
	const prefix = `bench:tg-gifts:${randomBytes(4).toString('hex')}:`;
	const config = { redis: { host: '127.0.0.1', port: 6379, db: 0, tls: false }, keyPrefix: prefix, leaseMs: 3000 };
	const a = new OwnershipCoordinator(config);
	const b = new OwnershipCoordinator(config);
	const poolA = new ClientPool({ ownership: a });
	const poolB = new ClientPool({ ownership: b });
	const admin = new Redis({ host: '127.0.0.1', port: 6379 });
	try {
		const { apiId, apiHash, server, accounts } = sandbox.credentials;
		const creds = { apiId, apiHash, server, session: accounts[0].session, label: 'Alice' };
		const owner = await poolA.acquire(creds);
		const other = await poolB.acquire(creds);
		const time = async (fn, n) => {
			const out = [];
			for (let i = 0; i < n; i++) {
				const t0 = performance.now();
				await fn();
				out.push(performance.now() - t0);
			}
			return out;
		};
		await time(() => owner.account.balance(), 30);
		await time(() => other.account.balance(), 30);
		const direct = await time(() => owner.account.balance(), 300);
		const forwarded = await time(() => other.account.balance(), 300);
		const ping = await time(() => admin.ping(), 300);
		// One exchange through Redis lists, nothing else: push a message that a blocked BLPOP takes,
		// which pushes the answer onto the list the sender blocks on (what one forwarded call costs).
		const left = new Redis({ host: '127.0.0.1', port: 6379 });
		const right = new Redis({ host: '127.0.0.1', port: 6379 });
		const echo = new Redis({ host: '127.0.0.1', port: 6379 });
		let echoing = true;
		const echoLoop = (async () => {
			while (echoing) {
				const got = await right.blpop(`${prefix}x:req`, 1).catch(() => null);
				if (got) await echo.pipeline().rpush(`${prefix}x:rep`, got[1]).pexpire(`${prefix}x:rep`, 60000).exec();
			}
		})();
		const exchange = await time(async () => {
			const answer = left.blpop(`${prefix}x:rep`, 5);
			await admin.pipeline().rpush(`${prefix}x:req`, 'm').pexpire(`${prefix}x:req`, 60000).exec();
			await answer;
		}, 300);
		echoing = false;
		await echoLoop;
		left.disconnect();
		right.disconnect();
		echo.disconnect();
		const d50 = percentile(direct, 50);
		const f50 = percentile(forwarded, 50);
		const r50 = percentile(ping, 50);
		const x50 = percentile(exchange, 50);
		emit(figure('queue.forward.overhead', round(f50 - d50, 2), 'ms', round(x50 + 0.3, 2), {
			redisExchangeP50: round(x50, 2),
			directP50: round(d50, 2),
			forwardedP50: round(f50, 2),
			forwardedP95: round(percentile(forwarded, 95), 2),
			redisPingP50: round(r50, 2),
			redisExchangesPerCall: 1,
			note: 'one exchange: the caller pushes the request (RPUSH+PEXPIRE pipelined), the owner (already blocked in BLPOP) runs it and pushes the answer onto the caller\'s list (already blocked in BLPOP); forwarded calls: ' + b.stats.forwarded,
		}));
		owner.release();
		other.release();
	} finally {
		await a.close();
		await b.close();
		await poolA.destroy();
		await poolB.destroy();
		const keys = await admin.keys(`${prefix}*`);
		if (keys.length) await admin.del(...keys);
		admin.disconnect();
		await sandbox.stop();
	}
}

async function run(emit) {
	await forwardOverhead(emit);
	if (process.env.BENCH_QUEUE_N8N === '0') return;
	const reaction = require('./reaction');
	await reaction.run(emit, { mode: 'regular', drops: Number(process.env.BENCH_REACTION_DROPS) || 20 });
	await reaction.run(emit, { mode: 'queue', drops: Number(process.env.BENCH_REACTION_DROPS) || 20 });
}

module.exports = { run };
