/**
 * The trigger's polling loop, apart from n8n so it can be tested with a fake clock: polls the
 * catalog with the accounts in turn (hash-based: an unchanged catalog costs one tiny answer),
 * turns changes into events (new gift, sold out, supply changed), and hands all events of one
 * poll over together.
 *
 * Timing: with N usable accounts and interval P the loop polls every P/N ms, so a drop is seen
 * within about P/N; each account polls at most once per `sessionFloorMs`. A flood-waiting account
 * is skipped until its wait ends (the others carry on, each poll gap recomputed for N−1).
 *
 * State: what was already seen lives in the store (gifts seen before a restart are not emitted
 * again); what this poller has emitted lives in memory, so two triggers in two workflows each get
 * every event.
 */
import type { Gift } from '../../../src/core';
import type { GiftStore, SeenGift } from '../../../src/store';

export type GiftEventType = 'newGift' | 'soldOut' | 'supplyChanged';

export interface GiftEvent {
	event: GiftEventType;
	gift: Gift;
	/** For supplyChanged: the copies left before this poll. */
	previousRemains: number | null;
	detectedAtMs: number;
	/** Label of the account whose poll saw it. */
	account: string;
}

export interface CatalogAnswer {
	notModified: boolean;
	gifts: Gift[];
	hash: number;
}

/** The accounts the poller rotates over (the account layer's pooled clients in production). */
export interface CatalogSource {
	readonly labels: readonly string[];
	fetch(slot: number, hash: number): Promise<CatalogAnswer>;
	/** Until when the slot must not be polled (flood wait, open breaker), or null. */
	blockedUntilMs(slot: number): number | null;
}

/** How a failure affects the loop. */
export type FailureKind = 'transient' | 'auth';

export interface Clock {
	now(): number;
	/** Resolves after `ms`, or early (without error) when `signal` aborts. */
	sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: (ms, signal) =>
		new Promise<void>((resolve) => {
			if (signal.aborted) return resolve();
			const timer = setTimeout(done, Math.max(0, ms));
			function done() {
				clearTimeout(timer);
				signal.removeEventListener('abort', done);
				resolve();
			}
			signal.addEventListener('abort', done, { once: true });
		}),
};

export interface PollerOptions {
	intervalMs: number;
	sessionFloorMs: number;
	events: ReadonlySet<GiftEventType>;
	limitedOnly: boolean;
	/** First activation (the store has seen nothing): emit the whole catalog instead of nothing. */
	emitCurrentOnFirstRun: boolean;
}

export interface PollerHandlers {
	/** All events of one poll. The loop waits for it, so events are handed over in order. */
	onEvents(events: GiftEvent[]): Promise<void> | void;
	/** Every account is unusable for good (e.g. all sessions revoked): the trigger must stop. */
	onFatal(error: Error): void;
	/** Tells what kind of failure an error is. */
	classify(error: unknown): FailureKind;
	/** Something went wrong but polling goes on (for logs). */
	onWarning?(message: string): void;
}

export type SeenStore = Pick<GiftStore, 'listSeenGifts' | 'recordGiftsSeen' | 'addSupplySamples'>;

interface Known {
	soldOut: boolean;
	/** null: not observed by this poller yet (no supply-change event on first sight). */
	remains: number | null;
}

export class CatalogPoller {
	private readonly abort = new AbortController();
	private loop: Promise<void> | null = null;
	private known: Map<string, Known> | null = null;
	private firstRun = false;
	private hash = 0;
	private next = 0;
	private readonly lastPollMs: number[];
	private readonly dead = new Map<number, Error>();
	/** Polls made (diagnostics, benchmarks). */
	polls = 0;

	constructor(
		private readonly source: CatalogSource,
		private readonly store: SeenStore,
		private readonly clock: Clock,
		private readonly options: PollerOptions,
		private readonly handlers: PollerHandlers,
	) {
		this.lastPollMs = source.labels.map(() => Number.NEGATIVE_INFINITY);
	}

	/** Loads what was seen before (the baseline) from the store. */
	async init(): Promise<void> {
		const seen: SeenGift[] = await this.store.listSeenGifts();
		this.firstRun = seen.length === 0;
		this.known = new Map(seen.map((s) => [s.giftId, { soldOut: s.soldOutAtMs !== null, remains: null }]));
	}

	start(): void {
		if (this.loop) return;
		this.loop = this.run();
	}

	async stop(): Promise<void> {
		this.abort.abort();
		await this.loop;
	}

	get stopped(): boolean {
		return this.abort.signal.aborted;
	}

	/** Time between two polls with the accounts usable now. */
	gapMs(usable = this.usableSlots(this.clock.now()).length): number {
		const n = Math.max(1, usable);
		return Math.max(this.options.intervalMs, this.options.sessionFloorMs) / n;
	}

	private usableSlots(now: number): number[] {
		return this.source.labels.map((_l, slot) => slot).filter((slot) => !this.dead.has(slot) && (this.source.blockedUntilMs(slot) ?? 0) <= now);
	}

	private async run(): Promise<void> {
		const signal = this.abort.signal;
		while (!signal.aborted) {
			const started = this.clock.now();
			const slot = this.pickSlot(started);
			if (slot === null) {
				await this.clock.sleep(this.waitForSlotMs(started), signal);
				continue;
			}
			await this.pollWith(slot);
			if (signal.aborted) break;
			const elapsed = this.clock.now() - started;
			await this.clock.sleep(Math.max(0, this.gapMs() - elapsed), signal);
		}
	}

	/** Round robin over usable accounts that respect the per-session floor. */
	private pickSlot(now: number): number | null {
		const count = this.source.labels.length;
		for (let step = 0; step < count; step++) {
			const slot = (this.next + step) % count;
			if (this.dead.has(slot)) continue;
			if ((this.source.blockedUntilMs(slot) ?? 0) > now) continue;
			if (now - this.lastPollMs[slot]! < this.options.sessionFloorMs) continue;
			this.next = (slot + 1) % count;
			return slot;
		}
		return null;
	}

	private waitForSlotMs(now: number): number {
		let soonest = Number.POSITIVE_INFINITY;
		this.source.labels.forEach((_label, slot) => {
			if (this.dead.has(slot)) return;
			const blocked = this.source.blockedUntilMs(slot) ?? 0;
			const floor = this.lastPollMs[slot]! + this.options.sessionFloorMs;
			soonest = Math.min(soonest, Math.max(blocked, floor));
		});
		return Number.isFinite(soonest) ? Math.max(1, soonest - now) : this.gapMs();
	}

	/** One poll with one account; returns the events it produced (also handed to onEvents). */
	async pollWith(slot: number): Promise<GiftEvent[]> {
		if (!this.known) await this.init();
		const now = this.clock.now();
		this.lastPollMs[slot] = now;
		this.polls += 1;
		let answer: CatalogAnswer;
		try {
			answer = await this.source.fetch(slot, this.hash);
		} catch (error) {
			this.onFailure(slot, error);
			return [];
		}
		if (answer.notModified) return [];
		this.hash = answer.hash;
		const events = await this.diff(answer.gifts, this.clock.now(), this.source.labels[slot]!);
		if (events.length > 0 && !this.abort.signal.aborted) await this.handlers.onEvents(events);
		return events;
	}

	private onFailure(slot: number, error: unknown): void {
		const label = this.source.labels[slot]!;
		const message = error instanceof Error ? error.message : String(error);
		if (this.handlers.classify(error) !== 'auth') {
			this.handlers.onWarning?.(`Catalog poll with account "${label}" failed, polling goes on: ${message}`);
			return;
		}
		this.dead.set(slot, error instanceof Error ? error : new Error(message));
		const alive = this.source.labels.length - this.dead.size;
		if (alive > 0) {
			this.handlers.onWarning?.(`Account "${label}" can no longer be used (${message}); polling goes on with ${alive} other account(s)`);
			return;
		}
		const reasons = [...this.dead].map(([s, e]) => `${this.source.labels[s]}: ${e.message}`).join('; ');
		this.abort.abort();
		this.handlers.onFatal(new Error(`Every account of the credential failed authorization, so the catalog cannot be watched (${reasons}). Log the accounts in again and update the credential.`));
	}

	private async diff(gifts: Gift[], atMs: number, account: string): Promise<GiftEvent[]> {
		const known = this.known!;
		const firstRun = this.firstRun;
		this.firstRun = false;
		await this.store.recordGiftsSeen(
			gifts.map((g) => ({ id: g.id, soldOut: g.soldOut, data: g })),
			atMs,
		);
		const events: GiftEvent[] = [];
		const samples: Array<{ giftId: string; atMs: number; remains: number }> = [];
		const wants = this.options.events;
		for (const gift of gifts) {
			const before = known.get(gift.id);
			const remains = gift.availabilityRemains;
			known.set(gift.id, { soldOut: gift.soldOut, remains });
			if (gift.limited && remains !== null && (before === undefined || before.remains !== remains)) {
				samples.push({ giftId: gift.id, atMs, remains });
			}
			if (this.options.limitedOnly && !gift.limited) continue;
			const event = (type: GiftEventType, previousRemains: number | null = null) =>
				events.push({ event: type, gift, previousRemains, detectedAtMs: atMs, account });
			if (before === undefined) {
				if (firstRun && !this.options.emitCurrentOnFirstRun) continue;
				if (wants.has('newGift')) event('newGift');
				continue;
			}
			if (gift.soldOut && !before.soldOut && wants.has('soldOut')) event('soldOut');
			if (wants.has('supplyChanged') && before.remains !== null && remains !== null && remains !== before.remains) {
				event('supplyChanged', before.remains);
			}
		}
		if (samples.length > 0) await this.store.addSupplySamples(samples);
		return events;
	}
}

/** The newest gifts of a catalog (latest sale date first, then highest id), for test runs. */
export function newestGifts(gifts: Gift[], count: number, limitedOnly: boolean): Gift[] {
	return gifts
		.filter((g) => !limitedOnly || g.limited)
		.sort((a, b) => {
			const dates = (b.firstSaleDate ?? 0) - (a.firstSaleDate ?? 0);
			if (dates !== 0) return dates;
			const ia = BigInt(a.id);
			const ib = BigInt(b.id);
			return ib > ia ? 1 : ib < ia ? -1 : 0;
		})
		.slice(0, count);
}
