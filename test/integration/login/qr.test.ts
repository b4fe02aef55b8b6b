/**
 * QR login over the wire: the LoginManager exports a token, the "app" scans it (the sandbox's
 * scanQr, or a signed-in client calling auth.acceptLoginToken as a real app does), the pushed
 * updateLoginToken wakes the waiting qrComplete; a scan made between steps (no connection open to
 * get the push) is seen when the token runs out and is asked for again; 2FA, expiry and unknown
 * ids behave.
 */
import { AuthFailure } from '../../../src/sandbox';
import { createTelegramClient, destroyClient } from '../../../src/telegram/connection';
import { Api } from '../../../src/telegram/gramjs';
import { LoginError, LoginManager } from '../../../src/telegram/login';
import { ALICE, ALICE_CODE, ALICE_PHONE, BOB, BOB_PASSWORD, CAROL, loginWorld, type LoginWorld } from './helpers';

async function expectLoginError(promise: Promise<unknown>, code: string): Promise<LoginError> {
	const error = await promise.then(() => undefined, (e: unknown) => e);
	expect(error).toBeInstanceOf(LoginError);
	expect((error as LoginError).code).toBe(code);
	return error as LoginError;
}

function tokenOf(url: string): Buffer {
	expect(url).toMatch(/^tg:\/\/login\?token=[A-Za-z0-9_-]+$/);
	return Buffer.from(url.slice('tg://login?token='.length), 'base64url');
}

describe('QR login against the sandbox', () => {
	let w: LoginWorld;
	beforeAll(async () => {
		// Short-lived tokens (Telegram's live ~30 s), so a scan made between steps is seen quickly.
		w = await loginWorld({ loginTokenTtlMs: 5_000 });
	});
	afterAll(async () => {
		await w.close();
	});

	it('is pending until scanned, then a waiting qrComplete is woken by the pushed update', async () => {
		const started = await w.manager.qrStart(w.start());
		expect(Date.parse(started.expiresAt)).toBeGreaterThan(Date.now());
		const pending = await w.manager.qrComplete({ loginId: started.loginId });
		expect(pending).toEqual({ pending: true, url: started.url, expiresAt: started.expiresAt });

		const t0 = Date.now();
		setTimeout(() => w.sandbox.scanQr(ALICE, started.url), 100);
		const done = await w.manager.qrComplete({ loginId: started.loginId, waitMs: 10_000 });
		expect(Date.now() - t0).toBeLessThan(5_000);
		if (!('session' in done)) throw new Error(`expected a session, got ${JSON.stringify(done)}`);
		expect(done.user.id).toBe(ALICE);
		expect(await w.whoAmI(done.session)).toBe(ALICE);
		expect(w.sandbox.record().logins).toContainEqual(expect.objectContaining({ accountId: ALICE, via: 'qr', twoFactor: false }));
		expect(w.manager.size).toBe(0);
	});

	it('a scan made between steps is seen when the shown token runs out (re-exported as api/qr-login prescribes)', async () => {
		const started = await w.manager.qrStart(w.start());
		w.sandbox.scanQr(ALICE, started.url);
		// No connection was open to receive the push: the step cannot know yet.
		expect(await w.manager.qrComplete({ loginId: started.loginId })).toEqual({ pending: true, url: started.url, expiresAt: started.expiresAt });
		const t0 = Date.now();
		const done = await w.manager.qrComplete({ loginId: started.loginId, waitMs: 10_000 });
		if (!('session' in done)) throw new Error(`expected a session, got ${JSON.stringify(done)}`);
		expect(Date.now() - t0).toBeLessThanOrEqual(Date.parse(started.expiresAt) - t0 + 1_500);
		expect(await w.whoAmI(done.session)).toBe(ALICE);
	});

	it('accepts a scan made by a signed-in client with auth.acceptLoginToken, then asks for 2FA', async () => {
		const started = await w.manager.qrStart(w.start());
		const { apiId, apiHash, server, accounts } = w.sandbox.credentials;
		const app = createTelegramClient({ apiId, apiHash, server, session: accounts.find((a) => a.id === BOB)!.session });
		try {
			await app.connect();
			const accepted = await app.invoke(new Api.auth.AcceptLoginToken({ token: tokenOf(started.url) }));
			expect(accepted).toBeInstanceOf(Api.Authorization);
		} finally {
			await destroyClient(app);
		}
		const first = await w.manager.qrComplete({ loginId: started.loginId, waitMs: 5_000 });
		expect(first).toEqual({ passwordNeeded: true, hint: 'the usual' });
		await expectLoginError(w.manager.qrComplete({ loginId: started.loginId, password: 'guess' }), 'password_invalid');
		const again = await w.manager.qrComplete({ loginId: started.loginId });
		expect(again).toEqual({ passwordNeeded: true, hint: 'the usual' });
		const done = await w.manager.qrComplete({ loginId: started.loginId, password: BOB_PASSWORD });
		if (!('session' in done)) throw new Error('expected a session');
		expect(await w.whoAmI(done.session)).toBe(BOB);
		expect(w.sandbox.record().logins).toContainEqual(expect.objectContaining({ accountId: BOB, via: 'qr', twoFactor: true }));
	});

	it('refuses unknown login ids and ids of the other kind of login', async () => {
		await expectLoginError(w.manager.qrComplete({ loginId: 'no-such-login' }), 'login_not_found');
		await expectLoginError(w.manager.signIn({ loginId: '', code: '12345' }), 'invalid_input');
		const started = await w.manager.qrStart(w.start());
		const wrong = await expectLoginError(w.manager.signIn({ loginId: started.loginId, code: '12345' }), 'wrong_step');
		expect(wrong.message).toContain('QR Complete');
		await w.manager.cancel(started.loginId);
		await expectLoginError(w.manager.qrComplete({ loginId: started.loginId }), 'login_not_found');
	});
});

describe('QR expiry and login expiry', () => {
	it('an unscanned QR expires (the app gets AUTH_TOKEN_EXPIRED); a refreshed one still works', async () => {
		const w = await loginWorld({ loginTokenTtlMs: 1_000 });
		try {
			const started = await w.manager.qrStart(w.start());
			// Token expiry has a one-second resolution on the wire (Telegram's `expires` is unix seconds).
			await new Promise((r) => setTimeout(r, 1_300));
			const scan = (() => {
				try {
					w.sandbox.scanQr(CAROL, started.url);
					return undefined;
				} catch (error) {
					return error;
				}
			})();
			expect(scan).toBeInstanceOf(AuthFailure);
			expect((scan as AuthFailure).telegramError).toBe('AUTH_TOKEN_EXPIRED');
			// Asked after the token ran out, QR Complete asks Telegram again and shows the new token.
			const renewed = await w.manager.qrComplete({ loginId: started.loginId, waitMs: 50 });
			if (!('pending' in renewed)) throw new Error('expected a new pending QR');
			expect(renewed.url).not.toBe(started.url);
			expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.now());

			const refreshed = await w.manager.qrRefresh({ loginId: started.loginId });
			if (!('pending' in refreshed)) throw new Error('expected a new pending QR');
			expect(refreshed.url).not.toBe(renewed.url);
			w.sandbox.scanQr(ALICE, refreshed.url);
			expect(() => w.sandbox.scanQr(ALICE, refreshed.url)).toThrow('AUTH_TOKEN_ALREADY_ACCEPTED');
			const done = await w.manager.qrComplete({ loginId: started.loginId, waitMs: 5_000 });
			if (!('session' in done)) throw new Error('expected a session');
			expect(await w.whoAmI(done.session)).toBe(ALICE);
		} finally {
			await w.close();
		}
	});

	it('holds no connection between steps and forgets a pending login after its lifetime', async () => {
		const w = await loginWorld();
		const manager = new LoginManager({ ttlMs: 300, callDeadlineMs: 5_000 });
		try {
			const started = await manager.qrStart(w.start());
			const sent = await manager.sendCode({ ...w.start(), phone: ALICE_PHONE });
			expect(manager.size).toBe(0);
			await new Promise((r) => setTimeout(r, 450));
			await expectLoginError(manager.qrComplete({ loginId: started.loginId }), 'login_not_found');
			await expectLoginError(manager.signIn({ loginId: sent.loginId, code: ALICE_CODE }), 'login_not_found');
		} finally {
			await manager.close();
			await w.close();
		}
	});
});
