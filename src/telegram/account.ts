/**
 * One Telegram user account as the rest of the package sees it: typed operations returning
 * JSON-safe values (ids as decimal strings), each call under a deadline, reads retried with
 * back-off, a circuit breaker per account, and flood waits parking the account per method.
 * Instances come from the ClientPool (src/telegram/pool.ts); never construct clients elsewhere.
 */
import type { GiftError } from '../core/gift';
import type { Gift } from '../core/types';
import { formatPeer, parsePeer } from '../core/peer';
import type { TelegramServer } from './connection';
import {
	AccountError,
	AuthInvalidError,
	CircuitOpenError,
	DeadlineError,
	FloodWaitError,
	MigrateError,
	NetworkError,
	TelegramError,
	mapTelegramError,
	type ErrorContext,
} from './errors';
import { giftFromStarGift } from './gift-mapping';
import { Api, Raw, returnBigInt, type TelegramClient } from './gramjs';
import { PollFloor } from './pollFloor';
import { CircuitBreaker, retry, withDeadline, type BreakerOptions } from './resilience';

export interface CallPolicy {
	/** Deadline of read calls (ms). */
	readDeadlineMs: number;
	/** Tries of a read call, including the first. */
	readAttempts: number;
	retryBaseMs: number;
	retryMaxMs: number;
	/** Deadline of payments.getPaymentForm. */
	formDeadlineMs: number;
	/** Deadline of payments.sendStarsForm: after it the outcome is unknown and gets reconciled. */
	sendDeadlineMs: number;
	/** Deadline of connect() (the library's own connect never times out against a dead port). */
	connectDeadlineMs: number;
	breaker: BreakerOptions;
}

export const DEFAULT_CALL_POLICY: CallPolicy = {
	readDeadlineMs: 10_000,
	readAttempts: 3,
	retryBaseMs: 200,
	retryMaxMs: 2_000,
	formDeadlineMs: 10_000,
	sendDeadlineMs: 15_000,
	connectDeadlineMs: 10_000,
	breaker: { failureThreshold: 5, cooldownMs: 30_000 },
};

export interface WhoAmI {
	id: string;
	username: string | null;
	firstName: string | null;
	premium: boolean;
	/** The credential's label for this account. */
	label: string;
}

export interface StarsBalance {
	stars: number;
	nanos: number;
}

export interface CatalogResult {
	gifts: Gift[];
	/** Catalog entries the core's gift model rejected (field and reason named), not in `gifts`. */
	rejected: GiftError[];
	hash: number;
	/** True when Telegram answered starGiftsNotModified for `hash`: `gifts` is empty then. */
	notModified: boolean;
}

export type RecipientKind = 'self' | 'user' | 'channel';

export interface ResolvedRecipient {
	/** The recipient string as given ("me", "@name", "123", "-100…"). */
	input: string;
	kind: RecipientKind;
	/** User id, or the channel's bare id (without -100), as a decimal string. */
	id: string;
	/** Bot-API style chat id: user id, or "-100" + channel id. */
	chatId: string;
	title: string | null;
	username: string | null;
	peer: Api.TypeInputPeer;
}

export interface CanReceiveResult {
	ok: boolean;
	/** Why not (null when ok): a BuyFailureReason-compatible code. */
	reason: 'recipient_cannot_receive' | 'peer_invalid' | 'sold_out' | 'premium_required' | 'per_user_limit' | 'gift_not_found' | 'locked' | null;
	detail: string | null;
}

export interface PaymentFormInfo {
	formId: string;
	/** Sum of the invoice's prices, in Stars. */
	amount: number;
	form: Api.payments.PaymentFormStarGift;
	invoice: Api.InputInvoiceStarGift;
}

export interface PaymentAnswer {
	/**
	 * The balance carried by the payment's answer (an updateStarsBalance among its updates), or null
	 * when the answer carried none: Telegram may push that update separately instead.
	 */
	balanceAfter: StarsBalance | null;
}

export interface SavedGiftInfo {
	giftId: string;
	/** Sender user id, when visible. */
	fromId: string | null;
	dateSec: number;
	nameHidden: boolean;
}

export interface StickerFile {
	bytes: Buffer;
	mime: string;
}

/** Mutable per-account state shared by every lease of one pooled client. */
export class AccountHealth {
	readonly breaker: CircuitBreaker;
	/** Method className → epoch ms until which that method is flood-parked. */
	private readonly parked = new Map<string, number>();
	authError: AuthInvalidError | null = null;
	/** The session's watch-poll floor, shared by every watcher of the process (src/telegram/watch). */
	readonly pollFloor = new PollFloor();

	constructor(breaker: BreakerOptions) {
		this.breaker = new CircuitBreaker(breaker);
	}

	park(method: string, untilMs: number): void {
		this.parked.set(method, Math.max(untilMs, this.parked.get(method) ?? 0));
	}

	/** Until when `method` (or, without a method, any method) is parked; null when free. */
	parkedUntilMs(nowMs: number, method?: string): number | null {
		let until = 0;
		for (const [m, t] of this.parked) {
			if (t <= nowMs) this.parked.delete(m);
			else if (method === undefined || m === method) until = Math.max(until, t);
		}
		return until > 0 ? until : null;
	}
}

/** What the pool hands an account: the live client and its shared state. */
export interface AccountConnection {
	readonly key: string;
	readonly label: string;
	readonly server: TelegramServer;
	readonly client: TelegramClient;
	readonly health: AccountHealth;
	readonly policy: CallPolicy;
	readonly now: () => number;
	/** Cached identity (set once the connection is verified). */
	self: WhoAmI | null;
	/** Recipient resolutions, per recipient string. */
	readonly recipients: Map<string, ResolvedRecipient>;
}

interface CallOptions {
	deadlineMs?: number;
	/** Reads are retried; writes (sendStarsForm) never. */
	retry: boolean;
}


/** Update listeners per client (every lease of one pooled client shares them). */
const localHandlers = new WeakMap<TelegramClient, Set<(update: Api.TypeUpdate) => void>>();

export class TelegramAccount {
	constructor(private readonly conn: AccountConnection) {}

	get label(): string {
		return this.conn.label;
	}

	/** A hash of the session (never the session itself): the pool key and breaker/park identity. */
	get key(): string {
		return this.conn.key;
	}

	/** The account's Telegram user id once known (after the pool verified the connection). */
	get id(): string | null {
		return this.conn.self?.id ?? null;
	}

	/** Until when `method` (or any method) is flood-parked; the trigger rotates to other accounts meanwhile. */
	parkedUntilMs(method?: string): number | null {
		return this.conn.health.parkedUntilMs(this.conn.now(), method);
	}

	/** When the circuit breaker will let a call through again (null: now). */
	breakerRetryAtMs(): number | null {
		return this.conn.health.breaker.retryAtMs(this.conn.now());
	}

	/** The session's watch-poll floor: every watcher of the process that polls with it shares it. */
	get pollFloor(): PollFloor {
		return this.conn.health.pollFloor;
	}

	/** Whether calls would be attempted now (not parked for `method`, breaker not open, auth fine). */
	isAvailable(method?: string): boolean {
		return this.conn.health.authError === null && this.parkedUntilMs(method) === null && this.breakerRetryAtMs() === null;
	}

	// ---- the call path ---------------------------------------------------------------------

	/** Invokes one request with deadline, typed errors, breaker, parking and (for reads) retries. */
	async call<R extends Api.AnyRequest>(request: R, options: CallOptions): Promise<R['__response']> {
		const { policy } = this.conn;
		const once = () => this.callOnce(request, options.deadlineMs ?? policy.readDeadlineMs);
		if (!options.retry) return once();
		return retry(once, {
			attempts: policy.readAttempts,
			baseMs: policy.retryBaseMs,
			maxMs: policy.retryMaxMs,
			shouldRetry: (e) =>
				e instanceof NetworkError || e instanceof DeadlineError || (e instanceof TelegramError && e.code >= 500),
		});
	}

	private context(method: string): ErrorContext {
		return { account: this.conn.label, method };
	}

	private async callOnce<R extends Api.AnyRequest>(request: R, deadlineMs: number, migrated = false): Promise<R['__response']> {
		const { client, health, now } = this.conn;
		const method = request.className;
		const context = this.context(method);
		const notSent = <E extends AccountError>(error: E): E => {
			error.notSent = true;
			return error;
		};
		if (health.authError) throw notSent(new AuthInvalidError(context, health.authError.reason));
		const parkedUntil = health.parkedUntilMs(now(), method);
		if (parkedUntil !== null) throw notSent(new FloodWaitError(context, Math.ceil((parkedUntil - now()) / 1000), now(), true));
		if (!health.breaker.tryPass(now())) {
			throw notSent(new CircuitOpenError(context, health.breaker.retryAtMs(now()) ?? now() + this.conn.policy.breaker.cooldownMs));
		}
		try {
			await this.ensureConnected(method).catch((error: AccountError) => {
				throw notSent(error);
			});
			const result = await withDeadline(client.invoke(request), deadlineMs, () => new DeadlineError(context, deadlineMs));
			health.breaker.onSuccess();
			return result;
		} catch (raw) {
			const error = mapTelegramError(raw, context, now());
			if (error instanceof FloodWaitError) {
				health.park(method, error.retryAtMs);
				health.breaker.onNeutral();
			} else if (error instanceof NetworkError || error instanceof DeadlineError || (error instanceof TelegramError && error.code >= 500)) {
				health.breaker.onFailure(now());
			} else if (error instanceof AuthInvalidError) {
				health.authError = error;
				health.breaker.onNeutral();
			} else if (error instanceof MigrateError && !migrated && this.conn.server.kind !== 'custom') {
				health.breaker.onNeutral();
				// Production/test DCs: follow the migration once, then repeat the call there.
				await this.switchDc(error.newDc);
				return this.callOnce(request, deadlineMs, true);
			} else {
				health.breaker.onNeutral();
			}
			throw error;
		}
	}

	private async switchDc(dc: number): Promise<void> {
		const client = this.conn.client as unknown as { _switchDC(dc: number): Promise<unknown> };
		await withDeadline(client._switchDC(dc), this.conn.policy.connectDeadlineMs, () => new DeadlineError(this.context('switchDC'), this.conn.policy.connectDeadlineMs));
	}

	/** Reconnects a client whose connection was lost and whose own reconnects gave up. */
	private async ensureConnected(method: string): Promise<void> {
		const { client, policy } = this.conn;
		if (client.connected) return;
		try {
			await withDeadline(client.connect(), policy.connectDeadlineMs, () => new DeadlineError(this.context(`connect before ${method}`), policy.connectDeadlineMs));
		} catch (raw) {
			throw mapTelegramError(raw, this.context(`connect before ${method}`), this.conn.now());
		}
	}

	/**
	 * Calls `handler` with every update Telegram pushes to this account's connection (e.g. an
	 * auction's state); returns the function that stops it. Errors thrown by the handler stay in it.
	 */
	onUpdate(handler: (update: Api.TypeUpdate) => void): () => void {
		const event = new Raw({});
		const callback = (update: Api.TypeUpdate): void => {
			try {
				handler(update);
			} catch {
				// A listener's failure must not reach the library's update loop.
			}
		};
		this.conn.client.addEventHandler(callback, event);
		const local = localHandlers.get(this.conn.client) ?? new Set<(update: Api.TypeUpdate) => void>();
		local.add(callback);
		localHandlers.set(this.conn.client, local);
		return () => {
			this.conn.client.removeEventHandler(callback, event);
			local.delete(callback);
		};
	}

	/**
	 * Hands the updates a method's answer carried (a payment's result) to this account's update
	 * listeners, as official clients process them like pushed ones: Telegram does not push them again.
	 */
	deliverUpdates(updates: Api.TypeUpdates): void {
		const list = updates instanceof Api.Updates || updates instanceof Api.UpdatesCombined ? updates.updates : updates instanceof Api.UpdateShort ? [updates.update] : [];
		for (const handler of localHandlers.get(this.conn.client) ?? []) for (const update of list) handler(update);
	}

	// ---- operations ------------------------------------------------------------------------

	/** The account's identity; also verifies that the session is authorized. */
	async whoAmI(options: { refresh?: boolean } = {}): Promise<WhoAmI> {
		if (this.conn.self && !options.refresh) return this.conn.self;
		const users = await this.call(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }), { retry: true });
		const me = users[0];
		if (!(me instanceof Api.User)) throw new AuthInvalidError(this.context('users.GetUsers'), 'USER_EMPTY');
		const self: WhoAmI = {
			id: me.id.toString(),
			username: me.username ?? null,
			firstName: me.firstName ?? null,
			premium: me.premium === true,
			label: this.conn.label,
		};
		this.conn.self = self;
		return self;
	}

	async balance(): Promise<StarsBalance> {
		const status = await this.call(new Api.payments.GetStarsStatus({ peer: new Api.InputPeerSelf() }), { retry: true });
		const amount = status.balance;
		if (amount instanceof Api.StarsAmount) return { stars: Number(amount.amount.toString()), nanos: amount.nanos };
		return { stars: 0, nanos: 0 };
	}

	/** The gift catalog; pass the previous `hash` to get `notModified` cheaply. */
	async catalog(hash = 0): Promise<CatalogResult> {
		const result = await this.call(new Api.payments.GetStarGifts({ hash }), { retry: true });
		if (result instanceof Api.payments.StarGiftsNotModified) return { gifts: [], rejected: [], hash, notModified: true };
		const gifts: Gift[] = [];
		const rejected: GiftError[] = [];
		for (const g of result.gifts) {
			if (!(g instanceof Api.StarGift)) continue;
			const parsed = giftFromStarGift(g);
			if ('ok' in parsed) gifts.push(parsed.ok);
			else rejected.push(parsed.error);
		}
		return { gifts, rejected, hash: result.hash, notModified: false };
	}

	/**
	 * "me", "@username", a user id, or a -100… channel id → an input peer with its access hash.
	 * A numeric id is looked up as an id (never as a username).
	 */
	async resolveRecipient(recipient: string): Promise<ResolvedRecipient> {
		const input = String(recipient).trim();
		const cached = this.conn.recipients.get(input);
		if (cached) return cached;
		const resolved = await this.resolveUncached(input);
		this.conn.recipients.set(input, resolved);
		return resolved;
	}

	private invalidRecipient(input: string, why: string): TelegramError {
		const error = new TelegramError(this.context('resolveRecipient'), 400, 'PEER_ID_INVALID');
		error.message = `${this.conn.label}: recipient "${input.slice(0, 64)}" ${why}`;
		return error;
	}

	private async resolveUncached(input: string): Promise<ResolvedRecipient> {
		// The core's peer syntax is the one definition: a numeric id never becomes a username.
		const parsed = parsePeer(input);
		if ('error' in parsed) throw this.invalidRecipient(input, `is not valid: ${parsed.error}`);
		const peer = parsed.ok;
		if (peer.kind === 'self') {
			const self = await this.whoAmI();
			return { input, kind: 'self', id: self.id, chatId: self.id, title: self.firstName, username: self.username, peer: new Api.InputPeerSelf() };
		}
		if (peer.kind === 'channel') return this.resolveChannelId(input, peer.channelId);
		if (peer.kind === 'user') return this.resolveUserId(input, peer.userId);
		const resolved = await this.call(new Api.contacts.ResolveUsername({ username: peer.username }), { retry: true });
		if (resolved.peer instanceof Api.PeerUser) {
			const userId = resolved.peer.userId;
			const user = resolved.users.find((u) => u instanceof Api.User && u.id.equals(userId));
			if (user instanceof Api.User) return this.fromUser(input, user);
		} else if (resolved.peer instanceof Api.PeerChannel) {
			const channelId = resolved.peer.channelId;
			const chat = resolved.chats.find((c) => c instanceof Api.Channel && c.id.equals(channelId));
			if (chat instanceof Api.Channel) return this.fromChannel(input, chat);
		}
		throw this.invalidRecipient(input, 'does not name a user or a channel');
	}

	private async resolveUserId(input: string, userId: string): Promise<ResolvedRecipient> {
		const self = await this.whoAmI();
		if (userId === self.id) return this.resolveUncached('me').then((r) => ({ ...r, input }));
		const accessHash = this.cachedAccessHash(userId);
		const users = await this.call(
			new Api.users.GetUsers({ id: [new Api.InputUser({ userId: returnBigInt(userId), accessHash: returnBigInt(accessHash ?? '0') })] }),
			{ retry: true },
		);
		const user = users[0];
		if (!(user instanceof Api.User)) throw this.invalidRecipient(input, 'is not a user this account can see');
		return this.fromUser(input, user);
	}

	private async resolveChannelId(input: string, bareId: string): Promise<ResolvedRecipient> {
		const accessHash = this.cachedAccessHash(formatPeer({ kind: 'channel', channelId: bareId })) ?? this.cachedAccessHash(bareId);
		const chats = await this.call(
			new Api.channels.GetChannels({ id: [new Api.InputChannel({ channelId: returnBigInt(bareId), accessHash: returnBigInt(accessHash ?? '0') })] }),
			{ retry: true },
		);
		const channel = chats.chats.find((c) => c instanceof Api.Channel && c.id.toString() === bareId);
		if (!(channel instanceof Api.Channel)) throw this.invalidRecipient(input, 'is not a channel this account can see');
		return this.fromChannel(input, channel);
	}

	/** The library's entity cache (filled by every answer carrying users/chats). */
	private cachedAccessHash(id: string): string | null {
		try {
			const cache = (this.conn.client as unknown as { _entityCache?: { get(id: unknown): unknown } })._entityCache;
			const peer = cache?.get(returnBigInt(id));
			if (peer instanceof Api.InputPeerUser || peer instanceof Api.InputPeerChannel) return peer.accessHash.toString();
		} catch {
			// Not cached.
		}
		return null;
	}

	private fromUser(input: string, user: Api.User): ResolvedRecipient {
		const id = user.id.toString();
		if (user.self) return { input, kind: 'self', id, chatId: id, title: user.firstName ?? null, username: user.username ?? null, peer: new Api.InputPeerSelf() };
		return {
			input,
			kind: 'user',
			id,
			chatId: id,
			title: [user.firstName, user.lastName].filter(Boolean).join(' ') || null,
			username: user.username ?? null,
			peer: new Api.InputPeerUser({ userId: user.id, accessHash: user.accessHash ?? returnBigInt(0) }),
		};
	}

	private fromChannel(input: string, channel: Api.Channel): ResolvedRecipient {
		const id = channel.id.toString();
		return {
			input,
			kind: 'channel',
			id,
			chatId: formatPeer({ kind: 'channel', channelId: id }),
			title: channel.title ?? null,
			username: channel.username ?? null,
			peer: new Api.InputPeerChannel({ channelId: channel.id, accessHash: channel.accessHash ?? returnBigInt(0) }),
		};
	}

	/**
	 * Whether gifts can be sent to `recipient` (channels: stargifts_available; users: their gift
	 * privacy), and with `giftId`, whether this account may send that gift now
	 * (payments.checkCanSendGift: sold out, premium, per-user limit, lock).
	 */
	async canReceiveGifts(recipient: string, giftId?: string): Promise<CanReceiveResult> {
		const resolved = await this.resolveRecipient(recipient).catch((error: unknown) => {
			if (error instanceof TelegramError && error.buyReason === 'peer_invalid') return error;
			throw error;
		});
		if (resolved instanceof TelegramError) return { ok: false, reason: 'peer_invalid', detail: resolved.message };
		const target = resolved;
		if (target.kind === 'channel') {
			const full = await this.call(
				new Api.channels.GetFullChannel({ channel: new Api.InputChannel({ channelId: returnBigInt(target.id), accessHash: (target.peer as Api.InputPeerChannel).accessHash }) }),
				{ retry: true },
			);
			const channelFull = full.fullChat;
			if (!(channelFull instanceof Api.ChannelFull) || channelFull.stargiftsAvailable !== true) {
				return { ok: false, reason: 'recipient_cannot_receive', detail: `channel ${target.chatId} does not accept gifts (stargifts_available is off)` };
			}
		} else if (target.kind === 'user') {
			const full = await this.call(
				new Api.users.GetFullUser({ id: new Api.InputUser({ userId: returnBigInt(target.id), accessHash: (target.peer as Api.InputPeerUser).accessHash }) }),
				{ retry: true },
			);
			const disallowed = full.fullUser.disallowedGifts;
			if (disallowed instanceof Api.DisallowedGiftsSettings && disallowed.disallowLimitedStargifts === true) {
				return { ok: false, reason: 'recipient_cannot_receive', detail: `user ${target.id} does not accept limited gifts` };
			}
		}
		if (giftId !== undefined) {
			const check = await this.call(new Api.payments.CheckCanSendGift({ giftId: returnBigInt(giftId) }), { retry: true }).catch((error: unknown) => {
				if (error instanceof TelegramError && error.buyReason === 'gift_not_found') return null;
				throw error;
			});
			if (check === null) return { ok: false, reason: 'gift_not_found', detail: `gift ${giftId} is not available` };
			if (check instanceof Api.payments.CheckCanSendGiftResultFail) {
				const text = check.reason instanceof Api.TextWithEntities ? check.reason.text : '';
				return { ok: false, reason: canSendReason(text), detail: text || 'Telegram refused' };
			}
		}
		return { ok: true, reason: null, detail: null };
	}

	/** Step 1 of a purchase: the payment form for a gift to a recipient (safe to repeat). */
	async giftPaymentForm(
		recipient: ResolvedRecipient,
		giftId: string,
		options: { hideName?: boolean; message?: string; includeUpgrade?: boolean } = {},
	): Promise<PaymentFormInfo> {
		const invoice = new Api.InputInvoiceStarGift({
			peer: recipient.peer,
			giftId: returnBigInt(giftId),
			hideName: options.hideName || undefined,
			includeUpgrade: options.includeUpgrade || undefined,
			message: options.message ? new Api.TextWithEntities({ text: options.message, entities: [] }) : undefined,
		});
		const form = await this.call(new Api.payments.GetPaymentForm({ invoice }), { retry: true, deadlineMs: this.conn.policy.formDeadlineMs });
		if (!(form instanceof Api.payments.PaymentFormStarGift)) {
			throw new TelegramError(this.context('payments.GetPaymentForm'), 400, 'FORM_UNSUPPORTED');
		}
		const amount = form.invoice.prices.reduce((sum, p) => sum + Number(p.amount.toString()), 0);
		return { formId: form.formId.toString(), amount, form, invoice };
	}

	/**
	 * Step 2: pays the form. Never retried; a DeadlineError/NetworkError here means "outcome unknown".
	 * Resolves with what the answer says about the account after paying.
	 */
	async sendStarsForm(form: PaymentFormInfo): Promise<PaymentAnswer> {
		const result = await this.call(new Api.payments.SendStarsForm({ formId: form.form.formId, invoice: form.invoice }), {
			retry: false,
			deadlineMs: this.conn.policy.sendDeadlineMs,
		});
		return { balanceAfter: result instanceof Api.payments.PaymentResult ? starsBalanceIn(result.updates) : null };
	}

	/** Gifts saved on a recipient's profile (newest first as Telegram returns them), up to `max`. */
	async savedGifts(recipient: string, max = 500): Promise<SavedGiftInfo[]> {
		const target = await this.resolveRecipient(recipient);
		const out: SavedGiftInfo[] = [];
		let offset = '';
		while (out.length < max) {
			const page = await this.call(new Api.payments.GetSavedStarGifts({ peer: target.peer, offset, limit: Math.min(100, max - out.length) }), { retry: true });
			for (const saved of page.gifts) {
				const gift = saved.gift;
				const giftId = gift instanceof Api.StarGift ? gift.id.toString() : gift instanceof Api.StarGiftUnique ? gift.giftId.toString() : null;
				if (giftId === null) continue;
				const from = saved.fromId;
				out.push({
					giftId,
					fromId: from instanceof Api.PeerUser ? from.userId.toString() : from instanceof Api.PeerChannel ? `-100${from.channelId.toString()}` : null,
					dateSec: saved.date,
					nameHidden: saved.nameHidden === true,
				});
			}
			if (!page.nextOffset || page.gifts.length === 0) break;
			offset = page.nextOffset;
		}
		return out;
	}

	/** The gift's animated sticker (.tgs, gzip'd Lottie), fetched in chunks under the read deadline. */
	async downloadSticker(gift: { stickerDocumentId: string | null; id: string }, document?: Api.Document): Promise<StickerFile> {
		const doc = document ?? (await this.findStickerDocument(gift));
		const location = new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' });
		const chunk = 128 * 1024;
		const parts: Buffer[] = [];
		for (let offset = 0; ; offset += chunk) {
			const file = await this.call(new Api.upload.GetFile({ location, offset: returnBigInt(offset), limit: chunk, precise: true }), { retry: true });
			if (!(file instanceof Api.upload.File)) throw new TelegramError(this.context('upload.GetFile'), 400, 'FILE_CDN_REDIRECT_UNSUPPORTED');
			parts.push(Buffer.from(file.bytes));
			if (file.bytes.length < chunk) break;
		}
		return { bytes: Buffer.concat(parts), mime: doc.mimeType || 'application/x-tgsticker' };
	}

	private async findStickerDocument(gift: { stickerDocumentId: string | null; id: string }): Promise<Api.Document> {
		const result = await this.call(new Api.payments.GetStarGifts({ hash: 0 }), { retry: true });
		if (result instanceof Api.payments.StarGifts) {
			for (const g of result.gifts) {
				if (g instanceof Api.StarGift && g.id.toString() === gift.id && g.sticker instanceof Api.Document) return g.sticker;
			}
		}
		throw new TelegramError(this.context('payments.GetStarGifts'), 400, 'STARGIFT_NOT_FOUND');
	}
}

/** The last Stars balance among an Updates object's updates (null when there is none). */
export function starsBalanceIn(updates: Api.TypeUpdates): StarsBalance | null {
	const list = updates instanceof Api.Updates || updates instanceof Api.UpdatesCombined ? updates.updates : updates instanceof Api.UpdateShort ? [updates.update] : [];
	let balance: StarsBalance | null = null;
	for (const update of list) {
		if (update instanceof Api.UpdateStarsBalance && update.balance instanceof Api.StarsAmount) {
			balance = { stars: Number(update.balance.amount.toString()), nanos: update.balance.nanos };
		}
	}
	return balance;
}

function canSendReason(text: string): NonNullable<CanReceiveResult['reason']> {
	switch (text) {
		case 'STARGIFT_USAGE_LIMITED':
			return 'sold_out';
		case 'STARGIFT_PREMIUM_NEEDED':
			return 'premium_required';
		case 'STARGIFT_USER_USAGE_LIMITED':
			return 'per_user_limit';
		default:
			// Telegram's real reason is human text (e.g. a lock date); report it as a lock.
			return 'locked';
	}
}

