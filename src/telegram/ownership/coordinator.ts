/**
 * One owner per session across n8n's queue-mode processes (docs/queue-mode.md).
 *
 * - Lease: `<prefix>lease:<session key>` holds "<fencing token>:<process id>" with a Redis expiry;
 *   tokens come from `<prefix>fence:<session key>` (INCR), so every acquisition has a new value. The
 *   holder renews it every lease/3; it counts itself the owner only until (start of its last
 *   successful renewal + lease − margin) on its monotonic clock, which ends before Redis can expire
 *   the key: a paused owner wakes up already knowing it may not act. Before every money call the
 *   owner also re-checks its token in Redis (one round trip).
 * - Forwarding: a process that is not the owner pushes the request (its TL bytes, an id, its reply
 *   list, a deadline) onto `<prefix>req:<session key>`; the owner pops it (BLPOP), runs it through its
 *   own account call path (parking, breaker, deadline) and pushes the answer onto the caller's
 *   `<prefix>rep:<process id>`. One exchange through Redis per call; a request whose deadline has
 *   passed is never executed, and a forwarded call is never re-sent by this layer.
 * - Takeover: a process that uses a session it does not own tries to take the lease every lease/3
 *   (SET only when free): a dead owner is replaced within about lease + lease/3.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';

import Redis from 'ioredis';

import { AccountError, DeadlineError, NetworkError, type ErrorContext } from '../errors';
import type { Api } from '../gramjs';
import { decodeError, decodeRequest, decodeResult, encodeError, encodeRequest, encodeResult, type ErrorWire } from './codec';
import type { OwnershipConfig } from './config';

/** Extra time a caller waits for the owner's answer beyond the call's own deadline (the owner's deadline ends first). */
export const FORWARD_SLACK_MS = 1500;
/** The owner stops counting itself the owner this long before the lease could expire in Redis. */
const VALIDITY_MARGIN_MS = 250;
/** Requests and reply lists left behind by dead processes vanish after this. */
const LIST_TTL_MS = 60_000;
/**
 * BLPOPs kept queued on each blocking connection (Redis runs the next one the moment the previous
 * one returns): an element that arrives while this process is busy with the previous one is taken
 * at once, without waiting for this process to send a new BLPOP.
 */
const QUEUED_POPS = 2;

/** Methods that move Stars: the owner re-checks its lease in Redis right before each. */
export const MONEY_METHODS: ReadonlySet<string> = new Set(['payments.SendStarsForm', 'payments.SendPaymentForm', 'payments.TransferStarGift', 'payments.UpgradeStarGift']);

const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur} end
local token = redis.call('INCR', KEYS[2])
local value = token .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return {1, value}`;

/** Renews our lease; re-creates it when Redis lost it (restart without persistence) and nobody else took it. */
const RENEW = `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

/**
 * RPUSH + PEXPIRE as one command (one write, one reply to parse): a list its BLPOP emptied is
 * deleted, so every push onto it sets the expiry again.
 */
const PUSH_EXPIRING = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

interface RequestWire {
	id: string;
	/** A file DC the owner runs the request on (a sticker stored on another DC), else its own. */
	dcId?: number;
	/** The caller's reply list. */
	to: string;
	sentAt: number;
	deadlineMs: number;
	method: string;
	req: string;
}

interface ReplyWire {
	id: string;
	ok?: string;
	err?: ErrorWire;
}

export interface SessionHandlers {
	/** The session's label (messages only). */
	label: string;
	/** Runs a forwarded request on this process's own connection (this process is the owner). */
	serve(request: Api.AnyRequest, deadlineMs: number, dcId?: number): Promise<unknown>;
	/** This process stopped holding the session: close its connection now. */
	onLost(): Promise<void> | void;
	/** An update Telegram pushed to the owner's connection (TL bytes, base64), in a process that is not the owner. */
	onPushed?(data: string): void;
}

export interface OwnershipStats {
	forwarded: number;
	served: number;
	acquired: number;
	lost: number;
	fenceChecks: number;
	fenceRefusals: number;
}

export type RedisFactory = (config: OwnershipConfig, role: 'command' | 'blocking') => Redis;

/** The coordinator's own connections (the bench wraps them to count the commands a forwarded call costs). */
export function ownershipRedis(config: OwnershipConfig, role: 'command' | 'blocking'): Redis {
	const { redis } = config;
	return new Redis({
		host: redis.host,
		port: redis.port,
		db: redis.db,
		username: redis.username,
		password: redis.password,
		tls: redis.tls ? {} : undefined,
		lazyConnect: true,
		// Commands never wait in a queue while Redis is away: a forward either reaches Redis now or
		// certainly never does (then the call is "not sent").
		enableOfflineQueue: role === 'blocking',
		maxRetriesPerRequest: role === 'blocking' ? null : 0,
		retryStrategy: (times) => Math.min(50 * times, 1000),
		connectionName: 'n8n-nodes-telegram-gifts',
	});
}

interface Pending {
	resolve(reply: ReplyWire): void;
	reject(error: Error): void;
	timer: NodeJS.Timeout;
}

/** The process's link to Redis: one command connection, one reply listener, and one route per session. */
export class OwnershipCoordinator {
	readonly processId: string;
	readonly stats: OwnershipStats = { forwarded: 0, served: 0, acquired: 0, lost: 0, fenceChecks: 0, fenceRefusals: 0 };
	private readonly cmd: Redis;
	private replies: Redis | null = null;
	private readonly pending = new Map<string, Pending>();
	private readonly routes = new Set<SessionRoute>();
	private connecting: Promise<void> | null = null;
	private closed = false;
	private subscriber: Redis | null = null;
	private readonly subscriptions = new Map<string, (data: string) => void>();
	/** Request ids: unique within this process, which is all they need (the reply list is this process's own). */
	private lastRequestId = 0;

	constructor(
		readonly config: OwnershipConfig,
		/** @internal */ readonly redisFactory: RedisFactory = ownershipRedis,
	) {
		this.processId = `${hostname().slice(0, 32)}:${process.pid}:${randomBytes(4).toString('hex')}`;
		this.cmd = redisFactory(config, 'command');
		// Sent as EVALSHA; ioredis sends the script itself once when Redis does not know it yet.
		this.cmd.defineCommand('pushExpiring', { numberOfKeys: 1, lua: PUSH_EXPIRING });
		this.cmd.on('error', () => undefined);
	}

	key(kind: 'lease' | 'fence' | 'req' | 'upd', session: string): string {
		return `${this.config.keyPrefix}${kind}:${session}`;
	}

	get replyKey(): string {
		return `${this.config.keyPrefix}rep:${this.processId}`;
	}

	/** Connects the command connection (once; later reconnects are ioredis's). */
	async ready(): Promise<void> {
		if (this.closed) throw new Error('the session coordinator is closed');
		if (this.cmd.status === 'ready') return;
		this.connecting ??= this.cmd.connect().catch((error: unknown) => {
			this.connecting = null;
			throw error;
		});
		await this.connecting;
	}

	get redis(): Redis {
		return this.cmd;
	}

	/** Pushes `value` onto the list `key`, which expires LIST_TTL_MS after its last push. */
	push(key: string, value: string): Promise<unknown> {
		return (this.cmd as Redis & { pushExpiring(key: string, value: string, ttlMs: number): Promise<unknown> }).pushExpiring(key, value, LIST_TTL_MS);
	}

	/** The route of one session in this process (the pool holds one per open session). */
	route(session: string, handlers: SessionHandlers): SessionRoute {
		const route = new SessionRoute(this, session, handlers);
		this.routes.add(route);
		return route;
	}

	forget(route: SessionRoute): void {
		this.routes.delete(route);
	}

	/** Pushed updates of a session, as the owner publishes them (one subscriber connection per process). */
	subscribe(channel: string, onMessage: (data: string) => void): void {
		if (this.closed) return;
		if (!this.subscriber) {
			const sub = this.redisFactory(this.config, 'blocking');
			sub.on('error', () => undefined);
			sub.on('message', (ch: string, data: string) => this.subscriptions.get(ch)?.(data));
			this.subscriber = sub;
		}
		this.subscriptions.set(channel, onMessage);
		void this.subscriber.subscribe(channel).catch(() => undefined);
	}

	unsubscribe(channel: string): void {
		if (!this.subscriptions.delete(channel)) return;
		void this.subscriber?.unsubscribe(channel).catch(() => undefined);
	}

	nextRequestId(): string {
		this.lastRequestId += 1;
		return this.lastRequestId.toString(36);
	}

	/** Waits for the reply `id` (the listener starts on first use). */
	expect(id: string, waitMs: number, onTimeout: () => Error): Promise<ReplyWire> {
		this.listen();
		return new Promise<ReplyWire>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending.delete(id);
				reject(onTimeout());
			}, waitMs);
			this.pending.set(id, { resolve, reject, timer });
		});
	}

	cancel(id: string): void {
		const p = this.pending.get(id);
		if (!p) return;
		clearTimeout(p.timer);
		this.pending.delete(id);
	}

	private listen(): void {
		if (this.replies || this.closed) return;
		const conn = this.redisFactory(this.config, 'blocking');
		conn.on('error', () => undefined);
		this.replies = conn;
		for (let i = 0; i < QUEUED_POPS; i++) void this.listenLoop(conn);
	}

	private async listenLoop(conn: Redis): Promise<void> {
		while (!this.closed && this.replies === conn) {
			let popped: [string, string] | null = null;
			try {
				if (conn.status === 'wait') await conn.connect();
				popped = await conn.blpop(this.replyKey, 5);
			} catch {
				if (this.closed) return;
				await sleep(100);
				continue;
			}
			if (popped) this.deliver(popped[1]);
			// The woken caller runs first (it reads the answer, maybe sends its next call); this
			// loop's next BLPOP is written after it, not in its way (the other queued BLPOP is
			// already waiting in Redis meanwhile).
			await afterThisTurn();
		}
	}

	private deliver(raw: string): void {
		let reply: ReplyWire;
		try {
			reply = JSON.parse(raw) as ReplyWire;
		} catch {
			return;
		}
		const p = this.pending.get(reply.id);
		if (!p) return;
		clearTimeout(p.timer);
		this.pending.delete(reply.id);
		p.resolve(reply);
	}

	/** Stops every route (releasing held leases) and disconnects. Pending calls fail as not answered. */
	async close(): Promise<void> {
		if (this.closed) return;
		await Promise.all([...this.routes].map((r) => r.stop()));
		this.closed = true;
		for (const [id, p] of this.pending) {
			clearTimeout(p.timer);
			p.reject(new Error('the session coordinator closed before the owner answered'));
			this.pending.delete(id);
		}
		this.replies?.disconnect();
		this.replies = null;
		this.subscriber?.disconnect();
		this.subscriber = null;
		this.subscriptions.clear();
		this.cmd.disconnect();
	}
}

export type RouteState = 'starting' | 'owner' | 'follower' | 'stopped';

/** One session as seen by one process: either it holds the connection, or it forwards to whoever does. */
export class SessionRoute {
	private state: RouteState = 'starting';
	private leaseValue: string | null = null;
	/** performance.now() until which this process may act as the owner. */
	private validUntil = 0;
	private timer: NodeJS.Timeout | null = null;
	private serveConn: Redis | null = null;
	private ticking = false;
	private readonly leaseKey: string;
	private readonly fenceKey: string;
	private readonly reqKey: string;
	private readonly updKey: string;

	constructor(
		private readonly coordinator: OwnershipCoordinator,
		readonly session: string,
		private readonly handlers: SessionHandlers,
	) {
		this.leaseKey = coordinator.key('lease', session);
		this.fenceKey = coordinator.key('fence', session);
		this.reqKey = coordinator.key('req', session);
		this.updKey = coordinator.key('upd', session);
	}

	/**
	 * On the owner: passes an update Telegram pushed to its connection to the other processes
	 * (Redis pub/sub; at most once, as pushed updates are on Telegram's side too).
	 */
	publishUpdate(data: string): void {
		if (this.state !== 'owner') return;
		void this.coordinator.redis.publish(this.updKey, data).catch(() => undefined);
	}

	get leaseMs(): number {
		return this.coordinator.config.leaseMs;
	}

	/** The fencing token of the lease this process holds (null when it holds none). */
	get token(): number | null {
		return this.leaseValue ? Number(this.leaseValue.split(':', 1)[0]) : null;
	}

	/** Holds the lease and may act on it now (its local validity has not run out). */
	isOwner(): boolean {
		if (this.state !== 'owner') return false;
		if (performance.now() < this.validUntil) return true;
		// Lapsed (paused, or Redis unreachable for a whole lease): let go of the connection.
		void this.lose();
		return false;
	}

	get status(): RouteState {
		return this.state === 'owner' && !this.isOwner() ? 'follower' : this.state;
	}

	/** Tries to take the lease once, then keeps renewing or probing. */
	async start(): Promise<void> {
		await this.coordinator.ready();
		const onPushed = this.handlers.onPushed;
		if (onPushed) {
			this.coordinator.subscribe(this.updKey, (data) => {
				if (this.state !== 'owner') onPushed(data);
			});
		}
		await this.tryAcquire().catch(() => undefined);
		if (this.state === 'starting') this.state = 'follower';
		this.schedule();
	}

	private schedule(): void {
		if (this.state === 'stopped') return;
		this.timer = setTimeout(() => void this.tick(), Math.max(100, Math.floor(this.leaseMs / 3)));
		this.timer.unref();
	}

	private async tick(): Promise<void> {
		if (this.ticking || this.state === 'stopped') return;
		this.ticking = true;
		try {
			if (this.state === 'owner') await this.renew();
			else await this.tryAcquire();
		} catch {
			// Redis unreachable: an owner's validity runs out by itself; a follower probes again.
			if (this.state === 'owner' && performance.now() >= this.validUntil) await this.lose();
		} finally {
			this.ticking = false;
			this.schedule();
		}
	}

	private async tryAcquire(): Promise<void> {
		const t0 = performance.now();
		const [won, value] = (await this.coordinator.redis.eval(ACQUIRE, 2, this.leaseKey, this.fenceKey, this.coordinator.processId, this.leaseMs)) as [number, string];
		if (this.state === 'stopped') {
			if (won === 1) await this.coordinator.redis.eval(RELEASE, 1, this.leaseKey, value).catch(() => undefined);
			return;
		}
		if (won !== 1) return;
		this.leaseValue = value;
		this.validUntil = t0 + this.leaseMs - VALIDITY_MARGIN_MS;
		this.state = 'owner';
		this.coordinator.stats.acquired += 1;
		this.serve();
	}

	/** Renews the lease; false when another process holds it now. */
	private async renew(): Promise<boolean> {
		const value = this.leaseValue;
		if (!value) return false;
		const t0 = performance.now();
		const kept = (await this.coordinator.redis.eval(RENEW, 1, this.leaseKey, value, this.leaseMs)) as number;
		if (kept === 1 && this.state === 'owner' && this.leaseValue === value) {
			this.validUntil = t0 + this.leaseMs - VALIDITY_MARGIN_MS;
			return true;
		}
		if (this.leaseValue === value) await this.lose();
		return false;
	}

	/**
	 * The fence before a money call on the owner: the lease is still ours in Redis (renewed by the
	 * check) and locally valid. Throws a not-sent error otherwise, so the payment is never made.
	 */
	async fence(context: ErrorContext): Promise<void> {
		this.coordinator.stats.fenceChecks += 1;
		const refuse = (why: string): never => {
			this.coordinator.stats.fenceRefusals += 1;
			const error = new NetworkError(context, `this process no longer holds the session (${why}); the payment was not sent`);
			error.notSent = true;
			throw error;
		};
		if (!this.isOwner()) refuse('lease lapsed');
		let kept = false;
		try {
			kept = await this.renew();
		} catch {
			refuse('the lease could not be checked in Redis');
		}
		if (!kept || !this.isOwner()) refuse('lease taken over');
	}

	private serve(): void {
		if (this.serveConn) return;
		const conn = this.coordinatorBlocking();
		this.serveConn = conn;
		for (let i = 0; i < QUEUED_POPS; i++) void this.serveLoop(conn);
	}

	private async serveLoop(conn: Redis): Promise<void> {
		while (this.serveConn === conn && this.state === 'owner') {
			let popped: [string, string] | null = null;
			try {
				if (conn.status === 'wait') await conn.connect();
				popped = await conn.blpop(this.reqKey, 1);
			} catch {
				if (this.serveConn !== conn) return;
				await sleep(100);
				continue;
			}
			if (!popped) continue;
			void this.handle(popped[1]);
			// The request goes to Telegram first (the call path runs on promises); this loop's next
			// BLPOP is written after it, not in its way.
			await afterThisTurn();
		}
	}

	private coordinatorBlocking(): Redis {
		const conn = this.coordinator.redisFactory(this.coordinator.config, 'blocking');
		conn.on('error', () => undefined);
		return conn;
	}

	private async handle(raw: string): Promise<void> {
		let message: RequestWire;
		try {
			message = JSON.parse(raw) as RequestWire;
		} catch {
			return;
		}
		const context = { account: this.handlers.label, method: message.method };
		const nowMs = Date.now();
		const left = Math.min(message.deadlineMs, message.sentAt + message.deadlineMs - nowMs);
		let reply: ReplyWire;
		try {
			// A request the caller has already given up on is never executed: its outcome would be
			// decided after the caller decided "unknown".
			if (left <= 50) throw Object.assign(new DeadlineError(context, message.deadlineMs), { notSent: true });
			if (!this.isOwner()) {
				// Taken just before this process lost the session: back to the head of the list, for
				// the next owner (it was not run here, so it runs at most once).
				const requeued = await this.coordinator.redis.lpush(this.reqKey, raw).then(() => true, () => false);
				if (requeued) return;
				throw Object.assign(new NetworkError(context, 'the session owner changed before the call ran'), { notSent: true });
			}
			const request = decodeRequest(message.req);
			// (A money call's fence is checked on the way to the wire, in the account's call path.)
			this.coordinator.stats.served += 1;
			const result = await this.handlers.serve(request, left, message.dcId);
			reply = { id: message.id, ok: encodeResult(result) };
		} catch (error) {
			const typed = error instanceof AccountError ? error : new NetworkError(context, error instanceof Error ? error.message.slice(0, 200) : 'error at the session owner');
			reply = { id: message.id, err: encodeError(typed, Date.now()) };
		}
		await this.coordinator.push(message.to, JSON.stringify(reply)).catch(() => undefined);
	}

	/**
	 * Sends `request` to the owner and waits for its answer. One exchange through Redis. Errors:
	 * the owner's typed error as is; a request that never reached Redis is `notSent`; no answer in
	 * time is a DeadlineError (outcome unknown: a payment is then reconciled, never re-sent).
	 */
	async forward<R extends Api.AnyRequest>(request: R, deadlineMs: number, context: ErrorContext, dcId?: number): Promise<R['__response']> {
		const id = this.coordinator.nextRequestId();
		const message: RequestWire = { id, to: this.coordinator.replyKey, sentAt: Date.now(), deadlineMs, method: request.className, req: encodeRequest(request), ...(dcId === undefined ? {} : { dcId }) };
		const answer = this.coordinator.expect(id, deadlineMs + FORWARD_SLACK_MS, () => new DeadlineError(context, deadlineMs));
		answer.catch(() => undefined);
		try {
			await this.coordinator.push(this.reqKey, JSON.stringify(message));
		} catch (error) {
			this.coordinator.cancel(id);
			const text = error instanceof Error ? error.message : String(error);
			const failure = new NetworkError(context, `the session owner could not be reached through Redis (${text.slice(0, 120)})`);
			// With the offline queue off, a command Redis never saw fails before it is written.
			failure.notSent = /writeable|enableOfflineQueue/i.test(text);
			throw failure;
		}
		this.coordinator.stats.forwarded += 1;
		const reply = await answer;
		if (reply.err) throw decodeError(reply.err, context, Date.now());
		return decodeResult(request, reply.ok ?? '');
	}

	private async lose(): Promise<void> {
		if (this.state !== 'owner') return;
		this.state = 'follower';
		this.leaseValue = null;
		this.validUntil = 0;
		this.coordinator.stats.lost += 1;
		this.serveConn?.disconnect();
		this.serveConn = null;
		try {
			await this.handlers.onLost();
		} catch {
			// The connection is being torn down anyway.
		}
	}

	/** Stops renewing and serving, gives the lease back when held. Idempotent. */
	async stop(): Promise<void> {
		if (this.state === 'stopped') return;
		const value = this.state === 'owner' ? this.leaseValue : null;
		this.state = 'stopped';
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
		this.serveConn?.disconnect();
		this.serveConn = null;
		this.leaseValue = null;
		this.coordinator.unsubscribe(this.updKey);
		this.coordinator.forget(this);
		if (value) await this.coordinator.redis.eval(RELEASE, 1, this.leaseKey, value).catch(() => undefined);
	}
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Resolves once the work this turn of the event loop started (its promise chains) has run. */
function afterThisTurn(): Promise<void> {
	return new Promise((resolve) => setImmediate(resolve));
}
