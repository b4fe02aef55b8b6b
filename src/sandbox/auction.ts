/**
 * The sandbox's auction room (docs/auctions.md): Stars auctions of collectible gifts over several
 * rounds, beside the market (src/sandbox/market.ts), whose accounts, balances, peers and saved
 * gifts it uses. Scripted competitors bid over time and react to being outbid after a delay.
 * Rules played: one bid per bidder; rank by amount desc, then earlier bid; a new bid is paid in
 * full and held, a raise charges the difference; at a round's end the top gifts_per_round bids
 * win; a bid outside the top gifts_left places is returned (refunded); an extendable round moves
 * its end when a bid lands in its top `extendTop` places within the last `extendWindowMs`; after
 * the last round what is still held is returned. No I/O and no timers: state is advanced lazily
 * to "now" (the sandbox's one event timer calls `advance` at `nextEventAtMs`). Errors carry
 * Telegram's names (MarketError).
 */
import type { ScenarioAuctionBidder, ScenarioGift } from './scenario';
import { Market, MarketError, peerKey, type GiftState, type PeerRef } from './market';

export interface LiveBid {
	bidderId: string;
	/** One of the scenario's accounts (a client over MTProto) rather than a scripted competitor. */
	account: boolean;
	amount: number;
	atMs: number;
	peer: PeerRef;
	hideName: boolean;
	message: string | null;
}

export interface AcquiredGift {
	bidderId: string;
	giftId: string;
	atMs: number;
	amount: number;
	round: number;
	pos: number;
	giftNum: number;
	peer: PeerRef;
	hideName: boolean;
	message: string | null;
}

/** What a bidder knows of its own bid (starGiftAuctionUserState). */
export interface UserBidState {
	bid: { amount: number; atMs: number; peer: PeerRef; returned: boolean } | null;
	acquired: number;
}

export interface AuctionBidRecord {
	/** When the bid counts (a scripted competitor's: its scheduled time, for the ranking). */
	atMs: number;
	/** When the sandbox actually applied it (and pushed the change): later than atMs when the event timer ran late. */
	appliedAtMs: number;
	bidderId: string;
	account: boolean;
	giftId: string;
	kind: 'place' | 'raise';
	amount: number;
	/** Stars taken from the balance (new bid: amount; raise: the difference). */
	charged: number;
	ok: boolean;
	error?: string;
}

export interface AuctionRecord {
	bids: AuctionBidRecord[];
	refunds: Array<{ atMs: number; bidderId: string; account: boolean; giftId: string; amount: number }>;
	wins: Array<{ atMs: number; bidderId: string; account: boolean; giftId: string; amount: number; round: number; pos: number; giftNum: number; peer: string }>;
	rounds: Array<{ giftId: string; round: number; endedAtMs: number; winners: number; extendedBy: number }>;
	finished: Array<{ giftId: string; atMs: number; averagePrice: number }>;
}

export interface BidInvoice {
	giftId: string;
	amount: number;
	updateBid: boolean;
	peer: PeerRef | null;
	hideName: boolean;
	message: string | null;
}

/** A bid's payment form: the invoice it was asked for, checked again when it is paid. */
export interface AuctionForm extends BidInvoice {
	formId: bigint;
	accountId: string;
	createdAtMs: number;
	used: boolean;
}

/** What changed for whom, so the RPC layer can push Telegram's updates. */
export interface AuctionChange {
	giftId: string;
	/** The auction's public state changed (version bumped). */
	state: boolean;
	/** Accounts whose own bid state changed (placed, raised, returned, won). */
	users: string[];
}

interface Competitor {
	def: ScenarioAuctionBidder;
	nextBid: number;
	reactAtMs: number | null;
	gaveUp: boolean;
	won: number;
}

export interface AuctionState {
	gift: GiftState;
	def: NonNullable<ScenarioGift['auction']>;
	totalRounds: number;
	started: boolean;
	finished: boolean;
	finishedAtMs: number | null;
	round: number;
	roundStartMs: number;
	roundEndMs: number;
	/** How far extensions moved the current round's end. */
	extendedMs: number;
	giftsLeft: number;
	lastGiftNum: number;
	version: number;
	bids: Map<string, LiveBid>;
	users: Map<string, UserBidState>;
	acquired: AcquiredGift[];
	winningAmounts: number[];
	/** Account id → until when it receives updateStarGiftAuctionState (ms). */
	subscribers: Map<string, number>;
	competitors: Competitor[];
	averagePrice: number | null;
}

const BID_FORM_ID_BASE = 5_000_000_000n;

export class AuctionRoom {
	readonly auctions = new Map<string, AuctionState>();
	readonly record: AuctionRecord = { bids: [], refunds: [], wins: [], rounds: [], finished: [] };
	private readonly forms = new Map<bigint, AuctionForm>();
	private nextFormId = BID_FORM_ID_BASE;
	private readonly listeners = new Set<(change: AuctionChange) => void>();
	private advancedTo = 0;

	constructor(
		private readonly market: Market,
		bidders: ScenarioAuctionBidder[],
		private readonly formTtlMs: number,
	) {
		for (const g of market.gifts.values()) {
			const def = g.def.auction;
			if (!def) continue;
			const totalRounds = def.rounds.reduce((n, r) => n + r.count, 0);
			this.auctions.set(g.def.id, {
				gift: g,
				def,
				totalRounds,
				started: false,
				finished: false,
				finishedAtMs: null,
				round: 1,
				roundStartMs: def.startAtMs,
				roundEndMs: def.startAtMs + this.roundRule(def, 1).durationMs,
				extendedMs: 0,
				giftsLeft: g.remains,
				lastGiftNum: 0,
				version: 1,
				bids: new Map(),
				users: new Map(),
				acquired: [],
				winningAmounts: [],
				subscribers: new Map(),
				competitors: bidders.filter((b) => b.giftId === g.def.id).map((b) => ({ def: b, nextBid: 0, reactAtMs: null, gaveUp: false, won: 0 })),
				averagePrice: null,
			});
		}
	}

	/** Registers a change listener (the RPC layer pushes updates from it; the sandbox re-arms its timer). */
	onChange(listener: (change: AuctionChange) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private emit(change: AuctionChange): void {
		for (const l of this.listeners) l(change);
	}

	get now(): number {
		return this.market.now();
	}

	/** The round rule in force for round `n` (a rule describes rounds from its position on, `count` of them). */
	roundRule(def: NonNullable<ScenarioGift['auction']>, n: number): NonNullable<ScenarioGift['auction']>['rounds'][number] {
		let seen = 0;
		for (const rule of def.rounds) {
			seen += rule.count;
			if (n <= seen) return rule;
		}
		return def.rounds[def.rounds.length - 1];
	}

	auction(giftId: string): AuctionState {
		const a = this.auctions.get(giftId);
		if (!a) throw new MarketError('STARGIFT_INVALID');
		return a;
	}

	bySlug(slug: string): AuctionState {
		for (const a of this.auctions.values()) if (a.def.slug.toLowerCase() === slug.toLowerCase()) return a;
		throw new MarketError('STARGIFT_INVALID');
	}

	// ---- time -----------------------------------------------------------------------------------

	/** The next moment something scheduled happens (a start, a round end, a competitor's bid or reaction). */
	nextEventAtMs(): number | undefined {
		let next: number | undefined;
		const consider = (ms: number | null | undefined): void => {
			if (ms === null || ms === undefined) return;
			if (next === undefined || ms < next) next = ms;
		};
		for (const a of this.auctions.values()) {
			if (a.finished) continue;
			if (!a.started) consider(a.def.startAtMs);
			// The end is played once the clock is past it (a bid at the end itself still counts).
			else consider(a.roundEndMs + 1);
			for (const c of a.competitors) {
				consider(c.def.bids[c.nextBid]?.atMs);
				consider(c.reactAtMs);
			}
		}
		return next === undefined ? undefined : Math.max(next, this.advancedTo);
	}

	/** Plays every scheduled event up to now, in time order. */
	advance(): void {
		// Change listeners read the record, which advances: an event is played once, never from inside another.
		if (this.advancing) return;
		this.advancing = true;
		try {
			this.advanceNow();
		} finally {
			this.advancing = false;
		}
	}

	private advancing = false;

	private advanceNow(): void {
		this.market.advance();
		const t = Math.max(this.now, this.advancedTo);
		for (;;) {
			let best: { atMs: number; run: () => void } | null = null;
			const offer = (atMs: number | null | undefined, run: () => void): void => {
				if (atMs === null || atMs === undefined || atMs > t) return;
				if (best === null || atMs < best.atMs) best = { atMs, run };
			};
			for (const a of this.auctions.values()) {
				if (a.finished) continue;
				if (!a.started) {
					offer(a.def.startAtMs, () => this.start(a));
					continue;
				}
				for (const c of a.competitors) {
					// A bid at the very end of a round still counts: the end is played just after it.
					const scripted = c.def.bids[c.nextBid];
					if (scripted) offer(scripted.atMs, () => this.scriptedBid(a, c, scripted.atMs));
					offer(c.reactAtMs, () => this.react(a, c, c.reactAtMs as number));
				}
				offer(a.roundEndMs + 0.25, () => this.endRound(a));
			}
			if (best === null) break;
			(best as { run: () => void }).run();
		}
		this.advancedTo = t;
	}

	private start(a: AuctionState): void {
		a.started = true;
		a.roundStartMs = a.def.startAtMs;
		a.roundEndMs = a.def.startAtMs + this.roundRule(a.def, 1).durationMs;
		this.bump(a, []);
	}

	// ---- ranking --------------------------------------------------------------------------------

	/** Live bids, best first: amount desc, then earlier (then bidder id, for a stable order). */
	ranked(a: AuctionState): LiveBid[] {
		return [...a.bids.values()].sort((x, y) => y.amount - x.amount || x.atMs - y.atMs || (x.bidderId < y.bidderId ? -1 : 1));
	}

	private places(a: AuctionState): number {
		return Math.min(a.def.giftsPerRound, a.giftsLeft);
	}

	/** The least a bidder without a live bid may bid: the auction's minimum, or above the bid at place gifts_left. */
	minBidFor(a: AuctionState): number {
		const ranked = this.ranked(a);
		const last = a.giftsLeft > 0 ? ranked[a.giftsLeft - 1] : undefined;
		return Math.max(a.def.minBid, last ? last.amount + 1 : 0);
	}

	/** The least a bidder with a live bid may raise to. */
	userMinBid(a: AuctionState, bid: LiveBid): number {
		return bid.amount + a.def.minStep;
	}

	userState(a: AuctionState, accountId: string): UserBidState {
		let s = a.users.get(accountId);
		if (!s) {
			s = { bid: null, acquired: 0 };
			a.users.set(accountId, s);
		}
		return s;
	}

	// ---- account bids (payments.getPaymentForm / sendStarsForm) -----------------------------------

	/** Why this bid cannot be placed now, or undefined. Order: auction, invoice flags, peer, amount. */
	private bidError(accountId: string, invoice: BidInvoice): string | undefined {
		const a = this.auctions.get(invoice.giftId);
		if (!a || !a.gift.released || !a.started || a.finished) return 'STARGIFT_INVALID';
		const live = a.bids.get(accountId);
		if (invoice.updateBid) {
			if (!live) return 'INVOICE_INVALID';
			if (invoice.peer !== null || invoice.hideName || invoice.message !== null) return 'INVOICE_INVALID';
			if (invoice.amount < this.userMinBid(a, live)) return 'GIFT_STARS_INVALID';
			return undefined;
		}
		if (live) return 'INVOICE_INVALID';
		if (invoice.peer === null) return 'PEER_ID_INVALID';
		const peerError = this.market.peerError(accountId, invoice.peer);
		if (peerError) return peerError;
		if (invoice.peer.kind === 'channel' && !this.market.channels.get(invoice.peer.id)!.acceptsGifts) return 'USER_DISALLOWED_STARGIFTS';
		if (invoice.amount < this.minBidFor(a)) return 'GIFT_STARS_INVALID';
		return undefined;
	}

	getBidForm(accountId: string, invoice: BidInvoice): AuctionForm {
		this.advance();
		this.market.account(accountId);
		const error = this.bidError(accountId, invoice);
		if (error) this.fail(accountId, invoice, error);
		const form: AuctionForm = { formId: this.nextFormId++, accountId, ...invoice, createdAtMs: this.now, used: false };
		this.forms.set(form.formId, form);
		return form;
	}

	/** Pays a bid form: charges the balance (the difference for a raise) and puts the bid in. */
	payBidForm(accountId: string, formId: bigint, invoice: BidInvoice): { bid: LiveBid; charged: number; balanceAfter: number } {
		this.advance();
		const account = this.market.account(accountId);
		const form = this.forms.get(formId);
		if (!form || form.accountId !== accountId) this.fail(accountId, invoice, 'FORM_EXPIRED');
		if (form.used) this.fail(accountId, invoice, 'FORM_SUBMIT_DUPLICATE');
		if (this.now - form.createdAtMs > this.formTtlMs) this.fail(accountId, invoice, 'FORM_EXPIRED');
		const same =
			form.giftId === invoice.giftId &&
			form.amount === invoice.amount &&
			form.updateBid === invoice.updateBid &&
			(form.peer === null ? invoice.peer === null : invoice.peer !== null && peerKey(form.peer) === peerKey(invoice.peer));
		if (!same) this.fail(accountId, invoice, 'INVOICE_INVALID');
		const error = this.bidError(accountId, invoice);
		if (error) this.fail(accountId, invoice, error);
		const a = this.auction(invoice.giftId);
		const live = a.bids.get(accountId);
		const charged = live ? invoice.amount - live.amount : invoice.amount;
		if (account.balance < charged) this.fail(accountId, invoice, 'BALANCE_TOO_LOW');
		form.used = true;
		account.balance -= charged;
		const bid = this.putBid(a, { bidderId: accountId, account: true, amount: invoice.amount, atMs: this.now, peer: live?.peer ?? (form.peer as PeerRef), hideName: live?.hideName ?? form.hideName, message: live?.message ?? form.message }, charged);
		return { bid, charged, balanceAfter: account.balance };
	}

	private fail(accountId: string, invoice: BidInvoice, error: string): never {
		const a = this.auctions.get(invoice.giftId);
		this.record.bids.push({
			atMs: this.now,
			appliedAtMs: this.now,
			bidderId: accountId,
			account: true,
			giftId: invoice.giftId,
			kind: invoice.updateBid ? 'raise' : 'place',
			amount: invoice.amount,
			charged: 0,
			ok: false,
			error,
		});
		if (a) this.emit({ giftId: invoice.giftId, state: false, users: [] });
		throw new MarketError(error);
	}

	/** Puts a (new or raised) bid in, then applies the rules it may trigger. */
	private putBid(a: AuctionState, bid: LiveBid, charged: number): LiveBid {
		const previous = a.bids.get(bid.bidderId);
		a.bids.set(bid.bidderId, bid);
		this.record.bids.push({ atMs: bid.atMs, appliedAtMs: this.now, bidderId: bid.bidderId, account: bid.account, giftId: a.gift.def.id, kind: previous ? 'raise' : 'place', amount: bid.amount, charged, ok: true });
		const users: string[] = [];
		if (bid.account) {
			const s = this.userState(a, bid.bidderId);
			s.bid = { amount: bid.amount, atMs: bid.atMs, peer: bid.peer, returned: false };
			users.push(bid.bidderId);
		}
		this.extendIfLate(a, bid);
		users.push(...this.returnFallen(a));
		this.scheduleReactions(a, bid.atMs);
		this.bump(a, users);
		return bid;
	}

	private extendIfLate(a: AuctionState, bid: LiveBid): void {
		const rule = this.roundRule(a.def, a.round);
		if (!rule.extendTop || !rule.extendWindowMs) return;
		const place = this.ranked(a).indexOf(bid) + 1;
		if (place < 1 || place > rule.extendTop) return;
		if (bid.atMs < a.roundEndMs - rule.extendWindowMs) return;
		const end = bid.atMs + rule.extendWindowMs;
		if (end > a.roundEndMs) {
			a.extendedMs += end - a.roundEndMs;
			a.roundEndMs = end;
		}
	}

	/** Returns every bid outside the top gifts_left places (it can never win); the accounts among them. */
	private returnFallen(a: AuctionState): string[] {
		const ranked = this.ranked(a);
		const users: string[] = [];
		for (const bid of ranked.slice(a.giftsLeft)) users.push(...this.returnBid(a, bid));
		return users;
	}

	private returnBid(a: AuctionState, bid: LiveBid): string[] {
		a.bids.delete(bid.bidderId);
		this.record.refunds.push({ atMs: this.now, bidderId: bid.bidderId, account: bid.account, giftId: a.gift.def.id, amount: bid.amount });
		if (!bid.account) return [];
		this.market.account(bid.bidderId).balance += bid.amount;
		const s = this.userState(a, bid.bidderId);
		s.bid = { amount: bid.amount, atMs: bid.atMs, peer: bid.peer, returned: true };
		return [bid.bidderId];
	}

	// ---- competitors ------------------------------------------------------------------------------

	private scriptedBid(a: AuctionState, c: Competitor, atMs: number): void {
		const planned = c.def.bids[c.nextBid];
		c.nextBid += 1;
		this.competitorBid(a, c, planned.amount, Math.max(atMs, a.roundStartMs));
	}

	/** A competitor bids `amount` if it is allowed to (else it sits this one out, as a person would). */
	private competitorBid(a: AuctionState, c: Competitor, amount: number, atMs: number): void {
		if (c.won >= c.def.copies) return;
		const live = a.bids.get(c.def.id);
		if (live && amount < this.userMinBid(a, live)) return;
		if (!live && amount < this.minBidFor(a)) return;
		const charged = live ? amount - live.amount : amount;
		const bid: LiveBid = { bidderId: c.def.id, account: false, amount, atMs, peer: { kind: 'user', id: c.def.id }, hideName: false, message: null };
		this.putBid(a, bid, charged);
	}

	/** Competitors outside the winning places react after their delay (once per fall). */
	private scheduleReactions(a: AuctionState, atMs: number): void {
		const winning = new Set(this.ranked(a).slice(0, this.places(a)).map((b) => b.bidderId));
		for (const c of a.competitors) {
			if (!c.def.react || c.gaveUp || c.won >= c.def.copies || winning.has(c.def.id)) continue;
			// Only competitors that take part: a live bid, or one returned (they come back).
			const takesPart = a.bids.has(c.def.id) || c.nextBid > 0;
			if (!takesPart || c.reactAtMs !== null) continue;
			c.reactAtMs = atMs + c.def.react.delayMs;
		}
	}

	private react(a: AuctionState, c: Competitor, atMs: number): void {
		c.reactAtMs = null;
		const react = c.def.react;
		if (!react) return;
		const ranked = this.ranked(a);
		const places = this.places(a);
		if (ranked.slice(0, places).some((b) => b.bidderId === c.def.id)) return;
		const others = ranked.filter((b) => b.bidderId !== c.def.id);
		const lastWinning = others[places - 1];
		const live = a.bids.get(c.def.id);
		let amount = lastWinning ? lastWinning.amount + react.step : this.minBidFor(a);
		if (live) amount = Math.max(amount, this.userMinBid(a, live));
		else amount = Math.max(amount, this.minBidFor(a));
		if (amount > react.maxAmount) {
			c.gaveUp = true;
			return;
		}
		this.competitorBid(a, c, amount, atMs);
	}

	// ---- rounds -----------------------------------------------------------------------------------

	private endRound(a: AuctionState): void {
		const endedAt = a.roundEndMs;
		const winners = this.ranked(a).slice(0, this.places(a));
		const users: string[] = [];
		winners.forEach((bid, i) => {
			a.bids.delete(bid.bidderId);
			const giftNum = a.lastGiftNum + i + 1;
			const won: AcquiredGift = {
				bidderId: bid.bidderId,
				giftId: a.gift.def.id,
				atMs: endedAt,
				amount: bid.amount,
				round: a.round,
				pos: i + 1,
				giftNum,
				peer: bid.peer,
				hideName: bid.hideName,
				message: bid.message,
			};
			a.acquired.push(won);
			a.winningAmounts.push(bid.amount);
			this.record.wins.push({ atMs: endedAt, bidderId: bid.bidderId, account: bid.account, giftId: a.gift.def.id, amount: bid.amount, round: a.round, pos: i + 1, giftNum, peer: peerKey(bid.peer) });
			const competitor = a.competitors.find((c) => c.def.id === bid.bidderId);
			if (competitor) competitor.won += 1;
			if (bid.account) {
				const s = this.userState(a, bid.bidderId);
				s.bid = null;
				s.acquired += 1;
				users.push(bid.bidderId);
				this.market.deliverGift(bid.bidderId, a.gift.def.id, bid.peer, endedAt);
			}
		});
		a.giftsLeft -= winners.length;
		a.lastGiftNum += winners.length;
		this.market.takeUnits(a.gift.def.id, winners.length, endedAt);
		this.record.rounds.push({ giftId: a.gift.def.id, round: a.round, endedAtMs: endedAt, winners: winners.length, extendedBy: a.extendedMs });
		for (const c of a.competitors) c.reactAtMs = null;
		if (a.round >= a.totalRounds || a.giftsLeft === 0) {
			a.finished = true;
			a.finishedAtMs = endedAt;
			for (const bid of this.ranked(a)) users.push(...this.returnBid(a, bid));
			const total = a.winningAmounts.reduce((s, x) => s + x, 0);
			a.averagePrice = a.winningAmounts.length ? Math.round(total / a.winningAmounts.length) : 0;
			this.record.finished.push({ giftId: a.gift.def.id, atMs: endedAt, averagePrice: a.averagePrice });
		} else {
			a.round += 1;
			a.roundStartMs = endedAt;
			a.roundEndMs = endedAt + this.roundRule(a.def, a.round).durationMs;
			a.extendedMs = 0;
			users.push(...this.returnFallen(a));
			this.scheduleReactions(a, endedAt);
		}
		this.bump(a, users);
	}

	private bump(a: AuctionState, users: string[]): void {
		a.version += 1;
		this.emit({ giftId: a.gift.def.id, state: true, users: [...new Set(users)] });
	}

	// ---- reading ----------------------------------------------------------------------------------

	subscribe(a: AuctionState, accountId: string, timeoutSec: number): void {
		a.subscribers.set(accountId, this.now + timeoutSec * 1000);
	}

	/** Accounts whose subscription (getStarGiftAuctionState within `timeout`) is still running. */
	subscribed(a: AuctionState): string[] {
		const out: string[] = [];
		for (const [id, until] of a.subscribers) {
			if (until >= this.now) out.push(id);
			else a.subscribers.delete(id);
		}
		return out;
	}

	/** Auctions not yet ended that the account ever bid on (also when its bid was returned). */
	activeFor(accountId: string): AuctionState[] {
		this.advance();
		return [...this.auctions.values()].filter((a) => !a.finished && a.users.get(accountId)?.bid !== undefined && a.users.get(accountId)?.bid !== null);
	}

	acquiredBy(a: AuctionState, accountId: string): AcquiredGift[] {
		return a.acquired.filter((g) => g.bidderId === accountId);
	}
}
