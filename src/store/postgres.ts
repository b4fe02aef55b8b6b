/**
 * The PostgreSQL backend of GiftStore, for n8n queue mode (a main, workers and webhook processors
 * on several machines, sharing n8n's PostgreSQL database). Its tables live in a schema of the
 * package's own (default `telegram_gifts`), never in n8n's.
 *
 * Atomicity across processes never relies on process memory:
 * - a ledger claim is one `INSERT … ON CONFLICT (op_key, unit_index) DO UPDATE … WHERE status =
 *   'failed'` statement: PostgreSQL guarantees the insert-or-update outcome atomically, and a
 *   second claimant of the same key waits on the first one's row lock, then re-checks the WHERE
 *   against the committed row (pending: not granted);
 * - markSent / settle are single-row UPDATEs;
 * - the multi-statement writes (recordGiftsSeen, putPeerAccess, migrations) run in a transaction
 *   that first takes a transaction-scoped advisory lock for that table, so two processes serialize
 *   exactly as two sqlite connections do under BEGIN IMMEDIATE (and "new gift" is reported once).
 */
import type { Pool, PoolClient, PoolConfig } from 'pg';

import { PG_LATEST_SCHEMA_VERSION, PG_MIGRATIONS } from './pgMigrations';
import { toLedgerEntry, toPeerAccess, toSealedLogin, toSeenGift, type LedgerRow, type PeerAccessRow, type PendingLoginRow, type SeenRow } from './rows';
import { StoreSchemaError } from './sqlite';
import type {
	ClaimResult,
	GiftStore,
	LedgerEntry,
	LedgerOutcomeStatus,
	LedgerQuery,
	LedgerStep,
	LoginClaim,
	NewLedgerEntry,
	PeerAccess,
	SeenGift,
	SeenGiftsUpdate,
	StickerEntry,
	SupplySample,
} from './types';

export const DEFAULT_PG_SCHEMA = 'telegram_gifts';
export const DEFAULT_PG_POOL_SIZE = 4;

/** Where the PostgreSQL store lives. Either a connection string or the fields; never logged whole. */
export interface PgStoreConfig {
	connectionString?: string;
	host?: string;
	port?: number;
	database?: string;
	user?: string;
	password?: string;
	/** As node-postgres takes it: false, true, or TLS options (ca/cert/key/rejectUnauthorized). */
	ssl?: PoolConfig['ssl'];
	/** The package's own schema (created if missing). Default `telegram_gifts`. */
	schema?: string;
	/** Connections in this process's pool. Default 4. */
	poolSize?: number;
}

export interface PgStoreOptions {
	/** Migrate only up to this version (tests); default: latest. */
	migrateTo?: number;
}

/** A store error that names the place but never the password or the full connection string. */
export class PgStoreError extends Error {
	/** The driver's code when there was one: a SQLSTATE (57P01: server shutting down) or a socket errno (ECONNREFUSED). */
	readonly code: string | undefined;

	constructor(message: string, code?: string) {
		super(message);
		this.name = 'PgStoreError';
		this.code = code;
	}
}

function messageOf(error: unknown): string {
	return typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
}

function codeOf(error: unknown): string | undefined {
	const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
	return typeof code === 'string' ? code : undefined;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** `postgres://user@host:port/database (schema s)`: what messages and `location` show. */
export function describePgTarget(config: PgStoreConfig): string {
	let user = config.user;
	let host = config.host;
	let port = config.port;
	let database = config.database;
	if (config.connectionString) {
		try {
			const url = new URL(config.connectionString);
			user = user ?? (decodeURIComponent(url.username) || undefined);
			host = host ?? (url.hostname || undefined);
			port = port ?? (url.port ? Number(url.port) : undefined);
			database = database ?? (decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined);
		} catch {
			// An unparsable string is described by its parts only (never echoed).
		}
	}
	const who = user ? `${user}@` : '';
	return `postgres://${who}${host ?? 'localhost'}:${port ?? 5432}/${database ?? user ?? 'postgres'} (schema ${config.schema ?? DEFAULT_PG_SCHEMA})`;
}

/** Removes the password and the connection string from a driver message. */
function scrub(message: string, config: PgStoreConfig): string {
	let out = message;
	const secrets: string[] = [];
	if (config.connectionString) {
		secrets.push(config.connectionString);
		try {
			const url = new URL(config.connectionString);
			if (url.password) secrets.push(url.password, decodeURIComponent(url.password));
		} catch {
			// nothing more to find
		}
	}
	if (config.password) secrets.push(config.password);
	for (const secret of secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
	return out;
}

function claimParams(entry: NewLedgerEntry): unknown[] {
	return [entry.opKey, entry.unitIndex, entry.accountId, entry.recipient, entry.giftId, entry.price, entry.atMs, entry.kind ?? 'purchase', entry.bidAmount ?? null];
}

/** int8 (BIGINT) as a JS number: every BIGINT here is a time in ms, a Star amount or an index. */
const INT8_OID = 20;

/** Advisory lock keys (per schema): one per table whose writes span several statements. */
type LockName = 'migrate' | 'gifts_seen' | 'peer_access';

export class PgGiftStore implements GiftStore {
	private closed = false;
	private readonly t: (table: string) => string;
	private readonly sql: { claim: string; markSent: string; settle: string; getLedger: string };

	private constructor(
		private readonly pool: Pool,
		readonly location: string,
		readonly schema: string,
		readonly schemaVersion: number,
		private readonly scrub: (message: string) => string,
	) {
		const q = `"${schema}"`;
		this.t = (table) => `${q}.${table}`;
		const ledger = this.t('purchase_ledger');
		this.sql = {
			claim: `INSERT INTO ${ledger} AS l
					(op_key, unit_index, account_id, recipient, gift_id, price, status, reason, created_at_ms, sent_at_ms, updated_at_ms, kind, bid_amount)
				 VALUES ($1, $2, $3, $4, $5, $6, 'pending', NULL, $7, NULL, $7, $8, $9)
				 ON CONFLICT (op_key, unit_index) DO UPDATE SET
					account_id = excluded.account_id, recipient = excluded.recipient, gift_id = excluded.gift_id,
					price = excluded.price, status = 'pending', reason = NULL, created_at_ms = excluded.created_at_ms,
					sent_at_ms = NULL, updated_at_ms = excluded.updated_at_ms, kind = excluded.kind, bid_amount = excluded.bid_amount
				 WHERE l.status = 'failed'
				 RETURNING *`,
			markSent: `UPDATE ${ledger} SET sent_at_ms = $1, updated_at_ms = $1 WHERE op_key = $2 AND unit_index = $3`,
			settle: `UPDATE ${ledger} SET status = $1, reason = $2, updated_at_ms = $3 WHERE op_key = $4 AND unit_index = $5`,
			getLedger: `SELECT * FROM ${ledger} WHERE op_key = $1 AND unit_index = $2`,
		};
	}

	/** Connects, creates the schema if missing and migrates (once, under an advisory lock). */
	static async open(config: PgStoreConfig, options: PgStoreOptions = {}): Promise<PgGiftStore> {
		const schema = config.schema ?? DEFAULT_PG_SCHEMA;
		const location = describePgTarget(config);
		if (!SCHEMA_NAME.test(schema)) {
			throw new PgStoreError(`The PostgreSQL store schema "${schema}" is not a plain lower-case identifier (letters, digits, _; at most 63)`);
		}
		// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when PostgreSQL is chosen
		const pg = require('pg') as typeof import('pg');
		const types = {
			getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
				oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
		};
		const pool = new pg.Pool({
			connectionString: config.connectionString,
			host: config.host,
			port: config.port,
			database: config.database,
			user: config.user,
			password: config.password,
			ssl: config.ssl,
			max: Math.max(1, config.poolSize ?? DEFAULT_PG_POOL_SIZE),
			idleTimeoutMillis: 30_000,
			connectionTimeoutMillis: 10_000,
			application_name: 'n8n-nodes-telegram-gifts',
			types,
		});
		// An idle connection dropped by the server (restart, failover) must not crash n8n: the pool
		// forgets it and the next call opens a new one.
		pool.on('error', () => undefined);
		try {
			const version = await migratePg(pool, schema, location, options.migrateTo);
			return new PgGiftStore(pool, location, schema, version, (message) => scrub(message, config));
		} catch (error) {
			await pool.end().catch(() => undefined);
			// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- no node here: the nodes wrap store errors
			if (error instanceof StoreSchemaError) throw error;
			// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- no node here: the nodes wrap store errors
			throw new PgStoreError(`Could not open the gift store at ${location}: ${scrub(messageOf(error), config)}`, codeOf(error));
		}
	}

	private guard(): void {
		if (this.closed) throw new Error(`The store ${this.location} is closed`);
	}

	/**
	 * A driver error (server down or restarting, connection dropped, SQL error) as a PgStoreError
	 * naming the store: callers see which store failed, never the connection string. While the
	 * server is away every call fails this way at once (refused connection); the pool opens new
	 * connections as soon as it is back, so the same store works again without a restart.
	 */
	private failure(error: unknown): PgStoreError {
		if (error instanceof PgStoreError) return error;
		return new PgStoreError(`The gift store at ${this.location} failed: ${this.scrub(messageOf(error))}`, codeOf(error));
	}

	private async query<R>(sql: string, params: unknown[] = []): Promise<{ rows: R[]; rowCount: number }> {
		this.guard();
		try {
			const result = await this.pool.query(sql, params);
			return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
		} catch (error) {
			throw this.failure(error);
		}
	}

	/** Runs `fn` in one transaction holding the advisory lock `lock` (released at commit/rollback). */
	private async locked<T>(lock: LockName, fn: (client: PoolClient) => Promise<T>): Promise<T> {
		this.guard();
		try {
			return await inTransaction(this.pool, async (client) => {
				await client.query('SELECT pg_advisory_xact_lock($1)', [lockKey(this.schema, lock)]);
				return fn(client);
			});
		} catch (error) {
			throw this.failure(error);
		}
	}

	recordGiftsSeen(gifts: Array<{ id: string; soldOut: boolean; data: unknown }>, atMs: number): Promise<SeenGiftsUpdate> {
		return this.locked('gifts_seen', async (client) => {
			const update: SeenGiftsUpdate = { newGiftIds: [], newlySoldOutGiftIds: [] };
			const ids = [...new Set(gifts.map((g) => g.id))];
			const existing = new Map<string, SeenRow>();
			if (ids.length > 0) {
				const { rows } = await client.query<SeenRow>(`SELECT * FROM ${this.t('gifts_seen')} WHERE gift_id = ANY($1::text[])`, [ids]);
				for (const row of rows) existing.set(row.gift_id, row);
			}
			// The same rules as sqlite, worked out in memory, then written in at most three statements.
			const inserted = new Set<string>();
			const changed = new Set<string>();
			const seenAgain = new Set<string>();
			for (const gift of gifts) {
				const row = existing.get(gift.id);
				const data = JSON.stringify(gift.data);
				if (!row) {
					update.newGiftIds.push(gift.id);
					inserted.add(gift.id);
					existing.set(gift.id, { gift_id: gift.id, first_seen_ms: atMs, last_seen_ms: atMs, sold_out_at_ms: gift.soldOut ? atMs : null, data });
					continue;
				}
				const soldOutNow = gift.soldOut && row.sold_out_at_ms === null;
				if (!soldOutNow && row.data === data) {
					seenAgain.add(gift.id);
					continue;
				}
				if (soldOutNow) update.newlySoldOutGiftIds.push(gift.id);
				changed.add(gift.id);
				existing.set(gift.id, { ...row, last_seen_ms: Math.max(row.last_seen_ms, atMs), sold_out_at_ms: soldOutNow ? atMs : row.sold_out_at_ms, data });
			}
			const rowsOf = (set: Set<string>) => [...set].map((id) => existing.get(id) as SeenRow);
			const fresh = rowsOf(inserted);
			if (fresh.length > 0) {
				await client.query(
					`INSERT INTO ${this.t('gifts_seen')} (gift_id, first_seen_ms, last_seen_ms, sold_out_at_ms, data)
					 SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[])`,
					[fresh.map((r) => r.gift_id), fresh.map((r) => r.first_seen_ms), fresh.map((r) => r.last_seen_ms), fresh.map((r) => r.sold_out_at_ms), fresh.map((r) => r.data)],
				);
			}
			const moved = rowsOf(new Set([...changed].filter((id) => !inserted.has(id))));
			if (moved.length > 0) {
				await client.query(
					`UPDATE ${this.t('gifts_seen')} AS g SET last_seen_ms = GREATEST(g.last_seen_ms, u.last_seen_ms), sold_out_at_ms = u.sold_out_at_ms, data = u.data
					 FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[]) AS u(gift_id, last_seen_ms, sold_out_at_ms, data)
					 WHERE g.gift_id = u.gift_id`,
					[moved.map((r) => r.gift_id), moved.map((r) => r.last_seen_ms), moved.map((r) => r.sold_out_at_ms), moved.map((r) => r.data)],
				);
			}
			const bumped = [...seenAgain].filter((id) => !inserted.has(id) && !changed.has(id));
			if (bumped.length > 0) {
				await client.query(`UPDATE ${this.t('gifts_seen')} SET last_seen_ms = GREATEST(last_seen_ms, $1) WHERE gift_id = ANY($2::text[])`, [atMs, bumped]);
			}
			return update;
		});
	}

	async getSeenGift(giftId: string): Promise<SeenGift | null> {
		const { rows } = await this.query<SeenRow>(`SELECT * FROM ${this.t('gifts_seen')} WHERE gift_id = $1`, [giftId]);
		return rows[0] ? toSeenGift(rows[0]) : null;
	}

	async listSeenGifts(): Promise<SeenGift[]> {
		// COLLATE "C": byte order, as sqlite sorts TEXT.
		const { rows } = await this.query<SeenRow>(`SELECT * FROM ${this.t('gifts_seen')} ORDER BY first_seen_ms, gift_id COLLATE "C"`);
		return rows.map(toSeenGift);
	}

	async addSupplySamples(samples: SupplySample[]): Promise<void> {
		if (samples.length === 0) return;
		// One row per (gift, time), the last given wins (as INSERT OR REPLACE row by row would).
		const unique = [...new Map(samples.map((s) => [`${s.giftId}\u0000${s.atMs}`, s])).values()];
		await this.query(
			`INSERT INTO ${this.t('supply_samples')} (gift_id, at_ms, remains)
			 SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
			 ON CONFLICT (gift_id, at_ms) DO UPDATE SET remains = excluded.remains`,
			[unique.map((s) => s.giftId), unique.map((s) => s.atMs), unique.map((s) => s.remains)],
		);
	}

	async listSupplySamples(giftId: string, sinceMs = 0): Promise<SupplySample[]> {
		const { rows } = await this.query<{ gift_id: string; at_ms: number; remains: number }>(
			`SELECT gift_id, at_ms, remains FROM ${this.t('supply_samples')} WHERE gift_id = $1 AND at_ms >= $2 ORDER BY at_ms`,
			[giftId, sinceMs],
		);
		return rows.map((r) => ({ giftId: r.gift_id, atMs: r.at_ms, remains: r.remains }));
	}

	async claimPurchase(entry: NewLedgerEntry): Promise<ClaimResult> {
		const { rows } = await this.query<LedgerRow>(this.sql.claim, claimParams(entry));
		if (rows[0]) return { claimed: true, entry: toLedgerEntry(rows[0]) };
		// Not granted: the row exists (rows are never deleted) and is pending/unknown/bought/…
		const current = await this.query<LedgerRow>(this.sql.getLedger, [entry.opKey, entry.unitIndex]);
		if (!current.rows[0]) throw new Error(`Ledger entry ${entry.opKey}#${entry.unitIndex} vanished after its claim`);
		return { claimed: false, entry: toLedgerEntry(current.rows[0]) };
	}

	async markSent(opKey: string, unitIndex: number, atMs: number): Promise<void> {
		await this.query(this.sql.markSent, [atMs, opKey, unitIndex]);
	}

	async settlePurchase(opKey: string, unitIndex: number, outcome: { status: LedgerOutcomeStatus; reason: string | null; atMs: number }): Promise<void> {
		const { rowCount } = await this.query(this.sql.settle, [outcome.status, outcome.reason, outcome.atMs, opKey, unitIndex]);
		if (rowCount === 0) throw new Error(`No ledger entry ${opKey}#${unitIndex} to settle`);
	}

	/** The step's writes go out at once on separate pooled connections: each atomic on its own. */
	async ledgerStep(step: LedgerStep): Promise<ClaimResult | null> {
		this.guard();
		const { settle, markSent, claim } = step;
		const results = await Promise.allSettled([
			settle ? this.settlePurchase(settle.opKey, settle.unitIndex, settle.outcome) : null,
			markSent ? this.markSent(markSent.opKey, markSent.unitIndex, markSent.atMs) : null,
			claim ? this.claimPurchase(claim) : null,
		]);
		for (const r of results) if (r.status === 'rejected') throw r.reason;
		const claimed = results[2] as PromiseFulfilledResult<ClaimResult | null>;
		return claimed.value;
	}

	async getPurchase(opKey: string, unitIndex: number): Promise<LedgerEntry | null> {
		const { rows } = await this.query<LedgerRow>(this.sql.getLedger, [opKey, unitIndex]);
		return rows[0] ? toLedgerEntry(rows[0]) : null;
	}

	async listPurchases(query: LedgerQuery = {}): Promise<LedgerEntry[]> {
		const where: string[] = [];
		const params: unknown[] = [];
		const add = (clause: (n: string) => string, value: unknown) => {
			params.push(value);
			where.push(clause(`$${params.length}`));
		};
		if (query.statuses && query.statuses.length > 0) add((n) => `status = ANY(${n}::text[])`, query.statuses);
		if (query.accountId !== undefined) add((n) => `account_id = ${n}`, query.accountId);
		if (query.opKey !== undefined) add((n) => `op_key = ${n}`, query.opKey);
		if (query.kind !== undefined) add((n) => `kind = ${n}`, query.kind);
		if (query.giftId !== undefined) add((n) => `gift_id = ${n}`, query.giftId);
		if (query.sinceMs !== undefined) add((n) => `created_at_ms >= ${n}`, query.sinceMs);
		const sql = `SELECT * FROM ${this.t('purchase_ledger')}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at_ms, op_key COLLATE "C", unit_index`;
		return (await this.query<LedgerRow>(sql, params)).rows.map(toLedgerEntry);
	}

	async spentSince(accountId: string, sinceMs: number): Promise<number> {
		const { rows } = await this.query<{ total: number }>(
			`SELECT COALESCE(SUM(price), 0)::bigint AS total FROM ${this.t('purchase_ledger')}
			 WHERE account_id = $1 AND created_at_ms >= $2 AND status IN ('pending', 'bought', 'unknown', 'held', 'won')`,
			[accountId, sinceMs],
		);
		return rows[0]?.total ?? 0;
	}

	async putPeerAccess(entries: PeerAccess[]): Promise<void> {
		if (entries.length === 0) return;
		// One row per (account, peer), the last given wins (INSERT … ON CONFLICT may touch a row once).
		const rows = [
			...new Map(entries.map((e) => [`${e.accountId}\u0000${e.peer}`, { ...e, username: e.username === null ? null : e.username.toLowerCase() }])).values(),
		];
		await this.locked('peer_access', async (client) => {
			const named = rows.filter((e) => e.username !== null);
			if (named.length > 0) {
				// A username belongs to one peer at a time: rows that still give it to another peer are stale.
				await client.query(
					`UPDATE ${this.t('peer_access')} AS p SET username = NULL
					 WHERE p.username = ANY($1::text[])
					   AND NOT EXISTS (SELECT 1 FROM unnest($1::text[], $2::text[]) AS n(username, peer) WHERE n.username = p.username AND n.peer = p.peer)`,
					[named.map((e) => e.username), named.map((e) => e.peer)],
				);
			}
			await client.query(
				`INSERT INTO ${this.t('peer_access')} (account_id, peer, access_hash, username, title, updated_at_ms)
				 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
				 ON CONFLICT (account_id, peer) DO UPDATE SET
					access_hash = excluded.access_hash, username = excluded.username, title = excluded.title, updated_at_ms = excluded.updated_at_ms`,
				[
					rows.map((e) => e.accountId),
					rows.map((e) => e.peer),
					rows.map((e) => e.accessHash),
					rows.map((e) => e.username),
					rows.map((e) => e.title),
					rows.map((e) => e.updatedAtMs),
				],
			);
		});
	}

	async getPeerAccess(accountId: string, peer: string): Promise<PeerAccess | null> {
		const { rows } = await this.query<PeerAccessRow>(`SELECT * FROM ${this.t('peer_access')} WHERE account_id = $1 AND peer = $2`, [accountId, peer]);
		return rows[0] ? toPeerAccess(rows[0]) : null;
	}

	async findPeerByUsername(username: string, accountId?: string): Promise<PeerAccess | null> {
		const name = username.replace(/^@/, '').toLowerCase();
		const { rows } =
			accountId === undefined
				? await this.query<PeerAccessRow>(`SELECT * FROM ${this.t('peer_access')} WHERE username = $1 ORDER BY updated_at_ms DESC LIMIT 1`, [name])
				: await this.query<PeerAccessRow>(`SELECT * FROM ${this.t('peer_access')} WHERE username = $1 AND account_id = $2 ORDER BY updated_at_ms DESC LIMIT 1`, [
						name,
						accountId,
					]);
		return rows[0] ? toPeerAccess(rows[0]) : null;
	}

	async deletePeerAccess(accountId: string, peer: string): Promise<void> {
		await this.query(`DELETE FROM ${this.t('peer_access')} WHERE account_id = $1 AND peer = $2`, [accountId, peer]);
	}

	async getSticker(giftId: string): Promise<StickerEntry | null> {
		const { rows } = await this.query<{ gift_id: string; bytes: Buffer; mime: string; stored_at_ms: number }>(`SELECT * FROM ${this.t('sticker_cache')} WHERE gift_id = $1`, [giftId]);
		const row = rows[0];
		return row ? { giftId: row.gift_id, bytes: row.bytes, mime: row.mime, storedAtMs: row.stored_at_ms } : null;
	}

	async putSticker(giftId: string, bytes: Buffer, mime: string, atMs: number): Promise<void> {
		await this.query(
			`INSERT INTO ${this.t('sticker_cache')} (gift_id, bytes, mime, stored_at_ms) VALUES ($1, $2, $3, $4)
			 ON CONFLICT (gift_id) DO UPDATE SET bytes = excluded.bytes, mime = excluded.mime, stored_at_ms = excluded.stored_at_ms`,
			[giftId, bytes, mime, atMs],
		);
	}

	async getStickerFileId(giftId: string, botId: string): Promise<string | null> {
		const { rows } = await this.query<{ file_id: string }>(`SELECT file_id FROM ${this.t('sticker_file_ids')} WHERE gift_id = $1 AND bot_id = $2`, [giftId, botId]);
		return rows[0]?.file_id ?? null;
	}

	async putStickerFileId(giftId: string, botId: string, fileId: string): Promise<void> {
		await this.query(
			`INSERT INTO ${this.t('sticker_file_ids')} (gift_id, bot_id, file_id) VALUES ($1, $2, $3)
			 ON CONFLICT (gift_id, bot_id) DO UPDATE SET file_id = excluded.file_id`,
			[giftId, botId, fileId],
		);
	}

	async createPendingLogin(key: string, sealed: Buffer, expiresAtMs: number, nowMs: number): Promise<void> {
		await this.query(`DELETE FROM ${this.t('pending_logins')} WHERE expires_at_ms <= $1`, [nowMs]);
		await this.query(`INSERT INTO ${this.t('pending_logins')} (login_key, sealed, expires_at_ms) VALUES ($1, $2, $3)`, [key, sealed, expiresAtMs]);
	}

	async claimPendingLogin(key: string, claimant: string, untilMs: number, nowMs: number): Promise<LoginClaim> {
		// One statement: PostgreSQL's row lock makes the check of the claim and the take atomic.
		const { rows } = await this.query<PendingLoginRow>(
			`UPDATE ${this.t('pending_logins')} SET claimed_by = $1, claimed_until_ms = $2
			 WHERE login_key = $3 AND expires_at_ms > $4 AND (claimed_by IS NULL OR claimed_until_ms <= $4 OR claimed_by = $1)
			 RETURNING sealed, expires_at_ms`,
			[claimant, untilMs, key, nowMs],
		);
		if (rows[0]) return { claimed: toSealedLogin(rows[0]) };
		const held = await this.query<{ expires_at_ms: number }>(`SELECT expires_at_ms FROM ${this.t('pending_logins')} WHERE login_key = $1`, [key]);
		const expiresAtMs = held.rows[0]?.expires_at_ms;
		return expiresAtMs !== undefined && expiresAtMs > nowMs ? { busy: true } : { missing: true };
	}

	async savePendingLogin(key: string, claimant: string, sealed: Buffer, expiresAtMs: number): Promise<boolean> {
		const { rowCount } = await this.query(
			`UPDATE ${this.t('pending_logins')} SET sealed = $1, expires_at_ms = $2, claimed_by = NULL, claimed_until_ms = 0
			 WHERE login_key = $3 AND claimed_by = $4`,
			[sealed, expiresAtMs, key, claimant],
		);
		return rowCount > 0;
	}

	async deletePendingLogin(key: string): Promise<void> {
		await this.query(`DELETE FROM ${this.t('pending_logins')} WHERE login_key = $1`, [key]);
	}

	/** Ends the pool once the calls in flight have finished. Use getStore()'s handles in nodes. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.pool.end();
	}
}

/** A stable signed 64-bit advisory lock key for (schema, lock name): FNV-1a over the name. */
export function lockKey(schema: string, lock: LockName): string {
	let hash = 0xcbf29ce484222325n;
	for (const byte of Buffer.from(`n8n-nodes-telegram-gifts:${schema}:${lock}`, 'utf8')) {
		hash ^= BigInt(byte);
		hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
	}
	return BigInt.asIntN(64, hash).toString();
}

/**
 * Runs `fn` between BEGIN and COMMIT on one pooled connection (ROLLBACK when it throws).
 *
 * A checked-out client has no listener of the pool's: when the server drops the connection while
 * we hold it (restart, failover, pg_terminate_backend), node-postgres fails the query in flight
 * and then emits 'error' on the client, which would be an uncaught exception and end the whole
 * n8n process. The listener here takes it, and the client is then given back as broken, so the
 * pool discards it instead of handing a dead connection to the next call.
 */
async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
	const client = await pool.connect();
	let broken: Error | undefined;
	const onConnectionError = (error: Error): void => {
		broken = error;
	};
	client.on('error', onConnectionError);
	try {
		await client.query('BEGIN');
		try {
			const result = await fn(client);
			await client.query('COMMIT');
			return result;
		} catch (error) {
			await client.query('ROLLBACK').catch((rollbackError: unknown) => {
				broken = broken ?? (rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
			});
			// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- no node here: the nodes wrap store errors
			throw error;
		}
	} finally {
		client.removeListener('error', onConnectionError);
		client.release(broken);
	}
}

/** Creates the schema if missing and applies the missing migrations in one locked transaction. */
async function migratePg(pool: Pool, schema: string, location: string, target = PG_LATEST_SCHEMA_VERSION): Promise<number> {
	return inTransaction(pool, async (client) => {
		await client.query('SELECT pg_advisory_xact_lock($1)', [lockKey(schema, 'migrate')]);
		// CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists: look first.
		const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
		if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${schema}"`);
		await client.query(`SET LOCAL search_path TO "${schema}"`);
		await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
		const read = async () => ((await client.query<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_version')).rows[0]?.version ?? 0);
		const current = await read();
		if (current > PG_LATEST_SCHEMA_VERSION) {
			throw new StoreSchemaError(
				`The store ${location} has schema version ${current}, newer than this package understands (${PG_LATEST_SCHEMA_VERSION}). ` +
					'Upgrade n8n-nodes-telegram-gifts or point TELEGRAM_GIFTS_DB elsewhere.',
			);
		}
		for (const migration of PG_MIGRATIONS) {
			if (migration.version > target || migration.version <= current) continue;
			for (const statement of migration.statements) await client.query(statement);
			await client.query('INSERT INTO schema_version (version) VALUES ($1)', [migration.version]);
		}
		return read();
	});
}
