/**
 * The resale market for one account (docs/resale.md): search listings
 * (payments.getResaleStarGifts, with attribute filters, paging and the attributes hash), a
 * collectible's value (payments.getUniqueStarGiftValueInfo), and buying a listing at most once
 * (inputInvoiceStarGiftResale through payments.getPaymentForm / payments.sendStarsForm).
 *
 * Money path: the form is read first (it never charges) and checked against the plan's max price
 * (a form above it is refused: nothing is written as sent, nothing is paid); then the listing's one
 * ledger row (kind `resale`, keyed by the listing's opKey, unit 0) is claimed with the form's
 * amount, marked sent, and paid. A listing that is gone (sold to someone else first, withdrawn) is
 * a reason (`listing_gone`), not an error. A payment whose outcome is unknown is looked up in the
 * account's own Stars transactions (stargift_resale entries name the collectible's slug) — never
 * paid again.
 */
import type { ResaleAttribute, ResaleListing, ResaleOperation } from '../core/resale';
import type { GiftStore, LedgerEntry } from '../store/types';
import { channelPeer } from './peers';
import type { ResolvedRecipient, StarsBalance, TelegramAccount } from './account';
import { DEFAULT_CALL_POLICY, starsBalanceIn } from './account';
import { AccountError, PaymentVerificationError, TelegramError, isDefinitePaymentRefusal, mapTelegramError } from './errors';
import { Api, returnBigInt } from './gramjs';
import type { AccountCredentials, ClientPool } from './pool';

const num = (v: unknown): number => Number(String(v ?? 0));

// ---- mapping ---------------------------------------------------------------------------------

function rarityOf(r: Api.TypeStarGiftAttributeRarity | undefined): number | null {
	if (r instanceof Api.StarGiftAttributeRarity) return r.permille;
	return null;
}

function peerString(peer: Api.TypePeer | undefined): string | null {
	if (peer instanceof Api.PeerUser) return peer.userId.toString();
	if (peer instanceof Api.PeerChannel) return channelPeer(peer.channelId.toString());
	return null;
}

/** A collectible's model / backdrop / pattern, with the id getResaleStarGifts filters by. */
export function attributesOf(attributes: Api.TypeStarGiftAttribute[]): Record<'model' | 'backdrop' | 'pattern', ResaleAttribute | null> {
	const out: Record<'model' | 'backdrop' | 'pattern', ResaleAttribute | null> = { model: null, backdrop: null, pattern: null };
	for (const a of attributes) {
		if (a instanceof Api.StarGiftAttributeModel) out.model = { name: a.name, rarityPermille: rarityOf(a.rarity), id: a.document instanceof Api.Document ? a.document.id.toString() : null };
		else if (a instanceof Api.StarGiftAttributeBackdrop) out.backdrop = { name: a.name, rarityPermille: rarityOf(a.rarity), id: String(a.backdropId) };
		else if (a instanceof Api.StarGiftAttributePattern) out.pattern = { name: a.name, rarityPermille: rarityOf(a.rarity), id: a.document instanceof Api.Document ? a.document.id.toString() : null };
	}
	return out;
}

/** starGiftUnique (with a resell price) → the core's listing; null for anything not for sale. */
export function listingOf(gift: Api.TypeStarGift): ResaleListing | null {
	if (!(gift instanceof Api.StarGiftUnique)) return null;
	let priceStars: number | null = null;
	let priceTonNano: number | null = null;
	for (const amount of gift.resellAmount ?? []) {
		if (amount instanceof Api.StarsAmount) priceStars = num(amount.amount);
		else if (amount instanceof Api.StarsTonAmount) priceTonNano = num(amount.amount);
	}
	if (priceStars === null && priceTonNano === null) return null;
	const tonOnly = gift.resaleTonOnly === true || priceStars === null;
	return {
		slug: gift.slug,
		uniqueId: gift.id.toString(),
		giftId: gift.giftId.toString(),
		title: gift.title,
		num: gift.num,
		...attributesOf(gift.attributes),
		priceStars: tonOnly ? null : priceStars,
		priceTonNano,
		tonOnly,
		ownerId: peerString(gift.ownerId),
		availabilityIssued: gift.availabilityIssued,
		availabilityTotal: gift.availabilityTotal,
		requirePremium: gift.requirePremium === true,
	};
}

// ---- search ----------------------------------------------------------------------------------

export interface AttributeOption extends ResaleAttribute {
	kind: 'model' | 'backdrop' | 'pattern';
	/** Listings with it (starGiftAttributeCounter), when Telegram counted them. */
	count: number | null;
}

export interface ListingSearch {
	giftId: string;
	/** price (cheapest first, the default), num, or date (newest first: Telegram's default order). */
	sortBy?: 'price' | 'num' | 'date';
	starsOnly?: boolean;
	/** Attribute names (case-insensitive) or ids wanted; resolved to ids from the collection's attribute list. */
	models?: string[];
	backdrops?: string[];
	patterns?: string[];
	offset?: string;
	limit?: number;
}

export interface ListingPage {
	giftId: string;
	/** Listings matching the filters in the whole market. */
	count: number;
	listings: ResaleListing[];
	/** Pass as `offset` for the next page; null on the last one. */
	nextOffset: string | null;
	/** The collection's attributes (from this answer or the cache). */
	attributes: AttributeOption[];
	attributesHash: string | null;
}

/** Per (account key, collection): the attribute list and its hash, so later searches ask without it. */
const attributeCache = new Map<string, { hash: string; attributes: AttributeOption[] }>();

function optionsOf(attributes: Api.TypeStarGiftAttribute[] | undefined, counters: Api.TypeStarGiftAttributeCounter[] | undefined): AttributeOption[] {
	const counts = new Map<string, number>();
	for (const c of counters ?? []) {
		const a = c.attribute;
		const key = a instanceof Api.StarGiftAttributeIdModel ? `model:${a.documentId}` : a instanceof Api.StarGiftAttributeIdBackdrop ? `backdrop:${a.backdropId}` : a instanceof Api.StarGiftAttributeIdPattern ? `pattern:${a.documentId}` : null;
		if (key) counts.set(key, c.count);
	}
	const out: AttributeOption[] = [];
	for (const a of attributes ?? []) {
		const one = attributesOf([a]);
		for (const kind of ['model', 'backdrop', 'pattern'] as const) {
			const attr = one[kind];
			if (attr) out.push({ kind, ...attr, count: attr.id === null ? null : (counts.get(`${kind}:${attr.id}`) ?? null) });
		}
	}
	return out;
}

function attributeIds(kind: 'model' | 'backdrop' | 'pattern', wanted: string[], options: AttributeOption[], giftId: string): Api.TypeStarGiftAttributeId[] {
	return wanted.map((w) => {
		const key = w.trim().toLowerCase();
		const found = options.find((o) => o.kind === kind && (o.name.toLowerCase() === key || o.id === w.trim()));
		if (!found || found.id === null) {
			const known = options.filter((o) => o.kind === kind).map((o) => o.name);
			const error = new TelegramError({ account: '', method: 'payments.GetResaleStarGifts' }, 400, 'ATTRIBUTE_UNKNOWN');
			error.message = `${kind} "${w.slice(0, 64)}" is not an attribute of collection ${giftId}${known.length ? ` (known: ${known.slice(0, 20).join(', ')})` : ''}`;
			throw error;
		}
		if (kind === 'backdrop') return new Api.StarGiftAttributeIdBackdrop({ backdropId: Number(found.id) });
		if (kind === 'model') return new Api.StarGiftAttributeIdModel({ documentId: returnBigInt(found.id) });
		return new Api.StarGiftAttributeIdPattern({ documentId: returnBigInt(found.id) });
	});
}

/**
 * One page of a collection's listings. The collection's attribute list comes with the first answer
 * (attributes_hash 0) and is cached with its hash; filters by attribute name are resolved against it.
 */
export async function searchListings(account: TelegramAccount, search: ListingSearch): Promise<ListingPage> {
	const cacheKey = `${account.key}:${search.giftId}`;
	let cached = attributeCache.get(cacheKey);
	const wantsAttributes = (search.models?.length ?? 0) + (search.backdrops?.length ?? 0) + (search.patterns?.length ?? 0) > 0;
	if (wantsAttributes && !cached) {
		// One read to learn the attribute ids (limit 1: the list comes with any page).
		await readPage(account, search.giftId, { limit: 1, offset: '', sortBy: search.sortBy ?? 'price', starsOnly: search.starsOnly, attributes: [] }, cacheKey);
		cached = attributeCache.get(cacheKey);
	}
	const options = cached?.attributes ?? [];
	const ids = wantsAttributes
		? [
				...attributeIds('model', search.models ?? [], options, search.giftId),
				...attributeIds('backdrop', search.backdrops ?? [], options, search.giftId),
				...attributeIds('pattern', search.patterns ?? [], options, search.giftId),
			]
		: [];
	return readPage(account, search.giftId, { limit: search.limit ?? 50, offset: search.offset ?? '', sortBy: search.sortBy ?? 'price', starsOnly: search.starsOnly, attributes: ids }, cacheKey);
}

async function readPage(
	account: TelegramAccount,
	giftId: string,
	p: { limit: number; offset: string; sortBy: 'price' | 'num' | 'date'; starsOnly?: boolean; attributes: Api.TypeStarGiftAttributeId[] },
	cacheKey: string,
): Promise<ListingPage> {
	const cached = attributeCache.get(cacheKey);
	const answer = await account.call(
		new Api.payments.GetResaleStarGifts({
			giftId: returnBigInt(giftId),
			sortByPrice: p.sortBy === 'price' || undefined,
			sortByNum: p.sortBy === 'num' || undefined,
			starsOnly: p.starsOnly || undefined,
			// 0 asks for the collection's attribute list; the cached hash asks for it only if it changed.
			attributesHash: returnBigInt(cached ? cached.hash : '0'),
			attributes: p.attributes.length > 0 ? p.attributes : undefined,
			offset: p.offset,
			limit: Math.max(1, Math.min(100, p.limit)),
		}),
		{ retry: true },
	);
	if (answer.attributes != null && answer.attributesHash != null) {
		attributeCache.set(cacheKey, { hash: answer.attributesHash.toString(), attributes: optionsOf(answer.attributes, answer.counters) });
	}
	const listings: ResaleListing[] = [];
	for (const g of answer.gifts) {
		const l = listingOf(g);
		if (l) listings.push(l);
	}
	const now = attributeCache.get(cacheKey);
	return { giftId, count: answer.count, listings, nextOffset: answer.nextOffset || null, attributes: now?.attributes ?? [], attributesHash: now?.hash ?? null };
}

/** Forgets cached attribute lists (tests). */
export function clearResaleCaches(): void {
	attributeCache.clear();
}

/**
 * One collectible by slug (payments.getUniqueStarGift): its collection, title and number, and its
 * listing when it is for sale (null listing fields otherwise).
 */
export async function uniqueGift(account: TelegramAccount, slug: string): Promise<{ giftId: string; uniqueId: string; title: string; num: number; listing: ResaleListing | null }> {
	const answer = await account.call(new Api.payments.GetUniqueStarGift({ slug }), { retry: true });
	const g = answer.gift;
	if (!(g instanceof Api.StarGiftUnique)) throw new TelegramError({ account: account.label, method: 'payments.GetUniqueStarGift' }, 400, 'STARGIFT_SLUG_INVALID');
	return { giftId: g.giftId.toString(), uniqueId: g.id.toString(), title: g.title, num: g.num, listing: listingOf(g) };
}

// ---- value -----------------------------------------------------------------------------------

export interface ValueInfo {
	slug: string;
	/** ISO 4217 code the prices below are in (smallest units). */
	currency: string;
	value: number;
	valueIsAverage: boolean;
	initialSaleDateSec: number;
	initialSaleStars: number;
	initialSalePrice: number;
	lastSaleDateSec: number | null;
	lastSalePrice: number | null;
	lastSaleOnFragment: boolean;
	floorPrice: number | null;
	averagePrice: number | null;
	listedCount: number | null;
	fragmentListedCount: number | null;
	fragmentListedUrl: string | null;
	/**
	 * floor_price / average_price converted to Stars with the rate the same answer implies
	 * (initial_sale_price is initial_sale_stars converted to `currency`); null when not given.
	 */
	floorStars: number | null;
	averageStars: number | null;
}

/** payments.getUniqueStarGiftValueInfo for one collectible (floor and average are its collection's). */
export async function valueInfo(account: TelegramAccount, slug: string): Promise<ValueInfo> {
	const v = await account.call(new Api.payments.GetUniqueStarGiftValueInfo({ slug }), { retry: true });
	const initialStars = num(v.initialSaleStars);
	const initialPrice = num(v.initialSalePrice);
	const toStars = (price: unknown): number | null => (price === undefined || price === null || initialPrice <= 0 ? null : Math.round((num(price) * initialStars) / initialPrice));
	return {
		slug,
		currency: v.currency,
		value: num(v.value),
		valueIsAverage: v.valueIsAverage === true,
		initialSaleDateSec: v.initialSaleDate,
		initialSaleStars: initialStars,
		initialSalePrice: initialPrice,
		lastSaleDateSec: v.lastSaleDate ?? null,
		lastSalePrice: v.lastSalePrice === undefined ? null : num(v.lastSalePrice),
		lastSaleOnFragment: v.lastSaleOnFragment === true,
		floorPrice: v.floorPrice === undefined ? null : num(v.floorPrice),
		averagePrice: v.averagePrice === undefined ? null : num(v.averagePrice),
		listedCount: v.listedCount ?? null,
		fragmentListedCount: v.fragmentListedCount ?? null,
		fragmentListedUrl: v.fragmentListedUrl ?? null,
		floorStars: toStars(v.floorPrice),
		averageStars: toStars(v.averagePrice),
	};
}

// ---- buying ----------------------------------------------------------------------------------

export type ResaleBuyReason =
	| 'listing_gone'
	| 'above_max_price'
	| 'price_changed'
	| 'ton_priced'
	| 'balance_too_low'
	| 'premium_required'
	| 'recipient_cannot_receive'
	| 'peer_invalid'
	| 'form_expired'
	| 'flood_wait'
	| 'auth_invalid'
	| 'network'
	| 'already_bought'
	| 'pending_unresolved'
	| 'verification_needed'
	| 'telegram_error';

export interface ResaleBuyResult {
	status: 'bought' | 'failed' | 'skipped';
	reason: ResaleBuyReason | null;
	error: string | null;
	opKey: string;
	accountId: string;
	recipient: string;
	slug: string;
	giftId: string;
	title: string | null;
	/** The listed (planned) price. */
	price: number;
	maxPrice: number;
	/** What the form asked (null when no form was read). */
	formAmount: number | null;
	/** Stars paid (the form's amount) when bought; 0 otherwise. */
	paid: number;
	balanceAfter: number | null;
	retryable: boolean;
}

/**
 * Errors that mean the listing is no longer for sale as planned: bought by someone else first,
 * withdrawn, or the collectible changed hands (docs/resale.md lists what they were taken from).
 */
const LISTING_GONE = new Set(['STARGIFT_NOT_FOUND', 'STARGIFT_INVALID', 'STARGIFT_SLUG_INVALID', 'STARGIFT_RESELL_NOT_ALLOWED', 'STARGIFT_NOT_FOR_SALE', 'STARGIFT_OWNER_INVALID']);

export function resaleReasonOf(error: AccountError): ResaleBuyReason {
	if (error instanceof TelegramError) {
		if (LISTING_GONE.has(error.errorMessage)) return 'listing_gone';
		if (error.errorMessage === 'STARGIFT_RESELL_CURRENCY_NOT_ALLOWED') return 'ton_priced';
	}
	if (error instanceof PaymentVerificationError) return 'verification_needed';
	switch (error.buyReason) {
		case 'balance_too_low':
		case 'premium_required':
		case 'recipient_cannot_receive':
		case 'peer_invalid':
		case 'form_expired':
		case 'flood_wait':
		case 'auth_invalid':
		case 'network':
		case 'price_changed':
			return error.buyReason;
		default:
			return 'telegram_error';
	}
}

const RETRYABLE = new Set<ResaleBuyReason>(['form_expired', 'price_changed', 'flood_wait', 'network']);

export interface ResaleForm {
	formId: string;
	amount: number;
	/** XTR (Stars) or TON. */
	currency: string;
	form: Api.payments.PaymentFormStarGift;
	invoice: Api.InputInvoiceStarGiftResale;
}

/** Step 1: the payment form for a listing (safe to repeat: never charges). */
export async function resalePaymentForm(account: TelegramAccount, recipient: ResolvedRecipient, slug: string, options: { ton?: boolean; showName?: boolean; message?: string } = {}): Promise<ResaleForm> {
	const invoice = new Api.InputInvoiceStarGiftResale({
		slug,
		toId: recipient.peer,
		ton: options.ton || undefined,
		showName: options.showName || undefined,
		message: options.message ? new Api.TextWithEntities({ text: options.message, entities: [] }) : undefined,
	});
	const form = await account.call(new Api.payments.GetPaymentForm({ invoice }), { retry: true, deadlineMs: DEFAULT_CALL_POLICY.formDeadlineMs });
	if (!(form instanceof Api.payments.PaymentFormStarGift)) throw new TelegramError({ account: account.label, method: 'payments.GetPaymentForm' }, 400, 'FORM_UNSUPPORTED');
	const amount = form.invoice.prices.reduce((sum, p) => sum + num(p.amount), 0);
	return { formId: form.formId.toString(), amount, currency: form.invoice.currency, form, invoice };
}

/** Step 2: pays it. Never retried; a deadline or lost connection means "outcome unknown". */
export async function sendResaleForm(account: TelegramAccount, form: ResaleForm, sendDeadlineMs = DEFAULT_CALL_POLICY.sendDeadlineMs): Promise<StarsBalance | null> {
	const result = await account.call(new Api.payments.SendStarsForm({ formId: form.form.formId, invoice: form.invoice }), { retry: false, deadlineMs: sendDeadlineMs });
	if (result instanceof Api.payments.PaymentVerificationNeeded) throw new PaymentVerificationError({ account: account.label, method: 'payments.SendStarsForm' });
	account.deliverUpdates(result.updates);
	return starsBalanceIn(result.updates);
}

export interface ResaleBuyOptions {
	hideName?: boolean;
	message?: string;
	/** An unclear payment the account's transactions do not show this long after its send was not made. */
	reconcileGraceMs?: number;
	now?: () => number;
}

/** A buy result for one planned listing: nothing paid unless `extra` says so. */
function resaleResult(op: ResaleOperation, status: ResaleBuyResult['status'], reason: ResaleBuyReason | null, error: string | null, extra: Partial<ResaleBuyResult> = {}): ResaleBuyResult {
	return {
		status,
		reason,
		error,
		opKey: op.opKey,
		accountId: op.accountId,
		recipient: op.recipient,
		slug: op.slug,
		giftId: op.giftId,
		title: op.title,
		price: op.price,
		maxPrice: op.maxPrice,
		formAmount: null,
		paid: 0,
		balanceAfter: null,
		retryable: reason !== null && RETRYABLE.has(reason),
		...extra,
	};
}

/** Listings being bought right now in this process: reconciliation leaves them alone. */
const inFlight = new Set<string>();

/** Buys one planned listing with `account`, at most once (see the file's comment). */
export async function buyListing(account: TelegramAccount, store: GiftStore, op: ResaleOperation, options: ResaleBuyOptions = {}): Promise<ResaleBuyResult> {
	const now = options.now ?? Date.now;
	const result = (status: ResaleBuyResult['status'], reason: ResaleBuyReason | null, error: string | null, extra: Partial<ResaleBuyResult> = {}): ResaleBuyResult =>
		resaleResult(op, status, reason, error, extra);
	if (inFlight.has(op.opKey)) return result('skipped', 'pending_unresolved', `${op.slug} is being bought right now`, { retryable: false });
	inFlight.add(op.opKey);
	try {
		const self = await account.whoAmI();
		// The ledger row is claimed while the form is on the wire (a form never charges): the claim
		// reserves the planned max, what the plan counted against the budgets. Nothing is sent
		// before the claim is written and the form checked.
		const claiming = store.claimPurchase({ opKey: op.opKey, unitIndex: 0, accountId: self.id, recipient: op.recipient, giftId: op.slug, price: op.maxPrice, atMs: now(), kind: 'resale' });
		const forming = (async (): Promise<{ form: ResaleForm } | { error: AccountError }> => {
			try {
				const target = await account.resolveRecipient(op.recipient, { peers: store });
				return { form: await resalePaymentForm(account, target, op.slug, options.hideName === false ? { showName: true, message: options.message } : { message: options.message }) };
			} catch (raw) {
				return { error: mapTelegramError(raw, { account: account.label, method: 'payments.GetPaymentForm' }) };
			}
		})();
		const claim = await claiming.catch(async (error: unknown) => {
			await forming;
			throw error;
		});
		const formed = await forming;
		if (!claim.claimed) {
			const known = unclaimed(claim.entry) ?? { reason: 'pending_unresolved' as const, error: `${op.slug} has an earlier attempt` };
			return result('skipped', known.reason, known.error, { retryable: false });
		}
		// Why a listing was not bought is written on its row (failed: a later run may claim it again).
		const refuse = async (reason: ResaleBuyReason, message: string, extra: Partial<ResaleBuyResult> = {}): Promise<ResaleBuyResult> => {
			await store.settlePurchase(op.opKey, 0, { status: 'failed', reason, atMs: now() });
			return result(reason === 'above_max_price' || reason === 'listing_gone' ? 'skipped' : 'failed', reason, message, extra);
		};
		if ('error' in formed) {
			const error = formed.error;
			const reason = resaleReasonOf(error);
			const message = reason === 'listing_gone' ? `${account.label}: ${op.slug} is no longer for sale (sold to someone else first, or withdrawn; Telegram said ${(error as TelegramError).errorMessage})` : error.message;
			return refuse(reason, message);
		}
		const form = formed.form;
		if (form.currency !== 'XTR') return refuse('ton_priced', `${account.label}: the form for ${op.slug} asks ${form.amount} ${form.currency}: only Stars are paid`, { formAmount: form.amount });
		if (form.amount > op.maxPrice) {
			return refuse('above_max_price', `${account.label}: ${op.slug} costs ${form.amount} Stars now, above the planned max ${op.maxPrice} (listed at ${op.price}); not bought`, { formAmount: form.amount });
		}
		// Recorded alongside the send, not before it (as the bidder does): the send's latency is what
		// wins a listing. A row still pending may have been sent either way, so reconciliation looks
		// it up from its claim on, never pays it again.
		const marking = store.markSent(op.opKey, 0, now()).catch(() => undefined);
		try {
			const balance = await sendResaleForm(account, form);
			await marking;
			await store.settlePurchase(op.opKey, 0, { status: 'bought', reason: null, atMs: now() });
			return result('bought', null, null, { formAmount: form.amount, paid: form.amount, balanceAfter: balance?.stars ?? null });
		} catch (raw) {
			await marking;
			const error = mapTelegramError(raw, { account: account.label, method: 'payments.SendStarsForm' });
			const reason = resaleReasonOf(error);
			if (error instanceof PaymentVerificationError) {
				await store.settlePurchase(op.opKey, 0, { status: 'unknown', reason, atMs: now() });
				return result('failed', reason, error.message, { formAmount: form.amount, retryable: false });
			}
			if (error.notSent || isDefinitePaymentRefusal(error)) {
				await store.settlePurchase(op.opKey, 0, { status: 'failed', reason, atMs: now() });
				const message = reason === 'listing_gone' ? `${account.label}: ${op.slug} was sold to someone else first (Telegram said ${(error as TelegramError).errorMessage}); nothing was paid` : error.message;
				return result(reason === 'listing_gone' ? 'skipped' : 'failed', reason, message, { formAmount: form.amount });
			}
			await store.settlePurchase(op.opKey, 0, { status: 'unknown', reason, atMs: now() });
			inFlight.delete(op.opKey);
			await reconcileResale(account, store, { ...options, only: [op.opKey] }).catch(() => null);
			const entry = await store.getPurchase(op.opKey, 0);
			if (entry?.status === 'bought') return result('bought', null, null, { formAmount: form.amount, paid: form.amount });
			if (entry?.status === 'failed') return result('failed', reason, `${error.message}; the account's Stars transactions show it was not bought`, { formAmount: form.amount, retryable: true });
			return result('skipped', 'pending_unresolved', `${error.message}; whether the payment went through is not known yet; it is reconciled before any new buy and never paid twice`, { formAmount: form.amount, retryable: false });
		}
	} finally {
		inFlight.delete(op.opKey);
	}
}

function unclaimed(entry: LedgerEntry): { reason: ResaleBuyReason; error: string } | null {
	if (entry.status === 'bought') return { reason: 'already_bought', error: `${entry.giftId} was already bought (by account ${entry.accountId})` };
	if (entry.status === 'pending' || entry.status === 'unknown') {
		return { reason: 'pending_unresolved', error: `${entry.giftId} has an unresolved earlier attempt (${entry.status}); it is reconciled, never paid twice` };
	}
	return null;
}

export interface ResaleReconcileReport {
	bought: number;
	failed: number;
	unresolved: number;
}

/**
 * Settles this account's open resale rows from its own Stars transactions: an outbound
 * stargift_resale transaction for the row's slug dated from its send (or, not recorded, its claim)
 * on means it went through; no such transaction `reconcileGraceMs` after that means it did not.
 */
export async function reconcileResale(account: TelegramAccount, store: GiftStore, options: ResaleBuyOptions & { only?: string[] } = {}): Promise<ResaleReconcileReport> {
	const now = options.now ?? Date.now;
	const graceMs = options.reconcileGraceMs ?? 60_000;
	const self = await account.whoAmI();
	const only = options.only ? new Set(options.only) : null;
	const open = (await store.listPurchases({ kind: 'resale', accountId: self.id, statuses: ['pending', 'unknown'] })).filter((e) => !inFlight.has(e.opKey) && (only === null || only.has(e.opKey)));
	const report: ResaleReconcileReport = { bought: 0, failed: 0, unresolved: 0 };
	// The send is recorded alongside the payment, not before it: a row without its send recorded
	// may still have been paid, so every open row is looked up, from its send or else its claim.
	const sentAt = (e: LedgerEntry): number => e.sentAtMs ?? e.createdAtMs;
	const sent = open;
	if (sent.length === 0) return report;
	const sinceSec = Math.min(...sent.map((e) => Math.floor(sentAt(e) / 1000) - 1));
	const max = 5_000;
	const read = await account.starsTransactions({ direction: 'outbound', sinceSec, max }).catch(() => null);
	const conclusive = read !== null && read.length < max;
	for (const entry of sent) {
		const startSec = Math.floor(sentAt(entry) / 1000) - 1;
		const found = (read ?? []).some((t) => t.resale && t.uniqueSlug === entry.giftId && t.stars < 0 && t.dateSec >= startSec);
		if (found) {
			await store.settlePurchase(entry.opKey, entry.unitIndex, { status: 'bought', reason: 'reconciled from Stars transactions', atMs: now() });
			report.bought += 1;
		} else if (conclusive && now() - sentAt(entry) >= graceMs) {
			await store.settlePurchase(entry.opKey, entry.unitIndex, { status: 'failed', reason: entry.reason === 'verification_needed' ? 'verification_needed' : 'network', atMs: now() });
			report.failed += 1;
		} else {
			if (entry.status === 'pending') await store.settlePurchase(entry.opKey, entry.unitIndex, { status: 'unknown', reason: entry.reason, atMs: now() });
			report.unresolved += 1;
		}
	}
	return report;
}

export interface ResaleExecuteContext extends ResaleBuyOptions {
	store: GiftStore;
	pool: ClientPool;
	credentials: AccountCredentials[];
}

/**
 * Runs planned listing purchases: accounts in parallel, one account's listings in plan order, each
 * account's open resale rows reconciled first. One result per operation, in input order; never
 * throws for one listing's failure.
 */
export async function executeResale(operations: ResaleOperation[], context: ResaleExecuteContext): Promise<ResaleBuyResult[]> {
	const results: ResaleBuyResult[] = new Array(operations.length);
	const leases = await Promise.all(
		context.credentials.map(async (credentials) => {
			try {
				const lease = await context.pool.acquire(credentials);
				const self = await lease.account.whoAmI();
				return { id: self.id, lease, error: null as AccountError | null };
			} catch (raw) {
				return { id: null, lease: null, error: mapTelegramError(raw, { account: credentials.label, method: 'connect' }) };
			}
		}),
	);
	try {
		const byAccount = new Map<string, number[]>();
		operations.forEach((op, i) => byAccount.set(op.accountId, [...(byAccount.get(op.accountId) ?? []), i]));
		await Promise.all(
			[...byAccount].map(async ([accountId, indexes]) => {
				const held = leases.find((l) => l.id === accountId);
				if (!held?.lease) {
					const why = leases.find((l) => l.error)?.error;
					for (const i of indexes) {
						const op = operations[i];
						results[i] = resaleResult(op, 'failed', 'auth_invalid', `no usable account with id ${accountId} among the credentials${why ? ` (${why.message})` : ''}`, { retryable: false });
					}
					return;
				}
				const account = held.lease.account;
				await reconcileResale(account, context.store, context).catch(() => undefined);
				for (const i of indexes) results[i] = await buyListing(account, context.store, operations[i], context);
			}),
		);
	} finally {
		for (const l of leases) l.lease?.release();
	}
	return results;
}
