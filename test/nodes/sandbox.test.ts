/**
 * The nodes against the sandbox (real MTProto over loopback, real teleproto client) and the fake
 * Bot API (real grammY), run by n8n-core's own engine.
 */
import { TestEngine, chain, errorOf, outputOf, packageNode } from './harness/engine';
import { silentLogger, startSandbox, type Sandbox } from '../../src/sandbox';
import { getSharedPool } from '../../src/telegram';

const ALICE = '1000001';
const BOB = '1000002';
const CHANNEL = '-1001234567890';

function scenario(gifts: unknown[]) {
	return {
		seed: 11,
		accounts: [
			{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: true },
			{ id: BOB, label: 'Bob', username: 'bob', balance: 300, premium: false },
		],
		channels: [{ id: CHANNEL, title: 'Gifts', username: 'giftschan', acceptsGifts: true, members: [ALICE, BOB] }],
		gifts,
		bot: {},
	};
}

/** Plan (live balances, up to 2 copies per gift to the channel) → Buy from the plan. */
function planAndBuyNodes() {
	const plan = packageNode(
		'Plan',
		'telegramGiftPlan',
		{
			recipientsSource: 'list',
			recipients: { recipient: [{ peer: CHANNEL, priceMin: 0, priceMax: 0, supplyMin: 0, supplyMax: 0, maxPerGift: 2 }] },
			accountsSource: 'credential',
		},
		['telegramGiftsAccountApi'],
	);
	const buy = packageNode('Buy', 'telegramGift', { resource: 'gift', operation: 'buy', buySource: 'plan' }, ['telegramGiftsAccountApi']);
	return { plan, buy };
}

describe('nodes against the sandbox through n8n-core', () => {
	const engine = new TestEngine();
	let sandbox: Sandbox;

	const useSandboxCredentials = () => engine.credentials.useSandbox(sandbox.credentials);

	beforeEach(async () => {
		sandbox = await startSandbox(
			scenario([
				{ id: '7001', stars: 100, limited: true, total: 50, releaseAtMs: 0 },
				{ id: '7002', stars: 25, limited: false, releaseAtMs: 0 },
				{ id: '7003', stars: 200, limited: true, total: 10, releaseAtMs: 1500 },
			]),
			{ logger: silentLogger() },
		);
		useSandboxCredentials();
	});
	afterEach(async () => {
		await getSharedPool().destroy();
		await sandbox.stop();
	});
	afterAll(() => engine.shutdown());

	it('credential tests answer with the account labels, or name the failing one without secrets', async () => {
		const account = engine.credentials.get('telegramGiftsAccountApi');
		const bot = engine.credentials.get('telegramGiftsBotApi');
		expect(await engine.credentials.test('telegramGiftsAccountApi', account)).toEqual({ status: 'OK', message: 'OK: 2 accounts (alice, bob)' });
		expect(await engine.credentials.test('telegramGiftsBotApi', bot)).toMatchObject({ status: 'OK' });

		await getSharedPool().destroy();
		sandbox.injectFault({ method: 'users.getUsers', kind: 'error', error: 'AUTH_KEY_UNREGISTERED', afterCalls: 1, times: 1 });
		const failed = await engine.credentials.test('telegramGiftsAccountApi', account);
		expect(failed.status).toBe('Error');
		expect(failed.message).toMatch(/alice|bob/);
		for (const a of sandbox.credentials.accounts) expect(failed.message).not.toContain(a.session);
		expect(failed.message).not.toContain(sandbox.credentials.apiHash);

		const badBot = await engine.credentials.test('telegramGiftsBotApi', { ...bot, token: '42:wrong-token-value' });
		expect(badBot.status).toBe('Error');
		expect(badBot.message).toContain('401');
		expect(badBot.message).not.toContain('wrong-token-value');

		const malformed = await engine.credentials.test('telegramGiftsAccountApi', { ...account, accounts: { account: [{ label: 'alice', session: 'not a session' }] } });
		expect(malformed).toEqual({ status: 'Error', message: expect.stringMatching(/Accounts.*account "alice": this is not a session string/) });
	});

	it('the trigger stays quiet on an unchanged catalog and emits a drop as one execution', async () => {
		const trigger = packageNode(
			'Gift Trigger',
			'telegramGiftTrigger',
			{ pollIntervalMs: 100, limitedOnly: true, events: ['newGift'], options: { sessionFloorMs: 50 } },
			['telegramGiftsAccountApi'],
		);
		const active = await engine.activate({ nodes: [trigger] });
		try {
			const before = sandbox.record().calls['payments.getStarGifts'] ?? 0;
			await new Promise((resolve) => setTimeout(resolve, 600));
			expect(active.executions).toHaveLength(0);
			expect((sandbox.record().calls['payments.getStarGifts'] ?? 0) - before).toBeGreaterThanOrEqual(3);
			const run = await active.next(5000);
			const [items] = outputOf(run, 'Gift Trigger');
			expect(items).toEqual([expect.objectContaining({ event: 'newGift', id: '7003', stars: 200, limited: true, availabilityTotal: 10 })]);
			await new Promise((resolve) => setTimeout(resolve, 400));
			expect(active.executions).toHaveLength(1);
		} finally {
			await active.deactivate();
		}
	});

	it('manual test mode emits the newest gifts at once', async () => {
		const trigger = packageNode('Gift Trigger', 'telegramGiftTrigger', { options: { testGiftCount: 5 } }, ['telegramGiftsAccountApi']);
		const run = await engine.run({ nodes: [trigger] }, { mode: 'manual' });
		expect(errorOf(run)).toBeUndefined();
		const [items] = outputOf(run, 'Gift Trigger');
		expect(items!.map((i) => i.id)).toEqual(['7001']);
	});

	it('rejects a poll interval below the minimum naming the field', async () => {
		const trigger = packageNode('Gift Trigger', 'telegramGiftTrigger', { pollIntervalMs: 20 }, ['telegramGiftsAccountApi']);
		await expect(engine.activate({ nodes: [trigger] })).rejects.toThrow(/Poll Interval \(ms\)/);
	});

	it('plan → buy → report buys what the sandbox records and reports it to the account chats', async () => {
		const { plan, buy } = planAndBuyNodes();
		const report = packageNode('Report', 'telegramGiftNotify', { operation: 'sendReport', chatIds: '', accountChats: true, language: 'en' }, [
			'telegramGiftsBotApi',
		]);
		const run = await engine.run(
			{ nodes: [plan, buy, report], connections: chain(['Plan', 'Buy'], ['Buy', 'Report']) },
			{
				input: [
					{ json: { id: '7001', stars: 100, limited: true, soldOut: false, availabilityTotal: 50, availabilityRemains: 50 } },
					{ json: { id: '7002', stars: 25, limited: false, soldOut: false, availabilityTotal: null, availabilityRemains: null } },
				],
			},
		);
		expect(errorOf(run)).toBeUndefined();
		const [results] = outputOf(run, 'Buy');
		expect(results).toEqual([expect.objectContaining({ status: 'bought', giftId: '7001', accountId: ALICE, recipient: CHANNEL, quantityBought: 2, supply: 50 })]);
		const record = sandbox.record();
		expect(record.purchases.filter((p) => p.ok)).toEqual([
			expect.objectContaining({ accountId: ALICE, giftId: '7001', peer: CHANNEL, stars: 100 }),
			expect.objectContaining({ accountId: ALICE, giftId: '7001', peer: CHANNEL, stars: 100 }),
		]);
		expect(record.balances[ALICE]).toBe(800);
		const [reportItems] = outputOf(run, 'Report');
		const totals = reportItems![0]!.totals as { copies: { bought: number }; stars: { spent: number } };
		expect(totals.copies.bought).toBe(2);
		expect(totals.stars.spent).toBe(200);
		// Fed only Buy results, the report still knows the gift's supply (the results carry it).
		expect(String(reportItems![0]!.text)).toContain('supply=50');
		const messages = await sandbox.waitFor((r) => r.botMessages.length >= 1, 3000);
		expect(messages.botMessages.map((m) => m.chatId)).toEqual([ALICE]);
		expect(messages.botMessages[0]!.text).toContain('200');

		// The same plan again buys nothing: the ledger knows these purchases.
		const again = await engine.run({ nodes: [plan, buy], connections: chain(['Plan', 'Buy']) }, { input: [{ json: { id: '7001', stars: 100, limited: true, soldOut: false, availabilityTotal: 50, availabilityRemains: 48 } }] });
		const [second] = outputOf(again, 'Buy');
		expect(second).toEqual([expect.objectContaining({ status: 'skipped', reason: 'already_bought' })]);
		expect(sandbox.record().purchases.filter((p) => p.ok)).toHaveLength(2);
	});

	it('one revoked session does not stop the others: catalog fails over, plan skips it, report reaches the rest', async () => {
		sandbox.injectFault({ method: '*', kind: 'error', error: 'AUTH_KEY_UNREGISTERED', accountId: ALICE, times: 1_000_000 });
		const catalog = packageNode('Catalog', 'telegramGift', { resource: 'gift', operation: 'getCatalog', limitedOnly: true }, ['telegramGiftsAccountApi']);
		const { plan, buy } = planAndBuyNodes();
		const report = packageNode('Report', 'telegramGiftNotify', { operation: 'sendReport', chatIds: '', accountChats: true, language: 'en' }, [
			'telegramGiftsBotApi',
			'telegramGiftsAccountApi',
		]);
		const run = await engine.run({ nodes: [catalog, plan, buy, report], connections: chain(['Catalog', 'Plan'], ['Plan', 'Buy'], ['Buy', 'Report']) });
		expect(errorOf(run)).toBeUndefined();
		expect(outputOf(run, 'Catalog')[0]!.map((g) => g.id)).toEqual(['7001']);
		const [, skipped] = outputOf(run, 'Plan');
		expect(skipped).toEqual([expect.objectContaining({ reason: 'account_unavailable', accountLabel: 'alice' })]);
		expect(JSON.stringify(skipped)).not.toContain(sandbox.credentials.accounts[0]!.session);
		expect(outputOf(run, 'Buy')[0]).toEqual([expect.objectContaining({ status: 'bought', accountId: BOB, quantityBought: 2 })]);
		expect(sandbox.record().purchases.filter((p) => p.ok).map((p) => p.accountId)).toEqual([BOB, BOB]);
		const messages = await sandbox.waitFor((r) => r.botMessages.length >= 1, 3000);
		expect(messages.botMessages.map((m) => m.chatId)).toEqual([BOB]);
	});

	it('Telegram Gift reads accounts, catalog and stickers; Notify announces with the sticker once uploaded', async () => {
		const info = packageNode('Info', 'telegramGift', { resource: 'account', operation: 'getInfo' }, ['telegramGiftsAccountApi']);
		const infoRun = await engine.run({ nodes: [info] });
		expect(errorOf(infoRun)).toBeUndefined();
		expect(outputOf(infoRun, 'Info')[0]).toEqual([
			expect.objectContaining({ label: 'alice', id: ALICE, username: 'alice', premium: true, balance: 1000 }),
			expect.objectContaining({ label: 'bob', id: BOB, premium: false, balance: 300 }),
		]);

		const catalog = packageNode('Catalog', 'telegramGift', { resource: 'gift', operation: 'getCatalog', limitedOnly: true }, ['telegramGiftsAccountApi']);
		const announce = packageNode(
			'Announce',
			'telegramGiftNotify',
			{ operation: 'announceGift', chatIds: '555', captionTemplate: '{title}: {price} stars, {remains}/{supply}', binaryPropertyName: 'sticker' },
			['telegramGiftsBotApi', 'telegramGiftsAccountApi'],
		);
		const run = await engine.run({ nodes: [catalog, announce], connections: chain(['Catalog', 'Announce']) });
		expect(errorOf(run)).toBeUndefined();
		expect(outputOf(run, 'Catalog')[0]!.map((g) => g.id)).toEqual(['7001']);
		expect(outputOf(run, 'Announce')[0]).toEqual([expect.objectContaining({ giftId: '7001', delivered: 1, failed: 0 })]);
		const first = await sandbox.waitFor((r) => r.botMessages.length >= 2, 3000);
		expect(first.botMessages.map((m) => [m.chatId, m.hasSticker, m.text])).toEqual([
			['555', true, null],
			['555', false, 'Gift 7001: 100 stars, 50/50'],
		]);
		// Second announcement: the sticker goes by the cached file_id, no new upload.
		await engine.run({ nodes: [catalog, announce], connections: chain(['Catalog', 'Announce']) });
		const uploads = sandbox.botApi!.calls().filter((c) => c.method === 'sendSticker').map((c) => c.upload);
		expect(uploads).toEqual([true, false]);

		const bad = packageNode('Announce', 'telegramGiftNotify', { operation: 'announceGift', chatIds: '555', captionTemplate: '{nope}' }, ['telegramGiftsBotApi']);
		const badRun = await engine.run({ nodes: [catalog, bad], connections: chain(['Catalog', 'Announce']) });
		expect(errorOf(badRun)?.message).toMatch(/^Caption Template \(item 0\): unknown placeholder \{nope\}/);
	});

	it('Check Can Receive names a channel the account does not know and says what to do; one it is a member of is checked', async () => {
		const check = (recipient: string) =>
			packageNode('Check', 'telegramGift', { resource: 'recipient', operation: 'checkCanReceive', recipient, account: 'alice' }, ['telegramGiftsAccountApi']);
		const known = await engine.run({ nodes: [check(CHANNEL)] });
		expect(outputOf(known, 'Check')[0]).toEqual([{ recipient: CHANNEL, canReceive: true, reason: null, detail: null }]);
		const unknown = await engine.run({ nodes: [check('-1009999999999')] });
		expect(outputOf(unknown, 'Check')[0]).toEqual([
			{
				recipient: '-1009999999999',
				canReceive: false,
				reason: 'peer_invalid',
				detail: expect.stringMatching(/^alice: recipient "-1009999999999" is not a channel this account knows: .*member of that channel.*Join the channel with this account, or give it as @username/),
			},
		]);
	});
});
