#!/usr/bin/env node
'use strict';
/**
 * Shared watchers: what several active Gift Triggers on one credential cost Telegram.
 *  - watchers.callsPerSession.T1 / .T2 / .T5: T active triggers (T workflows, the shipped
 *    templates' settings: P = 1000 ms, per-session floor 800 ms, new limited gifts) on one
 *    credential of N = 3 accounts, activated through n8n-core's own ActiveWorkflows/TriggerContext
 *    (bench/lib/n8n-trigger.js). The figure is Telegram calls per session per minute during a
 *    steady window (every method the package sent, from tracing TelegramAccount.call; the sandbox's
 *    own count is in the context). Target: the single-trigger schedule, 60000 / max(P, floor) per
 *    session (+5 %), whatever T: one watcher polls for every trigger. Two gifts are released in
 *    the window; every trigger must emit each exactly once ("missed", "duplicates").
 *  - watchers.memoryPerTrigger: heap (after a full GC) with 1 + 50 active triggers minus with 1,
 *    divided by 50: what one more active workflow on the same credential costs in this process
 *    (mostly n8n's own context for the trigger, and its pollers before the shared watcher).
 *  - watchers.memoryPerSubscriber: the same for 1000 bare subscribers of one shared watcher (what
 *    the watcher itself keeps per subscriber); absent from builds without src/telegram/watch.
 * Runs as its own process (the registry's "script" kind): a clean heap, and n8n-core's settings
 * read from this process's environment.
 */
const v8 = require('node:v8');
const vm = require('node:vm');

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc');

const { triggerEngine } = require('./lib/n8n-trigger');
const path = require('node:path');
const { load, round, figure, sleep, sandboxAccounts, tempDir } = require('./lib/common');
const { traceCalls } = require('./lib/call-trace');
const { startSandboxProcess } = require('./lib/sandbox-process');

const P = 1000;
const FLOOR = 800;
const N = 3;
const WARMUP_MS = 3000;
const WINDOW_MS = Number(process.env.BENCH_WATCHERS_WINDOW_MS) || 30000;
const TRIGGERS = [1, 2, 5];
const EXTRA_TRIGGERS = 50;
const BARE_SUBSCRIBERS = 1000;
const emit = (f) => process.stdout.write(JSON.stringify(f) + '\n');

const parameters = { events: ['newGift'], pollIntervalMs: P, limitedOnly: true, options: { sessionFloorMs: FLOOR } };

function scenario(seed, prefix, drops) {
	return {
		seed,
		accounts: sandboxAccounts(N, 100000, prefix),
		gifts: [
			{ id: String(8500000000000000000n + BigInt(seed) * 100n), stars: 100, total: 1000, releaseAtMs: 0 },
			...drops.map((atMs, i) => ({ id: String(8500000000000000001n + BigInt(seed) * 100n + BigInt(i)), stars: 200, total: 500, releaseAtMs: atMs })),
		],
	};
}

function shutdownPool() {
	return load('src/telegram').getSharedPool().destroy();
}

/** T triggers on one credential: calls per session per minute over the steady window. */
async function callsRun(t, trace) {
	const prefix = `w${t}-`;
	// Activation (connect, first catalog) happens well before the window; drops fall inside it.
	const windowStartMs = 4000 + WARMUP_MS;
	const drops = [windowStartMs + WINDOW_MS / 3, windowStartMs + (2 * WINDOW_MS) / 3];
	const world = scenario(600 + t, prefix, drops);
	const dropIds = world.gifts.filter((g) => g.releaseAtMs > 0).map((g) => g.id);
	const sandbox = await startSandboxProcess(world);
	const engine = triggerEngine(sandbox.credentials);
	const triggers = [];
	try {
		for (let i = 0; i < t; i++) triggers.push(await engine.activate(parameters, `wf-${prefix}${i}`));
		const wait = windowStartMs - sandbox.clock();
		if (wait < 0) throw new Error(`activation took until ${Math.round(sandbox.clock())} ms, past the window start`);
		await sleep(wait);
		const labels = new Set(sandbox.credentials.accounts.map((a) => a.label));
		const from = trace.log.length;
		const before = await sandbox.record();
		await sleep(WINDOW_MS);
		const after = await sandbox.record();
		const calls = trace.log.slice(from).filter((c) => labels.has(c.account));
		await sleep(P + 500); // the last drop's emits
		const minutes = WINDOW_MS / 60000;
		const byAccount = [...labels].map((label) => calls.filter((c) => c.account === label).length);
		const sandboxCalls = Object.entries(after.calls).reduce((sum, [method, n]) => sum + n - (before.calls[method] ?? 0), 0);
		return {
			value: round(calls.length / N / minutes, 1),
			callsByAccount: byAccount,
			getStarGifts: calls.filter((c) => c.method === 'payments.GetStarGifts').length,
			sandboxCallsPerSessionPerMinute: round(sandboxCalls / N / minutes, 1),
			events: triggers.map((tr) => tr.events),
			// Per trigger: drops it never emitted, and items beyond one per drop (repeats, or gifts that were not dropped).
			missed: triggers.map((tr) => dropIds.filter((id) => !tr.giftIds.includes(id)).length),
			extra: triggers.map((tr) => tr.giftIds.length - dropIds.filter((id) => tr.giftIds.includes(id)).length),
			unexpected: [...new Set(triggers.flatMap((tr) => tr.giftIds.filter((id) => !dropIds.includes(id))))],
			errors: triggers.reduce((sum, tr) => sum + tr.errors.length, 0),
			drops: drops.length,
		};
	} finally {
		await engine.shutdown();
		await sandbox.stop();
	}
}

function heapMB() {
	for (let i = 0; i < 4; i++) gc();
	return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** Heap per extra active trigger on the same credential. */
async function memoryRun() {
	const prefix = 'wmem-';
	const sandbox = await startSandboxProcess(scenario(690, prefix, []));
	const engine = triggerEngine(sandbox.credentials);
	try {
		await engine.activate(parameters, 'wf-mem-0');
		await sleep(3000);
		const before = heapMB();
		for (let i = 1; i <= EXTRA_TRIGGERS; i++) await engine.activate(parameters, `wf-mem-${i}`);
		await sleep(3000);
		const after = heapMB();
		return { perSubscriberKB: round(((after - before) * 1024) / EXTRA_TRIGGERS, 1), heapBeforeMB: round(before, 1), heapAfterMB: round(after, 1) };
	} finally {
		await engine.shutdown();
		await sandbox.stop();
	}
}

/** Heap per bare subscriber of one shared watcher (the registry over its own pool). */
async function bareSubscribersRun() {
	let watch;
	try {
		watch = load('src/telegram/watch');
	} catch {
		return null;
	}
	const { ClientPool } = load('src/telegram');
	const { getStore } = load('src/store');
	const sandbox = await startSandboxProcess(scenario(691, 'wbare-', []));
	const pool = new ClientPool({ idleMs: 0 });
	const registry = new watch.WatcherRegistry(pool);
	const { apiId, apiHash, server } = sandbox.credentials;
	const accounts = sandbox.credentials.accounts.map((a) => ({ apiId, apiHash, server, session: a.session, label: a.label }));
	const topic = { key: watch.CATALOG_TOPIC, create: async () => new watch.CatalogTopic(await getStore(path.join(tempDir('bench-bare-'), 'store.sqlite'))) };
	const subscriber = { deliver: () => undefined, onFatal: () => undefined };
	const subscriptions = [];
	try {
		subscriptions.push(await registry.subscribe(accounts, topic, subscriber, { intervalMs: P, sessionFloorMs: FLOOR }));
		await sleep(2000);
		const before = heapMB();
		for (let i = 0; i < BARE_SUBSCRIBERS; i++) subscriptions.push(await registry.subscribe(accounts, topic, { ...subscriber }, { intervalMs: P, sessionFloorMs: FLOOR }));
		await sleep(2000);
		const after = heapMB();
		return { perSubscriberKB: round(((after - before) * 1024) / BARE_SUBSCRIBERS, 2), watchers: registry.list().length };
	} finally {
		for (const s of subscriptions) await s.close();
		await pool.destroy();
		await sandbox.stop();
	}
}

async function main() {
	const trace = traceCalls();
	const target = round((60000 / Math.max(P, FLOOR)) * 1.05, 1);
	try {
		// Side by side (each its own sandbox process and credential): ~40 s instead of ~2 min.
		const results = await Promise.allSettled(TRIGGERS.map((t) => callsRun(t, trace)));
		const single = results[0].status === 'fulfilled' ? results[0].value.value : null;
		TRIGGERS.forEach((t, i) => {
			const r = results[i];
			const name = `watchers.callsPerSession.T${t}`;
			if (r.status === 'rejected') return emit({ bench: name, error: r.reason instanceof Error ? r.reason.message : String(r.reason) });
			const v = r.value;
			const missed = v.missed.reduce((a, b) => a + b, 0);
			const duplicates = v.extra.reduce((a, b) => a + b, 0);
			const fig = figure(name, v.value, 'calls/session/min', target, {
				triggers: t,
				N,
				P,
				sessionFloorMs: FLOOR,
				windowSeconds: WINDOW_MS / 1000,
				callsByAccount: v.callsByAccount,
				getStarGifts: v.getStarGifts,
				sandboxCallsPerSessionPerMinute: v.sandboxCallsPerSessionPerMinute,
				vsOneTrigger: single ? round(v.value / single, 2) : null,
				eventsPerTrigger: v.events,
				drops: v.drops,
				missed,
				duplicates,
				unexpectedGiftIds: v.unexpected,
				triggerErrors: v.errors,
			});
			fig.ok = fig.ok && missed === 0 && duplicates === 0 && v.errors === 0;
			emit(fig);
		});
		const memory = await memoryRun().catch((error) => ({ error }));
		if (memory.error) emit({ bench: 'watchers.memoryPerTrigger', error: memory.error.message });
		else emit(figure('watchers.memoryPerTrigger', memory.perSubscriberKB, 'KB', 64, { extraTriggers: EXTRA_TRIGGERS, heapBeforeMB: memory.heapBeforeMB, heapAfterMB: memory.heapAfterMB }));
		const bare = await bareSubscribersRun().catch((error) => ({ error }));
		if (bare?.error) emit({ bench: 'watchers.memoryPerSubscriber', error: bare.error.message });
		else if (bare) emit(figure('watchers.memoryPerSubscriber', bare.perSubscriberKB, 'KB', 1, { subscribers: BARE_SUBSCRIBERS, watchers: bare.watchers }));
	} finally {
		trace.stop();
		await shutdownPool();
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		emit({ bench: 'watchers', error: error instanceof Error ? error.message : String(error) });
		process.exit(0);
	},
);
