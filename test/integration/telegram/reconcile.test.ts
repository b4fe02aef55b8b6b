/**
 * An unclear payment outcome is settled from the buying account's own Stars transactions, which
 * list every gift purchase whatever the recipient did with the gift. The old reconciliation read
 * the recipient's saved gifts as a stranger sees them: a copy the recipient keeps off its profile
 * or converted to Stars was missing there, so it was settled failed and bought again (these tests
 * fail against it: a second copy is paid). Saved gifts remain a second signal only.
 */
import type { Operation } from '../../../src/core/types';
import { getStore } from '../../../src/store';
import { executeOperations } from '../../../src/telegram';
import { ALICE, BOB, CAROL, CHANNEL, world, type World } from './helpers';

function recipients(handling: { bob?: string; carol?: string; channel?: string }): Record<string, unknown> {
	return {
		accounts: [
			{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: false, dialogs: [BOB, CAROL] },
			{ id: BOB, label: 'Bob', username: 'bobby', balance: 1000, premium: true, receivedGifts: handling.bob ?? 'save' },
			{ id: CAROL, label: 'Carol', username: 'carol', balance: 50, premium: false, receivedGifts: handling.carol ?? 'save' },
		],
		// A public channel Alice gifts to but does not manage: she sees it as a stranger does.
		channels: [{ id: CHANNEL, title: 'Gifts', username: 'giftschan', members: [BOB], receivedGifts: handling.channel ?? 'save' }],
	};
}

const op = (opKey: string, recipient: string, quantity = 1): Operation => ({ opKey, accountId: ALICE, recipient, giftId: '5001', price: 100, quantity, supply: null });

describe('reconciliation from the buying account’s Stars transactions', () => {
	let w: World;
	afterEach(async () => {
		await w.close();
	});
	const buy = (ops: Operation[], reconcileGraceMs = 0) => executeOperations(ops, { store: w.store, pool: w.pool, credentials: [w.creds('Alice')], reconcileGraceMs });
	const status = async (opKey: string, unit = 0) => (await w.store.getPurchase(opKey, unit))?.status;

	it.each([
		['kept off the profile (unsaved)', { bob: 'hide' }, BOB],
		['converted to Stars at once', { carol: 'convert' }, CAROL],
		['kept off a channel’s profile', { channel: 'hide' }, '@giftschan'],
	])('a paid copy the recipient %s is reconciled as bought and never bought again', async (_what, handling, recipient) => {
		w = await world(recipients(handling));
		// Telegram applies the payment, the answer is lost.
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'dropAfterApply', accountId: ALICE, times: 1 });
		const [result] = await buy([op('lost', recipient)]);
		expect(result).toMatchObject({ status: 'bought', quantityBought: 1 });
		expect(await w.store.getPurchase('lost', 0)).toMatchObject({ status: 'bought', reason: 'reconciled from Stars transactions' });
		const [again] = await buy([op('lost', recipient)]);
		expect(again).toMatchObject({ status: 'skipped', reason: 'already_bought' });
		expect(w.paid()).toHaveLength(1);
	});

	it('a process killed between send and settle: the next run reconciles a hidden copy from the transactions and pays nothing again', async () => {
		w = await world(recipients({ bob: 'hide' }));
		const alice = (await w.pool.acquire(w.creds('Alice'))).account;
		// What the killed process left: the unit claimed, its send recorded, the payment made.
		await w.store.claimPurchase({ opKey: 'killed', unitIndex: 0, accountId: ALICE, recipient: BOB, giftId: '5001', price: 100, atMs: Date.now() });
		await w.store.markSent('killed', 0, Date.now());
		const form = await alice.giftPaymentForm(await alice.resolveRecipient(BOB, { peers: w.store }), '5001');
		await alice.sendStarsForm(form);
		await w.store.close();
		w.store = await getStore(w.storePath);
		const [result] = await executeOperations([op('killed', BOB)], { store: w.store, pool: w.newPool(), credentials: [w.creds('Alice')], reconcileGraceMs: 0 });
		expect(result).toMatchObject({ status: 'skipped', reason: 'already_bought' });
		expect(w.paid()).toHaveLength(1);
	});

	it('with the transactions unreadable, saved gifts still prove a shown copy; a missing one stays unresolved (never failed, never paid again)', async () => {
		w = await world(recipients({ bob: 'hide' }));
		// A flood wait on the transactions parks that method for the account: they cannot be read.
		w.sandbox.injectFault({ method: 'payments.getStarsTransactions', kind: 'error', error: 'FLOOD_WAIT_600', times: 1 });
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'dropAfterApply', accountId: ALICE, times: 1 });
		// Shown on the channel's profile: the saved gifts show it went through.
		const [shown] = await buy([op('shown', '@giftschan')]);
		expect(shown).toMatchObject({ status: 'bought' });
		expect(await w.store.getPurchase('shown', 0)).toMatchObject({ status: 'bought', reason: 'reconciled from saved gifts' });
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'dropAfterApply', accountId: ALICE, times: 1 });
		// Kept off Bob's profile: nothing proves either way, so it stays unresolved past the grace.
		const [hidden] = await buy([op('hidden', BOB)]);
		expect(hidden).toMatchObject({ status: 'skipped', reason: 'pending_unresolved' });
		expect(await status('hidden')).toBe('unknown');
		const [again] = await buy([op('hidden', BOB)]);
		expect(again).toMatchObject({ status: 'skipped', reason: 'pending_unresolved' });
		expect(w.paid()).toHaveLength(2);
	});

	it('an unanswered payment that did not go through is settled failed from the transactions after the grace, then bought on a re-run', async () => {
		w = await world(recipients({}));
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'noReply', accountId: ALICE, times: 1 });
		const [first] = await buy([op('silent', BOB)], 60_000);
		expect(first).toMatchObject({ status: 'skipped', reason: 'pending_unresolved' });
		expect(w.paid()).toHaveLength(0);
		const [second] = await buy([op('silent', BOB)], 0);
		expect(second).toMatchObject({ status: 'bought', quantityBought: 1 });
		expect(w.paid()).toHaveLength(1);
	});
});

describe('payment answers that are not purchases', () => {
	let w: World;
	afterEach(async () => {
		await w.close();
	});

	it('paymentVerificationNeeded is a failure of its own (verification_needed), not a purchase: nothing paid, the unit waits for the transactions before any new payment', async () => {
		w = await world(recipients({}));
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'paymentVerificationNeeded', accountId: ALICE, times: 1 });
		const run = (reconcileGraceMs: number) =>
			executeOperations([op('verify', BOB, 2)], { store: w.store, pool: w.pool, credentials: [w.creds('Alice')], reconcileGraceMs });
		const [result] = await run(60_000);
		expect(result).toMatchObject({ status: 'failed', reason: 'verification_needed', retryable: false, quantityBought: 0 });
		expect(result.error).toMatch(/confirm this payment in the Telegram app/);
		expect(result.error).not.toMatch(/https?:/);
		expect(w.paid()).toHaveLength(0);
		expect(w.sandbox.record().balances[ALICE]).toBe(1000);
		// The copy prepared behind it was never sent.
		expect((await w.store.listPurchases({ opKey: 'verify' })).map((e) => [e.unitIndex, e.status, e.reason])).toEqual([
			[0, 'unknown', 'verification_needed'],
			[1, 'failed', 'verification_needed'],
		]);
		// Within the grace: not paid again (it could still be confirmed in the app).
		const [soon] = await run(60_000);
		expect(soon).toMatchObject({ status: 'skipped', reason: 'pending_unresolved' });
		expect(w.paid()).toHaveLength(0);
		// After it: the transactions show no payment, so the copy may be bought — once.
		const [later] = await run(0);
		expect(later).toMatchObject({ status: 'bought', quantityBought: 2 });
		expect(w.paid()).toHaveLength(2);
	});

	it('API_GIFT_RESTRICTED_UPDATE_APP (406, a client on an older layer than Telegram accepts for gifts): a clear failure telling to update, nothing paid', async () => {
		w = await world({ ...recipients({}), giftApiMinLayer: 10_000 });
		const [result] = await executeOperations([op('old-layer', BOB)], { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		expect(result).toMatchObject({ status: 'failed', reason: 'telegram_error', retryable: false, quantityBought: 0 });
		expect(result.error).toMatch(/Telegram error 406 API_GIFT_RESTRICTED_UPDATE_APP: .*update n8n-nodes-telegram-gifts/);
		expect(w.paid()).toHaveLength(0);
		expect(await w.store.getPurchase('old-layer', 0)).toMatchObject({ status: 'failed', sentAtMs: null });
	});
});
