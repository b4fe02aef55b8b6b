/**
 * Secret scan: runs the login paths (good and bad) through the LoginManager and the CLI while
 * capturing everything written to stdout, stderr, the console and the sandbox log, plus every
 * error message and result, and asserts that no api_hash, code, password, QR token or session
 * string appears anywhere except the one session line the CLI prints and the sessions returned.
 */
import { LoginError } from '../../../src/telegram/login';
import {
	ALICE_CODE, ALICE_PHONE, BOB_CODE, BOB_PASSWORD, BOB_PHONE, CAROL, CAROL_CODE, CAROL_PASSWORD,
	loginWorld, runLoginCli, type LoginWorld,
} from './helpers';

describe('no secret leaks from login', () => {
	const written: string[] = [];
	const logLines: string[] = [];
	const secrets = new Set<string>();
	const spies: jest.SpyInstance[] = [];
	let w: LoginWorld;

	beforeAll(async () => {
		w = await loginWorld({ sendCodeLimit: { maxCalls: 4, windowMs: 60_000 }, loginTokenTtlMs: 2_000 }, { logLines });
		const capture = (chunk: unknown): boolean => {
			written.push(String(chunk));
			return true;
		};
		spies.push(jest.spyOn(process.stdout, 'write').mockImplementation(capture));
		spies.push(jest.spyOn(process.stderr, 'write').mockImplementation(capture));
		for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
			spies.push(jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' '))));
		}
		const { apiHash, accounts, loginSession } = w.sandbox.credentials;
		for (const s of [apiHash, ALICE_CODE, BOB_CODE, CAROL_CODE, BOB_PASSWORD, CAROL_PASSWORD, loginSession, ...accounts.map((a) => a.session)]) {
			secrets.add(s);
		}
	});

	afterAll(async () => {
		for (const spy of spies) spy.mockRestore();
		await w.close();
	});

	/** A fresh login session, remembered as a secret. */
	function start(): ReturnType<LoginWorld['start']> {
		const s = w.start();
		secrets.add(s.startSession!);
		return s;
	}

	async function errorText(promise: Promise<unknown>): Promise<string> {
		const error = await promise.then(() => undefined, (e: unknown) => e);
		expect(error).toBeInstanceOf(LoginError);
		return `${(error as Error).message} ${(error as Error).stack ?? ''} ${JSON.stringify(error)}`;
	}

	it('runs every path and leaks nothing', async () => {
		const observed: string[] = [];
		const m = w.manager;

		// Phone code with 2FA: wrong code, wrong password, then right.
		const bob = await m.sendCode({ ...start(), phone: BOB_PHONE });
		observed.push(JSON.stringify(bob));
		observed.push(await errorText(m.signIn({ loginId: bob.loginId, code: '11111' })));
		observed.push(JSON.stringify(await m.signIn({ loginId: bob.loginId, code: BOB_CODE })));
		observed.push(await errorText(m.signIn({ loginId: bob.loginId, password: `${BOB_PASSWORD}x` })));
		const bobDone = await m.signIn({ loginId: bob.loginId, password: BOB_PASSWORD });
		if (!('session' in bobDone)) throw new Error('expected a session');
		secrets.add(bobDone.session);
		observed.push(JSON.stringify(bobDone.user));

		// Unknown phone, flood, unknown login id, bad api_hash.
		observed.push(await errorText(m.sendCode({ ...start(), phone: '+15557654321' })));
		for (let i = 0; i < 4; i++) {
			const s = await m.sendCode({ ...start(), phone: ALICE_PHONE });
			await m.cancel(s.loginId);
		}
		observed.push(await errorText(m.sendCode({ ...start(), phone: ALICE_PHONE })));
		observed.push(await errorText(m.signIn({ loginId: 'missing', code: ALICE_CODE })));
		const wrongHash = `${w.sandbox.credentials.apiHash.slice(0, 31)}0`;
		secrets.add(wrongHash);
		observed.push(await errorText(m.sendCode({ ...start(), apiHash: wrongHash, phone: BOB_PHONE })));

		// QR with 2FA and a wrong password.
		const qr = await m.qrStart(start());
		const token = qr.url.slice('tg://login?token='.length);
		w.sandbox.scanQr(CAROL, qr.url);
		observed.push(JSON.stringify(await m.qrComplete({ loginId: qr.loginId, waitMs: 5_000 })));
		observed.push(await errorText(m.qrComplete({ loginId: qr.loginId, password: 'wrong' })));
		const carolDone = await m.qrComplete({ loginId: qr.loginId, password: CAROL_PASSWORD });
		if (!('session' in carolDone)) throw new Error('expected a session');
		secrets.add(carolDone.session);

		// The CLI, phone + 2FA with a wrong code, and QR.
		const { apiId, apiHash } = w.sandbox.credentials;
		const cliPhone = await runLoginCli([], [String(apiId), apiHash, BOB_PHONE, '12121', BOB_CODE, BOB_PASSWORD], {
			TELEGRAM_LOGIN_SESSION: start().startSession,
		});
		expect(cliPhone.code).toBe(0);
		const cliSession = cliPhone.stdout.trim();
		secrets.add(cliSession);
		expect(cliPhone.stdout).toBe(`${cliSession}\n`);
		let scanned = false;
		const cliQr = await runLoginCli(['--qr'], [], { TELEGRAM_API_ID: String(apiId), TELEGRAM_API_HASH: apiHash, TELEGRAM_LOGIN_SESSION: start().startSession }, (soFar) => {
			if (!scanned && soFar.includes('Scan this QR code')) {
				scanned = true;
				setTimeout(() => w.sandbox.scanQr('1000001'), 20);
			}
		});
		expect(cliQr.code).toBe(0);
		secrets.add(cliQr.stdout.trim());
		observed.push(cliPhone.stderr, cliQr.stderr);

		const everything = [...written, ...logLines, ...observed];
		expect(everything.join('\n').length).toBeGreaterThan(500);
		expect(logLines.some((l) => l.includes('signed in'))).toBe(true);
		for (const secret of [...secrets, token]) {
			expect(secret.length).toBeGreaterThanOrEqual(5);
			const leaks = everything.filter((text) => text.includes(secret));
			expect({ secret: `${secret.slice(0, 3)}…`, leaks }).toEqual({ secret: `${secret.slice(0, 3)}…`, leaks: [] });
		}
	});
});
