/**
 * The simulated gift market: balances, the catalog with scheduled drops, competing demand that
 * eats limited supply over time, payment forms and purchases. No I/O: time comes from an
 * injected clock (ms since sandbox start) and state is advanced lazily to "now" before every
 * operation, so no timers are needed here. Errors carry Telegram's exact names.
 */
import { crc32 } from 'node:zlib';

import { formatPeer } from '../core/peer';
import type { ReceivedGiftHandling, Scenario, ScenarioGift } from './scenario';

export class MarketError extends Error {
	constructor(readonly telegramError: string) {
		super(telegramError);
	}
}

export type PeerRef = { kind: 'user'; id: string } | { kind: 'channel'; id: string };

export interface AccountState {
	id: string;
	label: string;
	username?: string;
	balance: number;
	premium: boolean;
	/** Gifts bought by this account, per gift id (for per-user limits). */
	bought: Map<string, number>;
}

export interface ChannelState {
	id: string;
	title: string;
	username?: string;
	acceptsGifts: boolean;
	members: string[];
}

export interface GiftState {
	def: ScenarioGift;
	stars: number;
	released: boolean;
	/** Supply left (limited gifts). */
	remains: number;
	soldOutAtMs?: number;
	/** Units taken by simulated competing buyers. */
	demandSold: number;
}

export interface PaymentForm {
	formId: bigint;
	accountId: string;
	peer: PeerRef;
	giftId: string;
	amount: number;
	createdAtMs: number;
	used: boolean;
}

export interface PurchaseRecord {
	atMs: number;
	accountId: string;
	giftId: string;
	/** Recipient: a user id, or a marked channel id `-100…`. */
	peer: string;
	stars: number;
	ok: boolean;
	error?: string;
}

export interface SavedGift {
	fromAccountId: string;
	giftId: string;
	atMs: number;
	msgId: number;
	savedId: bigint;
	/** Kept off the profile (savedStarGift.unsaved): only the owner (a channel's admins) sees it. */
	unsaved: boolean;
	/** Turned into Stars: gone from every list (messageActionStarGift.converted). */
	converted: boolean;
	/** Stars the owner gets for converting it. */
	convertStars: number;
	/** A collectible bought on the resale market (src/sandbox/resale.ts): its slug. Never converted. */
	uniqueSlug?: string;
}

/**
 * One Stars transaction of an account (payments.getStarsTransactions): `amount` < 0 is outbound.
 * `peer` is the counterpart (gift recipient, or the gift's sender for a conversion); absent for a
 * top-up (shown as bought on Fragment).
 */
export interface StarsTransactionRecord {
	id: string;
	atMs: number;
	amount: number;
	peer?: PeerRef;
	giftId?: string;
	/** The private-chat message of a gift sent to a user. */
	msgId?: number;
	/** A resale purchase (starsTransaction.stargift_resale): the collectible's slug; `peer` is the seller. */
	uniqueSlug?: string;
	/** In TON (nanotons) rather than Stars: listed by getStarsTransactions with `ton`. */
	ton?: boolean;
}

export interface CompletedPurchase {
	accountId: string;
	gift: GiftState;
	peer: PeerRef;
	stars: number;
	balanceAfter: number;
	saved: SavedGift;
}

interface DemandState {
	giftId: string;
	startMs: number;
	perSecond: number;
	taken: number;
}

/** The record's peer string: the user id, or the channel's Bot API id -(10^12 + id) as the core writes it. */
export function peerKey(peer: PeerRef): string {
	return peer.kind === 'channel' ? formatPeer({ kind: 'channel', channelId: peer.id }) : peer.id;
}

export class Market {
	readonly accounts = new Map<string, AccountState>();
	readonly channels = new Map<string, ChannelState>();
	readonly gifts = new Map<string, GiftState>();
	readonly purchases: PurchaseRecord[] = [];
	readonly releases: Array<{ giftId: string; atMs: number }> = [];
	readonly soldOut: Array<{ giftId: string; atMs: number }> = [];
	private readonly demand: DemandState[];
	private readonly forms = new Map<bigint, PaymentForm>();
	private readonly saved = new Map<string, SavedGift[]>();
	private readonly transactions = new Map<string, StarsTransactionRecord[]>();
	private readonly giftHandling = new Map<string, ReceivedGiftHandling>();
	private readonly listeners = new Set<() => void>();
	private nextFormId = 1000n;
	private nextMsgId = new Map<string, number>();
	private nextSavedId = 1n;
	private advancedTo = 0;
	/** Bumped on every visible change; clients' catalog hashes derive from state, this only helps caching. */
	version = 0;

	constructor(
		scenario: Scenario,
		readonly now: () => number,
	) {
		for (const a of scenario.accounts) {
			this.accounts.set(a.id, { id: a.id, label: a.label, username: a.username, balance: a.balance, premium: a.premium, bought: new Map() });
		}
		for (const ch of scenario.channels) this.channels.set(ch.id, { ...ch, members: [...ch.members] });
		for (const a of scenario.accounts) {
			this.giftHandling.set(a.id, a.receivedGifts);
			// The scenario's balance arrives as one top-up before the market opens.
			if (a.balance > 0) this.addTransaction(a.id, { atMs: -86_400_000, amount: a.balance });
		}
		for (const ch of scenario.channels) this.giftHandling.set(peerKey({ kind: 'channel', id: ch.id }), ch.receivedGifts);
		for (const g of scenario.gifts) {
			this.gifts.set(g.id, {
				def: g,
				stars: g.stars,
				released: false,
				remains: g.limited ? (g.remains ?? g.total ?? 0) : 0,
				demandSold: 0,
			});
		}
		this.demand = scenario.demand.map((d) => ({ ...d, taken: 0 }));
		this.formTtlMs = scenario.formTtlMs;
		this.advance();
	}

	private readonly formTtlMs: number;

	/** Registers a change listener (purchases, releases, sell-outs, price changes). */
	onChange(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private changed(): void {
		this.version++;
		for (const l of this.listeners) l();
	}

	/** Applies releases and competing demand up to now. */
	advance(): void {
		const t = Math.max(this.now(), this.advancedTo);
		let changed = false;
		const due = [...this.gifts.values()]
			.filter((g) => !g.released && g.def.releaseAtMs <= t)
			.sort((a, b) => a.def.releaseAtMs - b.def.releaseAtMs);
		for (const g of due) {
			g.released = true;
			this.releases.push({ giftId: g.def.id, atMs: g.def.releaseAtMs });
			if (g.def.limited && g.remains === 0) this.markSoldOut(g, g.def.releaseAtMs);
			changed = true;
		}
		for (const g of this.gifts.values()) {
			if (!g.released || !g.def.limited) continue;
			const entries = this.demand.filter((d) => d.giftId === g.def.id);
			if (entries.length === 0) continue;
			const wanted = this.demandUnits(g, entries, t);
			if (wanted === 0) continue;
			if (g.remains > 0) {
				const sold = Math.min(wanted, g.remains);
				if (sold === g.remains) this.markSoldOut(g, this.exhaustionTime(g, entries, this.advancedTo, t, g.remains));
				g.remains -= sold;
				g.demandSold += sold;
				changed = true;
			}
			for (const d of entries) d.taken = demandUnitsOf(d, g, t);
		}
		this.advancedTo = t;
		if (changed) this.changed();
	}

	private demandUnits(g: GiftState, entries: DemandState[], t: number): number {
		let units = 0;
		for (const d of entries) units += demandUnitsOf(d, g, t) - d.taken;
		return units;
	}

	/** Smallest ms in (from, to] at which demand reached `needed` units (binary search; demand is monotone). */
	private exhaustionTime(g: GiftState, entries: DemandState[], from: number, to: number, needed: number): number {
		let lo = from;
		let hi = to;
		while (lo < hi) {
			const mid = Math.floor((lo + hi) / 2);
			if (this.demandUnits(g, entries, mid) >= needed) hi = mid;
			else lo = mid + 1;
		}
		return hi;
	}

	private markSoldOut(g: GiftState, atMs: number): void {
		if (g.soldOutAtMs !== undefined) return;
		g.soldOutAtMs = atMs;
		this.soldOut.push({ giftId: g.def.id, atMs });
	}

	/** When the next scheduled change (a release or a demand sell-out) happens, if any. */
	nextEventAtMs(): number | undefined {
		const t = this.advancedTo;
		let next: number | undefined;
		const consider = (ms: number): void => {
			if (ms > t && (next === undefined || ms < next)) next = ms;
		};
		for (const g of this.gifts.values()) {
			if (!g.released) {
				consider(g.def.releaseAtMs);
				continue;
			}
			if (!g.def.limited || g.remains === 0) continue;
			const entries = this.demand.filter((d) => d.giftId === g.def.id && d.perSecond > 0);
			if (entries.length === 0) continue;
			let span = 1;
			while (this.demandUnits(g, entries, t + span) < g.remains && span < 1e11) span *= 2;
			if (span >= 1e11) continue;
			consider(this.exhaustionTime(g, entries, t, t + span, g.remains));
		}
		return next;
	}

	account(accountId: string): AccountState {
		const a = this.accounts.get(accountId);
		if (!a) throw new MarketError('AUTH_KEY_UNREGISTERED');
		return a;
	}

	/** Released gifts as the account sees them. */
	catalog(): GiftState[] {
		this.advance();
		return [...this.gifts.values()].filter((g) => g.released);
	}

	perUserRemains(accountId: string, g: GiftState): number | undefined {
		if (g.def.perUserTotal === undefined) return undefined;
		return Math.max(0, g.def.perUserTotal - (this.accounts.get(accountId)?.bought.get(g.def.id) ?? 0));
	}

	/** A non-zero int32 that changes whenever anything this account sees in the catalog changes. */
	catalogHash(accountId: string): number {
		const parts: string[] = [];
		for (const g of this.catalog()) {
			parts.push(`${g.def.id}:${g.stars}:${g.remains}:${g.soldOutAtMs ?? ''}:${this.perUserRemains(accountId, g) ?? ''}`);
		}
		const hash = crc32(parts.join('|')) | 0;
		return hash === 0 ? 1 : hash;
	}

	resolvePeer(accountId: string, peer: PeerRef): PeerRef {
		const error = this.peerError(accountId, peer);
		if (error) throw new MarketError(error);
		return peer;
	}

	/** Why the account cannot address this peer (Telegram's error name), or undefined. */
	peerError(accountId: string, peer: PeerRef): string | undefined {
		if (peer.kind === 'user') return peer.id === accountId || this.accounts.has(peer.id) ? undefined : 'PEER_ID_INVALID';
		return this.channels.has(peer.id) ? undefined : 'PEER_ID_INVALID';
	}

	/** Why this account cannot buy the gift for the peer right now, or undefined. Order follows Telegram's checks. */
	private buyError(account: AccountState, peer: PeerRef, g: GiftState | undefined): string | undefined {
		// An auction gift is bid on (src/sandbox/auction.ts), never bought with inputInvoiceStarGift.
		if (!g || !g.released || g.def.auction) return 'STARGIFT_INVALID';
		const peerError = this.peerError(account.id, peer);
		if (peerError) return peerError;
		if (peer.kind === 'channel' && !this.channels.get(peer.id)!.acceptsGifts) return 'USER_DISALLOWED_STARGIFTS';
		if (g.def.limited && g.remains === 0) return 'STARGIFT_USAGE_LIMITED';
		if (g.def.requirePremium && !account.premium) return 'STARGIFT_PREMIUM_NEEDED';
		if (this.perUserRemains(account.id, g) === 0) return 'STARGIFT_USER_USAGE_LIMITED';
		return undefined;
	}

	/** payments.getPaymentForm(inputInvoiceStarGift). Failures are recorded as failed purchases. */
	getPaymentForm(accountId: string, peer: PeerRef, giftId: string): PaymentForm {
		this.advance();
		const account = this.account(accountId);
		const g = this.gifts.get(giftId);
		const error = this.buyError(account, peer, g);
		if (error || !g) return this.fail(accountId, giftId, peer, g?.stars ?? 0, error ?? 'STARGIFT_INVALID');
		const form: PaymentForm = {
			formId: this.nextFormId++,
			accountId,
			peer,
			giftId,
			amount: g.stars,
			createdAtMs: this.now(),
			used: false,
		};
		this.forms.set(form.formId, form);
		return form;
	}

	private formError(accountId: string, form: PaymentForm | undefined, invoice: { peer: PeerRef; giftId: string }): string | undefined {
		if (!form || form.accountId !== accountId) return 'FORM_EXPIRED';
		if (form.used) return 'FORM_SUBMIT_DUPLICATE';
		if (this.now() - form.createdAtMs > this.formTtlMs) return 'FORM_EXPIRED';
		if (form.giftId !== invoice.giftId || peerKey(form.peer) !== peerKey(invoice.peer)) return 'INVOICE_INVALID';
		return undefined;
	}

	/** payments.sendStarsForm: pays a form. Every attempt lands in `purchases`. */
	sendStarsForm(accountId: string, formId: bigint, invoice: { peer: PeerRef; giftId: string }): CompletedPurchase {
		this.advance();
		const account = this.account(accountId);
		const form = this.forms.get(formId);
		const formError = this.formError(accountId, form, invoice);
		if (formError || !form) return this.fail(accountId, form?.giftId ?? invoice.giftId, form?.peer ?? invoice.peer, form?.amount ?? 0, formError ?? 'FORM_EXPIRED');
		const g = this.gifts.get(form.giftId);
		let error = this.buyError(account, form.peer, g);
		if (!error && g && g.stars !== form.amount) error = 'STARS_FORM_AMOUNT_MISMATCH';
		if (!error && g && account.balance < g.stars) error = 'BALANCE_TOO_LOW';
		if (error || !g) return this.fail(accountId, form.giftId, form.peer, form.amount, error ?? 'STARGIFT_INVALID');

		form.used = true;
		account.balance -= g.stars;
		account.bought.set(g.def.id, (account.bought.get(g.def.id) ?? 0) + 1);
		if (g.def.limited) {
			g.remains -= 1;
			if (g.remains === 0) this.markSoldOut(g, this.now());
		}
		const key = peerKey(form.peer);
		const handling = this.giftHandling.get(key) ?? 'save';
		const saved = this.deliverGift(accountId, g.def.id, form.peer, this.now());
		this.purchases.push({ atMs: this.now(), accountId, giftId: g.def.id, peer: key, stars: g.stars, ok: true });
		this.addTransaction(accountId, {
			atMs: this.now(),
			amount: -g.stars,
			peer: form.peer,
			giftId: g.def.id,
			msgId: form.peer.kind === 'user' ? saved.msgId : undefined,
		});
		if (handling === 'convert') this.convert(form.peer, saved);
		this.changed();
		return { accountId, gift: g, peer: form.peer, stars: g.stars, balanceAfter: account.balance, saved };
	}

	/**
	 * payments.sendStarsForm answered paymentVerificationNeeded: the form is checked as for a
	 * payment, nothing is charged and the form stays unused. The attempt is recorded.
	 */
	verificationNeeded(accountId: string, formId: bigint, invoice: { peer: PeerRef; giftId: string }): void {
		this.advance();
		const form = this.forms.get(formId);
		const formError = this.formError(accountId, form, invoice);
		if (formError || !form) this.fail(accountId, form?.giftId ?? invoice.giftId, form?.peer ?? invoice.peer, form?.amount ?? 0, formError ?? 'FORM_EXPIRED');
		else this.recordFailure(accountId, form.giftId, form.peer, form.amount, 'paymentVerificationNeeded');
	}

	/** Puts a gift on the recipient's profile (a purchase, or a copy won in an auction), as the recipient handles received gifts. */
	deliverGift(fromAccountId: string, giftId: string, peer: PeerRef, atMs: number): SavedGift {
		const key = peerKey(peer);
		const g = this.gifts.get(giftId)!;
		const handling = this.giftHandling.get(key) ?? 'save';
		const saved: SavedGift = {
			fromAccountId,
			giftId,
			atMs,
			msgId: this.allocMsgId(fromAccountId),
			savedId: this.nextSavedId++,
			unsaved: handling !== 'save',
			converted: false,
			convertStars: g.def.convertStars ?? Math.floor(g.stars * 0.85),
		};
		const list = this.saved.get(key) ?? [];
		list.push(saved);
		this.saved.set(key, list);
		return saved;
	}

	/**
	 * Puts a collectible bought on the resale market on the recipient's profile (as the recipient
	 * handles received gifts, except that a collectible is never converted to Stars).
	 */
	deliverUnique(fromAccountId: string, baseGiftId: string, slug: string, peer: PeerRef, atMs: number): SavedGift {
		const key = peerKey(peer);
		const saved: SavedGift = {
			fromAccountId,
			giftId: baseGiftId,
			atMs,
			msgId: this.allocMsgId(fromAccountId),
			savedId: this.nextSavedId++,
			unsaved: (this.giftHandling.get(key) ?? 'save') === 'hide',
			converted: false,
			convertStars: 0,
			uniqueSlug: slug,
		};
		const list = this.saved.get(key) ?? [];
		list.push(saved);
		this.saved.set(key, list);
		this.changed();
		return saved;
	}

	/** A resale purchase in the buyer's transactions (Stars or TON). */
	recordResaleTransaction(accountId: string, tx: { atMs: number; amount: number; ton: boolean; seller: PeerRef; uniqueSlug: string; giftId: string }): void {
		this.addTransaction(accountId, { atMs: tx.atMs, amount: tx.amount, peer: tx.seller, giftId: tx.giftId, uniqueSlug: tx.uniqueSlug, ton: tx.ton || undefined });
	}

	/** Takes units of a limited gift out of its supply (copies an auction handed out). */
	takeUnits(giftId: string, units: number, atMs: number): void {
		const g = this.gifts.get(giftId);
		if (!g || units <= 0) return;
		g.remains = Math.max(0, g.remains - units);
		if (g.def.limited && g.remains === 0) this.markSoldOut(g, atMs);
		this.changed();
	}

	/** Why the account cannot buy the gift now (checkCanSendGift), or undefined. */
	cannotBuyReason(accountId: string, giftId: string): string | undefined {
		this.advance();
		return this.buyError(this.account(accountId), { kind: 'user', id: accountId }, this.gifts.get(giftId));
	}

	private fail(accountId: string, giftId: string, peer: PeerRef, stars: number, error: string): never {
		this.recordFailure(accountId, giftId, peer, stars, error);
		throw new MarketError(error);
	}

	private recordFailure(accountId: string, giftId: string, peer: PeerRef, stars: number, error: string): void {
		this.purchases.push({ atMs: this.now(), accountId, giftId, peer: peerKey(peer), stars, ok: false, error });
		this.changed();
	}

	private allocMsgId(accountId: string): number {
		const id = (this.nextMsgId.get(accountId) ?? 100) + 1;
		this.nextMsgId.set(accountId, id);
		return id;
	}

	/**
	 * The gifts `peer` owns as `viewerId` sees them (payments.getSavedStarGifts): converted gifts are
	 * gone for everyone; gifts kept off the profile are seen only by the owner (a channel's admins,
	 * i.e. its members here), never by a stranger.
	 */
	savedGifts(peer: PeerRef, viewerId: string): SavedGift[] {
		const owner = this.isOwner(peer, viewerId);
		return (this.saved.get(peerKey(peer)) ?? []).filter((s) => !s.converted && (owner || !s.unsaved)).map((s) => ({ ...s }));
	}

	/** Whether `viewerId` manages `peer`'s gifts: the user itself, or a channel's member (admin). */
	isOwner(peer: PeerRef, viewerId: string): boolean {
		return peer.kind === 'user' ? peer.id === viewerId : (this.channels.get(peer.id)?.members.includes(viewerId) ?? false);
	}

	/** A gift `peer` owns, as its manager addresses it (msg_id for users, saved_id for channels). */
	private ownedGift(peer: PeerRef, ref: { msgId?: number; savedId?: bigint }): SavedGift {
		const found = (this.saved.get(peerKey(peer)) ?? []).find(
			(s) => !s.converted && (peer.kind === 'user' ? s.msgId === ref.msgId : s.savedId === ref.savedId),
		);
		if (!found) throw new MarketError('MESSAGE_ID_INVALID');
		return found;
	}

	/** payments.saveStarGift: shows (or with `unsave`, hides) a received gift on the owner's profile. */
	saveGift(peer: PeerRef, ref: { msgId?: number; savedId?: bigint }, unsave: boolean): void {
		this.ownedGift(peer, ref).unsaved = unsave;
		this.changed();
	}

	/** payments.convertStarGift: the gift disappears and its owner gets its convert_stars. */
	convertGift(peer: PeerRef, ref: { msgId?: number; savedId?: bigint }): void {
		const gift = this.ownedGift(peer, ref);
		// A collectible has no Stars value to convert to.
		if (gift.uniqueSlug !== undefined) throw new MarketError('STARGIFT_ALREADY_UPGRADED');
		this.convert(peer, gift);
		this.changed();
	}

	private convert(peer: PeerRef, gift: SavedGift): void {
		gift.converted = true;
		// Channels have no Stars balance in the sandbox; a user's conversion is an inbound transaction.
		if (peer.kind !== 'user') return;
		const owner = this.accounts.get(peer.id);
		if (!owner) return;
		owner.balance += gift.convertStars;
		this.addTransaction(owner.id, { atMs: this.now(), amount: gift.convertStars, peer: { kind: 'user', id: gift.fromAccountId }, giftId: gift.giftId });
	}

	private addTransaction(accountId: string, tx: Omit<StarsTransactionRecord, 'id'>): void {
		const list = this.transactions.get(accountId) ?? [];
		list.push({ ...tx, id: `${accountId}-${list.length + 1}` });
		this.transactions.set(accountId, list);
	}

	/** The account's Stars transactions, oldest first. */
	starsTransactions(accountId: string): StarsTransactionRecord[] {
		return [...(this.transactions.get(accountId) ?? [])];
	}

	balances(): Record<string, number> {
		const out: Record<string, number> = {};
		for (const a of this.accounts.values()) out[a.id] = a.balance;
		return out;
	}

	/** Changes a gift's price (a stale form then fails with STARS_FORM_AMOUNT_MISMATCH). */
	setPrice(giftId: string, stars: number): void {
		const g = this.gifts.get(giftId);
		if (!g) throw new Error(`no gift ${giftId}`);
		g.stars = stars;
		this.changed();
	}

	setBalance(accountId: string, stars: number): void {
		this.account(accountId).balance = stars;
		this.changed();
	}

	/**
	 * Competing demand that starts now (a scenario's `demand` entries start at fixed scenario times;
	 * this one starts when a test decides the run it disturbs has begun).
	 */
	addDemand(giftId: string, perSecond: number): void {
		if (!this.gifts.has(giftId)) throw new Error(`no gift ${giftId}`);
		this.advance();
		this.demand.push({ giftId, startMs: this.advancedTo, perSecond, taken: 0 });
		this.changed();
	}
}

function demandUnitsOf(d: DemandState, g: GiftState, t: number): number {
	const start = Math.max(d.startMs, g.def.releaseAtMs);
	if (t <= start) return 0;
	return Math.floor(((t - start) * d.perSecond) / 1000);
}
