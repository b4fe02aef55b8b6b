/** The pure domain core: gift model, peers, input validation, planner and report. No I/O. */
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
