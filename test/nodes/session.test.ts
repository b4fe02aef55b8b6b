/**
 * Telegram Gift → Session (login) run by n8n-core's engine against the sandbox: Send Code → Sign In
 * (with and without two-step password, also across executions), QR Start (a PNG that decodes to
 * the login URL) → scan → QR Complete, errors naming the parameter without secrets, Continue On
 * Fail, and no account credential anywhere. The session a login returns then works in the node's
 * own Account → Get Info.
 */
import jsQR from 'jsqr';
import type { IBinaryData, IDataObject, INode, IRun } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';
import { PNG } from 'pngjs';

import { TestEngine, chain, errorOf, outputOf, packageNode } from './harness/engine';
import { getSharedPool } from '../../src/telegram';
import {
	ALICE,
	ALICE_CODE,
	ALICE_PHONE,
	BOB,
	BOB_CODE,
	BOB_PASSWORD,
	BOB_PHONE,
	CAROL,
	CAROL_CODE,
	CAROL_PASSWORD,
	CAROL_PHONE,
	loginWorld,
	type LoginWorld,
} from '../integration/login/helpers';

describe('Telegram Gift → Session through n8n-core against the sandbox', () => {
	const engine = new TestEngine();
	let w: LoginWorld;
	/** Every secret a test handed to the node or got back from it: none may show up in errors. */
	const secrets = new Set<string>();

	beforeAll(async () => {
		w = await loginWorld();
		engine.credentials.clear(); // no credential exists: any getCredentials call would fail
		secrets.add(w.sandbox.credentials.apiHash);
	});
	afterAll(async () => {
		await getSharedPool().destroy();
		await w.close();
		await engine.shutdown();
	});

	/** A Session node with no credential, as workflows/login.json has it. */
	function sessionNode(name: string, operation: string, parameters: IDataObject, onError?: INode['onError']): INode {
		const node = packageNode(name, 'telegramGift', { resource: 'session', operation, ...parameters });
		return onError ? { ...node, onError } : node;
	}

	/** The connection parameters of Send Code / QR Start, with a fresh sandbox login session. */
	function startParameters(): IDataObject {
		const { apiId, apiHash, server } = w.sandbox.credentials;
		const startSession = w.sandbox.issueLoginSession();
		secrets.add(startSession);
		return { apiId: String(apiId), apiHash, server: `${server.host}:${server.port}`, startSession };
	}

	function only(run: IRun, node: string): IDataObject {
		expect(errorOf(run)).toBeUndefined();
		const [items] = outputOf(run, node);
		expect(items).toHaveLength(1);
		return items![0]!;
	}

	function expectNoSecret(text: string): void {
		for (const secret of secrets) expect(text).not.toContain(secret);
	}

	async function sendCode(phone: string): Promise<string> {
		const run = await engine.run({ nodes: [sessionNode('Send code', 'sendCode', { phone, ...startParameters() })] });
		const sent = only(run, 'Send code');
		expect(sent).toMatchObject({ loginId: expect.any(String), codeType: expect.any(String) });
		expect(Date.parse(sent.expiresAt as string)).toBeGreaterThan(Date.now());
		return sent.loginId as string;
	}

	/** The session works: the node's own Account → Get Info with a credential holding it. */
	async function expectWorkingSession(session: string, accountId: string): Promise<void> {
		secrets.add(session);
		expect(await w.whoAmI(session)).toBe(accountId);
		const { apiId, apiHash, server } = w.sandbox.credentials;
		engine.credentials.set('telegramGiftsAccountApi', { apiId, apiHash, server: 'custom', host: server.host, port: server.port, accounts: { account: [{ label: 'new', session }] } });
		try {
			const info = packageNode('Info', 'telegramGift', { resource: 'account', operation: 'getInfo' }, ['telegramGiftsAccountApi']);
			expect(only(await engine.run({ nodes: [info] }), 'Info')).toMatchObject({ label: 'new', id: accountId });
		} finally {
			engine.credentials.clear();
			await getSharedPool().destroy();
		}
	}

	it('hides the account credential for Session (n8n-core refuses it there) and shows it elsewhere', () => {
		const description = engine.nodeTypes.getByNameAndVersion('n8n-nodes-telegram-gifts.telegramGift').description;
		const credential = description.credentials!.find((c) => c.name === 'telegramGiftsAccountApi')!;
		const shown = (resource: string) => NodeHelpers.displayParameter({ resource }, credential, null, description);
		expect(shown('session')).toBe(false);
		expect(shown('gift')).toBe(true);
		expect(shown('account')).toBe(true);
		expect(shown('recipient')).toBe(true);
	});

	it('Send Code → Sign In in one run returns a session that works', async () => {
		const run = await engine.run({
			nodes: [
				sessionNode('Send code', 'sendCode', { phone: ALICE_PHONE, ...startParameters() }),
				sessionNode('Sign in', 'signIn', { loginId: '={{ $json.loginId }}', code: ALICE_CODE }),
			],
			connections: chain(['Send code', 'Sign in']),
		});
		const signedIn = only(run, 'Sign in');
		expect(signedIn).toMatchObject({ session: expect.any(String), user: { id: ALICE, username: 'alice' } });
		expect(run.data.resultData.runData['Sign in']![0]!.data!.main[0]![0]!.pairedItem).toEqual({ item: 0 });
		await expectWorkingSession(signedIn.session as string, ALICE);
	});

	it('asks for the two-step password, then signs in in a later execution (the pending login survives)', async () => {
		const loginId = await sendCode(BOB_PHONE);
		const asked = only(await engine.run({ nodes: [sessionNode('Sign in', 'signIn', { loginId, code: BOB_CODE })] }), 'Sign in');
		expect(asked).toEqual({ passwordNeeded: true, hint: 'the usual' });

		secrets.add(BOB_PASSWORD);
		const wrong = await engine.run({ nodes: [sessionNode('Sign in', 'signIn', { loginId, code: BOB_CODE, password: 'not-bobs-password' })] });
		expect(errorOf(wrong)?.message).toMatch(/^Password \(item 0\): The two-step verification password is wrong/);
		expectNoSecret(JSON.stringify(errorOf(wrong)));

		const signedIn = only(await engine.run({ nodes: [sessionNode('Sign in', 'signIn', { loginId, code: BOB_CODE, password: BOB_PASSWORD })] }), 'Sign in');
		expect(signedIn).toMatchObject({ session: expect.any(String), user: { id: BOB, username: 'bob' } });
		await expectWorkingSession(signedIn.session as string, BOB);
	});

	it('takes the code and the password together', async () => {
		const loginId = await sendCode(CAROL_PHONE);
		secrets.add(CAROL_PASSWORD);
		const signedIn = only(await engine.run({ nodes: [sessionNode('Sign in', 'signIn', { loginId, code: CAROL_CODE, password: CAROL_PASSWORD })] }), 'Sign in');
		expect(signedIn).toMatchObject({ session: expect.any(String), user: { id: CAROL } });
		await expectWorkingSession(signedIn.session as string, CAROL);
	});

	it('a wrong code is a NodeOperationError naming Code, without any secret; the right code still works', async () => {
		const loginId = await sendCode(ALICE_PHONE);
		const wrongCode = '11111'; // ALICE_CODE is 86420
		const run = await engine.run({ nodes: [sessionNode('Sign in', 'signIn', { loginId, code: wrongCode })] });
		const error = run.data.resultData.error!;
		expect(error.name).toBe('NodeOperationError');
		expect(error.message).toMatch(/^Code \(item 0\): The code is wrong/);
		for (const text of [error.message, JSON.stringify(errorOf(run))]) {
			expect(text).not.toContain(wrongCode);
			expect(text).not.toContain(ALICE_CODE);
			expect(text).not.toContain(loginId);
			expectNoSecret(text);
		}
		const signedIn = only(await engine.run({ nodes: [sessionNode('Sign in', 'signIn', { loginId, code: ALICE_CODE })] }), 'Sign in');
		expect(signedIn.user).toMatchObject({ id: ALICE });
		secrets.add(signedIn.session as string);
	});

	it('bad inputs name their parameter; Continue On Fail puts the error in json.error and keeps the other items', async () => {
		const start = startParameters();
		const items = [{ json: { phone: 'call me' } }, { json: { phone: ALICE_PHONE } }];
		const send = sessionNode('Send code', 'sendCode', { ...start, phone: '={{ $json.phone }}' }, 'continueRegularOutput');
		const run = await engine.run({ nodes: [send] }, { input: items });
		expect(errorOf(run)).toBeUndefined();
		const [out] = outputOf(run, 'Send code');
		expect(out).toEqual([
			{ error: expect.stringMatching(/^Phone \(item 0\): phone must be a phone number/) },
			expect.objectContaining({ loginId: expect.any(String), codeType: expect.any(String) }),
		]);
		expect(run.data.resultData.runData['Send code']![0]!.data!.main[0]!.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);

		// Without Continue On Fail the run stops with the same error.
		const stopped = await engine.run({ nodes: [{ ...send, onError: undefined }] }, { input: items });
		expect(errorOf(stopped)?.message).toMatch(/^Phone \(item 0\)/);

		const cases: Array<[string, IDataObject, RegExp]> = [
			['sendCode', { ...startParameters(), phone: ALICE_PHONE, apiId: 'abc' }, /^API ID \(item 0\)/],
			['sendCode', { ...startParameters(), phone: ALICE_PHONE, server: 'nowhere' }, /^Server \(item 0\)/],
			['signIn', { loginId: 'no-such-login', code: '12345' }, /^Login ID \(item 0\): Unknown or expired login id/],
			['signIn', { loginId: (out![1] as IDataObject).loginId as string, code: 'twelve' }, /^Code \(item 0\): code must be the digits/],
			['qrComplete', { loginId: (out![1] as IDataObject).loginId as string }, /^Login ID \(item 0\): This login id belongs to a phone-code login/],
		];
		for (const [operation, parameters, expected] of cases) {
			const failed = await engine.run({ nodes: [sessionNode('Step', operation, parameters)] });
			expect(errorOf(failed)?.message).toMatch(expected);
			expectNoSecret(JSON.stringify(errorOf(failed)));
		}
	});

	it('a failed Sign In goes to the error output like the template wires it', async () => {
		const loginId = await sendCode(ALICE_PHONE);
		const run = await engine.run({ nodes: [sessionNode('Sign in', 'signIn', { loginId, code: '99999' }, 'continueErrorOutput')] });
		expect(errorOf(run)).toBeUndefined();
		const [success, failure] = outputOf(run, 'Sign in');
		expect(success).toEqual([]);
		expect(failure).toEqual([{ error: expect.stringMatching(/^Code \(item 0\): The code is wrong/) }]);
	});

	it('QR Start returns a PNG of the login URL; after the scan QR Complete returns a working session', async () => {
		const started = await engine.run({ nodes: [sessionNode('QR start', 'qrStart', startParameters())] });
		const qr = only(started, 'QR start');
		expect(qr).toMatchObject({ loginId: expect.any(String), url: expect.stringMatching(/^tg:\/\/login\?token=[A-Za-z0-9_-]+$/) });
		const binary = started.data.resultData.runData['QR start']![0]!.data!.main[0]![0]!.binary!.qr as IBinaryData;
		expect(binary).toMatchObject({ mimeType: 'image/png', fileName: 'login-qr.png' });
		const image = PNG.sync.read(Buffer.from(binary.data, 'base64'));
		expect(jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data).toBe(qr.url);

		const loginId = qr.loginId as string;
		const pending = only(await engine.run({ nodes: [sessionNode('QR complete', 'qrComplete', { loginId, waitSeconds: 0 })] }), 'QR complete');
		expect(pending).toEqual({ pending: true, url: qr.url, expiresAt: qr.expiresAt });
		const badWait = await engine.run({ nodes: [sessionNode('QR complete', 'qrComplete', { loginId, waitSeconds: '={{ -1 }}' })] });
		expect(errorOf(badWait)?.message).toMatch(/^Wait \(Seconds\) \(item 0\): must be a number from 0 to 120/);

		setTimeout(() => w.sandbox.scanQr(ALICE, qr.url as string), 100);
		const done = only(await engine.run({ nodes: [sessionNode('QR complete', 'qrComplete', { loginId, waitSeconds: 10 })] }), 'QR complete');
		expect(done).toMatchObject({ session: expect.any(String), user: { id: ALICE } });
		await expectWorkingSession(done.session as string, ALICE);
	});

	it('QR login of an account with a two-step password asks for it, then completes', async () => {
		const qr = only(await engine.run({ nodes: [sessionNode('QR start', 'qrStart', startParameters())] }), 'QR start');
		// Scanned while QR Complete waits (a scan between executions is seen only when the token runs
		// out: test/integration/login/qr.test.ts).
		setTimeout(() => w.sandbox.scanQr(BOB, qr.url as string), 300);
		const loginId = qr.loginId as string;
		const asked = only(await engine.run({ nodes: [sessionNode('QR complete', 'qrComplete', { loginId, waitSeconds: 10 })] }), 'QR complete');
		expect(asked).toEqual({ passwordNeeded: true, hint: 'the usual' });
		const done = only(await engine.run({ nodes: [sessionNode('QR complete', 'qrComplete', { loginId, password: BOB_PASSWORD })] }), 'QR complete');
		expect(done).toMatchObject({ session: expect.any(String), user: { id: BOB } });
		await expectWorkingSession(done.session as string, BOB);
	});
});
