/**
 * The resale vertical through n8n-core against the sandbox's market: Search Listings → Plan
 * Listings → Buy Listing buys the listing under the floor once (a second run buys nothing more),
 * Get Value Info, bad input named, and the Gift Trigger in resale mode emitting one execution per
 * read with the new listings its rules accept.
 */
import { TestEngine, chain, errorOf, outputOf, packageNode } from './harness/engine';
import { silentLogger, startSandbox, type Sandbox } from '../../src/sandbox';
import { getSharedPool } from '../../src/telegram';
import { getSharedWatchers } from '../../src/telegram/watch';

const ALICE = '1000001';
const BOB = '1000002';
const PEPE = '6001';

function scenario(listings: unknown[]): Record<string, unknown> {
	const gift = (n: number, model: string) => ({ slug: `PlushPepe-${n}`, num: n, model, backdrop: 'Black', pattern: 'Star' });
	return {
		seed: 5,
		accounts: [
			{ id: ALICE, label: 'Alice', username: 'alice', balance: 5000, premium: true },
			{ id: BOB, label: 'Bob', username: 'bobby', balance: 800, premium: false },
		],
		gifts: [{ id: PEPE, stars: 500, limited: true, total: 100, releaseAtMs: 0, title: 'Plush Pepe' }],
		resale: {
			collections: [
				{
					giftId: PEPE,
					total: 100,
					issued: 60,
					averagePriceStars: 2000,
					models: [
						{ name: 'Gold', rarityPermille: 5 },
						{ name: 'Stone', rarityPermille: 200 },
					],
					backdrops: [{ name: 'Black', rarityPermille: 10 }],
					patterns: [{ name: 'Star', rarityPermille: 15 }],
					gifts: [gift(1, 'Gold'), gift(2, 'Stone'), gift(3, 'Stone'), gift(4, 'Gold'), gift(5, 'Stone')],
				},
			],
			listings,
		},
	};
}

describe('Resale through n8n-core against the sandbox', () => {
	const engine = new TestEngine();
	let sandbox: Sandbox;

	const start = async (listings: unknown[]) => {
		sandbox = await startSandbox(scenario(listings), { logger: silentLogger() });
		engine.credentials.useSandbox(sandbox.credentials);
	};
	afterEach(async () => {
		await getSharedPool().destroy();
		await sandbox.stop();
	});
	afterAll(async () => {
		await engine.shutdown();
	});

	const search = (params: Record<string, unknown> = {}) =>
		packageNode('Search', 'telegramGift', { resource: 'resale', operation: 'searchListings', resaleCollection: PEPE, ...params }, ['telegramGiftsAccountApi']);
	const plan = packageNode(
		'Plan',
		'telegramGiftPlan',
		{ operation: 'listings', recipientsSource: 'list', recipients: { recipient: [{ peer: 'me', priceMin: 0, priceMax: 0, supplyMin: 0, supplyMax: 0, maxPerGift: 1 }] }, accountsSource: 'credential', listingRules: { minPercentUnderFloor: 25, maxPriceStars: 3000 } },
		['telegramGiftsAccountApi'],
	);
	const buy = packageNode('Buy', 'telegramGift', { resource: 'resale', operation: 'buyListing', resaleSource: 'plan' }, ['telegramGiftsAccountApi']);

	it('Search Listings → Plan Listings → Buy Listing buys the listing under the floor, once', async () => {
		await start([
			{ slug: 'PlushPepe-1', stars: 2000 },
			{ slug: 'PlushPepe-2', stars: 1400 },
			{ slug: 'PlushPepe-3', stars: 2100 },
			{ slug: 'PlushPepe-4', stars: 900 },
		]);
		const workflow = { nodes: [search(), plan, buy], connections: chain(['Search', 'Plan'], ['Plan', 'Buy']) };
		const run = await engine.run(workflow);
		expect(errorOf(run)).toBeUndefined();
		expect(outputOf(run, 'Search')[0]!.map((l) => l.slug)).toEqual(['PlushPepe-4', 'PlushPepe-2', 'PlushPepe-1', 'PlushPepe-3']);
		const [ops, skipped] = outputOf(run, 'Plan');
		// 900 is 35.7 % under the cheapest other listing (1400); 1400 is not 25 % under 900.
		expect(ops).toEqual([expect.objectContaining({ slug: 'PlushPepe-4', accountId: ALICE, recipient: 'me', price: 900, floorStars: 1400 })]);
		expect(Object.fromEntries(skipped!.map((s) => [s.slug, s.reason]))).toEqual({ 'PlushPepe-1': 'not_under_floor', 'PlushPepe-2': 'not_under_floor', 'PlushPepe-3': 'not_under_floor' });
		expect(outputOf(run, 'Buy')[0]).toEqual([expect.objectContaining({ slug: 'PlushPepe-4', status: 'bought', paid: 900, kind: 'resale', reason: null })]);
		expect(sandbox.record().resale.sales.filter((s) => s.account)).toEqual([expect.objectContaining({ slug: 'PlushPepe-4', buyerId: ALICE, amount: 900 })]);

		// Buy Listing run again with the same plan items: the ledger says it was bought.
		const replay = await engine.run({ nodes: [buy] }, { input: ops!.map((json) => ({ json })) });
		expect(outputOf(replay, 'Buy')[0]).toEqual([expect.objectContaining({ slug: 'PlushPepe-4', status: 'skipped', reason: 'already_bought' })]);
		expect(sandbox.record().resale.sales.filter((s) => s.account)).toHaveLength(1);
	});

	it('filters the search by attribute names, reads value info, and names bad input', async () => {
		await start([
			{ slug: 'PlushPepe-1', stars: 2000 },
			{ slug: 'PlushPepe-2', stars: 1400 },
		]);
		const run = await engine.run({ nodes: [search({ resaleFilters: { models: 'Gold' } })] });
		expect(outputOf(run, 'Search')[0]!.map((l) => l.slug)).toEqual(['PlushPepe-1']);
		const value = await engine.run({ nodes: [packageNode('Value', 'telegramGift', { resource: 'resale', operation: 'getValueInfo', resaleSlug: 'PlushPepe-2' }, ['telegramGiftsAccountApi'])] });
		expect(outputOf(value, 'Value')[0]).toEqual([expect.objectContaining({ slug: 'PlushPepe-2', currency: 'USD', listedCount: 2 })]);
		expect(errorOf(await engine.run({ nodes: [search({ resaleCollection: 'Plush Pepe' })] }))?.message).toMatch(/^Collection: "Plush Pepe" is not a gift ID/);
		expect(errorOf(await engine.run({ nodes: [search({ resaleFilters: { models: 'Diamond' } })] }))?.message).toMatch(/model "Diamond" is not an attribute of collection 6001/);
		const fields = packageNode('Buy', 'telegramGift', { resource: 'resale', operation: 'buyListing', resaleSource: 'fields', buySlug: 'PlushPepe-2', buyMaxPrice: 1000, buyRecipient: 'me' }, ['telegramGiftsAccountApi']);
		const refused = await engine.run({ nodes: [fields] });
		expect(outputOf(refused, 'Buy')[0]).toEqual([expect.objectContaining({ slug: 'PlushPepe-2', status: 'skipped', reason: 'above_max_price', formAmount: 1400, paid: 0 })]);
		expect(sandbox.record().resale.sales).toEqual([]);
		// Offered to an AI agent as a tool, Buy Listing refuses (only Gift → Buy has agent caps).
		const asTool = packageNode('Buy', 'telegramGiftTool', { resource: 'resale', operation: 'buyListing', resaleSource: 'fields', buySlug: 'PlushPepe-2', buyMaxPrice: 5000, buyRecipient: 'me' }, ['telegramGiftsAccountApi']);
		expect(errorOf(await engine.run({ nodes: [asTool] }))?.message).toMatch(/^Operation: Buy Listing is not available to AI agents/);
		expect(sandbox.record().resale.sales).toEqual([]);
		const notPlan = await engine.run({ nodes: [buy] }, { input: [{ json: { slug: 'PlushPepe-2' } }] });
		expect(errorOf(notPlan)?.message).toMatch(/opKey is missing: is this item a listing operation from Telegram Gift Plan → Plan Listings\?/);
	});

	it('the trigger emits one execution per read with the new listings its rules accept', async () => {
		await start([
			{ slug: 'PlushPepe-1', stars: 2000 },
			{ slug: 'PlushPepe-2', stars: 1400 },
		]);
		const trigger = packageNode(
			'Resale Trigger',
			'telegramGiftTrigger',
			{ watch: 'resale', resaleCollections: PEPE, resalePollIntervalMs: 200, resaleRules: { minPercentUnderFloor: 20 }, resaleOptions: { sessionFloorMs: 100 } },
			['telegramGiftsAccountApi'],
		);
		const active = await engine.activate({ nodes: [trigger] });
		try {
			await sandbox.waitFor((r) => (r.calls['payments.getResaleStarGifts'] ?? 0) >= 2, 5000);
			expect(active.executions).toHaveLength(0);
			sandbox.resale.addListing({ slug: 'PlushPepe-4', stars: 1000 });
			sandbox.resale.addListing({ slug: 'PlushPepe-5', stars: 1300 });
			const run = await active.next(5000);
			expect(errorOf(run)).toBeUndefined();
			expect(outputOf(run, 'Resale Trigger')[0]).toEqual([expect.objectContaining({ event: 'resaleListing', slug: 'PlushPepe-4', giftId: PEPE, priceStars: 1000, floorStars: 1300, percentUnderFloor: 23.08 })]);
			expect(getSharedWatchers().list().filter((w) => w.topic.startsWith('resale:'))).toEqual([expect.objectContaining({ topic: `resale:${PEPE}`, subscribers: 1 })]);
			await new Promise((resolve) => setTimeout(resolve, 600));
			expect(active.executions).toHaveLength(1);
		} finally {
			await active.deactivate();
		}
	});
});
