/** The scenario's resale section: defaults, and every bad field named by its path. */
import { validateScenario, ScenarioError } from '../../../src/sandbox';

const base = (resale: unknown): Record<string, unknown> => ({
	accounts: [{ id: '1000001', balance: 10 }],
	gifts: [{ id: '6001', stars: 500, title: 'Plush Pepe' }],
	resale,
});

const collection = {
	giftId: '6001',
	models: [{ name: 'Gold', rarityPermille: 5 }],
	backdrops: [{ name: 'Black', rarityPermille: 10 }],
	patterns: [{ name: 'Star', rarityPermille: 20 }],
	gifts: [{ slug: 'PlushPepe-1', num: 1, model: 'Gold', backdrop: 'Black', pattern: 'Star' }],
};

function problems(resale: unknown): string[] {
	let caught: unknown;
	try {
		validateScenario(base(resale));
	} catch (e) {
		caught = e;
	}
	expect(caught).toBeInstanceOf(ScenarioError);
	return (caught as ScenarioError).problems;
}

describe('scenario resale section', () => {
	test('absent: an empty market with the documented defaults', () => {
		const s = validateScenario(base(undefined));
		expect(s.resale).toMatchObject({ collections: [], listings: [], buyers: [], valueCurrency: 'USD', valueMilliPerStar: 1300, nanotonPerStar: 5_000_000 });
		expect(s.resale.floodLimit).toEqual({ method: 'payments.getResaleStarGifts', maxCalls: 60, windowMs: 60_000, waitSeconds: 30 });
	});

	test('defaults filled in: title from the base gift, TON price from the rate, an owner derived from the slug', () => {
		const s = validateScenario(base({ collections: [collection], listings: [{ slug: 'PlushPepe-1', stars: 100 }], buyers: [{ id: '9000001', slug: 'PlushPepe-1' }] }));
		expect(s.resale.collections[0]).toMatchObject({ title: 'Plush Pepe', total: 1, issued: 1, initialSaleStars: 500 });
		expect(s.resale.collections[0].gifts[0].ownerId).toMatch(/^[0-9]+$/);
		expect(s.resale.listings[0]).toMatchObject({ atMs: 0, tonNano: 500_000_000, tonOnly: false, priceChanges: [] });
		expect(s.resale.buyers[0]).toMatchObject({ delayMs: 1000, copies: 1, ton: false });
	});

	test('bad fields are named', () => {
		const found = problems({
			collections: [
				{ ...collection, giftId: '777', gifts: [{ slug: 'bad slug!', num: 0, model: 'Plastic', backdrop: 'Black', pattern: 'Star', ownerId: '1000001' }] },
			],
			listings: [{ slug: 'Nope-1', stars: 0, priceChanges: [{ atMs: 1, stars: 5 }], atMs: 10 }],
			buyers: [{ id: '1000001' }],
			tonBalances: { '42': 5 },
			valueCurrency: 'dollars',
			extra: 1,
		});
		const joined = found.join('\n');
		for (const path of [
			'scenario.resale.extra is not a resale field',
			'scenario.resale.valueCurrency',
			'scenario.resale.collections[0].giftId names no gift',
			'scenario.resale.collections[0].gifts[0].slug',
			'scenario.resale.collections[0].gifts[0].num',
			'scenario.resale.collections[0].gifts[0].model names no model',
			'scenario.resale.collections[0].gifts[0].ownerId is an account id',
			'scenario.resale.listings[0].slug names no gift',
			'scenario.resale.listings[0].stars',
			'scenario.resale.listings[0].priceChanges[0].atMs',
			'scenario.resale.buyers[0].id is an account id',
			'scenario.resale.buyers[0].slug or giftId',
			'scenario.resale.tonBalances.42 names no account',
		]) {
			expect(joined).toContain(path);
		}
	});
});

test('the shipped resale example is valid', () => {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const json: unknown = require('../../../examples/scenarios/resale.json');
	const s = validateScenario(json);
	expect(s.resale.collections).toHaveLength(2);
	expect(s.resale.listings.some((l) => l.tonOnly)).toBe(true);
	expect(s.resale.buyers.length).toBeGreaterThan(0);
});
