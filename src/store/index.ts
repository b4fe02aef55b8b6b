/**
 * The package's embedded state. `getStore()` hands every node, trigger and execution in this
 * process a handle onto one shared sqlite instance per file path; the file closes when the last
 * handle is closed.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import { SqliteGiftStore, type SqliteStoreOptions } from './sqlite';
import type { GiftStore } from './types';

export * from './types';
export { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations';
export { bidSerialOf, spentWonOf } from './bids';
export { SqliteGiftStore, StoreSchemaError, DEFAULT_BUSY_TIMEOUT_MS, type SqliteStoreOptions } from './sqlite';

/** Environment variable that overrides the store file location. */
export const STORE_PATH_ENV = 'TELEGRAM_GIFTS_DB';
export const STORE_FILE_NAME = 'telegram-gifts.sqlite';

/**
 * `$TELEGRAM_GIFTS_DB`, else next to n8n's own database: n8n keeps its data in
 * `<user folder>/.n8n`, the user folder being `$N8N_USER_FOLDER` or the home directory.
 */
export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
	const override = env[STORE_PATH_ENV]?.trim();
	if (override) return resolve(override);
	const userFolder = env.N8N_USER_FOLDER?.trim() || homedir();
	return join(userFolder, '.n8n', STORE_FILE_NAME);
}

interface SharedStore {
	opening: Promise<SqliteGiftStore>;
	refs: number;
}

const shared = new Map<string, SharedStore>();

type StoreMethod = Exclude<keyof GiftStore, 'location' | 'close'>;
const STORE_METHODS: readonly StoreMethod[] = [
	'recordGiftsSeen',
	'getSeenGift',
	'listSeenGifts',
	'addSupplySamples',
	'listSupplySamples',
	'claimPurchase',
	'markSent',
	'settlePurchase',
	'ledgerStep',
	'getPurchase',
	'listPurchases',
	'spentSince',
	'putPeerAccess',
	'getPeerAccess',
	'findPeerByUsername',
	'deletePeerAccess',
	'getSticker',
	'putSticker',
	'getStickerFileId',
	'putStickerFileId',
];

/**
 * A handle onto the process-wide store for `path` (default: defaultStorePath()). Each handle must
 * be closed once; the underlying file closes with the last one.
 */
export async function getStore(path?: string, options?: SqliteStoreOptions): Promise<GiftStore> {
	const location = resolve(path ?? defaultStorePath());
	let entry = shared.get(location);
	if (!entry) {
		const opening = SqliteGiftStore.open(location, options);
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

/** How many handles are open per store path (diagnostics and tests). */
export function openStoreHandles(): Record<string, number> {
	return Object.fromEntries([...shared].map(([path, entry]) => [path, entry.refs]));
}
