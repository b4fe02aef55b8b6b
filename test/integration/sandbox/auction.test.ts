/**
 * The sandbox's auction room over real MTProto with the unmodified client: state and its version,
 * the bid invoice (paid in full, raised by the difference), Telegram's refusals, rounds, winners,
 * returns with refunds, scripted competitors reacting, pushed updates, the finished state.
 */
import { Api } from '../../../src/telegram/gramjs';
import { activeAuctions, bidPaymentForm, readAuction, sendBidForm, wonGifts } from '../../../src/telegram/auctions';
import { TelegramError } from '../../../src/telegram';
import { ALICE, BOB, CHANNEL, world, type World } from '../telegram/helpers';

const AUCTION = '7001';
const CHAN = `-100${CHANNEL}`;

function auctionScenario(over: { rounds?: unknown[]; bidders?: unknown[]; total?: number; startAtMs?: number; giftsPerRound?: number } = {}): Record<string, unknown> {
	return {
		gifts: [
			{ id: '5001', stars: 100, limited: true, total: 3, releaseAtMs: 0 },
			{
				id: AUCTION,
				stars: 100,
				limited: true,
				total: over.total ?? 4,
				releaseAtMs: 0,
				title: 'Auctioned',
				auction: { slug: 'Rocket-7', startAtMs: over.startAtMs ?? 0, giftsPerRound: over.giftsPerRound ?? 2, minBid: 100, minStep: 5, rounds: over.rounds ?? [{ count: 2, durationMs: 60_000 }], timeoutSec: 30 },
			},
		],
		auctionBidders: over.bidders ?? [],
	};
}

async function expectRefusal(p: Promise<unknown>, name: string): Promise<void> {
	const error = await p.then(
		() => null,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(TelegramError);
	expect((error as TelegramError).errorMessage).toBe(name);
}

describe('sandbox auctions over the wire', () => {
	let w: World;
	afterEach(async () => {
		await w?.close();
	});

	it('lists the auction gift with its fields and refuses to sell it as a plain gift', async () => {
		w = await world(auctionScenario());
		const lease = await w.pool.acquire(w.creds('Alice'));
		try {
			const catalog = await lease.account.catalog();
			const g = catalog.gifts.find((x) => x.id === AUCTION)!;
			expect(g).toMatchObject({ auction: true, auctionSlug: 'Rocket-7', giftsPerRound: 2, availabilityTotal: 4 });
			expect(g.auctionStartDate).toEqual(expect.any(Number));
			const target = await lease.account.resolveRecipient(CHAN);
			await expectRefusal(lease.account.giftPaymentForm(target, AUCTION), 'STARGIFT_INVALID');
			await expectRefusal(readAuction(lease.account, '5001'), 'STARGIFT_INVALID');
			await expectRefusal(readAuction(lease.account, 'NoSuchSlug-1'), 'STARGIFT_INVALID');
		} finally {
			lease.release();
		}
	});

	it('a bid is paid in full and held, a raise charges the difference, and Telegram refuses what it refuses', async () => {
		w = await world(auctionScenario());
		const lease = await w.pool.acquire(w.creds('Alice'));
		const account = lease.account;
		try {
			const first = await readAuction(account, 'Rocket-7');
			expect(first.snapshot).toMatchObject({ status: 'active', minBidAmount: 100, giftsLeft: 4, currentRound: 1, totalRounds: 2 });
			expect(first.timeoutSec).toBe(30);
			expect(first.bid).toBeNull();
			const again = await readAuction(account, AUCTION, first.snapshot!.version);
			expect(again.notModified).toBe(true);

			const recipient = await account.resolveRecipient(CHAN);
			await expectRefusal(bidPaymentForm(account, { giftId: AUCTION, amount: 99, update: false, recipient }), 'GIFT_STARS_INVALID');
			await expectRefusal(bidPaymentForm(account, { giftId: AUCTION, amount: 150, update: true }), 'INVOICE_INVALID');

			const form = await bidPaymentForm(account, { giftId: AUCTION, amount: 150, update: false, recipient });
			expect(form.amount).toBe(150);
			const paid = await sendBidForm(account, form);
			expect(paid.bid).toMatchObject({ amount: 150, returned: false, minBidAmount: 155, peer: CHAN });
			expect(w.sandbox.record().balances[ALICE]).toBe(850);
			await expectRefusal(sendBidForm(account, form), 'FORM_SUBMIT_DUPLICATE');

			await expectRefusal(bidPaymentForm(account, { giftId: AUCTION, amount: 200, update: false, recipient }), 'INVOICE_INVALID');
			await expectRefusal(bidPaymentForm(account, { giftId: AUCTION, amount: 152, update: true }), 'GIFT_STARS_INVALID');
			const raise = await bidPaymentForm(account, { giftId: AUCTION, amount: 180, update: true });
			expect(raise.amount).toBe(180);
			await sendBidForm(account, raise);
			expect(w.sandbox.record().balances[ALICE]).toBe(820);
			expect(w.sandbox.record().auctions.bids.filter((b) => b.ok)).toEqual([
				expect.objectContaining({ bidderId: ALICE, kind: 'place', amount: 150, charged: 150 }),
				expect.objectContaining({ bidderId: ALICE, kind: 'raise', amount: 180, charged: 30 }),
			]);
			const active = await activeAuctions(account);
			expect(active).toEqual([expect.objectContaining({ giftId: AUCTION, bid: expect.objectContaining({ amount: 180 }) })]);
			// Bob has too little for the whole bid.
			w.sandbox.market.setBalance(BOB, 120);
			const bob = await w.pool.acquire(w.creds('Bob'));
			try {
				const form2 = await bidPaymentForm(bob.account, { giftId: AUCTION, amount: 130, update: false, recipient: await bob.account.resolveRecipient(CHAN) });
				w.sandbox.market.setBalance(BOB, 100);
				await expectRefusal(sendBidForm(bob.account, form2), 'BALANCE_TOO_LOW');
			} finally {
				bob.release();
			}
		} finally {
			lease.release();
		}
	});

	it('rounds: the top bids win and are delivered, a bid out of gifts_left is returned and refunded, competitors react, the end has an average price', async () => {
		w = await world(
			auctionScenario({
				total: 3,
				giftsPerRound: 2,
				rounds: [{ count: 2, durationMs: 1500 }],
				bidders: [
					{ id: '8800001', giftId: AUCTION, bids: [{ atMs: 0, amount: 300 }] },
					{ id: '8800002', giftId: AUCTION, bids: [{ atMs: 0, amount: 120 }], react: { delayMs: 100, step: 10, maxAmount: 400 } },
				],
			}),
		);
		const lease = await w.pool.acquire(w.creds('Alice'));
		const account = lease.account;
		const pushed: Api.TypeUpdate[] = [];
		const client = (account as unknown as { conn: { client: { addEventHandler(cb: (u: unknown) => void): void } } }).conn.client;
		client.addEventHandler((u: unknown) => {
			if (u instanceof Api.UpdateStarGiftAuctionState || u instanceof Api.UpdateStarGiftAuctionUserState) pushed.push(u);
		});
		try {
			const read = await readAuction(account, AUCTION); // subscribes
			expect(read.snapshot!.bidLevels.map((l) => l.amount)).toEqual([300, 120]);
			const recipient = await account.resolveRecipient(CHAN);
			await sendBidForm(account, await bidPaymentForm(account, { giftId: AUCTION, amount: 200, update: false, recipient }));
			// The 120 competitor is out of the 2 winning places: after 100 ms it comes back at 210.
			await w.sandbox.waitFor((r) => r.auctions.bids.some((b) => b.bidderId === '8800002' && b.amount === 210), 3000);
			// Alice (200) is now third of 3 places left: not returned, but outbid.
			await w.sandbox.waitFor((r) => r.auctions.rounds.length === 1, 4000);
			const r1 = w.sandbox.record().auctions;
			expect(r1.wins.map((x) => [x.bidderId, x.amount, x.round])).toEqual([
				['8800001', 300, 1],
				['8800002', 210, 1],
			]);
			// One gift left, Alice's bid is the only one: she wins it in round 2.
			await w.sandbox.waitFor((r) => r.auctions.finished.length === 1, 4000);
			const rec = w.sandbox.record();
			expect(rec.auctions.wins[2]).toMatchObject({ bidderId: ALICE, amount: 200, round: 2, peer: CHAN });
			expect(rec.auctions.finished[0].averagePrice).toBe(Math.round((300 + 210 + 200) / 3));
			expect(rec.balances[ALICE]).toBe(800);
			const won = await wonGifts(account, AUCTION);
			expect(won).toEqual([expect.objectContaining({ amount: 200, round: 2, peer: CHAN })]);
			const saved = await account.savedGifts(CHAN);
			expect(saved.filter((s) => s.giftId === AUCTION)).toHaveLength(1);
			const end = await readAuction(account, AUCTION);
			expect(end.snapshot).toMatchObject({ status: 'finished', averagePrice: 237 });
			expect(end.acquiredCount).toBe(1);
			expect(pushed.some((u) => u instanceof Api.UpdateStarGiftAuctionState)).toBe(true);
			expect(pushed.some((u) => u instanceof Api.UpdateStarGiftAuctionUserState && u.userState.acquiredCount === 1)).toBe(true);
		} finally {
			lease.release();
		}
	});

	it('a bid pushed out of the top gifts_left places is returned and refunded', async () => {
		w = await world(auctionScenario({ total: 1, giftsPerRound: 1, rounds: [{ count: 1, durationMs: 60_000 }], bidders: [{ id: '8800003', giftId: AUCTION, bids: [{ atMs: 1000, amount: 500 }] }] }));
		const lease = await w.pool.acquire(w.creds('Alice'));
		try {
			const recipient = await lease.account.resolveRecipient(CHAN);
			await sendBidForm(lease.account, await bidPaymentForm(lease.account, { giftId: AUCTION, amount: 150, update: false, recipient }));
			expect(w.sandbox.record().balances[ALICE]).toBe(850);
			await w.sandbox.waitFor((r) => r.auctions.refunds.length === 1, 3000);
			expect(w.sandbox.record().auctions.refunds[0]).toMatchObject({ bidderId: ALICE, amount: 150 });
			expect(w.sandbox.record().balances[ALICE]).toBe(1000);
			const read = await readAuction(lease.account, AUCTION);
			expect(read.bid).toMatchObject({ amount: 150, returned: true });
			// A returned bid is gone: the next one is a new bid (no update_bid), above the minimum.
			await expectRefusal(bidPaymentForm(lease.account, { giftId: AUCTION, amount: 600, update: true }), 'INVOICE_INVALID');
			await expectRefusal(bidPaymentForm(lease.account, { giftId: AUCTION, amount: 500, update: false, recipient }), 'GIFT_STARS_INVALID');
		} finally {
			lease.release();
		}
	});

	it('an extendable round moves its end when a top bid lands in the last window', async () => {
		w = await world(auctionScenario({ total: 2, giftsPerRound: 1, rounds: [{ count: 2, durationMs: 1000, extendTop: 1, extendWindowMs: 800 }], bidders: [{ id: '8800004', giftId: AUCTION, bids: [{ atMs: 900, amount: 400 }] }] }));
		await w.sandbox.waitFor((r) => r.auctions.rounds.length === 1, 4000);
		expect(w.sandbox.record().auctions.rounds[0]).toMatchObject({ round: 1, endedAtMs: 1700, extendedBy: 700, winners: 1 });
	});
});
