/**
 * What a watcher watches, and what a subscriber gets. One watcher per (account set, topic) per
 * process polls Telegram (src/telegram/watch/watcher.ts); every active trigger that needs that
 * topic subscribes to it (registry.ts). A topic is the small piece that knows one kind of
 * Telegram state: the gift catalog (catalog.ts) is the first; an auction's state and a resale
 * collection's listings follow the same interface.
 *
 * A topic implements four things (docs/watchers.md has the walk-through):
 *  1. how it polls one account: `fetch(account, version)` makes ONE Telegram call with that
 *     account and returns what it answered. The watcher decides which account and when (round
 *     robin, the per-session floor, flood parking, dead sessions); a topic never loops or sleeps.
 *  2. its hash/version for NotModified answers: `fetch` gets the version the topic returned last
 *     (null before the first answer, and after a failed apply) and sends it, so an unchanged
 *     state costs a tiny answer (`{notModified: true}`: payments.starGiftsNotModified for the
 *     catalog's `hash`, the auction state's `version`). A topic without such a field returns
 *     `version: null` and gets full answers every time.
 *  3. how a change becomes events: `apply(answer, atMs)` turns one answer into events relative
 *     to the topic's own state and updates that state (and the store, when the topic persists
 *     anything). It runs once per answer, whatever the number of subscribers; the watcher hands
 *     the same events to every subscriber, in order. A subscriber decides what it emits.
 *  4. how a late or returning subscriber catches up: `changesSince(sinceMs)` describes the
 *     current state as events for a subscriber whose last sight of it was at `sinceMs` (a
 *     trigger resumed by an n8n restart), or, with null, the whole current state (e.g. "emit
 *     the current catalog on first activation"). The watcher calls it once per such subscriber,
 *     after the topic has answered at least once.
 * `open` runs before the first poll (restore what the topic keeps in the store), `close` after
 * the last (release the store handle).
 */
import type { PollFloor } from '../pollFloor';

/** What `fetch` brings back. */
export type Fetched<V, R> = { notModified: true } | { notModified: false; version: V | null; answer: R };

export interface WatchTopic<E, A extends WatchAccount, V = unknown, R = unknown> {
	/**
	 * What is watched, unique per kind and thing: "catalog", "auction:<slug>", "resale:<gift id>".
	 * With the account set it names the watcher: one watcher per (accounts, key) per process.
	 */
	readonly key: string;
	/** Before the first poll: restore the topic's state (what was seen before a restart). */
	open(): Promise<void>;
	/** One Telegram call with `account`, sending `version` for a NotModified answer. Throws the account layer's typed errors. */
	fetch(account: A, version: V | null): Promise<Fetched<V, R>>;
	/**
	 * One answer → the changes it shows as events, the topic's state updated. `atMs` is the
	 * answer's time on the watcher's clock (strictly increasing per watcher). When it throws, the
	 * answer is dropped: the state must be unchanged and the next poll sends no version.
	 */
	apply(answer: R, atMs: number): Promise<E[]>;
	/**
	 * The current state as events for a subscriber that last saw it at `sinceMs` (null: never,
	 * hand over the whole state). Only called after the first answer was applied.
	 */
	changesSince(sinceMs: number | null): E[];
	/** After the last poll (the last subscriber left, or every account failed for good). */
	close(): Promise<void>;
	/**
	 * Optional, for topics Telegram also pushes (an auction's state): the watcher gives the topic a
	 * function that takes such an answer in at once, like a poll's (apply, then fan-out), without a
	 * Telegram call and so without waiting for the floor.
	 */
	attach?(push: (answer: R) => void): void;
}

/** The account side a watcher needs (TelegramAccount in production; fakes in unit tests). */
export interface WatchAccount {
	/** The pool key (a hash of the session, never the session). */
	readonly key: string;
	readonly label: string;
	/** The session's floor, shared by every watcher of the process. */
	readonly pollFloor: PollFloor;
	/** Until when the account is flood-parked (any method), or null. */
	parkedUntilMs(): number | null;
	/** Until when its circuit breaker refuses calls, or null. */
	breakerRetryAtMs(): number | null;
}

/** Where a delivery's events come from. */
export interface DeliveryInfo {
	/** The answer's time (the topic's `atMs`): a subscriber has seen the state as of then. */
	atMs: number;
	/** Pool key of the account whose answer it was (map it to your own credential's label). */
	accountKey: string;
	/** That account's label in the credential the watcher was opened with. */
	accountLabel: string;
	/**
	 * 'change': the events of one answer; 'baseline': the first delivery of a subscriber that
	 * joined before the topic had answered, or a catch-up (`changesSince`), possibly empty.
	 */
	kind: 'change' | 'baseline';
}

export interface WatchSubscriber<E> {
	/**
	 * Events, in order. Each subscriber has its own queue: a slow one delays only itself, never the
	 * polls or the others. A throw is reported to `onWarning` and the next delivery still comes.
	 */
	deliver(events: E[], info: DeliveryInfo): Promise<void> | void;
	/** Every account of the watcher is unusable for good: the watcher has stopped. */
	onFatal(error: Error): void;
	/** A poll failed but polling goes on (for logs). */
	onWarning?(message: string): void;
}

export interface SubscribeOptions {
	/** Wanted time between two polls; the watcher polls at the smallest interval of its subscribers. */
	intervalMs: number;
	/** Wanted per-session floor; the session's floor is the largest held by any watcher using it. */
	sessionFloorMs: number;
	/**
	 * Where this subscriber's events start:
	 *  - 'now' (default): its baseline is the topic's state when it joins (or the first answer, if
	 *    none yet): nothing seen before is handed over;
	 *  - a number: it last saw the state at that time (a trigger resumed after a restart): it
	 *    first gets `changesSince(ms)`, then every change;
	 *  - 'everything': it first gets the whole current state (`changesSince(null)`).
	 */
	from?: 'now' | 'everything' | number;
}
