/** Set-up for account-layer wire tests: a sandbox, a ClientPool and a store in a tmp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { silentLogger, startSandbox, type Sandbox } from '../../../src/sandbox';
import { getStore, type GiftStore } from '../../../src/store';
import { ClientPool, type AccountCredentials, type PoolOptions } from '../../../src/telegram';

/**
 * Makes this test file's teleproto trust the sandbox run's RSA key, so a client can make auth keys
 * at other DCs (migrations, file DCs). Tests and the e2e n8n only: scripts/sandbox-rsa-trust.js.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { trustSandboxRsaKey } = require('../../../scripts/sandbox-rsa-trust.js') as { trustSandboxRsaKey(key: { fingerprint: string; n: string; e: number }): void };

export const ALICE = '1000001';
export const BOB = '1000002';
export const CAROL = '1000003';
export const CHANNEL = '2000000001';
export const CLOSED_CHANNEL = '2000000002';

export function scenario(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		seed: 11,
		accounts: [
			// Alice and Bob have a private chat: each can address the other by id.
			{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: false, dialogs: [BOB] },
			{ id: BOB, label: 'Bob', username: 'bobby', balance: 1000, premium: true },
			{ id: CAROL, label: 'Carol', username: 'carol', balance: 50, premium: false },
		],
		channels: [
			// Every account that buys onto a channel by its -100… id must be a member (as on Telegram).
			{ id: CHANNEL, title: 'Gifts', username: 'giftschan', acceptsGifts: true, members: [ALICE, BOB, CAROL] },
			{ id: CLOSED_CHANNEL, title: 'Closed', acceptsGifts: false, members: [ALICE] },
		],
		gifts: [
			{ id: '5001', stars: 100, limited: true, total: 3, releaseAtMs: 0, title: 'Rare' },
			{ id: '5002', stars: 25, limited: false, releaseAtMs: 0 },
			{ id: '5003', stars: 10, limited: true, total: 10, releaseAtMs: 0, requirePremium: true },
			{ id: '5004', stars: 10, limited: true, total: 10, releaseAtMs: 0, perUserTotal: 1 },
			{ id: '5005', stars: 20, limited: true, total: 100, releaseAtMs: 0 },
		],
		...overrides,
	};
}

export const FAST_POLICY: PoolOptions['policy'] = {
	readDeadlineMs: 2_000,
	formDeadlineMs: 2_000,
	sendDeadlineMs: 1_000,
	connectDeadlineMs: 3_000,
	retryBaseMs: 20,
	retryMaxMs: 100,
};

export interface World {
	sandbox: Sandbox;
	pool: ClientPool;
	store: GiftStore;
	dir: string;
	storePath: string;
	creds(label: 'Alice' | 'Bob' | 'Carol'): AccountCredentials;
	/** Purchases that went through (the record also lists refused attempts). */
	paid(): Array<{ accountId: string; giftId: string; peer: string }>;
	newPool(options?: PoolOptions): ClientPool;
	close(): Promise<void>;
}

export async function world(overrides: Record<string, unknown> = {}, poolOptions: PoolOptions = {}): Promise<World> {
	const sandbox = await startSandbox(scenario(overrides), { logger: silentLogger() });
	const dir = mkdtempSync(join(tmpdir(), 'tg-layer-'));
	const storePath = join(dir, 'gifts.sqlite');
	const store = await getStore(storePath);
	const pools: ClientPool[] = [];
	const newPool = (options: PoolOptions = {}) => {
		const p = new ClientPool({ idleMs: 60_000, connectionRetries: 1, ...poolOptions, ...options, policy: { ...FAST_POLICY, ...poolOptions.policy, ...options.policy } });
		pools.push(p);
		return p;
	};
	const pool = newPool();
	const { apiId, apiHash, server, accounts } = sandbox.credentials;
	const w: World = {
		sandbox,
		pool,
		store,
		dir,
		storePath,
		creds(label) {
			const account = accounts.find((a) => a.label === label);
			if (!account) throw new Error(`no sandbox account ${label}`);
			return { apiId, apiHash, server, session: account.session, label };
		},
		paid: () => sandbox.record().purchases.filter((p) => p.ok),
		newPool,
		async close() {
			await Promise.all(pools.map((p) => p.destroy()));
			await w.store.close().catch(() => undefined);
			await sandbox.stop();
			rmSync(dir, { recursive: true, force: true });
		},
	};
	return w;
}
