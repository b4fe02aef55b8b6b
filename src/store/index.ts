/**
 * The package's state. `getStore()` hands every node, trigger and execution in this process a
 * handle onto one shared instance per store (a sqlite file, or a PostgreSQL database + schema);
 * the instance closes when the last handle is closed.
 *
 * Which store: the one place that decides is `resolveStoreTarget()` (docs/store.md):
 * `TELEGRAM_GIFTS_DB` (a postgres:// URL or a sqlite file path), else PostgreSQL when n8n itself
 * runs on it (`DB_TYPE=postgresdb`, n8n's own `DB_POSTGRESDB_*` settings, our own schema), else the
 * sqlite file next to n8n's data.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import { DEFAULT_PG_SCHEMA, PgGiftStore, describePgTarget, type PgStoreConfig, type PgStoreOptions } from './postgres';
import { SqliteGiftStore, type SqliteStoreOptions } from './sqlite';
import type { GiftStore } from './types';

export * from './types';
export { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations';
export { PG_LATEST_SCHEMA_VERSION, PG_MIGRATIONS } from './pgMigrations';
export { bidSerialOf, spentWonOf } from './bids';
export { SqliteGiftStore, StoreSchemaError, DEFAULT_BUSY_TIMEOUT_MS, type SqliteStoreOptions } from './sqlite';
export { PgGiftStore, PgStoreError, DEFAULT_PG_SCHEMA, describePgTarget, type PgStoreConfig, type PgStoreOptions } from './postgres';

/** Environment variable that overrides the store: a sqlite file path or a postgres:// URL. */
export const STORE_PATH_ENV = 'TELEGRAM_GIFTS_DB';
/** The package's own PostgreSQL schema (default `telegram_gifts`). */
export const STORE_PG_SCHEMA_ENV = 'TELEGRAM_GIFTS_PG_SCHEMA';
export const STORE_FILE_NAME = 'telegram-gifts.sqlite';

export type StoreTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; config: PgStoreConfig };

const PG_URL = /^postgres(ql)?:\/\//i;

/** True for the values of TELEGRAM_GIFTS_DB / getStore(path) that name a PostgreSQL database. */
export function isPostgresUrl(value: string): boolean {
	return PG_URL.test(value.trim());
}

/**
 * `$TELEGRAM_GIFTS_DB`, else next to n8n's own database: n8n keeps its data in
 * `<user folder>/.n8n`, the user folder being `$N8N_USER_FOLDER` or the home directory.
 * (The sqlite path only; resolveStoreTarget() decides between sqlite and PostgreSQL.)
 */
export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
	const override = env[STORE_PATH_ENV]?.trim();
	if (override && !isPostgresUrl(override)) return resolve(override);
	const userFolder = env.N8N_USER_FOLDER?.trim() || homedir();
	return join(userFolder, '.n8n', STORE_FILE_NAME);
}

/** n8n reads `<NAME>_FILE` (a file holding the value) when `<NAME>` is not set; so do we. */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
	const direct = env[name];
	if (direct !== undefined && direct !== '') return direct;
	const file = env[`${name}_FILE`]?.trim();
	if (!file) return undefined;
	try {
		return readFileSync(file, 'utf8').trim();
	} catch {
		// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- no node here: the nodes wrap store errors
		throw new Error(`${name}_FILE names a file that cannot be read (${file})`);
	}
}

function envFlag(value: string | undefined): boolean | undefined {
	if (value === undefined || value.trim() === '') return undefined;
	return /^(1|true|yes|on)$/i.test(value.trim());
}

/** n8n's PostgreSQL settings (DB_POSTGRESDB_*, with n8n's defaults), for the package's own schema. */
export function n8nPostgresConfig(env: NodeJS.ProcessEnv = process.env): PgStoreConfig {
	const port = envValue(env, 'DB_POSTGRESDB_PORT');
	const ca = envValue(env, 'DB_POSTGRESDB_SSL_CA');
	const cert = envValue(env, 'DB_POSTGRESDB_SSL_CERT');
	const key = envValue(env, 'DB_POSTGRESDB_SSL_KEY');
	// As n8n: SSL is on when enabled explicitly or when any certificate setting is given.
	const sslEnabled = envFlag(envValue(env, 'DB_POSTGRESDB_SSL_ENABLED')) ?? Boolean(ca || cert || key);
	const rejectUnauthorized = envFlag(envValue(env, 'DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED')) ?? true;
	if (port !== undefined && !/^\d+$/.test(port.trim())) throw new Error(`DB_POSTGRESDB_PORT must be a port number, got "${port}"`);
	return {
		host: envValue(env, 'DB_POSTGRESDB_HOST') ?? 'localhost',
		port: port === undefined ? 5432 : Number(port),
		database: envValue(env, 'DB_POSTGRESDB_DATABASE') ?? 'n8n',
		user: envValue(env, 'DB_POSTGRESDB_USER') ?? 'postgres',
		password: envValue(env, 'DB_POSTGRESDB_PASSWORD') ?? '',
		ssl: sslEnabled ? { ca, cert, key, rejectUnauthorized } : false,
		schema: pgSchema(env),
		poolSize: poolSize(env),
	};
}

function pgSchema(env: NodeJS.ProcessEnv): string {
	return env[STORE_PG_SCHEMA_ENV]?.trim() || DEFAULT_PG_SCHEMA;
}

function poolSize(env: NodeJS.ProcessEnv): number | undefined {
	const value = env.TELEGRAM_GIFTS_PG_POOL_SIZE?.trim();
	if (!value) return undefined;
	if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`TELEGRAM_GIFTS_PG_POOL_SIZE must be a positive integer, got "${value}"`);
	return Number(value);
}

/** A store named by a string: a postgres:// URL (with the schema from the env) or a sqlite path. */
export function storeTargetOf(value: string, env: NodeJS.ProcessEnv = process.env): StoreTarget {
	if (isPostgresUrl(value)) return { kind: 'postgres', config: { connectionString: value.trim(), schema: pgSchema(env), poolSize: poolSize(env) } };
	return { kind: 'sqlite', path: resolve(value) };
}

/**
 * The one place that chooses the backend: `TELEGRAM_GIFTS_DB` (postgres:// URL → PostgreSQL, else
 * a sqlite path), else PostgreSQL when n8n runs on it (`DB_TYPE=postgresdb`), else sqlite.
 */
export function resolveStoreTarget(env: NodeJS.ProcessEnv = process.env): StoreTarget {
	const override = env[STORE_PATH_ENV]?.trim();
	if (override) return storeTargetOf(override, env);
	if (env.DB_TYPE?.trim() === 'postgresdb') return { kind: 'postgres', config: n8nPostgresConfig(env) };
	return { kind: 'sqlite', path: defaultStorePath(env) };
}

/** What identifies a target's shared instance (never contains a password). */
function targetKey(target: StoreTarget): string {
	return target.kind === 'sqlite' ? target.path : describePgTarget(target.config);
}

export type StoreOpenOptions = SqliteStoreOptions & PgStoreOptions & { schema?: string };

/**
 * Opens a store of its own (not shared; the caller closes it). `target`: a sqlite path, a
 * postgres:// URL or a resolved target. For tests, benches and tools; nodes use getStore().
 */
export async function openStoreAt(target: string | StoreTarget, options: StoreOpenOptions = {}): Promise<SqliteGiftStore | PgGiftStore> {
	const resolved = typeof target === 'string' ? storeTargetOf(target) : target;
	if (resolved.kind === 'sqlite') return SqliteGiftStore.open(resolved.path, options);
	return PgGiftStore.open(options.schema ? { ...resolved.config, schema: options.schema } : resolved.config, options);
}

interface SharedStore {
	opening: Promise<SqliteGiftStore | PgGiftStore>;
	refs: number;
}

const shared = new Map<string, SharedStore>();

type StoreMethod = Exclude<keyof GiftStore, 'location' | 'close'>;
/** Every method a handle forwards; a Record, so a method added to GiftStore and missing here fails to compile. */
const FORWARDED: Record<StoreMethod, true> = {
	recordGiftsSeen: true,
	getSeenGift: true,
	listSeenGifts: true,
	addSupplySamples: true,
	listSupplySamples: true,
	claimPurchase: true,
	markSent: true,
	settlePurchase: true,
	ledgerStep: true,
	getPurchase: true,
	listPurchases: true,
	spentSince: true,
	putPeerAccess: true,
	getPeerAccess: true,
	findPeerByUsername: true,
	deletePeerAccess: true,
	getSticker: true,
	putSticker: true,
	getStickerFileId: true,
	putStickerFileId: true,
	createPendingLogin: true,
	claimPendingLogin: true,
	savePendingLogin: true,
	deletePendingLogin: true,
};
const STORE_METHODS = Object.keys(FORWARDED) as StoreMethod[];

/**
 * A handle onto the process-wide store: `path` names it (a sqlite file path or a postgres:// URL),
 * else resolveStoreTarget() picks it from the environment. Each handle must be closed once; the
 * underlying store closes with the last one.
 */
export async function getStore(path?: string, options?: StoreOpenOptions): Promise<GiftStore> {
	const target = path === undefined ? resolveStoreTarget() : storeTargetOf(path);
	const location = targetKey(target);
	let entry = shared.get(location);
	if (!entry) {
		const opening = openStoreAt(target, options);
		entry = { opening, refs: 0 };
		shared.set(location, entry);
		opening.catch(() => {
			if (shared.get(location) === entry) shared.delete(location);
		});
	}
	entry.refs += 1;
	const owner = entry;
	const store = await owner.opening.catch((error: unknown) => {
		owner.refs -= 1;
		throw error;
	});
	let released = false;
	const handle: Record<string, unknown> = { location };
	for (const method of STORE_METHODS) {
		handle[method] = (...args: unknown[]) => {
			if (released) return Promise.reject(new Error(`This handle on the store ${location} was closed`));
			return (store[method] as (...a: unknown[]) => Promise<unknown>).apply(store, args);
		};
	}
	handle.close = async () => {
		if (released) return;
		released = true;
		owner.refs -= 1;
		if (owner.refs === 0) {
			if (shared.get(location) === owner) shared.delete(location);
			await store.close();
		}
	};
	return handle as unknown as GiftStore;
}

/** How many handles are open per store (sqlite path or PostgreSQL description; diagnostics and tests). */
export function openStoreHandles(): Record<string, number> {
	return Object.fromEntries([...shared].map(([path, entry]) => [path, entry.refs]));
}
