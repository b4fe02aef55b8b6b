/**
 * An account's own side of gifts: its Stars transactions (payments.getStarsTransactions, where
 * every gift purchase is listed with the gift and its recipient) and what a recipient does with a
 * gift it received (payments.saveStarGift, payments.convertStarGift). What others see of it is
 * Market.savedGifts (docs/sandbox.md, "Payments, saved gifts and transactions").
 */
import { Api, returnBigInt } from '../telegram/gramjs';
import { MarketError, type GiftState, type Market, type PeerRef, type StarsTransactionRecord } from './market';
import type { PeerCall, SandboxPeers } from './peers';

type BigInteger = ReturnType<typeof returnBigInt>;
const big = (v: bigint | number | string): BigInteger => returnBigInt(typeof v === 'string' ? BigInt(v) : v);

/** boolTrue#997275b5 (the library maps Bool to a JS boolean and has no class to serialize). */
const BOOL_TRUE = Buffer.from([0xb5, 0x75, 0x72, 0x99]);

/** payments.getStarsTransactions pages hold at most this many transactions. */
export const TRANSACTIONS_PAGE_MAX = 100;

export interface OwnedGiftsWorld {
	market: Market;
	peers: SandboxPeers;
	unix: (ms?: number) => number;
	user: (id: string, viewerId: string) => Api.TypeUser;
	channel: (id: string, viewerId: string) => Api.Channel;
	starGift: (g: GiftState, viewerId: string) => Api.StarGift;
	/** A collectible by slug (resale purchases: the gift bought). */
	uniqueGift: (slug: string) => Api.StarGiftUnique;
	/** The account's TON balance in nanotons. */
	tonBalance: (accountId: string) => number;
}

export class SandboxOwnedGifts {
	readonly handlers: Record<string, (call: PeerCall) => Buffer>;

	constructor(private readonly world: OwnedGiftsWorld) {
		this.handlers = {
			'payments.getStarsTransactions': (c) => this.getStarsTransactions(c),
			'payments.saveStarGift': (c) => this.saveStarGift(c),
			'payments.convertStarGift': (c) => this.convertStarGift(c),
		};
	}

	/**
	 * The account's own transactions (peer must be the account itself), newest first unless
	 * `ascending`; `inbound` / `outbound` keep one direction (neither or both: all). `offset` is the
	 * previous page's next_offset.
	 */
	private getStarsTransactions(call: PeerCall): Buffer {
		const req = call.request as Api.payments.GetStarsTransactions;
		const viewer = call.accountId;
		const peer = this.world.peers.inputPeer(req.peer, viewer, 'PEER_ID_INVALID');
		if (peer.kind !== 'user' || peer.id !== viewer) throw new MarketError('PEER_ID_INVALID');
		if (req.subscriptionId) throw new MarketError('SUBSCRIPTION_ID_INVALID');
		const { market } = this.world;
		// Stars and TON are separate histories (the `ton` flag picks the TON one).
		let list = market.starsTransactions(viewer).filter((t) => (t.ton === true) === (req.ton === true));
		if (req.inbound && !req.outbound) list = list.filter((t) => t.amount > 0);
		if (req.outbound && !req.inbound) list = list.filter((t) => t.amount < 0);
		if (!req.ascending) list.reverse();
		const start = req.offset === '' ? 0 : Number.parseInt(req.offset, 10);
		if (!Number.isSafeInteger(start) || start < 0) throw new MarketError('OFFSET_INVALID');
		const limit = Math.max(1, Math.min(req.limit || TRANSACTIONS_PAGE_MAX, TRANSACTIONS_PAGE_MAX));
		const page = list.slice(start, start + limit);
		const users = new Map<string, Api.TypeUser>();
		const chats = new Map<string, Api.Channel>();
		for (const t of page) {
			if (t.peer?.kind === 'user') users.set(t.peer.id, this.world.user(t.peer.id, viewer));
			if (t.peer?.kind === 'channel') chats.set(t.peer.id, this.world.channel(t.peer.id, viewer));
		}
		return new Api.payments.StarsStatus({
			balance: req.ton ? new Api.StarsTonAmount({ amount: big(this.world.tonBalance(viewer)) }) : new Api.StarsAmount({ amount: big(market.account(viewer).balance), nanos: 0 }),
			history: page.map((t) => this.transaction(t, viewer)),
			nextOffset: start + limit < list.length ? String(start + limit) : undefined,
			chats: [...chats.values()],
			users: [...users.values()],
		}).getBytes();
	}

	/** A transaction as Telegram shapes a gift purchase / conversion (tdlib: starTransactionTypeGiftPurchase / GiftSale). */
	private transaction(t: StarsTransactionRecord, viewer: string): Api.StarsTransaction {
		const gift = t.giftId === undefined ? undefined : this.world.market.gifts.get(t.giftId);
		const unique = t.uniqueSlug === undefined ? undefined : this.world.uniqueGift(t.uniqueSlug);
		return new Api.StarsTransaction({
			id: t.id,
			amount: t.ton ? new Api.StarsTonAmount({ amount: big(t.amount) }) : new Api.StarsAmount({ amount: big(t.amount), nanos: 0 }),
			date: this.world.unix(t.atMs),
			peer: t.peer ? new Api.StarsTransactionPeer({ peer: tlPeer(t.peer) }) : new Api.StarsTransactionPeerFragment(),
			// A resale purchase (tdlib: starTransactionTypeUpgradedGiftPurchase): the seller is the peer.
			stargiftResale: unique ? true : undefined,
			stargift: unique ?? (gift ? this.world.starGift(gift, viewer) : undefined),
			msgId: t.msgId,
		});
	}

	/** The owner's reference to one of its gifts: inputSavedStarGiftUser (its own) or inputSavedStarGiftChat (a channel it manages). */
	private owned(input: unknown, viewer: string): { owner: PeerRef; ref: { msgId?: number; savedId?: bigint } } {
		if (input instanceof Api.InputSavedStarGiftUser) return { owner: { kind: 'user', id: viewer }, ref: { msgId: input.msgId } };
		if (input instanceof Api.InputSavedStarGiftChat) {
			const owner = this.world.peers.inputPeer(input.peer, viewer, 'PEER_ID_INVALID');
			if (!this.world.market.isOwner(owner, viewer)) throw new MarketError('CHAT_ADMIN_REQUIRED');
			return { owner, ref: { savedId: BigInt(String(input.savedId)) } };
		}
		throw new MarketError('STARGIFT_INVALID');
	}

	private saveStarGift(call: PeerCall): Buffer {
		const req = call.request as Api.payments.SaveStarGift;
		const { owner, ref } = this.owned(req.stargift, call.accountId);
		this.world.market.saveGift(owner, ref, req.unsave === true);
		return BOOL_TRUE;
	}

	private convertStarGift(call: PeerCall): Buffer {
		const req = call.request as Api.payments.ConvertStarGift;
		const { owner, ref } = this.owned(req.stargift, call.accountId);
		this.world.market.convertGift(owner, ref);
		return BOOL_TRUE;
	}
}

function tlPeer(peer: PeerRef): Api.TypePeer {
	return peer.kind === 'user' ? new Api.PeerUser({ userId: big(peer.id) }) : new Api.PeerChannel({ channelId: big(peer.id) });
}
