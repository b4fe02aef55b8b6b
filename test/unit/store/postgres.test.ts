/**
 * The PostgreSQL store: the same contract as sqlite (store.contract.ts, peer-access.contract.ts)
 * against the machine's PostgreSQL, in a database this file creates and drops; plus what only
 * PostgreSQL has: its schema and migrations, the n8n settings that choose it, and its errors.
 */
import { Client } from 'pg';

import {
	PG_LATEST_SCHEMA_VERSION,
	PG_MIGRATIONS,
	PgGiftStore,
	PgStoreError,
	StoreSchemaError,
	getStore,
	n8nPostgresConfig,
	openStoreHandles,
	resolveStoreTarget,
} from '../../../src/store';
import { pgBackend, pgTestDatabase } from './backends';
import { peerAccessContract } from './peer-access.contract';
import { giftStoreContract } from './store.contract';

const db = pgTestDatabase();
giftStoreContract('postgres', pgBackend(db));
peerAccessContract('postgres', pgBackend(db));

async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
	const client = new Client({ connectionString: db.url() });
	await client.connect();
	try {
		return (await client.query(text, params)).rows as T[];
	} finally {
		await client.end();
	}
}

describe('postgres store: schema and migrations', () => {
	it('creates its tables in its own schema only, and records the version', async () => {
		const store = await PgGiftStore.open({ connectionString: db.url(), schema: 'own_schema' });
		expect(store.schemaVersion).toBe(PG_LATEST_SCHEMA_VERSION);
		expect(store.location).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:5432\/tg_gifts_test_\S+ \(schema own_schema\)$/);
		await store.close();
		const tables = await sql<{ table_schema: string; table_name: string }>(
			"SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema LIKE 'own%' ORDER BY table_name",
		);
		expect(tables.map((t) => `${t.table_schema}.${t.table_name}`)).toEqual(
			['gifts_seen', 'peer_access', 'pending_logins', 'purchase_ledger', 'schema_version', 'sticker_cache', 'sticker_file_ids', 'supply_samples'].map((t) => `own_schema.${t}`),
		);
		expect(await sql("SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'")).toEqual([]);
		const versions = await sql<{ version: number }>('SELECT version FROM own_schema.schema_version ORDER BY version');
		expect(versions.map((v) => v.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
	});

	it('many processes opening a new schema at once migrate it once', async () => {
		const stores = await Promise.all(Array.from({ length: 6 }, () => PgGiftStore.open({ connectionString: db.url(), schema: 'together' })));
		await Promise.all(stores.map((s) => s.close()));
		const versions = await sql<{ version: number }>('SELECT version FROM together.schema_version ORDER BY version');
		expect(versions.map((v) => v.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
	});

	it('refuses a schema written by a newer package version', async () => {
		await (await PgGiftStore.open({ connectionString: db.url(), schema: 'newer' })).close();
		await sql(`INSERT INTO newer.schema_version (version) VALUES (${PG_LATEST_SCHEMA_VERSION + 1})`);
		const opening = PgGiftStore.open({ connectionString: db.url(), schema: 'newer' });
		await expect(opening).rejects.toThrow(StoreSchemaError);
		await expect(PgGiftStore.open({ connectionString: db.url(), schema: 'newer' })).rejects.toThrow(/newer than this package understands/);
	});

	it('refuses a schema name that is not a plain identifier', async () => {
		await expect(PgGiftStore.open({ connectionString: db.url(), schema: 'x"; DROP TABLE y; --' })).rejects.toThrow(/not a plain lower-case identifier/);
	});

	it('never shows the password or the connection string in an error', async () => {
		const url = 'postgres://someone:Sup3r%23Secret@127.0.0.1:1/nowhere';
		const error = await PgGiftStore.open({ connectionString: url }).then(
			() => new Error('opened'),
			(e: unknown) => e as Error,
		);
		expect(error).toBeInstanceOf(PgStoreError);
		expect(error.message).toMatch(/^Could not open the gift store at postgres:\/\/someone@127\.0\.0\.1:1\/nowhere \(schema telegram_gifts\): /);
		expect(error.message).not.toMatch(/Sup3r|Secret/);
		const byFields = await PgGiftStore.open({ host: '127.0.0.1', port: 5432, user: 'no_such_role_x', password: 'pw-Sup3rSecret', database: 'nowhere' }).then(
			() => new Error('opened'),
			(e: unknown) => e as Error,
		);
		expect(byFields).toBeInstanceOf(PgStoreError);
		expect(byFields.message).toMatch(/no_such_role_x/);
		expect(byFields.message).not.toMatch(/Sup3rSecret/);
	});

	it('getStore shares one instance per database and schema when given a postgres:// URL', async () => {
		const before = process.env.TELEGRAM_GIFTS_PG_SCHEMA;
		process.env.TELEGRAM_GIFTS_PG_SCHEMA = 'shared_handles';
		try {
			const [h1, h2] = await Promise.all([getStore(db.url()), getStore(db.url())]);
			expect(h1.location).toMatch(/\(schema shared_handles\)$/);
			expect(openStoreHandles()[h1.location]).toBe(2);
			await h1.claimPurchase({ opKey: 'h', unitIndex: 0, accountId: '1', recipient: 'me', giftId: '1', price: 1, atMs: 1 });
			expect((await h2.getPurchase('h', 0))?.status).toBe('pending');
			await h1.close();
			await h2.close();
			expect(openStoreHandles()[h1.location]).toBeUndefined();
		} finally {
			if (before === undefined) delete process.env.TELEGRAM_GIFTS_PG_SCHEMA;
			else process.env.TELEGRAM_GIFTS_PG_SCHEMA = before;
		}
	});
});

describe('choosing the store (resolveStoreTarget)', () => {
	it('sqlite by default, next to n8n data', () => {
		expect(resolveStoreTarget({ N8N_USER_FOLDER: '/u' })).toEqual({ kind: 'sqlite', path: '/u/.n8n/telegram-gifts.sqlite' });
		expect(resolveStoreTarget({ DB_TYPE: 'sqlite', N8N_USER_FOLDER: '/u' })).toEqual({ kind: 'sqlite', path: '/u/.n8n/telegram-gifts.sqlite' });
	});

	it('PostgreSQL when n8n runs on it, with n8n settings, defaults and our own schema', () => {
		expect(resolveStoreTarget({ DB_TYPE: 'postgresdb' })).toEqual({
			kind: 'postgres',
			config: { host: 'localhost', port: 5432, database: 'n8n', user: 'postgres', password: '', ssl: false, schema: 'telegram_gifts', poolSize: undefined },
		});
		const target = resolveStoreTarget({
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: 'db',
			DB_POSTGRESDB_PORT: '6543',
			DB_POSTGRESDB_DATABASE: 'flows',
			DB_POSTGRESDB_USER: 'n8n',
			DB_POSTGRESDB_PASSWORD: 'pw',
			DB_POSTGRESDB_SCHEMA: 'n8n_schema',
			DB_POSTGRESDB_SSL_CA: 'CA-PEM',
			DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED: 'false',
			TELEGRAM_GIFTS_PG_SCHEMA: 'gifts',
			TELEGRAM_GIFTS_PG_POOL_SIZE: '8',
		});
		expect(target).toEqual({
			kind: 'postgres',
			config: { host: 'db', port: 6543, database: 'flows', user: 'n8n', password: 'pw', ssl: { ca: 'CA-PEM', cert: undefined, key: undefined, rejectUnauthorized: false }, schema: 'gifts', poolSize: 8 },
		});
	});

	it('TELEGRAM_GIFTS_DB wins: a postgres:// URL or a sqlite path', () => {
		expect(resolveStoreTarget({ TELEGRAM_GIFTS_DB: 'postgresql://u:p@h/d', DB_TYPE: 'sqlite' })).toEqual({
			kind: 'postgres',
			config: { connectionString: 'postgresql://u:p@h/d', schema: 'telegram_gifts', poolSize: undefined },
		});
		expect(resolveStoreTarget({ TELEGRAM_GIFTS_DB: '/data/g.sqlite', DB_TYPE: 'postgresdb' })).toEqual({ kind: 'sqlite', path: '/data/g.sqlite' });
	});

	it('names the setting that is wrong', () => {
		expect(() => n8nPostgresConfig({ DB_POSTGRESDB_PORT: 'five' })).toThrow(/DB_POSTGRESDB_PORT must be a port number/);
		expect(() => resolveStoreTarget({ DB_TYPE: 'postgresdb', TELEGRAM_GIFTS_PG_POOL_SIZE: '0' })).toThrow(/TELEGRAM_GIFTS_PG_POOL_SIZE/);
		expect(() => n8nPostgresConfig({ DB_POSTGRESDB_PASSWORD_FILE: '/nonexistent/pw' })).toThrow(/DB_POSTGRESDB_PASSWORD_FILE names a file that cannot be read/);
	});
});
