/**
 * One Telegram user account as the rest of the package sees it: typed operations returning
 * JSON-safe values (ids as decimal strings), each call under a deadline, reads retried with
 * back-off, a circuit breaker per account, and flood waits parking the account per method.
 * Instances come from the ClientPool (src/telegram/pool.ts); never construct clients elsewhere.
 */
import type { GiftError } from '../core/gift';
import type { Gift } from '../core/types';
import { parsePeer } from '../core/peer';
import { migrateSignedIn, type TelegramServer } from './connection';
import {
	AccountError,
	AuthInvalidError,
	CircuitOpenError,
	DeadlineError,
	FloodWaitError,
	MigrateError,
	NetworkError,
	PaymentVerificationError,
	TelegramError,
	mapTelegramError,
	type ErrorContext,
} from './errors';
import { giftFromStarGift } from './gift-mapping';
import { MONEY_METHODS, type SessionRoute } from './ownership/coordinator';
import { Api, Raw, returnBigInt, type TelegramClient } from './gramjs';
import { PeerDirectory, channelPeer, inputPeerOf, knownPeersIn, type KnownPeer, type PeerMemory, type PeerStore } from './peers';
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
	/**
	 * Why not (null when ok). `cannot_send`: payments.checkCanSendGift refused this account the gift
	 * (sold out, premium only, per-user limit, locked until a date, …); Telegram says why only in
	 * words, which `detail` carries unchanged.
	 */
	reason: 'recipient_cannot_receive' | 'peer_invalid' | 'gift_not_found' | 'cannot_send' | null;
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

export interface StarsTransactionInfo {
	id: string;
	dateSec: number;
	/** Signed: negative for Stars spent. */
	stars: number;
	/** The counterpart: a user id or a "-100…" channel id; null for top-ups and other sources. */
	peer: string | null;
	/** The Star Gift the transaction is about (a purchase, or a received gift converted), else null. */
	giftId: string | null;
	/** The collectible's slug when the transaction is about a collectible (starGiftUnique), else null. */
	uniqueSlug?: string | null;
	/** stargift_resale: a collectible bought from (or sold on) the resale market. */
	resale?: boolean;
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
	/** The MTProto client; replaced by a fresh, unconnected one when queue mode hands the session to another process. */
	client: TelegramClient;
	readonly health: AccountHealth;
	readonly policy: CallPolicy;
	readonly now: () => number;
	/** Cached identity (set once the connection is verified). */
	self: WhoAmI | null;
	/** Recipient resolutions, per recipient string. */
	readonly recipients: Map<string, ResolvedRecipient>;
	/** Access hashes and usernames this account has seen (src/telegram/peers.ts). */
	readonly peers: PeerMemory;
	/** A data-center migration under way (every call that met USER_MIGRATE waits for the one). */
	migration?: Promise<void>;
	/**
	 * Queue mode (src/telegram/ownership): whether this process holds the session's connection, and
	 * the way to the process that does. Absent in regular mode.
	 */
	route?: SessionRoute | null;
}

/** Where recipient lookups keep what they learn across restarts (any GiftStore). */
export interface PeerStoreOption {
	peers?: PeerStore;
}

interface CallOptions {
	deadlineMs?: number;
	/** Reads are retried; writes (sendStarsForm) never. */
	retry: boolean;
	/** Another DC to send it to (a file DC) over its own connection; the account's own DC stays. */
	dcId?: number;
}


/** Update listeners per client (every lease of one pooled client shares them). */
const localHandlers = new WeakMap<TelegramClient, Set<(update: Api.TypeUpdate) => void>>();

/**
 * Queue mode: an update Telegram pushed to the session's owner (another process), handed to this
 * process's listeners of the session as if its own connection had received it.
 */
export function deliverPushedUpdate(client: TelegramClient, update: Api.TypeUpdate): void {
	for (const handler of localHandlers.get(client) ?? []) handler(update);
}

/** Queue mode: the session's listeners follow it onto a replacement client. */
export function moveUpdateHandlers(from: TelegramClient, to: TelegramClient): void {
	const handlers = localHandlers.get(from);
	if (!handlers) return;
	const event = new Raw({});
	for (const handler of handlers) {
		from.removeEventHandler(handler, event);
		to.addEventHandler(handler, event);
	}
	localHandlers.set(to, handlers);
	localHandlers.delete(from);
}

export class TelegramAccount {
	private readonly directory: PeerDirectory;

	constructor(private readonly conn: AccountConnection) {
		this.directory = new PeerDirectory({
			memory: conn.peers,
			selfId: async () => (await this.whoAmI()).id,
			now: conn.now,
			read: (request) => this.call(request, { retry: true }),
		});
	}

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
		const once = () => this.callOnce(request, options.deadlineMs ?? policy.readDeadlineMs, false, options.dcId);
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

	/**
	 * Queue mode, on the session's owner: runs a request another process forwarded, through this
	 * process's own checks (parking, breaker, deadline), never forwarding it again.
	 */
	callServed<R extends Api.AnyRequest>(request: R, deadlineMs: number, dcId?: number): Promise<R['__response']> {
		return this.callOnce(request, deadlineMs, false, dcId, true);
	}

	private async callOnce<R extends Api.AnyRequest>(request: R, deadlineMs: number, migrated = false, dcId?: number, served = false): Promise<R['__response']> {
		const { health, now, route } = this.conn;
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
		// Queue mode: the owner runs the call; any other process forwards it (one exchange through Redis).
		const forwarded = route !== undefined && route !== null && !served && !route.isOwner();
		if (route && !forwarded) {
			if (!route.isOwner()) throw notSent(new NetworkError(context, 'this process no longer holds the session'));
			// The fence: a money call only while the lease is still ours in Redis.
			if (MONEY_METHODS.has(method)) await route.fence(context);
		}
		try {
			let result: R['__response'];
			if (forwarded) {
				result = await route.forward(request, deadlineMs, context, dcId);
			} else {
				await this.ensureConnected(method).catch((error: AccountError) => {
					throw notSent(error);
				});
				result = await withDeadline(dcId === undefined ? this.conn.client.invoke(request) : this.conn.client.invoke(request, dcId), deadlineMs, () => new DeadlineError(context, deadlineMs));
			}
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
			} else if (error instanceof MigrateError && !migrated && dcId === undefined && !forwarded) {
				health.breaker.onNeutral();
				// The account lives on another DC (a 303 answer is a refusal: nothing ran). Follow it
				// once, signed in (export/import authorization), then repeat the call there.
				await this.switchDc(error.newDc);
				return this.callOnce(request, deadlineMs, true, undefined, served);
			} else {
				health.breaker.onNeutral();
			}
			throw error;
		}
	}

	private async switchDc(dc: number): Promise<void> {
		const { conn } = this;
		if (!conn.migration) {
			const client = conn.client;
			const session = client.session as unknown as { dcId: number };
			conn.migration = (session.dcId === dc ? Promise.resolve() : migrateSignedIn(client, dc)).finally(() => {
				conn.migration = undefined;
			});
		}
		try {
			await withDeadline(conn.migration, conn.policy.connectDeadlineMs * 2, () => new DeadlineError(this.context('switchDC'), conn.policy.connectDeadlineMs * 2));
		} catch (raw) {
			throw mapTelegramError(raw, this.context(`migrate to DC ${dc}`), conn.now());
		}
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
	 * "me", "@username", a user id, or a -100… channel id → an input peer with this account's access
	 * hash (src/telegram/peers.ts: memory, the store, the account's dialogs and contacts, and for
	 * usernames contacts.resolveUsername). A numeric id is looked up as an id (never as a username).
	 */
	async resolveRecipient(recipient: string, options: PeerStoreOption = {}): Promise<ResolvedRecipient> {
		const input = String(recipient).trim();
		const cached = this.conn.recipients.get(input);
		if (cached) return cached;
		const resolved = await this.resolveUncached(input, options.peers);
		this.conn.recipients.set(input, resolved);
		return resolved;
	}

	/**
	 * Forgets what this account knows about a recipient (Telegram refused its access hash): the next
	 * resolution asks again.
	 */
	async forgetRecipient(recipient: string, options: PeerStoreOption = {}): Promise<void> {
		const input = String(recipient).trim();
		const resolved = this.conn.recipients.get(input);
		this.conn.recipients.delete(input);
		if (resolved && resolved.kind !== 'self') await this.directory.forget(resolved.chatId, options.peers);
	}

	/** Calls made to look peers up so far (dialog pages, contact reads, username resolutions). */
	peerLookupStats(): { dialogPages: number; contactReads: number; resolveUsername: number } {
		return { ...this.conn.peers.stats };
	}

	private invalidRecipient(input: string, why: string): TelegramError {
		const error = new TelegramError(this.context('resolveRecipient'), 400, 'PEER_ID_INVALID');
		error.message = `${this.conn.label}: recipient "${input.slice(0, 64)}" ${why}`;
		return error;
	}

	private async resolveUncached(input: string, store: PeerStore | undefined): Promise<ResolvedRecipient> {
		// The core's peer syntax is the one definition: a numeric id never becomes a username.
		const parsed = parsePeer(input);
		if ('error' in parsed) throw this.invalidRecipient(input, `is not valid: ${parsed.error}`);
		const peer = parsed.ok;
		if (peer.kind === 'self') return this.selfRecipient(input);
		if (peer.kind === 'user' && peer.userId === (await this.whoAmI()).id) return this.selfRecipient(input);
		if (peer.kind === 'username') return this.resolveUsername(input, peer.username, store);
		const target = peer.kind === 'channel' ? channelPeer(peer.channelId) : peer.userId;
		const known = (await this.directory.cached(target, store)) ?? (await this.fromLibraryCache(target, store)) ?? (await this.directory.byId(target, store));
		if (!known) throw this.invalidRecipient(input, unknownPeerAdvice(peer.kind === 'channel'));
		return recipientOf(input, known);
	}

	private async selfRecipient(input: string): Promise<ResolvedRecipient> {
		const self = await this.whoAmI();
		return { input, kind: 'self', id: self.id, chatId: self.id, title: self.firstName, username: self.username, peer: new Api.InputPeerSelf() };
	}

	private async resolveUsername(input: string, username: string, store: PeerStore | undefined): Promise<ResolvedRecipient> {
		const known = await this.directory.byUsername(username, store);
		if (known) return recipientOf(input, known);
		// Last resort: Telegram rate limits this call tightly (a flood wait parks it for this account).
		this.conn.peers.stats.resolveUsername += 1;
		const resolved = await this.call(new Api.contacts.ResolveUsername({ username }), { retry: true });
		const peers = knownPeersIn(resolved.users, resolved.chats, this.conn.now());
		await this.directory.remember(peers, store);
		const target = resolved.peer instanceof Api.PeerUser ? resolved.peer.userId.toString() : resolved.peer instanceof Api.PeerChannel ? channelPeer(resolved.peer.channelId.toString()) : null;
		if (target === (await this.whoAmI()).id) return this.selfRecipient(input);
		const found = peers.find((p) => p.peer === target);
		if (!found) throw this.invalidRecipient(input, 'does not name a user or a channel');
		return recipientOf(input, found);
	}

	/**
	 * The library's entity cache (filled by every answer this client got): a hash from it is
	 * checked with one call before it is trusted, and then remembered.
	 */
	private async fromLibraryCache(target: string, store: PeerStore | undefined): Promise<KnownPeer | null> {
		const channel = target.startsWith('-');
		const bareId = channel ? (-BigInt(target) - 1000000000000n).toString() : target;
		let accessHash: string | null = null;
		try {
			const cache = (this.conn.client as unknown as { _entityCache?: { get(id: unknown): unknown } })._entityCache;
			const input = cache?.get(returnBigInt(channel ? target : bareId));
			if (input instanceof Api.InputPeerUser || input instanceof Api.InputPeerChannel) accessHash = input.accessHash.toString();
		} catch {
			// Not cached.
		}
		if (accessHash === null) return null;
		const answer = channel
			? await this.call(new Api.channels.GetChannels({ id: [new Api.InputChannel({ channelId: returnBigInt(bareId), accessHash: returnBigInt(accessHash) })] }), { retry: true }).catch(() => null)
			: await this.call(new Api.users.GetUsers({ id: [new Api.InputUser({ userId: returnBigInt(bareId), accessHash: returnBigInt(accessHash) })] }), { retry: true }).catch(() => null);
		if (answer === null) return null;
		const peers = Array.isArray(answer) ? knownPeersIn(answer, [], this.conn.now()) : knownPeersIn([], answer.chats, this.conn.now());
		await this.directory.remember(peers, store);
		return peers.find((p) => p.peer === target) ?? null;
	}

	/**
	 * Whether gifts can be sent to `recipient` (channels: stargifts_available; users: their gift
	 * privacy), and with `giftId`, whether this account may send that gift now
	 * (payments.checkCanSendGift: sold out, premium, per-user limit, lock).
	 */
	async canReceiveGifts(recipient: string, giftId?: string, options: PeerStoreOption = {}): Promise<CanReceiveResult> {
		const resolved = await this.resolveRecipient(recipient, options).catch((error: unknown) => {
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
				// Telegram's reason is text written for a person (tdlib passes it to the app as formatted
				// text), not an error code: it is passed on as is, never parsed.
				const text = check.reason instanceof Api.TextWithEntities ? check.reason.text.trim().slice(0, 500) : '';
				return { ok: false, reason: 'cannot_send', detail: text || 'Telegram says this account cannot send this gift now (no reason given)' };
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
		if (result instanceof Api.payments.PaymentVerificationNeeded) throw new PaymentVerificationError(this.context('payments.SendStarsForm'));
		return { balanceAfter: starsBalanceIn(result.updates) };
	}

	/**
	 * This account's own Stars transactions, newest first (payments.getStarsTransactions), paged
	 * until one older than `sinceSec` or `max` of them. `direction` keeps outbound (spent) or
	 * inbound (received) ones only. Gift purchases carry the gift and its recipient.
	 */
	async starsTransactions(options: { direction?: 'inbound' | 'outbound'; sinceSec?: number; max?: number } = {}): Promise<StarsTransactionInfo[]> {
		const max = options.max ?? 1000;
		const out: StarsTransactionInfo[] = [];
		let offset = '';
		while (out.length < max) {
			const page = await this.call(
				new Api.payments.GetStarsTransactions({
					inbound: options.direction === 'inbound' || undefined,
					outbound: options.direction === 'outbound' || undefined,
					peer: new Api.InputPeerSelf(),
					offset,
					limit: Math.min(100, max - out.length),
				}),
				{ retry: true },
			);
			const history = page.history ?? [];
			let older = false;
			for (const t of history) {
				if (options.sinceSec !== undefined && t.date < options.sinceSec) {
					older = true;
					break;
				}
				out.push(transactionInfo(t));
			}
			if (older || !page.nextOffset || history.length === 0) break;
			offset = page.nextOffset;
		}
		return out;
	}

	/** Gifts saved on a recipient's profile (newest first as Telegram returns them), up to `max`. */
	async savedGifts(recipient: string, max = 500, options: PeerStoreOption = {}): Promise<SavedGiftInfo[]> {
		const target = await this.resolveRecipient(recipient, options);
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

	/**
	 * The gift's animated sticker (.tgs, gzip'd Lottie), fetched in chunks under the read deadline.
	 * A document stored on another DC is fetched over a separate connection to that DC (its own auth
	 * key, signed in with export/import authorization); the account's own connection and DC never
	 * change for a file (core.telegram.org/api/files; FILE_MIGRATE_X names the DC when a document's
	 * dc_id was not the right one).
	 */
	async downloadSticker(gift: { stickerDocumentId: string | null; id: string }, document?: Api.Document): Promise<StickerFile> {
		const doc = document ?? (await this.findStickerDocument(gift));
		const location = new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' });
		const chunk = 128 * 1024;
		const parts: Buffer[] = [];
		const home = (this.conn.client.session as unknown as { dcId: number }).dcId;
		let fileDc: number | undefined = doc.dcId && doc.dcId !== home ? doc.dcId : undefined;
		const getFile = async (offset: number): Promise<Api.upload.TypeFile> => {
			const request = new Api.upload.GetFile({ location, offset: returnBigInt(offset), limit: chunk, precise: true });
			const first = await this.call(request, { retry: true, dcId: fileDc }).then(
				(file) => ({ file, moved: null }),
				(error: unknown) => {
					const moved = error instanceof TelegramError ? /^FILE_MIGRATE_(\d+)$/.exec(error.errorMessage) : null;
					if (!moved) throw error;
					return { file: undefined, moved };
				},
			);
			if (first.file) return first.file;
			// Told where the file is: fetch it there (a file connection), never by moving the account.
			const dc = Number(first.moved![1]);
			fileDc = dc === home ? undefined : dc;
			return await this.call(request, { retry: true, dcId: fileDc });
		};
		for (let offset = 0; ; offset += chunk) {
			const file = await getFile(offset);
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

function transactionInfo(t: Api.StarsTransaction): StarsTransactionInfo {
	const amount = t.amount instanceof Api.StarsAmount ? Number(t.amount.amount.toString()) : 0;
	const counterpart = t.peer instanceof Api.StarsTransactionPeer ? t.peer.peer : null;
	const peer = counterpart instanceof Api.PeerUser ? counterpart.userId.toString() : counterpart instanceof Api.PeerChannel ? channelPeer(counterpart.channelId.toString()) : null;
	const gift = t.stargift;
	const giftId = gift instanceof Api.StarGift ? gift.id.toString() : gift instanceof Api.StarGiftUnique ? gift.giftId.toString() : null;
	const info: StarsTransactionInfo = { id: t.id, dateSec: t.date, stars: amount, peer, giftId };
	if (gift instanceof Api.StarGiftUnique) info.uniqueSlug = gift.slug;
	if (t.stargiftResale === true) info.resale = true;
	return info;
}

/** A recipient from a peer this account holds an access hash for. */
function recipientOf(input: string, known: KnownPeer): ResolvedRecipient {
	return {
		input,
		kind: known.kind,
		id: known.id,
		chatId: known.peer,
		title: known.title,
		username: known.username,
		peer: inputPeerOf(known),
	};
}

/** Why an id is unknown to the account, and what the user can do about it. */
function unknownPeerAdvice(channel: boolean): string {
	return channel
		? 'is not a channel this account knows: Telegram lets an account address a channel by id only when it is a member of that channel (its dialogs and contacts were searched). Join the channel with this account, or give it as @username if it is public'
		: 'is not a user this account knows: Telegram lets an account address a user by id only after they have talked or when the user is in its contacts (its dialogs and contacts were searched). Message the user once from this account or add them to its contacts, or give them as @username';
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
