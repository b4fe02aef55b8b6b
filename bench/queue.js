'use strict';
/**
 * Queue mode (docs/queue-mode.md), one run, JSON lines:
 * - `queue.forward.overhead`: a read (payments.getStarsStatus) through the session's owner minus
 *   the same read on the owner's own connection, against the sandbox and the real Redis at
 *   127.0.0.1:6379 (a key prefix of its own, removed after). Target: one Redis exchange (a message
 *   pushed, taken by a blocked BLPOP, answered onto the sender's blocked list: measured beside it
 *   with nothing else in it) + 0.3 ms for TL/JSON encoding, as the issue asks ("no more than one
 *   Redis round trip per call"). The three (direct, forwarded, exchange) take turns call by call,
 *   BENCH_QUEUE_CALLS (default 1000) each, so a change of the machine's load hits all three alike;
 *   p50 and p95 of each, the CPU time of this process per call (caller, owner and sandbox all run
 *   in it, including what a call leaves to run after it returns), and the Redis commands each side sends per forwarded call, counted on the
 *   coordinators' own connections (`callerPerCall`, `ownerPerCall`: commands, and socket writes, a
 *   pipeline being one). Context: PING p50.
 * - `reaction.regular.p50/p95` and `reaction.queue.p50/p95`: release → first payment sent, the
 *   shipped autobuy workflow in a real n8n 1.123.50, regular mode and then queue mode (main + 2
 *   workers + webhook processor on PostgreSQL and Redis), same scenario (bench/reaction.js with
 *   BENCH_REACTION_DROPS drops, default 20). Skipped with BENCH_QUEUE_N8N=0.
 */
const { performance } = require('node:perf_hooks');
const { randomBytes } = require('node:crypto');
const { load, percentile, round, figure } = require('./lib/common');

/** Counts, per connection role, the commands `conn` sends and the socket writes they take (a pipeline is one write). */
function counting(conn, tally) {
	const send = conn.sendCommand.bind(conn);
	const pipelines = new WeakSet();
	conn.sendCommand = (command, stream, node) => {
		tally.commands[command.name] = (tally.commands[command.name] ?? 0) + 1;
		if (!stream?.isPipeline) tally.writes += 1;
		else if (!pipelines.has(stream)) {
			pipelines.add(stream);
			tally.writes += 1;
		}
		return send(command, stream, node);
	};
	return conn;
}

function perCall(tally, calls) {
	const commands = {};
	for (const [name, n] of Object.entries(tally.commands)) commands[name] = round(n / calls, 2);
	return { commands, writes: round(tally.writes / calls, 2) };
}

async function forwardOverhead(emit) {
	const { startSandbox, silentLogger } = load('src/sandbox');
	const { ClientPool } = load('src/telegram');
	const { OwnershipCoordinator, ownershipRedis } = load('src/telegram/ownership');
	const Redis = require('ioredis');
	const calls = Number(process.env.BENCH_QUEUE_CALLS) || 1000;
	const sandbox = await startSandbox({
		seed: 5,
		accounts: [{ id: '1000001', label: 'Alice', balance: 1000 }],
		gifts: [{ id: '5001', stars: 10, total: 10 }],
	}, { logger: silentLogger() });
	const prefix = `bench:tg-gifts:${randomBytes(4).toString('hex')}:`;
	const config = { redis: { host: '127.0.0.1', port: 6379, db: 0, tls: false }, keyPrefix: prefix, leaseMs: 3000 };
	const tallies = { owner: { commands: {}, writes: 0 }, caller: { commands: {}, writes: 0 } };
	const a = new OwnershipCoordinator(config, (c, role) => counting(ownershipRedis(c, role), tallies.owner));
	const b = new OwnershipCoordinator(config, (c, role) => counting(ownershipRedis(c, role), tallies.caller));
	const poolA = new ClientPool({ ownership: a });
	const poolB = new ClientPool({ ownership: b });
	const admin = new Redis({ host: '127.0.0.1', port: 6379 });
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
	try {
		const { apiId, apiHash, server, accounts } = sandbox.credentials;
		const creds = { apiId, apiHash, server, session: accounts[0].session, label: 'Alice' };
		const owner = await poolA.acquire(creds);
		const other = await poolB.acquire(creds);
		const kinds = {
			direct: () => owner.account.balance(),
			forwarded: () => other.account.balance(),
			exchange: async () => {
				const answer = left.blpop(`${prefix}x:rep`, 5);
				await admin.pipeline().rpush(`${prefix}x:req`, 'm').pexpire(`${prefix}x:req`, 60000).exec();
				await answer;
			},
			ping: () => admin.ping(),
		};
		for (const fn of Object.values(kinds)) for (let i = 0; i < 30; i++) await fn();
		const wall = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
		const cpu = Object.fromEntries(Object.keys(kinds).map((k) => [k, 0]));
		for (const t of Object.values(tallies)) {
			t.commands = {};
			t.writes = 0;
		}
		const startedAt = performance.now();
		const forwardedBefore = b.stats.forwarded;
		for (let i = 0; i < calls; i++) {
			for (const [kind, fn] of Object.entries(kinds)) {
				const c0 = process.cpuUsage();
				const t0 = performance.now();
				await fn();
				wall[kind].push(performance.now() - t0);
				// Work a call leaves for later in this process (the reply listener's next BLPOP) is
				// its own, not the next call's: it runs before the next measurement starts.
				await new Promise((resolve) => setImmediate(resolve));
				const c1 = process.cpuUsage(c0);
				cpu[kind] += (c1.user + c1.system) / 1000;
			}
		}
		const seconds = (performance.now() - startedAt) / 1000;
		const forwardedCalls = b.stats.forwarded - forwardedBefore;
		// Lease renewals and takeover probes (EVAL, every lease/3) run on their timers, not per call.
		const background = {};
		for (const [side, t] of Object.entries(tallies)) {
			if (t.commands.eval) background[side] = `${round(t.commands.eval / seconds, 2)} EVAL/s`;
			if (t.commands.eval) t.writes -= t.commands.eval;
			delete t.commands.eval;
		}
		const p = (kind, q) => round(percentile(wall[kind], q), 3);
		const x50 = p('exchange', 50);
		emit(figure('queue.forward.overhead', round(p('forwarded', 50) - p('direct', 50), 2), 'ms', round(x50 + 0.3, 2), {
			redisExchangeP50: x50,
			redisExchangeP95: p('exchange', 95),
			directP50: p('direct', 50),
			directP95: p('direct', 95),
			forwardedP50: p('forwarded', 50),
			forwardedP95: p('forwarded', 95),
			redisPingP50: p('ping', 50),
			cpuMsPerCall: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v / calls, 3)])),
			callerPerCall: perCall(tallies.caller, forwardedCalls),
			ownerPerCall: perCall(tallies.owner, forwardedCalls),
			background,
			calls,
			forwardedCalls,
			note: 'direct, forwarded, exchange and ping take turns call by call; a forwarded call is one exchange: the caller pushes the request (RPUSH+PEXPIRE in one script, EVALSHA), the owner (already blocked in BLPOP) runs it and pushes the answer onto the caller\'s list (already blocked in BLPOP)',
		}));
		owner.release();
		other.release();
	} finally {
		echoing = false;
		await echoLoop;
		left.disconnect();
		right.disconnect();
		echo.disconnect();
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
