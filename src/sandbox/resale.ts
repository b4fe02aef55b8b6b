/**
 * The sandbox's resale market (docs/resale.md): collectible (upgraded) copies of scenario gifts,
 * listed for resale by other users over time, priced in Stars and TON, repriced, withdrawn, and
 * taken by scripted competing buyers after a delay. Accounts buy listings through
 * inputInvoiceStarGiftResale (getPaymentForm / sendStarsForm); the gift then belongs to the
 * recipient. Like the market and the auction room: no I/O and no timers, state is advanced lazily
 * to "now" (the sandbox's one event timer calls `advance` at `nextEventAtMs`). Errors carry
 * Telegram's names (MarketError).
 */
import { Market, MarketError, peerKey, type PeerRef, type SavedGift } from './market';
import { crc32Text, type ScenarioResale, type ScenarioResaleCollection, type ScenarioResaleListing, type ScenarioUniqueGift } from './scenario';

/** A resale price: Stars (XTR) or TON (nanotons). */
export type ResaleCurrency = 'XTR' | 'TON';

export interface UniqueGiftState {
	def: ScenarioUniqueGift;
	collection: ScenarioResaleCollection;
	/** starGiftUnique.id: derived from the slug. */
	id: bigint;
	/** Who owns it now: a (non-account) user, or an account / channel after a purchase. */
	owner: PeerRef;
	listing: ListingState | null;
	/** The owner's saved-gift entry once an account bought it (payments.getSavedStarGifts). */
	saved?: SavedGift;
}

export interface ListingState {
	/** Sequence number of this listing (a gift may be listed again later). */
	seq: number;
	slug: string;
	stars: number;
	tonNano: number;
	tonOnly: boolean;
	listedAtMs: number;
	/** When the price last changed (the default order of getResaleStarGifts). */
	priceChangedAtMs: number;
}

export interface ResaleRecord {
	listings: Array<{ seq: number; slug: string; giftId: string; atMs: number; stars: number; tonNano: number; tonOnly: boolean }>;
	priceChanges: Array<{ seq: number; slug: string; atMs: number; stars: number; tonNano: number }>;
	withdrawals: Array<{ seq: number; slug: string; atMs: number }>;
	/** Listings bought: by an account (over the wire) or a scripted competitor. */
	sales: Array<{ seq: number; slug: string; giftId: string; atMs: number; buyerId: string; account: boolean; peer: string; currency: ResaleCurrency; amount: number }>;
	/** Accounts' attempts that failed (form or payment), with Telegram's error. */
	failures: Array<{ atMs: number; accountId: string; slug: string; stage: 'form' | 'pay'; currency: ResaleCurrency; amount: number; error: string }>;
}

export interface ResaleInvoice {
	slug: string;
	ton: boolean;
	peer: PeerRef;
}

export interface ResaleForm extends ResaleInvoice {
	formId: bigint;
	accountId: string;
	seq: number;
	amount: number;
	createdAtMs: number;
	used: boolean;
}

export interface ResalePurchase {
	gift: UniqueGiftState;
	peer: PeerRef;
	currency: ResaleCurrency;
	amount: number;
	balanceAfter: number;
	saved: SavedGift;
	seller: PeerRef;
}

/** A queued event of a live listing: ordered by time, then kind (reprice, withdraw, take), then queueing order. */
interface Scheduled {
	atMs: number;
	kind: 'reprice' | 'withdraw' | 'take';
	seq: number;
	/** reprice: which of the listing's price changes. */
	index?: number;
	buyer?: BuyerState;
	n: number;
}

const KIND_ORDER: Record<Scheduled['kind'], number> = { reprice: 1, withdraw: 2, take: 3 };

function before(a: Scheduled, b: Scheduled): boolean {
	return a.atMs < b.atMs || (a.atMs === b.atMs && (KIND_ORDER[a.kind] < KIND_ORDER[b.kind] || (a.kind === b.kind && a.n < b.n)));
}

/** A binary min-heap of scheduled events. */
class EventQueue {
	private readonly items: Scheduled[] = [];

	get size(): number {
		return this.items.length;
	}

	peek(): Scheduled | undefined {
		return this.items[0];
	}

	push(e: Scheduled): void {
		const a = this.items;
		a.push(e);
		let i = a.length - 1;
		while (i > 0) {
			const p = (i - 1) >> 1;
			if (!before(a[i], a[p])) break;
			[a[i], a[p]] = [a[p], a[i]];
			i = p;
		}
	}

	pop(): Scheduled | undefined {
		const a = this.items;
		const top = a[0];
		const last = a.pop();
		if (a.length > 0 && last !== undefined) {
			a[0] = last;
			let i = 0;
			for (;;) {
				const l = 2 * i + 1;
				const r = l + 1;
				let m = i;
				if (l < a.length && before(a[l], a[m])) m = l;
				if (r < a.length && before(a[r], a[m])) m = r;
				if (m === i) break;
				[a[i], a[m]] = [a[m], a[i]];
				i = m;
			}
		}
		return top;
	}
}

interface BuyerState {
	def: ScenarioResale['buyers'][number];
	bought: number;
	/** Listing seq → when this buyer takes it. */
	pending: Map<number, number>;
}

const RESALE_FORM_ID_BASE = 7_000_000_000n;

/** The value of `stars` in the value currency's smallest unit. */
export function starsValue(stars: number, milliPerStar: number): number {
	return Math.round((stars * milliPerStar) / 1000);
}

export class ResaleRoom {
	readonly gifts = new Map<string, UniqueGiftState>();
	readonly collections = new Map<string, ScenarioResaleCollection>();
	/** Collectibles per base gift id (reads of one collection stay proportional to it). */
	private readonly byCollection = new Map<string, UniqueGiftState[]>();
	readonly record: ResaleRecord = { listings: [], priceChanges: [], withdrawals: [], sales: [], failures: [] };
	/** Bumped on every visible change (listing, price, sale, withdrawal): caches and the catalog hash key on it. */
	version = 0;
	private readonly tonBalances = new Map<string, number>();
	private readonly forms = new Map<bigint, ResaleForm>();
	private nextFormId = RESALE_FORM_ID_BASE;
	private nextSeq = 1;
	private readonly pendingListings: ScenarioResaleListing[];
	private nextListing = 0;
	private readonly queue = new EventQueue();
	private scheduled = 0;
	/** Live listings by seq. */
	private readonly bySeq = new Map<number, UniqueGiftState>();
	/** Scripted price changes of live listings, by seq. */
	private readonly changes = new Map<number, ScenarioResaleListing['priceChanges']>();
	private dirty = false;
	private readonly buyers: BuyerState[];
	private readonly listeners = new Set<() => void>();
	private advancedTo = 0;
	private advancing = false;
	/** Sales prices per collection (for the average when the scenario gives none). */
	private readonly salePrices = new Map<string, Array<{ atMs: number; stars: number }>>();

	constructor(
		private readonly market: Market,
		readonly def: ScenarioResale,
		private readonly formTtlMs: number,
	) {
		for (const col of def.collections) {
			this.collections.set(col.giftId, col);
			const members: UniqueGiftState[] = [];
			for (const g of col.gifts) {
				const state: UniqueGiftState = {
					def: g,
					collection: col,
					id: BigInt(crc32Text(`unique:${g.slug}`)) * 1_000_003n + BigInt(g.num),
					owner: { kind: 'user', id: g.ownerId },
					listing: null,
				};
				this.gifts.set(g.slug.toLowerCase(), state);
				members.push(state);
			}
			this.byCollection.set(col.giftId, members);
		}
		for (const [id, nano] of Object.entries(def.tonBalances)) this.tonBalances.set(id, nano);
		// Stable: listings at the same time keep the scenario's order.
		this.pendingListings = [...def.listings].sort((a, b) => a.atMs - b.atMs);
		this.buyers = def.buyers.map((b) => ({ def: b, bought: 0, pending: new Map() }));
		this.advance();
	}

	get now(): number {
		return this.market.now();
	}

	onChange(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	private changed(): void {
		this.version += 1;
		// Inside advance: one notification at its end (a burst of listings is one change for listeners).
		if (this.advancing) {
			this.dirty = true;
			return;
		}
		for (const l of this.listeners) l();
	}

	/** A gift by slug (case-insensitive, as t.me/nft links are); STARGIFT_SLUG_INVALID when unknown. */
	bySlug(slug: string): UniqueGiftState {
		const g = this.gifts.get(slug.toLowerCase());
		if (!g) throw new MarketError('STARGIFT_SLUG_INVALID');
		return g;
	}

	tonBalance(accountId: string): number {
		return this.tonBalances.get(accountId) ?? 0;
	}

	setTonBalance(accountId: string, nano: number): void {
		this.market.account(accountId);
		this.tonBalances.set(accountId, nano);
		this.changed();
	}

	/**
	 * Lists a gift now (tests and benchmarks: a listing that appears when the test decides), with
	 * the scenario listing's fields; `tonNano` defaults to stars × nanotonPerStar.
	 */
	addListing(listing: { slug: string; stars: number; tonNano?: number; tonOnly?: boolean; withdrawAfterMs?: number }): void {
		this.advance();
		this.bySlug(listing.slug);
		const atMs = Math.max(this.now, this.advancedTo);
		this.list({
			slug: listing.slug,
			atMs,
			stars: listing.stars,
			tonNano: listing.tonNano ?? listing.stars * this.def.nanotonPerStar,
			tonOnly: listing.tonOnly ?? false,
			priceChanges: [],
			withdrawAtMs: listing.withdrawAfterMs === undefined ? undefined : atMs + listing.withdrawAfterMs,
		});
	}

	/** Changes a live listing's price now (a form taken before then fails with STARS_FORM_AMOUNT_MISMATCH). */
	setPrice(slug: string, stars: number, tonNano?: number): void {
		this.advance();
		const g = this.bySlug(slug);
		const l = g.listing;
		if (!l) throw new Error(`${slug} is not listed`);
		l.stars = stars;
		l.tonNano = tonNano ?? stars * this.def.nanotonPerStar;
		l.priceChangedAtMs = Math.max(this.now, this.advancedTo);
		this.record.priceChanges.push({ seq: l.seq, slug: l.slug, atMs: l.priceChangedAtMs, stars: l.stars, tonNano: l.tonNano });
		this.scheduleBuyers(g, l.priceChangedAtMs);
		this.changed();
	}

	/** A competing buyer that starts now (scenario `buyers` entry); it considers listings already up from now on. */
	addBuyer(buyer: { id: string; slug?: string; giftId?: string; maxStars?: number; ton?: boolean; delayMs: number; copies?: number }): void {
		this.advance();
		const def = { id: buyer.id, slug: buyer.slug, giftId: buyer.giftId, maxStars: buyer.maxStars, ton: buyer.ton ?? false, delayMs: buyer.delayMs, copies: buyer.copies ?? 1 };
		const b: BuyerState = { def, bought: 0, pending: new Map() };
		this.buyers.push(b);
		const atMs = Math.max(this.now, this.advancedTo);
		for (const g of this.gifts.values()) if (g.listing) this.scheduleBuyers(g, atMs);
		this.changed();
	}

	// ---- time -----------------------------------------------------------------------------------

	/** Whether a queued event still applies (its listing is the same, the buyer still means to take it). */
	private live(e: Scheduled): boolean {
		const g = this.bySeq.get(e.seq);
		if (!g || g.listing?.seq !== e.seq) return false;
		if (e.kind === 'take') return e.buyer!.pending.get(e.seq) === e.atMs;
		return true;
	}

	/** The earliest due event at or before `t`: the next scripted listing, or the queue's head. */
	private due(t: number): { atMs: number; run: () => void } | null {
		while (this.queue.size > 0 && !this.live(this.queue.peek()!)) this.queue.pop();
		const listing = this.pendingListings[this.nextListing];
		const head = this.queue.peek();
		const listingFirst = listing !== undefined && (head === undefined || listing.atMs <= head.atMs);
		if (listingFirst) {
			if (listing.atMs > t) return null;
			return {
				atMs: listing.atMs,
				run: () => {
					this.nextListing += 1;
					this.list(listing);
				},
			};
		}
		if (head === undefined || head.atMs > t) return null;
		return {
			atMs: head.atMs,
			run: () => {
				this.queue.pop();
				const g = this.bySeq.get(head.seq) as UniqueGiftState;
				if (head.kind === 'reprice') this.reprice(g, head.atMs, head.index as number);
				else if (head.kind === 'withdraw') this.withdraw(g, head.atMs);
				else this.competitorTake(head.buyer as BuyerState, head.seq, head.atMs);
			},
		};
	}

	private schedule(e: Omit<Scheduled, 'n'>): void {
		this.queue.push({ ...e, n: this.scheduled++ });
	}

	/** The next moment something scheduled happens (a listing, a price change, a withdrawal, a competitor's purchase). */
	nextEventAtMs(): number | undefined {
		const e = this.due(Number.POSITIVE_INFINITY);
		return e === null ? undefined : Math.max(e.atMs, this.advancedTo);
	}

	/** Plays every scheduled event up to now, in time order; listeners hear of it once. */
	advance(): void {
		if (this.advancing) return;
		this.advancing = true;
		try {
			const t = Math.max(this.now, this.advancedTo);
			for (;;) {
				const e = this.due(t);
				if (!e) break;
				e.run();
			}
			this.advancedTo = t;
		} finally {
			this.advancing = false;
		}
		if (this.dirty) {
			this.dirty = false;
			for (const l of this.listeners) l();
		}
	}

	private list(def: ScenarioResaleListing): void {
		const g = this.gifts.get(def.slug.toLowerCase());
		if (!g) return;
		// A gift an account owns now is not someone else's to list (it was bought before this listing).
		if (g.owner.kind !== 'user' || this.market.accounts.has(g.owner.id) || g.saved) return;
		if (g.listing) this.unlist(g);
		const seq = this.nextSeq++;
		g.listing = { seq, slug: g.def.slug, stars: def.stars, tonNano: def.tonNano, tonOnly: def.tonOnly, listedAtMs: def.atMs, priceChangedAtMs: def.atMs };
		this.bySeq.set(seq, g);
		this.changes.set(seq, def.priceChanges);
		def.priceChanges.forEach((c, index) => this.schedule({ atMs: c.atMs, kind: 'reprice', seq, index }));
		if (def.withdrawAtMs !== undefined) this.schedule({ atMs: def.withdrawAtMs, kind: 'withdraw', seq });
		this.record.listings.push({ seq, slug: g.def.slug, giftId: g.collection.giftId, atMs: def.atMs, stars: def.stars, tonNano: def.tonNano, tonOnly: def.tonOnly });
		this.scheduleBuyers(g, def.atMs);
		this.changed();
	}

	private reprice(g: UniqueGiftState, atMs: number, index: number): void {
		const l = g.listing as ListingState;
		const seq = l.seq;
		const change = (this.changes.get(seq) as ScenarioResaleListing['priceChanges'])[index];
		l.stars = change.stars;
		l.tonNano = change.tonNano;
		l.priceChangedAtMs = atMs;
		this.record.priceChanges.push({ seq: l.seq, slug: l.slug, atMs, stars: change.stars, tonNano: change.tonNano });
		this.scheduleBuyers(g, atMs);
		this.changed();
	}

	private withdraw(g: UniqueGiftState, atMs: number): void {
		const l = g.listing as ListingState;
		this.record.withdrawals.push({ seq: l.seq, slug: l.slug, atMs });
		this.unlist(g);
		this.changed();
	}

	private unlist(g: UniqueGiftState): void {
		if (!g.listing) return;
		this.bySeq.delete(g.listing.seq);
		this.changes.delete(g.listing.seq);
		for (const b of this.buyers) b.pending.delete(g.listing.seq);
		g.listing = null;
	}

	// ---- competitors ------------------------------------------------------------------------------

	private wants(b: BuyerState, g: UniqueGiftState, l: ListingState): boolean {
		if (b.bought >= b.def.copies) return false;
		if (b.def.slug !== undefined && b.def.slug.toLowerCase() !== l.slug.toLowerCase()) return false;
		if (b.def.giftId !== undefined && b.def.giftId !== g.collection.giftId) return false;
		if (l.tonOnly && !b.def.ton) return false;
		if (b.def.maxStars !== undefined && l.stars > b.def.maxStars) return false;
		return true;
	}

	/** Buyers that want this listing (now, at its price) take it after their delay; others drop it. */
	private scheduleBuyers(g: UniqueGiftState, atMs: number): void {
		const l = g.listing;
		if (!l) return;
		for (const b of this.buyers) {
			if (!this.wants(b, g, l)) b.pending.delete(l.seq);
			else if (!b.pending.has(l.seq)) {
				b.pending.set(l.seq, atMs + b.def.delayMs);
				this.schedule({ atMs: atMs + b.def.delayMs, kind: 'take', seq: l.seq, buyer: b });
			}
		}
	}

	private competitorTake(b: BuyerState, seq: number, atMs: number): void {
		b.pending.delete(seq);
		const g = this.bySeq.get(seq);
		if (!g || !g.listing || !this.wants(b, g, g.listing)) return;
		const l = g.listing;
		const currency: ResaleCurrency = l.tonOnly ? 'TON' : 'XTR';
		b.bought += 1;
		this.record.sales.push({ seq, slug: l.slug, giftId: g.collection.giftId, atMs, buyerId: b.def.id, account: false, peer: b.def.id, currency, amount: currency === 'TON' ? l.tonNano : l.stars });
		this.noteSale(g, l, atMs);
		this.unlist(g);
		g.owner = { kind: 'user', id: b.def.id };
		this.changed();
	}

	private noteSale(g: UniqueGiftState, l: ListingState, atMs: number): void {
		const list = this.salePrices.get(g.collection.giftId) ?? [];
		list.push({ atMs, stars: l.stars });
		this.salePrices.set(g.collection.giftId, list);
	}

	// ---- reading ----------------------------------------------------------------------------------

	/** Live listings of a collection. */
	listed(giftId: string): UniqueGiftState[] {
		this.advance();
		return (this.byCollection.get(giftId) ?? []).filter((g) => g.listing !== null);
	}

	/** The cheapest Stars price of the collection's listings (starGift.resell_min_stars), or undefined. */
	floorStars(giftId: string): number | undefined {
		let min: number | undefined;
		for (const g of this.listed(giftId)) if (min === undefined || g.listing!.stars < min) min = g.listing!.stars;
		return min;
	}

	/** The collection's average sale price in Stars: the scenario's, else the mean of sales so far. */
	averageStars(giftId: string): number | undefined {
		const col = this.collections.get(giftId);
		if (col?.averagePriceStars !== undefined) return col.averagePriceStars;
		const sales = this.salePrices.get(giftId) ?? [];
		if (sales.length === 0) return undefined;
		return Math.round(sales.reduce((s, x) => s + x.stars, 0) / sales.length);
	}

	/** The last sale of the collection in Stars (the room's, else the scenario's), with its date. */
	lastSale(giftId: string): { stars: number; atMs?: number } | undefined {
		const sales = this.salePrices.get(giftId) ?? [];
		const last = sales[sales.length - 1];
		if (last) return last;
		const col = this.collections.get(giftId);
		return col?.lastSalePriceStars === undefined ? undefined : { stars: col.lastSalePriceStars };
	}

	/** Gifts `peer` owns that it bought here (payments.getSavedStarGifts lists them). */
	ownedBy(peer: PeerRef): UniqueGiftState[] {
		const key = peerKey(peer);
		return [...this.gifts.values()].filter((g) => g.saved !== undefined && peerKey(g.owner) === key);
	}

	// ---- buying (payments.getPaymentForm / sendStarsForm with inputInvoiceStarGiftResale) -------------

	/** Why this invoice cannot be paid now, or undefined. Order: slug, recipient, listing, currency. */
	private invoiceError(accountId: string, invoice: ResaleInvoice): string | undefined {
		const g = this.gifts.get(invoice.slug.toLowerCase());
		if (!g) return 'STARGIFT_SLUG_INVALID';
		const peerError = this.market.peerError(accountId, invoice.peer);
		if (peerError) return 'TO_ID_INVALID';
		if (invoice.peer.kind === 'channel' && !this.market.channels.get(invoice.peer.id)!.acceptsGifts) return 'USER_DISALLOWED_STARGIFTS';
		if (!g.listing) return 'STARGIFT_NOT_FOUND';
		if (!invoice.ton && g.listing.tonOnly) return 'STARGIFT_RESELL_CURRENCY_NOT_ALLOWED';
		return undefined;
	}

	private price(l: ListingState, ton: boolean): number {
		return ton ? l.tonNano : l.stars;
	}

	getForm(accountId: string, invoice: ResaleInvoice): ResaleForm {
		this.advance();
		this.market.account(accountId);
		const error = this.invoiceError(accountId, invoice);
		if (error) this.fail(accountId, invoice, 'form', 0, error);
		const l = this.bySlug(invoice.slug).listing as ListingState;
		const form: ResaleForm = { ...invoice, formId: this.nextFormId++, accountId, seq: l.seq, amount: this.price(l, invoice.ton), createdAtMs: this.now, used: false };
		this.forms.set(form.formId, form);
		return form;
	}

	/** Pays a form: at most once; the listing must still be there at the form's price. */
	pay(accountId: string, formId: bigint, invoice: ResaleInvoice): ResalePurchase {
		this.advance();
		const account = this.market.account(accountId);
		const form = this.forms.get(formId);
		if (!form || form.accountId !== accountId) this.fail(accountId, invoice, 'pay', 0, 'FORM_EXPIRED');
		if (form.used) this.fail(accountId, invoice, 'pay', form.amount, 'FORM_SUBMIT_DUPLICATE');
		if (this.now - form.createdAtMs > this.formTtlMs) this.fail(accountId, invoice, 'pay', form.amount, 'FORM_EXPIRED');
		if (form.slug.toLowerCase() !== invoice.slug.toLowerCase() || form.ton !== invoice.ton || peerKey(form.peer) !== peerKey(invoice.peer)) {
			this.fail(accountId, invoice, 'pay', form.amount, 'INVOICE_INVALID');
		}
		const error = this.invoiceError(accountId, invoice);
		if (error) this.fail(accountId, invoice, 'pay', form.amount, error);
		const g = this.bySlug(invoice.slug);
		const l = g.listing as ListingState;
		if (this.price(l, invoice.ton) !== form.amount) this.fail(accountId, invoice, 'pay', form.amount, 'STARS_FORM_AMOUNT_MISMATCH');
		const currency: ResaleCurrency = invoice.ton ? 'TON' : 'XTR';
		const balance = invoice.ton ? this.tonBalance(accountId) : account.balance;
		if (balance < form.amount) this.fail(accountId, invoice, 'pay', form.amount, 'BALANCE_TOO_LOW');

		form.used = true;
		let balanceAfter: number;
		if (invoice.ton) {
			balanceAfter = balance - form.amount;
			this.tonBalances.set(accountId, balanceAfter);
		} else {
			account.balance -= form.amount;
			balanceAfter = account.balance;
		}
		const seller = g.owner;
		const saved = this.market.deliverUnique(accountId, g.collection.giftId, g.def.slug, invoice.peer, this.now);
		this.market.recordResaleTransaction(accountId, { atMs: this.now, amount: -form.amount, ton: invoice.ton, seller, uniqueSlug: g.def.slug, giftId: g.collection.giftId });
		this.record.sales.push({ seq: l.seq, slug: l.slug, giftId: g.collection.giftId, atMs: this.now, buyerId: accountId, account: true, peer: peerKey(invoice.peer), currency, amount: form.amount });
		this.noteSale(g, l, this.now);
		this.unlist(g);
		g.owner = invoice.peer;
		g.saved = saved;
		this.changed();
		return { gift: g, peer: invoice.peer, currency, amount: form.amount, balanceAfter, saved, seller };
	}

	/**
	 * payments.sendStarsForm answered paymentVerificationNeeded: the form is checked as for a
	 * payment, nothing is charged, the form stays unused; recorded as a failure.
	 */
	verificationNeeded(accountId: string, formId: bigint, invoice: ResaleInvoice): void {
		this.advance();
		const form = this.forms.get(formId);
		if (!form || form.accountId !== accountId) this.fail(accountId, invoice, 'pay', 0, 'FORM_EXPIRED');
		if (form.used) this.fail(accountId, invoice, 'pay', form.amount, 'FORM_SUBMIT_DUPLICATE');
		this.record.failures.push({ atMs: this.now, accountId, slug: invoice.slug, stage: 'pay', currency: invoice.ton ? 'TON' : 'XTR', amount: form.amount, error: 'paymentVerificationNeeded' });
		this.changed();
	}

	private fail(accountId: string, invoice: ResaleInvoice, stage: 'form' | 'pay', amount: number, error: string): never {
		this.record.failures.push({ atMs: this.now, accountId, slug: invoice.slug, stage, currency: invoice.ton ? 'TON' : 'XTR', amount, error });
		this.changed();
		throw new MarketError(error);
	}
}
