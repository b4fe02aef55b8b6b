/**
 * Shared watchers through n8n-core's own engine, against the sandbox (real MTProto, real teleproto
 * client): several active Gift Triggers on one credential share one watcher (one poll rate, every
 * drop once each), activating and deactivating adds and removes subscribers without disturbing the
 * others, each trigger takes its own baseline (and a trigger restarted by n8n catches up on what it
 * missed), and the per-session floor and flood parking hold across watchers of one session.
 *
 * The sandbox is the referee for the poll rate: a flood rule answers FLOOD_WAIT to a session that
 * polls twice within a window shorter than the triggers' floor, as Telegram does to a client that
 * polls too fast; a test fails if any trigger's polls were refused.
 */
import { join } from 'node:path';

import type { IDataObject, INode } from 'n8n-workflow';

import { TestEngine, outputOf, packageNode, type ActiveTrigger } from './harness/engine';
import { testUserFolder } from './harness/env';
import { silentLogger, startSandbox, type Sandbox } from '../../src/sandbox';
import { getSharedPool } from '../../src/telegram';
import { getSharedWatchers } from '../../src/telegram/watch';

const ALICE = '1000001';
const BOB = '1000002';
const GET_STAR_GIFTS = 'payments.getStarGifts';
/** Gifts the tests release when they want (scheduled far in the future). */
const LATER = 1e9;

function scenario() {
	return {
		seed: 19,
		accounts: [
			{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: true },
			{ id: BOB, label: 'Bob', username: 'bob', balance: 1000, premium: true },
		],
		gifts: [
			{ id: '7001', stars: 100, limited: true, total: 50, releaseAtMs: 0 },
			{ id: '7101', stars: 100, limited: true, total: 50, releaseAtMs: LATER },
			{ id: '7102', stars: 100, limited: true, total: 50, releaseAtMs: LATER },
			{ id: '7103', stars: 100, limited: true, total: 50, releaseAtMs: LATER },
		],
		// Telegram's answer to a session polling too fast: below the triggers' 300 ms floor, with slack for the loopback.
		floodRules: [{ method: GET_STAR_GIFTS, maxCalls: 1, windowMs: 200, waitSeconds: 1 }],
	};
}

const FLOOR_MS = 300;

function trigger(name: string, options: IDataObject = {}, credentialId?: string): INode {
	const node = packageNode(
		name,
		'telegramGiftTrigger',
		{ pollIntervalMs: 100, limitedOnly: true, events: ['newGift'], options: { sessionFloorMs: FLOOR_MS, ...options } },
		['telegramGiftsAccountApi'],
	);
	if (credentialId) node.credentials!.telegramGiftsAccountApi = { id: credentialId, name: credentialId };
	return node;
}

/** Gift ids every execution of a trigger emitted, in order. */
function emitted(active: ActiveTrigger, node: string): string[] {
	return active.executions.flatMap((run) => (outputOf(run, node)[0] ?? []).map((item) => String(item.id)));
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

const watchers = () => getSharedWatchers().list();
const totalPolls = () => watchers().reduce((sum, w) => sum + w.stats.polls, 0);
const floodWaits = () => watchers().reduce((sum, w) => sum + w.stats.floodWaits, 0);

/** Waits until the running watchers have polled `n` more times (an absence is checked after them, not after a sleep). */
async function afterPolls(n: number): Promise<void> {
	const target = totalPolls() + n;
	await until(() => totalPolls() >= target, `${n} more polls`);
}

describe('shared watchers through n8n-core against the sandbox', () => {
	const engine = new TestEngine();
	let sandbox: Sandbox;
	let storeCount = 0;
	const active: ActiveTrigger[] = [];

	const release = (giftId: string) => {
		sandbox.market.gifts.get(giftId)!.def.releaseAtMs = sandbox.nowMs();
		sandbox.market.advance();
	};
	const catalogCalls = (accountId?: string) => {
		const record = sandbox.record();
		return accountId ? (record.callsByAccount[accountId]?.[GET_STAR_GIFTS] ?? 0) : (record.calls[GET_STAR_GIFTS] ?? 0);
	};
	/** The sandbox's catalog calls are the watchers' polls (one may still be on its way: counted when sent). */
	const expectOnlyWatcherPolls = () => {
		const polls = totalPolls();
		const calls = catalogCalls();
		expect(calls).toBeLessThanOrEqual(polls);
		expect(calls).toBeGreaterThanOrEqual(polls - watchers().length);
	};
	const activate = async (nodes: INode[], workflowId: string, mode: 'activate' | 'init' = 'activate') => {
		const a = await engine.activate({ nodes }, workflowId, mode);
		active.push(a);
		return a;
	};

	beforeEach(async () => {
		// A fresh store per test: what one test's watchers saw is not another's history.
		process.env.TELEGRAM_GIFTS_DB = join(testUserFolder, `watch-${++storeCount}.sqlite`);
		engine.staticData.clear();
		sandbox = await startSandbox(scenario(), { logger: silentLogger() });
		engine.credentials.useSandbox(sandbox.credentials);
	});
	afterEach(async () => {
		for (const a of active.splice(0)) await a.deactivate();
		expect(watchers()).toEqual([]);
		await getSharedPool().destroy();
		await sandbox.stop();
	});
	afterAll(() => engine.shutdown());

	it('two triggers on one credential share one watcher: one poll rate, every drop once each; the last one out stops the polls', async () => {
		const a = await activate([trigger('Monitor')], 'wf-monitor');
		const b = await activate([trigger('Autobuy')], 'wf-autobuy');
		expect(watchers()).toEqual([expect.objectContaining({ topic: 'catalog', accounts: ['alice', 'bob'], subscribers: 2, intervalMs: 100, sessionFloorMs: FLOOR_MS })]);
		await afterPolls(4);
		// Every catalog call the sandbox saw is one of the watcher's polls: nothing else polls.
		expectOnlyWatcherPolls();

		release('7101');
		await until(() => emitted(a, 'Monitor').includes('7101') && emitted(b, 'Autobuy').includes('7101'), 'both triggers to emit 7101');
		await afterPolls(4);
		expect(emitted(a, 'Monitor')).toEqual(['7101']);
		expect(emitted(b, 'Autobuy')).toEqual(['7101']);

		// One leaves: the other goes on alone, still at one poll per floor per session.
		await b.deactivate();
		expect(watchers()).toEqual([expect.objectContaining({ subscribers: 1 })]);
		release('7102');
		await until(() => emitted(a, 'Monitor').includes('7102'), 'the remaining trigger to emit 7102');
		expect(emitted(b, 'Autobuy')).toEqual(['7101']);
		expect(floodWaits()).toBe(0);
		expectOnlyWatcherPolls();

		// The last one out stops the polls.
		await a.deactivate();
		expect(watchers()).toEqual([]);
		const after = catalogCalls();
		await new Promise((resolve) => setTimeout(resolve, 3 * FLOOR_MS));
		expect(catalogCalls()).toBe(after);
	});

	it('each trigger takes its own baseline: a later one does not replay what others saw; "emit current catalog" only on its very first activation', async () => {
		const a = await activate([trigger('A')], 'wf-a');
		await afterPolls(3); // its baseline: the catalog before 7101
		release('7101');
		await until(() => emitted(a, 'A').includes('7101'), 'A to emit 7101');

		const b = await activate([trigger('B')], 'wf-b');
		const c = await activate([trigger('C', { emitCurrentCatalog: true })], 'wf-c');
		expect(watchers()).toEqual([expect.objectContaining({ subscribers: 3 })]);
		await afterPolls(3);
		await until(() => c.executions.length === 1, 'C to emit the current catalog');
		expect(emitted(c, 'C')).toEqual(['7001', '7101']);

		release('7102');
		await until(() => [emitted(a, 'A'), emitted(b, 'B'), emitted(c, 'C')].every((ids) => ids.includes('7102')), 'every trigger to emit 7102');
		await afterPolls(4);
		expect(emitted(a, 'A')).toEqual(['7101', '7102']);
		expect(emitted(b, 'B')).toEqual(['7102']);
		expect(emitted(c, 'C')).toEqual(['7001', '7101', '7102']);

		// Deactivated and activated again by its user: not a first activation any more, no replay.
		await c.deactivate();
		const again = await activate([trigger('C', { emitCurrentCatalog: true })], 'wf-c');
		release('7103');
		await until(() => emitted(again, 'C').includes('7103'), 'C to emit 7103 after re-activation');
		expect(emitted(again, 'C')).toEqual(['7103']);
		expect(floodWaits()).toBe(0);
	});

	it('after an n8n restart every trigger that was active catches up once on what came while it was down; a newly activated one does not', async () => {
		const a = await activate([trigger('A')], 'wf-a');
		const b = await activate([trigger('B')], 'wf-b');
		await afterPolls(3);
		release('7101');
		await until(() => emitted(a, 'A').includes('7101') && emitted(b, 'B').includes('7101'), 'A and B to emit 7101');

		// n8n stops (its triggers are closed), a gift comes out meanwhile, n8n starts again.
		await a.deactivate();
		await b.deactivate();
		expect(watchers()).toEqual([]);
		release('7102');
		const a2 = await activate([trigger('A')], 'wf-a', 'init');
		await until(() => a2.executions.length > 0, 'A to catch up after the restart');
		// B is activated after the watcher has already answered (n8n activates workflows one by one).
		const b2 = await activate([trigger('B')], 'wf-b', 'init');
		const fresh = await activate([trigger('Fresh')], 'wf-fresh', 'init');
		const user = await activate([trigger('User')], 'wf-user');
		await until(() => b2.executions.length > 0, 'B to catch up after the restart');
		release('7103');
		const all: Array<[ActiveTrigger, string]> = [
			[a2, 'A'],
			[b2, 'B'],
			[fresh, 'Fresh'],
			[user, 'User'],
		];
		await until(() => all.every(([t, name]) => emitted(t, name).includes('7103')), 'every trigger to emit 7103');
		await afterPolls(4);
		expect(emitted(a2, 'A')).toEqual(['7102', '7103']);
		expect(emitted(b2, 'B')).toEqual(['7102', '7103']);
		expect(emitted(fresh, 'Fresh')).toEqual(['7103']);
		expect(emitted(user, 'User')).toEqual(['7103']);
		expect(watchers()).toEqual([expect.objectContaining({ subscribers: 4 })]);
	});

	it('one floor per session across watchers: two credentials sharing a session poll it at most once per floor together', async () => {
		// A second credential holding only Alice's session: another account set, so another watcher.
		const aliceOnly = sandbox.credentials.accounts.filter((x) => x.id === ALICE).map((x) => ({ label: 'alice', session: x.session }));
		const data = engine.credentials.get('telegramGiftsAccountApi');
		engine.credentials.setById('alice-only', { ...data, accounts: { account: aliceOnly } });
		const both = await activate([trigger('Both')], 'wf-both');
		const alice = await activate([trigger('Alice', {}, 'alice-only')], 'wf-alice');
		expect(watchers().map((w) => w.accounts)).toEqual(expect.arrayContaining([['alice', 'bob'], ['alice']]));
		const start = catalogCalls(ALICE);
		const t0 = Date.now();
		await until(() => catalogCalls(ALICE) >= start + 8, 'eight polls of alice’s session');
		// Both watchers want alice every 100 ms; her session's floor lets one poll through per 300 ms,
		// and the sandbox would have answered FLOOD_WAIT to two within 200 ms.
		expect(floodWaits()).toBe(0);
		expect(Date.now() - t0).toBeGreaterThanOrEqual(7 * FLOOR_MS - 50);
		expect(watchers().every((w) => w.stats.polls > 0)).toBe(true);
		release('7101');
		await until(() => emitted(both, 'Both').includes('7101') && emitted(alice, 'Alice').includes('7101'), 'both to emit 7101');
	});

	it('flood parking is the session’s: after FLOOD_WAIT no watcher polls that session until the wait is over', async () => {
		const aliceOnly = sandbox.credentials.accounts.filter((x) => x.id === ALICE).map((x) => ({ label: 'alice', session: x.session }));
		const data = engine.credentials.get('telegramGiftsAccountApi');
		engine.credentials.setById('alice-only', { ...data, accounts: { account: aliceOnly } });
		await activate([trigger('Both')], 'wf-both');
		await activate([trigger('Alice', {}, 'alice-only')], 'wf-alice');
		await afterPolls(4);

		sandbox.injectFault({ method: GET_STAR_GIFTS, kind: 'error', error: 'FLOOD_WAIT_3', accountId: ALICE, times: 1 });
		const before = catalogCalls(ALICE);
		await until(() => floodWaits() === 1, 'the flood wait');
		const flooded = catalogCalls(ALICE);
		expect(flooded).toBe(before + 1);
		const bob = catalogCalls(BOB);
		// Both watchers would poll alice several times a second; during the wait neither asks her.
		await until(() => catalogCalls(BOB) >= bob + 5, 'bob’s session to be polled meanwhile');
		expect(catalogCalls(ALICE)).toBe(flooded);
		await until(() => catalogCalls(ALICE) > flooded, 'alice to be polled again after the wait', 10_000);
		expect(floodWaits()).toBe(1);
	});
});
