import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';

import { LATEST_SCHEMA_VERSION, MIGRATIONS, SqliteGiftStore, StoreSchemaError, defaultStorePath, getStore, openStoreHandles } from '../../../src/store';

let dir: string;
beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'gift-store-'));
});
afterEach(() => {
	rmSync(dir, { recursive: true, force: true });
});

const unit = (opKey: string, unitIndex = 0, extra: Partial<{ accountId: string; price: number; atMs: number; giftId: string; recipient: string }> = {}) => ({
	opKey,
	unitIndex,
	accountId: extra.accountId ?? '100',
	recipient: extra.recipient ?? '-1001',
	giftId: extra.giftId ?? '5000',
	price: extra.price ?? 50,
	atMs: extra.atMs ?? 1_000,
});

describe('defaultStorePath', () => {
	it('prefers TELEGRAM_GIFTS_DB, then <N8N_USER_FOLDER>/.n8n, then ~/.n8n', () => {
		expect(defaultStorePath({ TELEGRAM_GIFTS_DB: '/data/g.sqlite', N8N_USER_FOLDER: '/u' })).toBe('/data/g.sqlite');
		expect(defaultStorePath({ N8N_USER_FOLDER: '/u' })).toBe('/u/.n8n/telegram-gifts.sqlite');
		expect(defaultStorePath({})).toMatch(/\.n8n\/telegram-gifts\.sqlite$/);
	});
});

describe('sqlite store', () => {
	it('creates the file with WAL and the latest schema, in missing directories', async () => {
		const path = join(dir, 'deep', 'er', 'store.sqlite');
		const store = await SqliteGiftStore.open(path);
		expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
		await store.close();
		const mode = await rawGet<{ journal_mode: string }>(path, 'PRAGMA journal_mode');
		expect(mode?.journal_mode).toBe('wal');
	});

	it('tracks gifts seen: new ids once, sold-out transitions once, data updated', async () => {
		const store = await SqliteGiftStore.open(join(dir, 's.sqlite'));
		const first = await store.recordGiftsSeen(
			[
				{ id: '1', soldOut: false, data: { stars: 10 } },
				{ id: '2', soldOut: true, data: { stars: 20 } },
			],
			100,
		);
		expect(first).toEqual({ newGiftIds: ['1', '2'], newlySoldOutGiftIds: [] });
		const second = await store.recordGiftsSeen(
			[
				{ id: '1', soldOut: true, data: { stars: 11 } },
				{ id: '3', soldOut: false, data: {} },
			],
			200,
		);
		expect(second).toEqual({ newGiftIds: ['3'], newlySoldOutGiftIds: ['1'] });
		const third = await store.recordGiftsSeen([{ id: '1', soldOut: true, data: { stars: 11 } }], 300);
		expect(third).toEqual({ newGiftIds: [], newlySoldOutGiftIds: [] });
		expect(await store.getSeenGift('1')).toEqual({ giftId: '1', firstSeenMs: 100, lastSeenMs: 300, soldOutAtMs: 200, data: { stars: 11 } });
		expect((await store.listSeenGifts()).map((g) => g.giftId)).toEqual(['1', '2', '3']);
		await store.close();
	});

	it('keeps supply samples per gift in time order', async () => {
		const store = await SqliteGiftStore.open(join(dir, 's.sqlite'));
		await store.addSupplySamples([
			{ giftId: '7', atMs: 30, remains: 5 },
			{ giftId: '7', atMs: 10, remains: 9 },
			{ giftId: '8', atMs: 20, remains: 1 },
		]);
		expect(await store.listSupplySamples('7')).toEqual([
			{ giftId: '7', atMs: 10, remains: 9 },
			{ giftId: '7', atMs: 30, remains: 5 },
		]);
		expect(await store.listSupplySamples('7', 20)).toHaveLength(1);
		await store.close();
	});

	it('claims a unit once; pending/unknown/bought block, failed can be re-armed', async () => {
		const store = await SqliteGiftStore.open(join(dir, 's.sqlite'));
		const a = await store.claimPurchase(unit('op1'));
		expect(a.claimed).toBe(true);
		expect(a.entry.status).toBe('pending');
		const again = await store.claimPurchase(unit('op1'));
		expect(again.claimed).toBe(false);
		expect(again.entry.status).toBe('pending');

		await store.markSent('op1', 0, 1_500);
		await store.settlePurchase('op1', 0, { status: 'unknown', reason: 'network', atMs: 2_000 });
		expect((await store.claimPurchase(unit('op1'))).claimed).toBe(false);
		await store.settlePurchase('op1', 0, { status: 'bought', reason: null, atMs: 2_500 });
		const bought = await store.claimPurchase(unit('op1'));
		expect(bought).toMatchObject({ claimed: false, entry: { status: 'bought', sentAtMs: 1_500, updatedAtMs: 2_500 } });

		expect((await store.claimPurchase(unit('op1', 1))).claimed).toBe(true);
		await store.settlePurchase('op1', 1, { status: 'failed', reason: 'sold_out', atMs: 3_000 });
		const rearmed = await store.claimPurchase(unit('op1', 1, { atMs: 4_000 }));
		expect(rearmed).toMatchObject({ claimed: true, entry: { status: 'pending', reason: null, sentAtMs: null, createdAtMs: 4_000 } });

		await expect(store.settlePurchase('nope', 0, { status: 'bought', reason: null, atMs: 1 })).rejects.toThrow(/No ledger entry nope#0/);
		expect((await store.listPurchases({ statuses: ['pending'] })).map((e) => `${e.opKey}#${e.unitIndex}`)).toEqual(['op1#1']);
		expect(await store.listPurchases({ opKey: 'op1' })).toHaveLength(2);
		await store.close();
	});

	it('derives spend from the ledger: bought, pending and unknown count, failed does not', async () => {
		const store = await SqliteGiftStore.open(join(dir, 's.sqlite'));
		await store.claimPurchase(unit('a', 0, { price: 100, atMs: 10 }));
		await store.settlePurchase('a', 0, { status: 'bought', reason: null, atMs: 11 });
		await store.claimPurchase(unit('a', 1, { price: 100, atMs: 20 }));
		await store.claimPurchase(unit('b', 0, { price: 7, atMs: 30 }));
		await store.settlePurchase('b', 0, { status: 'unknown', reason: 'network', atMs: 31 });
		await store.claimPurchase(unit('c', 0, { price: 1000, atMs: 40 }));
		await store.settlePurchase('c', 0, { status: 'failed', reason: 'sold_out', atMs: 41 });
		await store.claimPurchase(unit('d', 0, { price: 5, atMs: 50, accountId: '200' }));
		expect(await store.spentSince('100', 0)).toBe(207);
		expect(await store.spentSince('100', 15)).toBe(107);
		expect(await store.spentSince('200', 0)).toBe(5);
		expect(await store.spentSince('300', 0)).toBe(0);
		await store.close();
	});

	it('caches sticker bytes and per-bot file ids', async () => {
		const store = await SqliteGiftStore.open(join(dir, 's.sqlite'));
		expect(await store.getSticker('9')).toBeNull();
		const bytes = Buffer.from([0x1f, 0x8b, 1, 2, 3]);
		await store.putSticker('9', bytes, 'application/x-tgsticker', 5);
		expect(await store.getSticker('9')).toEqual({ giftId: '9', bytes, mime: 'application/x-tgsticker', storedAtMs: 5 });
		await store.putStickerFileId('9', 'bot1', 'FILE_A');
		await store.putStickerFileId('9', 'bot2', 'FILE_B');
		expect(await store.getStickerFileId('9', 'bot1')).toBe('FILE_A');
		expect(await store.getStickerFileId('9', 'bot2')).toBe('FILE_B');
		expect(await store.getStickerFileId('9', 'bot3')).toBeNull();
		await store.close();
	});

	it('migrates a file written by an older schema version and keeps its data', async () => {
		const path = join(dir, 'old.sqlite');
		const v1 = await SqliteGiftStore.open(path, { migrateTo: 1 });
		expect(v1.schemaVersion).toBe(1);
		await v1.close();
		// What a version-1 build wrote: a ledger row without sent_at_ms.
		await rawRun(
			path,
			`INSERT INTO purchase_ledger (op_key, unit_index, account_id, recipient, gift_id, price, status, reason, created_at_ms, updated_at_ms)
			 VALUES ('old', 0, '100', '-1001', '5000', 25, 'bought', NULL, 1, 2)`,
		);
		const latest = await SqliteGiftStore.open(path);
		expect(latest.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
		expect(await latest.getPurchase('old', 0)).toMatchObject({ status: 'bought', price: 25, sentAtMs: null, kind: 'purchase', bidAmount: null });
		await latest.putSticker('1', Buffer.from('x'), 'application/x-tgsticker', 1);
		expect(await latest.spentSince('100', 0)).toBe(25);
		await latest.close();
		const versions = await rawAll<{ version: number }>(path, 'SELECT version FROM schema_version ORDER BY version');
		expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
	});

	it('one ledger for bids too: a bid step is a row of kind bid; held and won count as spent, returned does not', async () => {
		const store = await SqliteGiftStore.open(join(dir, 'bids.sqlite'));
		const step = (unitIndex: number, price: number) => ({ opKey: 'bid-a', unitIndex, accountId: '100', recipient: '-1001', giftId: '7001', price, atMs: 10, kind: 'bid' as const, bidAmount: unitIndex });
		expect(await store.claimPurchase(step(150, 150))).toMatchObject({ claimed: true, entry: { kind: 'bid', bidAmount: 150, status: 'pending' } });
		// The same step again is not granted: at most once per (bid, amount).
		expect(await store.claimPurchase(step(150, 150))).toMatchObject({ claimed: false });
		await store.settlePurchase('bid-a', 150, { status: 'held', reason: null, atMs: 11 });
		await store.claimPurchase(step(180, 30));
		await store.settlePurchase('bid-a', 180, { status: 'held', reason: null, atMs: 12 });
		await store.claimPurchase({ opKey: 'buy', unitIndex: 0, accountId: '100', recipient: '-1001', giftId: '5001', price: 25, atMs: 13 });
		await store.settlePurchase('buy', 0, { status: 'bought', reason: null, atMs: 14 });
		// Held: 150 + the raise's 30, plus the copy bought.
		expect(await store.spentSince('100', 0)).toBe(205);
		expect((await store.listPurchases({ kind: 'bid' })).map((e) => [e.unitIndex, e.price, e.status])).toEqual([
			[150, 150, 'held'],
			[180, 30, 'held'],
		]);
		expect((await store.listPurchases({ kind: 'purchase' })).map((e) => e.opKey)).toEqual(['buy']);
		expect((await store.listPurchases({ giftId: '7001' })).length).toBe(2);
		await store.settlePurchase('bid-a', 150, { status: 'returned', reason: 'refunded', atMs: 15 });
		await store.settlePurchase('bid-a', 180, { status: 'returned', reason: 'refunded', atMs: 15 });
		expect(await store.spentSince('100', 0)).toBe(25);
		await store.settlePurchase('bid-a', 150, { status: 'won', reason: null, atMs: 16 });
		await store.settlePurchase('bid-a', 180, { status: 'won', reason: null, atMs: 16 });
		expect(await store.spentSince('100', 0)).toBe(205);
		await store.close();
	});

	it('refuses a file from a newer package version with a clear error', async () => {
		const path = join(dir, 'new.sqlite');
		await (await SqliteGiftStore.open(path)).close();
		await rawRun(path, `INSERT INTO schema_version (version) VALUES (${LATEST_SCHEMA_VERSION + 1})`);
		await expect(SqliteGiftStore.open(path)).rejects.toThrow(StoreSchemaError);
		await expect(SqliteGiftStore.open(path)).rejects.toThrow(/newer than this package understands/);
	});

	it('two instances on one file see each other and never both claim a unit', async () => {
		const path = join(dir, 'shared.sqlite');
		const [a, b] = await Promise.all([SqliteGiftStore.open(path), SqliteGiftStore.open(path)]);
		const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claimPurchase(unit('race', 0))));
		expect(claims.filter((c) => c.claimed)).toHaveLength(1);
		await a.settlePurchase('race', 0, { status: 'bought', reason: null, atMs: 2 });
		expect((await b.getPurchase('race', 0))?.status).toBe('bought');
		await Promise.all([a.close(), b.close()]);
	});

	it('waits for another process holding the write lock (busy timeout) instead of failing', async () => {
		const path = join(dir, 'busy.sqlite');
		const store = await SqliteGiftStore.open(path, { busyTimeoutMs: 5_000 });
		const holdMs = 400;
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- a test: sqlite contention needs a second OS process
		const child = spawn(process.execPath, ['-e', LOCK_HOLDER, path, String(holdMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
		const exited = new Promise((resolve) => child.once('exit', resolve));
		await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
		const started = Date.now();
		const claim = await store.claimPurchase(unit('busy', 0));
		const waited = Date.now() - started;
		expect(claim.claimed).toBe(true);
		expect(waited).toBeGreaterThanOrEqual(holdMs / 2);
		await exited;
		expect(await store.listPurchases()).toHaveLength(2);
		await store.close();
	});

	it('fails with SQLITE_BUSY when the lock outlives a short busy timeout', async () => {
		const path = join(dir, 'busy2.sqlite');
		const store = await SqliteGiftStore.open(path, { busyTimeoutMs: 50 });
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- a test: sqlite contention needs a second OS process
		const child = spawn(process.execPath, ['-e', LOCK_HOLDER, path, '600'], { stdio: ['ignore', 'pipe', 'inherit'] });
		const exited = new Promise((resolve) => child.once('exit', resolve));
		await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
		await expect(store.claimPurchase(unit('busy', 0))).rejects.toThrow(/SQLITE_BUSY/);
		await exited;
		await store.close();
	});
});

describe('getStore (one shared instance per path, refcounted)', () => {
	it('shares one instance, closes with the last handle, and rejects use of a closed handle', async () => {
		const path = join(dir, 'g.sqlite');
		const [h1, h2] = await Promise.all([getStore(path), getStore(path)]);
		expect(openStoreHandles()[path]).toBe(2);
		await h1.claimPurchase(unit('x'));
		expect((await h2.getPurchase('x', 0))?.status).toBe('pending');
		await h1.close();
		await h1.close();
		expect(openStoreHandles()[path]).toBe(1);
		await expect(h1.getPurchase('x', 0)).rejects.toThrow(/closed/);
		expect((await h2.getPurchase('x', 0))?.status).toBe('pending');
		await h2.close();
		expect(openStoreHandles()[path]).toBeUndefined();
		const h3 = await getStore(path);
		expect((await h3.getPurchase('x', 0))?.status).toBe('pending');
		await h3.close();
	});

	it('uses TELEGRAM_GIFTS_DB when no path is given', async () => {
		const path = join(dir, 'env.sqlite');
		const before = process.env.TELEGRAM_GIFTS_DB;
		process.env.TELEGRAM_GIFTS_DB = path;
		try {
			const store = await getStore();
			expect(store.location).toBe(path);
			await store.close();
		} finally {
			if (before === undefined) delete process.env.TELEGRAM_GIFTS_DB;
			else process.env.TELEGRAM_GIFTS_DB = before;
		}
	});
});

/** A second OS process that takes sqlite's write lock, signals, holds it, then commits a row. */
const LOCK_HOLDER = `
const sqlite3 = require(${JSON.stringify(require.resolve('sqlite3'))});
const [path, holdMs] = process.argv.slice(1);
const db = new sqlite3.Database(path);
db.exec('PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE', (err) => {
	if (err) { process.stderr.write(String(err)); process.exit(1); }
	db.run("INSERT INTO purchase_ledger (op_key, unit_index, account_id, recipient, gift_id, price, status, created_at_ms, updated_at_ms) VALUES ('other', 0, '1', 'me', '1', 1, 'bought', 0, 0)", (e) => {
		if (e) { process.stderr.write(String(e)); process.exit(1); }
		process.stdout.write('locked\\n');
		setTimeout(() => db.exec('COMMIT', () => db.close()), Number(holdMs));
	});
});
`;

function withDb<T>(path: string, fn: (db: sqlite3.Database, done: (err: Error | null, value?: T) => void) => void): Promise<T> {
	return new Promise((resolve, reject) => {
		const db = new sqlite3.Database(path);
		fn(db, (err, value) => db.close(() => (err ? reject(err) : resolve(value as T))));
	});
}
const rawRun = (path: string, sql: string) => withDb<void>(path, (db, done) => db.run(sql, (err) => done(err)));
const rawGet = <T>(path: string, sql: string) => withDb<T>(path, (db, done) => db.get(sql, (err, row) => done(err, row as T)));
const rawAll = <T>(path: string, sql: string) => withDb<T[]>(path, (db, done) => db.all(sql, (err, rows) => done(err, rows as T[])));
