/**
 * Peers as Telegram hands them out, over the wire with a real teleproto client: every access hash
 * is per account and only usable by the account it was given to; dialogs and contacts are served
 * (paged as Telegram pages them); resolveUsername is rate limited; initConnection and the layer are
 * recorded; an old layer cannot buy gifts. Against the old lenient sandbox (one global hash, hash
 * 0 accepted, no dialogs or contacts) each of these fails.
 */
import { Api, errors, type TelegramClient } from '../../../src/telegram/gramjs';
import { ALICE, BOB, CHANNEL, baseScenario, harness, big, rpcError, type Harness } from './helpers';

const CAROL = '1000003';


type DialogsAnswer = Api.messages.Dialogs | Api.messages.DialogsSlice;

async function dialogsPage(client: TelegramClient, offset?: { date: number; id: number; peer: Api.TypeInputPeer }, limit = 100): Promise<DialogsAnswer> {
	const answer = await client.invoke(
		new Api.messages.GetDialogs({ offsetDate: offset?.date ?? 0, offsetId: offset?.id ?? 0, offsetPeer: offset?.peer ?? new Api.InputPeerEmpty(), limit, hash: big(0) }),
	);
	if (answer instanceof Api.messages.DialogsNotModified) throw new Error('unexpected dialogsNotModified');
	return answer;
}

function channelIn(answer: { chats: Api.TypeChat[] }, id: string): Api.Channel {
	const channel = answer.chats.find((c) => c instanceof Api.Channel && String(c.id) === id);
	if (!(channel instanceof Api.Channel)) throw new Error(`channel ${id} not in the answer`);
	return channel;
}

function userIn(answer: { users: Api.TypeUser[] }, id: string): Api.User {
	const user = answer.users.find((u) => u instanceof Api.User && String(u.id) === id);
	if (!(user instanceof Api.User)) throw new Error(`user ${id} not in the answer`);
	return user;
}

/** core.telegram.org/api/offsets, "Hash generation", written out again from the page (not the sandbox's code). */
function docHash(ids: bigint[]): bigint {
	let hash = 0n;
	const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
	for (const id of ids) {
		hash = u64(hash ^ (hash >> 21n));
		hash = u64(hash ^ (hash << 35n));
		hash = u64(hash ^ (hash >> 4n));
		hash = u64(hash + id);
	}
	return BigInt.asIntN(64, hash);
}

const threeAccounts = (extra: Record<string, unknown> = {}): Record<string, unknown> =>
	baseScenario({
		accounts: [
			{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: false, contacts: [BOB, CAROL], dialogs: [BOB] },
			{ id: BOB, label: 'Bob', username: 'bob', balance: 50, premium: true, contacts: [ALICE] },
			{ id: CAROL, label: 'Carol', balance: 500, premium: false },
		],
		...extra,
	});

describe('peers and access hashes (sandbox over MTProto)', () => {
	let h: Harness;
	afterEach(async () => {
		await h?.close();
	});

	test('each account gets its own hash for a peer; zero or another account’s hash gets each method’s documented error', async () => {
		h = await harness(threeAccounts({ channels: [{ id: CHANNEL, title: 'Gifts', username: 'giftschan', members: [ALICE, BOB] }] }));
		const alice = await h.connect(0);
		const bob = await h.connect(1);
		const aliceChannel = channelIn(await dialogsPage(alice), CHANNEL);
		const bobChannel = channelIn(await dialogsPage(bob), CHANNEL);
		expect(String(aliceChannel.accessHash)).not.toBe(String(bobChannel.accessHash));
		const inputChannel = (hash: unknown) => new Api.InputChannel({ channelId: big(CHANNEL), accessHash: big(String(hash)) });
		const inputPeer = (hash: unknown) => new Api.InputPeerChannel({ channelId: big(CHANNEL), accessHash: big(String(hash)) });

		// Alice's own hash works everywhere.
		expect((await alice.invoke(new Api.channels.GetChannels({ id: [inputChannel(aliceChannel.accessHash)] }))).chats).toHaveLength(1);
		// Zero, or Bob's hash used by Alice: refused, with each method page's error.
		for (const hash of [0, bobChannel.accessHash]) {
			expect(await rpcError(alice.invoke(new Api.channels.GetChannels({ id: [inputChannel(hash)] })))).toBe('CHANNEL_INVALID');
			expect(await rpcError(alice.invoke(new Api.channels.GetFullChannel({ channel: inputChannel(hash) })))).toBe('CHANNEL_INVALID');
			expect(await rpcError(alice.invoke(new Api.payments.GetPaymentForm({ invoice: new Api.InputInvoiceStarGift({ peer: inputPeer(hash), giftId: big('5002') }) })))).toBe('PEER_ID_INVALID');
			expect(await rpcError(alice.invoke(new Api.payments.GetSavedStarGifts({ peer: inputPeer(hash), offset: '', limit: 10 })))).toBe('PEER_ID_INVALID');
			expect(
				await rpcError(alice.invoke(new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: inputPeer(hash), limit: 10, hash: big(0) }))),
			).toBe('OFFSET_PEER_ID_INVALID');
		}
		// Users: Alice's hash for Bob comes from her dialogs; Bob's view of himself is not hers.
		const aliceDialogs = await dialogsPage(alice);
		const bobForAlice = userIn(aliceDialogs, BOB);
		expect(String((await alice.invoke(new Api.users.GetFullUser({ id: new Api.InputUser({ userId: big(BOB), accessHash: bobForAlice.accessHash! }) }))).fullUser.id)).toBe(BOB);
		const bobSelf = userIn(aliceDialogs, BOB); // the same user…
		const bobsOwnHash = (await bob.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] })))[0] as Api.User;
		expect(String(bobsOwnHash.accessHash)).not.toBe(String(bobSelf.accessHash));
		for (const hash of [0, bobsOwnHash.accessHash]) {
			expect(await rpcError(alice.invoke(new Api.users.GetFullUser({ id: new Api.InputUser({ userId: big(BOB), accessHash: big(String(hash)) }) })))).toBe('USER_ID_INVALID');
			expect(await rpcError(alice.invoke(new Api.users.GetUsers({ id: [new Api.InputUser({ userId: big(BOB), accessHash: big(String(hash)) })] })))).toBe('PEER_ID_INVALID');
		}
	});

	test('messages.getDialogs pages 100 at a time (dialogsSlice with the total), continuing after the offset the last dialog gives', async () => {
		const channels = Array.from({ length: 250 }, (_, i) => ({ id: String(3000000000 + i), title: `Channel ${i}`, members: [ALICE] }));
		h = await harness(threeAccounts({ channels: [...channels, { id: CHANNEL, title: 'Not Alice’s', username: 'giftschan', members: [BOB] }] }));
		const alice = await h.connect(0);
		const seen: string[] = [];
		let offset: { date: number; id: number; peer: Api.TypeInputPeer } | undefined;
		const pages: number[] = [];
		for (;;) {
			const page = await dialogsPage(alice, offset);
			expect(page).toBeInstanceOf(Api.messages.DialogsSlice);
			expect((page as Api.messages.DialogsSlice).count).toBe(251); // 250 channels + the chat with Bob
			pages.push(page.dialogs.length);
			for (const d of page.dialogs as Api.Dialog[]) seen.push(d.peer instanceof Api.PeerChannel ? `c${String(d.peer.channelId)}` : `u${String((d.peer as Api.PeerUser).userId)}`);
			if (page.dialogs.length < 100) break;
			const last = page.dialogs[page.dialogs.length - 1] as Api.Dialog;
			const message = page.messages.find((m) => (m as Api.Message).id === last.topMessage) as Api.Message;
			const lastChannel = channelIn(page, String((last.peer as Api.PeerChannel).channelId));
			offset = { date: message.date, id: last.topMessage, peer: new Api.InputPeerChannel({ channelId: lastChannel.id, accessHash: lastChannel.accessHash! }) };
		}
		expect(pages).toEqual([100, 100, 51]);
		expect(new Set(seen).size).toBe(251);
		expect(seen).toContain(`u${BOB}`);
		expect(seen).not.toContain(`c${CHANNEL}`);
		// A short list is one messages.dialogs.
		const bob = await h.connect(1);
		const bobs = await dialogsPage(bob);
		expect(bobs).toBeInstanceOf(Api.messages.Dialogs);
		expect(bobs.chats.map((c) => String(c.id))).toEqual([CHANNEL]);
	});

	test('a gift to a user opens a chat for both sides; a channel a non-member gifted to stays out of its dialogs', async () => {
		h = await harness(threeAccounts());
		const carol = await h.connect(2);
		const bob = await h.connect(1);
		expect((await dialogsPage(carol)).dialogs).toHaveLength(0);
		// Carol reaches Bob through his public username, then gifts him.
		const resolved = await carol.invoke(new Api.contacts.ResolveUsername({ username: 'bob' }));
		const bobForCarol = userIn(resolved, BOB);
		const peer = new Api.InputPeerUser({ userId: big(BOB), accessHash: bobForCarol.accessHash! });
		const invoice = new Api.InputInvoiceStarGift({ peer, giftId: big('5002') });
		const form = (await carol.invoke(new Api.payments.GetPaymentForm({ invoice }))) as Api.payments.PaymentFormStarGift;
		await carol.invoke(new Api.payments.SendStarsForm({ formId: form.formId, invoice }));
		expect((await dialogsPage(carol)).dialogs.map((d) => String(((d as Api.Dialog).peer as Api.PeerUser).userId))).toEqual([BOB]);
		// A public channel she gifts through its username does not join her dialogs (she is no member).
		const channel = channelIn(await carol.invoke(new Api.contacts.ResolveUsername({ username: 'giftschan' })), CHANNEL);
		const channelInvoice = new Api.InputInvoiceStarGift({ peer: new Api.InputPeerChannel({ channelId: channel.id, accessHash: channel.accessHash! }), giftId: big('5002') });
		const channelForm = (await carol.invoke(new Api.payments.GetPaymentForm({ invoice: channelInvoice }))) as Api.payments.PaymentFormStarGift;
		await carol.invoke(new Api.payments.SendStarsForm({ formId: channelForm.formId, invoice: channelInvoice }));
		expect((await dialogsPage(carol)).dialogs).toHaveLength(1);
		const bobsDialogs = await dialogsPage(bob);
		// Newest first: the chat Carol's gift opened, then the scenario's chat with Alice.
		expect(bobsDialogs.dialogs.map((d) => String(((d as Api.Dialog).peer as Api.PeerUser).userId))).toEqual([CAROL, ALICE]);
		// Bob can now address Carol with the hash his dialogs gave him.
		const carolForBob = userIn(bobsDialogs, CAROL);
		expect(String((await bob.invoke(new Api.users.GetFullUser({ id: new Api.InputUser({ userId: big(CAROL), accessHash: carolForBob.accessHash! }) }))).fullUser.id)).toBe(CAROL);
	});

	test('contacts.getContacts lists the scenario’s contacts with this account’s hashes; the same hash answers contactsNotModified', async () => {
		h = await harness(threeAccounts());
		const alice = await h.connect(0);
		const answer = await alice.invoke(new Api.contacts.GetContacts({ hash: big(0) }));
		if (!(answer instanceof Api.contacts.Contacts)) throw new Error('expected contacts');
		expect(answer.contacts.map((c) => [String(c.userId), c.mutual])).toEqual([
			[BOB, true],
			[CAROL, false],
		]);
		const carol = userIn(answer, CAROL);
		expect(String((await alice.invoke(new Api.users.GetFullUser({ id: new Api.InputUser({ userId: big(CAROL), accessHash: carol.accessHash! }) }))).fullUser.id)).toBe(CAROL);
		// The client computes Telegram's hash over saved_count and the sorted ids; the same list answers notModified.
		expect(await alice.invoke(new Api.contacts.GetContacts({ hash: big(docHash([0n, BigInt(BOB), BigInt(CAROL)])) }))).toBeInstanceOf(Api.contacts.ContactsNotModified);
		expect(await alice.invoke(new Api.contacts.GetContacts({ hash: big(docHash([0n, BigInt(BOB)])) }))).toBeInstanceOf(Api.contacts.Contacts);
	});

	test('contacts.resolveUsername is rate limited per account (scenario resolveUsernameLimit; default 30 a minute, then 300 s)', async () => {
		h = await harness(threeAccounts({ resolveUsernameLimit: { maxCalls: 3, windowMs: 60_000, waitSeconds: 77 } }));
		const alice = await h.connect(0);
		const bob = await h.connect(1);
		for (let i = 0; i < 3; i++) await alice.invoke(new Api.contacts.ResolveUsername({ username: 'giftschan' }));
		const flood = await alice.invoke(new Api.contacts.ResolveUsername({ username: 'giftschan' })).then(
			() => null,
			(e: unknown) => e,
		);
		expect(flood).toBeInstanceOf(errors.FloodWaitError);
		expect((flood as errors.FloodWaitError).seconds).toBe(77);
		// Another account has its own budget.
		expect(String(((await bob.invoke(new Api.contacts.ResolveUsername({ username: 'giftschan' }))).peer as Api.PeerChannel).channelId)).toBe(CHANNEL);
		expect(h.sandbox.scenario.resolveUsernameLimit).toEqual({ method: 'contacts.resolveUsername', maxCalls: 3, windowMs: 60_000, waitSeconds: 77 });
	});

	test('the default resolveUsername limit is 30 calls a minute, then FLOOD_WAIT_300', async () => {
		h = await harness(threeAccounts());
		expect(h.sandbox.scenario.resolveUsernameLimit).toEqual({ method: 'contacts.resolveUsername', maxCalls: 30, windowMs: 60_000, waitSeconds: 300 });
		const alice = await h.connect(0);
		await Promise.all(Array.from({ length: 30 }, () => alice.invoke(new Api.contacts.ResolveUsername({ username: 'alice' }))));
		expect(await rpcError(alice.invoke(new Api.contacts.ResolveUsername({ username: 'alice' })))).toBe('FLOOD_WAIT_300');
	});

	test('initConnection is recorded with the layer; a client on an older layer than giftApiMinLayer cannot get a gift payment form (406)', async () => {
		h = await harness(threeAccounts({ giftApiMinLayer: 999 }));
		const alice = await h.connect(0);
		const record = await h.sandbox.waitFor((r) => r.clients.length > 0, 3000);
		expect(record.clients[0]).toMatchObject({
			apiId: h.sandbox.credentials.apiId,
			deviceModel: expect.any(String),
			systemVersion: expect.any(String),
			appVersion: expect.any(String),
			langCode: expect.stringMatching(/^[a-z]{2,3}$/),
			langPack: '',
			layer: expect.any(Number),
		});
		const invoice = new Api.InputInvoiceStarGift({ peer: new Api.InputPeerSelf(), giftId: big('5002') });
		const refused = await alice.invoke(new Api.payments.GetPaymentForm({ invoice })).then(
			() => null,
			(e: unknown) => e as errors.RPCError,
		);
		expect(refused).toMatchObject({ code: 406, errorMessage: 'API_GIFT_RESTRICTED_UPDATE_APP' });
		// The catalog is still readable: only gift payments are restricted.
		expect(await alice.invoke(new Api.payments.GetStarGifts({ hash: 0 }))).toBeInstanceOf(Api.payments.StarGifts);
	});

	test('a client at the current layer buys normally (giftApiMinLayer defaults to 218)', async () => {
		h = await harness(threeAccounts());
		expect(h.sandbox.scenario.giftApiMinLayer).toBe(218);
		const alice = await h.connect(0);
		const invoice = new Api.InputInvoiceStarGift({ peer: new Api.InputPeerSelf(), giftId: big('5002') });
		expect(await alice.invoke(new Api.payments.GetPaymentForm({ invoice }))).toBeInstanceOf(Api.payments.PaymentFormStarGift);
	});
});
