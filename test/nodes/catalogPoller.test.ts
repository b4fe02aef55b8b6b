/** The trigger's polling loop with a fake clock, a scripted catalog and an in-memory seen-store. */
import type { Gift } from '../../src/core';
import type { SeenGift } from '../../src/store';
import { AuthInvalidError } from '../../src/telegram';
import {
	CatalogPoller,
	newestGifts,
	type CatalogAnswer,
	type CatalogSource,
	type Clock,
	type GiftEvent,
	type PollerOptions,
	type SeenStore,
} from '../../nodes/TelegramGiftTrigger/transport/catalogPoller';
import { classifyFailure } from '../../nodes/TelegramGiftTrigger/transport/accountSource';
import { gift as limitedGift } from '../unit/core/fixtures';

const gift = (id: string, over: Partial<Gift> = {}): Gift =>
	limitedGift({ id, stars: 100, availabilityRemains: 10, availabilityTotal: 10, ...over });

/** Time only moves when the loop sleeps: every poll is at a known instant. */
class FakeClock implements Clock {
	t = 0;
	sleeps: number[] = [];
	now = () => this.t;
	sleep = async (ms: number, signal: AbortSignal) => {
		this.sleeps.push(ms);
		if (!signal.aborted) this.t += ms;
		// A macrotask turn, so the test's own waiting gets to run between polls.
		await new Promise((resolve) => setImmediate(resolve));
	};
}

class MemoryStore implements SeenStore {
	seen = new Map<string, SeenGift>();
	samples: Array<{ giftId: string; atMs: number; remains: number }> = [];
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
}

/** A catalog that changes when the test says so; each change bumps the hash. */
class ScriptedSource implements CatalogSource {
	gifts: Gift[] = [];
	hash = 1;
	calls: Array<{ slot: number; atMs: number; hash: number }> = [];
	blocked = new Map<number, number>();
	failures = new Map<number, unknown>();
	constructor(
		readonly labels: string[],
		private readonly clock: FakeClock,
	) {}
	set(gifts: Gift[]) {
		this.gifts = gifts;
		this.hash += 1;
	}
	async fetch(slot: number, hash: number): Promise<CatalogAnswer> {
		this.calls.push({ slot, atMs: this.clock.t, hash });
		const failure = this.failures.get(slot);
		if (failure) throw failure;
		if (hash === this.hash) return { notModified: true, gifts: [], hash };
		return { notModified: false, gifts: this.gifts, hash: this.hash };
	}
	blockedUntilMs(slot: number) {
		return this.blocked.get(slot) ?? null;
	}
}

function setup(labels: string[], options: Partial<PollerOptions> = {}) {
	const clock = new FakeClock();
	const source = new ScriptedSource(labels, clock);
	const store = new MemoryStore();
	const emitted: GiftEvent[][] = [];
	const fatal: Error[] = [];
	const poller = new CatalogPoller(
		source,
		store,
		clock,
		{ intervalMs: 1000, sessionFloorMs: 0, events: new Set(['newGift']), limitedOnly: true, emitCurrentOnFirstRun: false, ...options },
		{ onEvents: (events) => void emitted.push(events), onFatal: (e) => void fatal.push(e), classify: classifyFailure },
	);
	return { clock, source, store, emitted, fatal, poller };
}

describe('CatalogPoller', () => {
	it('takes a baseline on first activation, then emits all new gifts of one poll together', async () => {
		const { source, emitted, poller } = setup(['a']);
		source.set([gift('1'), gift('2', { limited: false })]);
		await poller.init();
		expect(await poller.pollWith(0)).toEqual([]);
		expect(await poller.pollWith(0)).toEqual([]); // not modified
		source.set([gift('1'), gift('2', { limited: false }), gift('3'), gift('4'), gift('5', { limited: false })]);
		const events = await poller.pollWith(0);
		expect(events.map((e) => e.gift.id)).toEqual(['3', '4']);
		expect(emitted).toHaveLength(1);
		expect(source.calls.map((c) => c.hash)).toEqual([0, 2, 2]);
	});

	it('emits the current catalog on first activation when asked', async () => {
		const { source, poller } = setup(['a'], { emitCurrentOnFirstRun: true });
		source.set([gift('1'), gift('2')]);
		expect((await poller.pollWith(0)).map((e) => e.gift.id)).toEqual(['1', '2']);
	});

	it('does not emit again what the store saw before a restart, but does emit what came meanwhile', async () => {
		const first = setup(['a']);
		first.source.set([gift('1')]);
		await first.poller.pollWith(0);
		const second = setup(['a']);
		second.store.seen = first.store.seen;
		second.source.set([gift('1'), gift('2')]);
		expect((await second.poller.pollWith(0)).map((e) => e.gift.id)).toEqual(['2']);
	});

	it('reports sell-outs and supply changes when chosen', async () => {
		const { source, store, poller } = setup(['a'], { events: new Set(['soldOut', 'supplyChanged']) });
		source.set([gift('1', { availabilityRemains: 10 })]);
		await poller.pollWith(0);
		source.set([gift('1', { availabilityRemains: 4 })]);
		expect(await poller.pollWith(0)).toEqual([expect.objectContaining({ event: 'supplyChanged', previousRemains: 10 })]);
		source.set([gift('1', { availabilityRemains: 0, soldOut: true })]);
		expect((await poller.pollWith(0)).map((e) => e.event)).toEqual(['soldOut', 'supplyChanged']);
		expect(store.samples.map((s) => s.remains)).toEqual([10, 4, 0]);
	});

	it('spreads polls over the accounts: interval / N apart, round robin, each at most once per floor', async () => {
		const { clock, source, poller } = setup(['a', 'b', 'c', 'd'], { intervalMs: 1000, sessionFloorMs: 800 });
		source.set([gift('1')]);
		await poller.init();
		poller.start();
		while (source.calls.length < 12) await new Promise((r) => setImmediate(r));
		await poller.stop();
		const calls = source.calls.slice(0, 12);
		expect(calls.map((c) => c.slot)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
		expect(calls.map((c) => c.atMs)).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750]);
		expect(clock.t).toBeGreaterThanOrEqual(2750);
	});

	it('a per-session floor above the interval slows a single account down', async () => {
		const { source, poller } = setup(['a'], { intervalMs: 100, sessionFloorMs: 800 });
		await poller.init();
		poller.start();
		while (source.calls.length < 3) await new Promise((r) => setImmediate(r));
		await poller.stop();
		expect(source.calls.slice(0, 3).map((c) => c.atMs)).toEqual([0, 800, 1600]);
	});

	it('skips a flood-parked account and polls with the others meanwhile', async () => {
		const { source, poller } = setup(['a', 'b'], { intervalMs: 1000 });
		source.blocked.set(0, 5000);
		await poller.init();
		poller.start();
		while (source.calls.length < 4) await new Promise((r) => setImmediate(r));
		await poller.stop();
		expect(source.calls.slice(0, 4).map((c) => c.slot)).toEqual([1, 1, 1, 1]);
		expect(source.calls.slice(0, 4).map((c) => c.atMs)).toEqual([0, 1000, 2000, 3000]);
	});

	it('keeps polling through transient errors and stops with a clear error when every account lost its authorization', async () => {
		const { source, fatal, poller } = setup(['alice', 'bob']);
		source.failures.set(0, new Error('connection reset'));
		await poller.pollWith(0);
		expect(poller.stopped).toBe(false);
		const revoked = new AuthInvalidError({ account: 'alice', method: 'payments.GetStarGifts' }, 'SESSION_REVOKED');
		source.failures.set(0, revoked);
		source.failures.set(1, new AuthInvalidError({ account: 'bob', method: 'payments.GetStarGifts' }, 'AUTH_KEY_UNREGISTERED'));
		await poller.pollWith(0);
		expect(fatal).toHaveLength(0);
		await poller.pollWith(1);
		expect(fatal).toHaveLength(1);
		expect(fatal[0]!.message).toMatch(/alice: .*SESSION_REVOKED.*bob: .*AUTH_KEY_UNREGISTERED/);
		expect(poller.stopped).toBe(true);
	});

	it('picks the newest gifts for a test run', () => {
		const gifts = [gift('5'), gift('12'), gift('7', { firstSaleDate: 100 }), gift('9', { limited: false })];
		expect(newestGifts(gifts, 2, true).map((g) => g.id)).toEqual(['7', '12']);
	});
});
