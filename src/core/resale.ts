/**
 * The resale market (docs/resale.md): collectible (upgraded) gifts other users list for sale, and
 * the rules that decide which listings are worth buying, for whom and from which account. The room
 * beside the drop planner and the auction strategy; it reuses the planner's account/budget rules
 * (reserve, daily budget per account, stars per run, accounts by descending balance) and its
 * recipient filters (price and supply windows, narrowest window first).
 *
 *  - A listing is one starGiftUnique with a resell price (payments.getResaleStarGifts): Stars
 *    and/or TON (resell_amount; resale_ton_only when only TON is accepted).
 *  - Rules: a hard max price, at least X % under the collection's floor or average, wanted and
 *    excluded models / backdrops / patterns, Stars-only or TON too, excluded collections and gifts.
 *    Every listing that is not planned gets a reason code.
 *  - The floor a listing is compared with is the cheapest *other* Stars listing of the same
 *    collection in the input (Telegram's floor_price includes the listing itself, so a listing that
 *    is the floor would never be "under" it), else the collection's value floor.
 *  - Money: a listing is bought at most once (one opKey per listing slug, whatever account or
 *    recipient); the plan reserves each operation's `maxPrice` (the most the buyer may pay after
 *    checking the form), so reserve, daily budget and stars per run are never exceeded.
 * Pure: no I/O, no clock, same input ⇒ same plan.
 */
import { createHash } from 'node:crypto';

import { describe } from './peer';
import { compareRecipientPreference } from './planner';
import type { PlanAccount, Recipient } from './types';
import { ValidationError, validateAccount, validateRecipient } from './validate';

/** One attribute of a collectible (model, backdrop or pattern) as a listing carries it. */
export interface ResaleAttribute {
	name: string;
	/** How rare it is, in permille of the collection (Telegram's starGiftAttributeRarity). */
	rarityPermille: number | null;
	/** The id getResaleStarGifts filters by: the model's/pattern's document id, the backdrop id. */
	id: string | null;
}

/** One collectible listed for resale. */
export interface ResaleListing {
	/** The collectible's slug (t.me/nft/<slug>): the listing's identity and the invoice's key. */
	slug: string;
	/** starGiftUnique.id (decimal string). */
	uniqueId: string;
	/** The collection: the gift this collectible was upgraded from (starGiftUnique.gift_id). */
	giftId: string;
	title: string | null;
	num: number | null;
	model: ResaleAttribute | null;
	backdrop: ResaleAttribute | null;
	pattern: ResaleAttribute | null;
	/** Resell price in Stars; null when the seller accepts TON only. */
	priceStars: number | null;
	/** Resell price in nanoTON (1 TON = 10^9), when the seller gave one. */
	priceTonNano: number | null;
	/** resale_ton_only: the seller accepts TON only. */
	tonOnly: boolean;
	/** The seller (user id or -100… channel id), when Telegram names one. */
	ownerId: string | null;
	availabilityIssued: number | null;
	availabilityTotal: number | null;
	requirePremium: boolean;
}

/** What the rules compare a listing's price with, per collection (in Stars). */
export interface CollectionValue {
	giftId: string;
	/** The cheapest Stars listing of the collection (value info floor, or resell_min_stars). */
	floorStars: number | null;
	/** The average sale price (value info average_price converted to Stars). */
	averageStars: number | null;
}

export interface ResaleRules {
	/** No listing above this many Stars, ever (null: no cap). */
	maxPriceStars: number | null;
	/** Buy only at least this many percent under the floor (null: no floor rule). */
	minPercentUnderFloor: number | null;
	/** Buy only at least this many percent under the collection's average (null: no average rule). */
	minPercentUnderAverage: number | null;
	/** Attribute names wanted (empty: any); a listing must match every non-empty list. Case-insensitive. */
	models: string[];
	backdrops: string[];
	patterns: string[];
	/** Attribute names never bought. */
	excludeModels: string[];
	excludeBackdrops: string[];
	excludePatterns: string[];
	/** Accept listings priced in TON only too (default false: Stars only). */
	allowTon: boolean;
	/** Collections (gift ids) never bought. */
	excludeCollections: string[];
	/** Collectibles (slugs or unique ids) never bought. */
	excludeGifts: string[];
	/** Collections (gift ids) watched; empty: every collection in the input. */
	collections: string[];
}

export const DEFAULT_RESALE_RULES: ResaleRules = {
	maxPriceStars: null,
	minPercentUnderFloor: null,
	minPercentUnderAverage: null,
	models: [],
	backdrops: [],
	patterns: [],
	excludeModels: [],
	excludeBackdrops: [],
	excludePatterns: [],
	allowTon: false,
	excludeCollections: [],
	excludeGifts: [],
	collections: [],
};

export type ResaleRuleReason =
	| 'invalid'
	| 'duplicate'
	| 'not_watched'
	| 'collection_excluded'
	| 'gift_excluded'
	| 'own_listing'
	| 'ton_priced'
	| 'above_max_price'
	| 'no_value_info'
	| 'not_under_floor'
	| 'not_under_average'
	| 'attribute_excluded'
	| 'attribute_not_wanted';

export type ResaleSkipReason =
	| ResaleRuleReason
	| 'ton_payment_unsupported'
	| 'premium_required'
	| 'no_recipient_match'
	| 'insufficient_balance'
	| 'budget_exhausted'
	| 'already_bought';

/** How a listing fares against the rules alone (no accounts, no budgets): what the trigger reports. */
export interface ListingVerdict {
	ok: boolean;
	reason: ResaleRuleReason | null;
	detail: string;
	/** The floor the listing was compared with (Stars), when known. */
	floorStars: number | null;
	averageStars: number | null;
	/** Percent under the floor (negative: above it), when both are known. */
	percentUnderFloor: number | null;
	percentUnderAverage: number | null;
	/** The most the rules allow paying for this listing in Stars (null: no Stars price or no cap). */
	ceilingStars: number | null;
}

export interface ResalePlanOptions {
	reserveStars?: number;
	dailyBudgetPerAccount?: number | null;
	maxStarsPerRun?: number | null;
	/** At most this many listings per run (null: no cap). */
	maxListingsPerRun?: number | null;
	/**
	 * How much above the listed price the buyer may still pay if the form asks more (a price change
	 * between listing and form), in percent; never above the rules' ceiling. Default 0.
	 */
	priceTolerancePercent?: number;
	/** Mixed into opKeys: a new campaign may buy a listing again (e.g. after reselling it). */
	runKey?: string;
}

export interface ResalePlanInput {
	listings: unknown[];
	values?: CollectionValue[];
	accounts: PlanAccount[];
	recipients: Recipient[];
	rules?: Partial<ResaleRules>;
	options?: ResalePlanOptions;
	/** Slugs (or opKeys) the ledger shows bought or in flight: never planned again. */
	alreadyBought?: string[];
	/**
	 * Floors known per listing slug (the trigger's: the cheapest other listing of the page it was
	 * seen on); they win over the floor computed from the input's other listings.
	 */
	floors?: Record<string, number | null>;
}

/** One listing to buy: which account pays, for whom, and the most it may pay. */
export interface ResaleOperation {
	/** The ledger key: one per listing slug (and runKey), whatever the account or recipient. */
	opKey: string;
	accountId: string;
	recipient: string;
	slug: string;
	uniqueId: string;
	giftId: string;
	title: string | null;
	num: number | null;
	/** The listed price in Stars. */
	price: number;
	/** The most the buyer pays after reading the form (≥ price); the plan reserved this much. */
	maxPrice: number;
	floorStars: number | null;
	percentUnderFloor: number | null;
}

export interface ResaleSkip {
	slug: string;
	giftId: string | null;
	reason: ResaleSkipReason;
	detail: string;
	price: number | null;
	recipient?: string;
	accountId?: string;
}

export interface ResalePlanSummary {
	listings: number;
	operations: number;
	skipped: number;
	stars: number;
	/** Stars reserved for the operations (sum of maxPrice). */
	reserved: number;
}

export interface ResalePlan {
	operations: ResaleOperation[];
	skips: ResaleSkip[];
	summary: ResalePlanSummary;
}

/** The ledger key of buying one listing. */
export function resaleOpKeyOf(runKey: string, slug: string): string {
	return createHash('sha256').update(JSON.stringify(['tg-gift-resale/v1', runKey, slug])).digest('hex').slice(0, 32);
}

// ---- listings from JSON ---------------------------------------------------------------------

export type ListingParse = { ok: ResaleListing } | { error: { field: string; reason: string; slug: string | null } };

function optInt(v: unknown): number | null | undefined {
	if (v === undefined || v === null || v === '') return null;
	const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
	return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function idString(v: unknown): string | null {
	if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return v.trim();
	if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
	if (typeof v === 'bigint') return v.toString();
	return null;
}

function attributeOf(v: unknown): ResaleAttribute | null | undefined {
	if (v === undefined || v === null) return null;
	if (typeof v === 'string') return v.trim() === '' ? null : { name: v.trim(), rarityPermille: null, id: null };
	if (typeof v !== 'object' || Array.isArray(v)) return undefined;
	const a = v as Record<string, unknown>;
	if (typeof a.name !== 'string' || a.name.trim() === '') return undefined;
	const rarity = optInt(a.rarityPermille);
	return { name: a.name.trim(), rarityPermille: rarity ?? null, id: a.id === undefined || a.id === null ? null : String(a.id) };
}

/** A listing from JSON (the account layer's mapping, or a user's own data); field errors named. */
export function normalizeListing(raw: unknown): ListingParse {
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: { field: '', reason: `must be an object (got ${describe(raw)})`, slug: null } };
	const r = raw as Record<string, unknown>;
	const slug = typeof r.slug === 'string' && r.slug.trim() !== '' ? r.slug.trim() : null;
	const bad = (field: string, reason: string): ListingParse => ({ error: { field, reason, slug } });
	if (slug === null) return bad('slug', `must be a non-empty string (got ${describe(r.slug)})`);
	const giftId = idString(r.giftId);
	if (giftId === null) return bad('giftId', `must be a decimal id (got ${describe(r.giftId)})`);
	const uniqueId = r.uniqueId === undefined || r.uniqueId === null ? slug : idString(r.uniqueId);
	if (uniqueId === null) return bad('uniqueId', `must be a decimal id (got ${describe(r.uniqueId)})`);
	const priceStars = optInt(r.priceStars);
	if (priceStars === undefined) return bad('priceStars', `must be a whole number of Stars ≥ 0 or null (got ${describe(r.priceStars)})`);
	const priceTonNano = optInt(r.priceTonNano);
	if (priceTonNano === undefined) return bad('priceTonNano', `must be a whole number of nanoTON ≥ 0 or null (got ${describe(r.priceTonNano)})`);
	if (priceStars === null && priceTonNano === null) return bad('priceStars', 'is missing and so is priceTonNano: a listing has a price');
	const attrs: Record<'model' | 'backdrop' | 'pattern', ResaleAttribute | null> = { model: null, backdrop: null, pattern: null };
	for (const key of ['model', 'backdrop', 'pattern'] as const) {
		const a = attributeOf(r[key]);
		if (a === undefined) return bad(key, `must be a name or {name, rarityPermille, id} (got ${describe(r[key])})`);
		attrs[key] = a;
	}
	const num = optInt(r.num);
	const issued = optInt(r.availabilityIssued);
	const total = optInt(r.availabilityTotal);
	return {
		ok: {
			slug,
			uniqueId,
			giftId,
			title: typeof r.title === 'string' ? r.title : null,
			num: num ?? null,
			...attrs,
			priceStars: r.tonOnly === true ? null : priceStars,
			priceTonNano,
			tonOnly: r.tonOnly === true || priceStars === null,
			ownerId: r.ownerId === undefined || r.ownerId === null ? null : String(r.ownerId),
			availabilityIssued: issued ?? null,
			availabilityTotal: total ?? null,
			requirePremium: r.requirePremium === true,
		},
	};
}

// ---- rules -------------------------------------------------------------------------------------

const lower = (list: string[]) => new Set(list.map((s) => s.trim().toLowerCase()).filter((s) => s !== ''));

interface CompiledRules {
	rules: ResaleRules;
	wanted: Record<'model' | 'backdrop' | 'pattern', Set<string>>;
	excluded: Record<'model' | 'backdrop' | 'pattern', Set<string>>;
	excludeCollections: Set<string>;
	excludeGifts: Set<string>;
	collections: Set<string>;
}

function compile(rules: ResaleRules): CompiledRules {
	return {
		rules,
		wanted: { model: lower(rules.models), backdrop: lower(rules.backdrops), pattern: lower(rules.patterns) },
		excluded: { model: lower(rules.excludeModels), backdrop: lower(rules.excludeBackdrops), pattern: lower(rules.excludePatterns) },
		excludeCollections: new Set(rules.excludeCollections.map((s) => s.trim())),
		excludeGifts: new Set(rules.excludeGifts.map((s) => s.trim().toLowerCase())),
		collections: new Set(rules.collections.map((s) => s.trim())),
	};
}

const percentUnder = (price: number, reference: number): number => Math.round(((reference - price) / reference) * 10_000) / 100;

/**
 * The floor each listing is compared with: the cheapest other Stars listing of its collection in
 * `listings`, else the collection value's floor. Keyed by slug.
 */
export function floorsOf(listings: ResaleListing[], values: CollectionValue[], known: Record<string, number | null> = {}): Map<string, number | null> {
	const byCollection = new Map<string, Array<{ slug: string; price: number }>>();
	for (const l of listings) {
		if (l.priceStars === null) continue;
		const list = byCollection.get(l.giftId) ?? [];
		list.push({ slug: l.slug, price: l.priceStars });
		byCollection.set(l.giftId, list);
	}
	const valueFloor = new Map(values.map((v) => [v.giftId, v.floorStars]));
	const out = new Map<string, number | null>();
	for (const l of listings) {
		if (Object.prototype.hasOwnProperty.call(known, l.slug)) {
			out.set(l.slug, known[l.slug] ?? null);
			continue;
		}
		const others = (byCollection.get(l.giftId) ?? []).filter((o) => o.slug !== l.slug);
		let floor: number | null = null;
		for (const o of others) floor = floor === null ? o.price : Math.min(floor, o.price);
		out.set(l.slug, floor ?? valueFloor.get(l.giftId) ?? null);
	}
	return out;
}

function judge(l: ResaleListing, c: CompiledRules, floor: number | null, value: CollectionValue | undefined, ownAccounts: Set<string>): ListingVerdict {
	const { rules } = c;
	const average = value?.averageStars ?? null;
	const price = l.priceStars;
	const verdict = (reason: ResaleRuleReason | null, detail: string, ceilingStars: number | null = null): ListingVerdict => ({
		ok: reason === null,
		reason,
		detail,
		floorStars: floor,
		averageStars: average,
		percentUnderFloor: price !== null && floor !== null && floor > 0 ? percentUnder(price, floor) : null,
		percentUnderAverage: price !== null && average !== null && average > 0 ? percentUnder(price, average) : null,
		ceilingStars,
	});
	if (c.collections.size > 0 && !c.collections.has(l.giftId)) return verdict('not_watched', `collection ${l.giftId} is not among the watched collections`);
	if (c.excludeCollections.has(l.giftId)) return verdict('collection_excluded', `collection ${l.giftId} is on the exclude list`);
	if (c.excludeGifts.has(l.slug.toLowerCase()) || c.excludeGifts.has(l.uniqueId.toLowerCase())) return verdict('gift_excluded', `${l.slug} is on the exclude list`);
	if (l.ownerId !== null && ownAccounts.has(l.ownerId)) return verdict('own_listing', `${l.slug} is listed by one of the accounts (${l.ownerId})`);
	if (price === null && !rules.allowTon) return verdict('ton_priced', `${l.slug} is priced in TON only (allowTon is off)`);
	for (const kind of ['model', 'backdrop', 'pattern'] as const) {
		const attr = l[kind];
		const name = attr?.name.toLowerCase() ?? null;
		if (name !== null && c.excluded[kind].has(name)) return verdict('attribute_excluded', `${kind} "${attr?.name}" is excluded`);
		if (c.wanted[kind].size > 0 && (name === null || !c.wanted[kind].has(name))) {
			return verdict('attribute_not_wanted', `${kind} ${attr ? `"${attr.name}"` : '(none)'} is not among the wanted ${kind}s`);
		}
	}
	if (price === null) return verdict(null, `${l.slug}: TON-priced listing, ${l.priceTonNano ?? '?'} nanoTON (the Stars rules cannot judge it)`);
	let ceiling = rules.maxPriceStars ?? Infinity;
	if (price > ceiling) return verdict('above_max_price', `${price} Stars is above maxPriceStars=${rules.maxPriceStars}`);
	if (rules.minPercentUnderFloor !== null) {
		if (floor === null) return verdict('no_value_info', `no floor known for collection ${l.giftId} (minPercentUnderFloor is set)`);
		const limit = Math.floor(floor * (1 - rules.minPercentUnderFloor / 100));
		if (price > limit) return verdict('not_under_floor', `${price} Stars is not ${rules.minPercentUnderFloor} % under the floor ${floor} (at most ${limit})`);
		ceiling = Math.min(ceiling, limit);
	}
	if (rules.minPercentUnderAverage !== null) {
		if (average === null) return verdict('no_value_info', `no average price known for collection ${l.giftId} (minPercentUnderAverage is set)`);
		const limit = Math.floor(average * (1 - rules.minPercentUnderAverage / 100));
		if (price > limit) return verdict('not_under_average', `${price} Stars is not ${rules.minPercentUnderAverage} % under the average ${average} (at most ${limit})`);
		ceiling = Math.min(ceiling, limit);
	}
	return verdict(null, `${l.slug}: ${price} Stars${floor !== null ? `, floor ${floor}` : ''}`, Number.isFinite(ceiling) ? ceiling : null);
}

/** The rules alone, for every listing (the trigger's matches and the plan's rule skips). */
export function judgeListings(
	listings: ResaleListing[],
	rules: Partial<ResaleRules> = {},
	values: CollectionValue[] = [],
	ownAccountIds: string[] = [],
	knownFloors: Record<string, number | null> = {},
): ListingVerdict[] {
	const compiled = compile(validateResaleRules(rules));
	const floors = floorsOf(listings, values, knownFloors);
	const valueOf = new Map(values.map((v) => [v.giftId, v]));
	const own = new Set(ownAccountIds);
	return listings.map((l) => judge(l, compiled, floors.get(l.slug) ?? null, valueOf.get(l.giftId), own));
}

// ---- plan --------------------------------------------------------------------------------------

function recipientTakes(r: Recipient, price: number, supply: number | null): boolean {
	const s = supply ?? Infinity;
	if (r.priceMin !== null && price < r.priceMin) return false;
	if (r.priceMax !== null && price > r.priceMax) return false;
	if (r.supplyMin !== null && s < r.supplyMin) return false;
	if (r.supplyMax !== null && s > r.supplyMax) return false;
	return true;
}

export function planResale(input: ResalePlanInput | unknown): ResalePlan {
	return planResaleValidated(validateResalePlanInput(input));
}

export interface ValidResalePlanInput {
	listings: unknown[];
	values: CollectionValue[];
	accounts: PlanAccount[];
	recipients: Recipient[];
	rules: ResaleRules;
	options: Required<Omit<ResalePlanOptions, 'dailyBudgetPerAccount' | 'maxStarsPerRun' | 'maxListingsPerRun'>> & {
		dailyBudgetPerAccount: number | null;
		maxStarsPerRun: number | null;
		maxListingsPerRun: number | null;
	};
	alreadyBought: Set<string>;
	floors: Record<string, number | null>;
}

/**
 * Listings in order of value: the largest percentage under the floor first (unknown floors last),
 * then the lower price, then the slug. Each goes to the first recipient (narrowest supply window,
 * then higher priceMax, then input order) whose filters contain its price and collection size, and
 * to the first account in descending starting balance that can spend its maxPrice (premium when the
 * collectible requires it).
 */
export function planResaleValidated(input: ValidResalePlanInput): ResalePlan {
	const { rules, options } = input;
	const operations: ResaleOperation[] = [];
	const skips: ResaleSkip[] = [];
	const parsed: ResaleListing[] = [];
	const seen = new Set<string>();
	input.listings.forEach((raw, index) => {
		const p = normalizeListing(raw);
		if ('error' in p) {
			skips.push({ slug: p.error.slug ?? `listings[${index}]`, giftId: null, reason: 'invalid', detail: `listings[${index}]${p.error.field ? `.${p.error.field}` : ''} ${p.error.reason}`, price: null });
			return;
		}
		if (seen.has(p.ok.slug)) {
			skips.push({ slug: p.ok.slug, giftId: p.ok.giftId, reason: 'duplicate', detail: `listings[${index}] repeats ${p.ok.slug}`, price: p.ok.priceStars });
			return;
		}
		seen.add(p.ok.slug);
		parsed.push(p.ok);
	});
	const verdicts = judgeListings(parsed, rules, input.values, input.accounts.map((a) => a.id), input.floors);
	const candidates: Array<{ listing: ResaleListing; verdict: ListingVerdict }> = [];
	parsed.forEach((listing, i) => {
		const verdict = verdicts[i];
		const skip = (reason: ResaleSkipReason, detail: string): void => {
			skips.push({ slug: listing.slug, giftId: listing.giftId, reason, detail, price: listing.priceStars });
		};
		if (!verdict.ok) return skip(verdict.reason as ResaleRuleReason, verdict.detail);
		if (listing.priceStars === null) return skip('ton_payment_unsupported', `${listing.slug} matches the rules but is priced in TON only: the plan pays Stars (buy it in the Telegram app)`);
		if (input.alreadyBought.has(listing.slug) || input.alreadyBought.has(resaleOpKeyOf(options.runKey, listing.slug))) {
			return skip('already_bought', `${listing.slug} was bought (or is being bought) already`);
		}
		candidates.push({ listing, verdict });
	});
	candidates.sort((a, b) => {
		const ua = a.verdict.percentUnderFloor ?? -Infinity;
		const ub = b.verdict.percentUnderFloor ?? -Infinity;
		if (ua !== ub) return ub - ua;
		const pa = a.listing.priceStars as number;
		const pb = b.listing.priceStars as number;
		if (pa !== pb) return pa - pb;
		return a.listing.slug < b.listing.slug ? -1 : a.listing.slug > b.listing.slug ? 1 : 0;
	});

	const recipients = input.recipients
		.map((recipient, index) => ({ recipient, index }))
		.sort((a, b) => compareRecipientPreference(a.recipient, b.recipient) || a.index - b.index)
		.map((e) => e.recipient);
	const accounts = [...input.accounts].sort((a, b) => b.balance - a.balance);
	const balanceLeft = accounts.map((a) => Math.max(0, a.balance - options.reserveStars));
	const dailyLeft = accounts.map((a) => (options.dailyBudgetPerAccount === null ? Infinity : Math.max(0, options.dailyBudgetPerAccount - (a.spentToday ?? 0))));
	let runLeft = options.maxStarsPerRun ?? Infinity;
	let listingsLeft = options.maxListingsPerRun ?? Infinity;
	let stars = 0;
	let reserved = 0;

	for (const { listing, verdict } of candidates) {
		const price = listing.priceStars as number;
		const tolerated = Math.floor(price * (1 + options.priceTolerancePercent / 100));
		const maxPrice = Math.max(price, Math.min(tolerated, verdict.ceilingStars ?? Infinity));
		const base = { slug: listing.slug, giftId: listing.giftId, price };
		const recipient = recipients.find((r) => recipientTakes(r, price, listing.availabilityTotal));
		if (!recipient) {
			skips.push({ ...base, reason: 'no_recipient_match', detail: `no recipient's filters contain price ${price} and supply ${listing.availabilityTotal ?? '∞'}` });
			continue;
		}
		const withRecipient = { ...base, recipient: recipient.peer };
		if (listingsLeft <= 0) {
			skips.push({ ...withRecipient, reason: 'budget_exhausted', detail: `maxListingsPerRun=${options.maxListingsPerRun} reached` });
			continue;
		}
		if (maxPrice > runLeft) {
			skips.push({ ...withRecipient, reason: 'budget_exhausted', detail: `maxStarsPerRun=${options.maxStarsPerRun} has ${runLeft} Stars left, the listing may cost ${maxPrice}` });
			continue;
		}
		const allowed = (i: number) => !listing.requirePremium || accounts[i].premium === true;
		if (listing.requirePremium && !accounts.some((_, i) => allowed(i))) {
			skips.push({ ...withRecipient, reason: 'premium_required', detail: `${listing.slug} requires Telegram Premium and no account has it` });
			continue;
		}
		const i = accounts.findIndex((_, k) => allowed(k) && Math.min(balanceLeft[k], dailyLeft[k]) >= maxPrice);
		if (i === -1) {
			const byBalance = accounts.some((_, k) => allowed(k) && balanceLeft[k] >= maxPrice);
			let best = -1;
			accounts.forEach((_, k) => {
				if (allowed(k) && (best === -1 || Math.min(balanceLeft[k], dailyLeft[k]) > Math.min(balanceLeft[best], dailyLeft[best]))) best = k;
			});
			const available = best === -1 ? 0 : Math.min(balanceLeft[best], dailyLeft[best]);
			skips.push({
				...withRecipient,
				reason: byBalance ? 'budget_exhausted' : 'insufficient_balance',
				...(best === -1 ? {} : { accountId: accounts[best].id }),
				detail: byBalance
					? `dailyBudgetPerAccount=${options.dailyBudgetPerAccount} leaves the best account ${available} Stars, the listing may cost ${maxPrice}`
					: `the best account can spend ${available} Stars (after reserve ${options.reserveStars}), the listing may cost ${maxPrice}`,
			});
			continue;
		}
		balanceLeft[i] -= maxPrice;
		dailyLeft[i] -= maxPrice;
		runLeft -= maxPrice;
		listingsLeft -= 1;
		stars += price;
		reserved += maxPrice;
		operations.push({
			opKey: resaleOpKeyOf(options.runKey, listing.slug),
			accountId: accounts[i].id,
			recipient: recipient.peer,
			slug: listing.slug,
			uniqueId: listing.uniqueId,
			giftId: listing.giftId,
			title: listing.title,
			num: listing.num,
			price,
			maxPrice,
			floorStars: verdict.floorStars,
			percentUnderFloor: verdict.percentUnderFloor,
		});
	}
	return {
		operations,
		skips,
		summary: { listings: input.listings.length, operations: operations.length, skipped: skips.length, stars, reserved },
	};
}

// ---- validation -------------------------------------------------------------------------------

function obj(value: unknown, path: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(path, `must be an object (got ${describe(value)})`);
	return value as Record<string, unknown>;
}

function num(value: unknown, path: string, min: number, max = Infinity): number | null {
	if (value === undefined || value === null || value === '') return null;
	const n = typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
	if (typeof n !== 'number' || !Number.isFinite(n)) throw new ValidationError(path, `must be a number (got ${describe(value)})`);
	if (n < min || n > max) throw new ValidationError(path, `must be between ${min} and ${max} (got ${n})`);
	return n;
}

function names(value: unknown, path: string): string[] {
	if (value === undefined || value === null || value === '') return [];
	const list = typeof value === 'string' ? value.split(',') : value;
	if (!Array.isArray(list)) throw new ValidationError(path, `must be a list of names or a comma-separated string (got ${describe(value)})`);
	return list.map((v, i) => {
		if (typeof v !== 'string' && typeof v !== 'number') throw new ValidationError(`${path}[${i}]`, `must be a string (got ${describe(v)})`);
		return String(v).trim();
	}).filter((s) => s !== '');
}

const RULE_KEYS = Object.keys(DEFAULT_RESALE_RULES);
const OPTION_KEYS = ['reserveStars', 'dailyBudgetPerAccount', 'maxStarsPerRun', 'maxListingsPerRun', 'priceTolerancePercent', 'runKey'];
const INPUT_KEYS = ['listings', 'values', 'accounts', 'recipients', 'rules', 'options', 'alreadyBought', 'floors'];

function rejectUnknown(o: Record<string, unknown>, known: string[], path: string): void {
	for (const key of Object.keys(o)) {
		if (!known.includes(key)) throw new ValidationError(path ? `${path}.${key}` : key, `is not a known field (known: ${known.join(', ')})`);
	}
}

export function validateResaleRules(value: unknown, path = 'rules'): ResaleRules {
	if (value === undefined || value === null) return { ...DEFAULT_RESALE_RULES };
	const r = obj(value, path);
	rejectUnknown(r, RULE_KEYS, path);
	const allowTon = r.allowTon;
	if (allowTon !== undefined && allowTon !== null && typeof allowTon !== 'boolean') throw new ValidationError(`${path}.allowTon`, `must be true or false (got ${describe(allowTon)})`);
	const rules: ResaleRules = {
		maxPriceStars: num(r.maxPriceStars, `${path}.maxPriceStars`, 1),
		minPercentUnderFloor: num(r.minPercentUnderFloor, `${path}.minPercentUnderFloor`, 0, 100),
		minPercentUnderAverage: num(r.minPercentUnderAverage, `${path}.minPercentUnderAverage`, 0, 100),
		models: names(r.models, `${path}.models`),
		backdrops: names(r.backdrops, `${path}.backdrops`),
		patterns: names(r.patterns, `${path}.patterns`),
		excludeModels: names(r.excludeModels, `${path}.excludeModels`),
		excludeBackdrops: names(r.excludeBackdrops, `${path}.excludeBackdrops`),
		excludePatterns: names(r.excludePatterns, `${path}.excludePatterns`),
		allowTon: allowTon === true,
		excludeCollections: names(r.excludeCollections, `${path}.excludeCollections`),
		excludeGifts: names(r.excludeGifts, `${path}.excludeGifts`),
		collections: names(r.collections, `${path}.collections`),
	};
	for (const [list, field] of [
		[rules.excludeCollections, 'excludeCollections'],
		[rules.collections, 'collections'],
	] as const) {
		list.forEach((id, i) => {
			if (!/^\d+$/.test(id)) throw new ValidationError(`${path}.${field}[${i}]`, `must be a collection's gift id (digits; got ${describe(id)})`);
		});
	}
	return rules;
}

function validateValues(value: unknown): CollectionValue[] {
	if (value === undefined || value === null) return [];
	if (!Array.isArray(value)) throw new ValidationError('values', `must be an array (got ${describe(value)})`);
	return value.map((raw, i) => {
		const v = obj(raw, `values[${i}]`);
		const giftId = idString(v.giftId);
		if (giftId === null) throw new ValidationError(`values[${i}].giftId`, `must be a decimal id (got ${describe(v.giftId)})`);
		return { giftId, floorStars: num(v.floorStars, `values[${i}].floorStars`, 0), averageStars: num(v.averageStars, `values[${i}].averageStars`, 0) };
	});
}

function validateFloors(value: unknown): Record<string, number | null> {
	if (value === undefined || value === null) return {};
	const o = obj(value, 'floors');
	const out: Record<string, number | null> = {};
	for (const [slug, floor] of Object.entries(o)) out[slug] = num(floor, `floors.${slug}`, 0);
	return out;
}

export function validateResalePlanInput(input: unknown): ValidResalePlanInput {
	const root = obj(input, 'input');
	rejectUnknown(root, INPUT_KEYS, '');
	if (!Array.isArray(root.listings)) throw new ValidationError('listings', `must be an array (got ${describe(root.listings)})`);
	if (!Array.isArray(root.accounts)) throw new ValidationError('accounts', `must be an array (got ${describe(root.accounts)})`);
	if (!Array.isArray(root.recipients)) throw new ValidationError('recipients', `must be an array (got ${describe(root.recipients)})`);
	const accounts = root.accounts.map((a, i) => validateAccount(a, `accounts[${i}]`));
	const ids = new Map<string, number>();
	accounts.forEach((a, i) => {
		const first = ids.get(a.id);
		if (first !== undefined) throw new ValidationError(`accounts[${i}].id`, `"${a.id}" repeats accounts[${first}].id`);
		ids.set(a.id, i);
	});
	const recipients = root.recipients.map((r, i) => validateRecipient(r, `recipients[${i}]`));
	const o = root.options === undefined || root.options === null ? {} : obj(root.options, 'options');
	rejectUnknown(o, OPTION_KEYS, 'options');
	const runKey = o.runKey === undefined || o.runKey === null ? '' : o.runKey;
	if (typeof runKey !== 'string') throw new ValidationError('options.runKey', `must be a string (got ${describe(runKey)})`);
	const intOpt = (key: string, min: number) => {
		const v = num(o[key], `options.${key}`, min);
		if (v !== null && !Number.isInteger(v)) throw new ValidationError(`options.${key}`, `must be a whole number (got ${v})`);
		return v;
	};
	const bought = root.alreadyBought === undefined || root.alreadyBought === null ? [] : root.alreadyBought;
	if (!Array.isArray(bought)) throw new ValidationError('alreadyBought', `must be an array of slugs (got ${describe(bought)})`);
	return {
		listings: root.listings,
		values: validateValues(root.values),
		accounts,
		recipients,
		rules: validateResaleRules(root.rules),
		options: {
			reserveStars: intOpt('reserveStars', 0) ?? 0,
			dailyBudgetPerAccount: intOpt('dailyBudgetPerAccount', 0),
			maxStarsPerRun: intOpt('maxStarsPerRun', 0),
			maxListingsPerRun: intOpt('maxListingsPerRun', 0),
			priceTolerancePercent: num(o.priceTolerancePercent, 'options.priceTolerancePercent', 0, 100) ?? 0,
			runKey,
		},
		alreadyBought: new Set(bought.map(String)),
		floors: validateFloors(root.floors),
	};
}
