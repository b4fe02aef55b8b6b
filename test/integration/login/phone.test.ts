/**
 * Phone-code login over the wire against the sandbox, with a real teleproto client driven by
 * the LoginManager: with and without 2FA, wrong and expired codes, wrong passwords, flood on
 * sendCode, unknown phone, and that the resulting session works while the unsigned one did not.
 */
import { LoginError } from '../../../src/telegram/login';
import {
	ALICE, ALICE_CODE, ALICE_PHONE, BOB, BOB_CODE, BOB_PASSWORD, BOB_PHONE, CAROL, CAROL_CODE, CAROL_PASSWORD, CAROL_PHONE,
	loginWorld, type LoginWorld,
} from './helpers';

async function expectLoginError(promise: Promise<unknown>, code: string): Promise<LoginError> {
	const error = await promise.then(() => undefined, (e: unknown) => e);
	expect(error).toBeInstanceOf(LoginError);
	expect((error as LoginError).code).toBe(code);
	return error as LoginError;
}

describe('phone-code login against the sandbox', () => {
	let w: LoginWorld;
	beforeAll(async () => {
		w = await loginWorld({ sendCodeLimit: { maxCalls: 3, windowMs: 60_000 } });
	});
	afterAll(async () => {
		await w.close();
	});

	it('signs in without 2FA; the session then answers users.getUsers as the account', async () => {
		const start = w.start();
		// Before sign-in the key is known but not authorized: account methods answer 401.
		await expect(w.whoAmI(start.startSession!)).rejects.toMatchObject({ code: 401, errorMessage: 'AUTH_KEY_UNREGISTERED' });
		const sent = await w.manager.sendCode({ ...start, phone: ALICE_PHONE });
		expect(sent.codeType).toBe('app');
		expect(sent.codeLength).toBe(5);
		const result = await w.manager.signIn({ loginId: sent.loginId, code: ALICE_CODE });
		if (!('session' in result)) throw new Error('expected a session');
		expect(result.user).toEqual({ id: ALICE, username: 'alice', firstName: 'Alice' });
		expect(await w.whoAmI(result.session)).toBe(ALICE);
		expect(w.manager.size).toBe(0);
		expect(w.sandbox.record().logins).toContainEqual(expect.objectContaining({ accountId: ALICE, via: 'code', twoFactor: false }));
	});

	it('asks for the 2FA password, refuses a wrong one, keeps the login, accepts the right one', async () => {
		const sent = await w.manager.sendCode({ ...w.start(), phone: BOB_PHONE });
		const first = await w.manager.signIn({ loginId: sent.loginId, code: BOB_CODE });
		expect(first).toEqual({ passwordNeeded: true, hint: 'the usual' });
		await expectLoginError(w.manager.signIn({ loginId: sent.loginId, password: 'not-it' }), 'password_invalid');
		const done = await w.manager.signIn({ loginId: sent.loginId, password: BOB_PASSWORD });
		if (!('session' in done)) throw new Error('expected a session');
		expect(await w.whoAmI(done.session)).toBe(BOB);
		expect(w.sandbox.record().logins).toContainEqual(expect.objectContaining({ accountId: BOB, via: 'code', twoFactor: true }));
	});

	it('takes code and password in one call', async () => {
		const sent = await w.manager.sendCode({ ...w.start(), phone: CAROL_PHONE });
		const done = await w.manager.signIn({ loginId: sent.loginId, code: CAROL_CODE, password: CAROL_PASSWORD });
		if (!('session' in done)) throw new Error('expected a session');
		expect(await w.whoAmI(done.session)).toBe(CAROL);
	});

	it('refuses a wrong code but lets the user retry on the same login', async () => {
		const sent = await w.manager.sendCode({ ...w.start(), phone: ALICE_PHONE });
		const error = await expectLoginError(w.manager.signIn({ loginId: sent.loginId, code: '99999' }), 'code_invalid');
		expect(error.message).toContain('PHONE_CODE_INVALID');
		const done = await w.manager.signIn({ loginId: sent.loginId, code: ALICE_CODE });
		expect('session' in done).toBe(true);
	});

	it('refuses an expired code and forgets the login', async () => {
		const short = await loginWorld({ loginCodeTtlMs: 150 });
		try {
			const sent = await short.manager.sendCode({ ...short.start(), phone: CAROL_PHONE });
			await new Promise((r) => setTimeout(r, 250));
			await expectLoginError(short.manager.signIn({ loginId: sent.loginId, code: CAROL_CODE }), 'code_expired');
			await expectLoginError(short.manager.signIn({ loginId: sent.loginId, code: CAROL_CODE }), 'login_not_found');
			expect(short.sandbox.record().logins).toEqual([]);
		} finally {
			await short.close();
		}
	});

	it('answers PHONE_NUMBER_INVALID for an unknown phone and FLOOD_WAIT after too many codes', async () => {
		await expectLoginError(w.manager.sendCode({ ...w.start(), phone: '+15559999999' }), 'phone_invalid');
		expect(w.manager.size).toBe(0);
		// ALICE has had 2 codes in this window (limit 3): one more passes, the next is a flood wait.
		const third = await w.manager.sendCode({ ...w.start(), phone: ALICE_PHONE });
		await w.manager.cancel(third.loginId);
		const flood = await expectLoginError(w.manager.sendCode({ ...w.start(), phone: ALICE_PHONE }), 'flood_wait');
		expect(flood.details.seconds).toBeGreaterThan(0);
		expect(flood.details.seconds).toBeLessThanOrEqual(60);
		expect(w.manager.size).toBe(0);
	});
});
