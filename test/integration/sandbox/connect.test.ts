import { Api } from '../../../src/telegram/gramjs';
import { ALICE, harness, type Harness } from './helpers';

describe('sandbox: connect over MTProto with an unmodified teleproto client', () => {
	let h: Harness;
	beforeEach(async () => {
		h = await harness();
	});
	afterEach(async () => {
		await h.close();
	});

	test('connects with the issued session and sees itself', async () => {
		const client = await h.connect(0);
		const me = await client.getMe();
		expect(String(me.id)).toBe(ALICE);
		expect(me.username).toBe('alice');
		const record = h.sandbox.record();
		expect(record.calls['help.getConfig']).toBe(1);
		expect(record.connections.byAccount[ALICE]).toBe(1);
		const status = await client.invoke(new Api.payments.GetStarsStatus({ peer: new Api.InputPeerSelf() }));
		expect(Number(status.balance.amount)).toBe(1000);
	});
});

describe('sandbox with a bot', () => {
	test('starts the fake Bot API and merges its messages into the record', async () => {
		const { startSandbox, silentLogger } = await import('../../../src/sandbox');
		const { baseScenario } = await import('./helpers');
		const sandbox = await startSandbox(baseScenario({ bot: {} }), { logger: silentLogger() });
		try {
			const bot = sandbox.credentials.bot!;
			expect(bot.token).toMatch(/^[0-9]+:[A-Za-z0-9_-]+$/);
			const response = await fetch(`${bot.apiRoot}/bot${bot.token}/sendMessage`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', connection: 'close' },
				body: JSON.stringify({ chat_id: ALICE, text: 'bought' }),
			});
			expect(response.status).toBe(200);
			await response.arrayBuffer();
			const record = await sandbox.waitFor((r) => r.botMessages.length === 1, 2000);
			expect(record.botMessages[0]).toMatchObject({ method: 'sendMessage', chatId: ALICE, text: 'bought', hasSticker: false });
		} finally {
			await sandbox.stop();
		}
	});
});
