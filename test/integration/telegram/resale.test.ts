/**
 * The resale account layer over the wire against the sandbox's resale market: search with
 * attribute filters and value info, the planned listings bought for the right recipients, a listing
 * lost to a competitor reported with its reason, a form above the max refused without paying, and
 * no double buy across a lost answer and a restart.
 */
import { planResale, type ResaleListing, type ResaleOperation } from '../../../src/core';
import { buyListing, clearResaleCaches, executeResale, reconcileResale, searchListings, valueInfo } from '../../../src/telegram';
import { ALICE, BOB, CHANNEL, world, type World } from './helpers';

const PEPE = '6001';
const CHAN = `-100${CHANNEL}`;

function resaleWorld(listings: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
	const gift = (n: number, model: string, backdrop: string, pattern: string) => ({ slug: `PlushPepe-${n}`, num: n, model, backdrop, pattern });
	return {
		gifts: [{ id: PEPE, stars: 500, limited: true, total: 100, releaseAtMs: 0, title: 'Plush Pepe' }],
		resale: {
			collections: [
				{
					giftId: PEPE,
					total: 100,
					issued: 80,
					averagePriceStars: 1_000,
					models: [
						{ name: 'Gold', rarityPermille: 5 },
						{ name: 'Stone', rarityPermille: 200 },
					],
					backdrops: [
						{ name: 'Black', rarityPermille: 10 },
						{ name: 'Blue', rarityPermille: 30 },
					],
					patterns: [{ name: 'Star', rarityPermille: 15 }],
					gifts: [gift(1, 'Gold', 'Black', 'Star'), gift(2, 'Stone', 'Blue', 'Star'), gift(3, 'Stone', 'Black', 'Star'), gift(4, 'Gold', 'Blue', 'Star'), gift(5, 'Stone', 'Black', 'Star')],
				},
			],
			listings,
			...extra,
		},
	};
}

const recipient = (peer: string, priceMax: number | null = null, supplyMax: number | null = null) => ({ peer, priceMin: null, priceMax, supplyMin: null, supplyMax, maxPerGift: null });

async function market(w: World): Promise<ResaleListing[]> {
	const lease = await w.pool.acquire(w.creds('Alice'));
	try {
		return (await searchListings(lease.account, { giftId: PEPE, limit: 100 })).listings;
	} finally {
		lease.release();
	}
}

const sales = (w: World) => w.sandbox.record().resale.sales.filter((s) => s.account);

describe('resale over the wire', () => {
	let w: World;
	beforeEach(() => clearResaleCaches());
	afterEach(async () => {
		await w?.close();
	});

	it('searches by attribute names with paging, and converts the value info to Stars', async () => {
		w = await world(
			resaleWorld([
				{ slug: 'PlushPepe-1', stars: 900 },
				{ slug: 'PlushPepe-2', stars: 400 },
				{ slug: 'PlushPepe-3', stars: 700 },
				{ slug: 'PlushPepe-4', stars: 300, tonOnly: true },
			]),
		);
		const lease = await w.pool.acquire(w.creds('Alice'));
		try {
			const page1 = await searchListings(lease.account, { giftId: PEPE, limit: 2 });
			expect(page1.count).toBe(4);
			expect(page1.listings.map((l) => l.slug)).toEqual(['PlushPepe-4', 'PlushPepe-2']);
			expect(page1.listings[0]).toMatchObject({ tonOnly: true, priceStars: null });
			expect(page1.listings[1]).toMatchObject({ giftId: PEPE, priceStars: 400, model: { name: 'Stone', rarityPermille: 200 }, backdrop: { name: 'Blue' } });
			const page2 = await searchListings(lease.account, { giftId: PEPE, limit: 2, offset: page1.nextOffset ?? '' });
			expect(page2.listings.map((l) => l.slug)).toEqual(['PlushPepe-3', 'PlushPepe-1']);
			const stone = await searchListings(lease.account, { giftId: PEPE, models: ['stone'], backdrops: ['Black'], starsOnly: true });
			expect(stone.listings.map((l) => l.slug)).toEqual(['PlushPepe-3']);
			await expect(searchListings(lease.account, { giftId: PEPE, models: ['Diamond'] })).rejects.toThrow(/model "Diamond" is not an attribute of collection 6001 \(known: Gold, Stone\)/);
			const value = await valueInfo(lease.account, 'PlushPepe-2');
			expect(value.currency).toBe('USD');
			expect(value.floorPrice).not.toBeNull();
			// The floor is the cheapest listing (300); the average the scenario's 1,000 Stars. Converted
			// back from cents with the rate initial_sale_stars / initial_sale_price implies, so only
			// as exact as one cent of the initial price (500 Stars = 7 cents here).
			expect(Math.abs((value.floorStars as number) - 300) / 300).toBeLessThan(0.1);
			expect(Math.abs((value.averageStars as number) - 1000) / 1000).toBeLessThan(0.1);
		} finally {
			lease.release();
		}
	});

	it('buys the planned listings for the right recipients, and nothing above the max', async () => {
		w = await world(
			resaleWorld([
				{ slug: 'PlushPepe-1', stars: 900 },
				{ slug: 'PlushPepe-2', stars: 300 },
				{ slug: 'PlushPepe-3', stars: 500 },
				{ slug: 'PlushPepe-5', stars: 450 },
			]),
		);
		const listings = await market(w);
		const plan = planResale({
			listings,
			accounts: [
				{ id: ALICE, balance: 1000, premium: false },
				{ id: BOB, balance: 1000, premium: true },
			],
			recipients: [recipient(CHAN, 400, 1000), recipient('me')],
			rules: { maxPriceStars: 800 },
			options: { reserveStars: 100 },
		});
		expect(plan.skips).toEqual([expect.objectContaining({ slug: 'PlushPepe-1', reason: 'above_max_price' })]);
		expect(plan.operations.map((o) => [o.slug, o.recipient])).toEqual([
			['PlushPepe-2', CHAN],
			['PlushPepe-5', 'me'],
			['PlushPepe-3', 'me'],
		]);
		const results = await executeResale(plan.operations, { store: w.store, pool: w.pool, credentials: [w.creds('Alice'), w.creds('Bob')] });
		expect(results.map((r) => [r.slug, r.status, r.paid])).toEqual([
			['PlushPepe-2', 'bought', 300],
			['PlushPepe-5', 'bought', 450],
			['PlushPepe-3', 'bought', 500],
		]);
		const bySlug = new Map(sales(w).map((s) => [s.slug, s]));
		for (const op of plan.operations) {
			const sale = bySlug.get(op.slug)!;
			expect(sale.buyerId).toBe(op.accountId);
			expect(sale.peer).toBe(op.recipient === 'me' ? op.accountId : CHAN);
			expect(sale.amount).toBeLessThanOrEqual(op.maxPrice);
		}
		expect(sales(w)).toHaveLength(3);
		expect(Math.max(...sales(w).map((s) => s.amount))).toBeLessThanOrEqual(800);
		// The ledger counts the spend for the daily budget.
		const spent = (await w.store.spentSince(ALICE, 0)) + (await w.store.spentSince(BOB, 0));
		expect(spent).toBe(1250);
	});

	it('a form above the planned max is refused without paying; a price drop is paid at the lower price', async () => {
		w = await world(resaleWorld([{ slug: 'PlushPepe-2', stars: 300 }, { slug: 'PlushPepe-3', stars: 500 }]));
		const plan = planResale({ listings: await market(w), accounts: [{ id: ALICE, balance: 5000, premium: false }], recipients: [recipient('me')], options: { priceTolerancePercent: 10 } });
		w.sandbox.resale.setPrice('PlushPepe-2', 340);
		w.sandbox.resale.setPrice('PlushPepe-3', 450);
		const results = await executeResale(plan.operations, { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		const two = results.find((r) => r.slug === 'PlushPepe-2')!;
		expect(two).toMatchObject({ status: 'skipped', reason: 'above_max_price', formAmount: 340, maxPrice: 330, paid: 0 });
		expect(two.error).toMatch(/costs 340 Stars now, above the planned max 330/);
		expect(results.find((r) => r.slug === 'PlushPepe-3')).toMatchObject({ status: 'bought', paid: 450 });
		expect(sales(w).map((s) => s.slug)).toEqual(['PlushPepe-3']);
		expect(w.sandbox.record().resale.failures).toEqual([]);
	});

	it('a listing a competitor took first is a reason, not an error', async () => {
		w = await world(resaleWorld([{ slug: 'PlushPepe-2', stars: 300 }]));
		const plan = planResale({ listings: await market(w), accounts: [{ id: ALICE, balance: 5000, premium: false }], recipients: [recipient('me')] });
		w.sandbox.resale.addBuyer({ id: '9000001', slug: 'PlushPepe-2', delayMs: 0 });
		await new Promise((r) => setTimeout(r, 50));
		const [result] = await executeResale(plan.operations, { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		expect(result).toMatchObject({ status: 'skipped', reason: 'listing_gone', paid: 0, retryable: false });
		expect(result.error).toMatch(/PlushPepe-2 is no longer for sale \(sold to someone else first/);
		expect(w.sandbox.record().resale.sales).toEqual([expect.objectContaining({ slug: 'PlushPepe-2', buyerId: '9000001', account: false })]);
		// The ledger says why (a failed row can be claimed again if it is listed again).
		expect(await w.store.getPurchase(plan.operations[0].opKey, 0)).toMatchObject({ kind: 'resale', status: 'failed', reason: 'listing_gone' });
	});

	it('never pays a listing twice: a lost answer is reconciled from the Stars transactions, and a restart skips it', async () => {
		w = await world(resaleWorld([{ slug: 'PlushPepe-2', stars: 300 }]));
		const plan = planResale({ listings: await market(w), accounts: [{ id: ALICE, balance: 5000, premium: false }], recipients: [recipient('me')] });
		const op: ResaleOperation = plan.operations[0];
		w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'dropAfterApply', afterCalls: 0, times: 1 });
		const lease = await w.pool.acquire(w.creds('Alice'));
		let first;
		try {
			first = await buyListing(lease.account, w.store, op);
		} finally {
			lease.release();
		}
		expect(first).toMatchObject({ status: 'bought' });
		expect(await w.store.getPurchase(op.opKey, 0)).toMatchObject({ status: 'bought', reason: 'reconciled from Stars transactions' });
		// A restart (new pool, same store): the plan is made again and executed again.
		const again = planResale({ listings: [{ ...plan.operations[0], priceStars: 300, giftId: PEPE }], accounts: [{ id: ALICE, balance: 5000, premium: false }], recipients: [recipient('me')], alreadyBought: [] });
		const pool = w.newPool();
		const [second] = await executeResale(again.operations, { store: w.store, pool, credentials: [w.creds('Alice')] });
		expect(second).toMatchObject({ status: 'skipped', reason: 'already_bought' });
		expect(sales(w)).toHaveLength(1);
	});

	it('reconciles an unclear payment that did not go through as failed after the grace period', async () => {
		w = await world(resaleWorld([{ slug: 'PlushPepe-2', stars: 300 }]));
		const plan = planResale({ listings: await market(w), accounts: [{ id: ALICE, balance: 5000, premium: false }], recipients: [recipient('me')] });
		const op = plan.operations[0];
		// A claim whose send was never recorded (the process died around the payment): it may have
		// been paid, so it blocks the listing until the transactions (none here) and the grace say no.
		await w.store.claimPurchase({ opKey: op.opKey, unitIndex: 0, accountId: ALICE, recipient: 'me', giftId: op.slug, price: 300, atMs: Date.now() - 120_000, kind: 'resale' });
		const blocked = await executeResale(plan.operations, { store: w.store, pool: w.pool, credentials: [w.creds('Alice')], reconcileGraceMs: 600_000 });
		expect(blocked[0]).toMatchObject({ status: 'skipped', reason: 'pending_unresolved' });
		expect(sales(w)).toEqual([]);
		const lease = await w.pool.acquire(w.creds('Alice'));
		try {
			expect(await reconcileResale(lease.account, w.store)).toEqual({ bought: 0, failed: 1, unresolved: 0 });
		} finally {
			lease.release();
		}
		const [result] = await executeResale(plan.operations, { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		expect(result).toMatchObject({ status: 'bought' });
	});
});
