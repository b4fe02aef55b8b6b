/**
 * The domain contract shared by the planner, the account layer, the store and the n8n nodes.
 * Pure data: no I/O, no n8n, no gramjs. Ids that may exceed 2^53 (gift ids, user/channel ids)
 * are decimal strings everywhere; star amounts fit comfortably in JS numbers.
 */

/** A Star Gift as the rest of the package sees it. Fields the source did not carry are null. */
export interface Gift {
	/** Decimal string: gift ids are 64-bit and must never pass through a JS number. */
	id: string;
	/** Price in Stars. */
	stars: number;
	convertStars: number | null;
	limited: boolean;
	soldOut: boolean;
	availabilityRemains: number | null;
	/** Edition size ("supply" in GiftBuyer's filters). */
	availabilityTotal: number | null;
	requirePremium: boolean | null;
	limitedPerUser: boolean | null;
	perUserTotal: number | null;
	perUserRemains: number | null;
	/** Unix seconds until which the gift cannot be sent (checked with payments.checkCanSendGift). */
	lockedUntil: number | null;
	title: string | null;
	upgradeStars: number | null;
	firstSaleDate: number | null;
	lastSaleDate: number | null;
	/** Sticker document id (decimal string), for downloads; null when the source had none. */
	stickerDocumentId: string | null;
	/**
	 * Released through a Stars auction (layer ≥ 218): it cannot be bought with inputInvoiceStarGift,
	 * only bid on (core.telegram.org/api/auctions).
	 */
	auction: boolean;
	/** The auction's slug (payments.getStarGiftAuctionState takes it); null unless `auction`. */
	auctionSlug: string | null;
	/** Copies awarded per auction round; null unless `auction`. */
	giftsPerRound: number | null;
	/** Unix seconds when the auction starts; null unless `auction`. */
	auctionStartDate: number | null;
	/** Upgraded (collectible) copies of this gift listed for resale right now. */
	availabilityResale: number | null;
	/** The cheapest resale listing of this gift's collectibles, in Stars. */
	resellMinStars: number | null;
	/** Who released the gift (a user id or a -100… channel id), when Telegram names one. */
	releasedBy: string | null;
	/** How many collectible variants (models) an upgrade can produce. */
	upgradeVariants: number | null;
}

/** A buying account with its live star balance. */
export interface PlanAccount {
	/** Telegram user id as a decimal string (or any stable label-free id). */
	id: string;
	label?: string;
	balance: number;
	premium: boolean | null;
	/** Stars already spent today (from the store), used with options.dailyBudgetPerAccount. */
	spentToday?: number;
}

/** Where gifts go, with GiftBuyer's price/supply filters. null bounds are open. */
export interface Recipient {
	/** "me", "@username", a user id ("12345") or a channel id ("-100…"), as a string. */
	peer: string;
	priceMin: number | null;
	priceMax: number | null;
	supplyMin: number | null;
	supplyMax: number | null;
	/** How many copies of one gift this recipient receives per run (null = planner default). */
	maxPerGift: number | null;
}

export interface PlanOptions {
	/** Only limited gifts are bought (GiftBuyer's rule). Default true. */
	onlyLimited?: boolean;
	/** Cap of copies of one gift bought by one account in one run. */
	maxPerGiftPerAccount?: number | null;
	/** Cap of stars spent by the whole run. */
	maxStarsPerRun?: number | null;
	/** Stars each account keeps untouched. */
	reserveStars?: number;
	/** Cap of stars per account per day (needs PlanAccount.spentToday). */
	dailyBudgetPerAccount?: number | null;
	/** Makes the random tie-break (equal supply and price) deterministic. */
	seed?: number;
	/** Extra key mixed into opKeys, e.g. to allow buying the same gift again in a later campaign. */
	runKey?: string;
	/** "Now" in unix seconds, for lockedUntil checks (pure core never reads the clock). */
	nowSec?: number;
}

export interface PlanInput {
	gifts: unknown[];
	accounts: PlanAccount[];
	recipients: Recipient[];
	options?: PlanOptions;
}

export interface Operation {
	/** Stable for the same input and seed; unique; the ledger's idempotency key. */
	opKey: string;
	accountId: string;
	recipient: string;
	giftId: string;
	/** Stars per copy. */
	price: number;
	quantity: number;
	/** The gift's availabilityTotal (null when unlimited). */
	supply: number | null;
}

export type SkipReason =
	| 'auction'
	| 'non_limited'
	| 'invalid'
	| 'sold_out'
	| 'no_recipient_match'
	| 'insufficient_balance'
	| 'premium_required'
	| 'per_user_limit'
	| 'locked'
	| 'budget_exhausted';

export interface Skip {
	giftId: string;
	reason: SkipReason;
	recipient?: string;
	accountId?: string;
	detail: string;
	/** The gift's price and supply when it could be read (null for invalid gifts). */
	price?: number | null;
	supply?: number | null;
	/** Copies the planner wanted but could not plan (absent for gifts skipped by a rule). */
	unplanned?: number;
	/** For balance/budget skips: stars one more copy needs, and what the best account had. */
	need?: number;
	available?: number;
}

export interface Plan {
	operations: Operation[];
	skips: Skip[];
	summary: PlanSummary;
	/** The accounts as planned (start balances), so a report needs only the plan and the results. */
	accounts?: PlanAccount[];
	/** Gift titles by gift id, where the input gifts had one (reports name gifts by title). */
	giftTitles?: Record<string, string>;
}

export interface PlanSummary {
	/** Input gifts (every one is planned or skipped). */
	gifts: number;
	/** Gifts with at least one operation. plannedGifts + skippedGifts = gifts. */
	plannedGifts: number;
	/** Gifts with no operation. */
	skippedGifts: number;
	/** Planned gifts that also have a skip (fewer copies planned than wanted). */
	partialGifts?: number;
	operations: number;
	/** Copies planned (sum of operation quantities). */
	quantity: number;
	stars: number;
}

/** Why a buy did not happen, as Telegram (or our own checks) said it. */
export type BuyFailureReason =
	| 'auction'
	| 'sold_out'
	| 'balance_too_low'
	| 'premium_required'
	| 'per_user_limit'
	| 'recipient_cannot_receive'
	| 'peer_invalid'
	| 'gift_not_found'
	| 'price_changed'
	| 'form_expired'
	| 'flood_wait'
	| 'auth_invalid'
	| 'network'
	| 'already_bought'
	| 'pending_unresolved'
	/**
	 * Telegram answered payments.paymentVerificationNeeded: nothing was paid; the payment waits for
	 * a confirmation in the Telegram app (the unit is reconciled from the account's Stars
	 * transactions before it may be bought again).
	 */
	| 'verification_needed'
	| 'telegram_error';

/** One result per buy item (the Telegram Gift node's Buy output). */
export interface BuyResult {
	status: 'bought' | 'failed' | 'skipped';
	reason: BuyFailureReason | null;
	error: string | null;
	opKey: string;
	accountId: string;
	recipient: string;
	giftId: string;
	price: number;
	quantity: number;
	quantityBought: number;
	/** The gift's edition size, carried over from the operation (null when unlimited or unknown). */
	supply?: number | null;
	balanceAfter: number | null;
	/** Whether trying again later might succeed. */
	retryable: boolean;
}
