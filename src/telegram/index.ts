/**
 * The Telegram account layer: pooled MTProto clients, typed resilient calls, account operations
 * and at-most-once buying. Nodes import from here (never from ./gramjs or the library).
 */
export { createTelegramClient, destroyClient, type TelegramServer, type CreateTelegramClientOptions } from './connection';
export {
	ClientPool,
	getSharedPool,
	accountKeyOf,
	serverKeyOf,
	type AccountCredentials,
	type AccountLease,
	type PoolOptions,
} from './pool';
export {
	TelegramAccount,
	DEFAULT_CALL_POLICY,
	type CallPolicy,
	type WhoAmI,
	type StarsBalance,
	type CatalogResult,
	type ResolvedRecipient,
	type RecipientKind,
	type CanReceiveResult,
	type PaymentFormInfo,
	type SavedGiftInfo,
	type StarsTransactionInfo,
	type PeerStoreOption,
	type StickerFile,
} from './account';
export {
	buyGiftUnit,
	reconcileAccount,
	executeOperations,
	DEFAULT_RECONCILE_GRACE_MS,
	type BuyOptions,
	type BuyUnitRequest,
	type BuyUnitOutcome,
	type ReconcileReport,
	type ExecuteContext,
} from './buyer';
export {
	AccountError,
	FloodWaitError,
	AuthInvalidError,
	NetworkError,
	DeadlineError,
	CircuitOpenError,
	TelegramError,
	MigrateError,
	PaymentVerificationError,
	AUTH_INVALID_ERRORS,
	buyReasonFor,
	isRetryableBuyReason,
	mapTelegramError,
	redactSecrets,
	type ErrorContext,
} from './errors';
export { giftFromStarGift, type StarGiftConversion } from './gift-mapping';
export { clientIdentity, defaultClientIdentity, type ClientIdentity } from './identity';
export { USERNAME_TTL_MS, PEER_SCAN_REUSE_MS, type PeerStore } from './peers';
export {
	readAuction,
	activeAuctions,
	wonGifts,
	bidPaymentForm,
	sendBidForm,
	ownBidOf,
	snapshotOf,
	snapshotFor,
	auctionUpdateOf,
	type AuctionUpdate,
	type AuctionRead,
	type ActiveAuction,
	type WonGift,
	type BidForm,
	type BidAnswer,
} from './auctions';
export {
	placeBidStep,
	reconcileBids,
	bidReasonOf,
	AuctionFollower,
	DEFAULT_BID_RECONCILE_GRACE_MS,
	type BidFailureReason,
	type BidStepOutcome,
	type BidStepRequest,
	type ReconcileBidsOptions,
	type AuctionEvent,
	type FollowOptions,
} from './bidder';
export {
	searchListings,
	valueInfo,
	listingOf,
	attributesOf,
	resalePaymentForm,
	sendResaleForm,
	buyListing,
	reconcileResale,
	executeResale,
	resaleReasonOf,
	clearResaleCaches,
	type AttributeOption,
	type ListingSearch,
	type ListingPage,
	type ValueInfo,
	type ResaleBuyReason,
	type ResaleBuyResult,
	type ResaleForm,
	type ResaleBuyOptions,
	type ResaleReconcileReport,
	type ResaleExecuteContext,
} from './resale';
