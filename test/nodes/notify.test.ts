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
