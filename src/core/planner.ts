/**
 * The autobuy planner: GiftBuyer's algorithm (docs/planner.md, PRODUCT.md) plus spend caps.
 *
 *  1. Each input gift is normalized; invalid, auction (bid on, not bought), non-limited (unless
 *     onlyLimited=false), sold-out and locked gifts are skipped with a reason.
 *  2. The rest are ordered: lower total supply first, then higher price, then a seeded random
 *     tie-break (a hash of seed and gift id, so the order does not depend on input order).
 *  3. Each gift goes to one recipient: among those whose price and supply ranges contain it, the
 *     narrowest supply window ((supplyMax, or ∞ when open) − (supplyMin, or 0 when open), as
 *     GiftBuyer's code measures it), then the higher priceMax (null = infinite), then the one
 *     listed first.
 *  4. Accounts, in descending starting balance, each take as many copies as their remaining
 *     spendable stars, the gift's availability and the caps allow.
 * Pure: no I/O, no clock (options.nowSec), no randomness beyond the seed.
 *
 * Speed: accounts are sorted once; "first account at or after position i that can afford price p"
 * is a max segment tree query, O(log accounts), so the plan costs O((gifts + operations) · log
 * accounts) instead of O(gifts · accounts).
 */
import { createHash } from 'node:crypto';

import { normalizeGift, rawGiftId } from './gift';
import type { Gift, Operation, Plan, PlanAccount, PlanInput, Recipient, Skip } from './types';
import { DEFAULT_MAX_PER_GIFT, validatePlanInput, type ResolvedOptions, type ValidPlanInput } from './validate';

/** Validates the input (throws ValidationError on bad configuration) and plans. */
export function plan(input: PlanInput | unknown): Plan {
	return planValidated(validatePlanInput(input));
}

/**
 * The ledger's idempotency key of one operation: a hash of (runKey, giftId, recipient, accountId).
 * Re-planning the same gift for the same account and recipient gives the same key, which is what
 * stops a re-run from buying twice; a new runKey deliberately starts a new campaign. The seed is
 * not part of it: a different tie-break order must not make an already bought operation look new.
 */
export function opKeyOf(runKey: string, giftId: string, recipient: string, accountId: string): string {
	return createHash('sha256')
		.update(JSON.stringify(['tg-gift-op/v1', runKey, giftId, recipient, accountId]))
		.digest('hex')
		.slice(0, 32);
}

/** mulberry32: a tiny seeded PRNG; one draw per (seed, gift) gives the random tie-break. */
export function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function fnv1a(text: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return h >>> 0;
}

export function tieBreakOf(seed: number, giftId: string): number {
	return mulberry32((fnv1a(giftId) ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0)();
}

/** Priority order of two gifts: lower supply, higher price, seeded random, then id. */
export function compareGiftPriority(a: PrioritizedGift, b: PrioritizedGift): number {
	const sa = a.gift.availabilityTotal ?? Infinity;
	const sb = b.gift.availabilityTotal ?? Infinity;
	if (sa !== sb) return sa < sb ? -1 : 1;
	if (a.gift.stars !== b.gift.stars) return b.gift.stars - a.gift.stars;
	if (a.tie !== b.tie) return a.tie - b.tie;
	return a.gift.id < b.gift.id ? -1 : a.gift.id > b.gift.id ? 1 : 0;
}

export interface PrioritizedGift {
	gift: Gift;
	tie: number;
}

/** Whether a recipient's filters contain the gift (null bounds are open; unlimited supply = ∞). */
export function recipientMatches(r: Recipient, gift: Gift): boolean {
	const supply = gift.availabilityTotal ?? Infinity;
	if (r.priceMin !== null && gift.stars < r.priceMin) return false;
	if (r.priceMax !== null && gift.stars > r.priceMax) return false;
	if (r.supplyMin !== null && supply < r.supplyMin) return false;
	if (r.supplyMax !== null && supply > r.supplyMax) return false;
	return true;
}

/** Recipient preference: narrowest supply window, then higher priceMax, then input order. */
export function compareRecipientPreference(a: Recipient, b: Recipient): number {
	const wa = windowWidth(a);
	const wb = windowWidth(b);
	if (wa !== wb) return wa < wb ? -1 : 1;
	const pa = a.priceMax ?? Infinity;
	const pb = b.priceMax ?? Infinity;
	if (pa !== pb) return pa > pb ? -1 : 1;
	return 0;
}

/**
 * Width of a recipient's supply window: (supplyMax, or ∞ when open) − (supplyMin, or 0 when open).
 * A window open below starts at 0 (no gift has a supply under 1), so "up to 5,000" is narrower
 * than "from 1,000 up"; only an open upper bound makes a window infinitely wide.
 */
export function windowWidth(r: Recipient): number {
	return (r.supplyMax ?? Infinity) - (r.supplyMin ?? 0);
}

/** Max segment tree over account positions; answers "first position ≥ start with value ≥ x". */
class MaxTree {
	private readonly size: number;
	private readonly t: Float64Array;

	constructor(values: ArrayLike<number>) {
		let size = 1;
		while (size < values.length) size *= 2;
		this.size = size;
		this.t = new Float64Array(2 * size).fill(-Infinity);
		for (let i = 0; i < values.length; i++) this.t[size + i] = values[i];
		for (let i = size - 1; i >= 1; i--) this.t[i] = Math.max(this.t[2 * i], this.t[2 * i + 1]);
	}

	set(i: number, value: number): void {
		let k = this.size + i;
		this.t[k] = value;
		for (k >>= 1; k >= 1; k >>= 1) this.t[k] = Math.max(this.t[2 * k], this.t[2 * k + 1]);
	}

	max(): number {
		return this.t[1];
	}

	/** Position of the largest value (the first one among equals); -1 when empty. */
	argmax(): number {
		if (this.t[1] === -Infinity) return -1;
		let k = 1;
		while (k < this.size) k = this.t[2 * k] >= this.t[2 * k + 1] ? 2 * k : 2 * k + 1;
		return k - this.size;
	}

	firstAtLeast(start: number, x: number): number {
		return this.find(1, 0, this.size - 1, start, x);
	}

	private find(node: number, lo: number, hi: number, start: number, x: number): number {
		if (hi < start || this.t[node] < x) return -1;
		if (lo === hi) return lo;
		const mid = (lo + hi) >> 1;
		const left = this.find(2 * node, lo, mid, start, x);
		return left !== -1 ? left : this.find(2 * node + 1, mid + 1, hi, start, x);
	}
}

/** Spendable stars of every account as planning goes on. */
class AccountBook {
	readonly order: PlanAccount[];
	private readonly balanceLeft: Float64Array;
	private readonly dailyLeft: Float64Array;
	private readonly premium: boolean[];
	private readonly all: MaxTree;
	private readonly premiumOnly: MaxTree;
	/** Balance minus reserve, ignoring the daily budget: tells "daily budget" from "balance" skips. */
	private readonly balanceAll: MaxTree | null;
	private readonly balancePremium: MaxTree | null;
	readonly premiumCount: number;

	constructor(accounts: PlanAccount[], options: ResolvedOptions) {
		// Descending starting balance (GiftBuyer); ties keep input order (Array.prototype.sort is stable).
		this.order = [...accounts].sort((a, b) => b.balance - a.balance);
		const n = this.order.length;
		this.balanceLeft = new Float64Array(n);
		this.dailyLeft = new Float64Array(n);
		this.premium = this.order.map((a) => a.premium === true);
		this.premiumCount = this.premium.filter(Boolean).length;
		for (let i = 0; i < n; i++) {
			const a = this.order[i];
			this.balanceLeft[i] = Math.max(0, a.balance - options.reserveStars);
			this.dailyLeft[i] =
				options.dailyBudgetPerAccount === null ? Infinity : Math.max(0, options.dailyBudgetPerAccount - (a.spentToday ?? 0));
		}
		const spendable = Array.from({ length: n }, (_, i) => this.spendable(i));
		this.all = new MaxTree(spendable);
		this.premiumOnly = new MaxTree(spendable.map((s, i) => (this.premium[i] ? s : -Infinity)));
		if (options.dailyBudgetPerAccount === null) {
			this.balanceAll = null;
			this.balancePremium = null;
		} else {
			this.balanceAll = new MaxTree(this.balanceLeft);
			this.balancePremium = new MaxTree(Array.from(this.balanceLeft, (b, i) => (this.premium[i] ? b : -Infinity)));
		}
	}

	spendable(i: number): number {
		return Math.min(this.balanceLeft[i], this.dailyLeft[i]);
	}

	firstAffording(start: number, price: number, premiumOnly: boolean): number {
		return (premiumOnly ? this.premiumOnly : this.all).firstAtLeast(start, price);
	}

	spend(i: number, stars: number): void {
		this.balanceLeft[i] -= stars;
		this.dailyLeft[i] -= stars;
		const s = this.spendable(i);
		this.all.set(i, s);
		if (this.premium[i]) this.premiumOnly.set(i, s);
		this.balanceAll?.set(i, this.balanceLeft[i]);
		if (this.premium[i]) this.balancePremium?.set(i, this.balanceLeft[i]);
	}

	/** The account with the most spendable stars among those allowed to buy (-1 when none). */
	best(premiumOnly: boolean): number {
		return (premiumOnly ? this.premiumOnly : this.all).argmax();
	}

	/** Whether some allowed account could afford `price` if the daily budget did not apply. */
	balanceWouldAfford(price: number, premiumOnly: boolean): boolean {
		const tree = premiumOnly ? this.balancePremium : this.balanceAll;
		return tree !== null && tree.max() >= price;
	}
}

export function planValidated(input: ValidPlanInput): Plan {
	const { options } = input;
	const operations: Operation[] = [];
	const ruleSkips: Skip[] = [];
	const planSkips: Skip[] = [];
	const queue: PrioritizedGift[] = [];
	const firstIndexOfId = new Map<string, number>();
	const giftTitles: Record<string, string> = {};

	input.gifts.forEach((raw, index) => {
		const parsed = normalizeGift(raw);
		if ('error' in parsed) {
			const { field, reason, giftId } = parsed.error;
			ruleSkips.push({
				giftId: giftId ?? rawGiftId(raw) ?? `gifts[${index}]`,
				reason: 'invalid',
				detail: `gifts[${index}].${field} ${reason}`,
				price: null,
				supply: null,
			});
			return;
		}
		const gift = parsed.ok;
		if (gift.title !== null && gift.title !== '' && giftTitles[gift.id] === undefined) giftTitles[gift.id] = gift.title;
		const skip = (reason: Skip['reason'], detail: string): void => {
			ruleSkips.push({ giftId: gift.id, reason, detail, price: gift.stars, supply: gift.availabilityTotal });
		};
		const first = firstIndexOfId.get(gift.id);
		if (first !== undefined) return skip('invalid', `gifts[${index}] repeats the id of gifts[${first}]`);
		firstIndexOfId.set(gift.id, index);
		if (gift.auction) {
			return skip('auction', `released through an auction${gift.auctionSlug ? ` (${gift.auctionSlug})` : ''}: it is bid on, not bought`);
		}
		if (options.onlyLimited && !gift.limited) return skip('non_limited', 'not a limited gift (onlyLimited is on)');
		if (gift.soldOut || gift.availabilityRemains === 0) return skip('sold_out', 'sold out');
		if (gift.lockedUntil !== null && gift.lockedUntil > 0) {
			if (options.nowSec === null) {
				return skip('locked', `lockedUntil=${gift.lockedUntil} and no options.nowSec to compare it with`);
			}
			if (gift.lockedUntil > options.nowSec) return skip('locked', `locked until ${gift.lockedUntil} (now ${options.nowSec})`);
		}
		queue.push({ gift, tie: tieBreakOf(options.seed, gift.id) });
	});
	queue.sort(compareGiftPriority);

	const recipients = input.recipients
		.map((recipient, index) => ({ recipient, index }))
		.sort((a, b) => compareRecipientPreference(a.recipient, b.recipient) || a.index - b.index)
		.map((entry) => entry.recipient);
	const book = new AccountBook(input.accounts, options);
	let runLeft = options.maxStarsPerRun ?? Infinity;
	const plannedGiftIds = new Set<string>();

	for (const { gift } of queue) {
		const price = gift.stars;
		const supply = gift.availabilityTotal;
		const recipient = recipients.find((r) => recipientMatches(r, gift));
		const base = { giftId: gift.id, price, supply };
		if (!recipient) {
			planSkips.push({
				...base,
				reason: 'no_recipient_match',
				detail: `no recipient's filters contain price ${price} and supply ${supply ?? '∞'}`,
			});
			continue;
		}
		const wanted = Math.min(recipient.maxPerGift ?? DEFAULT_MAX_PER_GIFT, gift.availabilityRemains ?? gift.availabilityTotal ?? Infinity);
		const perUserCap = gift.perUserRemains ?? (gift.limitedPerUser === true ? gift.perUserTotal : null) ?? Infinity;
		const accountCap = Math.min(perUserCap, options.maxPerGiftPerAccount ?? Infinity);
		const premiumOnly = gift.requirePremium === true;
		const withRecipient = { ...base, recipient: recipient.peer };
		if (perUserCap === 0) {
			planSkips.push({ ...withRecipient, reason: 'per_user_limit', detail: 'per-user limit reached (perUserRemains=0)', unplanned: wanted });
			continue;
		}
		if (premiumOnly && book.premiumCount === 0) {
			planSkips.push({ ...withRecipient, reason: 'premium_required', detail: 'requires Telegram Premium and no account has it', unplanned: wanted });
			continue;
		}

		let remaining = wanted;
		let cursor = 0;
		let runStopped = false;
		let cappedBy: 'per_user' | 'per_account' | null = null;
		while (remaining > 0) {
			const runCopies = Math.floor(runLeft / price);
			if (runCopies === 0) {
				runStopped = true;
				break;
			}
			const i = book.firstAffording(cursor, price, premiumOnly);
			if (i === -1) break;
			const quantity = Math.min(remaining, Math.floor(book.spendable(i) / price), accountCap, runCopies);
			const account = book.order[i];
			operations.push({
				opKey: opKeyOf(options.runKey, gift.id, recipient.peer, account.id),
				accountId: account.id,
				recipient: recipient.peer,
				giftId: gift.id,
				price,
				quantity,
				supply,
			});
			plannedGiftIds.add(gift.id);
			book.spend(i, quantity * price);
			runLeft -= quantity * price;
			remaining -= quantity;
			if (quantity === accountCap && book.spendable(i) >= price) {
				cappedBy = perUserCap <= (options.maxPerGiftPerAccount ?? Infinity) ? 'per_user' : 'per_account';
			}
			cursor = i + 1;
		}
		if (remaining === 0) continue;

		const planned = wanted - remaining;
		const shortfall = { ...withRecipient, unplanned: remaining };
		const prefix = `planned ${planned} of ${wanted}`;
		if (runStopped) {
			planSkips.push({
				...shortfall,
				reason: 'budget_exhausted',
				detail: `${prefix}: maxStarsPerRun=${options.maxStarsPerRun} has ${runLeft} stars left, a copy costs ${price}`,
				need: price,
				available: runLeft,
			});
		} else if (cappedBy === 'per_user') {
			planSkips.push({ ...shortfall, reason: 'per_user_limit', detail: `${prefix}: each account may buy at most ${perUserCap}` });
		} else if (cappedBy === 'per_account') {
			planSkips.push({
				...shortfall,
				reason: 'budget_exhausted',
				detail: `${prefix}: maxPerGiftPerAccount=${options.maxPerGiftPerAccount} reached by every account that could pay`,
			});
		} else {
			const best = book.best(premiumOnly);
			const who = premiumOnly ? 'premium account' : 'account';
			if (best === -1) {
				planSkips.push({ ...shortfall, reason: 'insufficient_balance', detail: `${prefix}: no accounts`, need: price, available: 0 });
				continue;
			}
			const available = book.spendable(best);
			const daily = book.balanceWouldAfford(price, premiumOnly);
			planSkips.push({
				...shortfall,
				reason: daily ? 'budget_exhausted' : 'insufficient_balance',
				accountId: book.order[best].id,
				detail: daily
					? `${prefix}: dailyBudgetPerAccount=${options.dailyBudgetPerAccount} leaves the best ${who} ${available} stars, a copy costs ${price}`
					: `${prefix}: the best ${who} can spend ${available} stars (after reserve ${options.reserveStars}), a copy costs ${price}`,
				need: price,
				available,
			});
		}
	}

	const skips = [...ruleSkips, ...planSkips];
	const partialGifts = new Set(planSkips.filter((s) => plannedGiftIds.has(s.giftId)).map((s) => s.giftId)).size;
	let quantity = 0;
	let stars = 0;
	for (const op of operations) {
		quantity += op.quantity;
		stars += op.quantity * op.price;
	}
	return {
		operations,
		skips,
		summary: {
			gifts: input.gifts.length,
			plannedGifts: plannedGiftIds.size,
			skippedGifts: input.gifts.length - plannedGiftIds.size,
			partialGifts,
			operations: operations.length,
			quantity,
			stars,
		},
		accounts: input.accounts.map((a) => ({ ...a })),
		...(Object.keys(giftTitles).length > 0 ? { giftTitles } : {}),
	};
}
