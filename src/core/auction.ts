/**
 * The auction strategy (docs/auctions.md): from one auction's state, each of the user's accounts'
 * own bid and the user's goal, which bid each account places or raises now, and why not when it
 * does not. The room beside the drop planner: it reuses the planner's recipient rules
 * (recipientMatches / compareRecipientPreference) and opKeys, and adds the auction's own rules:
 *
 *  - Rank: amount desc, then earlier date (tdlib AuctionBidLevel::is_before). A new bid must be
 *    strictly above a bid it wants to pass.
 *  - One bid per account per auction: an account wins at most one copy per round.
 *  - Targets come from competitors' bids only: our accounts' bids are taken out of bid_levels
 *    first, so two of our accounts never push each other up. With m of our bids wanted in the top
 *    K = min(gifts_per_round, gifts_left) places, each must beat the competitor at competitor
 *    place K − m + 1.
 *  - Money: a held bid counts as spent until it is returned. A new bid charges its amount, a raise
 *    the difference. Total budget ≥ spent on won copies + held + charges; no bid above the cap.
 * Pure: no I/O, no clock, same input ⇒ same plan.
 */
import { normalizeGift } from './gift';
import { compareRecipientPreference, opKeyOf, recipientMatches } from './planner';
import type { Gift, PlanAccount, Recipient } from './types';
import { ValidationError, validateAccount, validateRecipient } from './validate';
import { describe } from './peer';

/** One entry of starGiftAuctionState.bid_levels (a sparse list from the top). */
export interface AuctionBidLevel {
	pos: number;
	amount: number;
	dateSec: number;
}

export type AuctionStatus = 'pending' | 'active' | 'finished';

/** What the strategy needs of payments.getStarGiftAuctionState (see src/telegram/auction-mapping.ts). */
export interface AuctionSnapshot {
	gift: Gift;
	status: AuctionStatus;
	version: number;
	/** For a user without a bid (a user with one has its own minimum). */
	minBidAmount: number;
	bidLevels: AuctionBidLevel[];
	giftsPerRound: number;
	giftsLeft: number;
	currentRound: number;
	totalRounds: number;
	/** When the current round ends (unix seconds; moves when an extendable round is extended). */
	nextRoundAtSec: number;
	startDateSec: number;
	endDateSec: number;
	/** starGiftAuctionStateFinished.average_price (finished auctions only). */
	averagePrice: number | null;
}

/** An account's own bid (starGiftAuctionUserState with its bid flags set). */
export interface OwnBid {
	amount: number;
	dateSec: number;
	/** Fell out of the top gifts_left places and was refunded: no longer in the auction. */
	returned: boolean;
	/** The least this account may raise to (overrides the auction's minimum). */
	minBidAmount: number;
	/** Who receives the gift if it wins (a peer string). */
	peer: string | null;
}

export interface AuctionAccount extends PlanAccount {
	bid: OwnBid | null;
	/** Copies this account won in this auction (starGiftAuctionUserState.acquired_count). */
	acquiredCount: number;
	/** Bids of this account in this auction that ended (won or returned), from the ledger: a new bid gets a new opKey. */
	bidSerial: number;
}

export interface AuctionGoal {
	/** Copies wanted over the whole auction (all accounts together). */
	copies: number;
	/** No bid above this many Stars, ever. */
	maxPricePerCopy: number;
	/** Stars for the whole auction: spent on won copies + held bids + new charges never exceed it. */
	totalBudget: number;
}

export interface AuctionPlanOptions {
	reserveStars?: number;
	dailyBudgetPerAccount?: number | null;
	/** How much above a bid the next one must be (Telegram does not document a step; 1 = strictly above). */
	minStep?: number;
	runKey?: string;
}

export interface AuctionPlanInput {
	auction: AuctionSnapshot;
	accounts: AuctionAccount[];
	recipients: Recipient[];
	goal: AuctionGoal;
	/** Stars already spent on copies won in this auction (from the ledger's won bids). */
	spentWon?: number;
	options?: AuctionPlanOptions;
}

export type BidReason =
	| 'new_bid'
	| 'outbid'
	| 'winning'
	| 'not_needed'
	| 'goal_reached'
	| 'cap_reached'
	| 'budget_exhausted'
	| 'insufficient_balance'
	| 'daily_budget'
	| 'no_recipient_match'
	| 'auction_not_started'
	| 'auction_finished';

/** One planned payment: place a new bid or raise one. (opKey, unitIndex = amount) is its ledger key. */
export interface BidStep {
	opKey: string;
	/** The step's identity within its bid: the total amount (amounts of one bid strictly increase). */
	unitIndex: number;
	accountId: string;
	recipient: string;
	giftId: string;
	action: 'place' | 'raise';
	/** Total bid after this step. */
	amount: number;
	/** The bid before this step (0 for a new bid). */
	previousAmount: number;
	/** Stars this step takes from the balance: amount for a new bid, the difference for a raise. */
	charge: number;
	reason: 'new_bid' | 'outbid';
}

export interface BidDecision {
	accountId: string;
	action: 'place' | 'raise' | 'keep' | 'none';
	reason: BidReason;
	/** The account's bid after the plan (0: none). */
	amount: number;
	detail: string;
}

export interface BidPlanSummary {
	giftId: string;
	version: number;
	round: number;
	/** The lowest new bid expected to win a place this round (null when no bid is wanted). */
	target: number | null;
	/** What each of our bids must reach to pass the competitors (a live bid needs only this). */
	beat: number | null;
	/** How many of our bids the plan wants inside the winning places this round. */
	slots: number;
	copiesWanted: number;
	copiesWon: number;
	/** Stars held by our accounts' live bids before the plan. */
	held: number;
	spentWon: number;
	/** Sum of the planned steps' charges. */
	charges: number;
	/** Budget left after the planned charges. */
	budgetLeft: number;
}

export interface BidPlan {
	steps: BidStep[];
	decisions: BidDecision[];
	summary: BidPlanSummary;
}

const DEFAULT_MIN_STEP = 1;

/** The ledger key of one bid of one account (a later bid of the same account, after a win or a return, gets a new one). */
export function bidOpKeyOf(runKey: string, giftId: string, recipient: string, accountId: string, bidSerial: number): string {
	return opKeyOf(`auction-bid/v1:${runKey}:${bidSerial}`, giftId, recipient, accountId);
}

/** Whether bid a ranks above bid b (amount desc, then earlier date). */
export function ranksAbove(a: { amount: number; dateSec: number }, b: { amount: number; dateSec: number }): boolean {
	return a.amount > b.amount || (a.amount === b.amount && a.dateSec <= b.dateSec);
}

/** A live bid: placed and not returned. */
function liveBid(account: AuctionAccount): OwnBid | null {
	return account.bid && !account.bid.returned && account.bid.amount > 0 ? account.bid : null;
}

/**
 * Competitors' bids as (place among competitors, amount), from the sparse levels: a level that is
 * one of our live bids is dropped, and every other level moves up by the number of our bids that
 * rank above it.
 */
export function competitorLevels(levels: AuctionBidLevel[], ours: Array<{ amount: number; dateSec: number }>): Array<{ place: number; amount: number }> {
	const remaining = [...ours];
	const out: Array<{ place: number; amount: number }> = [];
	for (const level of [...levels].sort((a, b) => a.pos - b.pos)) {
		const mine = remaining.findIndex((o) => o.amount === level.amount && o.dateSec === level.dateSec);
		if (mine !== -1) {
			remaining.splice(mine, 1);
			continue;
		}
		const above = ours.filter((o) => ranksAbove(o, level)).length;
		out.push({ place: level.pos - above, amount: level.amount });
	}
	return out;
}

/**
 * The amount of the competitor at competitor place `place`, read conservatively from a sparse list:
 * the exact place when listed, else the nearest listed place above it (a higher amount). Null when
 * no competitor is listed at or beyond that place (fewer competitors than that).
 */
export function competitorAmountAt(levels: Array<{ place: number; amount: number }>, place: number): number | null {
	if (!levels.some((l) => l.place >= place)) return null;
	let best: number | null = null;
	for (const l of levels) {
		if (l.place <= place) best = best === null ? l.amount : Math.min(best, l.amount);
	}
	// Only places below the wanted one are listed: the highest of them bounds the amount.
	return best ?? Math.max(...levels.filter((l) => l.place >= place).map((l) => l.amount));
}

interface Candidate {
	account: AuctionAccount;
	bid: OwnBid | null;
	spendable: number;
	dailyLeft: number;
}

export function planBids(input: AuctionPlanInput | unknown): BidPlan {
	const valid = validateAuctionPlanInput(input);
	return planBidsValidated(valid);
}

export function planBidsValidated(input: ValidAuctionPlanInput): BidPlan {
	const { auction, goal, options } = input;
	const giftId = auction.gift.id;
	const accounts = [...input.accounts].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	const held = accounts.reduce((sum, a) => sum + (liveBid(a)?.amount ?? 0), 0);
	const copiesWon = accounts.reduce((sum, a) => sum + a.acquiredCount, 0);
	const spentWon = input.spentWon;
	const summary: BidPlanSummary = {
		giftId,
		version: auction.version,
		round: auction.currentRound,
		target: null,
		beat: null,
		slots: 0,
		copiesWanted: goal.copies,
		copiesWon,
		held,
		spentWon,
		charges: 0,
		budgetLeft: goal.totalBudget - spentWon - held,
	};
	const decisions: BidDecision[] = [];
	const none = (reason: BidReason, detail: (a: AuctionAccount) => string): BidPlan => {
		for (const a of accounts) {
			const bid = liveBid(a);
			decisions.push({ accountId: a.id, action: bid ? 'keep' : 'none', reason, amount: bid?.amount ?? 0, detail: detail(a) });
		}
		return { steps: [], decisions, summary };
	};

	if (auction.status === 'finished') return none('auction_finished', () => 'the auction has finished');
	if (auction.status === 'pending') return none('auction_not_started', () => `the auction starts at ${auction.startDateSec}`);
	const recipient = input.recipients.find((r) => recipientMatches(r, auction.gift));
	if (!recipient) {
		return none('no_recipient_match', () => `no recipient's filters contain price ${auction.gift.stars} and supply ${auction.gift.availabilityTotal ?? '∞'}`);
	}
	const remaining = goal.copies - copiesWon;
	if (remaining <= 0) return none('goal_reached', () => `${copiesWon} of ${goal.copies} copies won`);

	const ours = accounts.map(liveBid).filter((b): b is OwnBid => b !== null);
	const competitors = competitorLevels(auction.bidLevels, ours);
	const places = Math.min(auction.giftsPerRound, auction.giftsLeft);
	const candidates: Candidate[] = accounts.map((account) => ({
		account,
		bid: liveBid(account),
		spendable: Math.max(0, account.balance - options.reserveStars),
		dailyLeft: options.dailyBudgetPerAccount === null ? Infinity : Math.max(0, options.dailyBudgetPerAccount - (account.spentToday ?? 0)),
	}));
	// Accounts with a live bid first (raising costs only the difference; their Stars are held
	// anyway), highest bid first; then the others by descending spendable balance; then id.
	candidates.sort((a, b) => {
		if ((a.bid === null) !== (b.bid === null)) return a.bid ? -1 : 1;
		if (a.bid && b.bid && a.bid.amount !== b.bid.amount) return b.bid.amount - a.bid.amount;
		if (a.spendable !== b.spendable) return b.spendable - a.spendable;
		return a.account.id < b.account.id ? -1 : a.account.id > b.account.id ? 1 : 0;
	});

	// What m of our bids must each beat: the competitor at place K − m + 1 (0 when there are fewer
	// competitors). A new bid also needs the auction's minimum; a live bid only its own minimum (the
	// auction's minimum counts our own bids too, so it never applies to a raise).
	const competitorTarget = (m: number): number => {
		const competitor = competitorAmountAt(competitors, places - m + 1);
		return competitor === null ? 0 : competitor + options.minStep;
	};
	const budgetLeft = goal.totalBudget - spentWon - held;
	const maxSlots = Math.min(remaining, places, candidates.length);
	type Choice = { target: number; beat: number; chosen: Array<{ c: Candidate; amount: number; charge: number }>; why: Map<string, { reason: BidReason; detail: string }> };
	let best: Choice | null = null;
	let lastWhy = new Map<string, { reason: BidReason; detail: string }>();
	for (let m = maxSlots; m >= 1 && best === null; m--) {
		const beat = competitorTarget(m);
		const target = Math.max(auction.minBidAmount, beat);
		const chosen: Choice['chosen'] = [];
		const why = new Map<string, { reason: BidReason; detail: string }>();
		let charges = 0;
		for (const c of candidates) {
			if (chosen.length === m) break;
			const amount = c.bid ? (c.bid.amount >= beat ? c.bid.amount : Math.max(beat, c.bid.minBidAmount, c.bid.amount + options.minStep)) : target;
			const charge = c.bid ? amount - c.bid.amount : amount;
			if (amount > goal.maxPricePerCopy) {
				why.set(c.account.id, { reason: 'cap_reached', detail: `a place this round needs ${amount} Stars, above maxPricePerCopy=${goal.maxPricePerCopy}` });
				continue;
			}
			if (charges + charge > budgetLeft) {
				why.set(c.account.id, { reason: 'budget_exhausted', detail: `${charge} more Stars needed, the budget has ${budgetLeft - charges} left (spent ${spentWon}, held ${held})` });
				continue;
			}
			if (charge > c.spendable) {
				why.set(c.account.id, { reason: 'insufficient_balance', detail: `${charge} Stars needed, ${c.spendable} spendable (after reserve ${options.reserveStars})` });
				continue;
			}
			if (charge > c.dailyLeft) {
				why.set(c.account.id, { reason: 'daily_budget', detail: `${charge} Stars needed, dailyBudgetPerAccount leaves ${c.dailyLeft}` });
				continue;
			}
			chosen.push({ c, amount, charge });
			charges += charge;
		}
		if (chosen.length === m) best = { target, beat, chosen, why };
		else lastWhy = why;
	}

	const steps: BidStep[] = [];
	if (best === null) {
		for (const c of candidates) {
			const w = lastWhy.get(c.account.id) ?? { reason: 'not_needed' as const, detail: 'another account takes the place' };
			decisions.push({ accountId: c.account.id, action: c.bid ? 'keep' : 'none', reason: w.reason, amount: c.bid?.amount ?? 0, detail: w.detail });
		}
		return { steps, decisions: sortDecisions(decisions), summary };
	}
	summary.target = best.target;
	summary.beat = best.beat;
	summary.slots = best.chosen.length;
	const chosenIds = new Set(best.chosen.map((x) => x.c.account.id));
	for (const { c, amount, charge } of best.chosen) {
		const id = c.account.id;
		if (charge === 0) {
			decisions.push({ accountId: id, action: 'keep', reason: 'winning', amount, detail: `bid ${amount} is inside the winning places (competitors need ${best.beat})` });
			continue;
		}
		const action = c.bid ? 'raise' : 'place';
		const reason = c.bid ? 'outbid' : 'new_bid';
		steps.push({
			opKey: bidOpKeyOf(options.runKey, giftId, c.bid?.peer ?? recipient.peer, id, c.account.bidSerial),
			unitIndex: amount,
			accountId: id,
			recipient: c.bid?.peer ?? recipient.peer,
			giftId,
			action,
			amount,
			previousAmount: c.bid?.amount ?? 0,
			charge,
			reason,
		});
		summary.charges += charge;
		decisions.push({
			accountId: id,
			action,
			reason,
			amount,
			detail: c.bid ? `outbid: ${c.bid.amount} → ${amount} (+${charge}) to stay inside ${places} places` : `bid ${amount} to take one of ${places} places`,
		});
	}
	for (const c of candidates) {
		if (chosenIds.has(c.account.id)) continue;
		const w = best.why.get(c.account.id) ?? { reason: 'not_needed' as const, detail: `${best.chosen.length} bid(s) cover the ${remaining} copies still wanted this round` };
		decisions.push({ accountId: c.account.id, action: c.bid ? 'keep' : 'none', reason: w.reason, amount: c.bid?.amount ?? 0, detail: w.detail });
	}
	summary.budgetLeft = budgetLeft - summary.charges;
	return { steps, decisions: sortDecisions(decisions), summary };
}

function sortDecisions(decisions: BidDecision[]): BidDecision[] {
	return decisions.sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
}

// ---- validation -------------------------------------------------------------------------------

export interface ValidAuctionPlanInput {
	auction: AuctionSnapshot;
	accounts: AuctionAccount[];
	recipients: Recipient[];
	goal: AuctionGoal;
	spentWon: number;
	options: Required<Omit<AuctionPlanOptions, 'dailyBudgetPerAccount'>> & { dailyBudgetPerAccount: number | null };
}

function obj(value: unknown, path: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(path, `must be an object (got ${describe(value)})`);
	return value as Record<string, unknown>;
}

function int(value: unknown, path: string, min: number, fallback?: number): number {
	if ((value === undefined || value === null || value === '') && fallback !== undefined) return fallback;
	const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
	if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new ValidationError(path, `must be an integer (got ${describe(value)})`);
	if (n < min) throw new ValidationError(path, `must be ≥ ${min} (got ${n})`);
	return n;
}

function array(value: unknown, path: string): unknown[] {
	if (!Array.isArray(value)) throw new ValidationError(path, `must be an array (got ${describe(value)})`);
	return value;
}

/** Configuration errors name the field; the auction snapshot comes from Telegram through the mapping. */
export function validateAuctionPlanInput(input: unknown): ValidAuctionPlanInput {
	const root = obj(input, 'input');
	const a = obj(root.auction, 'auction');
	const parsed = normalizeGift(a.gift);
	if ('error' in parsed) throw new ValidationError(`auction.gift.${parsed.error.field}`, parsed.error.reason);
	const status = a.status;
	if (status !== 'pending' && status !== 'active' && status !== 'finished') {
		throw new ValidationError('auction.status', `must be pending, active or finished (got ${describe(status)})`);
	}
	const auction: AuctionSnapshot = {
		gift: parsed.ok,
		status,
		version: int(a.version, 'auction.version', 0, 0),
		minBidAmount: int(a.minBidAmount, 'auction.minBidAmount', 0, 0),
		bidLevels: array(a.bidLevels ?? [], 'auction.bidLevels').map((raw, i) => {
			const l = obj(raw, `auction.bidLevels[${i}]`);
			return { pos: int(l.pos, `auction.bidLevels[${i}].pos`, 1), amount: int(l.amount, `auction.bidLevels[${i}].amount`, 0), dateSec: int(l.dateSec, `auction.bidLevels[${i}].dateSec`, 0, 0) };
		}),
		giftsPerRound: int(a.giftsPerRound, 'auction.giftsPerRound', 1),
		giftsLeft: int(a.giftsLeft, 'auction.giftsLeft', 0),
		currentRound: int(a.currentRound, 'auction.currentRound', 0, 0),
		totalRounds: int(a.totalRounds, 'auction.totalRounds', 0, 0),
		nextRoundAtSec: int(a.nextRoundAtSec, 'auction.nextRoundAtSec', 0, 0),
		startDateSec: int(a.startDateSec, 'auction.startDateSec', 0, 0),
		endDateSec: int(a.endDateSec, 'auction.endDateSec', 0, 0),
		averagePrice: a.averagePrice === null || a.averagePrice === undefined ? null : int(a.averagePrice, 'auction.averagePrice', 0),
	};
	const accounts = array(root.accounts, 'accounts').map((raw, i): AuctionAccount => {
		const path = `accounts[${i}]`;
		const base = validateAccount(raw, path);
		const r = raw as Record<string, unknown>;
		let bid: OwnBid | null = null;
		if (r.bid !== undefined && r.bid !== null) {
			const b = obj(r.bid, `${path}.bid`);
			const amount = int(b.amount, `${path}.bid.amount`, 0);
			bid = {
				amount,
				dateSec: int(b.dateSec, `${path}.bid.dateSec`, 0, 0),
				returned: b.returned === true,
				minBidAmount: int(b.minBidAmount, `${path}.bid.minBidAmount`, 0, amount + 1),
				peer: typeof b.peer === 'string' && b.peer !== '' ? b.peer : null,
			};
		}
		return { ...base, bid, acquiredCount: int(r.acquiredCount, `${path}.acquiredCount`, 0, 0), bidSerial: int(r.bidSerial, `${path}.bidSerial`, 0, 0) };
	});
	const ids = new Set<string>();
	accounts.forEach((acc, i) => {
		if (ids.has(acc.id)) throw new ValidationError(`accounts[${i}].id`, `repeats "${acc.id}"`);
		ids.add(acc.id);
	});
	const recipients = array(root.recipients, 'recipients').map((r, i) => validateRecipient(r, `recipients[${i}]`));
	const order = recipients.map((recipient, index) => ({ recipient, index }));
	order.sort((x, y) => compareRecipientPreference(x.recipient, y.recipient) || x.index - y.index);
	const g = obj(root.goal, 'goal');
	const goal: AuctionGoal = {
		copies: int(g.copies, 'goal.copies', 1),
		maxPricePerCopy: int(g.maxPricePerCopy, 'goal.maxPricePerCopy', 1),
		totalBudget: int(g.totalBudget, 'goal.totalBudget', 0),
	};
	const o = root.options === undefined || root.options === null ? {} : obj(root.options, 'options');
	const runKey = o.runKey === undefined || o.runKey === null ? '' : o.runKey;
	if (typeof runKey !== 'string') throw new ValidationError('options.runKey', `must be a string (got ${describe(runKey)})`);
	return {
		auction,
		accounts,
		recipients: order.map((x) => x.recipient),
		goal,
		spentWon: int(root.spentWon, 'spentWon', 0, 0),
		options: {
			reserveStars: int(o.reserveStars, 'options.reserveStars', 0, 0),
			dailyBudgetPerAccount: o.dailyBudgetPerAccount === undefined || o.dailyBudgetPerAccount === null ? null : int(o.dailyBudgetPerAccount, 'options.dailyBudgetPerAccount', 0),
			minStep: int(o.minStep, 'options.minStep', 1, DEFAULT_MIN_STEP),
			runKey,
		},
	};
}

// ---- events for the trigger --------------------------------------------------------------------

/** What the trigger follows: the auction and each account's own bid. */
export interface AuctionWatchState {
	snapshot: AuctionSnapshot;
	accounts: Array<{ id: string; label: string | null; bid: OwnBid | null; acquiredCount: number }>;
}

export type AuctionEventType = 'announced' | 'roundStarted' | 'roundEnding' | 'outbid' | 'returned' | 'won' | 'lost' | 'finished';

export interface AuctionWatchEvent {
	event: AuctionEventType;
	giftId: string;
	slug: string | null;
	title: string | null;
	round: number;
	totalRounds: number;
	giftsPerRound: number;
	giftsLeft: number;
	startDateSec: number;
	nextRoundAtSec: number;
	averagePrice: number | null;
	accountId: string | null;
	accountLabel: string | null;
	/** The account's bid (outbid, returned, won, lost). */
	amount: number | null;
	/** The account's approximate place (outbid). */
	place: number | null;
}

/** A bid's approximate place from the (sparse) levels, as the official app computes it. */
export function placeOf(levels: AuctionBidLevel[], bid: { amount: number; dateSec: number }): number {
	const sorted = [...levels].sort((a, b) => a.pos - b.pos);
	const own = sorted.find((l) => l.amount === bid.amount && l.dateSec === bid.dateSec);
	if (own) return own.pos;
	for (const level of sorted) if (ranksAbove(bid, level)) return level.pos;
	return (sorted[sorted.length - 1]?.pos ?? 0) + 1;
}

function winning(s: AuctionSnapshot, bid: OwnBid | null): boolean {
	if (!bid || bid.returned) return false;
	return placeOf(s.bidLevels, bid) <= Math.min(s.giftsPerRound, s.giftsLeft);
}

/**
 * The events between two observations of an auction (prev null: the first one). Pure; the caller
 * adds `roundEnding` from its clock and drops events it has already emitted.
 */
export function auctionEvents(prev: AuctionWatchState | null, next: AuctionWatchState): AuctionWatchEvent[] {
	const s = next.snapshot;
	const base = (event: AuctionEventType, account?: { id: string; label: string | null }, amount: number | null = null, place: number | null = null): AuctionWatchEvent => ({
		event,
		giftId: s.gift.id,
		slug: s.gift.auctionSlug,
		title: s.gift.title,
		round: s.currentRound,
		totalRounds: s.totalRounds,
		giftsPerRound: s.giftsPerRound,
		giftsLeft: s.giftsLeft,
		startDateSec: s.startDateSec,
		nextRoundAtSec: s.nextRoundAtSec,
		averagePrice: s.averagePrice,
		accountId: account?.id ?? null,
		accountLabel: account?.label ?? null,
		amount,
		place,
	});
	const out: AuctionWatchEvent[] = [];
	const p = prev?.snapshot ?? null;
	if (!p && s.status !== 'finished') out.push(base('announced'));
	if (p && s.status === 'active' && (p.status === 'pending' || s.currentRound > p.currentRound)) out.push(base('roundStarted'));
	for (const a of next.accounts) {
		const before = prev?.accounts.find((x) => x.id === a.id);
		if (!before) continue;
		if (a.acquiredCount > before.acquiredCount) {
			for (let i = before.acquiredCount; i < a.acquiredCount; i++) out.push(base('won', a, before.bid?.amount ?? null));
		}
		if (a.bid?.returned && before.bid && !before.bid.returned) out.push(base('returned', a, a.bid.amount));
		else if (p && s.status === 'active' && a.bid && !a.bid.returned && winning(p, before.bid) && !winning(s, a.bid) && a.bid.amount === before.bid?.amount) {
			out.push(base('outbid', a, a.bid.amount, placeOf(s.bidLevels, a.bid)));
		}
		if (s.status === 'finished' && p?.status !== 'finished' && a.acquiredCount === 0 && (a.bid || before.bid)) out.push(base('lost', a, (a.bid ?? before.bid)?.amount ?? null));
	}
	if (s.status === 'finished' && p && p.status !== 'finished') out.push(base('finished'));
	return out;
}
