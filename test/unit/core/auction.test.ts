/**
 * The auction strategy (src/core/auction.ts): examples of each decision, then invariants over
 * random auctions (fast-check): the budget is never exceeded (held + spent + charges), our accounts
 * never push each other up, no bid above the cap, same input ⇒ same plan.
 */
import fc from 'fast-check';

import {
	ValidationError,
	auctionEvents,
	competitorAmountAt,
	competitorLevels,
	planBids,
	ranksAbove,
	type AuctionAccount,
	type AuctionBidLevel,
	type AuctionPlanInput,
	type AuctionSnapshot,
	type BidPlan,
} from '../../../src/core';
import { gift, recipient } from './fixtures';

const auctionGift = gift({ id: '9001', stars: 100, availabilityTotal: 30, availabilityRemains: 30, auction: true, auctionSlug: 'Rocket-1', giftsPerRound: 3 });

function snapshot(levels: AuctionBidLevel[], over: Partial<AuctionSnapshot> = {}): AuctionSnapshot {
	return {
		gift: auctionGift,
		status: 'active',
		version: 7,
		minBidAmount: 100,
		bidLevels: levels,
		giftsPerRound: 3,
		giftsLeft: 30,
		currentRound: 1,
		totalRounds: 10,
		nextRoundAtSec: 2000,
		startDateSec: 1000,
		endDateSec: 5000,
		averagePrice: null,
		...over,
	};
}

/** Levels from bids (amount, date): ranked by the auction's rule, dense. */
function levelsOf(bids: Array<{ amount: number; dateSec: number }>): AuctionBidLevel[] {
	return [...bids]
		.sort((a, b) => (ranksAbove(a, b) ? (ranksAbove(b, a) ? 0 : -1) : 1))
		.map((b, i) => ({ pos: i + 1, amount: b.amount, dateSec: b.dateSec }));
}

function acct(id: string, balance: number, over: Partial<AuctionAccount> = {}): AuctionAccount {
	return { id, balance, premium: false, bid: null, acquiredCount: 0, bidSerial: 0, ...over };
}

function input(over: Partial<AuctionPlanInput> = {}): AuctionPlanInput {
	return {
		auction: snapshot([]),
		accounts: [acct('1', 10_000)],
		recipients: [recipient('-1001700000001')],
		goal: { copies: 1, maxPricePerCopy: 1000, totalBudget: 5000 },
		...over,
	};
}

describe('planBids', () => {
	it('places a new bid at the minimum when fewer competitors than places bid', () => {
		const plan = planBids(input({ auction: snapshot(levelsOf([{ amount: 150, dateSec: 1100 }])) }));
		expect(plan.steps).toEqual([
			expect.objectContaining({ accountId: '1', action: 'place', amount: 100, charge: 100, previousAmount: 0, reason: 'new_bid', unitIndex: 100 }),
		]);
		expect(plan.summary).toMatchObject({ target: 100, slots: 1 });
	});

	it('bids one step above the competitor at the last winning place', () => {
		const comps = [300, 250, 200, 180, 150].map((amount, i) => ({ amount, dateSec: 1100 + i }));
		const plan = planBids(input({ auction: snapshot(levelsOf(comps)) }));
		// 3 places, one of ours: it must pass the competitor at place 3 (200).
		expect(plan.steps).toEqual([expect.objectContaining({ amount: 201, charge: 201 })]);
	});

	it('two accounts for two copies each need to pass the competitor at place 2, not each other', () => {
		const comps = [300, 250, 200].map((amount, i) => ({ amount, dateSec: 1100 + i }));
		const plan = planBids(input({ auction: snapshot(levelsOf(comps)), accounts: [acct('1', 1000), acct('2', 1000)], goal: { copies: 2, maxPricePerCopy: 1000, totalBudget: 5000 } }));
		expect(plan.steps.map((s) => [s.accountId, s.amount])).toEqual([
			['1', 251],
			['2', 251],
		]);
	});

	it('raises an outbid bid by the difference only', () => {
		const own = { amount: 180, dateSec: 1150 };
		const comps = [300, 250, 200, 150].map((amount, i) => ({ amount, dateSec: 1100 + i }));
		const plan = planBids(
			input({
				auction: snapshot(levelsOf([...comps, own])),
				accounts: [acct('1', 1000, { bid: { ...own, returned: false, minBidAmount: 181, peer: '-1001700000001' } })],
			}),
		);
		expect(plan.steps).toEqual([expect.objectContaining({ action: 'raise', amount: 201, previousAmount: 180, charge: 21, reason: 'outbid' })]);
		expect(plan.summary.held).toBe(180);
	});

	it('keeps a bid that is inside the winning places, without paying', () => {
		const own = { amount: 260, dateSec: 1150 };
		const comps = [300, 250, 200].map((amount, i) => ({ amount, dateSec: 1100 + i }));
		const plan = planBids(input({ auction: snapshot(levelsOf([...comps, own])), accounts: [acct('1', 1000, { bid: { ...own, returned: false, minBidAmount: 261, peer: null } })] }));
		expect(plan.steps).toEqual([]);
		expect(plan.decisions).toEqual([expect.objectContaining({ accountId: '1', action: 'keep', reason: 'winning', amount: 260 })]);
	});

	it('never raises because the auction minimum counts our own bids', () => {
		// Two places left, our two bids fill them: the auction's minimum for newcomers is above our
		// lower bid, but a live bid only has to pass the competitors.
		const a = { amount: 100, dateSec: 1100 };
		const b = { amount: 100, dateSec: 1101 };
		const plan = planBids(
			input({
				auction: snapshot(levelsOf([a, b]), { giftsPerRound: 1, giftsLeft: 2, minBidAmount: 101 }),
				accounts: [acct('1', 1000, { bid: { ...a, returned: false, minBidAmount: 101, peer: null } }), acct('2', 1000, { bid: { ...b, returned: false, minBidAmount: 101, peer: null } })],
				goal: { copies: 2, maxPricePerCopy: 1000, totalBudget: 5000 },
			}),
		);
		expect(plan.steps).toEqual([]);
	});

	it('never raises because of another of our own accounts', () => {
		// Our two bids hold places 1 and 2; the competitor at place 3 is below both of them.
		const a = { amount: 500, dateSec: 1100 };
		const b = { amount: 400, dateSec: 1101 };
		const comps = [{ amount: 120, dateSec: 1102 }];
		const plan = planBids(
			input({
				auction: snapshot(levelsOf([a, b, ...comps]), { giftsPerRound: 2, giftsLeft: 2 }),
				accounts: [acct('1', 1000, { bid: { ...a, returned: false, minBidAmount: 501, peer: null } }), acct('2', 1000, { bid: { ...b, returned: false, minBidAmount: 401, peer: null } })],
				goal: { copies: 2, maxPricePerCopy: 1000, totalBudget: 5000 },
			}),
		);
		expect(plan.steps).toEqual([]);
	});

	it('stops at the cap: no bid above maxPricePerCopy, reason cap_reached', () => {
		const comps = [900, 800, 700].map((amount, i) => ({ amount, dateSec: 1100 + i }));
		const plan = planBids(input({ auction: snapshot(levelsOf(comps)), goal: { copies: 1, maxPricePerCopy: 600, totalBudget: 5000 } }));
		expect(plan.steps).toEqual([]);
		expect(plan.decisions).toEqual([expect.objectContaining({ reason: 'cap_reached' })]);
	});

	it('counts held bids and won copies against the budget', () => {
		const own = { amount: 180, dateSec: 1150 };
		const comps = [300, 250, 200].map((amount, i) => ({ amount, dateSec: 1100 + i }));
		const plan = planBids(
			input({
				auction: snapshot(levelsOf([...comps, own])),
				accounts: [acct('1', 1000, { bid: { ...own, returned: false, minBidAmount: 181, peer: null } })],
				spentWon: 300,
				goal: { copies: 3, maxPricePerCopy: 1000, totalBudget: 490 },
			}),
		);
		// 490 − 300 spent − 180 held = 10 left: a raise to 201 needs 21.
		expect(plan.steps).toEqual([]);
		expect(plan.decisions).toEqual([expect.objectContaining({ reason: 'budget_exhausted', action: 'keep' })]);
	});

	it('takes fewer places when the budget cannot pay for all of them', () => {
		const comps = [300, 250, 200].map((amount, i) => ({ amount, dateSec: 1100 + i }));
		const plan = planBids(input({ auction: snapshot(levelsOf(comps)), accounts: [acct('1', 1000), acct('2', 1000)], goal: { copies: 2, maxPricePerCopy: 1000, totalBudget: 450 } }));
		// Two places need 251 each (502); one needs 201.
		expect(plan.steps.map((s) => s.amount)).toEqual([201]);
		expect(plan.summary.slots).toBe(1);
	});

	it('respects reserve and daily budget per account, and names why', () => {
		const plan = planBids(input({ accounts: [acct('1', 150, { spentToday: 0 })], options: { reserveStars: 100 } }));
		expect(plan.decisions).toEqual([expect.objectContaining({ reason: 'insufficient_balance' })]);
		const daily = planBids(input({ accounts: [acct('1', 5000, { spentToday: 950 })], options: { dailyBudgetPerAccount: 1000 } }));
		expect(daily.decisions).toEqual([expect.objectContaining({ reason: 'daily_budget' })]);
	});

	it('stops when the goal is reached, before the start and after the end', () => {
		expect(planBids(input({ accounts: [acct('1', 1000, { acquiredCount: 1 })] })).decisions[0].reason).toBe('goal_reached');
		expect(planBids(input({ auction: snapshot([], { status: 'pending' }) })).decisions[0].reason).toBe('auction_not_started');
		expect(planBids(input({ auction: snapshot([], { status: 'finished' }) })).decisions[0].reason).toBe('auction_finished');
	});

	it('uses the drop planner recipient rules', () => {
		const plan = planBids(input({ recipients: [recipient('@wide'), recipient('@narrow', { supplyMin: 10, supplyMax: 50 })] }));
		expect(plan.steps[0].recipient).toBe('@narrow');
		const none = planBids(input({ recipients: [recipient('@cheap', { priceMax: 50 })] }));
		expect(none.decisions[0].reason).toBe('no_recipient_match');
	});

	it('a returned bid is no bid: the next one is new, under a new opKey', () => {
		const first = planBids(input());
		const again = planBids(input({ accounts: [acct('1', 10_000, { bid: { amount: 100, dateSec: 1100, returned: true, minBidAmount: 101, peer: null }, bidSerial: 1 })] }));
		expect(again.steps[0]).toMatchObject({ action: 'place', charge: 100 });
		expect(again.steps[0].opKey).not.toBe(first.steps[0].opKey);
		expect(again.summary.held).toBe(0);
	});

	it('names the bad field', () => {
		expect(() => planBids(input({ goal: { copies: 0, maxPricePerCopy: 1, totalBudget: 1 } }))).toThrow(new ValidationError('goal.copies', 'must be ≥ 1 (got 0)'));
		expect(() => planBids({ ...input(), auction: { ...snapshot([]), status: 'open' } })).toThrow(/auction.status/);
		expect(() => planBids({ ...input(), accounts: [{ id: '1', balance: 5, bid: { amount: 'x' } }] })).toThrow(/accounts\[0\].bid.amount/);
	});
});

describe('competitor levels', () => {
	it('drop our bids and move the others up', () => {
		const ours = [{ amount: 500, dateSec: 10 }];
		const levels = levelsOf([{ amount: 600, dateSec: 9 }, ours[0], { amount: 400, dateSec: 8 }]);
		expect(competitorLevels(levels, ours)).toEqual([
			{ place: 1, amount: 600 },
			{ place: 2, amount: 400 },
		]);
	});

	it('read a sparse list conservatively', () => {
		const levels = [
			{ place: 1, amount: 900 },
			{ place: 2, amount: 800 },
			{ place: 10, amount: 300 },
		];
		expect(competitorAmountAt(levels, 2)).toBe(800);
		expect(competitorAmountAt(levels, 5)).toBe(800);
		expect(competitorAmountAt(levels, 11)).toBeNull();
	});
});

// ---- invariants -------------------------------------------------------------------------------

const bidArb = fc.record({ amount: fc.integer({ min: 50, max: 400 }), dateSec: fc.integer({ min: 1000, max: 1100 }) });

const worldArb = fc
	.record({
		competitors: fc.array(bidArb, { maxLength: 12 }),
		accounts: fc.array(
			fc.record({
				balance: fc.integer({ min: 0, max: 1500 }),
				bid: fc.option(fc.record({ amount: fc.integer({ min: 50, max: 400 }), dateSec: fc.integer({ min: 1000, max: 1100 }), returned: fc.boolean() }), { nil: null }),
				acquired: fc.integer({ min: 0, max: 1 }),
				spentToday: fc.integer({ min: 0, max: 500 }),
			}),
			{ minLength: 1, maxLength: 5 },
		),
		giftsPerRound: fc.integer({ min: 1, max: 5 }),
		giftsLeft: fc.integer({ min: 1, max: 12 }),
		minBid: fc.integer({ min: 1, max: 120 }),
		copies: fc.integer({ min: 1, max: 6 }),
		cap: fc.integer({ min: 50, max: 500 }),
		budget: fc.integer({ min: 0, max: 2500 }),
		spentWon: fc.integer({ min: 0, max: 300 }),
		reserve: fc.integer({ min: 0, max: 200 }),
		daily: fc.option(fc.integer({ min: 0, max: 1200 }), { nil: null }),
		minStep: fc.integer({ min: 1, max: 10 }),
	})
	.map((w) => {
		const accounts = w.accounts.map((a, i) =>
			acct(String(i + 1), a.balance, {
				bid: a.bid ? { ...a.bid, minBidAmount: a.bid.amount + w.minStep, peer: null } : null,
				acquiredCount: a.acquired,
				spentToday: a.spentToday,
			}),
		);
		const live = accounts.filter((a) => a.bid && !a.bid.returned).map((a) => ({ amount: a.bid!.amount, dateSec: a.bid!.dateSec }));
		const input: AuctionPlanInput = {
			auction: snapshot(levelsOf([...w.competitors, ...live]), { giftsPerRound: w.giftsPerRound, giftsLeft: w.giftsLeft, minBidAmount: w.minBid }),
			accounts,
			recipients: [recipient('me')],
			goal: { copies: w.copies, maxPricePerCopy: w.cap, totalBudget: w.budget },
			spentWon: w.spentWon,
			options: { reserveStars: w.reserve, dailyBudgetPerAccount: w.daily, minStep: w.minStep },
		};
		return { input, competitors: w.competitors };
	});

const RUNS = { numRuns: 400 };

describe('planBids invariants', () => {
	it('never exceeds the budget: spent on won copies + held + charges ≤ totalBudget (or charges nothing)', () => {
		fc.assert(
			fc.property(worldArb, ({ input }) => {
				const plan = planBids(input);
				const charges = plan.steps.reduce((s, x) => s + x.charge, 0);
				if (charges === 0) return;
				expect(plan.summary.spentWon + plan.summary.held + charges).toBeLessThanOrEqual(input.goal.totalBudget);
			}),
			RUNS,
		);
	});

	it('never places a bid above the cap, raises only upwards, one step per account, each within its balance', () => {
		fc.assert(
			fc.property(worldArb, ({ input }) => {
				const plan = planBids(input);
				const seen = new Set<string>();
				for (const s of plan.steps) {
					expect(s.amount).toBeLessThanOrEqual(input.goal.maxPricePerCopy);
					expect(s.amount).toBeGreaterThan(s.previousAmount);
					expect(s.charge).toBe(s.amount - s.previousAmount);
					expect(seen.has(s.accountId)).toBe(false);
					seen.add(s.accountId);
					const a = input.accounts.find((x) => x.id === s.accountId)!;
					expect(s.charge).toBeLessThanOrEqual(a.balance - (input.options?.reserveStars ?? 0));
				}
			}),
			RUNS,
		);
	});

	it('no self-outbidding: the target is the competitors-only one, whatever our bids are', () => {
		fc.assert(
			fc.property(worldArb, ({ input, competitors }) => {
				const plan = planBids(input);
				if (plan.summary.target === null) return;
				// Reference: with m of our bids wanted among K places, pass the competitor at place K − m + 1,
				// computed from the competitors' amounts alone (our bids are not looked at).
				const k = Math.min(input.auction.giftsPerRound, input.auction.giftsLeft);
				const desc = competitors.map((c) => c.amount).sort((a, b) => b - a);
				const competitor = desc[k - plan.summary.slots];
				const step = input.options?.minStep ?? 1;
				const beat = competitor === undefined ? 0 : competitor + step;
				expect(plan.summary.beat).toBe(beat);
				expect(plan.summary.target).toBe(Math.max(input.auction.minBidAmount, beat));
				for (const s of plan.steps) {
					// A raise goes to what passes the competitors (or the account's own minimum), never
					// higher because of us: not even the auction's minimum, which counts our bids too.
					const own = input.accounts.find((a) => a.id === s.accountId)!.bid;
					if (s.action === 'raise') expect(s.amount).toBe(Math.max(beat, own!.minBidAmount, own!.amount + step));
					else expect(s.amount).toBe(plan.summary.target);
				}
			}),
			RUNS,
		);
	});

	it('no self-outbidding: our own bids moving in the ranking (competitors fixed) never adds a step', () => {
		fc.assert(
			fc.property(worldArb, ({ input }) => {
				const plan = planBids(input);
				// Every account that raises is below the target, which competitors alone set.
				for (const s of plan.steps.filter((x) => x.action === 'raise')) expect(s.previousAmount).toBeLessThan(plan.summary.beat!);
			}),
			RUNS,
		);
	});

	it('same input ⇒ same bid plan, whatever the order of accounts, recipients and levels', () => {
		fc.assert(
			fc.property(worldArb, fc.integer(), ({ input }, seed) => {
				const a: BidPlan = planBids(input);
				const rotate = <T>(xs: T[]): T[] => (xs.length === 0 ? xs : [...xs.slice(Math.abs(seed) % xs.length), ...xs.slice(0, Math.abs(seed) % xs.length)]);
				const b = planBids({ ...input, accounts: rotate(input.accounts), auction: { ...input.auction, bidLevels: rotate(input.auction.bidLevels) } });
				expect(b).toEqual(a);
				expect(planBids(JSON.parse(JSON.stringify(input)))).toEqual(a);
			}),
			RUNS,
		);
	});
});

describe('auctionEvents', () => {
	const state = (s: Partial<AuctionSnapshot>, accounts: Array<{ id: string; bid: AuctionAccount['bid']; acquiredCount: number }>) => ({
		snapshot: snapshot(s.bidLevels ?? [], s),
		accounts: accounts.map((a) => ({ ...a, label: `acct ${a.id}` })),
	});
	const bid = (amount: number, returned = false) => ({ amount, dateSec: 1100, returned, minBidAmount: amount + 1, peer: null });

	it('announces on the first look, then reports round, outbid, returned, won, lost and finished on changes', () => {
		const first = state({ bidLevels: levelsOf([{ amount: 150, dateSec: 1100 }]), giftsPerRound: 1, giftsLeft: 2 }, [{ id: '1', bid: bid(150), acquiredCount: 0 }, { id: '2', bid: bid(120), acquiredCount: 0 }]);
		expect(auctionEvents(null, first).map((e) => e.event)).toEqual(['announced']);
		const outbid = state({ version: 8, bidLevels: levelsOf([{ amount: 300, dateSec: 1000 }, { amount: 150, dateSec: 1100 }]), giftsPerRound: 1, giftsLeft: 2 }, [{ id: '1', bid: bid(150), acquiredCount: 0 }, { id: '2', bid: bid(120, true), acquiredCount: 0 }]);
		expect(auctionEvents(first, outbid).map((e) => [e.event, e.accountId, e.amount])).toEqual([
			['outbid', '1', 150],
			['returned', '2', 120],
		]);
		const round2 = state({ version: 9, currentRound: 2, bidLevels: levelsOf([{ amount: 150, dateSec: 1100 }]), giftsPerRound: 1, giftsLeft: 1 }, [{ id: '1', bid: bid(150), acquiredCount: 0 }, { id: '2', bid: bid(120, true), acquiredCount: 0 }]);
		expect(auctionEvents(outbid, round2).map((e) => e.event)).toEqual(['roundStarted']);
		const end = state({ status: 'finished', averagePrice: 225 }, [{ id: '1', bid: null, acquiredCount: 1 }, { id: '2', bid: bid(120, true), acquiredCount: 0 }]);
		expect(auctionEvents(round2, end).map((e) => [e.event, e.accountId])).toEqual([
			['won', '1'],
			['lost', '2'],
			['finished', null],
		]);
		expect(auctionEvents(round2, end)[2].averagePrice).toBe(225);
	});
});
