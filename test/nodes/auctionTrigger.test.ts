/**
 * Telegram Gift Trigger in auction mode through n8n-core against the sandbox: pushed updates bring
 * announced, outbid, round started, won and finished as they happen, each once.
 */
import { TestEngine, errorOf, outputOf, packageNode } from './harness/engine';
import { silentLogger, startSandbox, type Sandbox } from '../../src/sandbox';
import { getSharedPool } from '../../src/telegram';
import { bidPaymentForm, sendBidForm } from '../../src/telegram/auctions';
import { getSharedWatchers } from '../../src/telegram/watch';

const ALICE = '1000001';
const CHANNEL = '-1001234567890';
const GIFT = '7201';

describe('Telegram Gift Trigger: auction events', () => {
	const engine = new TestEngine();
	let sandbox: Sandbox;

	beforeEach(async () => {
		sandbox = await startSandbox(
			{
				seed: 8,
				accounts: [{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: true }],
				channels: [{ id: CHANNEL, title: 'Gifts', acceptsGifts: true, members: [ALICE] }],
				gifts: [{ id: GIFT, stars: 100, total: 2, releaseAtMs: 0, title: 'Comet', auction: { slug: 'Comet-9', startAtMs: 0, giftsPerRound: 1, minBid: 100, rounds: [{ count: 2, durationMs: 2000 }] } }],
				auctionBidders: [{ id: '8800001', giftId: GIFT, bids: [{ atMs: 700, amount: 300 }] }],
			},
			{ logger: silentLogger() },
		);
		engine.credentials.useSandbox(sandbox.credentials);
	});
	afterEach(async () => {
		await getSharedPool().destroy();
		await sandbox.stop();
	});
	afterAll(async () => {
		await engine.shutdown();
	});

	it('emits announced, outbid, roundStarted, won and finished from pushed updates', async () => {
		const trigger = packageNode(
			'Auction Trigger',
			'telegramGiftTrigger',
			{ watch: 'auction', auction: 'Comet-9', auctionEvents: ['announced', 'outbid', 'roundStarted', 'won', 'finished'] },
			['telegramGiftsAccountApi'],
		);
		const active = await engine.activate({ nodes: [trigger] });
		try {
			const first = await active.next(5000);
			expect(outputOf(first, 'Auction Trigger')[0]).toEqual([expect.objectContaining({ event: 'announced', giftId: GIFT, slug: 'Comet-9', giftsPerRound: 1, totalRounds: 2 })]);
			// Alice bids through the account layer; the competitor outbids her at 700 ms.
			const lease = await getSharedPool().acquire({ ...sandbox.credentials, session: sandbox.credentials.accounts[0].session, label: 'Alice' });
			try {
				const recipient = await lease.account.resolveRecipient(CHANNEL);
				await sendBidForm(lease.account, await bidPaymentForm(lease.account, { giftId: GIFT, amount: 150, update: false, recipient }));
			} finally {
				lease.release();
			}
			await sandbox.waitFor((r) => r.auctions.finished.length === 1, 8000);
			await new Promise((resolve) => setTimeout(resolve, 300));
			const events = active.executions.flatMap((run) => outputOf(run, 'Auction Trigger')[0] ?? []).map((i) => [i.event, i.accountLabel ?? null, i.amount ?? null]);
			expect(events).toEqual([
				['announced', null, null],
				['outbid', 'alice', 150],
				['roundStarted', null, null],
				['won', 'alice', 150],
				['finished', null, null],
			]);
			expect(active.executions.every((run) => errorOf(run) === undefined)).toBe(true);
		} finally {
			await active.deactivate();
		}
	});

	it('two triggers on one auction share one watcher; the manual test emits the auction as it is', async () => {
		const make = (name: string) =>
			packageNode(name, 'telegramGiftTrigger', { watch: 'auction', auction: 'Comet-9', auctionEvents: ['announced', 'won'] }, ['telegramGiftsAccountApi']);
		const a = await engine.activate({ nodes: [make('A')] });
		const b = await engine.activate({ nodes: [make('B')] });
		try {
			const firstOf = async (t: typeof a) => {
				for (let i = 0; i < 100 && t.executions.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
				return t.executions[0];
			};
			expect(outputOf(await firstOf(a), 'A')[0]).toEqual([expect.objectContaining({ event: 'announced' })]);
			expect(outputOf(await firstOf(b), 'B')[0]).toEqual([expect.objectContaining({ event: 'announced' })]);
			const auctions = getSharedWatchers()
				.list()
				.filter((w) => w.topic.startsWith('auction:'));
			expect(auctions).toEqual([expect.objectContaining({ topic: 'auction:Comet-9', subscribers: 2 })]);
		} finally {
			await a.deactivate();
			await b.deactivate();
		}
		expect(getSharedWatchers().list().filter((w) => w.topic.startsWith('auction:'))).toEqual([]);
		const run = await engine.run({ nodes: [make('Manual')] }, { mode: 'manual' });
		expect(errorOf(run)).toBeUndefined();
		expect(outputOf(run, 'Manual')[0]).toEqual([expect.objectContaining({ event: 'announced', giftId: GIFT, slug: 'Comet-9' })]);
	});

	it('names a bad auction field', async () => {
		const trigger = packageNode('Auction Trigger', 'telegramGiftTrigger', { watch: 'auction', auction: 'no such!', auctionEvents: ['won'] }, ['telegramGiftsAccountApi']);
		await expect(engine.activate({ nodes: [trigger] })).rejects.toThrow(/Auction: "no such!" is not a gift ID or an auction slug/);
	});
});
