/**
 * Telegram Gift → Buy as an AI agent's tool (n8n's `telegramGiftTool` variant), through n8n-core
 * against the sandbox: off by default; when allowed, a hard cap per call and per UTC day that the
 * agent cannot raise (fixed values only; the day counts the agent's purchases in the ledger).
 * The plain node keeps buying without any of this.
 */
import { TestEngine, errorOf, outputOf, packageNode } from './harness/engine';
import { silentLogger, startSandbox, type Sandbox } from '../../src/sandbox';
import { getSharedPool } from '../../src/telegram';

const ALICE = '1000001';
const CHANNEL = '-1001234567890';
const GIFT = '7101';

describe('Buy as an AI-agent tool: an explicit switch and hard Stars caps', () => {
	const engine = new TestEngine();
	let sandbox: Sandbox;

	beforeAll(async () => {
		sandbox = await startSandbox(
			{
				seed: 9,
				accounts: [{ id: ALICE, label: 'Alice', username: 'alice', balance: 5000, premium: true }],
				channels: [{ id: CHANNEL, title: 'Gifts', acceptsGifts: true, members: [ALICE] }],
				gifts: [{ id: GIFT, stars: 100, limited: true, total: 500, releaseAtMs: 0 }],
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

	const bought = () => sandbox.record().purchases.filter((p) => p.ok).length;
	const buy = (type: string, extra: Record<string, unknown>) =>
		engine.run({
			nodes: [
				packageNode(
					'Buy',
					type,
					{ resource: 'gift', operation: 'buy', buySource: 'fields', giftId: GIFT, recipient: CHANNEL, quantity: 1, ...extra },
					['telegramGiftsAccountApi'],
				),
			],
		});
	const asTool = (extra: Record<string, unknown>) => buy('telegramGiftTool', extra);

	it('refuses to buy as a tool unless the node allows it', async () => {
		const run = await asTool({});
		expect(errorOf(run)?.message).toMatch(/^Allow AI Agent to Buy: is off, so an AI agent cannot buy gifts with this tool/);
		expect(bought()).toBe(0);
	});

	it('refuses a cap given as an expression (the agent fills expressions)', async () => {
		const run = await asTool({ allowAgentPurchases: true, agentMaxStarsPerCall: 500, agentMaxStarsPerDay: '={{ $fromAI("cap", "", "number") }}' });
		expect(errorOf(run)?.message).toMatch(/^Max Stars per Day: must be a fixed value, not an expression/);
		expect(bought()).toBe(0);
	});

	it('holds the per-call cap: a call asking for more than it buys nothing', async () => {
		const run = await asTool({ allowAgentPurchases: true, agentMaxStarsPerCall: 150, agentMaxStarsPerDay: 250, quantity: 2, idempotencyKey: 'agent-a' });
		expect(errorOf(run)?.message).toBe('Max Stars per Call: this call would spend up to 200 Stars, above the cap of 150; nothing was bought');
		expect(bought()).toBe(0);
	});

	it('buys within the caps, then holds the per-day cap over all calls', async () => {
		const caps = { allowAgentPurchases: true, agentMaxStarsPerCall: 150, agentMaxStarsPerDay: 250 };
		for (const key of ['agent-1', 'agent-2']) {
			const run = await asTool({ ...caps, idempotencyKey: key });
			expect(errorOf(run)).toBeUndefined();
			expect(outputOf(run, 'Buy')[0]).toEqual([expect.objectContaining({ status: 'bought', quantityBought: 1, opKey: expect.stringMatching(/^agent:/) })]);
		}
		expect(bought()).toBe(2);
		const third = await asTool({ ...caps, idempotencyKey: 'agent-3' });
		expect(errorOf(third)?.message).toBe(
			'Max Stars per Day: AI agent purchases took 200 Stars today (UTC); this call\'s 100 more would pass the cap of 250; nothing was bought',
		);
		expect(bought()).toBe(2);
	});

	it('the defaults apply when the caps were left as they are (not saved in the node)', async () => {
		// Defaults: 100 per call, 500 per day; 200 of the day are taken above.
		const run = await asTool({ allowAgentPurchases: true, quantity: 2, idempotencyKey: 'agent-4' });
		expect(errorOf(run)?.message).toMatch(/^Max Stars per Call: this call would spend up to 200 Stars, above the cap of 100/);
	});

	it('the plain node (not a tool) buys without the switch, and its spending is not the agent\'s', async () => {
		const run = await buy('telegramGift', { quantity: 2, idempotencyKey: 'human-1' });
		expect(errorOf(run)).toBeUndefined();
		expect(outputOf(run, 'Buy')[0]).toEqual([expect.objectContaining({ status: 'bought', quantityBought: 2 })]);
		expect(bought()).toBe(4);
		const agent = await asTool({ allowAgentPurchases: true, agentMaxStarsPerCall: 150, agentMaxStarsPerDay: 300, idempotencyKey: 'agent-5' });
		expect(errorOf(agent)).toBeUndefined();
		expect(bought()).toBe(5);
	});
});
