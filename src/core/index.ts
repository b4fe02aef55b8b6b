/** The pure domain core: gift model, peers, input validation, drop planner, auction strategy and report. No I/O. */
export type * from './types';
export { normalizeGift, rawGiftId, type GiftError, type GiftParse } from './gift';
export { parsePeer, formatPeer, canonicalPeer, type Peer, type PeerParse } from './peer';
export {
	ValidationError,
	validatePlanInput,
	validatePlan,
	validateResults,
	validateAccount,
	validateRecipient,
	validateOptions,
	DEFAULT_OPTIONS,
	DEFAULT_MAX_PER_GIFT,
	type ResolvedOptions,
	type ValidPlanInput,
} from './validate';
export {
	plan,
	planValidated,
	opKeyOf,
	recipientMatches,
	compareRecipientPreference,
	compareGiftPriority,
	tieBreakOf,
	mulberry32,
} from './planner';
export {
	planBids,
	planBidsValidated,
	validateAuctionPlanInput,
	bidOpKeyOf,
	ranksAbove,
	competitorLevels,
	competitorAmountAt,
	type AuctionBidLevel,
	type AuctionStatus,
	type AuctionSnapshot,
	type OwnBid,
	type AuctionAccount,
	type AuctionGoal,
	type AuctionPlanOptions,
	type AuctionPlanInput,
	type ValidAuctionPlanInput,
	type BidReason,
	type BidStep,
	type BidDecision,
	type BidPlan,
	type BidPlanSummary,
} from './auction';
export {
	buildAuctionSection,
	auctionEventText,
	type AuctionLedgerRow,
	type AuctionAccountSection,
	type AuctionSection,
	type AuctionEventInput,
} from './auctionReport';
export {
	buildReport,
	computeTotals,
	renderReport,
	splitReportText,
	TELEGRAM_MESSAGE_LIMIT,
	type Report,
	type ReportLang,
	type ReportOptions,
	type ReportResult,
	type ReportTotals,
	type GiftReport,
	type GiftOutcome,
	type RecipientReport,
	type AccountReport,
} from './report';
