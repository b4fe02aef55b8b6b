/** Telegram Gift Notify → Send Report counts resale purchases (Buy Listing results and Plan Listings items). */
import { TestEngine, errorOf, outputOf, packageNode } from './harness/engine';
import { startFakeBotApi, type FakeBotApi } from '../../src/sandbox/botapi';

const TOKEN = '123456:TEST-token_abcdefghijklmnop';

describe('Telegram Gift Notify: resale purchases in the report', () => {
	const engine = new TestEngine();
	let botApi: FakeBotApi;
	beforeAll(async () => {
		botApi = await startFakeBotApi({ token: TOKEN });
		engine.credentials.set('telegramGiftsBotApi', { token: TOKEN, baseUrl: botApi.apiRoot });
	});
	afterAll(async () => {
		await botApi.stop();
		await engine.shutdown();
	});

	it('a bought listing is a copy of its collection at the price paid; a lost one is counted with its reason; resale skips are not gifts', async () => {
		const base = { kind: 'resale', accountId: '777', recipient: 'me', giftId: '6001', title: 'Plush Pepe', maxPrice: 1000, retryable: false, balanceAfter: 4100, formAmount: 900 };
		const results = [
			{ ...base, opKey: 'a'.repeat(32), slug: 'PlushPepe-4', price: 950, paid: 900, status: 'bought', reason: null, error: null },
			{ ...base, opKey: 'b'.repeat(32), slug: 'PlushPepe-2', price: 980, paid: 0, status: 'skipped', reason: 'listing_gone', error: 'PlushPepe-2 was sold to someone else first' },
			{ slug: 'PlushPepe-1', giftId: '6001', reason: 'not_under_floor', detail: '2000 Stars is not 25 % under the floor', price: 2000 },
		];
		const notify = packageNode('Report', 'telegramGiftNotify', { operation: 'sendReport', chatIds: '111', accountChats: false, send: true }, ['telegramGiftsBotApi']);
		const run = await engine.run({ nodes: [notify] }, { input: results.map((json) => ({ json })) });
		expect(errorOf(run)).toBeUndefined();
		const [items] = outputOf(run, 'Report');
		expect(items![0].totals).toMatchObject({ copies: { bought: 1, failed: 1, planned: 2 }, failuresByReason: { listing_gone: 1 }, perAccount: [expect.objectContaining({ accountId: '777', spent: 900 })] });
		expect(String(items![0].text)).toContain('Plush Pepe');
		expect(String(items![0].text)).toContain('listing_gone');
		expect(botApi.messages().map((m) => m.chatId)).toContain('111');
	});
});
