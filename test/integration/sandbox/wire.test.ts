/**
 * The sandbox over the wire: a real teleproto client (created like the product creates it) talks
 * MTProto to the sandbox on loopback. Each test proves one behaviour users and the account layer rely on.
 */
import { gunzipSync } from 'node:zlib';
import { Api, errors, type TelegramClient } from '../../../src/telegram/gramjs';
import { ALICE, BOB, CHANNEL, CLOSED_CHANNEL, baseScenario, channelPeer, harness, big, inputChannel, rpcError, type Harness } from './helpers';

const invoiceFor = (giftId: string, peer: Api.TypeInputPeer): Api.InputInvoiceStarGift =>
	new Api.InputInvoiceStarGift({ peer, giftId: big(giftId) });


async function buy(client: TelegramClient, giftId: string, peer: Api.TypeInputPeer): Promise<Api.payments.PaymentResult> {
	const invoice = invoiceFor(giftId, peer);
	const form = await client.invoke(new Api.payments.GetPaymentForm({ invoice }));
	if (!(form instanceof Api.payments.PaymentFormStarGift)) throw new Error('expected a star gift form');
	const result = await client.invoke(new Api.payments.SendStarsForm({ formId: form.formId, invoice }));
	if (!(result instanceof Api.payments.PaymentResult)) throw new Error('expected a payment result');
	return result;
}

async function balance(client: TelegramClient): Promise<number> {
	const status = await client.invoke(new Api.payments.GetStarsStatus({ peer: new Api.InputPeerSelf() }));
	return Number(status.balance.amount);
}

async function catalog(client: TelegramClient, hash = 0): Promise<Api.payments.TypeStarGifts> {
	return await client.invoke(new Api.payments.GetStarGifts({ hash }));
}

function giftOf(gifts: Api.payments.TypeStarGifts, id: string): Api.StarGift | undefined {
	if (!(gifts instanceof Api.payments.StarGifts)) return undefined;
	return gifts.gifts.find((g): g is Api.StarGift => g instanceof Api.StarGift && String(g.id) === id);
}

describe('sandbox over MTProto', () => {
	let h: Harness;
	afterEach(async () => {
		await h.close();
	});

	test('catalog answers with a hash, then NotModified for that hash, and a new hash after a change', async () => {
		h = await harness();
		const client = await h.connect();
		const first = await catalog(client);
		expect(first).toBeInstanceOf(Api.payments.StarGifts);
		const starGifts = first as Api.payments.StarGifts;
		expect(starGifts.gifts.map((g) => String((g as Api.StarGift).id)).sort()).toEqual(['5001', '5002', '5003', '5004']);
		const limited = giftOf(first, '5001')!;
		expect(limited.limited).toBe(true);
		expect(limited.availabilityTotal).toBe(3);
		expect(limited.availabilityRemains).toBe(3);
		expect(giftOf(first, '5003')!.requirePremium).toBe(true);
		expect(giftOf(first, '5004')!.perUserRemains).toBe(1);
		expect(await catalog(client, starGifts.hash)).toBeInstanceOf(Api.payments.StarGiftsNotModified);
		await buy(client, '5001', new Api.InputPeerSelf());
		const after = await catalog(client, starGifts.hash);
		expect(after).toBeInstanceOf(Api.payments.StarGifts);
		expect(giftOf(after, '5001')!.availabilityRemains).toBe(2);
	});

	test('a scheduled drop appears at its release time, not before', async () => {
		h = await harness(baseScenario({ gifts: [{ id: '7001', stars: 10, limited: true, total: 5, releaseAtMs: 300 }] }));
		const client = await h.connect();
		const before = await catalog(client);
		expect(giftOf(before, '7001')).toBeUndefined();
		expect(h.sandbox.nowMs()).toBeLessThan(300);
		const record = await h.sandbox.waitFor((r) => r.releases.length === 1, 2000);
		expect(record.releases).toEqual([{ giftId: '7001', atMs: 300 }]);
		expect(h.sandbox.nowMs()).toBeGreaterThanOrEqual(300);
		expect(giftOf(await catalog(client), '7001')).toBeDefined();
	});

	test('buying charges the balance, decrements supply, records it, and pushes the new balance', async () => {
		h = await harness();
		const client = await h.connect();
		const pushed: number[] = [];
		client.addEventHandler((update: unknown) => {
			if (update instanceof Api.UpdateStarsBalance) pushed.push(Number((update.balance as Api.StarsAmount).amount));
		});
		const gifts = await channelPeer(client, CHANNEL);
		const result = await buy(client, '5001', gifts);
		const updates = result.updates as Api.Updates;
		const message = (updates.updates[0] as Api.UpdateNewChannelMessage).message as Api.MessageService;
		expect(message.action).toBeInstanceOf(Api.MessageActionStarGift);
		expect(String(((message.action as Api.MessageActionStarGift).gift as Api.StarGift).id)).toBe('5001');
		expect(await balance(client)).toBe(900);
		expect(giftOf(await catalog(client), '5001')!.availabilityRemains).toBe(2);
		const record = await h.sandbox.waitFor(() => pushed.length > 0, 2000);
		expect(pushed).toEqual([900]);
		expect(record.purchases).toEqual([
			{ atMs: expect.any(Number), accountId: ALICE, giftId: '5001', peer: `-100${CHANNEL}`, stars: 100, ok: true },
		]);
		expect(record.balances[ALICE]).toBe(900);
		const saved = await client.invoke(new Api.payments.GetSavedStarGifts({ peer: gifts, offset: '', limit: 10 }));
		expect(saved.count).toBe(1);
		expect(String((saved.gifts[0].fromId as Api.PeerUser).userId)).toBe(ALICE);
	});

	test('the last unit sells out; the next buyer gets STARGIFT_USAGE_LIMITED', async () => {
		h = await harness(baseScenario({ gifts: [{ id: '5001', stars: 10, limited: true, total: 1 }] }));
		const alice = await h.connect(0);
		const bob = await h.connect(1);
		await buy(alice, '5001', new Api.InputPeerSelf());
		expect(await rpcError(buy(bob, '5001', new Api.InputPeerSelf()))).toBe('STARGIFT_USAGE_LIMITED');
		const gift = giftOf(await catalog(bob), '5001')!;
		expect(gift.soldOut).toBe(true);
		expect(gift.availabilityRemains).toBe(0);
		const record = h.sandbox.record();
		expect(record.soldOut).toEqual([{ giftId: '5001', atMs: expect.any(Number) }]);
		expect(record.purchases.map((p) => [p.accountId, p.ok, p.error])).toEqual([
			[ALICE, true, undefined],
			[BOB, false, 'STARGIFT_USAGE_LIMITED'],
		]);
	});

	test('market refusals carry Telegram error names', async () => {
		h = await harness();
		const alice = await h.connect(0);
		const bob = await h.connect(1);
		expect(await rpcError(buy(bob, '5001', new Api.InputPeerSelf()))).toBe('BALANCE_TOO_LOW');
		expect(await rpcError(buy(alice, '5003', new Api.InputPeerSelf()))).toBe('STARGIFT_PREMIUM_NEEDED');
		await buy(alice, '5004', new Api.InputPeerSelf());
		expect(await rpcError(buy(alice, '5004', new Api.InputPeerSelf()))).toBe('STARGIFT_USER_USAGE_LIMITED');
		expect(await rpcError(buy(alice, '5002', await channelPeer(alice, CLOSED_CHANNEL)))).toBe('USER_DISALLOWED_STARGIFTS');
		expect(await rpcError(buy(alice, '5002', new Api.InputPeerChannel({ channelId: big('2999999'), accessHash: big(0) })))).toBe('PEER_ID_INVALID');
		expect(await rpcError(buy(alice, '9999', new Api.InputPeerSelf()))).toBe('STARGIFT_INVALID');
		const check = await alice.invoke(new Api.payments.CheckCanSendGift({ giftId: big('5004') }));
		expect(check).toBeInstanceOf(Api.payments.CheckCanSendGiftResultFail);
		expect(await alice.invoke(new Api.payments.CheckCanSendGift({ giftId: big('5002') }))).toBeInstanceOf(
			Api.payments.CheckCanSendGiftResultOk,
		);
		expect(await balance(bob)).toBe(50);
	});

	test('a form is refused on reuse, when stale after a price change, and after it expires', async () => {
		h = await harness(baseScenario({ formTtlMs: 200 }));
		const client = await h.connect();
		const invoice = invoiceFor('5002', new Api.InputPeerSelf());
		const form = (await client.invoke(new Api.payments.GetPaymentForm({ invoice }))) as Api.payments.PaymentFormStarGift;
		expect(Number((form.invoice as Api.Invoice).prices[0].amount)).toBe(25);
		await client.invoke(new Api.payments.SendStarsForm({ formId: form.formId, invoice }));
		expect(await rpcError(client.invoke(new Api.payments.SendStarsForm({ formId: form.formId, invoice })))).toBe('FORM_SUBMIT_DUPLICATE');

		const stale = (await client.invoke(new Api.payments.GetPaymentForm({ invoice }))) as Api.payments.PaymentFormStarGift;
		h.sandbox.market.setPrice('5002', 30);
		expect(await rpcError(client.invoke(new Api.payments.SendStarsForm({ formId: stale.formId, invoice })))).toBe(
			'STARS_FORM_AMOUNT_MISMATCH',
		);

		const old = (await client.invoke(new Api.payments.GetPaymentForm({ invoice }))) as Api.payments.PaymentFormStarGift;
		await new Promise((resolve) => setTimeout(resolve, 250));
		expect(await rpcError(client.invoke(new Api.payments.SendStarsForm({ formId: old.formId, invoice })))).toBe('FORM_EXPIRED');
		expect(await balance(client)).toBe(975);
	});

	test('a flood rule surfaces as FloodWaitError with its seconds', async () => {
		h = await harness(baseScenario({ floodRules: [{ method: 'payments.getStarGifts', maxCalls: 2, windowMs: 60000, waitSeconds: 7 }] }));
		const client = await h.connect();
		await catalog(client);
		await catalog(client);
		const error = await catalog(client).then(
			() => undefined,
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(errors.FloodWaitError);
		expect((error as errors.FloodWaitError).seconds).toBe(7);
		expect(await balance(client)).toBe(1000); // other methods are not limited
	});

	test('injected errors hit after N calls, the given number of times', async () => {
		h = await harness(baseScenario({ faults: [{ method: 'payments.getStarsStatus', error: 'INTERNAL_TEST_ERROR', afterCalls: 1, times: 1 }] }));
		const client = await h.connect();
		expect(await balance(client)).toBe(1000);
		expect(await rpcError(balance(client))).toBe('INTERNAL_TEST_ERROR');
		expect(await balance(client)).toBe(1000);
		h.sandbox.injectFault({ method: 'payments.getStarsStatus', error: 'AUTH_KEY_UNREGISTERED' });
		const error = await balance(client).then(
			() => undefined,
			(e: unknown) => e as errors.RPCError,
		);
		expect(error?.errorMessage).toBe('AUTH_KEY_UNREGISTERED');
		expect(error?.code).toBe(401);
		expect(h.sandbox.record().calls['payments.getStarsStatus']).toBe(4);
	});

	test('a request dropped with its connection is answered after the client reconnects', async () => {
		h = await harness();
		const client = await h.connect();
		h.sandbox.setLatency('payments.getStarsStatus', 200);
		const pending = balance(client);
		await h.sandbox.waitFor((r) => r.calls['payments.getStarsStatus'] === 1, 1000);
		expect(h.sandbox.dropConnections(ALICE)).toBe(1);
		h.sandbox.setLatency('payments.getStarsStatus', undefined);
		expect(await pending).toBe(1000);
		const record = h.sandbox.record();
		expect(record.connections.byAccount[ALICE]).toBe(2);
		expect(record.calls['payments.getStarsStatus']).toBeGreaterThanOrEqual(2);
	});

	test('dropAfterApply: the purchase happens, the client never hears; its resend is refused as a duplicate', async () => {
		h = await harness(baseScenario({ faults: [{ method: 'payments.sendStarsForm', kind: 'dropAfterApply' }] }));
		const client = await h.connect();
		expect(await rpcError(buy(client, '5001', new Api.InputPeerSelf()))).toBe('FORM_SUBMIT_DUPLICATE');
		const record = h.sandbox.record();
		expect(record.purchases.map((p) => [p.ok, p.error])).toEqual([
			[true, undefined],
			[false, 'FORM_SUBMIT_DUPLICATE'],
		]);
		expect(record.balances[ALICE]).toBe(900);
	});

	test('noReply: the request is never answered', async () => {
		h = await harness(baseScenario({ faults: [{ method: 'payments.getStarGifts', kind: 'noReply' }] }));
		const client = await h.connect();
		const outcome = await Promise.race([
			catalog(client).then(() => 'answered'),
			new Promise((resolve) => setTimeout(() => resolve('silent'), 300)),
		]);
		expect(outcome).toBe('silent');
		expect(h.sandbox.record().calls['payments.getStarGifts']).toBe(1);
		expect(await balance(client)).toBe(1000); // the connection itself still works
	});

	test('latency per method is honoured', async () => {
		h = await harness(baseScenario({ latencyMs: { default: 0, 'payments.getStarsStatus': 120 } }));
		const client = await h.connect();
		await balance(client);
		let t = performance.now();
		await catalog(client);
		const fast = performance.now() - t;
		t = performance.now();
		await balance(client);
		const slow = performance.now() - t;
		expect(slow).toBeGreaterThanOrEqual(119);
		expect(slow).toBeLessThan(120 + fast + 30);
	});

	test('competing demand depletes a drop and the sell-out time is recorded exactly', async () => {
		h = await harness(
			baseScenario({
				gifts: [{ id: '8001', stars: 10, limited: true, total: 20, releaseAtMs: 100 }],
				demand: [{ giftId: '8001', startMs: 0, perSecond: 100 }],
			}),
		);
		const record = await h.sandbox.waitFor((r) => r.soldOut.length === 1, 3000);
		// 20 units at 100/s starting at the release (100 ms) → sold out at 300 ms.
		expect(record.soldOut).toEqual([{ giftId: '8001', atMs: 300 }]);
		const client = await h.connect();
		expect(await rpcError(buy(client, '8001', new Api.InputPeerSelf()))).toBe('STARGIFT_USAGE_LIMITED');
	});

	test('peers, channels and the gift sticker document', async () => {
		h = await harness();
		const client = await h.connect();
		const resolved = await client.invoke(new Api.contacts.ResolveUsername({ username: 'giftschan' }));
		expect(String((resolved.peer as Api.PeerChannel).channelId)).toBe(CHANNEL);
		const gifts = inputChannel(await channelPeer(client, CHANNEL));
		const full = await client.invoke(new Api.channels.GetFullChannel({ channel: gifts }));
		expect((full.fullChat as Api.ChannelFull).stargiftsAvailable).toBe(true);
		const closed = await client.invoke(new Api.channels.GetFullChannel({ channel: inputChannel(await channelPeer(client, CLOSED_CHANNEL)) }));
		expect((closed.fullChat as Api.ChannelFull).stargiftsAvailable).toBeFalsy();
		const chats = await client.invoke(new Api.channels.GetChannels({ id: [gifts] }));
		expect((chats.chats[0] as Api.Channel).title).toBe('Gifts');
		const fullUser = await client.invoke(new Api.users.GetFullUser({ id: new Api.InputUserSelf() }));
		expect(String(fullUser.fullUser.id)).toBe(ALICE);
		const state = await client.invoke(new Api.updates.GetState());
		expect(state.pts).toBeGreaterThan(0);

		const doc = giftOf(await catalog(client), '5001')!.sticker as Api.Document;
		expect(doc.mimeType).toBe('application/x-tgsticker');
		const file = (await client.invoke(
			new Api.upload.GetFile({
				location: new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' }),
				offset: big(0),
				limit: 512 * 1024,
			}),
		)) as Api.upload.File;
		expect(file.bytes.length).toBe(Number(doc.size));
		const lottie = JSON.parse(gunzipSync(file.bytes).toString('utf8')) as { tgs: number; w: number; h: number; layers: unknown[] };
		expect([lottie.tgs, lottie.w, lottie.h]).toEqual([1, 512, 512]);
		expect(lottie.layers.length).toBeGreaterThan(0);
	});

	test('unknown methods answer METHOD_NOT_SUPPORTED_BY_SANDBOX and are logged loudly', async () => {
		const lines: string[] = [];
		const { startSandbox } = await import('../../../src/sandbox');
		const sandbox = await startSandbox(baseScenario(), {
			logger: { info: () => undefined, warn: (m) => lines.push(m), error: (m) => lines.push(m) },
		});
		h = { sandbox, clients: [], connect: async () => { throw new Error('unused'); }, close: async () => undefined };
		const { createTelegramClient, destroyClient } = await import('../../../src/telegram/connection');
		const { apiId, apiHash, server, accounts } = sandbox.credentials;
		const client = createTelegramClient({ apiId, apiHash, server, session: accounts[0].session });
		try {
			await client.connect();
			expect(await rpcError(client.invoke(new Api.messages.GetDialogFilters()))).toBe('METHOD_NOT_SUPPORTED_BY_SANDBOX');
			expect(lines.some((l) => l.includes('messages.getDialogFilters') && l.includes('UNSUPPORTED'))).toBe(true);
		} finally {
			await destroyClient(client);
			await sandbox.stop();
		}
	});
});
