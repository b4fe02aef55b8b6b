/** Account operations over the wire: a real teleproto client in the pool, the sandbox as Telegram. */
import { giftSticker } from '../../../src/sandbox/tgs';
import { AuthInvalidError, FloodWaitError, TelegramError, type TelegramAccount } from '../../../src/telegram';
import { ALICE, BOB, CHANNEL, CLOSED_CHANNEL, world, type World } from './helpers';

describe('account operations against the sandbox', () => {
	let w: World;
	let alice: TelegramAccount;
	let bob: TelegramAccount;
	let releases: Array<() => void>;

	beforeAll(async () => {
		w = await world();
		const leases = await Promise.all([w.pool.acquire(w.creds('Alice')), w.pool.acquire(w.creds('Bob'))]);
		[alice, bob] = leases.map((l) => l.account);
		releases = leases.map((l) => l.release);
	});
	afterAll(async () => {
		releases.forEach((r) => r());
		await w.close();
	});

	it('whoAmI gives id, username and premium as JSON-safe values', async () => {
		expect(await alice.whoAmI({ refresh: true })).toEqual({ id: ALICE, username: 'alice', firstName: 'Alice', premium: false, label: 'Alice' });
		expect((await bob.whoAmI()).premium).toBe(true);
		expect(alice.id).toBe(ALICE);
	});

	it('balance reads the star balance', async () => {
		expect(await alice.balance()).toEqual({ stars: 1000, nanos: 0 });
	});

	it('catalog returns normalized gifts and a hash; the same hash answers notModified', async () => {
		const first = await alice.catalog();
		expect(first.notModified).toBe(false);
		expect(first.gifts.map((g) => g.id).sort()).toEqual(['5001', '5002', '5003', '5004', '5005']);
		const rare = first.gifts.find((g) => g.id === '5001');
		expect(rare).toMatchObject({ stars: 100, limited: true, availabilityTotal: 3, availabilityRemains: 3, title: 'Rare', soldOut: false });
		expect(typeof rare?.stickerDocumentId).toBe('string');
		expect(first.gifts.find((g) => g.id === '5003')?.requirePremium).toBe(true);
		expect(first.gifts.find((g) => g.id === '5004')).toMatchObject({ limitedPerUser: true, perUserTotal: 1 });
		const again = await alice.catalog(first.hash);
		expect(first.rejected).toEqual([]);
		expect(again).toEqual({ gifts: [], rejected: [], hash: first.hash, notModified: true });
	});

	it('resolves me, @username, user ids and -100 channel ids; numeric ids never become usernames', async () => {
		expect(await alice.resolveRecipient('me')).toMatchObject({ kind: 'self', id: ALICE });
		expect(await alice.resolveRecipient('@bobby')).toMatchObject({ kind: 'user', id: BOB, chatId: BOB, username: 'bobby' });
		expect(await alice.resolveRecipient('@giftschan')).toMatchObject({ kind: 'channel', id: CHANNEL, chatId: `-100${CHANNEL}` });
		const resolveCalls = w.sandbox.record().calls['contacts.resolveUsername'] ?? 0;
		expect(await alice.resolveRecipient(BOB)).toMatchObject({ kind: 'user', id: BOB });
		expect(await alice.resolveRecipient(`-100${CLOSED_CHANNEL}`)).toMatchObject({ kind: 'channel', id: CLOSED_CHANNEL, title: 'Closed' });
		expect(await alice.resolveRecipient(ALICE)).toMatchObject({ kind: 'self' });
		expect(w.sandbox.record().calls['contacts.resolveUsername'] ?? 0).toBe(resolveCalls);
		await expect(alice.resolveRecipient('-12345')).rejects.toThrow(/basic groups cannot receive gifts/);
		await expect(alice.resolveRecipient('not a peer!')).rejects.toThrow(TelegramError);
		await expect(alice.resolveRecipient('@nobody_here')).rejects.toMatchObject({ buyReason: 'peer_invalid' });
	});

	it('canReceiveGifts: channel flag, unknown peers, and per-gift checks for this account', async () => {
		expect(await alice.canReceiveGifts(`-100${CHANNEL}`)).toEqual({ ok: true, reason: null, detail: null });
		expect(await alice.canReceiveGifts(`-100${CLOSED_CHANNEL}`)).toMatchObject({ ok: false, reason: 'recipient_cannot_receive' });
		expect(await alice.canReceiveGifts('@nobody_here')).toMatchObject({ ok: false, reason: 'peer_invalid' });
		expect(await alice.canReceiveGifts('@bobby', '5001')).toEqual({ ok: true, reason: null, detail: null });
		// Telegram says why in words (checkCanSendGiftResultFail.reason): passed on, never parsed.
		expect(await alice.canReceiveGifts('@bobby', '5003')).toEqual({ ok: false, reason: 'cannot_send', detail: 'Only Telegram Premium subscribers can send this gift.' });
		expect(await bob.canReceiveGifts('@alice', '5003')).toMatchObject({ ok: true });
		expect(await alice.canReceiveGifts('me', '999999')).toMatchObject({ ok: false, reason: 'gift_not_found' });
	});

	it('buys through form → price check → send, and the recipient saved gifts show it', async () => {
		const target = await bob.resolveRecipient(`-100${CHANNEL}`);
		const form = await bob.giftPaymentForm(target, '5005', { hideName: false, message: 'hi' });
		expect(form.amount).toBe(20);
		await bob.sendStarsForm(form);
		expect(w.paid()).toEqual([expect.objectContaining({ accountId: BOB, giftId: '5005', peer: `-100${CHANNEL}` })]);
		const saved = await bob.savedGifts(`-100${CHANNEL}`);
		expect(saved).toEqual([expect.objectContaining({ giftId: '5005', fromId: BOB })]);
		expect((await bob.balance()).stars).toBe(980);
		// A used form is refused, typed.
		await expect(bob.sendStarsForm(form)).rejects.toMatchObject({ errorMessage: 'FORM_SUBMIT_DUPLICATE' });
	});

	it('downloadSticker returns the gift .tgs bytes and mime type', async () => {
		const { gifts } = await alice.catalog();
		const sticker = await alice.downloadSticker(gifts.find((g) => g.id === '5001')!);
		expect(sticker.mime).toBe('application/x-tgsticker');
		expect(sticker.bytes.equals(giftSticker('5001'))).toBe(true);
	});

	it('a flood wait parks the method for that account only; other accounts and methods carry on', async () => {
		w.sandbox.injectFault({ method: 'payments.getStarGifts', kind: 'error', error: 'FLOOD_WAIT_30', accountId: ALICE, afterCalls: 0, times: 1 });
		const before = Date.now();
		const flood = await alice.catalog().catch((e: unknown) => e);
		expect(flood).toBeInstanceOf(FloodWaitError);
		expect(flood).toMatchObject({ seconds: 30, parked: false, account: 'Alice' });
		const until = alice.parkedUntilMs('payments.GetStarGifts');
		expect(until).toBeGreaterThanOrEqual(before + 30_000);
		expect(alice.isAvailable('payments.GetStarGifts')).toBe(false);

		const callsBefore = w.sandbox.record().calls['payments.getStarGifts'];
		await expect(alice.catalog()).rejects.toMatchObject({ parked: true });
		expect(w.sandbox.record().calls['payments.getStarGifts']).toBe(callsBefore);

		expect((await bob.catalog()).gifts.length).toBeGreaterThan(0);
		expect(bob.isAvailable('payments.GetStarGifts')).toBe(true);
		expect((await alice.balance()).stars).toBe(1000);
	});

	it('an auth error makes the account fail fast with its label, never its session', async () => {
		const carol = w.creds('Carol');
		w.sandbox.injectFault({ method: '*', kind: 'error', error: 'AUTH_KEY_UNREGISTERED', accountId: '1000003', afterCalls: 0, times: 100 });
		const error = await w.pool.acquire(carol).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(AuthInvalidError);
		const message = (error as Error).message;
		expect(message).toMatch(/^Carol: the session is not authorized \(AUTH_KEY_UNREGISTERED\)/);
		expect(message).not.toContain(carol.session);
		expect(message).not.toContain(carol.apiHash);
	});
});
