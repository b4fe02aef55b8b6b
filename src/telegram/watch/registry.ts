/**
 * The process's watchers: one per (account set, topic). A trigger subscribes with its credential's
 * accounts and a topic; the first subscriber opens the watcher (leases the accounts from the pool,
 * opens the topic, starts polling), later ones join it without a single Telegram call, and the last
 * one out stops it and gives the leases back. Two credentials holding the same sessions in another
 * order or under other labels share a watcher (the set is of pool keys: apiId, server, session).
 */
import { accountKeyOf, getSharedPool, type AccountCredentials, type AccountLease, type ClientPool } from '../pool';
import type { TelegramAccount } from '../account';
import { systemClock, type Clock } from './clock';
import type { SubscribeOptions, WatchSubscriber, WatchTopic } from './topic';
import { Watcher, type Joined, type WatcherStats } from './watcher';

/** How to make a topic: its key (to find a running watcher) and a factory for a new one. */
export interface TopicSpec<E> {
	readonly key: string;
	create(): WatchTopic<E, TelegramAccount> | Promise<WatchTopic<E, TelegramAccount>>;
}

export interface Subscription {
	/** The watcher's key (topic and account set; pool keys are hashes, never sessions). */
	readonly watcherKey: string;
	readonly joined: Joined;
	/** Leaves the watcher; the last one out stops it. Idempotent. */
	close(): Promise<void>;
}

export interface WatcherInfo {
	key: string;
	topic: string;
	accounts: string[];
	subscribers: number;
	intervalMs: number;
	sessionFloorMs: number;
	stats: WatcherStats;
}

interface Entry {
	readonly key: string;
	readonly topicKey: string;
	ready: Promise<Watcher<unknown, TelegramAccount>>;
	watcher: Watcher<unknown, TelegramAccount> | null;
	leases: AccountLease[];
	/** Subscribers on their way in: the watcher must not stop under them. */
	joining: number;
	stopping: Promise<void> | null;
}

/** (topic, set of pool keys) → the watcher's key. */
export function watcherKeyOf(topicKey: string, accounts: readonly AccountCredentials[]): string {
	const keys = [...new Set(accounts.map((a) => accountKeyOf(a)))].sort();
	return `${topicKey}|${keys.join(',')}`;
}

export class WatcherRegistry {
	private readonly entries = new Map<string, Entry>();

	constructor(
		private readonly pool: ClientPool = getSharedPool(),
		private readonly clock: Clock = systemClock,
	) {}

	/**
	 * Subscribes to `topic` polled with `accounts`. Opening a new watcher fails (naming the account)
	 * when any account cannot connect; joining a running one never calls Telegram.
	 */
	async subscribe<E>(accounts: readonly AccountCredentials[], topic: TopicSpec<E>, subscriber: WatchSubscriber<E>, options: SubscribeOptions): Promise<Subscription> {
		if (accounts.length === 0) throw new Error('The credential has no account to watch with');
		const key = watcherKeyOf(topic.key, accounts);
		let entry = this.entries.get(key);
		while (entry?.stopping) {
			await entry.stopping;
			entry = this.entries.get(key);
		}
		if (!entry) entry = this.open(key, accounts, topic);
		entry.joining += 1;
		let watcher: Watcher<unknown, TelegramAccount>;
		try {
			watcher = await entry.ready;
		} finally {
			entry.joining -= 1;
		}
		if (watcher.stopped) {
			// It failed for good between opening and now: open a fresh one (or fail trying).
			return this.subscribe(accounts, topic, subscriber, options);
		}
		const { joined, remove } = (watcher as Watcher<E, TelegramAccount>).add(subscriber, options);
		const owner = entry;
		let closed: Promise<void> | null = null;
		return {
			watcherKey: key,
			joined,
			close: () => {
				closed ??= (async () => {
					const last = await remove();
					if (last && owner.joining === 0 && this.entries.get(key) === owner) await this.stop(owner);
				})();
				return closed;
			},
		};
	}

	private open<E>(key: string, accounts: readonly AccountCredentials[], spec: TopicSpec<E>): Entry {
		const entry: Entry = { key, topicKey: spec.key, ready: Promise.resolve(null as never), watcher: null, leases: [], joining: 0, stopping: null };
		entry.ready = (async () => {
			try {
				// One slot per session, even if the credential lists a session twice.
				const sessions = accounts.filter((a, i) => accounts.findIndex((b) => accountKeyOf(b) === accountKeyOf(a)) === i);
				const settled = await Promise.allSettled(sessions.map((credentials) => this.pool.acquire(credentials)));
				for (const s of settled) if (s.status === 'fulfilled') entry.leases.push(s.value);
				const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
				if (failed) throw failed.reason;
				const topic = await spec.create();
				await topic.open();
				const watcher = new Watcher<E, TelegramAccount>(
					key,
					entry.leases.map((l) => l.account),
					topic,
					this.clock,
					() => void this.failed(entry),
				);
				entry.watcher = watcher as Watcher<unknown, TelegramAccount>;
				watcher.start();
				return entry.watcher;
			} catch (error) {
				if (this.entries.get(key) === entry) this.entries.delete(key);
				for (const lease of entry.leases) lease.release();
				entry.leases = [];
				// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- no node here: the trigger wraps it
				throw error;
			}
		})();
		this.entries.set(key, entry);
		return entry;
	}

	/** Every account failed for good: forget the watcher now (a new subscribe opens afresh). */
	private async failed(entry: Entry): Promise<void> {
		if (this.entries.get(entry.key) === entry) await this.stop(entry);
	}

	private stop(entry: Entry): Promise<void> {
		entry.stopping ??= (async () => {
			try {
				await entry.watcher?.stop();
			} finally {
				for (const lease of entry.leases) lease.release();
				entry.leases = [];
				if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
			}
		})();
		return entry.stopping;
	}

	/** The running watchers (diagnostics, tests, benches). */
	list(): WatcherInfo[] {
		return [...this.entries.values()]
			.filter((e) => e.watcher !== null && !e.stopping)
			.map((e) => {
				const w = e.watcher!;
				return { key: e.key, topic: e.topicKey, accounts: e.leases.map((l) => l.account.label), subscribers: w.size, ...w.settings(), stats: { ...w.stats } };
			});
	}
}

let shared: WatcherRegistry | null = null;

/** The process-wide registry every trigger uses (over the shared client pool). */
export function getSharedWatchers(): WatcherRegistry {
	shared ??= new WatcherRegistry();
	return shared;
}
