/**
 * What another account sees of a recipient's gifts, the buyer's own Stars transactions, and the
 * payment answers that are not purchases — over the wire with a real teleproto client. Against the
 * old sandbox (every received gift listed for everyone, no transactions, no verification answer,
 * checkCanSendGift reasons as error codes) each test fails.
 */
import { Api, type TelegramClient } from '../../../src/telegram/gramjs';
import { ALICE, BOB, CHANNEL, baseScenario, harness, big, rpcError, type Harness } from './helpers';

const CAROL = '1000003';


/** The input peer of a user or channel, with this client's own hash (from its dialogs or a username). */
async function peerOf(client: TelegramClient, username: string): Promise<Api.InputPeerUser | Api.InputPeerChannel> {
	const resolved = await client.invoke(new Api.contacts.ResolveUsername({ username }));
	const user = resolved.users[0];
	if (user instanceof Api.User) return new Api.InputPeerUser({ userId: user.id, accessHash: user.accessHash! });
	const channel = resolved.chats[0] as Api.Channel;
	return new Api.InputPeerChannel({ channelId: channel.id, accessHash: channel.accessHash! });
}

async function pay(client: TelegramClient, giftId: string, peer: Api.TypeInputPeer): Promise<Api.payments.TypePaymentResult> {
	const invoice = new Api.InputInvoiceStarGift({ peer, giftId: big(giftId) });
	const form = (await client.invoke(new Api.payments.GetPaymentForm({ invoice }))) as Api.payments.PaymentFormStarGift;
	return client.invoke(new Api.payments.SendStarsForm({ formId: form.formId, invoice }));
}

async function savedIds(client: TelegramClient, peer: Api.TypeInputPeer, flags: { excludeUnsaved?: boolean; excludeSaved?: boolean } = {}): Promise<string[]> {
	const saved = await client.invoke(new Api.payments.GetSavedStarGifts({ peer, offset: '', limit: 100, ...flags }));
	expect(saved.count).toBe(saved.gifts.length);
	return saved.gifts.map((g) => `${String((g.gift as Api.StarGift).id)}${g.unsaved ? ':hidden' : ''}`);
}

const scenario = (extra: Record<string, unknown> = {}): Record<string, unknown> =>
	baseScenario({
		accounts: [
			{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: false },
			{ id: BOB, label: 'Bob', username: 'bob', balance: 50, premium: true, receivedGifts: 'hide' },
			{ id: CAROL, label: 'Carol', username: 'carol', balance: 500, premium: false, receivedGifts: 'convert' },
		],
		channels: [{ id: CHANNEL, title: 'Gifts', username: 'giftschan', members: [BOB], receivedGifts: 'hide' }],
		gifts: [
			{ id: '5001', stars: 100, limited: true, total: 10, convertStars: 85 },
			{ id: '5002', stars: 25, limited: false, convertStars: 20 },
			{ id: '5003', stars: 10, limited: true, total: 10, requirePremium: true },
			{ id: '5004', stars: 10, limited: true, total: 10, perUserTotal: 1 },
		],
		...extra,
	});

describe('what others see, Stars transactions, payment answers (sandbox over MTProto)', () => {
	let h: Harness;
	afterEach(async () => {
		await h?.close();
	});

	test('a stranger sees only gifts shown on the profile; the owner also sees hidden ones; a converted gift is gone for everyone', async () => {
		h = await harness(scenario());
		const alice = await h.connect(0);
		const bob = await h.connect(1);
		const carol = await h.connect(2);
		await pay(alice, '5001', await peerOf(alice, 'bob')); // Bob keeps gifts off his profile
		await pay(alice, '5002', await peerOf(alice, 'carol')); // Carol converts them at once
		expect(await savedIds(alice, await peerOf(alice, 'bob'))).toEqual([]);
		expect(await savedIds(bob, new Api.InputPeerSelf())).toEqual(['5001:hidden']);
		expect(await savedIds(bob, new Api.InputPeerSelf(), { excludeUnsaved: true })).toEqual([]);
		expect(await savedIds(alice, await peerOf(alice, 'carol'))).toEqual([]);
		expect(await savedIds(carol, new Api.InputPeerSelf())).toEqual([]);
		expect(h.sandbox.record().balances[CAROL]).toBe(520);

		// Bob shows it on his profile: strangers see it; hiding it again hides it.
		const own = await bob.invoke(new Api.payments.GetSavedStarGifts({ peer: new Api.InputPeerSelf(), offset: '', limit: 10 }));
		const msgId = own.gifts[0].msgId!;
		await bob.invoke(new Api.payments.SaveStarGift({ stargift: new Api.InputSavedStarGiftUser({ msgId }) }));
		expect(await savedIds(alice, await peerOf(alice, 'bob'))).toEqual(['5001']);
		await bob.invoke(new Api.payments.SaveStarGift({ unsave: true, stargift: new Api.InputSavedStarGiftUser({ msgId }) }));
		expect(await savedIds(alice, await peerOf(alice, 'bob'))).toEqual([]);
		// Converting it: gone for Bob too, and he gets its convert_stars.
		await bob.invoke(new Api.payments.ConvertStarGift({ stargift: new Api.InputSavedStarGiftUser({ msgId }) }));
		expect(await savedIds(bob, new Api.InputPeerSelf())).toEqual([]);
		expect(h.sandbox.record().balances[BOB]).toBe(50 + 85);
		expect(await rpcError(bob.invoke(new Api.payments.ConvertStarGift({ stargift: new Api.InputSavedStarGiftUser({ msgId }) })))).toBe('MESSAGE_ID_INVALID');
		expect(await rpcError(bob.invoke(new Api.payments.SaveStarGift({ stargift: new Api.InputSavedStarGiftUser({ msgId: 999 }) })))).toBe('MESSAGE_ID_INVALID');
	});

	test('channels: members (admins) see hidden gifts and manage them by saved_id; others see what is shown', async () => {
		h = await harness(scenario());
		const alice = await h.connect(0);
		const bob = await h.connect(1);
		await pay(alice, '5001', await peerOf(alice, 'giftschan'));
		expect(await savedIds(alice, await peerOf(alice, 'giftschan'))).toEqual([]);
		const bobsChannel = await peerOf(bob, 'giftschan');
		const admin = await bob.invoke(new Api.payments.GetSavedStarGifts({ peer: bobsChannel, offset: '', limit: 10 }));
		expect(admin.gifts.map((g) => [String((g.gift as Api.StarGift).id), g.unsaved, g.savedId !== undefined && g.savedId !== null])).toEqual([['5001', true, true]]);
		await bob.invoke(new Api.payments.SaveStarGift({ stargift: new Api.InputSavedStarGiftChat({ peer: bobsChannel, savedId: admin.gifts[0].savedId! }) }));
		expect(await savedIds(alice, await peerOf(alice, 'giftschan'))).toEqual(['5001']);
		// Alice is no admin of it: she cannot manage its gifts.
		expect(
			await rpcError(alice.invoke(new Api.payments.SaveStarGift({ stargift: new Api.InputSavedStarGiftChat({ peer: await peerOf(alice, 'giftschan'), savedId: admin.gifts[0].savedId! }) }))),
		).toBe('CHAT_ADMIN_REQUIRED');
	});

	test('payments.getStarsTransactions: the account’s own purchases with gift and recipient, newest first, paged; inbound/outbound/ascending', async () => {
		h = await harness(scenario());
		const alice = await h.connect(0);
		const bobPeer = await peerOf(alice, 'bob');
		const channelPeer = await peerOf(alice, 'giftschan');
		await pay(alice, '5001', bobPeer);
		await pay(alice, '5002', channelPeer);
		await pay(alice, '5004', new Api.InputPeerSelf());
		const all = await alice.invoke(new Api.payments.GetStarsTransactions({ peer: new Api.InputPeerSelf(), offset: '', limit: 10 }));
		expect(Number((all.balance as Api.StarsAmount).amount)).toBe(1000 - 100 - 25 - 10);
		const rows = (all.history ?? []).map((t) => [
			Number((t.amount as Api.StarsAmount).amount),
			t.peer instanceof Api.StarsTransactionPeer ? (t.peer.peer instanceof Api.PeerUser ? String(t.peer.peer.userId) : `-100${String((t.peer.peer as Api.PeerChannel).channelId)}`) : t.peer.className,
			t.stargift ? String((t.stargift as Api.StarGift).id) : null,
		]);
		expect(rows).toEqual([
			[-10, ALICE, '5004'],
			[-25, `-100${CHANNEL}`, '5002'],
			[-100, BOB, '5001'],
			[1000, 'StarsTransactionPeerFragment', null],
		]);
		expect(all.users.map((u) => String(u.id)).sort()).toEqual([ALICE, BOB].sort());
		expect(all.chats.map((c) => String(c.id))).toEqual([CHANNEL]);
		// Paging: two at a time, next_offset until the end.
		const first = await alice.invoke(new Api.payments.GetStarsTransactions({ peer: new Api.InputPeerSelf(), offset: '', limit: 2 }));
		expect(first.history).toHaveLength(2);
		const second = await alice.invoke(new Api.payments.GetStarsTransactions({ peer: new Api.InputPeerSelf(), offset: first.nextOffset!, limit: 2 }));
		expect(second.history).toHaveLength(2);
		expect(second.nextOffset ?? null).toBeNull();
		const outbound = await alice.invoke(new Api.payments.GetStarsTransactions({ outbound: true, ascending: true, peer: new Api.InputPeerSelf(), offset: '', limit: 10 }));
		expect((outbound.history ?? []).map((t) => Number((t.amount as Api.StarsAmount).amount))).toEqual([-100, -25, -10]);
		const inbound = await alice.invoke(new Api.payments.GetStarsTransactions({ inbound: true, peer: new Api.InputPeerSelf(), offset: '', limit: 10 }));
		expect((inbound.history ?? []).map((t) => Number((t.amount as Api.StarsAmount).amount))).toEqual([1000]);
		// Another account's history is not readable.
		expect(await rpcError(alice.invoke(new Api.payments.GetStarsTransactions({ peer: bobPeer, offset: '', limit: 10 })))).toBe('PEER_ID_INVALID');
		// A conversion is the recipient's inbound transaction, naming the gift and its sender.
		const carol = await h.connect(2);
		await pay(alice, '5002', await peerOf(alice, 'carol'));
		const carols = await carol.invoke(new Api.payments.GetStarsTransactions({ inbound: true, peer: new Api.InputPeerSelf(), offset: '', limit: 10 }));
		const sale = (carols.history ?? [])[0];
		expect([Number((sale.amount as Api.StarsAmount).amount), String(((sale.peer as Api.StarsTransactionPeer).peer as Api.PeerUser).userId), String((sale.stargift as Api.StarGift).id)]).toEqual([20, ALICE, '5002']);
	});

	test('a payment the scenario marks answers payments.paymentVerificationNeeded: nothing charged, the form stays unused', async () => {
		h = await harness(scenario({ faults: [{ method: 'payments.sendStarsForm', kind: 'paymentVerificationNeeded', times: 1 }] }));
		const alice = await h.connect(0);
		const invoice = new Api.InputInvoiceStarGift({ peer: new Api.InputPeerSelf(), giftId: big('5001') });
		const form = (await alice.invoke(new Api.payments.GetPaymentForm({ invoice }))) as Api.payments.PaymentFormStarGift;
		const answer = await alice.invoke(new Api.payments.SendStarsForm({ formId: form.formId, invoice }));
		expect(answer).toBeInstanceOf(Api.payments.PaymentVerificationNeeded);
		expect((answer as Api.payments.PaymentVerificationNeeded).url).toMatch(/^https:\/\//);
		let record = h.sandbox.record();
		expect(record.balances[ALICE]).toBe(1000);
		expect(record.purchases).toEqual([{ atMs: expect.any(Number), accountId: ALICE, giftId: '5001', peer: ALICE, stars: 100, ok: false, error: 'paymentVerificationNeeded' }]);
		// Once confirmed (the fault hit once), the same form pays.
		expect(await alice.invoke(new Api.payments.SendStarsForm({ formId: form.formId, invoice }))).toBeInstanceOf(Api.payments.PaymentResult);
		record = h.sandbox.record();
		expect(record.balances[ALICE]).toBe(900);
	});

	test('checkCanSendGift refuses with text for a person (as Telegram does), not an error code', async () => {
		h = await harness(scenario());
		const alice = await h.connect(0);
		const check = (giftId: string) => alice.invoke(new Api.payments.CheckCanSendGift({ giftId: big(giftId) }));
		const premium = await check('5003');
		expect(premium).toBeInstanceOf(Api.payments.CheckCanSendGiftResultFail);
		const text = ((premium as Api.payments.CheckCanSendGiftResultFail).reason as Api.TextWithEntities).text;
		expect(text).toBe('Only Telegram Premium subscribers can send this gift.');
		expect(text).not.toMatch(/^[A-Z_]+$/);
		await pay(alice, '5004', new Api.InputPeerSelf());
		expect((((await check('5004')) as Api.payments.CheckCanSendGiftResultFail).reason as Api.TextWithEntities).text).toMatch(/maximum number of this gift/);
		expect(await check('5002')).toBeInstanceOf(Api.payments.CheckCanSendGiftResultOk);
		expect(await rpcError(check('9999'))).toBe('STARGIFT_INVALID');
	});

	test('two payment forms for the same invoice are both valid (the buyer asks for the next copy’s form while paying one)', async () => {
		h = await harness(scenario());
		const alice = await h.connect(0);
		const invoice = new Api.InputInvoiceStarGift({ peer: new Api.InputPeerSelf(), giftId: big('5001') });
		const [a, b] = (await Promise.all([
			alice.invoke(new Api.payments.GetPaymentForm({ invoice })),
			alice.invoke(new Api.payments.GetPaymentForm({ invoice })),
		])) as Api.payments.PaymentFormStarGift[];
		expect(String(a.formId)).not.toBe(String(b.formId));
		await alice.invoke(new Api.payments.SendStarsForm({ formId: a.formId, invoice }));
		await alice.invoke(new Api.payments.SendStarsForm({ formId: b.formId, invoice }));
		expect(await rpcError(alice.invoke(new Api.payments.SendStarsForm({ formId: a.formId, invoice })))).toBe('FORM_SUBMIT_DUPLICATE');
		expect(h.sandbox.record().purchases.filter((p) => p.ok)).toHaveLength(2);
	});
});
