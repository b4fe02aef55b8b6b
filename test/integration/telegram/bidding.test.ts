/**
 * Bidding over the wire against the sandbox's auction room: the follower wins the planned copies
 * within the budget against reacting competitors; stops at the cap and ends with everything
 * refunded; never pays a bid step twice across a lost answer and a restart; rides out FLOOD_WAIT.
 */
import { AuctionFollower, placeBidStep, reconcileBids, type AuctionEvent, type FollowOptions } from '../../../src/telegram';
import { bidOpKeyOf, type BidStep } from '../../../src/core';
import { bidPaymentForm, readAuction, sendBidForm } from '../../../src/telegram/auctions';
import { ALICE, BOB, CHANNEL, world, type World } from './helpers';

const AUCTION = '7001';
const CHAN = `-100${CHANNEL}`;

function auctionWorld(opts: { total: number; giftsPerRound: number; rounds: number; durationMs: number; bidders: unknown[]; startAtMs?: number }): Record<string, unknown> {
	return {
		gifts: [
			{
				id: AUCTION,
				stars: 100,
				total: opts.total,
				releaseAtMs: 0,
				auction: { slug: 'Rocket-7', startAtMs: opts.startAtMs ?? 0, giftsPerRound: opts.giftsPerRound, minBid: 100, rounds: [{ count: opts.rounds, durationMs: opts.durationMs }], timeoutSec: 30 },
			},
		],
		auctionBidders: opts.bidders,
	};
}

function follow(w: World, labels: Array<'Alice' | 'Bob'>, over: Partial<FollowOptions> = {}): { follower: AuctionFollower; events: AuctionEvent[] } {
	const events: AuctionEvent[] = [];
	const follower = new AuctionFollower({
		store: w.store,
		pool: w.pool,
		credentials: labels.map((l) => w.creds(l)),
		auction: AUCTION,
		goal: { copies: 2, maxPricePerCopy: 400, totalBudget: 800 },
		recipients: [{ peer: CHAN, priceMin: null, priceMax: null, supplyMin: null, supplyMax: null, maxPerGift: null }],
		roundGuardMs: 300,
		pollMs: 400,
		onEvent: (e) => events.push(e),
		...over,
	});
	return { follower, events };
}

/** Every (bidder, amount) accepted twice would be a double payment. */
function expectNoDoubleSteps(w: World): void {
	const ok = w.sandbox.record().auctions.bids.filter((b) => b.ok && b.account);
	const keys = ok.map((b) => `${b.bidderId}:${b.amount}`);
	expect(new Set(keys).size).toBe(keys.length);
}

describe('bidding against the sandbox', () => {
	let w: World;
	afterEach(async () => {
		await w?.close();
	});

	it('wins the planned copies within the budget against competitors that react', async () => {
		w = await world(
			auctionWorld({
				total: 4,
				giftsPerRound: 2,
				rounds: 2,
				durationMs: 2500,
				bidders: [
					{ id: '8800001', giftId: AUCTION, bids: [{ atMs: 0, amount: 150 }], react: { delayMs: 200, step: 10, maxAmount: 250 } },
					{ id: '8800002', giftId: AUCTION, bids: [{ atMs: 0, amount: 120 }] },
				],
			}),
		);
		const { follower, events } = follow(w, ['Alice', 'Bob']);
		await follower.start();
		await follower.finished;
		const rec = w.sandbox.record();
		const ours = rec.auctions.wins.filter((x) => x.account);
		expect(ours).toHaveLength(2);
		expect(ours.every((x) => x.peer === CHAN && x.amount <= 400)).toBe(true);
		const spent = 2000 - rec.balances[ALICE] - rec.balances[BOB];
		expect(spent).toBe(ours.reduce((s, x) => s + x.amount, 0));
		expect(spent).toBeLessThanOrEqual(800);
		expect(rec.auctions.bids.filter((b) => b.account && b.ok).every((b) => b.amount <= 400)).toBe(true);
		expectNoDoubleSteps(w);
		// The ledger agrees: won steps add up to what was spent; nothing left held.
		const rows = await w.store.listPurchases({ kind: 'bid' });
		expect(rows.filter((r) => r.status === 'won').reduce((s, r) => s + r.price, 0)).toBe(spent);
		expect(rows.filter((r) => r.status === 'held' || r.status === 'pending' || r.status === 'unknown')).toEqual([]);
		expect(events.filter((e) => e.type === 'won')).toHaveLength(2);
		expect(events.some((e) => e.type === 'bid' && e.action === 'raise')).toBe(true);
	});

	it('competitors outbid the cap: no bid above it, nothing won, every held Star refunded', async () => {
		w = await world(
			auctionWorld({
				total: 2,
				giftsPerRound: 1,
				rounds: 2,
				durationMs: 1500,
				bidders: [
					{ id: '8800001', giftId: AUCTION, bids: [{ atMs: 0, amount: 150 }], react: { delayMs: 100, step: 20, maxAmount: 1000 } },
					{ id: '8800002', giftId: AUCTION, bids: [{ atMs: 0, amount: 140 }], react: { delayMs: 100, step: 20, maxAmount: 1000 } },
				],
			}),
		);
		const { follower, events } = follow(w, ['Alice'], { goal: { copies: 1, maxPricePerCopy: 200, totalBudget: 1000 } });
		await follower.start();
		await w.sandbox.waitFor((r) => r.auctions.finished.length === 1, 8000);
		await follower.finished;
		const rec = w.sandbox.record();
		expect(rec.auctions.wins.filter((x) => x.account)).toEqual([]);
		expect(rec.auctions.bids.filter((b) => b.account && b.ok).every((b) => b.amount <= 200)).toBe(true);
		expect(rec.auctions.bids.some((b) => b.account && b.ok)).toBe(true);
		expect(rec.balances[ALICE]).toBe(1000);
		expectNoDoubleSteps(w);
		// Refunds are recorded; the ledger ends with every step returned (or failed), nothing spent.
		await reconcileBids((await w.pool.acquire(w.creds('Alice'))).account, w.store, AUCTION);
		expect(await w.store.spentSince(ALICE, 0)).toBe(0);
		expect(events.some((e) => e.type === 'plan' && e.plan.decisions.some((d) => d.reason === 'cap_reached'))).toBe(true);
	});

	it('a lost payment answer and a restart never pay a bid step twice', async () => {
		w = await world(auctionWorld({ total: 2, giftsPerRound: 1, rounds: 1, durationMs: 60_000, bidders: [] }));
		// The first bid payment is applied but its answer never arrives; the client resends and
		// Telegram answers FORM_SUBMIT_DUPLICATE.
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'dropAfterApply', accountId: ALICE });
		const step: BidStep = {
			opKey: bidOpKeyOf('', AUCTION, CHAN, ALICE, 0),
			unitIndex: 100,
			accountId: ALICE,
			recipient: CHAN,
			giftId: AUCTION,
			action: 'place',
			amount: 100,
			previousAmount: 0,
			charge: 100,
		reason: 'new_bid',
		};
		const lease = await w.pool.acquire(w.creds('Alice'));
		const outcome = await placeBidStep({ account: lease.account, store: w.store, step });
		lease.release();
		expect(outcome.status).toBe('held');
		expect(await w.store.getPurchase(step.opKey, 100)).toMatchObject({ status: 'held', kind: 'bid' });
		expect(w.sandbox.record().balances[ALICE]).toBe(900);
		// The same step again (a retry, another process): not paid.
		const again = await placeBidStep({ account: (await w.pool.acquire(w.creds('Alice'))).account, store: w.store, step });
		expect(again).toMatchObject({ status: 'skipped', reason: 'already_placed' });

		// A crash right after the send, before anything else was written: the row stays pending and
		// no send is recorded (the send leaves alongside its record).
		const bob = await w.pool.acquire(w.creds('Bob'));
		const bobStep: BidStep = { ...step, opKey: bidOpKeyOf('', AUCTION, CHAN, BOB, 0), accountId: BOB };
		await w.store.claimPurchase({ opKey: bobStep.opKey, unitIndex: 100, accountId: BOB, recipient: CHAN, giftId: AUCTION, price: 100, atMs: Date.now(), kind: 'bid', bidAmount: 100 });
		await sendBidForm(bob.account, await bidPaymentForm(bob.account, { giftId: AUCTION, amount: 100, update: false, recipient: await bob.account.resolveRecipient(CHAN) }));
		bob.release();
		// A restarted process (a new pool on the same store) follows the auction: it finds the bid
		// in Telegram's state, settles the step held, and pays nothing again.
		w.sandbox.dropConnections();
		const restarted = w.newPool();
		const { follower } = follow(w, ['Alice', 'Bob'], { pool: restarted, goal: { copies: 2, maxPricePerCopy: 400, totalBudget: 800 } });
		await follower.start();
		await follower.stop();
		expect(await w.store.getPurchase(bobStep.opKey, 100)).toMatchObject({ status: 'held' });
		expect(w.sandbox.record().balances).toMatchObject({ [ALICE]: 900, [BOB]: 900 });
		expectNoDoubleSteps(w);
		expect(w.sandbox.record().auctions.bids.filter((b) => b.ok)).toHaveLength(2);
	});

	it('rides out FLOOD_WAIT on bidding: the step fails unpaid, the next evaluation places it once', async () => {
		w = await world(auctionWorld({ total: 2, giftsPerRound: 1, rounds: 1, durationMs: 60_000, bidders: [] }));
		w.sandbox.injectFault({ method: 'payments.getPaymentForm', error: 'FLOOD_WAIT_1', accountId: ALICE });
		const { follower, events } = follow(w, ['Alice'], { goal: { copies: 1, maxPricePerCopy: 400, totalBudget: 800 }, pollMs: 300 });
		await follower.start();
		const failedStep = events.find((e) => e.type === 'bid');
		expect(failedStep).toMatchObject({ outcome: { status: 'failed', reason: 'flood_wait', retryable: true } });
		await w.sandbox.waitFor((r) => r.auctions.bids.some((b) => b.ok && b.bidderId === ALICE), 5000);
		await follower.stop();
		const read = await readAuction((await w.pool.acquire(w.creds('Alice'))).account, AUCTION);
		expect(read.bid).toMatchObject({ amount: 100 });
		expect(w.sandbox.record().balances[ALICE]).toBe(900);
		expectNoDoubleSteps(w);
		const rows = await w.store.listPurchases({ kind: 'bid' });
		expect(rows.map((r) => r.status).sort()).toEqual(['held']);
	});
});
