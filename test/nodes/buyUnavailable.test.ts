/**
 * Buy (Define Below) when Telegram cannot be asked for the catalog: with Continue On Fail each
 * purchase is a failed result saying why (nothing bought), so a webhook answers that instead of
 * echoing its request; without it the node fails naming the account, and no secret leaks.
 */
import { TestEngine, errorOf, outputOf, packageNode } from './harness/engine';
import { silentLogger, startSandbox, type Sandbox } from '../../src/sandbox';
import { getSharedPool } from '../../src/telegram';

const ALICE = '1000001';
const CHANNEL = '-1001234567890';

describe('Buy (Define Below) while the catalog cannot be read', () => {
	const engine = new TestEngine();
	let sandbox: Sandbox;

	beforeAll(async () => {
		sandbox = await startSandbox(
			{
				seed: 12,
				accounts: [{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: true }],
				channels: [{ id: CHANNEL, title: 'Gifts', acceptsGifts: true, members: [ALICE] }],
				gifts: [{ id: '7201', stars: 100, limited: true, total: 50, releaseAtMs: 0 }],
			},
			{ logger: silentLogger() },
		);
		engine.credentials.useSandbox(sandbox.credentials);
	});
	afterAll(async () => {
		await getSharedPool().destroy();
		await sandbox.stop();
		await engine.shutdown();
	});

	const buy = (onError?: 'continueErrorOutput') => {
		const node = packageNode('Buy', 'telegramGift', { resource: 'gift', operation: 'buy', buySource: 'fields', giftId: '7201', recipient: CHANNEL, quantity: 1 }, ['telegramGiftsAccountApi']);
		return engine.run({ nodes: [onError ? { ...node, onError } : node] });
	};

	it('Continue On Fail: a failed, retryable result per purchase; nothing bought', async () => {
		sandbox.injectFault({ method: 'payments.getStarGifts', error: 'INTERNAL_SERVER_ERROR', code: 500, times: 20 });
		const run = await buy('continueErrorOutput');
		expect(errorOf(run)).toBeUndefined();
		const [ok, failed] = outputOf(run, 'Buy');
		expect(failed ?? []).toEqual([]);
		expect(ok).toEqual([expect.objectContaining({ status: 'failed', giftId: '7201', recipient: CHANNEL, quantityBought: 0, retryable: true })]);
		expect(JSON.stringify(ok)).not.toContain(sandbox.credentials.accounts[0]!.session);
		expect(sandbox.record().purchases).toEqual([]);
	});

	it('without it the node fails, naming the account', async () => {
		sandbox.injectFault({ method: 'payments.getStarGifts', error: 'INTERNAL_SERVER_ERROR', code: 500, times: 20 });
		const run = await buy();
		expect(errorOf(run)?.message).toMatch(/alice/i);
		expect(sandbox.record().purchases).toEqual([]);
	});
});
