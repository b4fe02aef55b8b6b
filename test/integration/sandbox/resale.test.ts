/**
 * The sandbox's resale market over real MTProto with the unmodified client (raw TL calls):
 * listings with filters, sort and paging, attributes_hash and counters, the catalog's resale
 * summary, value info, buying a listing (Stars and TON) at most once, the gift changing hands,
 * the buyer's transactions, and the market moving under the buyer: a price change between form
 * and payment, a withdrawn listing, a competitor taking it first. Against a sandbox without the
 * resale room every call here is answered METHOD_NOT_SUPPORTED_BY_SANDBOX (or INVOICE_INVALID).
 */
import { Api, type TelegramClient } from '../../../src/telegram/gramjs';
import { ALICE, BOB, baseScenario, big, harness, rpcError, type Harness } from './helpers';

const PEPE = '6001';
const COMPETITOR = '9000001';

interface ResaleOverrides {
	listings?: unknown[];
	buyers?: unknown[];
	floodLimit?: unknown;
}

function resaleScenario(over: ResaleOverrides = {}): Record<string, unknown> {
	const gift = (n: number, model: string, backdrop: string, pattern: string): Record<string, unknown> => ({ slug: `PlushPepe-${n}`, num: n, model, backdrop, pattern });
	return baseScenario({
		accounts: [
			{ id: ALICE, label: 'Alice', username: 'alice', balance: 20_000, premium: false },
			{ id: BOB, label: 'Bob', username: 'bob', balance: 50, premium: true },
		],
		gifts: [
			{ id: PEPE, stars: 500, limited: true, total: 100, remains: 0, title: 'Plush Pepe' },
			{ id: '5002', stars: 25, limited: false },
		],
		resale: {
			tonBalances: { [ALICE]: 50_000_000_000 },
			collections: [
				{
					giftId: PEPE,
					total: 100,
					issued: 80,
					averagePriceStars: 10_000,
					models: [
						{ name: 'Gold', rarityPermille: 5 },
						{ name: 'Silver', rarityPermille: 20 },
						{ name: 'Stone', rarityPermille: 200 },
					],
					backdrops: [
						{ name: 'Black', rarityPermille: 10 },
						{ name: 'Blue', rarityPermille: 30 },
					],
					patterns: [
						{ name: 'Star', rarityPermille: 15 },
						{ name: 'Dot', rarityPermille: 40 },
					],
					gifts: [
						gift(1, 'Gold', 'Black', 'Star'),
						gift(2, 'Stone', 'Blue', 'Dot'),
						gift(3, 'Silver', 'Black', 'Dot'),
						gift(4, 'Gold', 'Blue', 'Dot'),
						gift(5, 'Stone', 'Black', 'Star'),
						gift(6, 'Silver', 'Blue', 'Star'),
					],
				},
			],
			listings: over.listings ?? [
				{ slug: 'PlushPepe-1', stars: 12_000 },
				{ slug: 'PlushPepe-2', stars: 7_000 },
				{ slug: 'PlushPepe-3', stars: 9_000, tonOnly: true, tonNano: 40_000_000_000 },
				{ slug: 'PlushPepe-4', stars: 11_000 },
				{ slug: 'PlushPepe-5', stars: 8_000 },
			],
			buyers: over.buyers ?? [],
			...(over.floodLimit ? { floodLimit: over.floodLimit } : {}),
		},
	});
}

async function listings(client: TelegramClient, params: Partial<ConstructorParameters<typeof Api.payments.GetResaleStarGifts>[0]> = {}): Promise<Api.payments.ResaleStarGifts> {
	return client.invoke(new Api.payments.GetResaleStarGifts({ giftId: big(PEPE), offset: '', limit: 50, ...params }));
}

const slugs = (r: Api.payments.ResaleStarGifts): string[] => r.gifts.map((g) => (g as Api.StarGiftUnique).slug);

function attribute<T extends Api.TypeStarGiftAttribute>(attributes: Api.TypeStarGiftAttribute[] | undefined, type: new (...args: never[]) => T, name: string): T {
	const found = (attributes ?? []).find((a) => a instanceof type && (a as unknown as { name: string }).name === name);
	if (!found) throw new Error(`no attribute ${name}`);
	return found as T;
}

async function form(client: TelegramClient, slug: string, opts: { ton?: boolean; toId?: Api.TypeInputPeer } = {}): Promise<{ form: Api.payments.PaymentFormStarGift; invoice: Api.InputInvoiceStarGiftResale }> {
	const invoice = new Api.InputInvoiceStarGiftResale({ slug, toId: opts.toId ?? new Api.InputPeerSelf(), ton: opts.ton || undefined });
	const f = (await client.invoke(new Api.payments.GetPaymentForm({ invoice }))) as Api.payments.PaymentFormStarGift;
	return { form: f, invoice };
}

const send = (client: TelegramClient, f: { form: Api.payments.PaymentFormStarGift; invoice: Api.InputInvoiceStarGiftResale }): Promise<Api.payments.TypePaymentResult> =>
	client.invoke(new Api.payments.SendStarsForm({ formId: f.form.formId, invoice: f.invoice }));

describe('sandbox resale market over the wire', () => {
	let h: Harness;
	afterEach(async () => {
		await h?.close();
	});

	test('listings: prices in Stars and TON, sort orders, attributes once per hash, counters, stars_only, the catalog summary', async () => {
		h = await harness(resaleScenario(), { clock: 'held' });
		const alice = await h.connect(0);

		const byPrice = await listings(alice, { sortByPrice: true, attributesHash: big(0) });
		expect(byPrice.count).toBe(5);
		expect(slugs(byPrice)).toEqual(['PlushPepe-2', 'PlushPepe-5', 'PlushPepe-3', 'PlushPepe-4', 'PlushPepe-1']);
		const first = byPrice.gifts[0] as Api.StarGiftUnique;
		expect(first).toBeInstanceOf(Api.StarGiftUnique);
		expect(String(first.giftId)).toBe(PEPE);
		expect(first).toMatchObject({ title: 'Plush Pepe', num: 2, availabilityIssued: 80, availabilityTotal: 100, valueCurrency: 'USD' });
		expect(first.resellAmount?.[0]).toBeInstanceOf(Api.StarsAmount);
		expect(String(first.resellAmount?.[0].amount)).toBe('7000');
		expect(first.resellAmount?.[1]).toBeInstanceOf(Api.StarsTonAmount);
		expect(first.resaleTonOnly).toBeFalsy();
		expect((byPrice.gifts[2] as Api.StarGiftUnique).resaleTonOnly).toBe(true);
		expect(String((byPrice.gifts[2] as Api.StarGiftUnique).resellAmount?.[1].amount)).toBe('40000000000');
		const names = (first.attributes as Array<{ name?: string }>).map((a) => a.name);
		expect(names).toEqual(['Stone', 'Dot', 'Blue']);
		expect(first.ownerId).toBeInstanceOf(Api.PeerUser);
		expect(byPrice.users.map((u) => String(u.id))).toContain(String((first.ownerId as Api.PeerUser).userId));

		// Attributes come with their hash when asked with 0, and not again for the same hash.
		expect(byPrice.attributes).toHaveLength(7);
		expect(byPrice.attributesHash).toBeDefined();
		const again = await listings(alice, { attributesHash: byPrice.attributesHash });
		expect(again.attributes).toBeFalsy();
		expect(again.attributesHash).toBeFalsy();
		const none = await listings(alice);
		expect(none.attributes).toBeFalsy();

		// Counters: listings per attribute, on the first page.
		const gold = attribute(byPrice.attributes, Api.StarGiftAttributeModel, 'Gold');
		const goldId = String((gold.document as Api.Document).id);
		const goldCounter = byPrice.counters?.find((c) => c.attribute instanceof Api.StarGiftAttributeIdModel && String(c.attribute.documentId) === goldId);
		expect(goldCounter?.count).toBe(2);

		expect(slugs(await listings(alice, { sortByNum: true }))).toEqual(['PlushPepe-1', 'PlushPepe-2', 'PlushPepe-3', 'PlushPepe-4', 'PlushPepe-5']);
		const starsOnly = await listings(alice, { sortByPrice: true, starsOnly: true });
		expect(starsOnly.count).toBe(4);
		expect(slugs(starsOnly)).not.toContain('PlushPepe-3');

		// The catalog tells how many are on resale and the cheapest in Stars.
		const catalog = (await alice.invoke(new Api.payments.GetStarGifts({ hash: 0 }))) as Api.payments.StarGifts;
		const base = catalog.gifts.find((g) => String((g as Api.StarGift).id) === PEPE) as Api.StarGift;
		expect(String(base.availabilityResale)).toBe('5');
		expect(String(base.resellMinStars)).toBe('7000');
		const plain = catalog.gifts.find((g) => String((g as Api.StarGift).id) === '5002') as Api.StarGift;
		expect(plain.availabilityResale).toBeFalsy();

		// A gift without collectibles has none on resale; an unknown gift is invalid.
		expect((await alice.invoke(new Api.payments.GetResaleStarGifts({ giftId: big('5002'), offset: '', limit: 10 }))).count).toBe(0);
		expect(await rpcError(alice.invoke(new Api.payments.GetResaleStarGifts({ giftId: big('424242'), offset: '', limit: 10 })))).toBe('STARGIFT_INVALID');
	});

	test('filters: attributes of one kind are alternatives, kinds combine; paging by offset with counters on the first page only', async () => {
		h = await harness(resaleScenario(), { clock: 'held' });
		const alice = await h.connect(0);
		const all = await listings(alice, { attributesHash: big(0) });
		const modelId = (name: string): Api.StarGiftAttributeIdModel =>
			new Api.StarGiftAttributeIdModel({ documentId: (attribute(all.attributes, Api.StarGiftAttributeModel, name).document as Api.Document).id });
		const backdrop = (name: string): Api.StarGiftAttributeIdBackdrop =>
			new Api.StarGiftAttributeIdBackdrop({ backdropId: attribute(all.attributes, Api.StarGiftAttributeBackdrop, name).backdropId });

		const gold = await listings(alice, { sortByNum: true, attributes: [modelId('Gold')] });
		expect(slugs(gold)).toEqual(['PlushPepe-1', 'PlushPepe-4']);
		expect(gold.count).toBe(2);
		const goldOrStone = await listings(alice, { sortByNum: true, attributes: [modelId('Gold'), modelId('Stone')] });
		expect(slugs(goldOrStone)).toEqual(['PlushPepe-1', 'PlushPepe-2', 'PlushPepe-4', 'PlushPepe-5']);
		const goldOnBlue = await listings(alice, { sortByNum: true, attributes: [modelId('Gold'), backdrop('Blue')] });
		expect(slugs(goldOnBlue)).toEqual(['PlushPepe-4']);

		const page1 = await listings(alice, { sortByPrice: true, limit: 2 });
		expect(page1.count).toBe(5);
		expect(slugs(page1)).toEqual(['PlushPepe-2', 'PlushPepe-5']);
		expect(page1.counters).toBeDefined();
		expect(page1.nextOffset).toEqual(expect.any(String));
		const page2 = await listings(alice, { sortByPrice: true, limit: 2, offset: page1.nextOffset });
		expect(slugs(page2)).toEqual(['PlushPepe-3', 'PlushPepe-4']);
		expect(page2.counters).toBeFalsy();
		const page3 = await listings(alice, { sortByPrice: true, limit: 2, offset: page2.nextOffset });
		expect(slugs(page3)).toEqual(['PlushPepe-1']);
		expect(page3.nextOffset).toBeFalsy();
		expect(await rpcError(listings(alice, { offset: 'not-an-offset' }))).toBe('OFFSET_INVALID');
	});

	test('value info: floor, average, last sale and listed count in the value currency; unknown slugs refused', async () => {
		h = await harness(resaleScenario(), { clock: 'held' });
		const alice = await h.connect(0);
		const info = await alice.invoke(new Api.payments.GetUniqueStarGiftValueInfo({ slug: 'PlushPepe-1' }));
		// 1.3 cents per Star: 7000 Stars → 9100 cents; initial_sale_price / initial_sale_stars is that rate.
		expect(info).toMatchObject({ currency: 'USD', valueIsAverage: true, listedCount: 5 });
		expect(String(info.floorPrice)).toBe('9100');
		expect(String(info.averagePrice)).toBe('13000');
		expect(String(info.value)).toBe('13000');
		expect(String(info.initialSaleStars)).toBe('500');
		expect(String(info.initialSalePrice)).toBe('650');
		expect(info.lastSalePrice).toBeFalsy();
		expect(await rpcError(alice.invoke(new Api.payments.GetUniqueStarGiftValueInfo({ slug: 'PlushPepe-99' })))).toBe('STARGIFT_SLUG_INVALID');
		const unique = await alice.invoke(new Api.payments.GetUniqueStarGift({ slug: 'plushpepe-2' }));
		expect((unique.gift as Api.StarGiftUnique).slug).toBe('PlushPepe-2');
	});

	test('a buy: the form shows the listing price, paying debits Stars once, the gift moves to the recipient and shows in transactions', async () => {
		h = await harness(resaleScenario(), { clock: 'held' });
		const alice = await h.connect(0);
		const bob = await h.connect(1);

		const f = await form(alice, 'PlushPepe-2');
		expect(f.form.invoice.currency).toBe('XTR');
		expect(String(f.form.invoice.prices[0].amount)).toBe('7000');
		const result = (await send(alice, f)) as Api.payments.PaymentResult;
		const message = ((result.updates as Api.Updates).updates[0] as Api.UpdateNewMessage).message as Api.MessageService;
		const action = message.action as Api.MessageActionStarGiftUnique;
		expect(action).toBeInstanceOf(Api.MessageActionStarGiftUnique);
		expect((action.gift as Api.StarGiftUnique).slug).toBe('PlushPepe-2');
		expect(String(action.resaleAmount?.amount)).toBe('7000');
		expect(h.sandbox.record().balances[ALICE]).toBe(13_000);
		expect(await rpcError(send(alice, f))).toBe('FORM_SUBMIT_DUPLICATE');
		expect(h.sandbox.record().balances[ALICE]).toBe(13_000);

		// Sold: gone from the listings and refused as a new form; the owner is the buyer now.
		const after = await listings(alice, { sortByPrice: true });
		expect(after.count).toBe(4);
		expect(slugs(after)).not.toContain('PlushPepe-2');
		expect(await rpcError(form(alice, 'PlushPepe-2'))).toBe('STARGIFT_NOT_FOUND');
		const owned = await alice.invoke(new Api.payments.GetSavedStarGifts({ peer: new Api.InputPeerSelf(), offset: '', limit: 50 }));
		const mine = owned.gifts.map((g) => g.gift).filter((g): g is Api.StarGiftUnique => g instanceof Api.StarGiftUnique);
		expect(mine.map((g) => g.slug)).toEqual(['PlushPepe-2']);
		expect(String((mine[0].ownerId as Api.PeerUser).userId)).toBe(ALICE);
		expect(mine[0].resellAmount).toBeFalsy();

		// The transaction: outbound 7000, the seller as peer, the collectible, stargift_resale.
		const tx = await alice.invoke(new Api.payments.GetStarsTransactions({ peer: new Api.InputPeerSelf(), offset: '', limit: 10 }));
		const resale = tx.history?.find((t) => t.stargiftResale);
		expect(resale).toBeDefined();
		expect(String(resale!.amount.amount)).toBe('-7000');
		expect((resale!.stargift as Api.StarGiftUnique).slug).toBe('PlushPepe-2');
		expect(String((resale!.peer as Api.StarsTransactionPeer & { peer: Api.PeerUser }).peer.userId)).not.toBe(ALICE);

		// For someone else: Bob owns it and sees it on his profile.
		const bobPeer = await alice.invoke(new Api.contacts.ResolveUsername({ username: 'bob' }));
		const bobUser = bobPeer.users[0] as Api.User;
		const toBob = await form(alice, 'PlushPepe-5', { toId: new Api.InputPeerUser({ userId: bobUser.id, accessHash: bobUser.accessHash! }) });
		await send(alice, toBob);
		const bobs = await bob.invoke(new Api.payments.GetSavedStarGifts({ peer: new Api.InputPeerSelf(), offset: '', limit: 50 }));
		expect(bobs.gifts.map((g) => (g.gift as Api.StarGiftUnique).slug)).toEqual(['PlushPepe-5']);
		expect(h.sandbox.record().resale.sales).toEqual([
			expect.objectContaining({ slug: 'PlushPepe-2', buyerId: ALICE, account: true, peer: ALICE, currency: 'XTR', amount: 7000 }),
			expect.objectContaining({ slug: 'PlushPepe-5', buyerId: ALICE, account: true, peer: BOB, currency: 'XTR', amount: 8000 }),
		]);
		expect(h.sandbox.record().balances[ALICE]).toBe(5_000);
		// Too little left for the next one.
		const expensive = await form(alice, 'PlushPepe-4');
		expect(await rpcError(send(alice, expensive))).toBe('BALANCE_TOO_LOW');
		expect(await rpcError(form(alice, 'PlushPepe-4', { toId: new Api.InputPeerUser({ userId: big(4242), accessHash: big(1) }) }))).toBe('TO_ID_INVALID');
		expect(await rpcError(form(alice, 'NoSuch-1'))).toBe('STARGIFT_SLUG_INVALID');
	});

	test('for a channel: the gift lands in its saved gifts with a saved_id; a channel that refuses gifts is refused', async () => {
		h = await harness(resaleScenario(), { clock: 'held' });
		const alice = await h.connect(0);
		const chan = await alice.invoke(new Api.contacts.ResolveUsername({ username: 'giftschan' }));
		const channel = chan.chats[0] as Api.Channel;
		const toChannel = new Api.InputPeerChannel({ channelId: channel.id, accessHash: channel.accessHash! });
		const result = (await send(alice, await form(alice, 'PlushPepe-2', { toId: toChannel }))) as Api.payments.PaymentResult;
		const update = (result.updates as Api.Updates).updates[0];
		expect(update).toBeInstanceOf(Api.UpdateNewChannelMessage);
		const action = ((update as Api.UpdateNewChannelMessage).message as Api.MessageService).action as Api.MessageActionStarGiftUnique;
		expect(action.savedId).toBeDefined();
		const saved = await alice.invoke(new Api.payments.GetSavedStarGifts({ peer: toChannel, offset: '', limit: 10 }));
		expect(saved.gifts.map((g) => (g.gift as Api.StarGiftUnique).slug)).toEqual(['PlushPepe-2']);
		expect(String(saved.gifts[0].savedId)).toBe(String(action.savedId));
		expect(saved.gifts[0].convertStars).toBeFalsy();
		const unique = await alice.invoke(new Api.payments.GetUniqueStarGift({ slug: 'PlushPepe-2' }));
		expect(String(((unique.gift as Api.StarGiftUnique).ownerId as Api.PeerChannel).channelId)).toBe(String(channel.id));
		expect(unique.chats.map((c) => String(c.id))).toEqual([String(channel.id)]);
		const dialogs = await alice.invoke(new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 100, hash: big(0) }));
		const closed = (dialogs as Api.messages.Dialogs).chats.find((c) => c instanceof Api.Channel && c.title === 'Closed') as Api.Channel;
		const toClosed = new Api.InputPeerChannel({ channelId: closed.id, accessHash: closed.accessHash! });
		expect(await rpcError(form(alice, 'PlushPepe-1', { toId: toClosed }))).toBe('USER_DISALLOWED_STARGIFTS');
		// Converting a collectible is refused.
		expect(await rpcError(alice.invoke(new Api.payments.ConvertStarGift({ stargift: new Api.InputSavedStarGiftChat({ peer: toChannel, savedId: saved.gifts[0].savedId! }) })))).toBe('STARGIFT_ALREADY_UPGRADED');
	});

	test('at most once: the same form sent twice at once pays once', async () => {
		h = await harness(resaleScenario(), { clock: 'held' });
		const alice = await h.connect(0);
		const f = await form(alice, 'PlushPepe-1');
		const outcomes = await Promise.allSettled([send(alice, f), send(alice, f)]);
		expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
		expect(h.sandbox.record().balances[ALICE]).toBe(8_000);
		expect(h.sandbox.record().resale.sales).toHaveLength(1);
		expect(h.sandbox.record().resale.failures).toEqual([expect.objectContaining({ slug: 'PlushPepe-1', stage: 'pay', error: 'FORM_SUBMIT_DUPLICATE' })]);
	});

	test('TON-priced: Stars refused, paid in TON from the TON balance, listed in the TON history', async () => {
		h = await harness(resaleScenario(), { clock: 'held' });
		const alice = await h.connect(0);
		expect(await rpcError(form(alice, 'PlushPepe-3'))).toBe('STARGIFT_RESELL_CURRENCY_NOT_ALLOWED');
		const f = await form(alice, 'PlushPepe-3', { ton: true });
		expect(f.form.invoice.currency).toBe('TON');
		expect(String(f.form.invoice.prices[0].amount)).toBe('40000000000');
		await send(alice, f);
		const ton = await alice.invoke(new Api.payments.GetStarsStatus({ peer: new Api.InputPeerSelf(), ton: true }));
		expect(ton.balance).toBeInstanceOf(Api.StarsTonAmount);
		expect(String(ton.balance.amount)).toBe('10000000000');
		expect(h.sandbox.record().balances[ALICE]).toBe(20_000);
		const history = await alice.invoke(new Api.payments.GetStarsTransactions({ peer: new Api.InputPeerSelf(), offset: '', limit: 10, ton: true }));
		expect(history.history?.map((t) => String(t.amount.amount))).toEqual(['-40000000000']);
		const stars = await alice.invoke(new Api.payments.GetStarsTransactions({ peer: new Api.InputPeerSelf(), offset: '', limit: 10 }));
		expect(stars.history?.some((t) => t.stargiftResale)).toBe(false);
		// A Stars-priced listing may also be paid in TON, at its TON price.
		const inTon = await form(alice, 'PlushPepe-4', { ton: true });
		expect(String(inTon.form.invoice.prices[0].amount)).toBe(String(11_000 * 5_000_000));
	});

	test('the market moves under the buyer: a price change between form and payment, a withdrawn listing, a competitor first', async () => {
		h = await harness(
			resaleScenario({
				listings: [
					{ slug: 'PlushPepe-1', stars: 12_000, priceChanges: [{ atMs: 300, stars: 13_000 }] },
					{ slug: 'PlushPepe-2', stars: 7_000, withdrawAtMs: 300 },
					{ slug: 'PlushPepe-6', atMs: 200, stars: 6_000 },
					{ slug: 'PlushPepe-4', atMs: 200, stars: 6_500 },
				],
				buyers: [
					{ id: COMPETITOR, slug: 'PlushPepe-6', delayMs: 1_500 },
					{ id: '9000002', giftId: PEPE, maxStars: 6_500, delayMs: 60_000 },
				],
			}),
			{ clock: 'held' },
		);
		const alice = await h.connect(0);
		const repriced = await form(alice, 'PlushPepe-1');
		const withdrawn = await form(alice, 'PlushPepe-2');
		expect(await rpcError(form(alice, 'PlushPepe-6'))).toBe('STARGIFT_NOT_FOUND');
		h.sandbox.startClock();
		await h.sandbox.waitFor((r) => r.resale.listings.length === 4);
		const contested = await form(alice, 'PlushPepe-6');
		const mine = await form(alice, 'PlushPepe-4');
		await send(alice, mine);
		const r = await h.sandbox.waitFor((rec) => rec.resale.sales.length === 2 && rec.resale.withdrawals.length === 1 && rec.resale.priceChanges.length === 1);
		expect(r.resale.sales).toEqual([
			expect.objectContaining({ slug: 'PlushPepe-4', buyerId: ALICE, account: true }),
			expect.objectContaining({ slug: 'PlushPepe-6', buyerId: COMPETITOR, account: false, amount: 6_000, atMs: 1_700 }),
		]);
		expect(await rpcError(send(alice, repriced))).toBe('STARS_FORM_AMOUNT_MISMATCH');
		expect(String((await form(alice, 'PlushPepe-1')).form.invoice.prices[0].amount)).toBe('13000');
		expect(await rpcError(send(alice, withdrawn))).toBe('STARGIFT_NOT_FOUND');
		expect(await rpcError(send(alice, contested))).toBe('STARGIFT_NOT_FOUND');
		expect(h.sandbox.record().balances[ALICE]).toBe(20_000 - 6_500);
		// The competitor owns what it bought.
		const taken = await alice.invoke(new Api.payments.GetUniqueStarGift({ slug: 'PlushPepe-6' }));
		expect(String(((taken.gift as Api.StarGiftUnique).ownerId as Api.PeerUser).userId)).toBe(COMPETITOR);
		// The room's own sales now give the last sale.
		const info = await alice.invoke(new Api.payments.GetUniqueStarGiftValueInfo({ slug: 'PlushPepe-1' }));
		expect(String(info.lastSalePrice)).toBe('7800');
	});

	test('live: a listing added by the test, a competitor reacting to under-limit listings, a repricing, a payment needing verification', async () => {
		h = await harness(resaleScenario({ listings: [] }));
		const alice = await h.connect(0);
		expect((await listings(alice)).count).toBe(0);
		const before0 = (await alice.invoke(new Api.payments.GetStarGifts({ hash: 0 }))) as Api.payments.StarGifts;
		expect((before0.gifts.find((g) => String((g as Api.StarGift).id) === PEPE) as Api.StarGift).availabilityResale).toBeFalsy();
		h.sandbox.resale.addBuyer({ id: COMPETITOR, giftId: PEPE, maxStars: 5_000, delayMs: 1_000, copies: 2 });
		h.sandbox.resale.addListing({ slug: 'PlushPepe-1', stars: 4_000 });
		h.sandbox.resale.addListing({ slug: 'PlushPepe-2', stars: 9_000 });
		expect(slugs(await listings(alice, { sortByPrice: true }))).toEqual(['PlushPepe-1', 'PlushPepe-2']);
		// The catalog's hash moves with the resale summary: the old hash is not answered "not modified".
		const after0 = await alice.invoke(new Api.payments.GetStarGifts({ hash: before0.hash }));
		expect(after0).toBeInstanceOf(Api.payments.StarGifts);
		expect(String(((after0 as Api.payments.StarGifts).gifts.find((g) => String((g as Api.StarGift).id) === PEPE) as Api.StarGift).resellMinStars)).toBe('4000');
		expect(await alice.invoke(new Api.payments.GetStarGifts({ hash: (after0 as Api.payments.StarGifts).hash }))).toBeInstanceOf(Api.payments.StarGiftsNotModified);
		const late = await form(alice, 'PlushPepe-1');
		const r = await h.sandbox.waitFor((rec) => rec.resale.sales.length === 1);
		expect(r.resale.sales[0]).toMatchObject({ slug: 'PlushPepe-1', buyerId: COMPETITOR, account: false, amount: 4_000 });
		expect(r.resale.sales[0].atMs - r.resale.listings[0].atMs).toBe(1_000);
		expect(await rpcError(send(alice, late))).toBe('STARGIFT_NOT_FOUND');
		// Repriced under the competitor's limit: it reacts again.
		const before = await form(alice, 'PlushPepe-2');
		h.sandbox.resale.setPrice('PlushPepe-2', 5_000);
		expect(await rpcError(send(alice, before))).toBe('STARS_FORM_AMOUNT_MISMATCH');
		await h.sandbox.waitFor((rec) => rec.resale.sales.length === 2);
		// A payment answered paymentVerificationNeeded charges nothing and leaves the form usable.
		h.sandbox.resale.addListing({ slug: 'PlushPepe-3', stars: 8_000 });
		h.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'paymentVerificationNeeded' });
		const f = await form(alice, 'PlushPepe-3');
		expect(await send(alice, f)).toBeInstanceOf(Api.payments.PaymentVerificationNeeded);
		expect(h.sandbox.record().balances[ALICE]).toBe(20_000);
		await send(alice, f);
		expect(h.sandbox.record().balances[ALICE]).toBe(12_000);
	});

	test('flood limit on getResaleStarGifts, and it counts as a watching read for the first-watch-read clock', async () => {
		h = await harness(resaleScenario({ floodLimit: { maxCalls: 3, windowMs: 60_000, waitSeconds: 30 } }), { clock: 'first-watch-read' });
		const alice = await h.connect(0);
		expect(h.sandbox.clockRunning()).toBe(false);
		await listings(alice);
		expect(h.sandbox.clockRunning()).toBe(true);
		expect(h.sandbox.record().firstWatchReadAtMs).toBe(0);
		await listings(alice);
		await listings(alice);
		expect(await rpcError(listings(alice))).toBe('FLOOD_WAIT_30');
	});
});
