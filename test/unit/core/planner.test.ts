import { opKeyOf, plan, ValidationError, type Plan, type PlanInput, type Skip } from '../../../src/core';
import { account, gift, input, recipient } from './fixtures';

const CH = '-1001111111111';
const CH2 = '-1002222222222';

function only(p: Plan, giftId: string): Skip {
	const skips = p.skips.filter((s) => s.giftId === giftId);
	expect(skips).toHaveLength(1);
	return skips[0];
}

function copies(p: Plan, giftId: string): number {
	return p.operations.filter((o) => o.giftId === giftId).reduce((n, o) => n + o.quantity, 0);
}

describe('gift rules (reason codes)', () => {
	it('non_limited: skipped while onlyLimited is on (the default), planned when off', () => {
		const g = gift({ limited: false, availabilityTotal: null, availabilityRemains: null });
		const on = plan(input([g], [account('1', 100)], [recipient(CH)]));
		expect(only(on, g.id).reason).toBe('non_limited');
		const off = plan(input([g], [account('1', 100)], [recipient(CH)], { onlyLimited: false }));
		expect(copies(off, g.id)).toBe(1);
		expect(off.operations[0].supply).toBeNull();
	});

	it('non-limited gifts have infinite supply: a bounded supply filter never contains them', () => {
		const g = gift({ limited: false, availabilityTotal: null, availabilityRemains: null });
		const p = plan(input([g], [account('1', 100)], [recipient(CH, { supplyMin: 1, supplyMax: 1e9 })], { onlyLimited: false }));
		expect(only(p, g.id).reason).toBe('no_recipient_match');
	});

	it('invalid: one bad gift is skipped with field and index; the rest is still planned', () => {
		const good = gift();
		const p = plan(input([{ id: '77', stars: -1, limited: true, availabilityTotal: 5 }, good, 'junk'], [account('1', 100)], [recipient(CH)]));
		expect(only(p, '77')).toMatchObject({ reason: 'invalid', detail: 'gifts[0].stars must be ≥ 1 (got -1)', price: null });
		expect(only(p, 'gifts[2]')).toMatchObject({ reason: 'invalid', detail: expect.stringMatching(/^gifts\[2\]\.gift must be an object/) });
		expect(copies(p, good.id)).toBe(1);
	});

	it('invalid: a repeated gift id is skipped, never planned twice', () => {
		const g = gift({ stars: 1 });
		const p = plan(input([g, { ...g }], [account('1', 100)], [recipient(CH, { maxPerGift: 5 })]));
		expect(copies(p, g.id)).toBe(5);
		expect(only(p, g.id)).toMatchObject({ reason: 'invalid', detail: 'gifts[1] repeats the id of gifts[0]' });
		expect(p.summary).toMatchObject({ gifts: 2, plannedGifts: 1, skippedGifts: 1 });
	});

	it('auction: a gift released through an auction is skipped (bid on, not bought), even when limited and matching', () => {
		const g = gift({ auction: true, auctionSlug: 'SnowGlobe-7', giftsPerRound: 50 });
		const p = plan(input([g], [account('1', 10_000)], [recipient(CH)]));
		expect(p.operations).toEqual([]);
		expect(only(p, g.id)).toMatchObject({ reason: 'auction', detail: expect.stringMatching(/SnowGlobe-7/) });
	});

	it('sold_out: by flag and by zero remains', () => {
		const a = gift({ soldOut: true });
		const b = gift({ availabilityRemains: 0 });
		const p = plan(input([a, b], [account('1', 100)], [recipient(CH)]));
		expect(only(p, a.id).reason).toBe('sold_out');
		expect(only(p, b.id).reason).toBe('sold_out');
	});

	it('locked: until a future time; a past lock does not block; no clock means locked (safe)', () => {
		const future = gift({ lockedUntil: 1_750_000_001 });
		const past = gift({ lockedUntil: 1_749_999_999 });
		const p = plan(input([future, past], [account('1', 100)], [recipient(CH)]));
		expect(only(p, future.id).reason).toBe('locked');
		expect(copies(p, past.id)).toBe(1);
		const noClock = plan({ gifts: [past], accounts: [account('1', 100)], recipients: [recipient(CH)] });
		expect(only(noClock, past.id)).toMatchObject({ reason: 'locked', detail: expect.stringMatching(/no options.nowSec/) });
	});

	it('no_recipient_match: price or supply outside every filter', () => {
		const g = gift({ stars: 500, availabilityTotal: 100 });
		const p = plan(input([g], [account('1', 10000)], [recipient(CH, { priceMax: 499 }), recipient(CH2, { supplyMin: 101 })]));
		expect(only(p, g.id)).toMatchObject({ reason: 'no_recipient_match', price: 500, supply: 100 });
	});

	it('insufficient_balance: names the best account and the numbers', () => {
		const g = gift({ stars: 100 });
		const p = plan(input([g], [account('1', 50), account('2', 99)], [recipient(CH)]));
		expect(only(p, g.id)).toMatchObject({ reason: 'insufficient_balance', accountId: '2', need: 100, available: 99, recipient: CH, unplanned: 1 });
	});

	it('insufficient_balance with no accounts at all', () => {
		const g = gift();
		expect(only(plan(input([g], [], [recipient(CH)])), g.id)).toMatchObject({ reason: 'insufficient_balance', detail: expect.stringMatching(/no accounts/) });
	});

	it('premium_required: only when no account has premium; a premium account buys it even if poorer', () => {
		const g = gift({ requirePremium: true, stars: 10 });
		const none = plan(input([g], [account('1', 1000), account('2', 1000, { premium: null })], [recipient(CH)]));
		expect(only(none, g.id).reason).toBe('premium_required');
		const some = plan(input([g], [account('rich', 1000), account('poor', 10, { premium: true })], [recipient(CH)]));
		expect(some.operations).toEqual([expect.objectContaining({ accountId: 'poor', quantity: 1 })]);
		const broke = plan(input([g], [account('rich', 1000), account('poor', 5, { premium: true })], [recipient(CH)]));
		expect(only(broke, g.id)).toMatchObject({ reason: 'insufficient_balance', accountId: 'poor', detail: expect.stringMatching(/premium account/) });
	});

	it('per_user_limit: perUserRemains 0 skips the gift', () => {
		const g = gift({ limitedPerUser: true, perUserTotal: 1, perUserRemains: 0 });
		expect(only(plan(input([g], [account('1', 100)], [recipient(CH)])), g.id).reason).toBe('per_user_limit');
	});

	it('per-user remains apply per account: each account buys up to it, the shortfall is per_user_limit', () => {
		const g = gift({ stars: 10, limitedPerUser: true, perUserTotal: 3, perUserRemains: 2 });
		const p = plan(input([g], [account('a', 1000), account('b', 1000)], [recipient(CH, { maxPerGift: 5 })]));
		expect(p.operations.map((o) => [o.accountId, o.quantity])).toEqual([
			['a', 2],
			['b', 2],
		]);
		expect(only(p, g.id)).toMatchObject({ reason: 'per_user_limit', unplanned: 1 });
	});

	it('perUserTotal is the cap when a limited-per-user gift has no remains figure', () => {
		const g = gift({ stars: 10, limitedPerUser: true, perUserTotal: 1, perUserRemains: null });
		const p = plan(input([g], [account('a', 1000), account('b', 1000)], [recipient(CH, { maxPerGift: 2 })]));
		expect(p.operations.map((o) => o.quantity)).toEqual([1, 1]);
	});
});

describe('caps and budgets', () => {
	it('maxPerGift defaults to 1 copy per gift (a wide filter cannot drain a balance)', () => {
		const gifts = [gift({ stars: 10 }), gift({ stars: 10 })];
		const p = plan(input(gifts, [account('1', 1_000_000)], [recipient(CH)]));
		expect(p.summary).toMatchObject({ quantity: 2, stars: 20 });
		expect(p.skips).toEqual([]);
	});

	it('an explicit maxPerGift opts into GiftBuyer\'s "as many as the balance allows"', () => {
		const g = gift({ stars: 10, availabilityRemains: 1000 });
		const p = plan(input([g], [account('1', 95), account('2', 42)], [recipient(CH, { maxPerGift: 1000 })]));
		expect(p.operations.map((o) => [o.accountId, o.quantity])).toEqual([
			['1', 9],
			['2', 4],
		]);
		expect(only(p, g.id)).toMatchObject({ reason: 'insufficient_balance', unplanned: 987, accountId: '1', available: 5 });
	});

	it('availability caps the copies; no skip when everything available was planned', () => {
		const g = gift({ stars: 1, availabilityRemains: 3 });
		const p = plan(input([g], [account('1', 100)], [recipient(CH, { maxPerGift: 10 })]));
		expect(copies(p, g.id)).toBe(3);
		expect(p.skips).toEqual([]);
	});

	it('maxPerGiftPerAccount spreads copies over accounts; shortfall is budget_exhausted', () => {
		const g = gift({ stars: 1, availabilityRemains: 100 });
		const p = plan(input([g], [account('a', 100), account('b', 100)], [recipient(CH, { maxPerGift: 5 })], { maxPerGiftPerAccount: 2 }));
		expect(p.operations.map((o) => [o.accountId, o.quantity])).toEqual([
			['a', 2],
			['b', 2],
		]);
		expect(only(p, g.id)).toMatchObject({ reason: 'budget_exhausted', detail: expect.stringMatching(/maxPerGiftPerAccount=2/) });
	});

	it('maxStarsPerRun caps the whole run, higher-priority gifts first', () => {
		const rare = gift({ stars: 60, availabilityTotal: 10 });
		const common = gift({ stars: 60, availabilityTotal: 10000 });
		const p = plan(input([common, rare], [account('1', 1000)], [recipient(CH)], { maxStarsPerRun: 100 }));
		expect(copies(p, rare.id)).toBe(1);
		expect(only(p, common.id)).toMatchObject({ reason: 'budget_exhausted', need: 60, available: 40 });
		expect(p.summary.stars).toBe(60);
	});

	it('reserveStars stays untouched on every account', () => {
		const g = gift({ stars: 10 });
		const p = plan(input([g], [account('1', 109)], [recipient(CH, { maxPerGift: 100 })], { reserveStars: 50 }));
		expect(copies(p, g.id)).toBe(5);
		const broke = plan(input([g], [account('1', 59)], [recipient(CH)], { reserveStars: 50 }));
		expect(only(broke, g.id)).toMatchObject({ reason: 'insufficient_balance', available: 9 });
	});

	it('dailyBudgetPerAccount counts spentToday; when it binds the reason is budget_exhausted', () => {
		const g = gift({ stars: 10 });
		const p = plan(input([g], [account('1', 1000, { spentToday: 70 })], [recipient(CH, { maxPerGift: 100 })], { dailyBudgetPerAccount: 100 }));
		expect(copies(p, g.id)).toBe(3);
		expect(only(p, g.id)).toMatchObject({ reason: 'budget_exhausted', detail: expect.stringMatching(/dailyBudgetPerAccount=100/) });
		const poor = plan(input([g], [account('1', 5)], [recipient(CH)], { dailyBudgetPerAccount: 100 }));
		expect(only(poor, g.id).reason).toBe('insufficient_balance');
	});
});

describe('order and choice', () => {
	it('gift priority: lower supply first, then higher price', () => {
		const cheapRare = gift({ stars: 10, availabilityTotal: 100 });
		const dearRare = gift({ stars: 30, availabilityTotal: 100 });
		const common = gift({ stars: 50, availabilityTotal: 5000 });
		// Stars for exactly one gift of 30 + one of 10: the common, pricier gift must lose.
		const p = plan(input([common, cheapRare, dearRare], [account('1', 40)], [recipient(CH)]));
		expect(p.operations.map((o) => o.giftId)).toEqual([dearRare.id, cheapRare.id]);
		expect(only(p, common.id).reason).toBe('insufficient_balance');
	});

	it('equal supply and price: a seeded random order, same for the same seed, independent of input order', () => {
		const gifts = Array.from({ length: 6 }, () => gift({ stars: 10, availabilityTotal: 100 }));
		const orderFor = (seed: number, list = gifts) =>
			plan(input(list, [account('1', 30)], [recipient(CH)], { seed })).operations.map((o) => o.giftId);
		const seen = new Set<string>();
		for (let seed = 0; seed < 20; seed++) {
			expect(orderFor(seed)).toEqual(orderFor(seed));
			expect(orderFor(seed, [...gifts].reverse())).toEqual(orderFor(seed));
			seen.add(orderFor(seed).join());
		}
		expect(seen.size).toBeGreaterThan(1);
	});

	it('recipient choice: narrowest supply window; an open upper side counts as infinitely wide', () => {
		const g = gift({ availabilityTotal: 500 });
		const p = plan(
			input([g], [account('1', 100)], [
				recipient('@open_side', { supplyMin: 400 }),
				recipient('@wide', { supplyMin: 0, supplyMax: 10000 }),
				recipient('@narrow', { supplyMin: 100, supplyMax: 1000 }),
			]),
		);
		expect(p.operations[0].recipient).toBe('@narrow');
	});

	it('recipient choice: a window open below starts at 0, as GiftBuyer measures it ("up to 5,000" beats "from 1,000 up")', () => {
		const g = gift({ availabilityTotal: 3000 });
		const pick = (...rs: ReturnType<typeof recipient>[]) => plan(input([g], [account('1', 100)], rs)).operations[0].recipient;
		expect(pick(recipient('@from_1000', { supplyMin: 1000 }), recipient('@up_to_5000', { supplyMax: 5000 }))).toBe('@up_to_5000');
		// (5000 − 0) is wider than (4000 − 1500): a lower bound still narrows a window.
		expect(pick(recipient('@up_to_5000', { supplyMax: 5000 }), recipient('@band', { supplyMin: 1500, supplyMax: 4000 }))).toBe('@band');
		// Equal widths (5000 − 0 = 6000 − 1000): higher priceMax, then input order.
		expect(pick(recipient('@up_to_5000', { supplyMax: 5000 }), recipient('@band', { supplyMin: 1000, supplyMax: 6000 }))).toBe('@up_to_5000');
		expect(pick(recipient('@up_to_5000', { supplyMax: 5000, priceMax: 10 }), recipient('@band', { supplyMin: 1000, supplyMax: 6000 }))).toBe('@band');
	});

	it('recipient choice: equal windows → higher priceMax, null priceMax is highest, then input order', () => {
		const g = gift({ stars: 20 });
		const pick = (...rs: ReturnType<typeof recipient>[]) => plan(input([g], [account('1', 100)], rs)).operations[0].recipient;
		expect(pick(recipient('@low_cap', { priceMax: 50 }), recipient('@high_cap', { priceMax: 60 }))).toBe('@high_cap');
		expect(pick(recipient('@high_cap', { priceMax: 60 }), recipient('@no_cap'))).toBe('@no_cap');
		expect(pick(recipient('@first'), recipient('@second'))).toBe('@first');
	});

	it('accounts in descending balance: the richest pays first', () => {
		const g = gift({ stars: 10 });
		const p = plan(input([g], [account('small', 20), account('big', 500), account('mid', 100)], [recipient(CH)]));
		expect(p.operations[0].accountId).toBe('big');
	});

	it('a gift goes to one recipient only', () => {
		const g = gift({ stars: 1, availabilityRemains: 100 });
		const p = plan(input([g], [account('1', 100), account('2', 100)], [recipient(CH, { maxPerGift: 3 }), recipient(CH2, { maxPerGift: 3 })], { maxPerGiftPerAccount: 1 }));
		expect(new Set(p.operations.map((o) => o.recipient))).toEqual(new Set([CH]));
	});
});

describe('operations and opKeys', () => {
	const base = (): PlanInput => input([gift({ id: '5170145012310081615', stars: 10 })], [account('1', 100)], [recipient(CH)]);

	it('one operation per (account, recipient, gift) with a quantity, and the documented opKey', () => {
		const p = plan(base());
		expect(p.operations).toEqual([
			{ opKey: opKeyOf('', '5170145012310081615', CH, '1'), accountId: '1', recipient: CH, giftId: '5170145012310081615', price: 10, quantity: 1, supply: 1000 },
		]);
		expect(p.operations[0].opKey).toMatch(/^[0-9a-f]{32}$/);
	});

	it('opKey is the same when re-planned (any seed), and changes only with runKey', () => {
		const a = plan(base()).operations[0].opKey;
		expect(plan({ ...base(), options: { ...base().options, seed: 99 } }).operations[0].opKey).toBe(a);
		expect(plan({ ...base(), options: { ...base().options, runKey: 'campaign-2' } }).operations[0].opKey).not.toBe(a);
	});

	it('recipient spelling does not change the key (peers are canonical)', () => {
		const g = gift();
		const a = plan(input([g], [account('1', 100)], [recipient('@Collector')])).operations[0];
		const b = plan(input([g], [account('1', 100)], [recipient('@collector')])).operations[0];
		expect(a.recipient).toBe('@collector');
		expect(a.opKey).toBe(b.opKey);
	});

	it('carries the accounts snapshot and a consistent summary', () => {
		const p = plan(input([gift({ stars: 10 }), gift({ soldOut: true })], [account('1', 100, { label: 'main' })], [recipient(CH)]));
		expect(p.accounts).toEqual([{ id: '1', balance: 100, premium: false, label: 'main' }]);
		expect(p.summary).toEqual({ gifts: 2, plannedGifts: 1, skippedGifts: 1, partialGifts: 0, operations: 1, quantity: 1, stars: 10 });
	});

	it('bad configuration throws a ValidationError naming the field', () => {
		expect(() => plan(input([], [account('1', 1)], [recipient('-5')]))).toThrow(ValidationError);
		expect(() => plan(input([], [account('1', 1)], [recipient('-5')]))).toThrow(/^recipients\[0\]\.peer /);
	});
});
