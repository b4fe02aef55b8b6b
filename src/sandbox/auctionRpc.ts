/**
 * The auction room's Telegram API (docs/auctions.md): payments.getStarGiftAuctionState (which also
 * subscribes the caller to updates for `timeout` seconds), payments.getStarGiftActiveAuctions,
 * payments.getStarGiftAuctionAcquiredGifts, the bid invoice through getPaymentForm/sendStarsForm,
 * and the pushed updateStarGiftAuctionState / updateStarGiftAuctionUserState. Answers are built
 * with the client library's own TL classes.
 */
import { crc32 } from 'node:zlib';

import { Api, returnBigInt } from '../telegram/gramjs';
import { AuctionRoom, type AuctionState, type BidInvoice, type LiveBid } from './auction';
import { MarketError, type GiftState, type PeerRef } from './market';
import type { RpcCall } from './mtproto/server';

type BigInteger = ReturnType<typeof returnBigInt>;
const big = (v: bigint | number | string): BigInteger => returnBigInt(typeof v === 'string' ? BigInt(v) : v);

/** What the auction API borrows from the sandbox's RPC layer. */
export interface AuctionTlKit {
	unix(ms?: number): number;
	starGift(g: GiftState, accountId: string): Api.StarGift;
	user(accountId: string, selfId: string): Api.TypeUser;
	channel(channelId: string, accountId: string): Api.Channel;
	peerOf(input: unknown, accountId: string): PeerRef;
	tlPeer(peer: PeerRef): Api.TypePeer;
	push(accountId: string, updates: Api.TypeUpdates): void;
	isAccount(id: string): boolean;
}

type SignedInCall = RpcCall & { accountId: string };

/** bid_levels: every place up to this many, then every tenth, then the last bid (the list is sparse after the top). */
const DENSE_LEVELS = 30;

export class AuctionRpc {
	/** The account whose payment is being answered: its user state travels in the answer, not in a push. */
	private paying: string | null = null;

	constructor(
		readonly room: AuctionRoom,
		private readonly tl: AuctionTlKit,
	) {
		room.onChange((change) => {
			const a = room.auctions.get(change.giftId);
			if (!a) return;
			const date = tl.unix();
			if (change.state) {
				const state = this.stateTl(a, 0);
				for (const accountId of room.subscribed(a)) {
					tl.push(accountId, new Api.UpdateShort({ update: new Api.UpdateStarGiftAuctionState({ giftId: big(a.gift.def.id), state }), date }));
				}
			}
			for (const accountId of change.users) {
				if (accountId === this.paying) continue;
				tl.push(accountId, new Api.UpdateShort({ update: new Api.UpdateStarGiftAuctionUserState({ giftId: big(a.gift.def.id), userState: this.userStateTl(a, accountId) }), date }));
			}
		});
	}

	handlers(): Record<string, (call: SignedInCall) => Buffer> {
		return {
			'payments.getStarGiftAuctionState': (c) => this.getState(c),
			'payments.getStarGiftActiveAuctions': (c) => this.getActive(c),
			'payments.getStarGiftAuctionAcquiredGifts': (c) => this.getAcquired(c),
		};
	}

	// ---- TL builders --------------------------------------------------------------------------------

	private roundsTl(a: AuctionState): Api.TypeStarGiftAuctionRound[] {
		let num = 1;
		return a.def.rounds.map((rule) => {
			const duration = Math.ceil(rule.durationMs / 1000);
			const out =
				rule.extendTop && rule.extendWindowMs
					? new Api.StarGiftAuctionRoundExtendable({ num, duration, extendTop: rule.extendTop, extendWindow: Math.ceil(rule.extendWindowMs / 1000) })
					: new Api.StarGiftAuctionRound({ num, duration });
			num += rule.count;
			return out;
		});
	}

	private levelsTl(a: AuctionState): Api.AuctionBidLevel[] {
		const ranked = this.room.ranked(a);
		const out: Api.AuctionBidLevel[] = [];
		ranked.forEach((bid, i) => {
			const pos = i + 1;
			if (pos <= DENSE_LEVELS || pos % 10 === 0 || pos === ranked.length) {
				out.push(new Api.AuctionBidLevel({ pos, amount: big(bid.amount), date: this.tl.unix(bid.atMs) }));
			}
		});
		return out;
	}

	/** The auction's state as `version` asked it: not modified, finished, or active/pending. */
	stateTl(a: AuctionState, version: number): Api.TypeStarGiftAuctionState {
		const startDate = this.tl.unix(a.def.startAtMs);
		if (a.finished) {
			return new Api.StarGiftAuctionStateFinished({ startDate, endDate: this.tl.unix(a.finishedAtMs ?? this.room.now), averagePrice: big(a.averagePrice ?? 0) });
		}
		if (version !== 0 && version === a.version) return new Api.StarGiftAuctionStateNotModified();
		const remainingMs = this.remainingDurationMs(a);
		return new Api.StarGiftAuctionState({
			version: a.version,
			startDate,
			endDate: this.tl.unix(a.roundEndMs + remainingMs),
			minBidAmount: big(this.room.minBidFor(a)),
			bidLevels: this.levelsTl(a),
			topBidders: this.room
				.ranked(a)
				.slice(0, 3)
				.map((b) => big(b.bidderId)),
			nextRoundAt: this.tl.unix(a.roundEndMs),
			lastGiftNum: a.lastGiftNum,
			giftsLeft: a.giftsLeft,
			currentRound: a.round,
			totalRounds: a.totalRounds,
			rounds: this.roundsTl(a),
		});
	}

	/** Planned duration of the rounds after the current one. */
	private remainingDurationMs(a: AuctionState): number {
		let ms = 0;
		for (let n = a.round + 1; n <= a.totalRounds; n++) ms += this.room.roundRule(a.def, n).durationMs;
		return ms;
	}

	userStateTl(a: AuctionState, accountId: string): Api.StarGiftAuctionUserState {
		const s = a.users.get(accountId);
		const live: LiveBid | undefined = a.bids.get(accountId);
		if (!s?.bid) return new Api.StarGiftAuctionUserState({ acquiredCount: s?.acquired ?? 0 });
		return new Api.StarGiftAuctionUserState({
			returned: s.bid.returned || undefined,
			bidAmount: big(s.bid.amount),
			bidDate: this.tl.unix(s.bid.atMs),
			minBidAmount: big(live ? this.room.userMinBid(a, live) : this.room.minBidFor(a)),
			bidPeer: this.tl.tlPeer(s.bid.peer),
			acquiredCount: s.acquired,
		});
	}

	private usersOf(a: AuctionState, accountId: string): Api.TypeUser[] {
		const users = new Map<string, Api.TypeUser>();
		users.set(accountId, this.tl.user(accountId, accountId));
		for (const b of this.room.ranked(a).slice(0, 3)) {
			if (users.has(b.bidderId)) continue;
			// Competitors are other users; Telegram sends top bidders as min constructors.
			users.set(b.bidderId, this.tl.isAccount(b.bidderId) ? this.tl.user(b.bidderId, accountId) : new Api.User({ id: big(b.bidderId), min: true, firstName: `Bidder ${b.bidderId.slice(-4)}` }));
		}
		return [...users.values()];
	}

	private resolve(input: unknown): AuctionState {
		let a: AuctionState;
		if (input instanceof Api.InputStarGiftAuction) a = this.room.auction(String(input.giftId));
		else if (input instanceof Api.InputStarGiftAuctionSlug) a = this.room.bySlug(input.slug);
		else throw new MarketError('STARGIFT_INVALID');
		// Not announced yet: unknown to clients.
		if (!a.gift.released) throw new MarketError('STARGIFT_INVALID');
		return a;
	}

	// ---- methods ------------------------------------------------------------------------------------

	private getState(call: SignedInCall): Buffer {
		const req = call.request as Api.payments.GetStarGiftAuctionState;
		this.room.advance();
		const a = this.resolve(req.auction);
		this.room.subscribe(a, call.accountId, a.def.timeoutSec);
		return new Api.payments.StarGiftAuctionState({
			gift: this.tl.starGift(a.gift, call.accountId),
			state: this.stateTl(a, req.version ?? 0),
			userState: this.userStateTl(a, call.accountId),
			timeout: a.def.timeoutSec,
			users: this.usersOf(a, call.accountId),
			chats: [],
		}).getBytes();
	}

	/** Hash over (bid date, version) of the listed auctions, as the official client computes its own. */
	private activeHash(auctions: AuctionState[], accountId: string): bigint {
		const parts = auctions.map((a) => `${a.users.get(accountId)?.bid?.atMs ?? 0}:${a.version}`).sort();
		return BigInt(crc32(parts.join('|')) >>> 0);
	}

	private getActive(call: SignedInCall): Buffer {
		const req = call.request as Api.payments.GetStarGiftActiveAuctions;
		const auctions = this.room.activeFor(call.accountId);
		const hash = this.activeHash(auctions, call.accountId);
		if (auctions.length > 0 && req.hash !== undefined && BigInt(String(req.hash)) === hash) return new Api.payments.StarGiftActiveAuctionsNotModified().getBytes();
		return new Api.payments.StarGiftActiveAuctions({
			auctions: auctions.map(
				(a) => new Api.StarGiftActiveAuctionState({ gift: this.tl.starGift(a.gift, call.accountId), state: this.stateTl(a, 0), userState: this.userStateTl(a, call.accountId) }),
			),
			users: [this.tl.user(call.accountId, call.accountId)],
			chats: [],
		}).getBytes();
	}

	private getAcquired(call: SignedInCall): Buffer {
		const req = call.request as Api.payments.GetStarGiftAuctionAcquiredGifts;
		this.room.advance();
		const a = this.room.auction(String(req.giftId));
		const won = this.room.acquiredBy(a, call.accountId);
		const chats = new Map<string, Api.Channel>();
		for (const g of won) if (g.peer.kind === 'channel') chats.set(g.peer.id, this.tl.channel(g.peer.id, call.accountId));
		return new Api.payments.StarGiftAuctionAcquiredGifts({
			gifts: won.map(
				(g) =>
					new Api.StarGiftAuctionAcquiredGift({
						nameHidden: g.hideName || undefined,
						peer: this.tl.tlPeer(g.peer),
						date: this.tl.unix(g.atMs),
						bidAmount: big(g.amount),
						round: g.round,
						pos: g.pos,
						message: g.message ? new Api.TextWithEntities({ text: g.message, entities: [] }) : undefined,
						giftNum: g.giftNum,
					}),
			),
			users: [this.tl.user(call.accountId, call.accountId)],
			chats: [...chats.values()],
		}).getBytes();
	}

	// ---- the bid invoice ------------------------------------------------------------------------------

	bidInvoice(invoice: Api.InputInvoiceStarGiftAuctionBid, accountId: string): BidInvoice {
		return {
			giftId: String(invoice.giftId),
			amount: Number(String(invoice.bidAmount)),
			updateBid: invoice.updateBid === true,
			peer: invoice.peer ? this.tl.peerOf(invoice.peer, accountId) : null,
			hideName: invoice.hideName === true,
			message: invoice.message instanceof Api.TextWithEntities ? invoice.message.text : null,
		};
	}

	/** payments.getPaymentForm(inputInvoiceStarGiftAuctionBid): the invoice shows the whole new bid. */
	paymentForm(invoice: Api.InputInvoiceStarGiftAuctionBid, accountId: string): Buffer {
		const form = this.room.getBidForm(accountId, this.bidInvoice(invoice, accountId));
		return new Api.payments.PaymentFormStarGift({
			formId: big(form.formId),
			invoice: new Api.Invoice({ currency: 'XTR', prices: [new Api.LabeledPrice({ label: 'Auction bid', amount: big(form.amount) })] }),
		}).getBytes();
	}

	/** payments.sendStarsForm for a bid: the answer carries the new user state; the balance is pushed. */
	pay(invoice: Api.InputInvoiceStarGiftAuctionBid, formId: bigint, accountId: string): Buffer {
		const bid = this.bidInvoice(invoice, accountId);
		this.paying = accountId;
		let balanceAfter: number;
		try {
			balanceAfter = this.room.payBidForm(accountId, formId, bid).balanceAfter;
		} finally {
			this.paying = null;
		}
		const a = this.room.auction(bid.giftId);
		const result = new Api.payments.PaymentResult({
			updates: new Api.Updates({
				updates: [new Api.UpdateStarGiftAuctionUserState({ giftId: big(bid.giftId), userState: this.userStateTl(a, accountId) })],
				users: [this.tl.user(accountId, accountId)],
				chats: [],
				date: this.tl.unix(),
				seq: 0,
			}),
		});
		setImmediate(() => {
			this.tl.push(
				accountId,
				new Api.UpdateShort({ update: new Api.UpdateStarsBalance({ balance: new Api.StarsAmount({ amount: big(balanceAfter), nanos: 0 }) }), date: this.tl.unix() }),
			);
		});
		return result.getBytes();
	}
}
