/** At-most-once buying over the wire: the ledger, reconciliation and executeOperations. */
import type { Operation } from '../../../src/core/types';
import { getStore } from '../../../src/store';
import { buyGiftUnit, executeOperations, reconcileAccount } from '../../../src/telegram';
import { ALICE, BOB, CAROL, CHANNEL, world, type World } from './helpers';

const CHAN = `-100${CHANNEL}`;

function op(opKey: string, accountId: string, giftId: string, price: number, quantity = 1, recipient = CHAN): Operation {
	return { opKey, accountId, recipient, giftId, price, quantity, supply: null };
}

describe('buying against the sandbox', () => {
	let w: World;
	afterEach(async () => {
		await w.close();
	});

	it('runs accounts in parallel, stops a gift everywhere once it sells out, and never buys an opKey twice', async () => {
		w = await world();
		const all = [w.creds('Alice'), w.creds('Bob')];
		const ops = [op('a-rare', ALICE, '5001', 100, 2), op('b-rare', BOB, '5001', 100, 2), op('a-common', ALICE, '5005', 20, 1)];
		const results = await executeOperations(ops, { store: w.store, pool: w.pool, credentials: all });
		expect(results.map((r) => r.opKey)).toEqual(['a-rare', 'b-rare', 'a-common']);
		const rare = results.slice(0, 2);
		// Supply is 3: exactly three copies were paid, one operation hit the sell-out.
		expect(rare.reduce((n, r) => n + r.quantityBought, 0)).toBe(3);
		expect(w.paid().filter((p) => p.giftId === '5001')).toHaveLength(3);
		const short = rare.find((r) => r.quantityBought < 2)!;
		expect(short).toMatchObject({ status: expect.stringMatching(/failed|skipped/), reason: 'sold_out', retryable: false });
		expect(results[2]).toMatchObject({ status: 'bought', reason: null, quantityBought: 1 });
		expect(results.every((r) => typeof r.balanceAfter === 'number')).toBe(true);
		const aliceSpent = results.filter((r) => r.accountId === ALICE).reduce((n, r) => n + r.quantityBought * r.price, 0);
		expect(results.find((r) => r.accountId === ALICE)?.balanceAfter).toBe(1000 - aliceSpent);
		expect(await w.store.spentSince(ALICE, 0)).toBe(aliceSpent);

		// The same operations again: nothing is paid twice.
		const purchases = w.paid().length;
		const again = await executeOperations(ops, { store: w.store, pool: w.pool, credentials: all });
		expect(w.paid()).toHaveLength(purchases);
		expect(again[2]).toMatchObject({ status: 'skipped', reason: 'already_bought', quantityBought: 0 });
		// One connection per account for both runs.
		expect(w.sandbox.record().connections.byAccount[ALICE]).toBe(1);
		expect(w.pool.clientsCreated).toBe(2);
	});

	it('low balance fails with balance_too_low and records a failed unit that charged nothing', async () => {
		w = await world();
		const [result] = await executeOperations([op('c-rare', CAROL, '5001', 100)], { store: w.store, pool: w.pool, credentials: [w.creds('Carol')] });
		expect(result).toMatchObject({ status: 'failed', reason: 'balance_too_low', retryable: false, quantityBought: 0, balanceAfter: 50 });
		expect(result.error).toMatch(/^Carol: .*BALANCE_TOO_LOW/);
		expect(w.paid()).toHaveLength(0);
		expect(await w.store.getPurchase('c-rare', 0)).toMatchObject({ status: 'failed', reason: 'balance_too_low' });
	});

	it('a changed price is skipped before paying: no sendStarsForm reaches Telegram', async () => {
		w = await world();
		const [result] = await executeOperations([op('a-cheap', ALICE, '5001', 90)], { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		expect(result).toMatchObject({ status: 'skipped', reason: 'price_changed', retryable: true });
		expect(result.error).toMatch(/costs 100 stars now, 90 were planned/);
		expect(w.sandbox.record().calls['payments.sendStarsForm'] ?? 0).toBe(0);
	});

	it('connection dropped after Telegram applied the payment → reconciled as bought, exactly one purchase', async () => {
		w = await world();
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'dropAfterApply', afterCalls: 0, times: 1 });
		const [result] = await executeOperations([op('a-drop', ALICE, '5001', 100)], { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		expect(result).toMatchObject({ status: 'bought', quantityBought: 1 });
		expect(w.paid()).toHaveLength(1);
		expect(await w.store.getPurchase('a-drop', 0)).toMatchObject({ status: 'bought', reason: 'reconciled from Stars transactions' });
		// A rerun neither pays nor double-counts.
		const [again] = await executeOperations([op('a-drop', ALICE, '5001', 100)], { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		expect(again.reason).toBe('already_bought');
		expect(w.paid()).toHaveLength(1);
	});

	it('connection dropped before the payment applied: the library resends it on reconnect → exactly one purchase', async () => {
		w = await world();
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'drop', afterCalls: 0, times: 1 });
		const [result] = await executeOperations([op('a-lost', ALICE, '5005', 20)], { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		expect(result).toMatchObject({ status: 'bought', quantityBought: 1 });
		expect(w.sandbox.record().calls['payments.sendStarsForm']).toBe(2);
		expect(w.paid()).toHaveLength(1);
	});

	it('an unanswered payment stays unresolved (never resent) until reconciliation can decide', async () => {
		w = await world();
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'noReply', afterCalls: 0, times: 1 });
		const [first] = await executeOperations([op('a-silent', ALICE, '5005', 20)], { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		expect(first).toMatchObject({ status: 'skipped', reason: 'pending_unresolved', retryable: false });
		expect(await w.store.getPurchase('a-silent', 0)).toMatchObject({ status: 'unknown' });
		const [blocked] = await executeOperations([op('a-silent', ALICE, '5005', 20)], { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		expect(blocked.reason).toBe('pending_unresolved');
		expect(w.sandbox.record().calls['payments.sendStarsForm']).toBe(1);
		await w.pool.withAccount(w.creds('Alice'), (alice) => reconcileAccount(alice, w.store, { reconcileGraceMs: 0 }));
		expect(await w.store.getPurchase('a-silent', 0)).toMatchObject({ status: 'failed' });
		expect(w.paid()).toHaveLength(0);
	});

	it('process killed between send and ledger update: a fresh pool and store reconcile before buying → one purchase', async () => {
		w = await world();
		// "Process 1": claims the unit, sends the payment, dies before settling the ledger.
		const lease = await w.pool.acquire(w.creds('Alice'));
		const alice = lease.account;
		await w.store.claimPurchase({ opKey: 'killed', unitIndex: 0, accountId: ALICE, recipient: CHAN, giftId: '5001', price: 100, atMs: Date.now() });
		const form = await alice.giftPaymentForm(await alice.resolveRecipient(CHAN), '5001');
		await w.store.markSent('killed', 0, Date.now());
		await alice.sendStarsForm(form);
		lease.release();
		await w.pool.destroy();
		await w.store.close();
		expect(w.paid()).toHaveLength(1);

		// "Process 2": new pool, the same sqlite file reopened.
		const store = await getStore(w.storePath);
		w.store = store;
		const pool = w.newPool();
		expect((await store.getPurchase('killed', 0))?.status).toBe('pending');
		const [result] = await executeOperations([op('killed', ALICE, '5001', 100)], { store, pool, credentials: [w.creds('Alice')] });
		expect(result).toMatchObject({ status: 'skipped', reason: 'already_bought' });
		expect(await store.getPurchase('killed', 0)).toMatchObject({ status: 'bought', reason: 'reconciled from Stars transactions' });
		expect(w.paid()).toHaveLength(1);
	});

	it('process killed after claiming but before sending: the unit is released and bought exactly once', async () => {
		w = await world();
		await w.store.claimPurchase({ opKey: 'early', unitIndex: 0, accountId: ALICE, recipient: CHAN, giftId: '5005', price: 20, atMs: Date.now() });
		const [result] = await executeOperations([op('early', ALICE, '5005', 20)], { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		expect(result).toMatchObject({ status: 'bought', quantityBought: 1 });
		expect(w.paid()).toHaveLength(1);
	});

	it('a revoked session fails its operations with auth_invalid naming the label; other accounts buy', async () => {
		w = await world();
		w.sandbox.injectFault({ method: '*', kind: 'error', error: 'SESSION_REVOKED', accountId: BOB, afterCalls: 0, times: 1000 });
		const results = await executeOperations([op('a1', ALICE, '5005', 20), op('b1', BOB, '5005', 20)], {
			store: w.store,
			pool: w.pool,
			credentials: [w.creds('Alice'), w.creds('Bob')],
		});
		expect(results[0]).toMatchObject({ status: 'bought' });
		expect(results[1]).toMatchObject({ status: 'failed', reason: 'auth_invalid', retryable: false });
		expect(results[1].error).toMatch(/Bob: the session is not authorized \(SESSION_REVOKED\)/);
	});

	it('buyGiftUnit refuses a unit that another attempt holds', async () => {
		w = await world();
		await w.store.claimPurchase({ opKey: 'held', unitIndex: 0, accountId: ALICE, recipient: CHAN, giftId: '5005', price: 20, atMs: Date.now() });
		const outcome = await w.pool.withAccount(w.creds('Alice'), (account) =>
			buyGiftUnit({ account, store: w.store, recipient: CHAN, giftId: '5005', expectedPrice: 20, opKey: 'held', unitIndex: 0 }),
		);
		expect(outcome).toMatchObject({ status: 'skipped', reason: 'pending_unresolved' });
		expect(w.sandbox.record().calls['payments.getPaymentForm'] ?? 0).toBe(0);
	});
});
