/**
 * The two backends the store contract runs against. sqlite: a fresh file per store. PostgreSQL:
 * each test file creates its own database on the machine's server (TEST_PG_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres, trust auth) and drops it at the end; each store
 * gets a fresh schema in it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

import { PgGiftStore, SqliteGiftStore, type GiftStore } from '../../../src/store';

export interface OpenedStore {
	store: GiftStore;
	/** Another instance (own connection/pool) on the same data: what a second process would open. */
	openAnother(): Promise<GiftStore>;
	/** Where a child process finds the same data: a sqlite path or a postgres:// URL, plus the schema. */
	target: { url: string; schema?: string };
	dispose(): Promise<void>;
}

export type StoreOpener = () => Promise<OpenedStore>;

export const sqliteBackend: StoreOpener = async () => {
	const dir = mkdtempSync(join(tmpdir(), 'gift-store-'));
	const path = join(dir, 'store.sqlite');
	const store = await SqliteGiftStore.open(path);
	const others: GiftStore[] = [];
	return {
		store,
		target: { url: path },
		openAnother: async () => {
			const other = await SqliteGiftStore.open(path);
			others.push(other);
			return other;
		},
		dispose: async () => {
			await Promise.all([store, ...others].map((s) => s.close()));
			rmSync(dir, { recursive: true, force: true });
		},
	};
};

export const TEST_PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of this test file's own, created before its tests and dropped after them. */
export function pgTestDatabase(): { url(): string } {
	const name = `tg_gifts_test_${process.pid}_${Date.now().toString(36)}`;
	let url = '';
	const admin = async <T>(fn: (c: Client) => Promise<T>): Promise<T> => {
		const client = new Client({ connectionString: TEST_PG_URL });
		await client.connect();
		try {
			return await fn(client);
		} finally {
			await client.end();
		}
	};
	beforeAll(async () => {
		await admin((c) => c.query(`CREATE DATABASE ${name}`));
		const u = new URL(TEST_PG_URL);
		u.pathname = `/${name}`;
		url = u.toString();
	});
	afterAll(async () => {
		await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
	});
	return { url: () => url };
}

let schemaSerial = 0;

export function pgBackend(db: { url(): string }): StoreOpener {
	return async () => {
		schemaSerial += 1;
		const schema = `s${schemaSerial}`;
		const url = db.url();
		const store = await PgGiftStore.open({ connectionString: url, schema });
		const others: GiftStore[] = [];
		return {
			store,
			target: { url, schema },
			openAnother: async () => {
				const other = await PgGiftStore.open({ connectionString: url, schema });
				others.push(other);
				return other;
			},
			dispose: async () => {
				await Promise.all([store, ...others].map((s) => s.close()));
			},
		};
	};
}
