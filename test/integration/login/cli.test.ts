/**
 * The `login` CLI end to end against the sandbox: scripted answers on an injected stream, the
 * session on stdout (or only in a 0600 file with --out), retries of wrong code and password,
 * the QR shown in the terminal and scanned, and clean failures.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
	ALICE, ALICE_CODE, ALICE_PHONE, BOB, BOB_CODE, BOB_PASSWORD, BOB_PHONE, CAROL, CAROL_PASSWORD,
	loginWorld, runLoginCli, type LoginWorld,
} from './helpers';

describe('login CLI against the sandbox', () => {
	let w: LoginWorld;
	let dir: string;
	beforeAll(async () => {
		w = await loginWorld();
		dir = mkdtempSync(join(tmpdir(), 'tg-login-cli-'));
	});
	afterAll(async () => {
		await w.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it('phone → wrong code → code → wrong password → password: prints only the session on stdout', async () => {
		const { apiId, apiHash } = w.sandbox.credentials;
		const answers = [String(apiId), apiHash, BOB_PHONE, '11111', BOB_CODE, 'nope', BOB_PASSWORD];
		// No --server: it is taken from the login session, as a user of the sandbox would do.
		const r = await runLoginCli([], answers, { TELEGRAM_LOGIN_SESSION: w.sandbox.issueLoginSession() });
		expect(r.stderr).toContain('api_id: ');
		expect(r.stderr).toContain('Telegram sent a login code in your Telegram app');
		expect(r.stderr).toContain('The code is wrong');
		expect(r.stderr).toContain('(hint: the usual)');
		expect(r.stderr).toContain('The two-step verification password is wrong');
		expect(r.stderr).toContain('Signed in as Bob @bob (id 1000002)');
		expect(r.stderr).toContain('The session string is a password');
		expect(r.code).toBe(0);
		const lines = r.stdout.split('\n').filter(Boolean);
		expect(lines).toHaveLength(1);
		expect(await w.whoAmI(lines[0])).toBe(BOB);
	});

	it('--out writes the session to a 0600 file (even over a wider existing file) and prints nothing', async () => {
		const { apiId, apiHash, server } = w.sandbox.credentials;
		const file = join(dir, 'alice.session');
		writeFileSync(file, 'old', { mode: 0o644 });
		const r = await runLoginCli(['--server', `${server.host}:${server.port}`, '--out', file], [ALICE_PHONE, ALICE_CODE], {
			TELEGRAM_API_ID: String(apiId),
			TELEGRAM_API_HASH: apiHash,
			TELEGRAM_LOGIN_SESSION: w.sandbox.issueLoginSession(),
		});
		expect(r.code).toBe(0);
		expect(r.stdout).toBe('');
		expect(r.stderr).not.toContain('api_id: ');
		expect(r.stderr).toContain(`Session written to ${file} (mode 0600)`);
		expect(statSync(file).mode & 0o777).toBe(0o600);
		expect(await w.whoAmI(readFileSync(file, 'utf8').trim())).toBe(ALICE);
	});

	it('--qr draws the QR on stderr, waits for the scan, asks the 2FA password', async () => {
		const { apiId, apiHash } = w.sandbox.credentials;
		let scanned = false;
		const r = await runLoginCli(['--qr'], [CAROL_PASSWORD], {
			TELEGRAM_API_ID: String(apiId),
			TELEGRAM_API_HASH: apiHash,
			TELEGRAM_LOGIN_SESSION: w.sandbox.issueLoginSession(),
		}, (soFar) => {
			if (!scanned && soFar.includes('Scan this QR code')) {
				scanned = true;
				setTimeout(() => w.sandbox.scanQr(CAROL), 50);
			}
		});
		expect(r.stderr).toMatch(/[▀▄█]/);
		expect(r.stderr).toContain('two-step verification password');
		expect(r.code).toBe(0);
		expect(await w.whoAmI(r.stdout.trim())).toBe(CAROL);
	});

	it('fails cleanly: unknown phone, too many wrong codes, input ending early, bad --server', async () => {
		const { apiId, apiHash } = w.sandbox.credentials;
		const env = { TELEGRAM_API_ID: String(apiId), TELEGRAM_API_HASH: apiHash, TELEGRAM_LOGIN_SESSION: w.sandbox.issueLoginSession() };
		const unknown = await runLoginCli([], ['+15551234567'], env);
		expect(unknown).toMatchObject({ code: 1, stdout: '' });
		expect(unknown.stderr).toContain('login failed: Telegram does not accept this phone number');

		const wrong = await runLoginCli([], [ALICE_PHONE, '11111', '22222', '33333'], { ...env, TELEGRAM_LOGIN_SESSION: w.sandbox.issueLoginSession() });
		expect(wrong).toMatchObject({ code: 1, stdout: '' });
		expect(wrong.stderr).toContain('login failed: The code is wrong');

		const early = await runLoginCli([], [ALICE_PHONE], { ...env, TELEGRAM_LOGIN_SESSION: w.sandbox.issueLoginSession() });
		expect(early).toMatchObject({ code: 1, stdout: '' });
		expect(early.stderr).toContain('login failed: input ended before an answer to "code"');

		// A bad server is a CliError, printed by the CLI entry point like every command's; an unknown
		// flag is a usage error (exit 2) with the usage line.
		await expect(runLoginCli(['--server', 'nowhere'], [], env)).rejects.toThrow('server must be "production", "test" or HOST:PORT');
		const unknownFlag = await runLoginCli(['--phone'], [], env);
		expect(unknownFlag).toMatchObject({ code: 2, stdout: '' });
		expect(unknownFlag.stderr).toMatch(/^unknown option --phone\nusage: n8n-nodes-telegram-gifts login/);
		const help = await runLoginCli(['--help'], [], env);
		expect(help.code).toBe(0);
		expect(help.stdout).toMatch(/^usage: n8n-nodes-telegram-gifts login [\s\S]*TELEGRAM_LOGIN_SESSION/);

		const badId = await runLoginCli([], ['abc'], { TELEGRAM_LOGIN_SESSION: env.TELEGRAM_LOGIN_SESSION });
		expect(badId.stderr).toContain('login failed: api_id must be a positive whole number');
	});
});

describe('login CLI on a terminal', () => {
	it('echoes what the user types except api_hash and the 2FA password', async () => {
		const w = await loginWorld();
		try {
			const { PassThrough } = await import('node:stream');
			const { run } = await import('../../../src/cli/login');
			const { apiId, apiHash } = w.sandbox.credentials;
			// A fake terminal: readline echoes typed characters to its output unless muted.
			const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
			const answers: Array<[string, string]> = [
				['api_id: ', String(apiId)],
				['api_hash (hidden): ', apiHash],
				['phone number (international format, e.g. +15550001111): ', BOB_PHONE],
				['code: ', BOB_CODE],
				['password (hint: the usual) (hidden): ', BOB_PASSWORD],
			];
			let stderr = '';
			let stdout = '';
			const code = await run([], {
				input,
				env: { TELEGRAM_LOGIN_SESSION: w.sandbox.issueLoginSession() },
				stdout: { write: (t: string) => (stdout += t) },
				stderr: {
					write: (t: string) => {
						stderr += t;
						const next = answers[0];
						// Type the answer only once its prompt is shown, as a person would.
						if (next && t.endsWith(': ') && t.includes(next[0])) {
							answers.shift();
							setImmediate(() => input.write(`${next[1]}\r`));
						}
						return true;
					},
				},
			});
			expect(code).toBe(0);
			expect(await w.whoAmI(stdout.trim())).toBe(BOB);
			expect(stderr).toContain(String(apiId));
			expect(stderr).toContain(BOB_CODE);
			expect(stderr).not.toContain(apiHash);
			expect(stderr).not.toContain(BOB_PASSWORD);
		} finally {
			await w.close();
		}
	});
});
