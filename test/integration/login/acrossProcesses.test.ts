/**
 * A pending login across processes, as n8n queue mode runs the Session operations: every step in
 * an OS process of its own (step-process.js), sharing only the package's store — sqlite, and
 * PostgreSQL as in queue mode — and the sandbox. Also: one step at a time, a dead step's claim
 * running out, and what the store holds (ciphertext only).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openStoreAt, SqliteGiftStore } from '../../../src/store';
import { LoginError, LoginManager } from '../../../src/telegram/login';
import { MemoryLoginVault, openPendingLogin, pendingLoginKey, sealPendingLogin, type PendingLoginVault } from '../../../src/telegram/pendingLogin';
import { pgTestDatabase } from '../../unit/store/backends';
import { ALICE, ALICE_CODE, ALICE_PHONE, BOB, BOB_CODE, BOB_PASSWORD, BOB_PHONE, CAROL, loginScenario, loginWorld, type LoginWorld } from './helpers';

const ROOT = join(__dirname, '..', '..', '..');

type StepAnswer = { ok: Record<string, unknown> } | { error: { code: string; message: string } };

/** Runs one LoginManager method in a new node process on the store at `target`. */
function stepInProcess(w: LoginWorld, target: string, method: string, input: Record<string, unknown>): Promise<StepAnswer> {
	return new Promise((resolve, reject) => {
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- a test: a worker of its own needs an OS process
		const child = spawn(process.execPath, ['--require', join(ROOT, 'scripts', 'sandbox-rsa-trust.js'), join(__dirname, 'step-process.js'), target, method, JSON.stringify(input)], {
			env: { ...process.env, SANDBOX_RSA_KEY: JSON.stringify(w.sandbox.credentials.rsaPublicKey) },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		let err = '';
		child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
		child.on('error', reject);
		child.on('exit', (code) => {
			if (code !== 0) reject(new Error(`login step ${method} exited ${code}: ${err.slice(-2000)}`));
			else resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as StepAnswer);
		});
	});
}

function ok(answer: StepAnswer): Record<string, unknown> {
	if ('error' in answer) throw new Error(`expected a result, got ${answer.error.code}: ${answer.error.message}`);
	return answer.ok;
}

/** Bob (two-step password) lives on DC 1 while logins start at DC 2: the first step migrates. */
const scenario = (): Record<string, unknown> => {
	const base = loginScenario();
	const accounts = (base.accounts as Array<Record<string, unknown>>).map((a) => (a.id === BOB ? { ...a, dc: 1 } : a));
	return { accounts, loginTokenTtlMs: 2_000 };
};

describe('a pending login across OS processes', () => {
	let w: LoginWorld;
	let dir: string;
	const pg = pgTestDatabase();
	beforeAll(async () => {
		w = await loginWorld(scenario());
		dir = mkdtempSync(join(tmpdir(), 'login-across-'));
	});
	afterAll(async () => {
		await w.close();
		rmSync(dir, { recursive: true, force: true });
	});

	const targets: Array<[string, () => string]> = [
		['sqlite', () => join(dir, 'store.sqlite')],
		['PostgreSQL (queue mode)', () => pg.url()],
	];

	/** A LoginManager of this (the test's) process on its own handle onto the same store. */
	async function inThisProcess<T>(target: string, step: (manager: LoginManager) => Promise<T>): Promise<T> {
		const store = await openStoreAt(target);
		try {
			return await step(new LoginManager({ vault: store, callDeadlineMs: 8_000 }));
		} finally {
			await store.close();
		}
	}

	it.each(targets)('%s: Send Code in one process, a wrong code in another, the code in a third, the password back in the second', async (_backend, target) => {
		const sent = ok(await stepInProcess(w, target(), 'sendCode', { ...w.start(), phone: BOB_PHONE }));
		const loginId = sent.loginId as string;
		await expect(inThisProcess(target(), (m) => m.signIn({ loginId, code: '11111' }))).rejects.toMatchObject({ code: 'code_invalid' });
		expect(ok(await stepInProcess(w, target(), 'signIn', { loginId, code: BOB_CODE }))).toEqual({ passwordNeeded: true, hint: 'the usual' });
		const done = await inThisProcess(target(), (m) => m.signIn({ loginId, password: BOB_PASSWORD }));
		if (!('session' in done)) throw new Error('expected a session');
		expect(done.user).toMatchObject({ id: BOB });
		expect(await w.whoAmI(done.session)).toBe(BOB);
		// A finished login is gone from the store.
		await expect(inThisProcess(target(), (m) => m.signIn({ loginId, code: BOB_CODE }))).rejects.toMatchObject({ code: 'login_not_found' });
		expect(w.sandbox.record().logins.filter((l) => l.accountId === BOB).pop()).toMatchObject({ via: 'code', twoFactor: true });
	}, 60_000);

	it.each(targets)('%s: QR Start in one process, the scan seen by QR Complete in another', async (_backend, target) => {
		const started = ok(await stepInProcess(w, target(), 'qrStart', { ...w.start() }));
		setTimeout(() => w.sandbox.scanQr(ALICE, started.url as string), 300);
		const done = await inThisProcess(target(), (m) => m.qrComplete({ loginId: started.loginId as string, waitMs: 10_000 }));
		if (!('session' in done)) throw new Error('expected a session');
		expect(await w.whoAmI(done.session)).toBe(ALICE);
	}, 60_000);

	it('the login must carry its auth key: with the same state on a fresh key the sandbox refuses the code (PHONE_CODE_EXPIRED)', async () => {
		const store = await openStoreAt(join(dir, 'fresh-key.sqlite'));
		try {
			const manager = new LoginManager({ vault: store, callDeadlineMs: 5_000 });
			const sent = await manager.sendCode({ ...w.start(), phone: ALICE_PHONE });
			const key = pendingLoginKey(sent.loginId);
			const claim = await store.claimPendingLogin(key, 'swap', Date.now() + 5_000, Date.now());
			if (!('claimed' in claim)) throw new Error('expected the login row');
			const state = openPendingLogin(sent.loginId, claim.claimed.sealed)!;
			const onFreshKey = sealPendingLogin(sent.loginId, { ...state, session: w.sandbox.issueLoginSession() });
			await store.savePendingLogin(key, 'swap', onFreshKey, claim.claimed.expiresAtMs);
			await expect(manager.signIn({ loginId: sent.loginId, code: ALICE_CODE })).rejects.toMatchObject({ code: 'code_expired' });
		} finally {
			await store.close();
		}
	});
});

describe('one step of a login at a time', () => {
	let w: LoginWorld;
	let dir: string;
	beforeAll(async () => {
		w = await loginWorld({ loginTokenTtlMs: 5_000 });
		dir = mkdtempSync(join(tmpdir(), 'login-claim-'));
	});
	afterAll(async () => {
		await w.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it('a second step while one runs is login_busy; afterwards the login goes on', async () => {
		const path = join(dir, 'busy.sqlite');
		const [storeA, storeB] = [await SqliteGiftStore.open(path), await SqliteGiftStore.open(path)];
		try {
			const a = new LoginManager({ vault: storeA, callDeadlineMs: 5_000 });
			const b = new LoginManager({ vault: storeB, callDeadlineMs: 5_000 });
			const started = await a.qrStart(w.start());
			const waiting = a.qrComplete({ loginId: started.loginId, waitMs: 1_500 });
			await new Promise((r) => setTimeout(r, 300));
			const busy = await b.qrComplete({ loginId: started.loginId }).catch((e: unknown) => e);
			expect(busy).toBeInstanceOf(LoginError);
			expect(busy).toMatchObject({ code: 'login_busy', details: { field: 'loginId' } });
			expect(await waiting).toMatchObject({ pending: true });
			setTimeout(() => w.sandbox.scanQr(CAROL, started.url), 200);
			expect(await b.qrComplete({ loginId: started.loginId, waitMs: 5_000 })).toMatchObject({ passwordNeeded: true });
		} finally {
			await storeA.close();
			await storeB.close();
		}
	});

	it('a step that died holding the login frees it when its claim runs out', async () => {
		const path = join(dir, 'dead.sqlite');
		const store = await openStoreAt(path);
		try {
			const manager = new LoginManager({ vault: store, callDeadlineMs: 5_000, claimLeaseMs: 600 });
			const sent = await manager.sendCode({ ...w.start(), phone: ALICE_PHONE });
			// What a worker killed in the middle of Sign In leaves behind: a claim nobody renews.
			const claimed = await store.claimPendingLogin(pendingLoginKey(sent.loginId), 'killed-worker', Date.now() + 600, Date.now());
			expect('claimed' in claimed).toBe(true);
			await expect(manager.signIn({ loginId: sent.loginId, code: ALICE_CODE })).rejects.toMatchObject({ code: 'login_busy' });
			await new Promise((r) => setTimeout(r, 700));
			const done = await manager.signIn({ loginId: sent.loginId, code: ALICE_CODE });
			if (!('session' in done)) throw new Error('expected a session');
			expect(await w.whoAmI(done.session)).toBe(ALICE);
		} finally {
			await store.close();
		}
	});

	it('a store that fails is said as such; once signed in, the session is returned even if the store fails then', async () => {
		const memory = new MemoryLoginVault();
		let failing: 'claim' | 'delete' | undefined;
		const vault: PendingLoginVault = {
			createPendingLogin: (...a) => memory.createPendingLogin(...a),
			claimPendingLogin: (...a) => (failing === 'claim' ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) : memory.claimPendingLogin(...a)),
			savePendingLogin: (...a) => memory.savePendingLogin(...a),
			deletePendingLogin: (...a) => (failing === 'delete' ? Promise.reject(new Error('the database system is shutting down')) : memory.deletePendingLogin(...a)),
		};
		const manager = new LoginManager({ vault, callDeadlineMs: 5_000 });
		const sent = await manager.sendCode({ ...w.start(), phone: ALICE_PHONE });
		failing = 'claim';
		const refused = await manager.signIn({ loginId: sent.loginId, code: ALICE_CODE }).catch((e: unknown) => e);
		expect(refused).toMatchObject({ code: 'storage', message: expect.stringContaining('ECONNREFUSED') });
		failing = 'delete';
		const done = await manager.signIn({ loginId: sent.loginId, code: ALICE_CODE });
		if (!('session' in done)) throw new Error('expected a session');
		expect(await w.whoAmI(done.session)).toBe(ALICE);
	});

	it('the store holds only ciphertext under a hash of the login id', async () => {
		const path = join(dir, 'sealed.sqlite');
		const store = await openStoreAt(path);
		try {
			const manager = new LoginManager({ vault: store, callDeadlineMs: 5_000 });
			const start = w.start();
			const sent = await manager.sendCode({ ...start, phone: BOB_PHONE });
			const key = pendingLoginKey(sent.loginId);
			expect(key).not.toContain(sent.loginId);
			const claim = await store.claimPendingLogin(key, 'inspector', Date.now() + 1_000, Date.now());
			if (!('claimed' in claim)) throw new Error('expected the login row');
			const raw = claim.claimed.sealed;
			const state = openPendingLogin(sent.loginId, raw);
			expect(state).toMatchObject({ kind: 'code', stage: 'code', apiHash: start.apiHash, phone: '15550000002' });
			const authKey = Buffer.from(state!.session.slice(1), 'base64');
			for (const secret of [start.apiHash, '15550000002', state!.phoneCodeHash!, sent.loginId]) {
				expect(raw.includes(Buffer.from(secret, 'utf8'))).toBe(false);
			}
			expect(raw.includes(authKey.subarray(-64))).toBe(false);
			expect(openPendingLogin(`${sent.loginId}x`, raw)).toBeUndefined();
			const tampered = Buffer.from(raw);
			tampered[tampered.length - 1] ^= 1;
			expect(openPendingLogin(sent.loginId, tampered)).toBeUndefined();
			await store.savePendingLogin(key, 'inspector', raw, claim.claimed.expiresAtMs);
			await manager.cancel(sent.loginId);
			await expect(manager.signIn({ loginId: sent.loginId, code: BOB_CODE })).rejects.toMatchObject({ code: 'login_not_found' });
		} finally {
			await store.close();
		}
	});
});
