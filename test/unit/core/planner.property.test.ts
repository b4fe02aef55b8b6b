/**
 * Invariants of the planner and the report over random inputs (fast-check). Small numbers on
 * purpose: balances, prices and availability collide often, so the caps actually bind.
 */
import fc from 'fast-check';

import {
	buildReport,
	compareGiftPriority,
	compareRecipientPreference,
	normalizeGift,
	plan,
	recipientMatches,
	splitReportText,
	tieBreakOf,
	validatePlanInput,
	type Gift,
	type Plan,
	type PlanInput,
	type ReportResult,
} from '../../../src/core';

const NOW = 1_750_000_000;

/** null four times out of five: optional rules and caps apply sometimes, not always. */
const sometimes = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
	fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

const giftArb = fc
	.record({
		stars: fc.integer({ min: 1, max: 120 }),
		limited: fc.integer({ min: 0, max: 5 }).map((n) => n !== 0),
		soldOut: fc.integer({ min: 0, max: 15 }).map((n) => n === 0),
		total: fc.integer({ min: 1, max: 40 }),
		remainsFraction: fc.double({ min: 0, max: 1, noNaN: true }),
		requirePremium: sometimes(fc.boolean()),
		perUser: sometimes(fc.integer({ min: 0, max: 3 })),
		locked: sometimes(fc.integer({ min: NOW - 10, max: NOW + 10 })),
	})
	.map((g) => ({
		stars: g.stars,
		limited: g.limited,
		soldOut: g.soldOut,
		availabilityTotal: g.limited ? g.total : null,
		availabilityRemains: g.limited ? Math.ceil(g.total * g.remainsFraction) : null,
		requirePremium: g.requirePremium,
		limitedPerUser: g.perUser !== null,
		perUserTotal: g.perUser === null ? null : 3,
		perUserRemains: g.perUser,
		lockedUntil: g.locked,
	}));

const junkArb = fc.constantFrom<unknown>(null, { id: '1', stars: -1 }, { stars: 5 }, 'x', { id: 2 ** 60, stars: 1 });

const boundsArb = (max: number) =>
	fc
		.tuple(fc.option(fc.integer({ min: 0, max }), { nil: null, freq: 2 }), fc.option(fc.integer({ min: 0, max }), { nil: null, freq: 2 }))
		.map(([a, b]) => (a !== null && b !== null && a > b ? [b, a] : [a, b]));

const recipientArb = fc
	.record({
		n: fc.integer({ min: 1, max: 999 }),
		price: boundsArb(120),
		supply: boundsArb(40),
		maxPerGift: fc.option(fc.integer({ min: 1, max: 8 }), { nil: null, freq: 3 }),
	})
	.map((r) => ({
		peer: `-100${1000000000 + r.n}`,
		priceMin: r.price[0],
		priceMax: r.price[1],
		supplyMin: r.supply[0],
		supplyMax: r.supply[1],
		maxPerGift: r.maxPerGift,
	}));

const accountArb = fc.record({
	balance: fc.integer({ min: 0, max: 400 }),
	premium: fc.option(fc.boolean(), { nil: null, freq: 4 }),
	spentToday: fc.integer({ min: 0, max: 100 }),
});

const inputArb: fc.Arbitrary<PlanInput> = fc
	.record({
		gifts: fc.array(fc.oneof({ weight: 12, arbitrary: giftArb }, { weight: 1, arbitrary: junkArb }), { maxLength: 14 }),
		accounts: fc.array(accountArb, { maxLength: 6 }),
		recipients: fc.array(recipientArb, { minLength: 1, maxLength: 4 }),
		options: fc.record({
			onlyLimited: fc.integer({ min: 0, max: 3 }).map((n) => n !== 0),
			maxPerGiftPerAccount: sometimes(fc.integer({ min: 1, max: 4 })),
			maxStarsPerRun: sometimes(fc.integer({ min: 0, max: 800 })),
			reserveStars: fc.integer({ min: 0, max: 50 }),
			dailyBudgetPerAccount: sometimes(fc.integer({ min: 0, max: 300 })),
			seed: fc.integer(),
			nowSec: fc.constant(NOW),
		}),
	})
	.map((i) => ({
		gifts: i.gifts.map((g, k) => (typeof g === 'object' && g !== null && 'stars' in g && !('id' in g) ? { ...g, id: String(5170000000000000000n + BigInt(k)) } : g)),
		accounts: i.accounts.map((a, k) => ({ id: String(100 + k), ...a })),
		recipients: i.recipients,
		options: i.options,
	}));

const RUNS = { numRuns: 300 };

function giftsOf(input: PlanInput): Map<string, Gift> {
	const out = new Map<string, Gift>();
	for (const raw of input.gifts) {
		const parsed = normalizeGift(raw);
		if ('ok' in parsed && !out.has(parsed.ok.id)) out.set(parsed.ok.id, parsed.ok);
	}
	return out;
}

function spendCaps(input: PlanInput) {
	const o = validatePlanInput(input).options;
	return new Map(
		input.accounts.map((a) => {
			const balanceCap = Math.max(0, a.balance - o.reserveStars);
			const dailyCap = o.dailyBudgetPerAccount === null ? Infinity : Math.max(0, o.dailyBudgetPerAccount - (a.spentToday ?? 0));
			return [a.id, Math.min(balanceCap, dailyCap)];
		}),
	);
}

describe('planner invariants', () => {
	it('no account spends more than balance − reserve (nor its daily budget); the run stays under maxStarsPerRun', () => {
		fc.assert(
			fc.property(inputArb, (input) => {
				const p = plan(input);
				const caps = spendCaps(input);
				const spent = new Map<string, number>();
				for (const op of p.operations) spent.set(op.accountId, (spent.get(op.accountId) ?? 0) + op.price * op.quantity);
				for (const [id, stars] of spent) expect(stars).toBeLessThanOrEqual(caps.get(id)!);
				if (input.options?.maxStarsPerRun != null) expect(p.summary.stars).toBeLessThanOrEqual(input.options.maxStarsPerRun);
			}),
			RUNS,
		);
	});

	it('no gift beyond its availability, its per-user remains per account, maxPerGift and maxPerGiftPerAccount', () => {
		fc.assert(
			fc.property(inputArb, (input) => {
				const p = plan(input);
				const gifts = giftsOf(input);
				const recipients = validatePlanInput(input).recipients;
				const perGift = new Map<string, number>();
				for (const op of p.operations) {
					const g = gifts.get(op.giftId)!;
					expect(op.quantity).toBeGreaterThanOrEqual(1);
					perGift.set(op.giftId, (perGift.get(op.giftId) ?? 0) + op.quantity);
					if (g.perUserRemains !== null) expect(op.quantity).toBeLessThanOrEqual(g.perUserRemains);
					if (input.options?.maxPerGiftPerAccount != null) expect(op.quantity).toBeLessThanOrEqual(input.options.maxPerGiftPerAccount);
				}
				for (const [id, n] of perGift) {
					const g = gifts.get(id)!;
					if (g.availabilityRemains !== null) expect(n).toBeLessThanOrEqual(g.availabilityRemains);
					// Recipient rows may repeat a peer with other ranges (an operation names the peer, not
					// the row): the copies stay within the largest maxPerGift of the rows with that peer.
					const peer = p.operations.find((o) => o.giftId === id)!.recipient;
					const cap = Math.max(...recipients.filter((x) => x.peer === peer).map((x) => x.maxPerGift ?? 1));
					expect(n).toBeLessThanOrEqual(cap);
				}
			}),
			RUNS,
		);
	});

	it("every operation's recipient contains the gift's price and supply, and is the preferred one; rules hold", () => {
		fc.assert(
			fc.property(inputArb, (input) => {
				const p = plan(input);
				const gifts = giftsOf(input);
				const v = validatePlanInput(input);
				const ordered = v.recipients.map((r, i) => ({ r, i })).sort((a, b) => compareRecipientPreference(a.r, b.r) || a.i - b.i);
				for (const op of p.operations) {
					const g = gifts.get(op.giftId)!;
					expect(op.price).toBe(g.stars);
					expect(op.supply).toBe(g.availabilityTotal);
					const best = ordered.find(({ r }) => recipientMatches(r, g))!;
					expect(op.recipient).toBe(best.r.peer);
					expect(recipientMatches(best.r, g)).toBe(true);
					expect(g.soldOut).toBe(false);
					if (v.options.onlyLimited) expect(g.limited).toBe(true);
					if (g.lockedUntil !== null) expect(g.lockedUntil).toBeLessThanOrEqual(NOW);
					if (g.requirePremium) expect(input.accounts.find((a) => a.id === op.accountId)!.premium).toBe(true);
				}
			}),
			RUNS,
		);
	});

	it('the chosen recipient has the narrowest supply window among the matching ones: (max ?? ∞) − (min ?? 0)', () => {
		fc.assert(
			fc.property(inputArb, (input) => {
				const p = plan(input);
				const v = validatePlanInput(input);
				const gifts = giftsOf(input);
				const width = (r: (typeof v.recipients)[number]) => (r.supplyMax ?? Infinity) - (r.supplyMin ?? 0);
				for (const op of p.operations) {
					const g = gifts.get(op.giftId)!;
					const matching = v.recipients.filter((r) => recipientMatches(r, g));
					// A peer may be listed twice with different filters: the chosen row is one of its matching rows.
					const chosen = Math.min(...matching.filter((r) => r.peer === op.recipient).map(width));
					expect(chosen).toBe(Math.min(...matching.map(width)));
				}
			}),
			RUNS,
		);
	});

	it('higher-priority gifts are served first: when one falls short for lack of stars, no allowed account could still pay for it', () => {
		fc.assert(
			fc.property(inputArb, (input) => {
				const p = plan(input);
				const gifts = giftsOf(input);
				const seed = validatePlanInput(input).options.seed;
				const rank = new Map(
					[...gifts.values()]
						.map((gift) => ({ gift, tie: tieBreakOf(seed, gift.id) }))
						.sort(compareGiftPriority)
						.map((x, i) => [x.gift.id, i]),
				);
				const ranks = p.operations.map((o) => rank.get(o.giftId)!);
				expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
				const caps = spendCaps(input);
				const spentBefore = (limit: number) => {
					const spent = new Map<string, number>();
					for (const op of p.operations) {
						if (rank.get(op.giftId)! <= limit) spent.set(op.accountId, (spent.get(op.accountId) ?? 0) + op.price * op.quantity);
					}
					return spent;
				};
				for (const skip of p.skips) {
					if (skip.reason !== 'insufficient_balance' || !gifts.has(skip.giftId)) continue;
					const g = gifts.get(skip.giftId)!;
					const spent = spentBefore(rank.get(g.id)!);
					for (const a of input.accounts) {
						if (g.requirePremium && a.premium !== true) continue;
						expect(caps.get(a.id)! - (spent.get(a.id) ?? 0)).toBeLessThan(g.stars);
					}
				}
			}),
			RUNS,
		);
	});

	it('same seed ⇒ same plan', () => {
		fc.assert(
			fc.property(inputArb, (input) => {
				expect(plan(structuredClone(input))).toEqual(plan(input));
			}),
			{ numRuns: 100 },
		);
	});

	it('every gift is planned or skipped; counts add up; opKeys are unique', () => {
		fc.assert(
			fc.property(inputArb, (input) => {
				const p = plan(input);
				const mentioned = new Set([...p.operations.map((o) => o.giftId), ...p.skips.map((s) => s.giftId)]);
				for (const id of giftsOf(input).keys()) expect(mentioned.has(id)).toBe(true);
				const s = p.summary;
				expect(s.gifts).toBe(input.gifts.length);
				expect(s.plannedGifts + s.skippedGifts).toBe(s.gifts);
				expect(p.skips.length).toBe(s.skippedGifts + s.partialGifts!);
				expect(new Set(p.operations.map((o) => o.opKey)).size).toBe(p.operations.length);
				expect(s.quantity).toBe(p.operations.reduce((n, o) => n + o.quantity, 0));
			}),
			RUNS,
		);
	});
});

const resultsArb = (p: Plan): fc.Arbitrary<ReportResult[]> =>
	fc.array(fc.record({ pick: fc.nat(), status: fc.constantFrom<ReportResult['status']>('bought', 'failed', 'skipped'), got: fc.nat(), unknown: fc.boolean() }), { maxLength: p.operations.length + 2 }).map((rs) =>
		rs.map((r) => {
			if (p.operations.length === 0 || (r.unknown && r.pick % 5 === 0)) return { opKey: 'not-in-plan', status: r.status };
			const op = p.operations[r.pick % p.operations.length];
			return { opKey: op.opKey, status: r.status, reason: r.status === 'bought' ? null : 'sold_out', quantityBought: r.status === 'bought' ? op.quantity : r.got % (op.quantity + 1) };
		}),
	);

describe('report invariants', () => {
	it('report totals equal the plan and the results (last result per opKey wins)', () => {
		fc.assert(
			fc.property(
				inputArb.chain((input) => {
					const p = plan(input);
					return fc.tuple(fc.constant(input), fc.constant(p), resultsArb(p), fc.constantFrom<'en' | 'ru'>('en', 'ru'));
				}),
				([input, p, results, lang]) => {
					const { totals: t, text } = buildReport(p, results, input.accounts, { lang });
					const last = new Map(results.map((r) => [r.opKey, r]));
					let bought = 0;
					let spent = 0;
					let notExecuted = 0;
					const boughtGifts = new Set<string>();
					for (const op of p.operations) {
						const r = last.get(op.opKey);
						if (!r) notExecuted += op.quantity;
						const q = r ? r.quantityBought ?? (r.status === 'bought' ? op.quantity : 0) : 0;
						bought += q;
						spent += q * op.price;
						if (q > 0) boughtGifts.add(op.giftId);
					}
					expect(t.copies).toEqual({ planned: p.summary.quantity, bought, failed: p.summary.quantity - bought - notExecuted, notExecuted });
					expect(t.stars).toEqual({ planned: p.summary.stars, spent });
					expect(t.gifts.new).toBe(p.summary.gifts);
					expect(t.gifts.bought).toBe(boughtGifts.size);
					expect(t.gifts.bought + t.gifts.skipped + t.gifts.notExecuted).toBe(t.gifts.new);
					// Not executed: planned gifts none of whose operations has a result.
					const giftsWithResult = new Set(p.operations.filter((op) => last.has(op.opKey)).map((op) => op.giftId));
					const plannedGifts = new Set(p.operations.map((op) => op.giftId));
					expect(t.gifts.notExecuted).toBe([...plannedGifts].filter((g) => !giftsWithResult.has(g)).length);
					expect(t.unmatchedResults).toBe(results.filter((r) => r.opKey === 'not-in-plan').length);
					const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
					expect(sum(t.perAccount.map((a) => a.spent))).toBe(spent);
					expect(sum(t.perAccount.map((a) => a.copiesBought))).toBe(bought);
					expect(sum(t.perRecipient.map((r) => r.copiesPlanned))).toBe(p.summary.quantity);
					expect(sum(t.perRecipient.map((r) => r.copiesFailed))).toBe(t.copies.failed);
					expect(sum(Object.values(t.failuresByReason))).toBe(t.copies.failed);
					expect(sum(Object.values(t.skipsByReason) as number[])).toBe(p.skips.length);
					for (const a of t.perAccount) {
						expect(a.copiesBought + a.copiesFailed + a.copiesNotExecuted).toBe(a.copiesPlanned);
						if (a.start !== null) expect(a.end).toBe(a.start - a.spent);
					}
					for (const r of t.perRecipient) expect(r.copiesBought + r.copiesFailed + r.copiesNotExecuted).toBe(r.copiesPlanned);
					expect(text.split('\n')[1]).toContain(String(t.gifts.new));
				},
			),
			RUNS,
		);
	});

	it('splitReportText: every chunk within the limit, nothing lost', () => {
		fc.assert(
			fc.property(fc.array(fc.string({ maxLength: 60, unit: 'grapheme' }), { maxLength: 80 }), fc.integer({ min: 60, max: 400 }), (lines, limit) => {
				const text = lines.map((l) => l.replace(/\n/g, ' ')).join('\n');
				const chunks = splitReportText(text, limit);
				for (const c of chunks) expect(c.length).toBeLessThanOrEqual(limit);
				expect(chunks.join('\n')).toBe(text);
			}),
			RUNS,
		);
	});
});
