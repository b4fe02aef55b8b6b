/**
 * The bot layer against the fake Bot API, over HTTP with the real grammY client.
 */
import { gzipSync } from 'node:zlib';
import { createBotClient, MemoryStickerCache, BotApiError, BotInputError, type BotClient } from '../../../src/bot';
import { startFakeBotApi, type FakeBotApi } from '../../../src/sandbox/botapi';

const TOKEN = '123456789:AAF-sandbox-secret-token_xyz';
const CHANNEL = '-1001234567890';
const USER = '5550001';
const GIFT = { id: '5170145012310081615', stars: 2500, title: 'Plush Pepe', availabilityTotal: 10000, availabilityRemains: 42 };
const TGS = gzipSync(Buffer.from(JSON.stringify({ v: '5.5.2', fr: 60, ip: 0, op: 60, w: 512, h: 512, layers: [{ ty: 4 }] })));

let server: FakeBotApi;
let clients: BotClient[] = [];
const logLines: string[] = [];

function client(options: { token?: string; maxRetryWaitMs?: number; apiRoot?: string } = {}): BotClient {
	const c = createBotClient({ token: options.token ?? TOKEN, apiRoot: options.apiRoot ?? server.apiRoot, maxRetryWaitMs: options.maxRetryWaitMs });
	clients.push(c);
	return c;
}

beforeEach(async () => {
	logLines.length = 0;
	server = await startFakeBotApi({ token: TOKEN, log: (line) => logLines.push(line) });
});

afterEach(async () => {
	for (const c of clients) c.close();
	clients = [];
	await server.stop();
});

describe('getMe and the token', () => {
	test('getMe answers the bot identity', async () => {
		const bot = client();
		expect(bot.botId).toBe('123456789');
		const me = await bot.getMe();
		expect(me).toEqual({ id: '123456789', username: 'sandbox_gifts_bot', firstName: 'Sandbox Gifts Bot' });
		expect(server.apiRoot).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect(server.calls()).toMatchObject([{ method: 'getMe', status: 200, ok: true }]);
	});

	test('a wrong token is a clear 401 error that never contains either token', async () => {
		const wrong = '987654321:WRONG-secret';
		const error = await client({ token: wrong }).getMe().then(
			() => null,
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(BotApiError);
		const e = error as BotApiError;
		expect(e.reason).toBe('unauthorized');
		expect(e.retryable).toBe(false);
		expect(e.message).toMatch(/401 Unauthorized/);
		for (const text of [e.message, String(e.stack), JSON.stringify(e), JSON.stringify(server.calls())]) {
			expect(text).not.toContain(wrong);
			expect(text).not.toContain(TOKEN);
		}
		expect(server.calls()).toMatchObject([{ method: 'getMe', status: 401, ok: false, description: 'Unauthorized' }]);
	});

	test('an unreachable Bot API is a network error without the token', async () => {
		const gone = await startFakeBotApi({ token: TOKEN });
		const apiRoot = gone.apiRoot;
		await gone.stop();
		const error = (await client({ apiRoot }).getMe().catch((e: unknown) => e)) as BotApiError;
		expect(error).toBeInstanceOf(BotApiError);
		expect(error.reason).toBe('network');
		expect(error.retryable).toBe(true);
		expect(error.message).toMatch(/ECONNREFUSED/);
		expect(`${error.message} ${String(error.stack)} ${JSON.stringify(error)}`).not.toContain(TOKEN);
	});

	test('a rejected token stops after the first chat instead of knocking on every chat', async () => {
		const results = await client({ token: '1:nope' }).sendText({ chatIds: [USER, CHANNEL], text: 'hi' });
		expect(results.map((r) => r.reason)).toEqual(['unauthorized', 'unauthorized']);
		expect(server.calls()).toHaveLength(1);
	});
});

describe('announceGift', () => {
	test('uploads the sticker once, then reuses its file_id (also in a later announce)', async () => {
		const cache = new MemoryStickerCache();
		const bot = client();
		const first = await bot.announceGift({
			chatIds: [CHANNEL, USER],
			gift: GIFT,
			sticker: { bytes: TGS, mime: 'application/x-tgsticker' },
			stickerCache: cache,
		});
		expect(first.map((r) => [r.chatId, r.ok, r.messageIds])).toEqual([
			[CHANNEL, true, [1, 2]],
			[USER, true, [1, 2]],
		]);
		const fileId = cache.get(GIFT.id);
		expect(fileId).toMatch(/^CAAC/);

		const stickerCalls = () => server.calls().filter((c) => c.method === 'sendSticker');
		expect(stickerCalls().map((c) => c.upload)).toEqual([true, false]);
		expect(stickerCalls()[0].params.sticker).toEqual({
			upload: { filename: `gift-${GIFT.id}.tgs`, contentType: 'application/octet-stream', size: TGS.length },
		});
		expect(stickerCalls()[1].params.sticker).toBe(fileId);

		await bot.announceGift({ chatIds: [CHANNEL], gift: GIFT, sticker: { bytes: TGS, mime: 'application/x-tgsticker' }, stickerCache: cache });
		expect(stickerCalls().map((c) => c.upload)).toEqual([true, false, false]);
		expect(JSON.stringify(server.calls())).not.toContain(TOKEN);

		const messages = server.messages();
		expect(messages.map((m) => [m.method, m.chatId, m.hasSticker])).toEqual([
			['sendSticker', CHANNEL, true],
			['sendMessage', CHANNEL, false],
			['sendSticker', USER, true],
			['sendMessage', USER, false],
			['sendSticker', CHANNEL, true],
			['sendMessage', CHANNEL, false],
		]);
		expect(messages[1].text).toBe(`🎁 New gift: Plush Pepe\nPrice: 2500 ⭐\nSupply: 10000\nLeft: 42\nID: ${GIFT.id}`);
	});

	test('caption template and Russian defaults go out as written', async () => {
		const bot = client();
		await bot.announceGift({ chatIds: [USER], gift: GIFT, captionTemplate: '{title}: {remains}/{supply} for {price}⭐ (#{id})' });
		await bot.announceGift({ chatIds: [USER], gift: { id: '7', stars: 15 }, lang: 'ru' });
		expect(server.messages().map((m) => m.text)).toEqual([
			`Plush Pepe: 42/10000 for 2500⭐ (#${GIFT.id})`,
			'🎁 Новый подарок: Подарок 7\nЦена: 15 ⭐\nТираж: без ограничений\nОсталось: без ограничений\nID: 7',
		]);
	});

	test('an unknown placeholder is refused before anything is sent', async () => {
		await expect(client().announceGift({ chatIds: [USER], gift: GIFT, captionTemplate: 'Hi {name}' })).rejects.toThrow(
			new BotInputError('captionTemplate', 'unknown placeholder {name}; use {title} {price} {supply} {remains} {id}'),
		);
		expect(server.calls()).toHaveLength(0);
	});

	test('octet-stream sticker bytes are recognised; a failing cache write does not fail the chat', async () => {
		const brokenCache = {
			get: async () => null,
			put: () => {
				throw new Error('disk full');
			},
		};
		const [result] = await client().announceGift({
			chatIds: [USER],
			gift: GIFT,
			sticker: { bytes: TGS, mime: 'application/octet-stream' },
			stickerCache: brokenCache,
		});
		expect(result).toMatchObject({ ok: true, messageIds: [1, 2] });
		expect(server.calls()[0].params.sticker).toMatchObject({ upload: { filename: `gift-${GIFT.id}.tgs` } });
		await expect(
			client().announceGift({ chatIds: [USER], gift: GIFT, sticker: { bytes: Buffer.from('plain text'), mime: 'text/plain' } }),
		).rejects.toThrow(/^sticker\.mime: "text\/plain" is not a sticker type/);
		expect(server.calls()).toHaveLength(2);
	});

	test('a cached file_id the Bot API does not know is replaced by a fresh upload', async () => {
		const cache = new MemoryStickerCache();
		cache.put(GIFT.id, 'CAAC-from-another-bot');
		const [result] = await client().announceGift({
			chatIds: [USER],
			gift: GIFT,
			sticker: { bytes: TGS, mime: 'application/x-tgsticker' },
			stickerCache: cache,
		});
		expect(result).toMatchObject({ ok: true, messageIds: [1, 2] });
		const stickerCalls = server.calls().filter((c) => c.method === 'sendSticker');
		expect(stickerCalls.map((c) => [c.status, c.upload])).toEqual([
			[400, false],
			[200, true],
		]);
		expect(cache.get(GIFT.id)).not.toBe('CAAC-from-another-bot');
	});
});

describe('sendText', () => {
	test('splits text longer than 4096 characters on line boundaries', async () => {
		const lines = Array.from({ length: 300 }, (_, i) => `line ${i}: ${'x'.repeat(30)}`);
		const text = lines.join('\n');
		expect(text.length).toBeGreaterThan(2 * 4096);
		const [result] = await client().sendText({ chatIds: [CHANNEL], text });
		expect(result.ok).toBe(true);
		const sent = server.messages().map((m) => m.text as string);
		expect(sent).toHaveLength(3);
		expect(result.messageIds).toEqual([1, 2, 3]);
		for (const part of sent) expect(part.length).toBeLessThanOrEqual(4096);
		expect(sent.join('\n')).toBe(text);
	});

	test('a bad chat id fails alone; the others are sent', async () => {
		const results = await client().sendText({ chatIds: ['@x', USER, 'not-an-id', USER], text: 'hello' });
		expect(results.map((r) => [r.chatId, r.ok, r.reason])).toEqual([
			['@x', false, 'invalid_chat_id'],
			[USER, true, undefined],
			['not-an-id', false, 'invalid_chat_id'],
		]);
		expect(results[2].error).toMatch(/chatIds\[2\]/);
		expect(server.messages()).toHaveLength(1);
	});
});

describe('429 and 403', () => {
	test('429 retry_after is waited out, then the message goes through', async () => {
		server.inject({ kind: '429', method: 'sendMessage', chatId: USER, retryAfter: 1 });
		const started = Date.now();
		const [result] = await client().sendText({ chatIds: [USER], text: 'after the flood' });
		const elapsed = Date.now() - started;
		expect(result).toMatchObject({ ok: true, messageIds: [1] });
		const calls = server.calls();
		expect(calls.map((c) => c.status)).toEqual([429, 200]);
		const gap = calls[1].atMs - calls[0].atMs;
		expect(gap).toBeGreaterThanOrEqual(1000);
		expect(gap).toBeLessThan(1400);
		expect(elapsed).toBeLessThan(1600);
	});

	test('a retry_after beyond the wait budget fails at once, retryable, with a clear error', async () => {
		server.inject({ kind: '429', retryAfter: 5 });
		const started = Date.now();
		const [result] = await client({ maxRetryWaitMs: 2000 }).sendText({ chatIds: [USER], text: 'x' });
		expect(Date.now() - started).toBeLessThan(500);
		expect(result).toMatchObject({ ok: false, reason: 'rate_limited', retryable: true, messageIds: [] });
		expect(result.error).toMatch(/wait 5 s.*beyond the 2 s wait budget/);
	});

	test('403 on one chat fails that chat with its reason; the other chats are sent', async () => {
		const other = '5550002';
		server.inject({ kind: '403', chatId: CHANNEL });
		server.inject({ kind: '403', chatId: USER, method: 'sendSticker' });
		server.inject({ kind: '403', chatId: '-100999', description: 'Forbidden: user is deactivated' });
		const results = await client().announceGift({
			chatIds: [CHANNEL, USER, '-100999', other],
			gift: GIFT,
			sticker: { bytes: TGS, mime: 'application/x-tgsticker' },
		});
		expect(results.map((r) => [r.chatId, r.ok, r.reason, r.retryable])).toEqual([
			[CHANNEL, false, 'not_member', false],
			[USER, false, 'bot_blocked', false],
			['-100999', false, 'forbidden', false],
			[other, true, undefined, false],
		]);
		expect(results[0].error).toBe('sendSticker: Forbidden: bot is not a member of the channel chat (403)');
		expect(results[1].error).toBe('sendSticker: Forbidden: bot was blocked by the user (403)');
		expect(server.messages().map((m) => m.chatId)).toEqual([other, other]);
	});

	test('a token revoked for a while (injected 401) fails every chat as unauthorized without knocking again, then works again', async () => {
		server.inject({ kind: '401', times: 1 });
		const first = await client().sendText({ chatIds: [CHANNEL, USER], text: 'report' });
		expect(first.map((r) => [r.ok, r.reason, r.retryable])).toEqual([
			[false, 'unauthorized', false],
			[false, 'unauthorized', false],
		]);
		const again = await client().sendText({ chatIds: [CHANNEL], text: 'report' });
		expect(again.map((r) => [r.ok, r.error])).toEqual([[true, undefined]]);
	});
});

describe('the fake Bot API itself', () => {
	test('multipart from another client: direct file part, file_id reuse, wrong kind, unknown method', async () => {
		const base = `${server.apiRoot}/bot${TOKEN}`;
		const form = new FormData();
		form.set('chat_id', CHANNEL);
		form.set('caption', 'the sticker file');
		form.set('document', new Blob([TGS]), 'pepe.tgs');
		const uploaded = (await (await fetch(`${base}/sendDocument`, { method: 'POST', body: form })).json()) as {
			ok: boolean;
			result: { document: { file_id: string; mime_type: string; file_name: string }; chat: { id: number; type: string } };
		};
		expect(uploaded.ok).toBe(true);
		expect(uploaded.result.document).toMatchObject({ mime_type: 'application/x-tgsticker', file_name: 'pepe.tgs' });
		expect(uploaded.result.chat).toEqual({ id: -1001234567890, type: 'channel', title: `Channel ${CHANNEL}` });

		const reuse = await fetch(`${base}/sendDocument?chat_id=${USER}&document=${uploaded.result.document.file_id}`);
		expect(((await reuse.json()) as { ok: boolean }).ok).toBe(true);

		const wrongKind = await fetch(`${base}/sendSticker`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ chat_id: USER, sticker: uploaded.result.document.file_id }),
		});
		expect(wrongKind.status).toBe(400);
		expect(await wrongKind.json()).toEqual({ ok: false, error_code: 400, description: "Bad Request: can't use file of type Document as Sticker" });

		const unknown = await fetch(`${base}/sendDice`, { method: 'POST' });
		expect(unknown.status).toBe(404);
		expect(logLines).toEqual(['[fake-bot-api] unknown method "sendDice" answered 404']);

		expect(server.calls().map((c) => [c.method, c.status, c.upload])).toEqual([
			['sendDocument', 200, true],
			['sendDocument', 200, false],
			['sendSticker', 400, false],
			['sendDice', 404, false],
		]);
		expect(server.messages().map((m) => m.text)).toEqual(['the sticker file', null]);
	});

	test('a body over 20 MB is refused with 413', async () => {
		const res = await fetch(`${server.apiRoot}/bot${TOKEN}/sendDocument`, {
			method: 'POST',
			headers: { 'content-type': 'multipart/form-data; boundary=x' },
			body: Buffer.alloc(21 * 1024 * 1024),
		});
		expect(res.status).toBe(413);
		expect(await res.json()).toEqual({ ok: false, error_code: 413, description: 'Request Entity Too Large' });
		expect(server.calls()).toMatchObject([{ method: 'sendDocument', status: 413, ok: false, params: {} }]);
	});

	test('records use the injected clock (the sandbox timeline)', async () => {
		let now = 5000;
		const timed = await startFakeBotApi({ token: TOKEN, clock: () => now });
		const bot = client({ apiRoot: timed.apiRoot });
		await bot.sendText({ chatIds: [USER], text: 'first' });
		now = 7250;
		await bot.sendText({ chatIds: [USER], text: 'second' });
		bot.close();
		await timed.stop();
		expect(timed.messages()).toEqual([
			{ atMs: 5000, method: 'sendMessage', chatId: USER, text: 'first', hasSticker: false },
			{ atMs: 7250, method: 'sendMessage', chatId: USER, text: 'second', hasSticker: false },
		]);
	});

	test('a sticker upload that is not a sticker is refused', async () => {
		const error = await client()
			.announceGift({ chatIds: [USER], gift: GIFT, sticker: { bytes: gzipSync('not lottie'), mime: 'application/x-tgsticker' } })
			.then((r) => r[0]);
		expect(error).toMatchObject({ ok: false, reason: 'bad_request', error: 'sendSticker: Bad Request: invalid sticker file (400)' });
	});
});
