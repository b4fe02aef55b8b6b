/**
 * The buyer's pipeline over the wire: while a copy is being paid, the next copy is claimed and its
 * form requested. A copy prepared ahead of one that was not bought must never be sent, must not
 * stay pending, and must never lead to a second payment on a later run.
 */
import type { BuyResult, Operation } from '../../../src/core/types';
import { getStore, type LedgerEntry } from '../../../src/store';
import { TelegramAccount, executeOperations, reconcileAccount } from '../../../src/telegram';
import { Api, returnBigInt } from '../../../src/telegram/gramjs';
import { starsBalanceIn } from '../../../src/telegram/account';
import { ALICE, BOB, CAROL, CHANNEL, world, type World } from './helpers';

const CHAN = `-100${CHANNEL}`;

function op(opKey: string, accountId: string, giftId: string, price: number, quantity: number): Operation {
	return { opKey, accountId, recipient: CHAN, giftId, price, quantity, supply: null };
}

describe('pipelined buying against the sandbox', () => {
	let w: World;
	afterEach(async () => {
		jest.restoreAllMocks();
		await w.close();
	});

	const calls = (method: string) => w.sandbox.record().calls[method] ?? 0;
	const rows = async (opKey: string): Promise<Array<Pick<LedgerEntry, 'unitIndex' | 'status' | 'reason' | 'sentAtMs'>>> =>
		(await w.store.listPurchases({ opKey })).map(({ unitIndex, status, reason, sentAtMs }) => ({ unitIndex, status, reason, sentAtMs }));
	const buy = async (ops: Operation[], labels: Array<'Alice' | 'Bob' | 'Carol'>): Promise<BuyResult[]> =>
		executeOperations(ops, { store: w.store, pool: w.pool, credentials: labels.map((l) => w.creds(l)) });

	it('buys every copy with the next form asked for while the current copy is paid', async () => {
		w = await world();
		const [result] = await buy([op('a5', ALICE, '5005', 20, 5)], ['Alice']);
		expect(result).toMatchObject({ status: 'bought', quantityBought: 5, balanceAfter: 900 });
		expect(w.paid()).toHaveLength(5);
		expect(calls('payments.getPaymentForm')).toBe(5);
		expect(calls('payments.sendStarsForm')).toBe(5);
		expect((await rows('a5')).map((r) => r.status)).toEqual(['bought', 'bought', 'bought', 'bought', 'bought']);
	});

	it('BALANCE_TOO_LOW on copy 3 of 5: the copy prepared behind it is settled failed, never sent', async () => {
		w = await world();
		// Carol has 50 stars: two copies at 20, the third is refused.
		const [result] = await buy([op('c5', CAROL, '5005', 20, 5)], ['Carol']);
		expect(result).toMatchObject({ status: 'failed', reason: 'balance_too_low', quantityBought: 2, balanceAfter: 10 });
		expect(w.paid()).toHaveLength(2);
		// Copy 4's form was asked for during copy 3's payment; it was not sent.
		expect(calls('payments.getPaymentForm')).toBe(4);
		expect(calls('payments.sendStarsForm')).toBe(3);
		expect(await rows('c5')).toEqual([
			{ unitIndex: 0, status: 'bought', reason: null, sentAtMs: expect.any(Number) },
			{ unitIndex: 1, status: 'bought', reason: null, sentAtMs: expect.any(Number) },
			{ unitIndex: 2, status: 'failed', reason: 'balance_too_low', sentAtMs: expect.any(Number) },
			{ unitIndex: 3, status: 'failed', reason: 'balance_too_low', sentAtMs: null },
		]);
		expect(w.sandbox.record().balances[CAROL]).toBe(10);
	});

	it('sold out answered to copy 2 of 5: the prepared copy 3 is not sent', async () => {
		w = await world();
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'error', error: 'STARGIFT_USAGE_LIMITED', accountId: ALICE, afterCalls: 1, times: 1 });
		const [alice] = await buy([op('a-so', ALICE, '5005', 20, 5)], ['Alice']);
		expect(alice).toMatchObject({ status: 'failed', reason: 'sold_out', quantityBought: 1, retryable: false });
		expect(w.paid()).toHaveLength(1);
		expect(calls('payments.sendStarsForm')).toBe(2);
		expect(calls('payments.getPaymentForm')).toBe(3);
		expect(await rows('a-so')).toEqual([
			{ unitIndex: 0, status: 'bought', reason: null, sentAtMs: expect.any(Number) },
			{ unitIndex: 1, status: 'failed', reason: 'sold_out', sentAtMs: expect.any(Number) },
			{ unitIndex: 2, status: 'failed', reason: 'sold_out', sentAtMs: null },
		]);
	});

	it('a sell-out answered to one account stops the copies another account has prepared', async () => {
		w = await world();
		// Bob's first payment is answered sold out; Alice's second copy is prepared by then.
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'error', error: 'STARGIFT_USAGE_LIMITED', accountId: BOB, afterCalls: 0, times: 1 });
		w.sandbox.setLatency('payments.sendStarsForm', 40);
		const results = await buy([op('a-par', ALICE, '5005', 20, 5), op('b-par', BOB, '5005', 20, 5)], ['Alice', 'Bob']);
		expect(results[1]).toMatchObject({ reason: 'sold_out', quantityBought: 0 });
		expect(results[0]).toMatchObject({ reason: 'sold_out' });
		const sends = w.sandbox.record().purchases.filter((p) => p.accountId === ALICE);
		// Alice's sends all went out before Bob's sold-out answer came back (same latency).
		expect(sends.length).toBe(results[0].quantityBought);
		expect((await w.store.listPurchases({ statuses: ['pending', 'unknown'] })).length).toBe(0);
	});

	it('connection dropped after copy 2 of 5 was applied: reconciled as bought, the prepared copy 3 goes on, nothing paid twice', async () => {
		w = await world();
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'dropAfterApply', accountId: ALICE, afterCalls: 1, times: 1 });
		const [first] = await buy([op('a-drop5', ALICE, '5005', 20, 5)], ['Alice']);
		expect(first).toMatchObject({ status: 'bought', quantityBought: 5 });
		expect(w.paid()).toHaveLength(5);
		expect(await rows('a-drop5')).toContainEqual({ unitIndex: 1, status: 'bought', reason: 'reconciled from Stars transactions', sentAtMs: expect.any(Number) });
		const [again] = await buy([op('a-drop5', ALICE, '5005', 20, 5)], ['Alice']);
		expect(again).toMatchObject({ status: 'skipped', reason: 'already_bought', quantityBought: 0 });
		expect(w.paid()).toHaveLength(5);
		expect(first.balanceAfter).toBe(w.sandbox.record().balances[ALICE]);
	});

	it('an unanswered copy 2 of 5: the prepared copy 3 is not sent, and re-runs never pay copy 2 again', async () => {
		w = await world();
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'noReply', accountId: ALICE, afterCalls: 1, times: 1 });
		const [first] = await buy([op('a-silent5', ALICE, '5005', 20, 5)], ['Alice']);
		expect(first).toMatchObject({ status: 'skipped', reason: 'pending_unresolved', quantityBought: 1, retryable: false });
		// Copy 2's answer carried nothing: the balance is read again.
		expect(first.balanceAfter).toBe(w.sandbox.record().balances[ALICE]);
		expect(calls('payments.sendStarsForm')).toBe(2);
		expect(await rows('a-silent5')).toEqual([
			{ unitIndex: 0, status: 'bought', reason: null, sentAtMs: expect.any(Number) },
			{ unitIndex: 1, status: 'unknown', reason: 'network', sentAtMs: expect.any(Number) },
			{ unitIndex: 2, status: 'failed', reason: 'pending_unresolved', sentAtMs: null },
		]);

		// Still unresolved: the re-run stops at copy 2 and sends nothing.
		const [blocked] = await buy([op('a-silent5', ALICE, '5005', 20, 5)], ['Alice']);
		expect(blocked).toMatchObject({ reason: 'pending_unresolved' });
		expect(calls('payments.sendStarsForm')).toBe(2);

		// Once reconciliation decides copy 2 was not paid, a re-run buys copies 2–5 exactly once.
		await w.pool.withAccount(w.creds('Alice'), (alice) => reconcileAccount(alice, w.store, { reconcileGraceMs: 0 }));
		const [rerun] = await buy([op('a-silent5', ALICE, '5005', 20, 5)], ['Alice']);
		expect(rerun).toMatchObject({ status: 'bought', quantityBought: 4 });
		expect(w.paid()).toHaveLength(5);
		expect((await rows('a-silent5')).map((r) => r.status)).toEqual(['bought', 'bought', 'bought', 'bought', 'bought']);
	});

	it('process killed between a copy’s send and the next step: a fresh process reconciles and pays each copy once', async () => {
		w = await world();
		// "Process 1": the pipeline's state right after copy 1 was paid: copy 1 pending with its send
		// recorded, copy 2 claimed (form asked for, nothing sent).
		const lease = await w.pool.acquire(w.creds('Alice'));
		const alice = lease.account;
		const entry = (unitIndex: number) => ({ opKey: 'killed2', unitIndex, accountId: ALICE, recipient: CHAN, giftId: '5005', price: 20, atMs: Date.now() });
		await w.store.ledgerStep({ claim: entry(0) });
		const target = await alice.resolveRecipient(CHAN);
		const form0 = await alice.giftPaymentForm(target, '5005');
		await w.store.ledgerStep({ markSent: { opKey: 'killed2', unitIndex: 0, atMs: Date.now() }, claim: entry(1) });
		await Promise.all([alice.sendStarsForm(form0), alice.giftPaymentForm(target, '5005')]);
		lease.release();
		await w.pool.destroy();
		await w.store.close();

		// "Process 2": new pool, the same sqlite file.
		w.store = await getStore(w.storePath);
		const pool = w.newPool();
		const [result] = await executeOperations([op('killed2', ALICE, '5005', 20, 3)], { store: w.store, pool, credentials: [w.creds('Alice')] });
		expect(result).toMatchObject({ status: 'bought', quantityBought: 2 });
		expect(w.paid()).toHaveLength(3);
		expect((await rows('killed2')).map((r) => [r.status, r.reason])).toEqual([
			['bought', 'reconciled from Stars transactions'],
			['bought', null],
			['bought', null],
		]);
	});

	describe('balanceAfter', () => {
		it('is the sandbox’s real balance after the run, for every account', async () => {
			w = await world();
			const results = await buy([op('a3', ALICE, '5005', 20, 3), op('b2', BOB, '5002', 25, 2), op('a-none', ALICE, '5001', 90, 1)], ['Alice', 'Bob']);
			const { balances } = w.sandbox.record();
			expect(balances[ALICE]).toBe(940);
			expect(balances[BOB]).toBe(950);
			expect(results.map((r) => [r.opKey, r.balanceAfter])).toEqual([
				['a3', 940],
				['b2', 950],
				['a-none', 940],
			]);
		});

		/** Makes every payment answer carry the account's balance, as Telegram may (the sandbox pushes it separately). */
		function answersCarryBalance(onlyFirst = false): void {
			const original = TelegramAccount.prototype.call;
			let carried = 0;
			jest.spyOn(TelegramAccount.prototype, 'call').mockImplementation(async function (this: TelegramAccount, request, options) {
				const result = await original.call(this, request, options);
				if (request instanceof Api.payments.SendStarsForm && result instanceof Api.payments.PaymentResult && result.updates instanceof Api.Updates) {
					if (onlyFirst && carried++ > 0) return result;
					const stars = w.sandbox.record().balances[this.id ?? ''];
					result.updates.updates.push(new Api.UpdateStarsBalance({ balance: new Api.StarsAmount({ amount: returnBigInt(stars), nanos: 0 }) }));
				}
				return result;
			});
		}

		it('comes from the last payment’s answer when the answer carries it: no extra round trip', async () => {
			w = await world();
			answersCarryBalance();
			const [result] = await buy([op('a4', ALICE, '5005', 20, 4)], ['Alice']);
			expect(result).toMatchObject({ quantityBought: 4, balanceAfter: 920 });
			expect(calls('payments.getStarsStatus')).toBe(0);
		});

		it('is read again when the last payment’s answer did not carry it (an earlier answer’s is stale)', async () => {
			w = await world();
			answersCarryBalance(true);
			const [result] = await buy([op('a3b', ALICE, '5005', 20, 3)], ['Alice']);
			expect(result).toMatchObject({ quantityBought: 3, balanceAfter: 940 });
			expect(calls('payments.getStarsStatus')).toBe(1);
		});
	});
});

describe('starsBalanceIn', () => {
	const balance = (amount: number) => new Api.UpdateStarsBalance({ balance: new Api.StarsAmount({ amount: returnBigInt(amount), nanos: 5 }) });
	const other = new Api.UpdateConfig();

	it('finds the balance in Updates, UpdatesCombined and UpdateShort (the last one wins)', () => {
		expect(starsBalanceIn(new Api.Updates({ updates: [other, balance(70), balance(50)], users: [], chats: [], date: 0, seq: 0 }))).toEqual({ stars: 50, nanos: 5 });
		expect(starsBalanceIn(new Api.UpdatesCombined({ updates: [balance(30)], users: [], chats: [], date: 0, seqStart: 0, seq: 0 }))).toEqual({ stars: 30, nanos: 5 });
		expect(starsBalanceIn(new Api.UpdateShort({ update: balance(10), date: 0 }))).toEqual({ stars: 10, nanos: 5 });
	});

	it('is null when no update carries it', () => {
		expect(starsBalanceIn(new Api.Updates({ updates: [other], users: [], chats: [], date: 0, seq: 0 }))).toBeNull();
		expect(starsBalanceIn(new Api.UpdatesTooLong())).toBeNull();
	});
});
