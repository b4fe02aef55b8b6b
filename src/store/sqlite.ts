/**
 * The embedded sqlite backend of GiftStore. One connection per instance; every public method runs
 * through a per-instance FIFO so a multi-statement transaction never interleaves with another
 * caller's statements on the same connection. Across processes, sqlite's own locking applies:
 * WAL lets readers proceed during a write, and busy_timeout makes a contending writer wait
 * instead of failing with SQLITE_BUSY.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type sqlite3 from 'sqlite3';

import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations';
import { toLedgerEntry, toPeerAccess, toSealedLogin, toSeenGift, type LedgerRow, type PeerAccessRow, type PendingLoginRow, type SeenRow } from './rows';
import { loadSqlite3 } from './sqlite3-loader';
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

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export interface SqliteStoreOptions {
	busyTimeoutMs?: number;
	/** Migrate only up to this version (tests of old files); default: latest. */
	migrateTo?: number;
}

/**
 * A thin promise layer over the callback API of sqlite3. Every statement runs to its end inside its
 * own call, so statements handed over together on one connection are each their own autocommit
 * transaction (see `get`).
 */
export class SqliteConnection {
	private constructor(private readonly db: sqlite3.Database) {}

	static open(path: string): Promise<SqliteConnection> {
		return new Promise((resolve, reject) => {
			const { Database } = loadSqlite3();
			const db = new Database(path, (err) => (err ? reject(err) : resolve(new SqliteConnection(db))));
		});
	}

	run(sql: string, params: unknown[] = []): Promise<{ changes: number }> {
		return new Promise((resolve, reject) => {
			this.db.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
				if (err) reject(err);
				else resolve({ changes: this.changes });
			});
		});
	}

	/**
	 * The first row. Not sqlite3's own `Database#get`: that steps its statement once and leaves it
	 * open (not reset) until it is finalized later on the main thread, and meanwhile the connection
	 * sits in a read transaction on that statement's snapshot. A write handed to the same connection
	 * in that window (`writeStep` hands several statements over at once) has to upgrade the read
	 * transaction, and when another connection committed since the snapshot SQLite refuses at once
	 * with SQLITE_BUSY_SNAPSHOT: the busy timeout cannot help, as waiting cannot renew the snapshot.
	 * This was the rare "database is locked" of several processes claiming (issue 16,
	 * docs/store.md). `all` steps to the end inside one call, so no statement outlives its call.
	 */
	async get<T>(sql: string, params: unknown[] = []): Promise<T | undefined> {
		const rows = await this.all<T>(sql, params);
		return rows[0];
	}

	all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
		return new Promise((resolve, reject) => {
			this.db.all(sql, params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
		});
	}

	exec(sql: string): Promise<void> {
		return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(err) : resolve())));
	}

	close(): Promise<void> {
		return new Promise((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
	}

	/** Runs `fn` inside BEGIN IMMEDIATE … COMMIT (rolled back on error). */
	async transaction<T>(fn: () => Promise<T>): Promise<T> {
		await this.exec('BEGIN IMMEDIATE');
		let committed = false;
		try {
			const result = await fn();
			await this.exec('COMMIT');
			committed = true;
			return result;
		} finally {
			if (!committed) await this.exec('ROLLBACK').catch(() => undefined);
		}
	}
}

export class StoreSchemaError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'StoreSchemaError';
	}
}

/** The applied schema version (0 for a new file); a read only, no lock beyond a snapshot. */
export async function readSchemaVersion(conn: SqliteConnection): Promise<number> {
	const table = await conn.get<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
	if (!table) return 0;
	const row = await conn.get<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_version');
	return row?.version ?? 0;
}

/**
 * Applies the missing migrations up to `target`; safe against a concurrent migrator. An up-to-date
 * file (every open but the first) is only read: no process takes the write lock just to open.
 */
export async function migrate(conn: SqliteConnection, location: string, target = LATEST_SCHEMA_VERSION): Promise<number> {
	const before = await readSchemaVersion(conn);
	for (const migration of MIGRATIONS) {
		if (migration.version > target) break;
		if (migration.version <= before) continue;
		await conn.transaction(async () => {
			await conn.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
			// Re-read inside the write lock: another process may have migrated meanwhile.
			const current = await readSchemaVersion(conn);
			if (current >= migration.version) return;
			for (const statement of migration.statements) await conn.run(statement);
			await conn.run('INSERT INTO schema_version (version) VALUES (?)', [migration.version]);
		});
	}
	const version = await readSchemaVersion(conn);
	if (version > LATEST_SCHEMA_VERSION) {
		throw new StoreSchemaError(
			`The store ${location} has schema version ${version}, newer than this package understands (${LATEST_SCHEMA_VERSION}). ` +
				'Upgrade n8n-nodes-telegram-gifts or point TELEGRAM_GIFTS_DB at another file.',
		);
	}
	return version;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Duck-typed: the native module's errors may come from another realm (jest), failing instanceof. */
function isBusy(error: unknown): boolean {
	if (typeof error !== 'object' || error === null) return false;
	const { code, message } = error as { code?: unknown; message?: unknown };
	return /SQLITE_BUSY|SQLITE_LOCKED/.test(`${String(code ?? '')} ${String(message ?? '')}`);
}

/**
 * Puts the file in WAL mode (persistent: only the first opener of a new file switches it).
 *
 * Why not just `PRAGMA journal_mode = WAL`: switching needs an exclusive lock, and when another
 * connection is opening the same new file at that moment (two n8n processes, n8n and the CLI, two
 * store instances), sqlite answers SQLITE_BUSY at once: the busy handler (busy_timeout) is not
 * consulted for this lock, measured here at 0-5 ms in ~6 % of two simultaneous opens of a new
 * file. That was the cause of "database is locked" in the two-instance test. So: read the mode
 * first (a file already in WAL needs no lock), and retry a refused switch with a short backoff
 * until the busy timeout has passed, as the busy handler would.
 */
export async function enableWal(conn: SqliteConnection, busyTimeoutMs: number): Promise<void> {
	const deadline = Date.now() + busyTimeoutMs;
	for (let attempt = 0; ; attempt += 1) {
		try {
			const current = await conn.get<{ journal_mode: string }>('PRAGMA journal_mode');
			if (current?.journal_mode === 'wal') return;
			const set = await conn.get<{ journal_mode: string }>('PRAGMA journal_mode = WAL');
			if (set?.journal_mode === 'wal') return;
			// Refused without an error (a file system without shared memory): stay in rollback mode.
			if (Date.now() >= deadline) return;
		} catch (error) {
			// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- no node here: the nodes wrap store errors
			if (!isBusy(error) || Date.now() >= deadline) throw error;
		}
		await sleep(Math.min(50, 2 ** attempt) + Math.random() * 5);
	}
}

// One statement, so the claim is atomic across processes too: a new unit is inserted, a failed
// one is re-armed, anything else is left untouched (changes = 0).
const CLAIM_SQL = `INSERT INTO purchase_ledger
		(op_key, unit_index, account_id, recipient, gift_id, price, status, reason, created_at_ms, sent_at_ms, updated_at_ms, kind, bid_amount)
	 VALUES (?, ?, ?, ?, ?, ?, 'pending', NULL, ?, NULL, ?, ?, ?)
	 ON CONFLICT (op_key, unit_index) DO UPDATE SET
		account_id = excluded.account_id, recipient = excluded.recipient, gift_id = excluded.gift_id,
		price = excluded.price, status = 'pending', reason = NULL, created_at_ms = excluded.created_at_ms,
		sent_at_ms = NULL, updated_at_ms = excluded.updated_at_ms, kind = excluded.kind, bid_amount = excluded.bid_amount
	 WHERE purchase_ledger.status = 'failed'`;
const MARK_SENT_SQL = 'UPDATE purchase_ledger SET sent_at_ms = ?, updated_at_ms = ? WHERE op_key = ? AND unit_index = ?';
const SETTLE_SQL = 'UPDATE purchase_ledger SET status = ?, reason = ?, updated_at_ms = ? WHERE op_key = ? AND unit_index = ?';

function claimParams(entry: NewLedgerEntry): unknown[] {
	return [entry.opKey, entry.unitIndex, entry.accountId, entry.recipient, entry.giftId, entry.price, entry.atMs, entry.atMs, entry.kind ?? 'purchase', entry.bidAmount ?? null];
}

/** The row a granted claim writes. */
function freshEntry(entry: NewLedgerEntry): LedgerEntry {
	const { opKey, unitIndex, accountId, recipient, giftId, price, atMs } = entry;
	return {
		opKey,
		unitIndex,
		kind: entry.kind ?? 'purchase',
		bidAmount: entry.bidAmount ?? null,
		accountId,
		recipient,
		giftId,
		price,
		status: 'pending',
		reason: null,
		createdAtMs: atMs,
		sentAtMs: null,
		updatedAtMs: atMs,
	};
}

/** peer_access rows per multi-row statement (6 values each, 3 more per username: under 999 parameters). */
const PEER_ROWS_PER_STATEMENT = 100;

/** Ids bound in one IN (...) list: well below SQLite's host-parameter limit (999 in old builds). */
const SQL_IDS_PER_STATEMENT = 500;

function chunks<T>(items: T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}

export class SqliteGiftStore implements GiftStore {
	private queue: Promise<unknown> = Promise.resolve();
	private closed = false;
	/** ledgerStep calls waiting for their turn in the FIFO (written together). */
	private pendingSteps: Array<{ step: LedgerStep; resolve: (result: ClaimResult | null) => void; reject: (error: unknown) => void }> = [];

	private constructor(
		private readonly conn: SqliteConnection,
		readonly location: string,
		readonly schemaVersion: number,
	) {}

	/** Opens (creating directories and the file as needed) and migrates. */
	static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteGiftStore> {
		mkdirSync(dirname(path), { recursive: true });
		const conn = await SqliteConnection.open(path);
		let store: SqliteGiftStore | null = null;
		try {
			const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));
			await conn.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
			await enableWal(conn, busyTimeoutMs);
			await conn.exec('PRAGMA synchronous = NORMAL');
			const version = await migrate(conn, path, options.migrateTo);
			store = new SqliteGiftStore(conn, path, version);
			return store;
		} finally {
			if (!store) await conn.close().catch(() => undefined);
		}
	}

	private serial<T>(fn: () => Promise<T>): Promise<T> {
		if (this.closed) return Promise.reject(new Error(`The store ${this.location} is closed`));
		const next = this.queue.then(fn, fn);
		this.queue = next.catch(() => undefined);
		return next;
	}

	recordGiftsSeen(gifts: Array<{ id: string; soldOut: boolean; data: unknown }>, atMs: number): Promise<SeenGiftsUpdate> {
		return this.serial(() =>
			this.conn.transaction(async () => {
				const update: SeenGiftsUpdate = { newGiftIds: [], newlySoldOutGiftIds: [] };
				// The trigger records the whole catalog on every change, before it emits: one read for all
				// of it and one write for the gifts where only last_seen moves (most of them), instead of
				// a read and a write per gift (~25 ms for a 100-gift catalog; docs/performance.md).
				const existing = new Map<string, SeenRow>();
				for (const ids of chunks([...new Set(gifts.map((g) => g.id))], SQL_IDS_PER_STATEMENT)) {
					const rows = await this.conn.all<SeenRow>(`SELECT * FROM gifts_seen WHERE gift_id IN (${ids.map(() => '?').join(', ')})`, ids);
					for (const row of rows) existing.set(row.gift_id, row);
				}
				const onlySeenAgain = new Set<string>();
				for (const gift of gifts) {
					const row = existing.get(gift.id);
					const data = JSON.stringify(gift.data);
					if (!row) {
						update.newGiftIds.push(gift.id);
						const soldOutAt = gift.soldOut ? atMs : null;
						await this.conn.run(
							'INSERT INTO gifts_seen (gift_id, first_seen_ms, last_seen_ms, sold_out_at_ms, data) VALUES (?, ?, ?, ?, ?)',
							[gift.id, atMs, atMs, soldOutAt, data],
						);
						existing.set(gift.id, { gift_id: gift.id, first_seen_ms: atMs, last_seen_ms: atMs, sold_out_at_ms: soldOutAt, data });
						continue;
					}
					const soldOutNow = gift.soldOut && row.sold_out_at_ms === null;
					if (!soldOutNow && row.data === data) {
						onlySeenAgain.add(gift.id);
						continue;
					}
					if (soldOutNow) update.newlySoldOutGiftIds.push(gift.id);
					const soldOutAt = soldOutNow ? atMs : row.sold_out_at_ms;
					await this.conn.run('UPDATE gifts_seen SET last_seen_ms = MAX(last_seen_ms, ?), sold_out_at_ms = ?, data = ? WHERE gift_id = ?', [
						atMs,
						soldOutAt,
						data,
						gift.id,
					]);
					existing.set(gift.id, { ...row, last_seen_ms: Math.max(row.last_seen_ms, atMs), sold_out_at_ms: soldOutAt, data });
				}
				for (const ids of chunks([...onlySeenAgain], SQL_IDS_PER_STATEMENT)) {
					await this.conn.run(`UPDATE gifts_seen SET last_seen_ms = MAX(last_seen_ms, ?) WHERE gift_id IN (${ids.map(() => '?').join(', ')})`, [atMs, ...ids]);
				}
				return update;
			}),
		);
	}

	getSeenGift(giftId: string): Promise<SeenGift | null> {
		return this.serial(async () => {
			const row = await this.conn.get<SeenRow>('SELECT * FROM gifts_seen WHERE gift_id = ?', [giftId]);
			return row ? toSeenGift(row) : null;
		});
	}

	listSeenGifts(): Promise<SeenGift[]> {
		return this.serial(async () => (await this.conn.all<SeenRow>('SELECT * FROM gifts_seen ORDER BY first_seen_ms, gift_id')).map(toSeenGift));
	}

	addSupplySamples(samples: SupplySample[]): Promise<void> {
		if (samples.length === 0) return Promise.resolve();
		return this.serial(() =>
			this.conn.transaction(async () => {
				for (const s of samples) {
					await this.conn.run('INSERT OR REPLACE INTO supply_samples (gift_id, at_ms, remains) VALUES (?, ?, ?)', [s.giftId, s.atMs, s.remains]);
				}
			}),
		);
	}

	listSupplySamples(giftId: string, sinceMs = 0): Promise<SupplySample[]> {
		return this.serial(async () => {
			const rows = await this.conn.all<{ gift_id: string; at_ms: number; remains: number }>(
				'SELECT gift_id, at_ms, remains FROM supply_samples WHERE gift_id = ? AND at_ms >= ? ORDER BY at_ms',
				[giftId, sinceMs],
			);
			return rows.map((r) => ({ giftId: r.gift_id, atMs: r.at_ms, remains: r.remains }));
		});
	}

	claimPurchase(entry: NewLedgerEntry): Promise<ClaimResult> {
		return this.serial(async () => {
			const { changes } = await this.conn.run(CLAIM_SQL, claimParams(entry));
			const row = await this.conn.get<LedgerRow>('SELECT * FROM purchase_ledger WHERE op_key = ? AND unit_index = ?', [entry.opKey, entry.unitIndex]);
			if (!row) throw new Error(`Ledger entry ${entry.opKey}#${entry.unitIndex} vanished after its claim`);
			return { claimed: changes > 0, entry: toLedgerEntry(row) } as ClaimResult;
		});
	}

	markSent(opKey: string, unitIndex: number, atMs: number): Promise<void> {
		return this.serial(async () => {
			await this.conn.run(MARK_SENT_SQL, [atMs, atMs, opKey, unitIndex]);
		});
	}

	settlePurchase(opKey: string, unitIndex: number, outcome: { status: LedgerOutcomeStatus; reason: string | null; atMs: number }): Promise<void> {
		return this.serial(async () => {
			const { changes } = await this.conn.run(SETTLE_SQL, [outcome.status, outcome.reason, outcome.atMs, opKey, unitIndex]);
			if (changes === 0) throw new Error(`No ledger entry ${opKey}#${unitIndex} to settle`);
		});
	}

	ledgerStep(step: LedgerStep): Promise<ClaimResult | null> {
		if (this.closed) return Promise.reject(new Error(`The store ${this.location} is closed`));
		return new Promise((resolve, reject) => {
			// Group commit: every step queued until the FIFO reaches them is written in one turn
			// (several accounts buying in parallel each queue one step per payment).
			this.pendingSteps.push({ step, resolve, reject });
			if (this.pendingSteps.length === 1) void this.serial(() => this.writePendingSteps());
		});
	}

	private async writePendingSteps(): Promise<void> {
		const batch = this.pendingSteps.splice(0);
		await Promise.all(
			batch.map(async ({ step, resolve, reject }) => {
				try {
					resolve(await this.writeStep(step));
				} catch (error) {
					reject(error);
				}
			}),
		);
	}

	/**
	 * One step's statements. They touch different rows, so they are handed to sqlite together (one
	 * wait instead of one per statement); all of them finish before this returns.
	 */
	private async writeStep(step: LedgerStep): Promise<ClaimResult | null> {
		const { settle, markSent, claim } = step;
		const [settled, , claimed] = await Promise.allSettled([
			settle ? this.conn.run(SETTLE_SQL, [settle.outcome.status, settle.outcome.reason, settle.outcome.atMs, settle.opKey, settle.unitIndex]) : null,
			markSent ? this.conn.run(MARK_SENT_SQL, [markSent.atMs, markSent.atMs, markSent.opKey, markSent.unitIndex]) : null,
			claim ? this.conn.run(CLAIM_SQL, claimParams(claim)) : null,
		]).then((results) =>
			results.map((r) => {
				if (r.status === 'rejected') throw r.reason;
				return r.value;
			}),
		);
		if (settle && settled?.changes === 0) throw new Error(`No ledger entry ${settle.opKey}#${settle.unitIndex} to settle`);
		if (!claim) return null;
		// A granted claim wrote exactly the fresh row: no need to read it back.
		if (claimed && claimed.changes > 0) return { claimed: true, entry: freshEntry(claim) };
		const row = await this.conn.get<LedgerRow>('SELECT * FROM purchase_ledger WHERE op_key = ? AND unit_index = ?', [claim.opKey, claim.unitIndex]);
		if (!row) throw new Error(`Ledger entry ${claim.opKey}#${claim.unitIndex} vanished after its claim`);
		return { claimed: false, entry: toLedgerEntry(row) } as ClaimResult;
	}

	getPurchase(opKey: string, unitIndex: number): Promise<LedgerEntry | null> {
		return this.serial(async () => {
			const row = await this.conn.get<LedgerRow>('SELECT * FROM purchase_ledger WHERE op_key = ? AND unit_index = ?', [opKey, unitIndex]);
			return row ? toLedgerEntry(row) : null;
		});
	}

	listPurchases(query: LedgerQuery = {}): Promise<LedgerEntry[]> {
		return this.serial(async () => {
			const where: string[] = [];
			const params: unknown[] = [];
			if (query.statuses && query.statuses.length > 0) {
				where.push(`status IN (${query.statuses.map(() => '?').join(', ')})`);
				params.push(...query.statuses);
			}
			if (query.accountId !== undefined) {
				where.push('account_id = ?');
				params.push(query.accountId);
			}
			if (query.opKey !== undefined) {
				where.push('op_key = ?');
				params.push(query.opKey);
			}
			if (query.kind !== undefined) {
				where.push('kind = ?');
				params.push(query.kind);
			}
			if (query.giftId !== undefined) {
				where.push('gift_id = ?');
				params.push(query.giftId);
			}
			if (query.sinceMs !== undefined) {
				where.push('created_at_ms >= ?');
				params.push(query.sinceMs);
			}
			const sql = `SELECT * FROM purchase_ledger${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at_ms, op_key, unit_index`;
			return (await this.conn.all<LedgerRow>(sql, params)).map(toLedgerEntry);
		});
	}

	spentSince(accountId: string, sinceMs: number): Promise<number> {
		return this.serial(async () => {
			const row = await this.conn.get<{ total: number | null }>(
				`SELECT SUM(price) AS total FROM purchase_ledger
				 WHERE account_id = ? AND created_at_ms >= ? AND status IN ('pending', 'bought', 'unknown', 'held', 'won')`,
				[accountId, sinceMs],
			);
			return row?.total ?? 0;
		});
	}

	putPeerAccess(entries: PeerAccess[]): Promise<void> {
		if (entries.length === 0) return Promise.resolve();
		// A dialogs page is ~100 rows: a few multi-row statements instead of one wait per row.
		return this.serial(() =>
			this.conn.transaction(async () => {
				const rows = entries.map((e) => ({ ...e, username: e.username === null ? null : e.username.toLowerCase() }));
				for (const part of chunks(rows, PEER_ROWS_PER_STATEMENT)) {
					const named = part.filter((e) => e.username !== null);
					if (named.length > 0) {
						// A username belongs to one peer at a time: rows that still give it to another peer are stale.
						await this.conn.run(
							`UPDATE peer_access SET username = NULL WHERE username IN (${named.map(() => '?').join(', ')}) AND (username, peer) NOT IN (VALUES ${named.map(() => '(?, ?)').join(', ')})`,
							[...named.map((e) => e.username), ...named.flatMap((e) => [e.username, e.peer])],
						);
					}
					await this.conn.run(
						`INSERT OR REPLACE INTO peer_access (account_id, peer, access_hash, username, title, updated_at_ms) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
						part.flatMap((e) => [e.accountId, e.peer, e.accessHash, e.username, e.title, e.updatedAtMs]),
					);
				}
			}),
		);
	}

	getPeerAccess(accountId: string, peer: string): Promise<PeerAccess | null> {
		return this.serial(async () => {
			const row = await this.conn.get<PeerAccessRow>('SELECT * FROM peer_access WHERE account_id = ? AND peer = ?', [accountId, peer]);
			return row ? toPeerAccess(row) : null;
		});
	}

	findPeerByUsername(username: string, accountId?: string): Promise<PeerAccess | null> {
		return this.serial(async () => {
			const name = username.replace(/^@/, '').toLowerCase();
			const row =
				accountId === undefined
					? await this.conn.get<PeerAccessRow>('SELECT * FROM peer_access WHERE username = ? ORDER BY updated_at_ms DESC LIMIT 1', [name])
					: await this.conn.get<PeerAccessRow>('SELECT * FROM peer_access WHERE username = ? AND account_id = ? ORDER BY updated_at_ms DESC LIMIT 1', [name, accountId]);
			return row ? toPeerAccess(row) : null;
		});
	}

	deletePeerAccess(accountId: string, peer: string): Promise<void> {
		return this.serial(async () => {
			await this.conn.run('DELETE FROM peer_access WHERE account_id = ? AND peer = ?', [accountId, peer]);
		});
	}

	getSticker(giftId: string): Promise<StickerEntry | null> {
		return this.serial(async () => {
			const row = await this.conn.get<{ gift_id: string; bytes: Buffer; mime: string; stored_at_ms: number }>(
				'SELECT * FROM sticker_cache WHERE gift_id = ?',
				[giftId],
			);
			return row ? { giftId: row.gift_id, bytes: row.bytes, mime: row.mime, storedAtMs: row.stored_at_ms } : null;
		});
	}

	putSticker(giftId: string, bytes: Buffer, mime: string, atMs: number): Promise<void> {
		return this.serial(async () => {
			await this.conn.run('INSERT OR REPLACE INTO sticker_cache (gift_id, bytes, mime, stored_at_ms) VALUES (?, ?, ?, ?)', [giftId, bytes, mime, atMs]);
		});
	}

	getStickerFileId(giftId: string, botId: string): Promise<string | null> {
		return this.serial(async () => {
			const row = await this.conn.get<{ file_id: string }>('SELECT file_id FROM sticker_file_ids WHERE gift_id = ? AND bot_id = ?', [giftId, botId]);
			return row?.file_id ?? null;
		});
	}

	putStickerFileId(giftId: string, botId: string, fileId: string): Promise<void> {
		return this.serial(async () => {
			await this.conn.run('INSERT OR REPLACE INTO sticker_file_ids (gift_id, bot_id, file_id) VALUES (?, ?, ?)', [giftId, botId, fileId]);
		});
	}

	/** Closes the connection once pending work has finished. Use getStore()'s handles in nodes. */
	createPendingLogin(key: string, sealed: Buffer, expiresAtMs: number, nowMs: number): Promise<void> {
		return this.serial(() =>
			this.conn.transaction(async () => {
				await this.conn.run('DELETE FROM pending_logins WHERE expires_at_ms <= ?', [nowMs]);
				await this.conn.run('INSERT INTO pending_logins (login_key, sealed, expires_at_ms) VALUES (?, ?, ?)', [key, sealed, expiresAtMs]);
			}),
		);
	}

	claimPendingLogin(key: string, claimant: string, untilMs: number, nowMs: number): Promise<LoginClaim> {
		return this.serial(async () => {
			// One statement: the check of the claim and the take are atomic across connections.
			const row = await this.conn.get<PendingLoginRow>(
				`UPDATE pending_logins SET claimed_by = ?, claimed_until_ms = ?
				 WHERE login_key = ? AND expires_at_ms > ? AND (claimed_by IS NULL OR claimed_until_ms <= ? OR claimed_by = ?)
				 RETURNING sealed, expires_at_ms`,
				[claimant, untilMs, key, nowMs, nowMs, claimant],
			);
			if (row) return { claimed: toSealedLogin(row) };
			const held = await this.conn.get<{ expires_at_ms: number }>('SELECT expires_at_ms FROM pending_logins WHERE login_key = ?', [key]);
			return held && held.expires_at_ms > nowMs ? { busy: true } : { missing: true };
		});
	}

	savePendingLogin(key: string, claimant: string, sealed: Buffer, expiresAtMs: number): Promise<boolean> {
		return this.serial(async () => {
			const { changes } = await this.conn.run(
				`UPDATE pending_logins SET sealed = ?, expires_at_ms = ?, claimed_by = NULL, claimed_until_ms = 0
				 WHERE login_key = ? AND claimed_by = ?`,
				[sealed, expiresAtMs, key, claimant],
			);
			return changes > 0;
		});
	}

	deletePendingLogin(key: string): Promise<void> {
		return this.serial(async () => {
			await this.conn.run('DELETE FROM pending_logins WHERE login_key = ?', [key]);
		});
	}

	async close(): Promise<void> {
		if (this.closed) return;
		const drained = this.queue;
		this.closed = true;
		await drained;
		await this.conn.close();
	}
}
