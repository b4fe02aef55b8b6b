/**
 * Telegram Gift → Purchase → Get Many through n8n-core against the sandbox: a real buy lands in
 * the store's ledger and Get Many reads it back per account, filtered by status and age.
 */
import { TestEngine, errorOf, outputOf, packageNode } from './harness/engine';
import { silentLogger, startSandbox, type Sandbox } from '../../src/sandbox';
import { getStore } from '../../src/store';
import { getSharedPool } from '../../src/telegram';

const ALICE = '1000001';
const BOB = '1000002';
const CHANNEL = '-1001234567890';
const HOUR_MS = 3_600_000;

describe('Purchase → Get Many reads the ledger', () => {
	const engine = new TestEngine();
	let sandbox: Sandbox;

	beforeAll(async () => {
		sandbox = await startSandbox(
			{
				seed: 5,
				accounts: [
					{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: true },
					{ id: BOB, label: 'Bob', username: 'bob', balance: 300, premium: false },
				],
				channels: [{ id: CHANNEL, title: 'Gifts', username: 'giftschan', acceptsGifts: true, members: [ALICE, BOB] }],
				gifts: [{ id: '7001', stars: 100, limited: true, total: 50, releaseAtMs: 0 }],
				bot: {},
			},
			{ logger: silentLogger() },
		);
		engine.credentials.useSandbox(sandbox.credentials);

		// Older and failed entries the sandbox cannot produce on demand, written as the buyer does.
		const store = await getStore();
		try {
			const now = Date.now();
			const old = { opKey: 'old-op', unitIndex: 0, accountId: BOB, recipient: CHANNEL, giftId: '7001', price: 100, atMs: now - 30 * HOUR_MS };
			await store.claimPurchase(old);
			await store.settlePurchase('old-op', 0, { status: 'bought', reason: null, atMs: old.atMs });
			await store.claimPurchase({ ...old, opKey: 'failed-op', atMs: now - HOUR_MS });
			await store.settlePurchase('failed-op', 0, { status: 'failed', reason: 'insufficient_balance', atMs: now - HOUR_MS });
		} finally {
			await store.close();
		}

		const buy = packageNode(
			'Buy',
			'telegramGift',
			{ resource: 'gift', operation: 'buy', buySource: 'fields', giftId: '7001', recipient: CHANNEL, quantity: 2, account: 'alice' },
			['telegramGiftsAccountApi'],
		);
		const run = await engine.run({ nodes: [buy] });
		expect(errorOf(run)).toBeUndefined();
		expect(outputOf(run, 'Buy')[0]).toEqual([expect.objectContaining({ status: 'bought', accountId: ALICE, quantityBought: 2 })]);
	});
	afterAll(async () => {
		await getSharedPool().destroy();
		await sandbox.stop();
		await engine.shutdown();
	});

	const getMany = async (parameters: Record<string, unknown>) => {
		const node = packageNode('Purchases', 'telegramGift', { resource: 'purchase', operation: 'getMany', ...parameters }, ['telegramGiftsAccountApi']);
		return await engine.run({ nodes: [node] });
	};

	it('returns the bought copies of the last 24 h by default, one JSON-safe item per copy, no secrets', async () => {
		const run = await getMany({});
		expect(errorOf(run)).toBeUndefined();
		const [items] = outputOf(run, 'Purchases');
		expect(items).toEqual([
			expect.objectContaining({ unitIndex: 0, accountId: ALICE, accountLabel: 'alice', recipient: CHANNEL, giftId: '7001', price: 100, status: 'bought', reason: null }),
			expect.objectContaining({ unitIndex: 1, accountId: ALICE, accountLabel: 'alice', giftId: '7001', price: 100, status: 'bought' }),
		]);
		const item = items![0]!;
		expect(typeof item.opKey).toBe('string');
		expect(new Date(item.createdAt as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
		expect(typeof item.sentAt).toBe('string');
		expect(JSON.parse(JSON.stringify(items))).toEqual(items);
		const text = JSON.stringify(items);
		for (const a of sandbox.credentials.accounts) expect(text).not.toContain(a.session);
		expect(text).not.toContain(sandbox.credentials.apiHash);
		// The ledger matches what the sandbox charged.
		expect(sandbox.record().purchases.filter((p) => p.ok && p.accountId === ALICE)).toHaveLength(items!.length);
	});

	it('filters by status, account and age', async () => {
		const failed = outputOf(await getMany({ status: 'failed' }), 'Purchases')[0]!;
		expect(failed).toEqual([expect.objectContaining({ opKey: 'failed-op', accountId: BOB, accountLabel: 'bob', status: 'failed', reason: 'insufficient_balance' })]);
		expect(outputOf(await getMany({ status: 'pendingUnknown' }), 'Purchases')[0] ?? []).toEqual([]);

		const all = outputOf(await getMany({ status: 'all' }), 'Purchases')[0]!;
		expect(all.map((i) => i.opKey)).toEqual(['failed-op', expect.any(String), expect.any(String)]);
		const older = outputOf(await getMany({ status: 'all', sinceHours: 48 }), 'Purchases')[0]!;
		expect(older.map((i) => i.opKey)).toEqual(['old-op', 'failed-op', expect.any(String), expect.any(String)]);
		const bob = outputOf(await getMany({ status: 'all', sinceHours: 48, account: BOB }), 'Purchases')[0]!;
		expect(bob.map((i) => i.opKey)).toEqual(['old-op', 'failed-op']);
		const bobByName = outputOf(await getMany({ status: 'bought', sinceHours: 48, account: '@bob' }), 'Purchases')[0]!;
		expect(bobByName.map((i) => i.opKey)).toEqual(['old-op']);
	});

	it('names the field of a bad parameter', async () => {
		expect(errorOf(await getMany({ sinceHours: 0 }))?.message).toMatch(/^Since \(Hours\): "0" is not a number of hours above 0/);
		expect(errorOf(await getMany({ sinceHours: -3 }))?.message).toMatch(/^Since \(Hours\)/);
		expect(errorOf(await getMany({ account: 'carol' }))?.message).toMatch(/^Account: no account "carol" in the credential \(accounts: alice, bob\)/);
	});
});
