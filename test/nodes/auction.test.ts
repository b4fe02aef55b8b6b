/**
 * The Auction resource and Plan Bids through n8n-core against the sandbox: Get State → Plan Bids →
 * Place or Raise Bid bids once, a second run pays nothing again, a raise by fields charges the
 * difference, List My Active Auctions and Get Won Gifts read Telegram, bad input names the field.
 */
import { TestEngine, chain, errorOf, outputOf, packageNode } from './harness/engine';
import { silentLogger, startSandbox, type Sandbox } from '../../src/sandbox';
import { getSharedPool } from '../../src/telegram';

const ALICE = '1000001';
const BOB = '1000002';
const CHANNEL = '-1001234567890';
const GIFT = '7101';

describe('Auction resource and Plan Bids', () => {
	const engine = new TestEngine();
	let sandbox: Sandbox;

	beforeAll(async () => {
		sandbox = await startSandbox(
			{
				seed: 6,
				accounts: [
					{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: true },
					{ id: BOB, label: 'Bob', username: 'bob', balance: 1000, premium: false },
				],
				channels: [{ id: CHANNEL, title: 'Gifts', username: 'giftschan', acceptsGifts: true, members: [ALICE, BOB] }],
				gifts: [
					{
						id: GIFT,
						stars: 100,
						total: 4,
						releaseAtMs: 0,
						auction: { slug: 'Comet-3', startAtMs: 0, giftsPerRound: 2, minBid: 100, rounds: [{ count: 2, durationMs: 600_000 }] },
					},
				],
				auctionBidders: [
					{ id: '8800001', giftId: GIFT, bids: [{ atMs: 0, amount: 300 }] },
					{ id: '8800002', giftId: GIFT, bids: [{ atMs: 0, amount: 200 }] },
				],
			},
			{ logger: silentLogger() },
		);
		engine.credentials.useSandbox(sandbox.credentials);
	});
	afterAll(async () => {
		await getSharedPool().destroy();
		await sandbox.stop();
		await engine.shutdown();
	});

	const state = packageNode('State', 'telegramGift', { resource: 'auction', operation: 'getState', auction: 'Comet-3' }, ['telegramGiftsAccountApi']);
	const plan = packageNode('Plan', 'telegramGiftPlan', {
		operation: 'bids',
		recipients: { recipient: [{ peer: CHANNEL, priceMin: 0, priceMax: 0, supplyMin: 0, supplyMax: 0, maxPerGift: 1 }] },
		copies: 1,
		maxPricePerCopy: 500,
		totalBudget: 600,
	});
	const bid = packageNode('Bid', 'telegramGift', { resource: 'auction', operation: 'placeBid', bidSource: 'plan' }, ['telegramGiftsAccountApi']);
	const workflow = { nodes: [state, plan, bid], connections: chain(['State', 'Plan'], ['Plan', 'Bid']) };

	it('Get State → Plan Bids → Place or Raise Bid places the planned bid once', async () => {
		const run = await engine.run(workflow);
		expect(errorOf(run)).toBeUndefined();
		const [stateItems] = outputOf(run, 'State');
		expect(stateItems![0]).toMatchObject({ giftId: GIFT, slug: 'Comet-3', status: 'active', giftsPerRound: 2, round: 1, minBidAmount: 100 });
		const [steps, others] = outputOf(run, 'Plan');
		// One copy wanted, 2 places: pass the competitor at place 2 (200).
		expect(steps).toEqual([expect.objectContaining({ action: 'place', amount: 201, charge: 201, recipient: CHANNEL })]);
		expect(others).toEqual([expect.objectContaining({ reason: 'not_needed' })]);
		const [results] = outputOf(run, 'Bid');
		expect(results).toEqual([expect.objectContaining({ status: 'held', amount: 201, charge: 201, reason: null })]);
		const paid = sandbox.record().auctions.bids.filter((b) => b.account && b.ok);
		expect(paid).toHaveLength(1);

		// The same workflow again: the bid is inside the places, nothing to do, nothing paid.
		const again = await engine.run(workflow);
		expect(errorOf(again)).toBeUndefined();
		expect(outputOf(again, 'Plan')[0] ?? []).toEqual([]);
		expect(sandbox.record().auctions.bids.filter((b) => b.account && b.ok)).toHaveLength(1);
		// Replaying the old plan item pays nothing twice.
		const replay = await engine.run({ nodes: [bid] }, { input: steps!.map((json) => ({ json })) });
		expect(outputOf(replay, 'Bid')[0]).toEqual([expect.objectContaining({ status: 'skipped', reason: 'already_placed' })]);
		expect(sandbox.record().auctions.bids.filter((b) => b.account && b.ok)).toHaveLength(1);
	});

	it('raises by fields (the difference is charged), lists active auctions, and names bad fields', async () => {
		const who = sandbox.record().auctions.bids.find((b) => b.account && b.ok)!.bidderId;
		const label = who === ALICE ? 'alice' : 'bob';
		const before = sandbox.record().balances[who];
		const raise = packageNode('Raise', 'telegramGift', { resource: 'auction', operation: 'placeBid', bidSource: 'fields', bidAuction: GIFT, bidAccount: label, bidAmount: 250 }, ['telegramGiftsAccountApi']);
		const run = await engine.run({ nodes: [raise] });
		expect(errorOf(run)).toBeUndefined();
		expect(outputOf(run, 'Raise')[0]).toEqual([expect.objectContaining({ status: 'held', action: 'raise', amount: 250, previousAmount: 201, charge: 49 })]);
		expect(sandbox.record().balances[who]).toBe(before - 49);

		const active = await engine.run({ nodes: [packageNode('Active', 'telegramGift', { resource: 'auction', operation: 'getActive' }, ['telegramGiftsAccountApi'])] });
		expect(outputOf(active, 'Active')[0]).toEqual([expect.objectContaining({ accountId: who, giftId: GIFT, bid: expect.objectContaining({ amount: 250 }) })]);
		const won = await engine.run({ nodes: [packageNode('Won', 'telegramGift', { resource: 'auction', operation: 'getWon', auction: GIFT }, ['telegramGiftsAccountApi'])] });
		expect(errorOf(won)).toBeUndefined();
		expect(outputOf(won, 'Won')[0] ?? []).toEqual([]);

		const low = packageNode('Low', 'telegramGift', { resource: 'auction', operation: 'placeBid', bidSource: 'fields', bidAuction: GIFT, bidAccount: label, bidAmount: 240 }, ['telegramGiftsAccountApi']);
		expect(errorOf(await engine.run({ nodes: [low] }))?.message).toMatch(/^Bid \(Stars\): 240 is not above the account's bid of 250 Stars/);
		const badAuction = packageNode('Bad', 'telegramGift', { resource: 'auction', operation: 'getState', auction: 'not a slug!' }, ['telegramGiftsAccountApi']);
		expect(errorOf(await engine.run({ nodes: [badAuction] }))?.message).toMatch(/^Auction: "not a slug!" is not a gift ID or an auction slug/);
		const badPlan = packageNode('Plan', 'telegramGiftPlan', { operation: 'bids', copies: 0, recipients: { recipient: [{ peer: CHANNEL }] } });
		expect(errorOf(await engine.run({ nodes: [state, badPlan], connections: chain(['State', 'Plan']) }))?.message).toMatch(/^Copies Wanted: must be ≥ 1/);
	});
});
