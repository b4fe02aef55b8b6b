/**
 * Queue mode under faults (npm run reliability, stage "queue"): separate OS processes
 * (test/reliability/queue-process.js, the built package) share one session through the owner
 * lease in a **private redis-server** this file starts on a free port (and restarts in the Redis
 * case), one ledger (a sqlite file; in the PostgreSQL case a **private PostgreSQL cluster**,
 * test/support/privatePostgres.ts, really restarted) and the sandbox as Telegram. Each case:
 * kill -9 a process in the middle of a payment (or restart Redis or PostgreSQL), then run the
 * buyer again; the record must show 0 double buys, 0 overspend and every interrupted unit
 * settled (reconciled), never left open.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { silentLogger, startSandbox, type Sandbox } from '../../src/sandbox';
import { getStore } from '../../src/store';
import type { Operation } from '../../src/core/types';
import { PrivatePostgres, freePort } from '../support/privatePostgres';
import { ZERO, recordCase } from './lib';

const ALICE = '1000001';
const CHANNEL = '2000000001';
const CHAN = `-100${CHANNEL}`;
const LEASE_MS = 1000;
const POLICY = { readDeadlineMs: 2_000, formDeadlineMs: 2_000, sendDeadlineMs: 2_500, connectDeadlineMs: 3_000, retryBaseMs: 50, retryMaxMs: 200 };
const PRICE = 20;

function scenario(): Record<string, unknown> {
	return {
		seed: 16,
		accounts: [{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: false }],
		channels: [{ id: CHANNEL, title: 'Gifts', username: 'giftschan', acceptsGifts: true, members: [ALICE] }],
		gifts: [{ id: '5005', stars: PRICE, limited: true, total: 100, releaseAtMs: 0 }],
	};
}


const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A private redis-server (no persistence), killed at the end of the case. */
class PrivateRedis {
	private child: ChildProcess | null = null;
	constructor(readonly port: number) {}

	async start(): Promise<void> {
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- a test: a private redis-server to restart
		const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
		this.child = child;
		for (let i = 0; i < 100; i++) {
			// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- a test: is the private redis-server up
			if (spawnSync('redis-cli', ['-p', String(this.port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') return;
			await sleep(50);
		}
		throw new Error(`redis-server on ${this.port} did not start`);
	}

	async stop(): Promise<void> {
		const child = this.child;
		if (!child || child.exitCode !== null) return;
		const exited = new Promise((r) => child.once('exit', r));
		child.kill('SIGKILL');
		await exited;
		this.child = null;
	}
}

interface Proc {
	child: ChildProcess;
	lines: Array<Record<string, unknown>>;
	exited: Promise<number | null>;
	stderr: string[];
}

interface Ctx {
	sandbox: Sandbox;
	redis: PrivateRedis;
	prefix: string;
	storePath: string;
	procs: Proc[];
}

function startProcess(ctx: Ctx, role: 'owner' | 'buyer', ops: Operation[] = []): Proc {
	const account = ctx.sandbox.credentials.accounts.find((a) => a.label === 'Alice')!;
	const { apiId, apiHash, server } = ctx.sandbox.credentials;
	const cfg = {
		role,
		redisPort: ctx.redis.port,
		prefix: ctx.prefix,
		leaseMs: LEASE_MS,
		policy: POLICY,
		storePath: ctx.storePath,
		reconcileGraceMs: 3_000,
		credentials: [{ apiId, apiHash, server, session: account.session, label: 'Alice' }],
		ops,
	};
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- a test: queue mode needs separate OS processes
	const child = spawn(process.execPath, [join(__dirname, 'queue-process.js')], { stdio: ['pipe', 'pipe', 'pipe'] });
	const proc: Proc = { child, lines: [], stderr: [], exited: new Promise((r) => child.once('exit', (code) => r(code))) };
	let buffer = '';
	child.stdout!.on('data', (chunk: Buffer) => {
		buffer += chunk.toString('utf8');
		for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
			const line = buffer.slice(0, i);
			buffer = buffer.slice(i + 1);
			try {
				proc.lines.push(JSON.parse(line) as Record<string, unknown>);
			} catch {
				// not ours
			}
		}
	});
	child.stderr!.on('data', (chunk: Buffer) => proc.stderr.push(chunk.toString('utf8')));
	child.stdin!.end(JSON.stringify(cfg));
	ctx.procs.push(proc);
	return proc;
}

async function until<T>(what: string, check: () => T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = check();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(25);
	}
}

async function ownerUp(ctx: Ctx): Promise<Proc> {
	const owner = startProcess(ctx, 'owner');
	await until('the owner process', () => owner.lines.find((l) => l.ready) ?? (owner.child.exitCode !== null ? (() => { throw new Error(`owner exited: ${owner.stderr.join('').slice(0, 300)} ${JSON.stringify(owner.lines)}`); })() : null));
	return owner;
}

async function buyerResults(proc: Proc): Promise<Array<Record<string, unknown>>> {
	await proc.exited;
	const line = proc.lines.find((l) => l.results);
	if (!line) throw new Error(`buyer failed: ${JSON.stringify(proc.lines)} ${proc.stderr.join('').slice(0, 400)}`);
	return line.results as Array<Record<string, unknown>>;
}

function kill9(proc: Proc): Promise<number | null> {
	proc.child.kill('SIGKILL');
	return proc.exited;
}

const sends = (sandbox: Sandbox): number => sandbox.record().calls['payments.sendStarsForm'] ?? 0;

/** The figures: paid copies beyond the plan per opKey, Stars beyond the plan, units left unresolved. */
async function figures(ctx: Ctx, ops: Operation[]): Promise<{ doubleBuys: number; overspendStars: number; open: number; paid: number; reconciled: number }> {
	const paid = ctx.sandbox.record().purchases.filter((p) => p.ok);
	const planned = ops.reduce((n, op) => n + op.quantity, 0);
	const store = await getStore(ctx.storePath);
	let open = 0;
	let reconciled = 0;
	let ledgerBought = 0;
	try {
		for (const op of ops) {
			for (let u = 0; u < op.quantity; u++) {
				const entry = await store.getPurchase(op.opKey, u);
				if (!entry) continue;
				if (entry.status === 'bought') ledgerBought++;
				if (entry.status !== 'bought' && entry.status !== 'failed') open++;
				if (/reconciled/.test(entry.reason ?? '')) reconciled++;
			}
		}
	} finally {
		await store.close();
	}
	const spent = paid.reduce((s, p) => s + p.stars, 0);
	// A copy paid but not in the ledger as bought would be bought again by a later run: count it.
	const doubleBuys = Math.max(0, paid.length - planned) + Math.max(0, paid.length - ledgerBought);
	return { doubleBuys, overspendStars: Math.max(0, spent - planned * PRICE), open, paid: paid.length, reconciled };
}

describe('queue mode: processes killed, Redis and PostgreSQL restarted (private servers, separate processes)', () => {
	let ctx: Ctx;
	let dir: string;
	/** The PostgreSQL case's private cluster: stopped and removed after the case, whatever happened. */
	let pg: PrivatePostgres | undefined;

	beforeEach(async () => {
		dir = mkdtempSync(join(tmpdir(), 'tg-queue-rel-'));
		const sandbox = await startSandbox(scenario(), { logger: silentLogger() });
		const redis = new PrivateRedis(await freePort());
		await redis.start();
		ctx = { sandbox, redis, prefix: 'rel:tg-gifts:', storePath: join(dir, 'gifts.sqlite'), procs: [] };
	});

	afterEach(async () => {
		for (const p of ctx.procs) if (p.child.exitCode === null && p.child.signalCode === null) await kill9(p);
		await ctx.redis.stop();
		await ctx.sandbox.stop();
		rmSync(dir, { recursive: true, force: true });
		await pg?.destroy();
		pg = undefined;
	});

	afterAll(async () => {
		await pg?.destroy();
	});

	const ops = (key: string, quantity: number): Operation[] => [{ opKey: key, accountId: ALICE, recipient: CHAN, giftId: '5005', price: PRICE, quantity, supply: null }];

	async function finish(name: string, started: number, plan: Operation[], outcome: string): Promise<Awaited<ReturnType<typeof figures>>> {
		const f = await figures(ctx, plan);
		const line = recordCase({ stage: 'queue', case: name, outcome: `${outcome}; ${f.paid} paid, ${f.reconciled} reconciled, ${f.open} open`, ms: Date.now() - started, ...ZERO, doubleBuys: f.doubleBuys, overspendStars: f.overspendStars });
		expect({ doubleBuys: line.doubleBuys, overspendStars: line.overspendStars, open: f.open }).toEqual({ doubleBuys: 0, overspendStars: 0, open: 0 });
		// One connection of the session at any time.
		expect(Object.values(ctx.sandbox.record().connections.maxOpenByAccount).every((n) => n <= 1)).toBe(true);
		return f;
	}

	it('kill -9 a worker in the middle of a forwarded payment; the next run reconciles, never pays twice', async () => {
		const started = Date.now();
		await ownerUp(ctx);
		ctx.sandbox.setLatency('payments.sendStarsForm', 800);
		const plan = ops('kill-worker', 2);
		const worker = startProcess(ctx, 'buyer', plan);
		await until('the first payment to reach Telegram', () => sends(ctx.sandbox) >= 1);
		await kill9(worker);
		// Telegram applies the payment the dead worker asked for.
		await sleep(1_200);
		ctx.sandbox.setLatency('payments.sendStarsForm', undefined);
		const again = await buyerResults(startProcess(ctx, 'buyer', plan));
		// Unit 0 reconciled as bought (paid by the dead worker's request), unit 1 bought now: two copies.
		expect(again[0]).toMatchObject({ status: 'bought' });
		expect(ctx.sandbox.record().purchases.filter((p) => p.ok)).toHaveLength(2);
		await finish('queue: worker killed mid-payment', started, plan, `rerun: ${String(again[0].status)}, ${String(again[0].quantityBought)}/2`);
	});

	it('kill -9 the session owner in the middle of a payment; the worker takes the session over and reconciles', async () => {
		const started = Date.now();
		const owner = await ownerUp(ctx);
		ctx.sandbox.setLatency('payments.sendStarsForm', 800);
		const plan = ops('kill-owner', 2);
		const worker = startProcess(ctx, 'buyer', plan);
		await until('the first payment to reach Telegram', () => sends(ctx.sandbox) >= 1);
		await kill9(owner);
		ctx.sandbox.dropConnections(ALICE);
		const first = await buyerResults(worker);
		ctx.sandbox.setLatency('payments.sendStarsForm', undefined);
		// Whatever the first run could not settle, the next run does (the grace of 3 s has passed by then).
		const again = await buyerResults(startProcess(ctx, 'buyer', plan));
		await finish('queue: session owner killed mid-payment', started, plan, `first run: ${String(first[0].status)} ${String(first[0].quantityBought)}/2; rerun: ${String(again[0].status)} ${String(again[0].quantityBought)}/2`);
	});

	it('PostgreSQL restarted (pg_ctl stop -m immediate, private cluster) while payments are forwarded: no process crashes, nothing paid twice, every unit settled', async () => {
		const started = Date.now();
		pg = await PrivatePostgres.start();
		// Every process of the case (owner, workers, the figures) uses this cluster as its store.
		ctx.storePath = pg.url();
		const owner = await ownerUp(ctx);
		ctx.sandbox.setLatency('payments.sendStarsForm', 500);
		const plan = ops('pg-restart', 4);
		const worker = startProcess(ctx, 'buyer', plan);
		await until('the first payment to reach Telegram', () => sends(ctx.sandbox) >= 1);
		const down = Date.now();
		await pg.stop();
		// Down for longer than a payment takes: the answer of the one in flight arrives while the store is away.
		await sleep(1_500);
		await pg.startAgain();
		const outageMs = Date.now() - down;
		const first = await buyerResults(worker);
		// The run stopped at a claim the store could not make while it was down, and says so (which store, never its URL's secrets).
		expect(first[0]).toMatchObject({ status: 'failed', retryable: true });
		expect(String(first[0].error)).toMatch(/The gift store at postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres \(schema telegram_gifts\) failed: /);
		// The owner's pooled store connections were dropped too: it must still be up, serving the session.
		expect({ ownerExit: owner.child.exitCode, ownerSignal: owner.child.signalCode }).toEqual({ ownerExit: null, ownerSignal: null });
		ctx.sandbox.setLatency('payments.sendStarsForm', undefined);
		await sleep(3_000);
		const again = await buyerResults(startProcess(ctx, 'buyer', plan));
		const f = await finish(
			'queue: PostgreSQL restarted mid-run',
			started,
			plan,
			`outage ${outageMs} ms; first run: ${String(first[0].status)} ${String(first[0].quantityBought)}/4 (${String(first[0].error ?? '').slice(0, 160)}); rerun: ${String(again[0].status)} ${String(again[0].quantityBought)}/4`,
		);
		// The payment in flight when the server went down could not be recorded as bought: it is settled by reconciliation.
		expect(f.reconciled).toBeGreaterThanOrEqual(1);
		expect(again[0]).toMatchObject({ status: 'bought' });
		expect(f.paid).toBe(4);
	});

	it('Redis restarted (no persistence) while payments are forwarded: nothing paid twice, every unit settled', async () => {
		const started = Date.now();
		await ownerUp(ctx);
		ctx.sandbox.setLatency('payments.sendStarsForm', 400);
		const plan = ops('redis-restart', 4);
		const worker = startProcess(ctx, 'buyer', plan);
		await until('the first payment to reach Telegram', () => sends(ctx.sandbox) >= 1);
		await ctx.redis.stop();
		await sleep(1_500);
		await ctx.redis.start();
		const first = await buyerResults(worker);
		ctx.sandbox.setLatency('payments.sendStarsForm', undefined);
		await sleep(3_000);
		const again = await buyerResults(startProcess(ctx, 'buyer', plan));
		await finish('queue: Redis restarted mid-run', started, plan, `first run: ${String(first[0].status)} ${String(first[0].quantityBought)}/4; rerun: ${String(again[0].status)} ${String(again[0].quantityBought)}/4`);
	});
});
