/** Telegram Gift Plan → Plan Listings through n8n-core (dry run: balances from the parameter). */
import { TestEngine, errorOf, outputOf, packageNode } from './harness/engine';

const PEPE = '5170145012310081615';
const listing = (slug: string, priceStars: number | null, extra: Record<string, unknown> = {}) => ({
	json: {
		slug,
		uniqueId: String(900 + slug.length),
		giftId: PEPE,
		title: 'Plush Pepe',
		num: 7,
		model: { name: 'Frog', rarityPermille: 20, id: '11' },
		backdrop: { name: 'Black', rarityPermille: 10, id: '3' },
		pattern: { name: 'Stars', rarityPermille: 5, id: '21' },
		priceStars,
		priceTonNano: priceStars === null ? 4_000_000_000 : null,
		tonOnly: priceStars === null,
		availabilityTotal: 3000,
		...extra,
	},
});

const planNode = (parameters: Record<string, unknown>) =>
	packageNode('Plan', 'telegramGiftPlan', {
		operation: 'listings',
		recipientsSource: 'list',
		recipients: { recipient: [{ peer: '-1001234567890', priceMin: 0, priceMax: 0, supplyMin: 0, supplyMax: 0, maxPerGift: 1 }] },
		accountsSource: 'expression',
		accountsJson: JSON.stringify([
			{ id: '1001', label: 'alice', balance: 1000, premium: true },
			{ id: '1002', label: 'bob', balance: 300, premium: false },
		]),
		...parameters,
	});

describe('Telegram Gift Plan → Plan Listings through n8n-core', () => {
	const engine = new TestEngine();
	afterAll(() => engine.shutdown());

	it('plans the listings under the rules onto accounts, the rest on the second output with reason codes', async () => {
		const run = await engine.run(
			{ nodes: [planNode({ listingRules: { maxPriceStars: 900, minPercentUnderFloor: 20, excludeModels: 'Cursed' } })] },
			{
				input: [
					listing('Pepe-1', 400),
					listing('Pepe-2', 600),
					listing('Pepe-3', 950),
					listing('Pepe-4', 100, { model: { name: 'Cursed', rarityPermille: 5, id: '12' } }),
					listing('Pepe-5', null),
				],
			},
		);
		expect(errorOf(run)).toBeUndefined();
		const [buys, skipped] = outputOf(run, 'Plan');
		// The floor of Pepe-1 is the cheapest other listing (Pepe-4, 100 Stars … excluded, but listed): not under it.
		const reasons = Object.fromEntries(skipped!.map((s) => [s.slug, s.reason]));
		expect(reasons).toEqual({ 'Pepe-1': 'not_under_floor', 'Pepe-2': 'not_under_floor', 'Pepe-3': 'above_max_price', 'Pepe-4': 'attribute_excluded', 'Pepe-5': 'ton_priced' });
		expect(buys).toEqual([]);
	});

	it('takes trigger events (listings inside) and the values they carry; one account per listing', async () => {
		const event = {
			json: {
				event: 'resaleListing',
				listings: [listing('Pepe-1', 500, { valueFloorStars: 1000 }).json, listing('Cap-2', 700, { giftId: '5168103777563050263' }).json],
			},
		};
		const run = await engine.run({ nodes: [planNode({ listingRules: { minPercentUnderFloor: 10 } })] }, { input: [event] });
		expect(errorOf(run)).toBeUndefined();
		const [buys, skipped] = outputOf(run, 'Plan');
		expect(buys).toEqual([expect.objectContaining({ slug: 'Pepe-1', accountId: '1001', accountLabel: 'alice', recipient: '-1001234567890', price: 500, maxPrice: 500, kind: 'resale' })]);
		expect(buys![0]!.opKey).toMatch(/^[0-9a-f]{32}$/);
		// Alone in its collection, Pepe-1 is compared with the value floor the event carried; Cap-2 has none.
		expect(skipped).toEqual([expect.objectContaining({ slug: 'Cap-2', reason: 'no_value_info' })]);
		expect(buys![0]).toMatchObject({ floorStars: 1000, percentUnderFloor: 50 });
	});

	it('names the rule a bad value sits in', async () => {
		const run = await engine.run({ nodes: [planNode({ listingRules: { excludeCollections: 'Plush Pepe' } })] }, { input: [listing('Pepe-1', 100)] });
		expect(errorOf(run)?.message).toMatch(/Listing Rules › Exclude Collections: must be a collection's gift id/);
	});
});
