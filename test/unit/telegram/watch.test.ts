/**
 * The shared watcher's loop and the catalog topic with a virtual clock, scripted catalogs and an
 * in-memory seen-store: scheduling (interval / N, round robin, the per-session floor shared by
 * every watcher of a session, flood parking, dead sessions), fan-out to subscribers, and where
 * each subscriber's events start. Over real MTProto and n8n-core: test/nodes/watch.test.ts.
 */
import type { Gift } from '../../../src/core';
import type { SeenGift } from '../../../src/store';
import { AuthInvalidError, FloodWaitError } from '../../../src/telegram';
import { PollFloor } from '../../../src/telegram/pollFloor';
import {
	CatalogTopic,
	Watcher,
	newestGifts,
	type CatalogAccount,
	type CatalogStore,
	type Clock,
	type DeliveryInfo,
	type GiftEvent,
	type SubscribeOptions,
	type WatchSubscriber,
} from '../../../src/telegram/watch';
import { gift as limitedGift } from '../core/fixtures';

const gift = (id: string, over: Partial<Gift> = {}): Gift => limitedGift({ id, stars: 100, availabilityRemains: 10, availabilityTotal: 10, ...over });

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Virtual time: sleeps are timers that fire when the test advances the clock. */
class VirtualClock implements Clock {
	t = 0;
	private timers: Array<{ at: number; resolve: () => void }> = [];
	now = () => this.t;
	sleep = (ms: number, signal: AbortSignal) =>
		new Promise<void>((resolve) => {
			if (signal.aborted) return resolve();
			const timer = { at: this.t + Math.max(0, ms), resolve };
			this.timers.push(timer);
			signal.addEventListener(
				'abort',
				() => {
					this.timers = this.timers.filter((x) => x !== timer);
					resolve();
				},
				{ once: true },
			);
		});

	/** Runs until `done()` holds: fires the next timers in time order, letting every loop run in between. */
	async until(done: () => boolean, limitMs = 600_000): Promise<void> {
		for (let i = 0; i < 50; i++) await turn();
		while (!done()) {
			if (this.t > limitMs) throw new Error(`condition not met by ${limitMs} ms of virtual time`);
			const next = this.timers.reduce((min, x) => Math.min(min, x.at), Number.POSITIVE_INFINITY);
			if (!Number.isFinite(next)) throw new Error('nothing scheduled and the condition does not hold');
			this.t = Math.max(this.t, next);
			const due = this.timers.filter((x) => x.at <= this.t);
			this.timers = this.timers.filter((x) => x.at > this.t);
			for (const x of due) x.resolve();
			for (let i = 0; i < 20; i++) await turn();
		}
	}
}

class MemoryStore implements CatalogStore {
	seen = new Map<string, SeenGift>();
	samples: Array<{ giftId: string; atMs: number; remains: number }> = [];
	closed = 0;
	async listSeenGifts() {
		return [...this.seen.values()];
	}
	async recordGiftsSeen(gifts: Array<{ id: string; soldOut: boolean; data: unknown }>, atMs: number) {
		const update = { newGiftIds: [] as string[], newlySoldOutGiftIds: [] as string[] };
		for (const g of gifts) {
			const before = this.seen.get(g.id);
			if (!before) update.newGiftIds.push(g.id);
			this.seen.set(g.id, { giftId: g.id, firstSeenMs: before?.firstSeenMs ?? atMs, lastSeenMs: atMs, soldOutAtMs: before?.soldOutAtMs ?? (g.soldOut ? atMs : null), data: g.data });
		}
		return update;
	}
	async addSupplySamples(samples: Array<{ giftId: string; atMs: number; remains: number }>) {
		this.samples.push(...samples);
	}
	async close() {
		this.closed += 1;
	}
}

/** Telegram's catalog as the test sets it; each change bumps the hash. */
class ScriptedCatalog {
	gifts: Gift[] = [];
	hash = 1;
	calls: Array<{ account: string; atMs: number; hash: number }> = [];
	constructor(private readonly clock: VirtualClock) {}
	set(gifts: Gift[]) {
		this.gifts = gifts;
		this.hash += 1;
	}
	answer(account: string, hash: number) {
		this.calls.push({ account, atMs: this.clock.t, hash });
		if (hash === this.hash) return { notModified: true, gifts: [], hash };
		return { notModified: false, gifts: this.gifts, hash: this.hash };
	}
}

/** A session: its floor and parking are per session, whichever watcher polls it. */
class FakeAccount implements CatalogAccount {
	readonly pollFloor = new PollFloor();
	parkedUntil: number | null = null;
	failure: unknown = null;
	constructor(
		readonly label: string,
		private readonly catalogs: ScriptedCatalog,
		readonly key = `key-${label}`,
	) {}
	parkedUntilMs() {
		return this.parkedUntil;
	}
	breakerRetryAtMs() {
		return null;
	}
	async catalog(hash: number) {
		if (this.failure) throw this.failure;
		return this.catalogs.answer(this.label, hash);
	}
}

interface Recorder extends WatchSubscriber<GiftEvent> {
	deliveries: Array<{ ids: string[]; events: GiftEvent[]; info: DeliveryInfo }>;
	fatal: Error[];
	warnings: string[];
}

function recorder(): Recorder {
	const r: Recorder = {
		deliveries: [],
		fatal: [],
		warnings: [],
		deliver: (events, info) => void r.deliveries.push({ ids: events.map((e) => `${e.event}:${e.gift.id}`), events, info }),
		onFatal: (error) => void r.fatal.push(error),
		onWarning: (message) => void r.warnings.push(message),
	};
	return r;
}

function world(labels: string[]) {
	const clock = new VirtualClock();
	const catalog = new ScriptedCatalog(clock);
	const accounts = labels.map((l) => new FakeAccount(l, catalog));
	const store = new MemoryStore();
	return { clock, catalog, accounts, store };
}

const options = (over: Partial<SubscribeOptions> = {}): SubscribeOptions => ({ intervalMs: 1000, sessionFloorMs: 0, ...over });

function watcherOf(w: ReturnType<typeof world>, accounts = w.accounts, store = w.store, onFatal: (e: Error) => void = () => undefined) {
	return new Watcher<GiftEvent, FakeAccount>('test', accounts, new CatalogTopic(store), w.clock, onFatal);
}

/** One poll with one account 100 ms after the previous one, floor claimed as the loop would. */
async function pollOnce(watcher: Watcher<GiftEvent, FakeAccount>, w: ReturnType<typeof world>, slot: number) {
	w.clock.t += 100;
	w.accounts[slot]!.pollFloor.tryClaim(w.clock.t);
	await watcher.pollWith(slot);
	for (let i = 0; i < 10; i++) await turn();
}

describe('shared watcher: events and baselines', () => {
	it('takes the first answer as the baseline, then hands every new gift of one answer over together; NotModified sends the hash', async () => {
		const w = world(['a']);
		const watcher = watcherOf(w);
		const sub = recorder();
		watcher.add(sub, options());
		w.catalog.set([gift('1'), gift('2', { limited: false })]);
		await pollOnce(watcher, w, 0);
		await pollOnce(watcher, w, 0);
		w.catalog.set([gift('1'), gift('2', { limited: false }), gift('3'), gift('4')]);
		await pollOnce(watcher, w, 0);
		expect(sub.deliveries.map((d) => [d.info.kind, d.ids])).toEqual([
			['baseline', []],
			['change', ['newGift:3', 'newGift:4']],
		]);
		expect(w.catalog.calls.map((c) => c.hash)).toEqual([0, 2, 2]);
		expect(watcher.stats).toMatchObject({ polls: 3, notModified: 1, changed: 2 });
	});

	it('fans one answer out to every subscriber; one that joins later starts from the state it joined at', async () => {
		const w = world(['a']);
		const watcher = watcherOf(w);
		const first = recorder();
		watcher.add(first, options());
		w.catalog.set([gift('1')]);
		await pollOnce(watcher, w, 0);
		w.catalog.set([gift('1'), gift('2')]);
		await pollOnce(watcher, w, 0);
		const late = recorder();
		const { joined } = watcher.add(late, options());
		expect(joined.atMs).toBe(w.clock.t); // the state of the last answer
		w.catalog.set([gift('1'), gift('2'), gift('3')]);
		await pollOnce(watcher, w, 0);
		expect(first.deliveries.map((d) => d.ids)).toEqual([[], ['newGift:2'], ['newGift:3']]);
		// Gift 2 was seen before it joined: not replayed.
		expect(late.deliveries.map((d) => d.ids)).toEqual([['newGift:3']]);
		expect(w.catalog.calls).toHaveLength(3);
	});

	it("hands the whole current catalog to a subscriber that asks for it ('everything'), at once when the watcher has answered", async () => {
		const w = world(['a']);
		const watcher = watcherOf(w);
		const early = recorder();
		watcher.add(early, options({ from: 'everything' }));
		w.catalog.set([gift('1'), gift('2')]);
		await pollOnce(watcher, w, 0);
		const late = recorder();
		watcher.add(late, options({ from: 'everything' }));
		await watcher.stop();
		expect(early.deliveries.map((d) => d.ids)).toEqual([['newGift:1', 'newGift:2']]);
		expect(late.deliveries.map((d) => [d.info.kind, d.ids])).toEqual([['baseline', ['newGift:1', 'newGift:2']]]);
	});

	it('a resumed subscriber catches up on what it has not seen since its time, whenever it joins; others do not', async () => {
		// Before the restart: gifts 1 and 2 seen, gift 2 first at t = 50; the trigger last saw the catalog at t = 20.
		const w = world(['a']);
		w.store.seen.set('1', { giftId: '1', firstSeenMs: 10, lastSeenMs: 50, soldOutAtMs: null, data: {} });
		w.store.seen.set('2', { giftId: '2', firstSeenMs: 50, lastSeenMs: 50, soldOutAtMs: null, data: {} });
		w.store.seen.set('4', { giftId: '4', firstSeenMs: 10, lastSeenMs: 50, soldOutAtMs: 60, data: {} });
		w.clock.t = 1000;
		const watcher = watcherOf(w);
		const topicOpen = (watcher as unknown as { topic: CatalogTopic }).topic.open();
		await topicOpen;
		const resumed = recorder();
		const fresh = recorder();
		watcher.add(resumed, options({ from: 20 }));
		watcher.add(fresh, options());
		// While n8n was down: gift 3 released.
		w.catalog.set([gift('1'), gift('2'), gift('3'), gift('4', { soldOut: true, availabilityRemains: 0 })]);
		await pollOnce(watcher, w, 0);
		// Another trigger that had been active resumes after the watcher answered (n8n activates workflows one by one).
		const second = recorder();
		watcher.add(second, options({ from: 20 }));
		await watcher.stop();
		const caughtUp = ['newGift:2', 'newGift:3', 'soldOut:4'];
		expect(resumed.deliveries.map((d) => d.ids)).toEqual([caughtUp]);
		expect(second.deliveries.map((d) => d.ids)).toEqual([caughtUp]);
		expect(fresh.deliveries.map((d) => d.ids)).toEqual([[]]);
	});

	it('a resumed subscriber gets nothing when the store cannot say what is new (empty, or records of another catalog)', async () => {
		for (const seen of [[], [{ giftId: 'sandbox-1', firstSeenMs: 10, lastSeenMs: 10, soldOutAtMs: null, data: {} }]]) {
			const w = world(['a']);
			for (const s of seen) w.store.seen.set(s.giftId, s);
			const watcher = watcherOf(w);
			await (watcher as unknown as { topic: CatalogTopic }).topic.open();
			const resumed = recorder();
			watcher.add(resumed, options({ from: 5 }));
			w.clock.t = 100;
			w.catalog.set([gift('1'), gift('2')]);
			await pollOnce(watcher, w, 0);
			w.catalog.set([gift('1'), gift('2'), gift('3')]);
			await pollOnce(watcher, w, 0);
			expect(resumed.deliveries.map((d) => d.ids)).toEqual([[], ['newGift:3']]);
		}
	});

	it('reports sell-outs and supply changes, and samples the supply', async () => {
		const w = world(['a']);
		const watcher = watcherOf(w);
		const sub = recorder();
		watcher.add(sub, options());
		w.catalog.set([gift('1', { availabilityRemains: 10 })]);
		await pollOnce(watcher, w, 0);
		w.catalog.set([gift('1', { availabilityRemains: 4 })]);
		await pollOnce(watcher, w, 0);
		w.catalog.set([gift('1', { availabilityRemains: 0, soldOut: true })]);
		await pollOnce(watcher, w, 0);
		expect(sub.deliveries.slice(1).map((d) => d.ids)).toEqual([['supplyChanged:1'], ['soldOut:1', 'supplyChanged:1']]);
		expect(sub.deliveries[1]!.events[0]!.previousRemains).toBe(10);
		expect(w.store.samples.map((s) => s.remains)).toEqual([10, 4, 0]);
	});

	it('a slow subscriber delays only itself: the others and the polls go on, its own events stay in order', async () => {
		const w = world(['a']);
		const watcher = watcherOf(w);
		let release!: () => void;
		const gate = new Promise<void>((resolve) => (release = resolve));
		const slowSeen: string[][] = [];
		const slow: WatchSubscriber<GiftEvent> = {
			deliver: async (events) => {
				if (events.length > 0) await gate;
				slowSeen.push(events.map((e) => e.gift.id));
			},
			onFatal: () => undefined,
		};
		const quick = recorder();
		watcher.add(slow, options());
		watcher.add(quick, options());
		w.catalog.set([gift('1')]);
		await pollOnce(watcher, w, 0);
		w.catalog.set([gift('1'), gift('2')]);
		await pollOnce(watcher, w, 0);
		w.catalog.set([gift('1'), gift('2'), gift('3')]);
		await pollOnce(watcher, w, 0);
		expect(quick.deliveries.map((d) => d.ids)).toEqual([[], ['newGift:2'], ['newGift:3']]);
		expect(slowSeen).toEqual([[]]);
		release();
		for (let i = 0; i < 10; i++) await turn();
		expect(slowSeen).toEqual([[], ['2'], ['3']]);
	});

	it('picks the newest gifts for a test run', () => {
		const gifts = [gift('5'), gift('12'), gift('7', { firstSaleDate: 100 }), gift('9', { limited: false })];
		expect(newestGifts(gifts, 2, true).map((g) => g.id)).toEqual(['7', '12']);
	});
});

describe('shared watcher: schedule', () => {
	it('spreads polls over the accounts: interval / N apart, round robin, each at most once per floor', async () => {
		const w = world(['a', 'b', 'c', 'd']);
		w.catalog.set([gift('1')]);
		const watcher = watcherOf(w);
		watcher.add(recorder(), options({ intervalMs: 1000, sessionFloorMs: 800 }));
		watcher.start();
		await w.clock.until(() => w.catalog.calls.length >= 12);
		await watcher.stop();
		const calls = w.catalog.calls.slice(0, 12);
		expect(calls.map((c) => c.account)).toEqual(['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd', 'a', 'b', 'c', 'd']);
		expect(calls.map((c) => c.atMs)).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750]);
	});

	it('polls at the smallest interval and the largest floor of its subscribers, re-planned when they change', async () => {
		const w = world(['a']);
		w.catalog.set([gift('1')]);
		const watcher = watcherOf(w);
		const slow = watcher.add(recorder(), options({ intervalMs: 1000 }));
		watcher.start();
		await w.clock.until(() => w.catalog.calls.length >= 2);
		const eager = watcher.add(recorder(), options({ intervalMs: 200 }));
		await w.clock.until(() => w.catalog.calls.length >= 5);
		expect(await eager.remove()).toBe(false);
		await w.clock.until(() => w.catalog.calls.length >= 7);
		const careful = watcher.add(recorder(), options({ intervalMs: 1000, sessionFloorMs: 3000 }));
		await w.clock.until(() => w.catalog.calls.length >= 9);
		await careful.remove();
		expect(await slow.remove()).toBe(true);
		await watcher.stop();
		const gaps = w.catalog.calls.slice(1, 9).map((c, i) => c.atMs - w.catalog.calls[i]!.atMs);
		// 1000 until the eager one joins, 200 from the poll after (re-planned at once), 1000 once it left, 3000 with the careful one.
		expect(gaps).toEqual([1000, 200, 200, 200, 1000, 1000, 3000, 3000]);
		expect(watcher.settings()).toEqual({ intervalMs: 1000, sessionFloorMs: 0 });
	});

	it('one floor per session across watchers: two topics on one session share it, and the largest floor held applies to both', async () => {
		const w = world(['a']);
		w.catalog.set([gift('1')]);
		const catalogWatcher = watcherOf(w);
		const otherStore = new MemoryStore();
		const otherWatcher = watcherOf(w, w.accounts, otherStore);
		catalogWatcher.add(recorder(), options({ intervalMs: 100, sessionFloorMs: 800 }));
		otherWatcher.add(recorder(), options({ intervalMs: 100, sessionFloorMs: 800 }));
		catalogWatcher.start();
		otherWatcher.start();
		await w.clock.until(() => w.catalog.calls.length >= 8);
		const starts = w.catalog.calls.map((c) => c.atMs);
		expect(starts.slice(1).map((t, i) => t - starts[i]!)).toEqual(Array(starts.length - 1).fill(800));
		// A longer floor on the same session, held by the other watcher, slows both down (neither starves).
		const careful = otherWatcher.add(recorder(), options({ intervalMs: 100, sessionFloorMs: 2000 }));
		const from = w.catalog.calls.length;
		await w.clock.until(() => w.catalog.calls.length >= from + 6);
		await careful.remove();
		await catalogWatcher.stop();
		await otherWatcher.stop();
		const later = w.catalog.calls.slice(from).map((c) => c.atMs);
		expect(later.slice(1).map((t, i) => t - later[i]!)).toEqual(Array(later.length - 1).fill(2000));
		expect(w.store.seen.size + otherStore.seen.size).toBe(2);
		expect(catalogWatcher.stats.polls + otherWatcher.stats.polls).toBe(w.catalog.calls.length);
		expect(Math.min(catalogWatcher.stats.polls, otherWatcher.stats.polls)).toBeGreaterThanOrEqual(5);
	});

	it('a per-session floor above the interval slows a single account down', async () => {
		const w = world(['a']);
		const watcher = watcherOf(w);
		watcher.add(recorder(), options({ intervalMs: 100, sessionFloorMs: 800 }));
		watcher.start();
		await w.clock.until(() => w.catalog.calls.length >= 3);
		await watcher.stop();
		expect(w.catalog.calls.slice(0, 3).map((c) => c.atMs)).toEqual([0, 800, 1600]);
	});

	it('skips a flood-parked session and polls with the others meanwhile; the parking is the session’s, so every watcher skips it', async () => {
		const w = world(['a', 'b']);
		w.accounts[0]!.parkedUntil = 5000;
		const first = watcherOf(w);
		const second = watcherOf(w, w.accounts, new MemoryStore());
		first.add(recorder(), options({ intervalMs: 1000 }));
		second.add(recorder(), options({ intervalMs: 1000 }));
		first.start();
		second.start();
		await w.clock.until(() => w.catalog.calls.some((c) => c.account === 'a'));
		await first.stop();
		await second.stop();
		const parked = w.catalog.calls.filter((c) => c.atMs < 5000);
		expect(new Set(parked.map((c) => c.account))).toEqual(new Set(['b']));
		expect(parked.length).toBeGreaterThanOrEqual(5);
		expect(w.catalog.calls.find((c) => c.account === 'a')!.atMs).toBe(5000);
	});

	it('counts a flood wait, keeps polling through transient errors, and stops with a clear error when every session lost its authorization', async () => {
		const w = world(['alice', 'bob']);
		const fatal: Error[] = [];
		const watcher = watcherOf(w, w.accounts, w.store, (e) => void fatal.push(e));
		const sub = recorder();
		watcher.add(sub, options());
		w.accounts[0]!.failure = new FloodWaitError({ account: 'alice', method: 'payments.GetStarGifts' }, 5, 0);
		await pollOnce(watcher, w, 0);
		w.accounts[0]!.failure = new Error('connection reset');
		await pollOnce(watcher, w, 0);
		expect(watcher.stopped).toBe(false);
		expect(watcher.stats).toMatchObject({ failures: 2, floodWaits: 1 });
		w.accounts[0]!.failure = new AuthInvalidError({ account: 'alice', method: 'payments.GetStarGifts' }, 'SESSION_REVOKED');
		w.accounts[1]!.failure = new AuthInvalidError({ account: 'bob', method: 'payments.GetStarGifts' }, 'AUTH_KEY_UNREGISTERED');
		await pollOnce(watcher, w, 0);
		expect(fatal).toHaveLength(0);
		expect(sub.warnings.at(-1)).toMatch(/Account "alice" can no longer be used.*1 other account/);
		await pollOnce(watcher, w, 1);
		expect(fatal).toHaveLength(1);
		expect(sub.fatal).toEqual(fatal);
		expect(fatal[0]!.message).toMatch(/alice: .*SESSION_REVOKED.*bob: .*AUTH_KEY_UNREGISTERED/);
		expect(watcher.stopped).toBe(true);
	});
});
