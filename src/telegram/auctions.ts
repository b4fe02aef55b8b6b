/**
 * An account's auction calls (docs/auctions.md) and the one conversion of Telegram's auction
 * objects into the core's AuctionSnapshot / OwnBid. Reads go through the account's call path
 * (deadline, retries, breaker, flood parking); the bid payment is never retried.
 */
import { normalizeGift } from '../core/gift';
import { formatPeer } from '../core/peer';
import type { AuctionSnapshot, OwnBid } from '../core/auction';
import type { Gift } from '../core/types';
import type { TelegramAccount, ResolvedRecipient, StarsBalance } from './account';
import { DEFAULT_CALL_POLICY, starsBalanceIn } from './account';
import { TelegramError } from './errors';
import { Api, returnBigInt } from './gramjs';

export interface AuctionRead {
	/** True when Telegram answered starGiftAuctionStateNotModified for the version passed: `snapshot` is null. */
	notModified: boolean;
	snapshot: AuctionSnapshot | null;
	/** This account's own bid (null when it has none). */
	bid: OwnBid | null;
	acquiredCount: number;
	/** Re-invoke getStarGiftAuctionState after this many seconds to keep receiving updates. */
	timeoutSec: number;
	/** User ids of the top 3 bidders. */
	topBidders: string[];
	lastGiftNum: number;
}

export interface WonGift {
	peer: string;
	dateSec: number;
	amount: number;
	round: number;
	pos: number;
	giftNum: number | null;
	nameHidden: boolean;
}

export interface BidForm {
	formId: string;
	amount: number;
	form: Api.payments.PaymentFormStarGift;
	invoice: Api.InputInvoiceStarGiftAuctionBid;
}

export interface BidAnswer {
	/** The bid as the payment's answer reports it (updateStarGiftAuctionUserState), when it carries one. */
	bid: OwnBid | null;
	balanceAfter: StarsBalance | null;
}

const num = (v: unknown): number => Number(String(v ?? 0));

function peerString(peer: Api.TypePeer | undefined): string | null {
	if (peer instanceof Api.PeerUser) return peer.userId.toString();
	if (peer instanceof Api.PeerChannel) return formatPeer({ kind: 'channel', channelId: peer.channelId.toString() });
	return null;
}

/** starGiftAuctionUserState → the core's OwnBid (null without a bid). */
export function ownBidOf(state: Api.TypeStarGiftAuctionUserState): { bid: OwnBid | null; acquiredCount: number } {
	const acquiredCount = state.acquiredCount ?? 0;
	// The four bid fields are set together, only when the user has placed a bid (tdlib treats a zero date or no peer as none).
	if (!state.bidDate || !state.bidPeer || state.bidAmount === undefined || state.bidAmount === null) return { bid: null, acquiredCount };
	const amount = num(state.bidAmount);
	return {
		bid: { amount, dateSec: state.bidDate, returned: state.returned === true, minBidAmount: state.minBidAmount === undefined ? amount + 1 : num(state.minBidAmount), peer: peerString(state.bidPeer) },
		acquiredCount,
	};
}

/** The auction's state → the core's snapshot; `nowSec` decides pending vs active. */
export function snapshotOf(gift: Api.TypeStarGift, state: Api.TypeStarGiftAuctionState, nowSec: number): AuctionSnapshot | null {
	if (state instanceof Api.StarGiftAuctionStateNotModified) return null;
	const parsed = normalizeGift(gift);
	if ('error' in parsed) throw new TelegramError({ account: '', method: 'payments.GetStarGiftAuctionState' }, 500, `AUCTION_GIFT_INVALID ${parsed.error.field}`);
	return snapshotFor(parsed.ok, state, nowSec);
}

/** A state (read or pushed by updateStarGiftAuctionState) of an auction whose gift is known. */
export function snapshotFor(g: Gift, state: Api.TypeStarGiftAuctionState, nowSec: number): AuctionSnapshot | null {
	if (state instanceof Api.StarGiftAuctionStateNotModified) return null;
	if (state instanceof Api.StarGiftAuctionStateFinished) {
		return {
			gift: g,
			status: 'finished',
			// A finished auction has no version; it ranks above every active one (as the official app does).
			version: 0x7fffffff,
			minBidAmount: 0,
			bidLevels: [],
			giftsPerRound: g.giftsPerRound ?? 1,
			giftsLeft: 0,
			currentRound: 0,
			totalRounds: 0,
			nextRoundAtSec: state.endDate,
			startDateSec: state.startDate,
			endDateSec: state.endDate,
			averagePrice: num(state.averagePrice),
		};
	}
	return {
		gift: g,
		status: state.startDate > nowSec ? 'pending' : 'active',
		version: state.version,
		minBidAmount: num(state.minBidAmount),
		bidLevels: state.bidLevels.map((l) => ({ pos: l.pos, amount: num(l.amount), dateSec: l.date })),
		giftsPerRound: g.giftsPerRound ?? 1,
		giftsLeft: state.giftsLeft,
		currentRound: state.currentRound,
		totalRounds: state.totalRounds,
		nextRoundAtSec: state.nextRoundAt,
		startDateSec: state.startDate,
		endDateSec: state.endDate,
		averagePrice: null,
	};
}

function inputAuction(auction: string): Api.TypeInputStarGiftAuction {
	return /^[0-9]+$/.test(auction) ? new Api.InputStarGiftAuction({ giftId: returnBigInt(auction) }) : new Api.InputStarGiftAuctionSlug({ slug: auction });
}

/** payments.getStarGiftAuctionState: also (re)subscribes this account to the auction's updates. */
export async function readAuction(account: TelegramAccount, auction: string, version = 0, nowSec = Math.floor(Date.now() / 1000)): Promise<AuctionRead> {
	const result = await account.call(new Api.payments.GetStarGiftAuctionState({ auction: inputAuction(auction), version }), { retry: true });
	const own = ownBidOf(result.userState);
	const state = result.state;
	return {
		notModified: state instanceof Api.StarGiftAuctionStateNotModified,
		snapshot: snapshotOf(result.gift, state, nowSec),
		bid: own.bid,
		acquiredCount: own.acquiredCount,
		timeoutSec: result.timeout,
		topBidders: state instanceof Api.StarGiftAuctionState ? state.topBidders.map((id) => id.toString()) : [],
		lastGiftNum: state instanceof Api.StarGiftAuctionState ? state.lastGiftNum : 0,
	};
}

export interface ActiveAuction {
	giftId: string;
	snapshot: AuctionSnapshot | null;
	bid: OwnBid | null;
	acquiredCount: number;
}

/** payments.getStarGiftActiveAuctions: not yet ended auctions this account bid on. */
export async function activeAuctions(account: TelegramAccount, nowSec = Math.floor(Date.now() / 1000)): Promise<ActiveAuction[]> {
	const result = await account.call(new Api.payments.GetStarGiftActiveAuctions({ hash: returnBigInt(0) }), { retry: true });
	if (!(result instanceof Api.payments.StarGiftActiveAuctions)) return [];
	return result.auctions.map((a) => {
		const own = ownBidOf(a.userState);
		const giftId = a.gift instanceof Api.StarGift ? a.gift.id.toString() : '';
		return { giftId, snapshot: snapshotOf(a.gift, a.state, nowSec), bid: own.bid, acquiredCount: own.acquiredCount };
	});
}

/** payments.getStarGiftAuctionAcquiredGifts: the copies this account won in that auction. */
export async function wonGifts(account: TelegramAccount, giftId: string): Promise<WonGift[]> {
	const result = await account.call(new Api.payments.GetStarGiftAuctionAcquiredGifts({ giftId: returnBigInt(giftId) }), { retry: true });
	return result.gifts.map((g) => ({
		peer: peerString(g.peer) ?? '',
		dateSec: g.date,
		amount: num(g.bidAmount),
		round: g.round,
		pos: g.pos,
		giftNum: g.giftNum ?? null,
		nameHidden: g.nameHidden === true,
	}));
}

/**
 * Step 1 of a bid: the payment form. A new bid names its recipient (and may hide the name / carry
 * a message); a raise (`update`) must not (docs/auctions.md rule 3). Safe to repeat: never charges.
 */
export async function bidPaymentForm(
	account: TelegramAccount,
	request: { giftId: string; amount: number; update: boolean; recipient?: ResolvedRecipient; hideName?: boolean; message?: string },
): Promise<BidForm> {
	const invoice = new Api.InputInvoiceStarGiftAuctionBid({
		giftId: returnBigInt(request.giftId),
		bidAmount: returnBigInt(request.amount),
		updateBid: request.update || undefined,
		peer: request.update ? undefined : request.recipient?.peer,
		hideName: !request.update && request.hideName ? true : undefined,
		message: !request.update && request.message ? new Api.TextWithEntities({ text: request.message, entities: [] }) : undefined,
	});
	const form = await account.call(new Api.payments.GetPaymentForm({ invoice }), { retry: true });
	if (!(form instanceof Api.payments.PaymentFormStarGift)) throw new TelegramError({ account: account.label, method: 'payments.GetPaymentForm' }, 400, 'FORM_UNSUPPORTED');
	const amount = form.invoice.prices.reduce((sum, p) => sum + num(p.amount), 0);
	return { formId: form.formId.toString(), amount, form, invoice };
}

/** Step 2: pays the bid form. Never retried; a deadline or lost connection means "outcome unknown". */
export async function sendBidForm(account: TelegramAccount, form: BidForm, sendDeadlineMs = DEFAULT_CALL_POLICY.sendDeadlineMs): Promise<BidAnswer> {
	const result = await account.call(new Api.payments.SendStarsForm({ formId: form.form.formId, invoice: form.invoice }), { retry: false, deadlineMs: sendDeadlineMs });
	if (!(result instanceof Api.payments.PaymentResult)) return { bid: null, balanceAfter: null };
	let bid: OwnBid | null = null;
	const updates = result.updates;
	account.deliverUpdates(updates);
	const list = updates instanceof Api.Updates || updates instanceof Api.UpdatesCombined ? updates.updates : updates instanceof Api.UpdateShort ? [updates.update] : [];
	for (const u of list) if (u instanceof Api.UpdateStarGiftAuctionUserState) bid = ownBidOf(u.userState).bid;
	return { bid, balanceAfter: starsBalanceIn(updates) };
}

/** A pushed auction update, without TL: the auction's new state, or one account's own bid. */
export type AuctionUpdate =
	| { kind: 'state'; giftId: string; state: Api.TypeStarGiftAuctionState }
	| { kind: 'user'; giftId: string; bid: OwnBid | null; acquiredCount: number }
	| { kind: 'balance'; stars: number };

/** What an update pushed to an account says about auctions (null: nothing). */
export function auctionUpdateOf(update: unknown): AuctionUpdate | null {
	if (update instanceof Api.UpdateStarGiftAuctionState) return { kind: 'state', giftId: update.giftId.toString(), state: update.state };
	if (update instanceof Api.UpdateStarGiftAuctionUserState) {
		const own = ownBidOf(update.userState);
		return { kind: 'user', giftId: update.giftId.toString(), bid: own.bid, acquiredCount: own.acquiredCount };
	}
	if (update instanceof Api.UpdateStarsBalance && update.balance instanceof Api.StarsAmount) return { kind: 'balance', stars: Number(update.balance.amount.toString()) };
	return null;
}
