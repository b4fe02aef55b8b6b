/**
 * Queue mode's one owner per session, against the sandbox and a real Redis (127.0.0.1:6379, a
 * unique key prefix per test, removed afterwards): two pools stand for two n8n processes.
 */
import { randomBytes } from 'node:crypto';

import Redis from 'ioredis';

import type { Operation } from '../../../src/core/types';
import { FloodWaitError, executeOperations, type ClientPool } from '../../../src/telegram';
import { Api } from '../../../src/telegram/gramjs';
import { OwnershipCoordinator, ownershipRedis, type OwnershipConfig, type SessionRoute } from '../../../src/telegram/ownership';
import { encodeRequest } from '../../../src/telegram/ownership/codec';
import { balanceUpdate } from '../sandbox/clients';
import { ALICE, CHANNEL, world, type World } from './helpers';

const CHAN = `-100${CHANNEL}`;
const LEASE_MS = 900;

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 20));
	}
}

function op(opKey: string, accountId: string, giftId: string, price: number, quantity = 1): Operation {
	return { opKey, accountId, recipient: CHAN, giftId, price, quantity, supply: null };
}

describe('queue mode: one owner per session (real Redis)', () => {
	let w: World;
	let prefix: string;
	let admin: Redis;
	const coordinators: OwnershipCoordinator[] = [];

	const config = (): OwnershipConfig => ({ redis: { host: '127.0.0.1', port: 6379, db: 0, tls: false }, keyPrefix: prefix, leaseMs: LEASE_MS });
	const process = (): { pool: ClientPool; coordinator: OwnershipCoordinator } => {
		const coordinator = new OwnershipCoordinator(config());
		coordinators.push(coordinator);
		return { pool: w.newPool({ ownership: coordinator }), coordinator };
	};
	const routeOf = (pool: ClientPool): SessionRoute => {
		const entries = (pool as unknown as { entries: Map<string, { conn: { route: SessionRoute } }> }).entries;
		return [...entries.values()][0].conn.route;
	};

	beforeEach(async () => {
		prefix = `test:tg-gifts:${randomBytes(6).toString('hex')}:`;
		admin = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
		await admin.connect();
	});

	afterEach(async () => {
		await Promise.all(coordinators.splice(0).map((c) => c.close()));
		await w?.close();
		const keys = await admin.keys(`${prefix}*`);
		if (keys.length) await admin.del(...keys);
		admin.disconnect();
	});

	it('the first process owns the session; the other forwards reads and payments and opens no connection', async () => {
		w = await world();
		const a = process();
		const b = process();
		const owner = await a.pool.acquire(w.creds('Alice'));
		const other = await b.pool.acquire(w.creds('Alice'));
		expect(routeOf(a.pool).isOwner()).toBe(true);
		expect(routeOf(b.pool).isOwner()).toBe(false);
		expect(await other.account.whoAmI()).toMatchObject({ id: ALICE, label: 'Alice' });
		expect(await other.account.balance()).toEqual({ stars: 1000, nanos: 0 });
		const catalog = await other.account.catalog();
		expect(catalog.gifts.map((g) => g.id)).toContain('5001');
		const results = await executeOperations([op('q-1', ALICE, '5005', 20, 2)], { store: w.store, pool: b.pool, credentials: [w.creds('Alice')] });
		expect(results[0]).toMatchObject({ status: 'bought', quantityBought: 2, balanceAfter: 960 });
		expect(w.paid()).toHaveLength(2);
		expect(b.coordinator.stats.forwarded).toBeGreaterThanOrEqual(5);
		expect(a.coordinator.stats.served).toBe(b.coordinator.stats.forwarded);
		expect(a.coordinator.stats.fenceChecks).toBe(2);
		const record = w.sandbox.record();
		expect(record.connections.byAccount[ALICE]).toBe(1);
		expect(record.connections.maxOpenByAccount[ALICE]).toBe(1);
		// A Telegram refusal crosses as the same typed error.
		await expect(executeOperations([op('q-2', ALICE, '5001', 90)], { store: w.store, pool: b.pool, credentials: [w.creds('Alice')] })).resolves.toMatchObject([{ reason: 'price_changed' }]);
		owner.release();
		other.release();
	});

	it('a dead owner is replaced within about a lease, and the new owner holds the only connection', async () => {
		w = await world();
		const a = process();
		const b = process();
		await (await a.pool.acquire(w.creds('Alice'))).account.whoAmI();
		const other = await b.pool.acquire(w.creds('Alice'));
		// "kill -9": the owner stops renewing and its connection dies, without releasing anything.
		const routeA = routeOf(a.pool) as unknown as { timer: NodeJS.Timeout | null; state: string; serveConn: Redis | null };
		clearTimeout(routeA.timer!);
		routeA.state = 'stopped';
		routeA.serveConn?.disconnect();
		w.sandbox.dropConnections(ALICE);
		await a.pool.destroy();
		const t0 = Date.now();
		// The call waits in Redis until the survivor takes the lease and serves it.
		expect(await other.account.balance()).toEqual({ stars: 1000, nanos: 0 });
		// lease (900 ms) + one probe (300 ms) + the call; generous for a loaded CI machine.
		expect(Date.now() - t0).toBeLessThan(LEASE_MS * 5);
		expect(routeOf(b.pool).isOwner()).toBe(true);
		expect(w.sandbox.record().connections.maxOpenByAccount[ALICE]).toBe(1);
		other.release();
	});

	it('an owner whose lease was taken cannot pay: the fence refuses before anything is sent', async () => {
		w = await world();
		const a = process();
		const lease = await a.pool.acquire(w.creds('Alice'));
		const route = routeOf(a.pool);
		expect(route.isOwner()).toBe(true);
		// Another process took the lease while this one was paused (its local validity not yet over).
		await admin.set(`${prefix}lease:${route.session}`, '999:someone-else', 'PX', 2_000);
		const [result] = await executeOperations([op('f-1', ALICE, '5005', 20)], { store: w.store, pool: a.pool, credentials: [w.creds('Alice')] });
		expect(result.quantityBought).toBe(0);
		expect(result.status).not.toBe('bought');
		expect(w.sandbox.record().calls['payments.sendStarsForm'] ?? 0).toBe(0);
		expect(a.coordinator.stats.fenceRefusals).toBe(1);
		// It let go of its connection at once (and took the session again once the other lease ran out).
		expect(a.coordinator.stats.lost).toBe(1);
		expect(result.error).toMatch(/no longer holds the session .*not sent/);
		expect((await w.store.getPurchase('f-1', 0))?.status).not.toBe('bought');
		lease.release();
	});

	it('a paused owner wakes up knowing it lost the session: its calls go to the new owner', async () => {
		w = await world();
		const a = process();
		const b = process();
		const mine = await a.pool.acquire(w.creds('Alice'));
		await mine.account.whoAmI();
		const other = await b.pool.acquire(w.creds('Alice'));
		const routeA = routeOf(a.pool) as unknown as { timer: NodeJS.Timeout | null; ticking: boolean };
		// Pause: no renewals for two leases.
		clearTimeout(routeA.timer!);
		routeA.ticking = true;
		await new Promise((r) => setTimeout(r, LEASE_MS * 2));
		expect(routeOf(a.pool).isOwner()).toBe(false);
		await other.account.balance();
		expect(routeOf(b.pool).isOwner()).toBe(true);
		// The woken process forwards its payment to the new owner: exactly one purchase.
		const results = await executeOperations([op('p-1', ALICE, '5005', 20)], { store: w.store, pool: a.pool, credentials: [w.creds('Alice')] });
		expect(results[0]).toMatchObject({ status: 'bought', quantityBought: 1 });
		expect(w.paid()).toHaveLength(1);
		expect(w.sandbox.record().connections.maxOpenByAccount[ALICE]).toBe(1);
		mine.release();
		other.release();
	});

	it('flood parking and the breaker live at the owner: a flood answered to one process parks the method for all', async () => {
		w = await world();
		const a = process();
		const b = process();
		const c = process();
		await (await a.pool.acquire(w.creds('Alice'))).account.whoAmI();
		const fromB = await b.pool.acquire(w.creds('Alice'));
		const fromC = await c.pool.acquire(w.creds('Alice'));
		w.sandbox.injectFault({ method: 'payments.getStarsStatus', kind: 'error', error: 'FLOOD_WAIT_30', afterCalls: 0, times: 1 });
		await expect(fromB.account.balance()).rejects.toBeInstanceOf(FloodWaitError);
		const calls = w.sandbox.record().calls['payments.getStarsStatus'];
		const parked = await fromC.account.balance().catch((e: unknown) => e);
		expect(parked).toBeInstanceOf(FloodWaitError);
		expect((parked as FloodWaitError).parked).toBe(true);
		expect((parked as FloodWaitError).notSent).toBe(true);
		expect(w.sandbox.record().calls['payments.getStarsStatus']).toBe(calls);
		fromB.release();
		fromC.release();
	});

	it('updates Telegram pushes to the owner reach the listeners of the other processes, also after a take-over', async () => {
		w = await world();
		const a = process();
		const b = process();
		const own = await a.pool.acquire(w.creds('Alice'));
		await own.account.whoAmI();
		const other = await b.pool.acquire(w.creds('Alice'));
		const seen: string[] = [];
		const ownerSeen: string[] = [];
		other.account.onUpdate((u) => {
			if (u instanceof Api.UpdateStarsBalance) seen.push((u.balance as Api.StarsAmount).amount.toString());
		});
		own.account.onUpdate((u) => {
			if (u instanceof Api.UpdateStarsBalance) ownerSeen.push((u.balance as Api.StarsAmount).amount.toString());
		});
		await new Promise((r) => setTimeout(r, 100));
		w.sandbox.push(ALICE, balanceUpdate(777));
		await until(() => seen.length > 0 && ownerSeen.length > 0);
		expect(seen).toEqual(['777']);
		expect(ownerSeen).toEqual(['777']);
		// B takes the session over: its listener now hears B's own connection; A's hears it through Redis.
		const routeA = routeOf(a.pool) as unknown as { timer: NodeJS.Timeout | null; ticking: boolean };
		clearTimeout(routeA.timer!);
		routeA.ticking = true;
		await new Promise((r) => setTimeout(r, LEASE_MS * 2));
		expect(routeOf(a.pool).isOwner()).toBe(false);
		await other.account.balance();
		expect(routeOf(b.pool).isOwner()).toBe(true);
		await new Promise((r) => setTimeout(r, 100));
		w.sandbox.push(ALICE, balanceUpdate(888));
		await until(() => seen.length > 1 && ownerSeen.length > 1);
		expect(seen).toEqual(['777', '888']);
		expect(ownerSeen).toEqual(['777', '888']);
		own.release();
		other.release();
	});

	it('an owner that only serves others keeps the session while it is used (no idle hand-over under load)', async () => {
		w = await world();
		const coordinator = new OwnershipCoordinator(config());
		coordinators.push(coordinator);
		const ownerPool = w.newPool({ ownership: coordinator, idleMs: 300 });
		const b = process();
		const own = await ownerPool.acquire(w.creds('Alice'));
		const other = await b.pool.acquire(w.creds('Alice'));
		own.release();
		for (let i = 0; i < 12; i++) {
			await other.account.balance();
			await new Promise((r) => setTimeout(r, 100));
		}
		expect(routeOf(ownerPool).isOwner()).toBe(true);
		expect(w.sandbox.record().connections.byAccount[ALICE]).toBe(1);
		other.release();
	});

	it('a request taken just as the process lost the session goes back to the list, unrun', async () => {
		w = await world();
		const a = process();
		const lease = await a.pool.acquire(w.creds('Alice'));
		const route = routeOf(a.pool);
		await admin.set(`${prefix}lease:${route.session}`, '999:someone-else', 'PX', 5_000);
		await expect(route.fence({ account: 'Alice', method: 'payments.SendStarsForm' })).rejects.toMatchObject({ notSent: true });
		expect(route.isOwner()).toBe(false);
		const before = w.sandbox.record().calls['payments.getStarsStatus'] ?? 0;
		const raw = JSON.stringify({ id: 'r1', to: `${prefix}rep:nobody`, sentAt: Date.now(), deadlineMs: 5_000, method: 'payments.GetStarsStatus', req: encodeRequest(new Api.payments.GetStarsStatus({ peer: new Api.InputPeerSelf() })) });
		await (route as unknown as { handle(raw: string): Promise<void> }).handle(raw);
		expect(await admin.lrange(`${prefix}req:${route.session}`, 0, -1)).toEqual([raw]);
		expect(await admin.llen(`${prefix}rep:nobody`)).toBe(0);
		expect(w.sandbox.record().calls['payments.getStarsStatus'] ?? 0).toBe(before);
		lease.release();
	});

	it('a forwarded call costs one exchange: the caller sends one push (RPUSH + PEXPIRE in one script) and one BLPOP, and no BLPOP stands in its way', async () => {
		w = await world();
		const a = process();
		// Process b's connections, counted: the commands it sends, and the BLPOPs on its reply listener.
		const sent: Record<'command' | 'blocking', string[]> = { command: [], blocking: [] };
		const coordinator = new OwnershipCoordinator(config(), (c, role) => {
			const conn = ownershipRedis(c, role);
			const send = conn.sendCommand.bind(conn);
			conn.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
				sent[role].push(command.name);
				return (send as (...args: unknown[]) => unknown)(command, ...rest);
			}) as typeof conn.sendCommand;
			return conn;
		});
		coordinators.push(coordinator);
		const pool = w.newPool({ ownership: coordinator });
		const owner = await a.pool.acquire(w.creds('Alice'));
		const other = await pool.acquire(w.creds('Alice'));
		await other.account.balance();
		await new Promise((r) => setImmediate(r));
		const perCall = (role: 'command' | 'blocking', from: number): string[] => sent[role].slice(from).filter((name) => name !== 'eval');
		for (let i = 0; i < 5; i++) {
			const command = sent.command.length;
			const blocking = sent.blocking.length;
			await other.account.balance();
			// Resumed with the answer before the listener sends its next BLPOP (earlier it was
			// written first, on the caller's path).
			expect(perCall('blocking', blocking)).toEqual([]);
			await new Promise((r) => setImmediate(r));
			expect(perCall('command', command)).toEqual(['evalsha']);
			expect(perCall('blocking', blocking)).toEqual(['blpop']);
		}
		expect(a.coordinator.stats.served).toBe(coordinator.stats.forwarded);
		// The one push still sets the list's expiry (a dead process's list goes away).
		await coordinator.push(`${prefix}probe`, 'x');
		expect(await admin.pttl(`${prefix}probe`)).toBeGreaterThan(50_000);
		owner.release();
		other.release();
	});

	it('Redis unreachable: opening the account fails as not sent, naming the settings', async () => {
		w = await world();
		const coordinator = new OwnershipCoordinator({ redis: { host: '127.0.0.1', port: 1, db: 0, tls: false }, keyPrefix: prefix, leaseMs: LEASE_MS });
		coordinators.push(coordinator);
		const pool = w.newPool({ ownership: coordinator });
		const error = await pool.acquire(w.creds('Alice')).catch((e: unknown) => e as Error & { notSent?: boolean });
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).message).toMatch(/Alice: .*(Redis|lease)/);
		expect((error as { notSent?: boolean }).notSent).toBe(true);
		expect(w.sandbox.record().connections.byAccount[ALICE] ?? 0).toBe(0);
	});
});
