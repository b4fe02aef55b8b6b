/**
 * The sandbox's Telegram API: turns decoded MTProto requests into market operations and
 * answers in the real TL types (built with the client library's own classes). Faults from the
 * scenario are applied here: latency, injected errors, silence, dropped connections, flood rules.
 */
import { crc32 } from 'node:zlib';

import { Api, returnBigInt } from '../telegram/gramjs';
import { Market, MarketError, type CompletedPurchase, type GiftState, type PeerRef } from './market';
import { FaultPlan, errorCodeFor } from './faults';
import { giftSticker, TGS_MIME_TYPE } from './tgs';
import { vectorBytes, type RpcCall, type RpcOutcome } from './mtproto/server';
import { AUTH_METHODS, AuthFailure, SandboxAuth, type AuthWorld } from './auth';
import { UpdatesError, type UpdatesLog } from './updates';
import type { AuctionRoom } from './auction';
import { AuctionRpc } from './auctionRpc';
import type { ResaleRoom } from './resale';
import { ResaleRpc } from './resaleRpc';
import type { SandboxLogger } from './logger';
import { SandboxPeers } from './peers';
import { SandboxOwnedGifts } from './owned-gifts';
import type { Scenario } from './scenario';

/** Error for requests the sandbox understands but refuses (not market rules). */
class RpcFailure extends Error {
	constructor(
		readonly telegramError: string,
		readonly code = 400,
	) {
		super(telegramError);
	}
}

export const SANDBOX_DC_ID = 2;
const UNSUPPORTED = 'METHOD_NOT_SUPPORTED_BY_SANDBOX';
const NOT_MODIFIED = new Api.payments.StarGiftsNotModified().getBytes();

type BigInteger = ReturnType<typeof returnBigInt>;
const big = (v: bigint | number | string): BigInteger => returnBigInt(typeof v === 'string' ? BigInt(v) : v);
const toBigint = (v: unknown): bigint => BigInt(String(v));

export interface RpcWorld {
	market: Market;
	/** The auction room (src/sandbox/auction.ts), beside the market. */
	auctions: AuctionRoom;
	/** The resale market (src/sandbox/resale.ts). */
	resale: ResaleRoom;
	scenario: Scenario;
	faults: FaultPlan;
	logger: SandboxLogger;
	host: string;
	port: () => number;
	/** Unix ms of sandbox time 0 (dates on the wire). */
	epochMs: number;
	/** A user's or channel's access hash as `viewerId` holds it (per account), or a document's (global). */
	accessHash: (kind: 'user' | 'channel' | 'document', id: string, viewerId?: string) => bigint;
	/**
	 * The one way a room pushes updates to an account: numbered (pts/qts/seq/date), kept for
	 * getDifference, and sent to the account's sessions (updates.ts says how to build them).
	 */
	push: (accountId: string, updates: Api.TypeUpdates) => void;
	/** The update sequences behind push, getState and getDifference. */
	updates: UpdatesLog;
	/** Counts every call the server receives, per method (and per account once signed in). */
	countCall: (method: string, accountId?: string) => void;
	/** Login: accounts' phones/codes/passwords, key binding (see auth.ts). */
	login: Omit<AuthWorld, 'now' | 'unix' | 'selfUser'>;
}

/** A call from an auth key that is signed in. */
type SignedInCall = RpcCall & { accountId: string };
type Handler = (call: SignedInCall) => Buffer;

/** What an auth key that is not signed in may call besides the login methods. */
const BEFORE_SIGN_IN = new Set(['help.getConfig']);

export class SandboxRpc {
	private readonly stickers = new Map<string, Buffer>();
	private readonly documentToGift = new Map<string, string>();
	private readonly handlers: Record<string, Handler>;
	private readonly catalogCache = new Map<string, { key: string; hash: number; bytes: Buffer }>();
	readonly auth: SandboxAuth;
	readonly auctions: AuctionRpc;
	readonly resale: ResaleRpc;
	readonly peers: SandboxPeers;

	constructor(private readonly world: RpcWorld) {
		this.auth = new SandboxAuth({
			...world.login,
			now: () => world.market.now(),
			unix: (ms) => this.unix(ms),
			selfUser: (accountId) => this.user(accountId, accountId),
		});
		for (const g of world.market.gifts.values()) {
			this.stickers.set(g.def.id, giftSticker(g.def.id));
			this.documentToGift.set(this.documentId(g.def.id).toString(), g.def.id);
		}
		const unix = (ms?: number): number => this.unix(ms);
		const user = (id: string, viewerId: string): Api.TypeUser => this.user(id, viewerId);
		const channel = (id: string, viewerId: string): Api.Channel => this.channel(id, viewerId);
		const channelPts = (id: string): number => world.updates.channelPts(id);
		this.peers = new SandboxPeers({ market: world.market, scenario: world.scenario, unix, accessHash: world.accessHash, user, channel, channelPts });
		this.resale = new ResaleRpc(world.resale, {
			unix,
			user,
			channel,
			peerOf: (input, accountId, invalid) => this.peerOf(input, accountId, invalid),
			tlPeer: (peer) => this.tlPeer(peer),
			push: (accountId, updates) => world.push(accountId, updates),
			isAccount: (id) => world.market.accounts.has(id),
			assign: (accountId, updates, authKeyId) => world.updates.assign(accountId, updates, authKeyId),
			documentHash: (id) => world.accessHash('document', `attribute:${id}`),
			releasedAtMs: (giftId) => world.market.gifts.get(giftId)?.def.releaseAtMs,
		});
		const owned = new SandboxOwnedGifts({
			market: world.market,
			peers: this.peers,
			unix,
			user,
			channel,
			starGift: (g, viewerId) => this.starGift(g, viewerId),
			uniqueGift: (slug) => this.resale.uniqueTl(world.resale.bySlug(slug)),
			tonBalance: (accountId) => world.resale.tonBalance(accountId),
		});
		this.handlers = {
			...this.peers.handlers,
			...owned.handlers,
			'help.getConfig': () => this.config().getBytes(),
			'users.getUsers': (c) => this.getUsers(c),
			'users.getFullUser': (c) => this.getFullUser(c),
			'updates.getState': (c) => this.world.updates.state(c.accountId).getBytes(),
			'updates.getDifference': (c) => this.getDifference(c),
			'updates.getChannelDifference': (c) => this.getChannelDifference(c),
			'channels.getChannels': (c) => this.getChannels(c),
			'channels.getFullChannel': (c) => this.getFullChannel(c),
			'payments.getStarGifts': (c) => this.getStarGifts(c),
			'payments.getStarsStatus': (c) => this.getStarsStatus(c),
			'payments.getPaymentForm': (c) => this.getPaymentForm(c),
			'payments.sendStarsForm': (c) => this.sendStarsForm(c),
			'payments.getSavedStarGifts': (c) => this.getSavedStarGifts(c),
			'payments.checkCanSendGift': (c) => this.checkCanSendGift(c),
			'upload.getFile': (c) => this.getFile(c),
		};
		this.auctions = new AuctionRpc(world.auctions, {
			unix: (ms) => this.unix(ms),
			starGift: (g, accountId) => this.starGift(g, accountId),
			user: (accountId, selfId) => this.user(accountId, selfId),
			channel: (channelId, accountId) => this.channel(channelId, accountId),
			peerOf: (input, accountId) => this.peerOf(input, accountId),
			tlPeer: (peer) => this.tlPeer(peer),
			push: (accountId, updates) => world.push(accountId, updates),
			isAccount: (id) => world.market.accounts.has(id),
		});
		Object.assign(this.handlers, this.auctions.handlers(), this.resale.handlers());
	}

	/** The MTProto server's request handler. */
	async handle(call: RpcCall): Promise<RpcOutcome> {
		const { world } = this;
		world.countCall(call.method, call.accountId);
		const decision = world.faults.decide(call.method, call.accountId ?? '', world.market.now());
		if (decision.latencyMs > 0) await delay(decision.latencyMs);
		const action = decision.action;
		if (action.kind === 'error') return { kind: 'error', code: action.code, message: action.message };
		if (action.kind === 'noReply' || action.kind === 'drop') return { kind: action.kind };
		if (AUTH_METHODS.has(call.method)) {
			try {
				const bytes = await this.auth.handle(call);
				return action.kind === 'dropAfterApply' ? { kind: 'drop' } : { kind: 'result', bytes };
			} catch (error) {
				if (error instanceof AuthFailure) return { kind: 'error', code: error.code, message: error.telegramError };
				world.logger.error(`sandbox: ${call.method} failed inside the sandbox: ${String(error)}`);
				return { kind: 'error', code: 500, message: 'INTERNAL' };
			}
		}
		const accountId = call.accountId;
		if (accountId === undefined && !BEFORE_SIGN_IN.has(call.method)) {
			return { kind: 'error', code: 401, message: 'AUTH_KEY_UNREGISTERED' };
		}
		// A payment the scenario marks: answered payments.paymentVerificationNeeded instead of paying.
		const handler = action.kind === 'paymentVerificationNeeded' ? (c: SignedInCall) => this.verificationNeeded(c) : this.handlers[call.method];
		if (!handler) {
			world.logger.warn(`UNSUPPORTED METHOD ${call.method} (account ${call.accountId}): answered ${UNSUPPORTED}`);
			return { kind: 'error', code: 400, message: UNSUPPORTED };
		}
		try {
			const bytes = handler({ ...call, accountId: accountId ?? '' });
			return action.kind === 'dropAfterApply' ? { kind: 'drop' } : { kind: 'result', bytes };
		} catch (error) {
			if (error instanceof MarketError) return { kind: 'error', code: errorCodeFor(error.telegramError), message: error.telegramError };
			if (error instanceof RpcFailure) return { kind: 'error', code: error.code, message: error.telegramError };
			if (error instanceof UpdatesError) return { kind: 'error', code: 400, message: error.telegramError };
			world.logger.error(`sandbox: ${call.method} failed inside the sandbox: ${String(error)}`);
			return { kind: 'error', code: 500, message: 'INTERNAL' };
		}
	}

	// ---- TL builders -------------------------------------------------------------------------

	private unix(ms = this.world.market.now()): number {
		return Math.floor((this.world.epochMs + ms) / 1000);
	}

	private documentId(giftId: string): bigint {
		return (BigInt(giftId) * 1000n + 7n) & 0x7fffffffffffffffn;
	}

	config(): Api.Config {
		return new Api.Config({
			date: this.unix(),
			expires: this.unix() + 3600,
			testMode: false,
			thisDc: SANDBOX_DC_ID,
			dcOptions: [new Api.DcOption({ id: SANDBOX_DC_ID, ipAddress: this.world.host, port: this.world.port() })],
			dcTxtDomainName: 'sandbox.invalid',
			chatSizeMax: 200,
			megagroupSizeMax: 200000,
			forwardedCountMax: 100,
			onlineUpdatePeriodMs: 210000,
			offlineBlurTimeoutMs: 5000,
			offlineIdleTimeoutMs: 30000,
			onlineCloudTimeoutMs: 300000,
			notifyCloudDelayMs: 30000,
			notifyDefaultDelayMs: 1500,
			pushChatPeriodMs: 60000,
			pushChatLimit: 2,
			editTimeLimit: 172800,
			revokeTimeLimit: 2147483647,
			revokePmTimeLimit: 2147483647,
			ratingEDecay: 2419200,
			stickersRecentLimit: 200,
			channelsReadMediaPeriod: 604800,
			callReceiveTimeoutMs: 20000,
			callRingTimeoutMs: 90000,
			callConnectTimeoutMs: 30000,
			callPacketTimeoutMs: 10000,
			meUrlPrefix: 'https://t.me/',
			captionLengthMax: 1024,
			messageLengthMax: 4096,
			webfileDcId: SANDBOX_DC_ID,
		});
	}

	/** A user as `viewerId` sees it: the access hash is the viewer's own for that user. */
	user(accountId: string, viewerId: string): Api.TypeUser {
		const a = this.world.market.accounts.get(accountId);
		if (!a) return new Api.UserEmpty({ id: big(accountId) });
		return new Api.User({
			self: accountId === viewerId,
			id: big(a.id),
			accessHash: big(this.world.accessHash('user', a.id, viewerId)),
			firstName: a.label,
			username: a.username,
			premium: a.premium,
		});
	}

	channel(channelId: string, accountId: string): Api.Channel {
		const ch = this.world.market.channels.get(channelId)!;
		return new Api.Channel({
			id: big(ch.id),
			accessHash: big(this.world.accessHash('channel', ch.id, accountId)),
			title: ch.title,
			username: ch.username,
			photo: new Api.ChatPhotoEmpty(),
			date: this.unix(0),
			broadcast: true,
			creator: ch.members.includes(accountId),
			left: !ch.members.includes(accountId),
			participantsCount: ch.members.length,
		});
	}

	document(giftId: string): Api.Document {
		const bytes = this.stickers.get(giftId)!;
		const id = this.documentId(giftId);
		return new Api.Document({
			id: big(id),
			accessHash: big(this.world.accessHash('document', giftId)),
			fileReference: Buffer.from([1]),
			date: this.unix(0),
			mimeType: TGS_MIME_TYPE,
			size: big(bytes.length),
			dcId: SANDBOX_DC_ID,
			attributes: [
				new Api.DocumentAttributeImageSize({ w: 512, h: 512 }),
				new Api.DocumentAttributeSticker({ alt: '🎁', stickerset: new Api.InputStickerSetEmpty() }),
				new Api.DocumentAttributeFilename({ fileName: 'AnimatedSticker.tgs' }),
			],
		});
	}

	starGift(g: GiftState, accountId: string): Api.StarGift {
		const perUserRemains = this.world.market.perUserRemains(accountId, g);
		const soldOut = g.soldOutAtMs !== undefined;
		// Collectibles of this gift on resale: how many, and the cheapest in Stars (tdlib needs both or neither).
		const resale = this.world.resale.collections.has(g.def.id) ? this.world.resale.listed(g.def.id) : [];
		const resellMin = this.world.resale.floorStars(g.def.id);
		return new Api.StarGift({
			limited: g.def.limited || undefined,
			soldOut: soldOut || undefined,
			requirePremium: g.def.requirePremium || undefined,
			limitedPerUser: g.def.perUserTotal !== undefined || undefined,
			id: big(g.def.id),
			sticker: this.document(g.def.id),
			stars: big(g.stars),
			availabilityRemains: g.def.limited ? g.remains : undefined,
			availabilityTotal: g.def.limited ? (g.def.total ?? g.remains) : undefined,
			convertStars: big(g.def.convertStars ?? Math.floor(g.stars * 0.85)),
			firstSaleDate: soldOut ? this.unix(g.def.releaseAtMs) : undefined,
			lastSaleDate: soldOut ? this.unix(g.soldOutAtMs) : undefined,
			title: g.def.title,
			perUserTotal: g.def.perUserTotal,
			perUserRemains,
			auction: g.def.auction ? true : undefined,
			auctionSlug: g.def.auction?.slug,
			giftsPerRound: g.def.auction?.giftsPerRound,
			auctionStartDate: g.def.auction ? this.unix(g.def.auction.startAtMs) : undefined,
			availabilityResale: resale.length > 0 && resellMin !== undefined ? big(resale.length) : undefined,
			resellMinStars: resale.length > 0 && resellMin !== undefined ? big(resellMin) : undefined,
		});
	}

	/** A strictly checked input peer (access hash of this account); `invalid` is the method's documented error. */
	peerOf(input: unknown, accountId: string, invalid = 'PEER_ID_INVALID'): PeerRef {
		return this.peers.inputPeer(input, accountId, invalid);
	}

	tlPeer(peer: PeerRef): Api.TypePeer {
		return peer.kind === 'user' ? new Api.PeerUser({ userId: big(peer.id) }) : new Api.PeerChannel({ channelId: big(peer.id) });
	}

	// ---- methods -----------------------------------------------------------------------------

	private getUsers(call: SignedInCall): Buffer {
		const req = call.request as Api.users.GetUsers;
		// The method page lists PEER_ID_INVALID (also reported for a wrong access hash: tdlib/td issue 2035).
		const users = req.id.map((input) => this.user(this.peerOf(input, call.accountId).id, call.accountId).getBytes());
		return vectorBytes(users);
	}

	private getFullUser(call: SignedInCall): Buffer {
		const req = call.request as Api.users.GetFullUser;
		const peer = this.peerOf(req.id, call.accountId, 'USER_ID_INVALID');
		return new Api.users.UserFull({
			fullUser: new Api.UserFull({
				id: big(peer.id),
				settings: new Api.PeerSettings({}),
				notifySettings: new Api.PeerNotifySettings({}),
				commonChatsCount: 0,
			}),
			chats: [],
			users: [this.user(peer.id, call.accountId)],
		}).getBytes();
	}

	private getDifference(call: SignedInCall): Buffer {
		const req = call.request as Api.updates.GetDifference;
		return this.world.updates
			.difference(call.accountId, call.authKeyId, { pts: req.pts, date: req.date, qts: req.qts, ptsTotalLimit: req.ptsTotalLimit })
			.getBytes();
	}

	private getChannelDifference(call: SignedInCall): Buffer {
		const req = call.request as Api.updates.GetChannelDifference;
		const id = this.channelIdOf(req.channel, call.accountId);
		const ch = this.world.market.channels.get(id)!;
		// A member, or anyone for a public channel (api/updates: passive updates of public channels).
		if (!ch.members.includes(call.accountId) && !ch.username) throw new RpcFailure('CHANNEL_PRIVATE');
		return this.world.updates.channelDifference(id, { pts: req.pts, limit: req.limit }).getBytes();
	}

	private channelIdOf(input: unknown, accountId: string): string {
		const peer = this.peerOf(input, accountId, 'CHANNEL_INVALID');
		if (peer.kind !== 'channel') throw new RpcFailure('CHANNEL_INVALID');
		return peer.id;
	}

	private getChannels(call: SignedInCall): Buffer {
		const req = call.request as Api.channels.GetChannels;
		const chats = req.id.map((input) => this.channel(this.channelIdOf(input, call.accountId), call.accountId));
		return new Api.messages.Chats({ chats }).getBytes();
	}

	private getFullChannel(call: SignedInCall): Buffer {
		const id = this.channelIdOf((call.request as Api.channels.GetFullChannel).channel, call.accountId);
		const ch = this.world.market.channels.get(id)!;
		return new Api.messages.ChatFull({
			fullChat: new Api.ChannelFull({
				id: big(id),
				about: '',
				participantsCount: ch.members.length,
				readInboxMaxId: 0,
				readOutboxMaxId: 0,
				unreadCount: 0,
				chatPhoto: new Api.PhotoEmpty({ id: big(0) }),
				notifySettings: new Api.PeerNotifySettings({}),
				botInfo: [],
				pts: this.world.updates.channelPts(id),
				stargiftsAvailable: ch.acceptsGifts || undefined,
			}),
			chats: [this.channel(id, call.accountId)],
			users: [],
		}).getBytes();
	}

	private getStarGifts(call: SignedInCall): Buffer {
		const { market } = this.world;
		market.advance();
		// Polling is the hot path: serialize the catalog once per market state and account.
		const { resale } = this.world;
		resale.advance();
		const key = `${call.accountId}:${market.version}:${resale.version}`;
		let cached = this.catalogCache.get(call.accountId);
		if (!cached || cached.key !== key) {
			const hash = this.catalogHash(call.accountId);
			const gifts = market.catalog().map((g) => this.starGift(g, call.accountId));
			cached = { key, hash, bytes: new Api.payments.StarGifts({ hash, gifts, chats: [], users: [] }).getBytes() };
			this.catalogCache.set(call.accountId, cached);
		}
		if ((call.request as Api.payments.GetStarGifts).hash === cached.hash) return NOT_MODIFIED;
		return cached.bytes;
	}

	/** The catalog hash: the market's, mixed with what the catalog shows of the resale market. */
	private catalogHash(accountId: string): number {
		const base = this.world.market.catalogHash(accountId);
		const { resale } = this.world;
		if (resale.collections.size === 0) return base;
		const parts = [String(base)];
		for (const giftId of resale.collections.keys()) parts.push(`${giftId}:${resale.listed(giftId).length}:${resale.floorStars(giftId) ?? ''}`);
		const hash = crc32(parts.join('|')) | 0;
		return hash === 0 ? 1 : hash;
	}

	private getStarsStatus(call: SignedInCall): Buffer {
		const req = call.request as Api.payments.GetStarsStatus;
		const peer = this.peerOf(req.peer, call.accountId);
		if (peer.kind !== 'user' || peer.id !== call.accountId) throw new MarketError('PEER_ID_INVALID');
		const balance = this.world.market.account(call.accountId).balance;
		return new Api.payments.StarsStatus({
			// With `ton`: the TON balance in nanotons (starsTonAmount).
			balance: req.ton ? new Api.StarsTonAmount({ amount: big(this.world.resale.tonBalance(call.accountId)) }) : new Api.StarsAmount({ amount: big(balance), nanos: 0 }),
			chats: [],
			users: [],
		}).getBytes();
	}

	private starGiftInvoice(invoice: unknown, accountId: string): { peer: PeerRef; giftId: string } {
		if (!(invoice instanceof Api.InputInvoiceStarGift)) throw new RpcFailure('INVOICE_INVALID');
		return { peer: this.peerOf(invoice.peer, accountId), giftId: String(invoice.giftId) };
	}

	private getPaymentForm(call: SignedInCall): Buffer {
		// Telegram refuses gift payments to outdated clients (the method page lists it as 406).
		if (call.layer !== undefined && call.layer < this.world.scenario.giftApiMinLayer) throw new RpcFailure('API_GIFT_RESTRICTED_UPDATE_APP', 406);
		const raw = (call.request as Api.payments.GetPaymentForm).invoice;
		if (raw instanceof Api.InputInvoiceStarGiftAuctionBid) return this.auctions.paymentForm(raw, call.accountId);
		if (raw instanceof Api.InputInvoiceStarGiftResale) return this.resale.paymentForm(raw, call.accountId);
		const { peer, giftId } = this.starGiftInvoice(raw, call.accountId);
		const form = this.world.market.getPaymentForm(call.accountId, peer, giftId);
		return new Api.payments.PaymentFormStarGift({
			formId: big(form.formId),
			invoice: new Api.Invoice({
				currency: 'XTR',
				prices: [new Api.LabeledPrice({ label: 'Star Gift', amount: big(form.amount) })],
			}),
		}).getBytes();
	}

	private sendStarsForm(call: SignedInCall): Buffer {
		const req = call.request as Api.payments.SendStarsForm;
		if (req.invoice instanceof Api.InputInvoiceStarGiftAuctionBid) return this.auctions.pay(req.invoice, toBigint(req.formId), call.accountId);
		if (req.invoice instanceof Api.InputInvoiceStarGiftResale) return this.resale.pay(req.invoice, toBigint(req.formId), call.accountId, call.authKeyId);
		const invoice = this.starGiftInvoice(req.invoice, call.accountId);
		const purchase = this.world.market.sendStarsForm(call.accountId, toBigint(req.formId), invoice);
		const result = new Api.payments.PaymentResult({ updates: this.giftMessageUpdates(purchase, call.authKeyId) });
		// Telegram also pushes the new balance; send it right after the answer.
		setImmediate(() => {
			this.world.push(
				call.accountId,
				new Api.UpdateShort({
					update: new Api.UpdateStarsBalance({ balance: new Api.StarsAmount({ amount: big(purchase.balanceAfter), nanos: 0 }) }),
					date: this.unix(),
				}),
			);
		});
		return result.getBytes();
	}

	/**
	 * A payment the scenario marks as needing verification: Telegram answers
	 * payments.paymentVerificationNeeded instead of paying (tdlib treats it as no purchase). The form
	 * is checked as for a payment and stays unused; nothing is charged.
	 */
	private verificationNeeded(call: SignedInCall): Buffer {
		const req = call.request as Api.payments.SendStarsForm;
		if (req.invoice instanceof Api.InputInvoiceStarGiftResale) {
			this.world.resale.verificationNeeded(call.accountId, toBigint(req.formId), this.resale.invoice(req.invoice, call.accountId));
			return new Api.payments.PaymentVerificationNeeded({ url: `https://t.me/$sandbox-verify-${String(req.formId)}` }).getBytes();
		}
		const invoice = this.starGiftInvoice(req.invoice, call.accountId);
		this.world.market.verificationNeeded(call.accountId, toBigint(req.formId), invoice);
		return new Api.payments.PaymentVerificationNeeded({ url: `https://t.me/$sandbox-verify-${String(req.formId)}` }).getBytes();
	}

	/** The gift's service message, numbered in the account's (or the channel's) box like any update. */
	private giftMessageUpdates(purchase: CompletedPurchase, authKeyId: string): Api.Updates {
		const { accountId, peer, gift, saved } = purchase;
		const message = new Api.MessageService({
			out: true,
			id: saved.msgId,
			fromId: new Api.PeerUser({ userId: big(accountId) }),
			peerId: this.tlPeer(peer),
			date: this.unix(saved.atMs),
			action: new Api.MessageActionStarGift({
				gift: this.starGift(gift, accountId),
				convertStars: big(gift.def.convertStars ?? Math.floor(purchase.stars * 0.85)),
			}),
		});
		const update =
			peer.kind === 'channel'
				? new Api.UpdateNewChannelMessage({ message, pts: 0, ptsCount: 1 })
				: new Api.UpdateNewMessage({ message, pts: 0, ptsCount: 1 });
		const users = [this.user(accountId, accountId)];
		if (peer.kind === 'user' && peer.id !== accountId) users.push(this.user(peer.id, accountId));
		const updates = new Api.Updates({
			updates: [update],
			users,
			chats: peer.kind === 'channel' ? [this.channel(peer.id, accountId)] : [],
			date: 0,
			seq: 0,
		});
		return this.world.updates.assign(accountId, updates, authKeyId);
	}

	private getSavedStarGifts(call: SignedInCall): Buffer {
		const req = call.request as Api.payments.GetSavedStarGifts;
		const peer = this.world.market.resolvePeer(call.accountId, this.peerOf(req.peer, call.accountId));
		const owner = this.world.market.isOwner(peer, call.accountId);
		const all = this.world.market
			.savedGifts(peer, call.accountId)
			.filter((s) => !(req.excludeUnsaved && s.unsaved) && !(req.excludeSaved && !s.unsaved))
			.filter((s) => !(req.excludeUnique && s.uniqueSlug !== undefined) && !(req.excludeUnlimited && s.uniqueSlug === undefined && !this.world.market.gifts.get(s.giftId)?.def.limited));
		const start = Math.max(0, Number.parseInt(req.offset || '0', 10) || 0);
		const limit = Math.max(1, Math.min(req.limit || 100, 200));
		const page = all.slice(start, start + limit);
		const users = new Map<string, Api.TypeUser>();
		const gifts = page.map((s) => {
			users.set(s.fromAccountId, this.user(s.fromAccountId, call.accountId));
			const g = this.world.market.gifts.get(s.giftId)!;
			const unique = s.uniqueSlug === undefined ? undefined : this.world.resale.bySlug(s.uniqueSlug);
			return new Api.SavedStarGift({
				fromId: new Api.PeerUser({ userId: big(s.fromAccountId) }),
				date: this.unix(s.atMs),
				gift: unique ? this.resale.uniqueTl(unique) : this.starGift(g, call.accountId),
				unsaved: s.unsaved || undefined,
				// The owner's handles for saveStarGift / convertStarGift.
				msgId: owner && peer.kind === 'user' ? s.msgId : undefined,
				savedId: owner && peer.kind === 'channel' ? big(s.savedId) : undefined,
				// A collectible cannot be converted to Stars.
				convertStars: owner && !unique ? big(s.convertStars) : undefined,
			});
		});
		return new Api.payments.SavedStarGifts({
			count: all.length,
			gifts,
			nextOffset: start + limit < all.length ? String(start + limit) : undefined,
			chats: peer.kind === 'channel' ? [this.channel(peer.id, call.accountId)] : [],
			users: [...users.values()],
		}).getBytes();
	}

	private checkCanSendGift(call: SignedInCall): Buffer {
		const giftId = String((call.request as Api.payments.CheckCanSendGift).giftId);
		const reason = this.world.market.cannotBuyReason(call.accountId, giftId);
		if (reason === 'STARGIFT_INVALID') throw new MarketError(reason);
		if (reason === undefined) return new Api.payments.CheckCanSendGiftResultOk().getBytes();
		// Telegram's reason is text for the user (tdlib hands it to the app as formatted text), not an error code.
		const text = CANNOT_SEND_TEXT[reason] ?? 'You can’t send this gift right now.';
		return new Api.payments.CheckCanSendGiftResultFail({ reason: new Api.TextWithEntities({ text, entities: [] }) }).getBytes();
	}

	private getFile(call: SignedInCall): Buffer {
		const req = call.request as Api.upload.GetFile;
		const location = req.location;
		if (!(location instanceof Api.InputDocumentFileLocation)) throw new RpcFailure('LOCATION_INVALID');
		const giftId = this.documentToGift.get(String(location.id));
		if (giftId === undefined) throw new RpcFailure('LOCATION_INVALID');
		const bytes = this.stickers.get(giftId)!;
		const offset = Number(String(req.offset));
		if (offset < 0 || req.limit <= 0) throw new RpcFailure('LIMIT_INVALID');
		return new Api.upload.File({
			type: new Api.storage.FileUnknown(),
			mtime: this.unix(0),
			bytes: bytes.subarray(offset, offset + req.limit),
		}).getBytes();
	}

	/** The .tgs bytes served for a gift's sticker (tests compare downloads with these). */
	stickerBytes(giftId: string): Buffer | undefined {
		return this.stickers.get(giftId);
	}
}

/** checkCanSendGift reasons, worded as Telegram's apps word them to the user. */
const CANNOT_SEND_TEXT: Record<string, string> = {
	STARGIFT_USAGE_LIMITED: 'This gift has sold out.',
	STARGIFT_PREMIUM_NEEDED: 'Only Telegram Premium subscribers can send this gift.',
	STARGIFT_USER_USAGE_LIMITED: 'You’ve already sent the maximum number of this gift.',
};

function delay(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
