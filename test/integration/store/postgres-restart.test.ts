/**
 * The PostgreSQL store across a real server restart (a private cluster, test/support/privatePostgres.ts;
 * the machine's shared server is never restarted): connections the server drops — idle in the pool
 * or inside a transaction — must not crash the process, every call while the server is down fails
 * as a PgStoreError that names the store (never hangs, never shows the URL), and once the server is
 * back the same store object works again, with what was written before the restart still there.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

import { PgGiftStore, PgStoreError, type NewLedgerEntry } from '../../../src/store';
import { lockKey } from '../../../src/store/postgres';
import { PrivatePostgres, postgresBinDir } from '../../support/privatePostgres';

jest.setTimeout(120_000);

const unit = (opKey: string, unitIndex = 0): NewLedgerEntry => ({ opKey, unitIndex, accountId: '1', recipient: 'self', giftId: 'g1', price: 10, atMs: 1_000 });

async function storeConnections(cluster: PrivatePostgres): Promise<number> {
	const admin = new Client({ connectionString: cluster.url() });
	await admin.connect();
	try {
		const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'n8n-nodes-telegram-gifts'");
		return rows[0].n;
	} finally {
		await admin.end();
	}
}

describe('postgres store: the server restarts under it (private cluster)', () => {
	let cluster: PrivatePostgres;
	let store: PgGiftStore | undefined;

	// A dropped connection's 'error' event nobody listens to is an uncaught exception (in n8n: the
	// process ends); jest fails the running test with "Unhandled error" for it.
	beforeAll(async () => {
		cluster = await PrivatePostgres.start();
	});

	beforeEach(async () => {
		// A test that failed while the server was down must not take the next one with it.
		if (!cluster.isRunning) await cluster.startAgain();
	});

	afterAll(async () => {
		await store?.close().catch(() => undefined);
		await cluster?.destroy();
	});

	it('idle pooled connections dropped, calls during the outage fail as store errors, the same store works after the restart', async () => {
		store = await PgGiftStore.open({ connectionString: cluster.url(), schema: 'restart_idle', poolSize: 4 });
		expect((await store.claimPurchase(unit('before'))).claimed).toBe(true);
		// Several connections open at once, then idle in the pool when the server goes away.
		await Promise.all(Array.from({ length: 4 }, () => store!.listPurchases()));
		expect(await storeConnections(cluster)).toBeGreaterThanOrEqual(2);

		await cluster.stop();
		// The dropped connections' 'error' events arrive on the next turns of the event loop.
		await new Promise((r) => setTimeout(r, 300));

		const during = [
			store.getPurchase('before', 0),
			store.claimPurchase(unit('during')),
			store.ledgerStep({ settle: { opKey: 'before', unitIndex: 0, outcome: { status: 'bought', reason: null, atMs: 2_000 } } }),
			store.recordGiftsSeen([{ id: 'g1', soldOut: false, data: {} }], 2_000),
		];
		for (const call of during) {
			const error = await call.then(
				() => null,
				(e: unknown) => e as Error,
			);
			expect(error).toBeInstanceOf(PgStoreError);
			expect(error!.message).toMatch(/^The gift store at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(schema restart_idle\) failed: /);
		}

		await cluster.startAgain();
		expect(await store.getPurchase('before', 0)).toMatchObject({ status: 'pending' });
		expect(await store.getPurchase('during', 0)).toBeNull();
		expect((await store.claimPurchase(unit('after'))).claimed).toBe(true);
		expect((await store.recordGiftsSeen([{ id: 'g1', soldOut: false, data: {} }], 3_000)).newGiftIds).toEqual(['g1']);
	});

	it('a transaction in flight when the server stops fails as a store error without crashing the process', async () => {
		await store?.close();
		store = await PgGiftStore.open({ connectionString: cluster.url(), schema: 'restart_tx' });
		// Another session holds recordGiftsSeen's advisory lock, so the store's transaction waits inside it.
		const holder = new Client({ connectionString: cluster.url() });
		holder.on('error', () => undefined);
		await holder.connect();
		await holder.query('SELECT pg_advisory_lock($1::bigint)', [lockKey('restart_tx', 'gifts_seen')]);
		const waiting = store.recordGiftsSeen([{ id: 'g2', soldOut: false, data: {} }], 1_000).then(
			() => null,
			(e: unknown) => e as Error,
		);
		await waitFor(async () => (await lockWaiters(cluster)) >= 1);

		await cluster.stop();
		const error = await waiting;
		await new Promise((r) => setTimeout(r, 300));
		expect(error).toBeInstanceOf(PgStoreError);
		expect(error!.message).toMatch(/^The gift store at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(schema restart_tx\) failed: /);
		await holder.end().catch(() => undefined);

		await cluster.startAgain();
		expect((await store.recordGiftsSeen([{ id: 'g2', soldOut: false, data: {} }], 2_000)).newGiftIds).toEqual(['g2']);
	});
});

describe('private cluster helper: which server binaries', () => {
	it('takes the highest installed version that has the server tools, and fails (never skips) when there is none', () => {
		const lib = mkdtempSync(join(tmpdir(), 'tg-pg-lib-'));
		try {
			expect(() => postgresBinDir(join(lib, 'missing'))).toThrow(/No PostgreSQL server binaries found: expected .*\/missing\/<version>\/bin\/\{initdb,pg_ctl,postgres\}/);
			const install = (version: string, tools: string[]): void => {
				mkdirSync(join(lib, version, 'bin'), { recursive: true });
				for (const tool of tools) writeFileSync(join(lib, version, 'bin', tool), '');
			};
			install('9.6', ['initdb', 'pg_ctl', 'postgres']);
			install('13', ['initdb', 'pg_ctl', 'postgres']);
			// Client tools only (package postgresql-client): not a server.
			install('17', ['psql', 'pg_dump']);
			expect(postgresBinDir(lib)).toBe(join(lib, '13', 'bin'));
		} finally {
			rmSync(lib, { recursive: true, force: true });
		}
	});
});

async function lockWaiters(cluster: PrivatePostgres): Promise<number> {
	const admin = new Client({ connectionString: cluster.url() });
	await admin.connect();
	try {
		const { rows } = await admin.query<{ n: number }>(
			"SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'n8n-nodes-telegram-gifts' AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
		);
		return rows[0].n;
	} finally {
		await admin.end();
	}
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 50));
	}
}
