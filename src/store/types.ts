/**
 * The store's contract. Everything the nodes, the trigger and the buyer persist goes through
 * `GiftStore`, so a second backend (PostgreSQL, for n8n queue mode where several processes share
 * state) only has to implement this interface. The store holds no secrets in the clear: no session
 * strings, no api_hash, no bot tokens — accounts are identified by their Telegram user id. The one
 * exception is sealed: a pending login's state (src/telegram/pendingLogin.ts) is stored encrypted
 * under a key derived from its login id, which the store never sees.
 */

/** A gift as first/last seen by the trigger. `data` is the normalized Gift (src/core) as JSON. */
export interface SeenGift {
	giftId: string;
	firstSeenMs: number;
	lastSeenMs: number;
	/** When the gift was first seen sold out; null while it is still available (or unlimited). */
	soldOutAtMs: number | null;
	data: unknown;
}

export interface SeenGiftsUpdate {
	/** Gift ids never seen before this call. */
	newGiftIds: string[];
	/** Gift ids that were available before and are sold out now (first time only). */
	newlySoldOutGiftIds: string[];
}

export interface SupplySample {
	giftId: string;
	atMs: number;
	remains: number;
}

/**
 * `pending`/`unknown`/`failed`: as for purchases, also for bid steps. Purchases end `bought`. A
 * bid step that Telegram accepted is `held` (its Stars are held by the auction) until the bid is
 * `won` (spent) or `returned` (refunded).
 */
export type LedgerStatus = 'pending' | 'bought' | 'failed' | 'unknown' | 'held' | 'won' | 'returned';

/**
 * Every money path writes the one ledger: a copy bought, a step of an auction bid (docs/auctions.md),
 * or a collectible bought from a resale listing (docs/resale.md: giftId is the listing's slug,
 * unitIndex 0, statuses as for purchases).
 */
export type LedgerKind = 'purchase' | 'bid' | 'resale';

/** How a unit or step can be settled (everything but `pending`). */
export type LedgerOutcomeStatus = Exclude<LedgerStatus, 'pending'>;

/**
 * One unit (one copy of one gift) of a purchase operation. (opKey, unitIndex) is unique: it is the
 * at-most-once key. `pending` is written before the payment is sent; `unknown` means the send
 * happened but its outcome could not be established yet. Both block any new send of that unit.
 */
export interface LedgerEntry {
	opKey: string;
	/** A purchase's copy number; for a bid step, the total bid after the step (a bid's amounts strictly rise). */
	unitIndex: number;
	kind: LedgerKind;
	/** Bid steps: the total bid after this step (= unitIndex); null for purchases. */
	bidAmount: number | null;
	accountId: string;
	recipient: string;
	giftId: string;
	/** Stars this unit or step takes: a copy's price; a new bid's amount, or a raise's difference. */
	price: number;
	status: LedgerStatus;
	/** A BuyFailureReason (src/core/types.ts) for failed units, or a reconciliation note. */
	reason: string | null;
	createdAtMs: number;
	/** When sendStarsForm was issued (null: never sent). */
	sentAtMs: number | null;
	updatedAtMs: number;
}

export interface NewLedgerEntry {
	opKey: string;
	unitIndex: number;
	accountId: string;
	recipient: string;
	giftId: string;
	price: number;
	atMs: number;
	/** Default 'purchase'. */
	kind?: LedgerKind;
	/** Bid steps: the total bid after the step. */
	bidAmount?: number;
}

export type ClaimResult =
	| { claimed: true; entry: LedgerEntry }
	/** The unit is already pending/unknown/bought: it must not be sent again. */
	| { claimed: false; entry: LedgerEntry };

/** A buyer's ledger writes on different units, made in one go (GiftStore.ledgerStep). */
export interface LedgerStep {
	/** As settlePurchase. */
	settle?: { opKey: string; unitIndex: number; outcome: { status: LedgerOutcomeStatus; reason: string | null; atMs: number } };
	/** As markSent. */
	markSent?: { opKey: string; unitIndex: number; atMs: number };
	/** As claimPurchase. */
	claim?: NewLedgerEntry;
}

export interface LedgerQuery {
	statuses?: LedgerStatus[];
	kind?: LedgerKind;
	giftId?: string;
	accountId?: string;
	opKey?: string;
	sinceMs?: number;
}

export interface StickerEntry {
	giftId: string;
	bytes: Buffer;
	mime: string;
	storedAtMs: number;
}

/**
 * What one account knows about one peer: the access hash Telegram handed this account for it
 * (hashes are per account: another account's hash is refused), and the peer's public username when
 * it has one. `peer` is the canonical peer string: a user id ("12345") or a marked channel id
 * ("-100…"). Not a secret (a hash only works from the account it was issued to), but it is the
 * only way to address a peer by id, and getting it again costs dialog paging or a tightly rate
 * limited contacts.resolveUsername.
 */
export interface PeerAccess {
	accountId: string;
	peer: string;
	/** Signed 64-bit access hash as a decimal string. */
	accessHash: string;
	/** Lower-case username without "@", or null. */
	username: string | null;
	title: string | null;
	updatedAtMs: number;
}

/**
 * A pending login as the store keeps it: ciphertext only, under a hash of the login id
 * (src/telegram/pendingLogin.ts seals and opens it).
 */
export interface SealedLogin {
	sealed: Buffer;
	expiresAtMs: number;
}

/**
 * Claiming a pending login for one step: `claimed` (the state, now held by the claimant until the
 * given moment), `busy` (another step holds it and its claim has not run out) or `missing`
 * (unknown, finished or expired).
 */
export type LoginClaim = { claimed: SealedLogin } | { busy: true } | { missing: true };

export interface GiftStore {
	/** Where the data lives (a file path for sqlite); for messages, never contains secrets. */
	readonly location: string;

	/** Upserts gifts seen at `atMs`; tells which are new and which just sold out. */
	recordGiftsSeen(gifts: Array<{ id: string; soldOut: boolean; data: unknown }>, atMs: number): Promise<SeenGiftsUpdate>;
	getSeenGift(giftId: string): Promise<SeenGift | null>;
	listSeenGifts(): Promise<SeenGift[]>;

	addSupplySamples(samples: SupplySample[]): Promise<void>;
	/** Samples of one gift, oldest first. */
	listSupplySamples(giftId: string, sinceMs?: number): Promise<SupplySample[]>;

	/**
	 * Atomically reserves a unit as `pending`. A unit that is `failed` may be claimed again (nothing
	 * was charged); `pending`, `unknown` and `bought` units are returned unclaimed.
	 */
	claimPurchase(entry: NewLedgerEntry): Promise<ClaimResult>;
	/** Records that sendStarsForm is about to be issued for a pending unit. */
	markSent(opKey: string, unitIndex: number, atMs: number): Promise<void>;
	settlePurchase(opKey: string, unitIndex: number, outcome: { status: LedgerOutcomeStatus; reason: string | null; atMs: number }): Promise<void>;
	/**
	 * Up to three of the writes above, for different units, in one round trip to the database (the
	 * buyer's pipeline: record this unit's send, claim the next unit, settle the previous one). Each
	 * has exactly the effect of its own method and is atomic on its own; they are not one
	 * transaction, and no order between them matters. Resolves once all are written, with the
	 * claim's result (null without a claim); rejects if any of them failed.
	 */
	ledgerStep(step: LedgerStep): Promise<ClaimResult | null>;
	getPurchase(opKey: string, unitIndex: number): Promise<LedgerEntry | null>;
	/** Matching entries, oldest first. */
	listPurchases(query?: LedgerQuery): Promise<LedgerEntry[]>;

	/**
	 * Stars committed by an account since `sinceMs` (bought + pending + unknown, and for bids held +
	 * won: an unresolved unit and a held bid count as spent until returned, so a budget can never be
	 * exceeded). Derived from the ledger, so it cannot drift from it.
	 */
	spentSince(accountId: string, sinceMs: number): Promise<number>;

	/** Inserts or replaces (account, peer) rows; a username moves to the newest row that carries it. */
	putPeerAccess(entries: PeerAccess[]): Promise<void>;
	getPeerAccess(accountId: string, peer: string): Promise<PeerAccess | null>;
	/**
	 * The most recently updated row carrying `username` (lower-case, without "@"): this account's
	 * when `accountId` is given, else any account's (then only its `peer` is usable by another
	 * account, never its hash).
	 */
	findPeerByUsername(username: string, accountId?: string): Promise<PeerAccess | null>;
	/** Forgets one (account, peer) row (its hash was refused). */
	deletePeerAccess(accountId: string, peer: string): Promise<void>;

	getSticker(giftId: string): Promise<StickerEntry | null>;
	putSticker(giftId: string, bytes: Buffer, mime: string, atMs: number): Promise<void>;
	/** The Bot API file_id a given bot got when it first uploaded this sticker (file_ids are per bot). */
	getStickerFileId(giftId: string, botId: string): Promise<string | null>;
	putStickerFileId(giftId: string, botId: string, fileId: string): Promise<void>;

	/**
	 * Pending logins (the Session resource's steps, which n8n may run on different processes), one
	 * row each:
	 * - `createPendingLogin` inserts one unclaimed and drops the expired rows;
	 * - `claimPendingLogin` atomically takes it for one step (fencing token `claimant`) unless
	 *   another step's claim is still running; the same claimant claiming again extends its claim;
	 * - `savePendingLogin` writes the step's new state and releases the claim, only while
	 *   `claimant` still holds it (false if the claim was lost);
	 * - `deletePendingLogin` forgets it.
	 */
	createPendingLogin(key: string, sealed: Buffer, expiresAtMs: number, nowMs: number): Promise<void>;
	claimPendingLogin(key: string, claimant: string, untilMs: number, nowMs: number): Promise<LoginClaim>;
	savePendingLogin(key: string, claimant: string, sealed: Buffer, expiresAtMs: number): Promise<boolean>;
	deletePendingLogin(key: string): Promise<void>;

	/** Releases this handle (refcounted: the shared instance closes with its last holder). */
	close(): Promise<void>;
}
