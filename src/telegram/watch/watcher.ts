/**
 * One watcher: polls one topic with one set of accounts for all of its subscribers.
 *
 * Timing (as the Gift Trigger always did, now once per process instead of once per trigger):
 * with N usable accounts and interval P the watcher polls every max(P, floor)/N ms, round robin,
 * so a change is seen within about P/N; each session starts at most one watch poll per floor,
 * counted across every watcher of the process (the session's PollFloor in the account layer).
 * A flood-parked account, or one whose breaker is open, is skipped until it is free (the others
 * carry on, each gap recomputed for N−1); an account whose session lost its authorization is
 * dropped, and when none is left the watcher stops and tells every subscriber.
 *
 * P is the smallest interval any subscriber asked for, the floor the largest: the most eager
 * subscriber sets the pace, the most careful one the limit per session.
 *
 * Subscribers join and leave at any time without disturbing the others; the registry stops the
 * watcher when the last one leaves. Each gets the same events, in order, through its own queue.
 */
import { AuthInvalidError, FloodWaitError } from '../errors';
import type { FloorHold } from '../pollFloor';
import type { Clock } from './clock';
import type { DeliveryInfo, SubscribeOptions, WatchAccount, WatchSubscriber, WatchTopic } from './topic';

/** Counters of one watcher (diagnostics, tests, benches). */
export interface WatcherStats {
	/** Polls started (one Telegram call each). */
	polls: number;
	notModified: number;
	changed: number;
	failures: number;
	floodWaits: number;
}

interface Subscribed<E> {
	readonly subscriber: WatchSubscriber<E>;
	readonly options: SubscribeOptions;
	/** Joined before the topic's first answer: that answer is its baseline. */
	awaitingFirst: boolean;
	queue: Promise<void>;
	closed: boolean;
}

/** What `add` tells the subscriber. */
export interface Joined {
	/** The time of the state the subscriber joined at (its baseline), on the watcher's clock. */
	atMs: number;
}

export class Watcher<E, A extends WatchAccount> {
	private readonly subscribers = new Set<Subscribed<E>>();
	private readonly abort = new AbortController();
	private wake: AbortController | null = null;
	private loop: Promise<void> | null = null;
	private version: unknown = null;
	/** Time of the last applied answer (null: none yet). */
	private answeredAtMs: number | null = null;
	private answeredBy = 0;
	private next = 0;
	private readonly dead = new Map<number, Error>();
	private readonly holds: FloorHold[];
	readonly stats: WatcherStats = { polls: 0, notModified: 0, changed: 0, failures: 0, floodWaits: 0 };

	constructor(
		readonly key: string,
		private readonly accounts: readonly A[],
		private readonly topic: WatchTopic<E, A>,
		private readonly clock: Clock,
		/** Every account failed for good: the watcher has stopped its loop; the registry cleans up. */
		private readonly onFatal: (error: Error) => void,
	) {
		this.holds = accounts.map((account) => account.pollFloor.hold(0));
	}

	get size(): number {
		return this.subscribers.size;
	}

	get stopped(): boolean {
		return this.abort.signal.aborted;
	}

	/** The pace now: the smallest interval and the largest floor of the subscribers. */
	settings(): { intervalMs: number; sessionFloorMs: number } {
		let intervalMs = Number.POSITIVE_INFINITY;
		let sessionFloorMs = 0;
		for (const s of this.subscribers) {
			intervalMs = Math.min(intervalMs, s.options.intervalMs);
			sessionFloorMs = Math.max(sessionFloorMs, s.options.sessionFloorMs);
		}
		return { intervalMs: Number.isFinite(intervalMs) ? intervalMs : 1000, sessionFloorMs };
	}

	add(subscriber: WatchSubscriber<E>, options: SubscribeOptions): { joined: Joined; remove: () => Promise<boolean> } {
		const entry: Subscribed<E> = { subscriber, options, awaitingFirst: this.answeredAtMs === null, queue: Promise.resolve(), closed: false };
		this.subscribers.add(entry);
		this.repace();
		let atMs = this.clock.now();
		if (this.answeredAtMs !== null) {
			atMs = this.answeredAtMs;
			const from = options.from ?? 'now';
			if (from !== 'now') this.enqueue(entry, this.topic.changesSince(from === 'everything' ? null : from), this.info('baseline'));
		}
		return { joined: { atMs }, remove: () => this.remove(entry) };
	}

	/**
	 * Removes a subscriber: deliveries not started yet are dropped (a deactivated workflow emits
	 * nothing more), the one under way finishes first. True when it was the last subscriber.
	 */
	private async remove(entry: Subscribed<E>): Promise<boolean> {
		if (!this.subscribers.delete(entry)) return this.subscribers.size === 0;
		entry.closed = true;
		this.repace();
		await entry.queue;
		return this.subscribers.size === 0;
	}

	start(): void {
		if (this.loop || this.stopped) return;
		this.topic.attach?.((answer) => void this.takePushed(answer));
		this.loop = this.run();
	}

	/** An answer Telegram pushed (the topic's attach): applied and fanned out like a poll's. */
	private async takePushed(answer: unknown): Promise<void> {
		if (this.stopped) return;
		const atMs = Math.max(this.clock.now(), (this.answeredAtMs ?? Number.NEGATIVE_INFINITY) + 1);
		let events: E[];
		try {
			events = await this.topic.apply(answer, atMs);
		} catch (error) {
			this.warn(`${this.topic.key}: a pushed update could not be taken in: ${messageOf(error)}`);
			return;
		}
		this.answeredAtMs = atMs;
		this.fanOut(events);
	}

	/** Stops polling (after the poll in flight), closes the topic, releases the floor holds. */
	async stop(): Promise<void> {
		this.abort.abort();
		await this.loop;
		for (const hold of this.holds) hold.release();
		await Promise.all([...this.subscribers].map((s) => s.queue));
		await this.topic.close();
	}

	/** New settings reach the session floors at once, and a sleeping loop re-plans its wait. */
	private repace(): void {
		const { sessionFloorMs } = this.settings();
		for (const hold of this.holds) hold.set(sessionFloorMs);
		this.wake?.abort();
	}

	/** Time between two polls with the accounts usable now. */
	gapMs(usable = this.usableSlots(this.clock.now()).length): number {
		const { intervalMs, sessionFloorMs } = this.settings();
		return Math.max(intervalMs, sessionFloorMs) / Math.max(1, usable);
	}

	private blockedUntilMs(slot: number): number {
		const account = this.accounts[slot]!;
		return Math.max(account.parkedUntilMs() ?? 0, account.breakerRetryAtMs() ?? 0);
	}

	private usableSlots(now: number): number[] {
		return this.accounts.map((_a, slot) => slot).filter((slot) => !this.dead.has(slot) && this.blockedUntilMs(slot) <= now);
	}

	private async sleep(ms: number): Promise<void> {
		const wake = new AbortController();
		this.wake = wake;
		const stop = () => wake.abort();
		this.abort.signal.addEventListener('abort', stop, { once: true });
		try {
			await this.clock.sleep(ms, wake.signal);
		} finally {
			this.abort.signal.removeEventListener('abort', stop);
			if (this.wake === wake) this.wake = null;
		}
	}

	private async run(): Promise<void> {
		const signal = this.abort.signal;
		let due = this.clock.now();
		while (!signal.aborted) {
			if (this.clock.now() < due) {
				await this.sleep(due - this.clock.now());
				if (signal.aborted) break;
				// Woken early when a subscriber came or went: the gap may have changed.
				due = this.lastStart + this.gapMs();
				if (this.clock.now() < due) continue;
			}
			const started = this.clock.now();
			const slot = this.pickSlot(started);
			if (slot === null) {
				await this.sleep(this.waitForSlotMs(started));
				due = this.clock.now();
				continue;
			}
			this.lastStart = started;
			await this.pollWith(slot);
			due = started + this.gapMs();
		}
	}

	private lastStart = Number.NEGATIVE_INFINITY;

	/** Round robin over usable accounts whose session floor allows a poll now. */
	private pickSlot(now: number): number | null {
		const count = this.accounts.length;
		for (let step = 0; step < count; step++) {
			const slot = (this.next + step) % count;
			if (this.dead.has(slot)) continue;
			if (this.blockedUntilMs(slot) > now) continue;
			if (!this.accounts[slot]!.pollFloor.tryClaim(now)) continue;
			this.next = (slot + 1) % count;
			return slot;
		}
		return null;
	}

	private waitForSlotMs(now: number): number {
		let soonest = Number.POSITIVE_INFINITY;
		this.accounts.forEach((account, slot) => {
			if (this.dead.has(slot)) return;
			soonest = Math.min(soonest, Math.max(this.blockedUntilMs(slot), account.pollFloor.nextAtMs()));
		});
		return Number.isFinite(soonest) ? Math.max(1, soonest - now) : this.gapMs();
	}

	/** One poll with one account (its floor already claimed by the loop, or by a test). */
	async pollWith(slot: number): Promise<void> {
		const account = this.accounts[slot]!;
		this.stats.polls += 1;
		let fetched;
		try {
			fetched = await this.topic.fetch(account, this.version);
		} catch (error) {
			this.onFailure(slot, error);
			return;
		}
		if (fetched.notModified) {
			this.stats.notModified += 1;
			return;
		}
		const atMs = Math.max(this.clock.now(), (this.answeredAtMs ?? Number.NEGATIVE_INFINITY) + 1);
		let events: E[];
		try {
			events = await this.topic.apply(fetched.answer, atMs);
		} catch (error) {
			// The topic kept its state: ask for everything again next time.
			this.version = null;
			this.warn(`${this.topic.key}: an answer from "${account.label}" could not be taken in, polling goes on: ${messageOf(error)}`);
			return;
		}
		this.version = fetched.version;
		this.stats.changed += 1;
		this.answeredAtMs = atMs;
		this.answeredBy = slot;
		this.fanOut(events);
	}

	private info(kind: DeliveryInfo['kind']): DeliveryInfo {
		const account = this.accounts[this.answeredBy]!;
		return { atMs: this.answeredAtMs ?? this.clock.now(), accountKey: account.key, accountLabel: account.label, kind };
	}

	private fanOut(events: E[]): void {
		for (const entry of this.subscribers) {
			if (!entry.awaitingFirst) {
				if (events.length > 0) this.enqueue(entry, events, this.info('change'));
				continue;
			}
			// This answer is the subscriber's first sight of the topic.
			entry.awaitingFirst = false;
			const from = entry.options.from ?? 'now';
			this.enqueue(entry, from === 'now' ? [] : this.topic.changesSince(from === 'everything' ? null : from), this.info('baseline'));
		}
	}

	/** Events already taken in are handed over even when the watcher stops meanwhile (they are recorded as seen). */
	private enqueue(entry: Subscribed<E>, events: E[], info: DeliveryInfo): void {
		entry.queue = entry.queue.then(async () => {
			if (entry.closed) return;
			try {
				await entry.subscriber.deliver(events, info);
			} catch (error) {
				entry.subscriber.onWarning?.(`${this.topic.key}: handing events over failed: ${messageOf(error)}`);
			}
		});
	}

	private warn(message: string): void {
		for (const entry of this.subscribers) entry.subscriber.onWarning?.(message);
	}

	private onFailure(slot: number, error: unknown): void {
		this.stats.failures += 1;
		const label = this.accounts[slot]!.label;
		const message = messageOf(error);
		if (error instanceof FloodWaitError) this.stats.floodWaits += 1;
		if (!isAuthFailure(error)) {
			this.warn(`${this.topic.key}: poll with account "${label}" failed, polling goes on: ${message}`);
			return;
		}
		this.dead.set(slot, error instanceof Error ? error : new Error(message));
		const alive = this.accounts.length - this.dead.size;
		if (alive > 0) {
			this.warn(`Account "${label}" can no longer be used (${message}); polling goes on with ${alive} other account(s)`);
			return;
		}
		const reasons = [...this.dead].map(([s, e]) => `${this.accounts[s]!.label}: ${e.message}`).join('; ');
		const fatal = new Error(
			`Every account of the credential failed authorization, so ${this.topic.key === 'catalog' ? 'the catalog' : this.topic.key} cannot be watched (${reasons}). Log the accounts in again and update the credential.`,
		);
		this.abort.abort();
		// After what is already queued: a trigger emits what was seen before it reports the failure.
		for (const entry of this.subscribers) {
			entry.queue = entry.queue.then(() => {
				if (!entry.closed) entry.subscriber.onFatal(fatal);
			});
		}
		this.onFatal(fatal);
	}
}

function isAuthFailure(error: unknown): boolean {
	return error instanceof AuthInvalidError || (error as { cause?: unknown } | null)?.cause instanceof AuthInvalidError;
}

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
