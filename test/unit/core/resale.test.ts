/**
 * The resale rules and plan (src/core/resale.ts): examples for every reason code, and properties
 * over random markets (fast-check): nothing bought above the max price or above the rules' ceiling,
 * same input ⇒ same plan, budgets (reserve, daily, per run) never exceeded, excluded collections /
 * gifts / attributes never bought, one operation per listing.
 */
import fc from 'fast-check';

import { judgeListings, normalizeListing, planResale, resaleOpKeyOf, type ResaleListing, type ResalePlanInput } from '../../../src/core/resale';
import { ValidationError } from '../../../src/core/validate';

const COLLECTION = '5170145012310081615';
const OTHER = '5168103777563050263';

function listing(slug: string, priceStars: number | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		slug,
		uniqueId: String(1000 + slug.length * 7 + (priceStars ?? 0)),
		giftId: COLLECTION,
		title: 'Plush Pepe',
		num: 1,
		model: { name: 'Frog', rarityPermille: 20, id: '11' },
		backdrop: { name: 'Black', rarityPermille: 10, id: '3' },
		pattern: { name: 'Stars', rarityPermille: 5, id: '21' },
		priceStars,
		priceTonNano: null,
		availabilityTotal: 3000,
		...extra,
	};
}

const me = { peer: 'me', priceMin: null, priceMax: null, supplyMin: null, supplyMax: null, maxPerGift: null };
const acct = (id: string, balance: number, extra: Record<string, unknown> = {}) => ({ id, balance, premium: true, ...extra });

describe('listing rules', () => {
	const parse = (raw: Record<string, unknown>): ResaleListing => {
		const p = normalizeListing(raw);
		if ('error' in p) throw new Error(p.error.reason);
		return p.ok;
	};

	it('names the reason for every rule', () => {
		const listings = [
			parse(listing('a-1', 90)),
			parse(listing('b-2', 900)),
			parse(listing('c-3', 300)),
			parse(listing('d-4', null, { priceTonNano: 5e9, tonOnly: true })),
			parse(listing('e-5', 120, { model: { name: 'Cursed', rarityPermille: 5, id: '12' } })),
			parse(listing('f-6', 120, { giftId: OTHER })),
			parse(listing('g-7', 130, { backdrop: 'White' })),
		];
		const verdicts = judgeListings(listings, { maxPriceStars: 800, minPercentUnderFloor: 20, excludeModels: ['cursed'], excludeCollections: [OTHER], backdrops: ['Black'] }, [
			{ giftId: COLLECTION, floorStars: 400, averageStars: 500 },
		]);
		expect(verdicts.map((v) => v.reason)).toEqual([null, 'above_max_price', 'not_under_floor', 'ton_priced', 'attribute_excluded', 'collection_excluded', 'attribute_not_wanted']);
		// The floor of a-1 is the cheapest other listing (e-5 at 120), not itself.
		expect(verdicts[0].floorStars).toBe(120);
		expect(verdicts[0].ceilingStars).toBe(96);
	});

	it('compares a lone listing with the collection value, and says when none is known', () => {
		const only = [parse(listing('a-1', 100))];
		expect(judgeListings(only, { minPercentUnderFloor: 10 }, [{ giftId: COLLECTION, floorStars: 200, averageStars: null }])[0]).toMatchObject({ ok: true, percentUnderFloor: 50 });
		expect(judgeListings(only, { minPercentUnderFloor: 10 })[0].reason).toBe('no_value_info');
		expect(judgeListings(only, { minPercentUnderAverage: 30 }, [{ giftId: COLLECTION, floorStars: null, averageStars: 130 }])[0].reason).toBe('not_under_average');
	});

	it('accepts TON-priced listings only with allowTon, and the plan does not pay TON', () => {
		const ton = listing('t-1', null, { priceTonNano: 2e9 });
		expect(judgeListings([parse(ton)], { allowTon: true })[0].ok).toBe(true);
		const plan = planResale({ listings: [ton], accounts: [acct('1', 10_000)], recipients: [me], rules: { allowTon: true } });
		expect(plan.skips[0].reason).toBe('ton_payment_unsupported');
		expect(planResale({ listings: [ton], accounts: [acct('1', 10_000)], recipients: [me] }).skips[0].reason).toBe('ton_priced');
	});

	it('rejects bad configuration naming the field', () => {
		expect(() => planResale({ listings: [], accounts: [], recipients: [], rules: { minPercentUnderFloor: 150 } })).toThrow(/rules.minPercentUnderFloor/);
		expect(() => planResale({ listings: [], accounts: [], recipients: [], rules: { maxprice: 1 } })).toThrow(ValidationError);
		expect(() => planResale({ listings: [], accounts: [], recipients: [], rules: { excludeCollections: ['Plush Pepe'] } })).toThrow(/excludeCollections\[0\]/);
		const bad = planResale({ listings: [{ slug: 'x', giftId: COLLECTION, priceStars: 'cheap' }], accounts: [], recipients: [] });
		expect(bad.skips[0]).toMatchObject({ reason: 'invalid', detail: expect.stringContaining('listings[0].priceStars') });
	});
});

describe('planResale', () => {
	it('buys the best discounts first, each with an account that can pay and a matching recipient', () => {
		const plan = planResale({
			listings: [listing('a-1', 300), listing('b-2', 100), listing('c-3', 1000)],
			accounts: [acct('1', 250), acct('2', 500)],
			recipients: [{ ...me, peer: '@bigcollector' }, { ...me, priceMax: 400, supplyMax: 5000 }],
			options: { reserveStars: 50 },
		});
		expect(plan.operations.map((o) => [o.slug, o.accountId, o.recipient])).toEqual([
			['b-2', '2', 'me'],
			['a-1', '2', 'me'],
		]);
		expect(plan.skips).toEqual([expect.objectContaining({ slug: 'c-3', reason: 'insufficient_balance' })]);
		expect(plan.operations[0].opKey).toBe(resaleOpKeyOf('', 'b-2'));
	});

	it('never plans a listing the ledger shows bought, nor one an account itself listed', () => {
		const plan = planResale({
			listings: [listing('a-1', 100), listing('b-2', 100, { ownerId: '7' })],
			accounts: [acct('7', 1000)],
			recipients: [me],
			alreadyBought: ['a-1'],
		});
		expect(plan.operations).toEqual([]);
		expect(plan.skips.map((s) => s.reason).sort()).toEqual(['already_bought', 'own_listing']);
	});

	it('reserves the tolerated price, capped by the rules', () => {
		const plan = planResale({
			listings: [listing('a-1', 100), listing('b-2', 200)],
			accounts: [acct('1', 1000)],
			recipients: [me],
			rules: { maxPriceStars: 105 },
			options: { priceTolerancePercent: 10 },
		});
		expect(plan.operations).toEqual([expect.objectContaining({ slug: 'a-1', price: 100, maxPrice: 105 })]);
		expect(plan.summary.reserved).toBe(105);
	});

	it('tells a daily budget from a low balance, and needs premium for premium collectibles', () => {
		const daily = planResale({ listings: [listing('a-1', 100)], accounts: [acct('1', 1000, { spentToday: 950 })], recipients: [me], options: { dailyBudgetPerAccount: 1000 } });
		expect(daily.skips[0].reason).toBe('budget_exhausted');
		const premium = planResale({ listings: [listing('a-1', 100, { requirePremium: true })], accounts: [acct('1', 1000, { premium: false })], recipients: [me] });
		expect(premium.skips[0].reason).toBe('premium_required');
	});
});

// ---- properties -------------------------------------------------------------------------------

const MODELS = ['Frog', 'Cursed', 'Gold', 'Ruby'];
const BACKDROPS = ['Black', 'White', 'Onyx'];
const COLLECTIONS = ['100', '200', '300'];

const listingArb = fc.record({
	n: fc.integer({ min: 1, max: 40 }),
	giftId: fc.constantFrom(...COLLECTIONS),
	priceStars: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: null, freq: 8 }),
	model: fc.constantFrom(...MODELS),
	backdrop: fc.constantFrom(...BACKDROPS),
	requirePremium: fc.boolean(),
	ownerId: fc.option(fc.constantFrom('1', '2', '999'), { nil: null }),
});

const worldArb = fc.record({
	listings: fc.array(listingArb, { maxLength: 25 }),
	balances: fc.array(fc.record({ balance: fc.integer({ min: 0, max: 5000 }), spentToday: fc.integer({ min: 0, max: 1500 }), premium: fc.boolean() }), { minLength: 1, maxLength: 4 }),
	maxPrice: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: null }),
	underFloor: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
	excludeModels: fc.subarray(MODELS),
	excludeCollections: fc.subarray(COLLECTIONS),
	excludeSlugs: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 5 }),
	reserve: fc.integer({ min: 0, max: 300 }),
	daily: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }),
	perRun: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
	tolerance: fc.integer({ min: 0, max: 20 }),
	floors: fc.array(fc.option(fc.integer({ min: 1, max: 2500 }), { nil: null }), { minLength: 3, maxLength: 3 }),
});

type World = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

function inputOf(w: World): ResalePlanInput {
	return {
		listings: w.listings.map((l) => ({
			slug: `Gift-${l.n}`,
			uniqueId: String(l.n),
			giftId: l.giftId,
			model: l.model,
			backdrop: l.backdrop,
			priceStars: l.priceStars,
			priceTonNano: l.priceStars === null ? 3e9 : null,
			requirePremium: l.requirePremium,
			ownerId: l.ownerId,
			availabilityTotal: 5000,
		})),
		values: COLLECTIONS.map((giftId, i) => ({ giftId, floorStars: w.floors[i], averageStars: null })),
		accounts: w.balances.map((b, i) => ({ id: String(i + 1), balance: b.balance, spentToday: b.spentToday, premium: b.premium })),
		recipients: [me],
		rules: { maxPriceStars: w.maxPrice, minPercentUnderFloor: w.underFloor, excludeModels: w.excludeModels, excludeCollections: w.excludeCollections, excludeGifts: w.excludeSlugs.map((n) => `gift-${n}`) },
		options: { reserveStars: w.reserve, dailyBudgetPerAccount: w.daily, maxStarsPerRun: w.perRun, priceTolerancePercent: w.tolerance },
	};
}

const RUNS = { numRuns: 400 };

describe('planResale invariants', () => {
	it('never pays above the max price, and never reserves more than the rules allow', () => {
		fc.assert(
			fc.property(worldArb, (w) => {
				const input = inputOf(w);
				const plan = planResale(input);
				for (const op of plan.operations) {
					if (w.maxPrice !== null) expect(op.maxPrice).toBeLessThanOrEqual(w.maxPrice);
					expect(op.maxPrice).toBeGreaterThanOrEqual(op.price);
					if (w.underFloor !== null) {
						expect(op.floorStars).not.toBeNull();
						expect(op.price).toBeLessThanOrEqual(Math.floor((op.floorStars as number) * (1 - w.underFloor / 100)));
						expect(op.maxPrice).toBeLessThanOrEqual(Math.floor((op.floorStars as number) * (1 - w.underFloor / 100)));
					}
				}
			}),
			RUNS,
		);
	});

	it('same input ⇒ same plan (also with the listings in another order)', () => {
		fc.assert(
			fc.property(worldArb, (w) => {
				const input = inputOf(w);
				const a = planResale(input);
				expect(planResale(inputOf(w))).toEqual(a);
				const reversed = { ...input, listings: [...input.listings].reverse() };
				const ops = (p: typeof a) => p.operations.map((o) => `${o.slug}/${o.accountId}/${o.maxPrice}`).sort();
				// Duplicated slugs keep their first copy, which reversing changes: compare markets without repeats.
				if (new Set(input.listings.map((l) => (l as { slug: string }).slug)).size === input.listings.length) expect(ops(planResale(reversed))).toEqual(ops(a));
			}),
			RUNS,
		);
	});

	it('never exceeds reserve, daily budget or stars per run; one operation per listing', () => {
		fc.assert(
			fc.property(worldArb, (w) => {
				const input = inputOf(w);
				const plan = planResale(input);
				const byAccount = new Map<string, number>();
				for (const op of plan.operations) byAccount.set(op.accountId, (byAccount.get(op.accountId) ?? 0) + op.maxPrice);
				for (const a of input.accounts) {
					const spent = byAccount.get(a.id) ?? 0;
					expect(spent).toBeLessThanOrEqual(Math.max(0, a.balance - w.reserve));
					if (w.daily !== null) expect(spent).toBeLessThanOrEqual(Math.max(0, w.daily - (a.spentToday ?? 0)));
				}
				if (w.perRun !== null) expect(plan.summary.reserved).toBeLessThanOrEqual(w.perRun);
				const slugs = plan.operations.map((o) => o.slug);
				expect(new Set(slugs).size).toBe(slugs.length);
				expect(new Set(plan.operations.map((o) => o.opKey)).size).toBe(slugs.length);
			}),
			RUNS,
		);
	});

	it('never buys excluded collections, gifts or models, TON-only listings, or own listings', () => {
		fc.assert(
			fc.property(worldArb, (w) => {
				const input = inputOf(w);
				const plan = planResale(input);
				// The first copy of a repeated slug is the one planned.
				const bySlug = new Map<string, Record<string, unknown>>();
				for (const l of input.listings as Array<Record<string, unknown>>) if (!bySlug.has(l.slug as string)) bySlug.set(l.slug as string, l);
				for (const op of plan.operations) {
					const l = bySlug.get(op.slug) as Record<string, unknown>;
					expect(w.excludeCollections).not.toContain(op.giftId);
					expect(w.excludeModels).not.toContain(l.model);
					expect(w.excludeSlugs.map((n) => `Gift-${n}`)).not.toContain(op.slug);
					expect(l.priceStars).not.toBeNull();
					expect(input.accounts.map((a) => a.id)).not.toContain(l.ownerId);
					if (l.requirePremium) expect(input.accounts.find((a) => a.id === op.accountId)?.premium).toBe(true);
				}
				// Every listing is planned or skipped.
				expect(plan.operations.length + plan.skips.length).toBe(input.listings.length);
			}),
			RUNS,
		);
	});
});
