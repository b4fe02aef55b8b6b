'use strict';
/**
 * The polling loop the detection, flood, soak and reconnect benches drive: the Gift Trigger's own
 * loop (nodes/TelegramGiftTrigger/transport/catalogPoller, over the credential's pooled accounts
 * and a fresh store) when the build has it; otherwise the bench's stand-in (catalog-poller.js).
 * Every figure says which one in "poller".
 */
const path = require('node:path');
const fs = require('node:fs');
const { BUILD, load, tempDir } = require('./common');
const { CatalogPoller: BenchLoop } = require('./catalog-poller');

const TRIGGER_POLLER = path.join(BUILD, 'nodes', 'TelegramGiftTrigger', 'transport', 'catalogPoller.js');
const TRIGGER_SOURCE = path.join(BUILD, 'nodes', 'TelegramGiftTrigger', 'transport', 'accountSource.js');
const OPEN_ACCOUNTS = path.join(BUILD, 'nodes', 'shared', 'openAccounts.js');

function triggerAvailable() {
	return !process.env.BENCH_POLLER_STANDIN && [TRIGGER_POLLER, TRIGGER_SOURCE, OPEN_ACCOUNTS].every((f) => fs.existsSync(f));
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
	const { CatalogPoller, systemClock } = require(TRIGGER_POLLER);
	const { accountCatalogSource, classifyFailure } = require(TRIGGER_SOURCE);
	const { openAccountsFromProfile } = require(OPEN_ACCOUNTS);
	const { getStore } = load('src/store');
	const profile = {
		apiId: credentials.apiId,
		apiHash: credentials.apiHash,
		server: credentials.server,
		sessions: credentials.accounts.map((a) => ({ label: a.label, session: a.session })),
	};
	const opened = openAccountsFromProfile(profile, pool);
	const source = accountCatalogSource(opened);
	await source.open();
	const store = await getStore(path.join(tempDir('bench-trigger-'), 'store.sqlite'));
	let fatal = null;
	const poller = new CatalogPoller(
		source,
		store,
		systemClock,
		{ intervalMs, sessionFloorMs, events: new Set(['newGift']), limitedOnly: true, emitCurrentOnFirstRun: false },
		{
			onEvents: (events) => onNew(events.map((e) => e.gift)),
			onFatal: (error) => (fatal = error),
			classify: classifyFailure,
			onWarning: (message) => onError?.(message),
		},
	);
	// As on activation: the loop's first answer (into a fresh store) is the baseline, remembered and
	// not emitted. Wait for it so the bench's drops all come after it.
	let baselineAnswered;
	const baseline = new Promise((resolve) => (baselineAnswered = resolve));
	const fetch = source.fetch;
	source.fetch = async (...args) => {
		const answer = await fetch(...args);
		baselineAnswered();
		return answer;
	};
	await poller.init();
	poller.start();
	await baseline;
	return {
		kind: 'trigger',
		async stop() {
			await poller.stop();
			await opened.release();
			await store.close();
			if (fatal) throw fatal;
		},
		stats: () => ({ polls: poller.polls }),
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
