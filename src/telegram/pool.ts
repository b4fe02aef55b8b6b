/**
 * One MTProto client per (API profile, session, server) per process, shared by the trigger and
 * every execution: a sniper that reconnects per execution loses the race, and one session used by
 * two connections at once risks AUTH_KEY_DUPLICATED. Leases are refcounted; a client nobody holds
 * is torn down after an idle period. Pool keys are hashes: the session string is never a key, a
 * log field or part of a message.
 */
import { createHash } from 'node:crypto';

import { AccountHealth, DEFAULT_CALL_POLICY, TelegramAccount, deliverPushedUpdate, moveUpdateHandlers, type AccountConnection, type CallPolicy } from './account';
import { createTelegramClient, destroyClient, holdDc, type TelegramServer } from './connection';
import type { ClientIdentity } from './identity';
import { DeadlineError, NetworkError, mapTelegramError, redactSecrets } from './errors';
import { PeerMemory } from './peers';
import { Raw, type Api, type TelegramClient } from './gramjs';
import { withDeadline } from './resilience';
import { getSharedOwnership, type OwnershipCoordinator } from './ownership';
import { decodeUpdate, encodeUpdate } from './ownership/codec';

export interface AccountCredentials {
	apiId: number;
	apiHash: string;
	session: string;
	server: TelegramServer;
	/** Human label used in every message about this account (never the session). */
	label: string;
	/** What the client tells Telegram about itself (initConnection); unset fields use the defaults. */
	identity?: Partial<ClientIdentity>;
}

export interface PoolOptions {
	/** How long an unused client stays connected (ms). Default 60 s. */
	idleMs?: number;
	/** Connection retries passed to the library. Default 2. */
	connectionRetries?: number;
	policy?: Partial<CallPolicy>;
	now?: () => number;
	/**
	 * Queue mode: one owner per session across processes (src/telegram/ownership). Unset: from
	 * n8n's environment (EXECUTIONS_MODE=queue); null: never (regular mode).
	 */
	ownership?: OwnershipCoordinator | null;
}

export interface AccountLease {
	readonly account: TelegramAccount;
	/** Gives the lease back (idempotent). The client stays up for the idle period. */
	release(): void;
}

interface PoolEntry {
	conn: AccountConnection;
	refs: number;
	ready: Promise<void>;
	idleTimer: NodeJS.Timeout | null;
	closing: Promise<void> | null;
}

/** Which Telegram a server is ("production", "test", or "custom:host:port"): what one catalog is shared by. */
export function serverKeyOf(server: TelegramServer): string {
	return server.kind === 'custom' ? `custom:${server.host}:${server.port}` : server.kind;
}

/** A stable, non-reversible id for (apiId, server, session). */
export function accountKeyOf(credentials: Pick<AccountCredentials, 'apiId' | 'session' | 'server'>): string {
	const server = serverKeyOf(credentials.server);
	return createHash('sha256').update(`${credentials.apiId}\n${server}\n${credentials.session}`).digest('hex').slice(0, 16);
}

export class ClientPool {
	private readonly entries = new Map<string, PoolEntry>();
	private readonly idleMs: number;
	private readonly policy: CallPolicy;
	private readonly now: () => number;
	private readonly ownership: OwnershipCoordinator | null;
	/** Clients created over the pool's life (tests: reuse means this stays at 1 per account). */
	clientsCreated = 0;

	constructor(private readonly options: PoolOptions = {}) {
		this.idleMs = options.idleMs ?? 60_000;
		this.policy = { ...DEFAULT_CALL_POLICY, ...options.policy, breaker: { ...DEFAULT_CALL_POLICY.breaker, ...options.policy?.breaker } };
		this.now = options.now ?? Date.now;
		this.ownership = options.ownership === undefined ? getSharedOwnership() : options.ownership;
	}

	/** A connected, verified account (its identity is known). Throws typed AccountErrors. */
	async acquire(credentials: AccountCredentials): Promise<AccountLease> {
		const key = accountKeyOf(credentials);
		let entry = this.entries.get(key);
		if (entry?.closing) {
			await entry.closing;
			entry = this.entries.get(key);
		}
		if (!entry) entry = this.open(key, credentials);
		entry.refs += 1;
		if (entry.idleTimer) {
			clearTimeout(entry.idleTimer);
			entry.idleTimer = null;
		}
		const owner = entry;
		await owner.ready.catch((error: unknown) => {
			this.releaseEntry(key, owner);
			throw error;
		});
		let released = false;
		return {
			account: new TelegramAccount(owner.conn),
			release: () => {
				if (released) return;
				released = true;
				this.releaseEntry(key, owner);
			},
		};
	}

	/** Runs `fn` with a leased account and always releases it. */
	async withAccount<T>(credentials: AccountCredentials, fn: (account: TelegramAccount) => Promise<T>): Promise<T> {
		const lease = await this.acquire(credentials);
		try {
			return await fn(lease.account);
		} finally {
			lease.release();
		}
	}

	private open(key: string, credentials: AccountCredentials): PoolEntry {
		const label = credentials.label || `account ${key.slice(0, 6)}`;
		const makeClient = (): TelegramClient =>
			createTelegramClient({
				apiId: credentials.apiId,
				apiHash: credentials.apiHash,
				session: credentials.session,
				server: credentials.server,
				connectionRetries: this.options.connectionRetries,
				identity: credentials.identity,
			});
		let client: TelegramClient;
		try {
			client = makeClient();
		} catch (error) {
			// Bad credential fields: say which account (connection.ts never echoes the values).
			throw credentialError(label, error);
		}
		// Its DC changes only through the account layer's signed-in migration (connection.ts).
		holdDc(client);
		this.clientsCreated += 1;
		const conn: AccountConnection = {
			key,
			label,
			server: credentials.server,
			client,
			health: new AccountHealth(this.policy.breaker),
			policy: this.policy,
			now: this.now,
			self: null,
			recipients: new Map(),
			peers: new PeerMemory(),
		};
		const entry: PoolEntry = { conn, refs: 0, ready: Promise.resolve(), idleTimer: null, closing: null };
		if (this.ownership) {
			conn.route = this.ownership.route(key, {
				label,
				// A served call holds the entry like a lease: the owner's connection is not closed for
				// idleness under a call, and stays the idle period after the last one it served.
				serve: async (request, deadlineMs, dcId) => {
					if (entry.closing) throw Object.assign(new NetworkError({ account: label, method: request.className }, 'the session owner is closing the connection'), { notSent: true });
					entry.refs += 1;
					if (entry.idleTimer) {
						clearTimeout(entry.idleTimer);
						entry.idleTimer = null;
					}
					try {
						return await new TelegramAccount(conn).callServed(request, deadlineMs, dcId);
					} finally {
						this.releaseEntry(key, entry);
					}
				},
				// Another process holds the session now: this one's connection goes at once.
				onLost: async () => {
					const old = conn.client;
					conn.client = makeClient();
					moveUpdateHandlers(old, conn.client);
					publishPushed(conn.client);
					await destroyClient(old);
				},
				// Updates Telegram pushed to the owner reach this process's listeners (auction state).
				onPushed: (data) => {
					const update = decodeUpdate(data);
					if (update) deliverPushedUpdate(conn.client, update);
				},
			});
			const route = conn.route;
			// On the owner, every pushed update also goes to the other processes.
			const publishPushed = (target: TelegramClient): void => {
				target.addEventHandler((update: Api.TypeUpdate) => {
					if (route.isOwner()) route.publishUpdate(encodeUpdate(update));
				}, new Raw({}));
			};
			publishPushed(client);
		}
		entry.ready = this.connect(conn);
		// A failed connect must not stay cached: the next acquire tries afresh.
		entry.ready.catch(() => {
			if (this.entries.get(key) === entry) this.entries.delete(key);
			void conn.route?.stop();
			void destroyClient(conn.client);
		});
		this.entries.set(key, entry);
		return entry;
	}

	private async connect(conn: AccountConnection): Promise<void> {
		const context = { account: conn.label, method: 'connect' };
		const deadline = conn.policy.connectDeadlineMs;
		if (conn.route) {
			// Queue mode: take the session when nobody holds it; the owner connects on its first call.
			const route = conn.route;
			await withDeadline(route.start(), deadline, () => new DeadlineError({ ...context, method: 'queue-mode lease' }, deadline)).catch((raw: unknown) => {
				const error = raw instanceof DeadlineError ? raw : new NetworkError({ ...context, method: 'queue-mode lease' }, `Redis (QUEUE_BULL_REDIS_*) unreachable: ${raw instanceof Error ? raw.message.slice(0, 120) : String(raw)}`);
				error.notSent = true;
				throw error;
			});
			await new TelegramAccount(conn).whoAmI();
			return;
		}
		try {
			await withDeadline(conn.client.connect(), deadline, () => new DeadlineError(context, deadline));
		} catch (raw) {
			throw mapTelegramError(raw, context, this.now());
		}
		// connect() "succeeds" even against a dead port: only an answered call proves the link and
		// the session's authorization.
		await new TelegramAccount(conn).whoAmI();
	}

	private releaseEntry(key: string, entry: PoolEntry): void {
		entry.refs = Math.max(0, entry.refs - 1);
		if (entry.refs > 0 || entry.closing) return;
		// A revoked session is useless: drop it now so a fixed credential reconnects cleanly.
		if (entry.conn.health.authError || this.idleMs <= 0) {
			void this.closeEntry(key, entry);
			return;
		}
		entry.idleTimer = setTimeout(() => void this.closeEntry(key, entry), this.idleMs);
		entry.idleTimer.unref();
	}

	private closeEntry(key: string, entry: PoolEntry): Promise<void> {
		if (entry.closing) return entry.closing;
		if (entry.idleTimer) clearTimeout(entry.idleTimer);
		entry.idleTimer = null;
		entry.closing = (async () => {
			await entry.ready.catch(() => undefined);
			await entry.conn.route?.stop();
			await destroyClient(entry.conn.client);
			if (this.entries.get(key) === entry) this.entries.delete(key);
		})();
		return entry.closing;
	}

	/** Open clients (held or idle). */
	size(): number {
		return this.entries.size;
	}

	/** Leases currently held per pool key (diagnostics; keys are hashes, never sessions). */
	leases(): Record<string, number> {
		return Object.fromEntries([...this.entries].map(([key, e]) => [key, e.refs]));
	}

	/** Tears every client down (process shutdown, tests). Leases held elsewhere become unusable. */
	async destroy(): Promise<void> {
		await Promise.all([...this.entries].map(([key, entry]) => this.closeEntry(key, entry)));
	}
}

function credentialError(label: string, error: unknown): Error {
	return new Error(redactSecrets(`${label}: invalid credential: ${error instanceof Error ? error.message : String(error)}`));
}

let sharedPool: ClientPool | null = null;

/** The process-wide pool every node uses. */
export function getSharedPool(): ClientPool {
	if (!sharedPool) sharedPool = new ClientPool();
	return sharedPool;
}
