/** The client pool over the wire: reuse, idle teardown, deadlines, breaker; and no secret ever leaks. */
import type { Operation } from '../../../src/core/types';
import { CircuitOpenError, DeadlineError, MigrateError, executeOperations } from '../../../src/telegram';
import { ALICE, BOB, CHANNEL, trustSandboxRsaKey, world, type World } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('client pool against the sandbox', () => {
	let w: World;
	afterEach(async () => {
		await w.close();
	});

	it('shares one connection per account across leases and calls, and closes it after the idle period', async () => {
		w = await world({}, { idleMs: 150 });
		const leases = await Promise.all([1, 2, 3].map(() => w.pool.acquire(w.creds('Alice'))));
		await Promise.all(leases.map((l) => l.account.catalog()));
		await leases[0].account.balance();
		expect(w.pool.clientsCreated).toBe(1);
		expect(Object.values(w.pool.leases())).toEqual([3]);
		expect(w.sandbox.record().connections.byAccount[ALICE]).toBe(1);
		// Keys are hashes, never the session.
		expect(Object.keys(w.pool.leases())[0]).toMatch(/^[0-9a-f]{16}$/);

		leases.forEach((l) => l.release());
		leases[0].release(); // idempotent
		expect(w.pool.size()).toBe(1);
		const again = await w.pool.acquire(w.creds('Alice'));
		again.release();
		expect(w.pool.clientsCreated).toBe(1);
		await sleep(400);
		expect(w.pool.size()).toBe(0);
		const fresh = await w.pool.acquire(w.creds('Alice'));
		expect(w.pool.clientsCreated).toBe(2);
		fresh.release();
	});

	it('gives every call a deadline and opens the breaker after repeated failures', async () => {
		w = await world({}, { policy: { readDeadlineMs: 150, readAttempts: 2, breaker: { failureThreshold: 2, cooldownMs: 60_000 } } });
		await w.pool.withAccount(w.creds('Bob'), async (bob) => {
			w.sandbox.injectFault({ method: 'payments.getStarsStatus', kind: 'noReply', afterCalls: 0, times: 2 });
			const started = Date.now();
			await expect(bob.balance()).rejects.toBeInstanceOf(DeadlineError);
			expect(Date.now() - started).toBeLessThan(2_000);
			expect(w.sandbox.record().calls['payments.getStarsStatus']).toBe(2);
			const refused = await bob.catalog().catch((e: unknown) => e);
			expect(refused).toBeInstanceOf(CircuitOpenError);
			expect((refused as Error).message).toMatch(/^Bob: paused after repeated failures/);
			expect(bob.isAvailable()).toBe(false);
		});
	});

	it('names the account when its credential is malformed', async () => {
		w = await world();
		await expect(w.pool.acquire({ ...w.creds('Alice'), session: 'garbage' })).rejects.toThrow(/^Alice: invalid credential: session is not a valid session string$/);
		await expect(w.pool.acquire({ ...w.creds('Bob'), apiId: 0 })).rejects.toThrow(/^Bob: invalid credential: apiId must be a positive integer$/);
	});

	it('a DC migration is followed once, signed in; a second one in a row is reported, and the next call follows it', async () => {
		w = await world();
		trustSandboxRsaKey(w.sandbox.credentials.rsaPublicKey);
		// NETWORK_MIGRATE_3 for an account that lives on DC 2: followed to DC 3 (export/import
		// authorization), where the repeated call meets USER_MIGRATE_2 — reported, not followed again.
		w.sandbox.injectFault({ method: 'payments.getStarsStatus', kind: 'error', error: 'NETWORK_MIGRATE_3', code: 303, afterCalls: 0, times: 1 });
		const error = await w.pool.withAccount(w.creds('Alice'), (a) => a.balance()).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(MigrateError);
		expect(error).toMatchObject({ newDc: 2, account: 'Alice' });
		// Still signed in: the next call follows USER_MIGRATE_2 back home and answers.
		const balance = await w.pool.withAccount(w.creds('Alice'), (a) => a.balance());
		expect(balance.stars).toBe(1000);
		const byDc = w.sandbox.record().callsByDc;
		expect(byDc[3]['auth.importAuthorization']).toBe(1);
		expect(byDc[2]['auth.importAuthorization']).toBe(1);
	});

	it('retries a read after a transient server error', async () => {
		w = await world();
		w.sandbox.injectFault({ method: 'payments.getStarGifts', kind: 'error', error: 'INTERNAL', afterCalls: 0, times: 1 });
		const catalog = await w.pool.withAccount(w.creds('Alice'), (a) => a.catalog());
		expect(catalog.gifts.length).toBe(5);
		expect(w.sandbox.record().calls['payments.getStarGifts']).toBe(2);
	});

	it('no session string or api_hash appears in any output, error or result of a faulty run', async () => {
		const written: string[] = [];
		const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
			written.push(String(chunk));
			return true;
		});
		const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
			written.push(String(chunk));
			return true;
		});
		try {
			w = await world();
			const { apiHash, accounts } = w.sandbox.credentials;
			w.sandbox.injectFault({ method: '*', kind: 'error', error: 'AUTH_KEY_DUPLICATED', accountId: BOB, afterCalls: 0, times: 1000 });
			w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'dropAfterApply', afterCalls: 0, times: 1 });
			const ops: Operation[] = [
				{ opKey: 'x1', accountId: ALICE, recipient: `-100${CHANNEL}`, giftId: '5001', price: 100, quantity: 1, supply: 3 },
				{ opKey: 'x2', accountId: BOB, recipient: '@alice', giftId: '5001', price: 100, quantity: 1, supply: 3 },
				{ opKey: 'x3', accountId: ALICE, recipient: '@nobody_here', giftId: '5001', price: 100, quantity: 1, supply: 3 },
				{ opKey: 'x4', accountId: ALICE, recipient: 'me', giftId: '5001', price: 1, quantity: 1, supply: 3 },
			];
			const results = await executeOperations(ops, { store: w.store, pool: w.pool, credentials: [w.creds('Alice'), w.creds('Bob')] });
			const errors: unknown[] = [];
			for (const creds of [w.creds('Bob'), { ...w.creds('Alice'), session: 'not-a-session' }]) {
				errors.push(await w.pool.acquire(creds).catch((e: unknown) => e));
			}
			const text = [
				...written,
				JSON.stringify(results),
				...errors.map((e) => `${String(e)} ${(e as Error).stack ?? ''} ${JSON.stringify(e)}`),
				JSON.stringify(await w.store.listPurchases()),
				JSON.stringify(w.pool.leases()),
			].join('\n');
			expect(results.map((r) => r.status)).toEqual(['bought', 'failed', 'failed', 'skipped']);
			expect(text).toContain('Bob');
			for (const secret of [apiHash, ...accounts.map((a) => a.session)]) {
				expect(text).not.toContain(secret);
				expect(text).not.toContain(secret.slice(0, 24));
			}
		} finally {
			out.mockRestore();
			err.mockRestore();
		}
	});
});
