'use strict';
/**
 * Recipient resolution and reconciliation against the sandbox (in its own process) with
 * R = 30 ms injected on every method:
 *  - recipients.cold: a -100… id on the last of DIALOGS dialogs (the account is a member of DIALOGS
 *    channels; the wanted one is the oldest), nothing cached: the account pages its dialogs
 *    (100 per call). Target: pages × (R + 100 ms) — one round trip per page plus decoding 100 chats
 *    with the library's TL reader (~30 ms warm, up to ~125 ms for the first page while the JIT warms
 *    up, on this shared 2-core machine). It happens once per account and recipient: the store keeps it.
 *  - recipients.warm: the same id after a restart (new pool, empty library cache) with the store
 *    holding what the cold lookup found: no call at all. Target 5 ms.
 *  - reconcile.transactions: one unit whose payment went through but whose answer was lost,
 *    settled from the account's own Stars transactions, right after HISTORY purchases of the same
 *    run (all inside the reconciliation window: one page per 100 of them). Target: pages × (R + 40 ms)
 *    (the recipient is cached).
 */
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { load, round, figure, tempDir } = require('./lib/common');
const { startSandboxProcess } = require('./lib/sandbox-process');

const { ClientPool, executeOperations, reconcileAccount } = load('src/telegram');
const { getStore } = load('src/store');

const R = 30;
const DIALOGS = Number(process.env.BENCH_DIALOGS) || 300;
const HISTORY = 150;
const ACCOUNT = '700000001';
const TARGET_CHANNEL = '1790000000';
const GIFT = '8300000000000000001';

function scenario() {
	const channels = Array.from({ length: DIALOGS - 1 }, (_, i) => ({ id: String(1790000001 + i), title: `Channel ${i + 1}`, members: [ACCOUNT] }));
	return {
		seed: 91,
		accounts: [{ id: ACCOUNT, label: 'bench-resolve', balance: 10_000_000, premium: true }],
		// Listed last: the oldest dialog, on the last page.
		channels: [...channels, { id: TARGET_CHANNEL, title: 'Target', members: [ACCOUNT] }],
		gifts: [{ id: GIFT, stars: 10, limited: false }],
		resolveUsernameLimit: { maxCalls: 1000, windowMs: 60_000, waitSeconds: 1 },
	};
}

async function run(emit) {
	const sandbox = await startSandboxProcess(scenario());
	const dir = tempDir('bench-recipients-');
	let store = await getStore(path.join(dir, 'store.sqlite'));
	const pools = [];
	const newPool = () => {
		const pool = new ClientPool({ idleMs: 60_000 });
		pools.push(pool);
		return pool;
	};
	const { apiId, apiHash, server, accounts } = sandbox.credentials;
	const credentials = { apiId, apiHash, server, session: accounts[0].session, label: accounts[0].label };
	const recipient = `-100${TARGET_CHANNEL}`;
	try {
		// Cold: connected and identified first (that is not resolution), then the lookup alone.
		await sandbox.setLatency('default', R);
		const cold = (await newPool().acquire(credentials)).account;
		await cold.whoAmI();
		let t0 = performance.now();
		await cold.resolveRecipient(recipient, { peers: store });
		const coldMs = performance.now() - t0;
		const pages = cold.peerLookupStats().dialogPages;
		emit(figure('recipients.cold', round(coldMs), 'ms', pages * (R + 100), { R, dialogs: DIALOGS, pages, calls: pages }));

		// Warm: a restart — a new store handle and a new client; the store answers.
		await store.close();
		store = await getStore(path.join(dir, 'store.sqlite'));
		const warm = (await newPool().acquire(credentials)).account;
		await warm.whoAmI();
		const before = (await sandbox.record()).calls['messages.getDialogs'] ?? 0;
		t0 = performance.now();
		await warm.resolveRecipient(recipient, { peers: store });
		const warmMs = performance.now() - t0;
		const after = (await sandbox.record()).calls['messages.getDialogs'] ?? 0;
		emit(figure('recipients.warm', round(warmMs, 2), 'ms', 5, { R, calls: after - before + warm.peerLookupStats().contactReads + warm.peerLookupStats().resolveUsername }));

		// Reconciliation: a history of purchases, then one whose answer is lost (dropAfterApply).
		await sandbox.setLatency('default', 0);
		const history = await executeOperations([{ opKey: 'history', accountId: ACCOUNT, recipient, giftId: GIFT, price: 10, quantity: HISTORY, supply: null }], {
			store,
			pool: pools[1],
			credentials: [credentials],
		});
		if (history[0].quantityBought !== HISTORY) throw new Error(`history purchases failed: ${history[0].error}`);
		await store.claimPurchase({ opKey: 'lost', unitIndex: 0, accountId: ACCOUNT, recipient, giftId: GIFT, price: 10, atMs: Date.now() });
		await store.markSent('lost', 0, Date.now());
		await warm.sendStarsForm(await warm.giftPaymentForm(await warm.resolveRecipient(recipient, { peers: store }), GIFT));
		await sandbox.setLatency('default', R);
		const beforeTx = (await sandbox.record()).calls['payments.getStarsTransactions'] ?? 0;
		t0 = performance.now();
		const report = await reconcileAccount(warm, store, { reconcileGraceMs: 60_000 });
		const reconcileMs = performance.now() - t0;
		const txCalls = ((await sandbox.record()).calls['payments.getStarsTransactions'] ?? 0) - beforeTx;
		if (report.bought !== 1) throw new Error(`reconciliation did not settle the lost unit as bought: ${JSON.stringify(report)}`);
		emit(figure('reconcile.transactions', round(reconcileMs), 'ms', txCalls * (R + 40), { R, history: HISTORY + 1, transactionPages: txCalls, bought: report.bought }));
	} finally {
		await Promise.all(pools.map((p) => p.destroy()));
		await store.close();
		await sandbox.stop();
	}
}

module.exports = { run };
