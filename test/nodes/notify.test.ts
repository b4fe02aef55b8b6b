import { TestEngine, errorOf, outputOf, packageNode } from './harness/engine';
import { startFakeBotApi, type FakeBotApi } from '../../src/sandbox/botapi';

const TOKEN = '123456:TEST-token_abcdefghijklmnop';

describe('Telegram Gift Notify through n8n-core', () => {
	const engine = new TestEngine();
	let botApi: FakeBotApi;

	beforeAll(async () => {
		botApi = await startFakeBotApi({ token: TOKEN });
	});
	afterAll(async () => {
		await botApi.stop();
		await engine.shutdown();
	});
	beforeEach(() => {
		engine.credentials.clear();
		engine.credentials.set('telegramGiftsBotApi', { token: TOKEN, baseUrl: botApi.apiRoot });
	});

	it('sends one message per item to every chat and reports each chat', async () => {
		const notify = packageNode(
			'Notify',
			'telegramGiftNotify',
			{ operation: 'sendMessage', chatIds: '111, -1001234567890', text: '={{ "hello " + $json.name }}' },
			['telegramGiftsBotApi'],
		);
		const run = await engine.run({ nodes: [notify] }, { input: [{ json: { name: 'a' } }, { json: { name: 'b' } }] });
		expect(errorOf(run)).toBeUndefined();
		const [items] = outputOf(run, 'Notify');
		expect(items).toHaveLength(2);
		expect(items![0]).toMatchObject({ delivered: 2, failed: 0 });
		const texts = botApi.messages().map((m) => `${m.chatId}:${m.text}`);
		expect(texts).toEqual(expect.arrayContaining(['111:hello a', '-1001234567890:hello a', '111:hello b', '-1001234567890:hello b']));
	});
});

describe('Telegram Gift Notify: auctions', () => {
	const engine = new TestEngine();
	let botApi: FakeBotApi;

	beforeAll(async () => {
		botApi = await startFakeBotApi({ token: TOKEN });
		engine.credentials.set('telegramGiftsBotApi', { token: TOKEN, baseUrl: botApi.apiRoot });
		// Bid steps in the ledger, written as the bidder writes them.
		const { getStore } = await import('../../src/store');
		const store = await getStore();
		try {
			const step = { opKey: 'notify-bid', accountId: '777', recipient: '777', giftId: '7001', atMs: Date.now(), kind: 'bid' as const };
			await store.claimPurchase({ ...step, unitIndex: 150, price: 150, bidAmount: 150 });
			await store.settlePurchase('notify-bid', 150, { status: 'won', reason: null, atMs: Date.now() });
		} finally {
			await store.close();
		}
	});
	afterAll(async () => {
		await botApi.stop();
		await engine.shutdown();
	});

	it('Send Auction Message: one message per auction event, other items pass with sent false', async () => {
		const notify = packageNode('Notify', 'telegramGiftNotify', { operation: 'sendAuctionMessage', chatIds: '111' }, ['telegramGiftsBotApi']);
		const run = await engine.run({ nodes: [notify] }, { input: [{ json: { event: 'won', title: 'Rocket', accountLabel: 'Alice', amount: 251, round: 1 } }, { json: { hello: 1 } }] });
		expect(errorOf(run)).toBeUndefined();
		expect(outputOf(run, 'Notify')[0]).toEqual([expect.objectContaining({ sent: true, delivered: 1 }), { sent: false, reason: 'not_an_auction_event' }]);
		expect(botApi.messages().map((m) => m.text)).toContain('🎉 Rocket: Alice won a copy for 251 ⭐ (round 1)');
	});

	it('Send Report adds the auction section from the ledger for the accounts the bid items name', async () => {
		const notify = packageNode('Report', 'telegramGiftNotify', { operation: 'sendReport', chatIds: '111', accountChats: false, auctionSection: true, send: false }, ['telegramGiftsBotApi']);
		const bidResult = { status: 'held', opKey: 'notify-bid', accountId: '777', giftId: '7001', action: 'place', amount: 150, previousAmount: 0, charge: 150 };
		const run = await engine.run({ nodes: [notify] }, { input: [{ json: bidResult }] });
		expect(errorOf(run)).toBeUndefined();
		const [items] = outputOf(run, 'Report');
		expect(items![0].auctions).toMatchObject({ totals: { placed: 1, won: 1, spent: 150 } });
		expect(String(items![0].text)).toContain('🔨 Auctions');
	});
});
