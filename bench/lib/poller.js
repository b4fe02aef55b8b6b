'use strict';
/**
 * The polling loop the detection, flood, soak and reconnect benches drive: the Gift Trigger's own
 * loop — the shared catalog watcher (src/telegram/watch, over the credential's pooled accounts and
 * a fresh store) with one subscriber, as one active trigger has it — when the build has it;
 * otherwise the bench's stand-in (catalog-poller.js). Every figure says which one in "poller".
 */
const path = require('node:path');
const fs = require('node:fs');
const { BUILD, load, tempDir } = require('./common');
const { CatalogPoller: BenchLoop } = require('./catalog-poller');

const WATCH = path.join(BUILD, 'src', 'telegram', 'watch', 'index.js');

function triggerAvailable() {
	return !process.env.BENCH_POLLER_STANDIN && fs.existsSync(WATCH);
}

function pollerKind() {
	return triggerAvailable() ? 'trigger' : 'bench-loop';
}

/**
 * @param {{pool: any, credentials: any, intervalMs: number, sessionFloorMs?: number,
 *   onNew: (gifts: any[]) => void, onError?: (message: string) => void}} options
 * @returns {Promise<{kind: string, stop(): Promise<void>, stats(): {polls: number}}>}
 */
async function createPoller(options) {
	return triggerAvailable() ? triggerPoller(options) : benchLoop(options);
}

async function triggerPoller({ pool, credentials, intervalMs, sessionFloorMs = 0, onNew, onError }) {
	const { WatcherRegistry, CatalogTopic, CATALOG_TOPIC } = require(WATCH);
	const { getStore } = load('src/store');
	const accounts = credentials.accounts.map((a) => ({ apiId: credentials.apiId, apiHash: credentials.apiHash, server: credentials.server, session: a.session, label: a.label }));
	const registry = new WatcherRegistry(pool);
	const storePath = path.join(tempDir('bench-trigger-'), 'store.sqlite');
	let fatal = null;
	// As on a first activation: the watcher's first answer (into a fresh store) is the baseline,
	// remembered and not emitted. Wait for it so the bench's drops all come after it.
	let baselineAnswered;
	const baseline = new Promise((resolve) => (baselineAnswered = resolve));
	const subscription = await registry.subscribe(
		accounts,
		{ key: CATALOG_TOPIC, create: async () => new CatalogTopic(await getStore(storePath)) },
		{
			deliver: (events, info) => {
				if (info.kind === 'baseline') baselineAnswered();
				const gifts = events.filter((e) => e.event === 'newGift' && e.gift.limited).map((e) => e.gift);
				if (gifts.length > 0) onNew(gifts);
			},
			onFatal: (error) => (fatal = error),
			onWarning: (message) => onError?.(message),
		},
		{ intervalMs, sessionFloorMs, from: 'now' },
	);
	await baseline;
	const stats = () => registry.list()[0]?.stats ?? { polls: 0 };
	let lastStats = stats();
	return {
		kind: 'trigger',
		async stop() {
			lastStats = stats();
			await subscription.close();
			if (fatal) throw fatal;
		},
		stats: () => (registry.list().length > 0 ? stats() : lastStats),
	};
}

async function benchLoop({ pool, credentials, intervalMs, sessionFloorMs = 0, onNew, onError }) {
	const { apiId, apiHash, server, accounts } = credentials;
	const leases = await Promise.all(accounts.map((a) => pool.acquire({ apiId, apiHash, server, session: a.session, label: a.label })));
	const poller = new BenchLoop({
		accounts: leases.map((l) => l.account),
		intervalMs,
		sessionFloorMs,
		onNew,
		onError: (error) => onError?.(error.message),
	});
	await poller.start();
	return {
		kind: 'bench-loop',
		async stop() {
			await poller.stop();
			leases.forEach((l) => l.release());
		},
		stats: () => ({ polls: poller.polls }),
	};
}

module.exports = { createPoller, pollerKind };
