/**
 * An auction's state as a topic of the shared watcher (docs/watchers.md, docs/auctions.md): one
 * watcher per (account set, auction) per process, its events fanned out to every trigger that
 * follows the auction.
 *
 *  - fetch: one payments.getStarGiftAuctionState(auction, version) with one account. It also
 *    re-subscribes that account to the auction's pushed updates for `timeout` seconds. The state
 *    answers NotModified for the current version, but the answer always carries the polling
 *    account's own bid: a poll is "not modified" only when both are unchanged.
 *  - pushed updates first: each account's updateStarGiftAuctionState / updateStarGiftAuctionUserState
 *    (and the user states a payment's answer carried) are applied at once through `attach`, no poll
 *    and no floor in between; polling is the fallback and keeps the subscriptions alive.
 *  - apply: the core's auctionEvents between the last observation and this one; a state is taken
 *    only with a newer version. `roundEnding` comes from a timer `roundEndingMs` before each
 *    round's end (part of the key: triggers asking for another warning get their own watcher).
 */
import { auctionEvents, type AuctionSnapshot, type AuctionWatchEvent, type AuctionWatchState, type OwnBid } from '../../core/auction';
import type { TelegramAccount } from '../account';
import { auctionUpdateOf, readAuction, snapshotFor } from '../auctions';
import type { Fetched, WatchTopic } from './topic';

/** What one poll or one pushed update brought. */
export interface AuctionAnswer {
	/** The auction's state when it changed (null: only an account's own bid). */
	snapshot: AuctionSnapshot | null;
	account: { key: string; id: string; label: string; bid: OwnBid | null; acquiredCount: number } | null;
	/** The round whose end is near (the warning timer). */
	roundEnding?: number;
	timeoutSec?: number;
}

export function auctionTopicKey(auction: string, roundEndingMs: number): string {
	return `auction:${auction}${roundEndingMs > 0 ? `:ending${Math.round(roundEndingMs / 1000)}s` : ''}`;
}

function sameBid(a: OwnBid | null, b: OwnBid | null): boolean {
	if (a === null || b === null) return a === b;
	return a.amount === b.amount && a.dateSec === b.dateSec && a.returned === b.returned;
}

export class AuctionTopic implements WatchTopic<AuctionWatchEvent, TelegramAccount, number, AuctionAnswer> {
	readonly key: string;
	private snapshot: AuctionSnapshot | null = null;
	private readonly accounts = new Map<string, { id: string; label: string; bid: OwnBid | null; acquiredCount: number }>();
	private last: AuctionWatchState | null = null;
	private readonly listening = new Map<string, { account: TelegramAccount; id: string; label: string; off: () => void }>();
	private push: ((answer: AuctionAnswer) => void) | null = null;
	private endingTimer: NodeJS.Timeout | null = null;
	private endingSentFor = new Set<number>();
	/** Re-subscribe before this many seconds pass (the auction's `timeout`). */
	timeoutSec = 30;

	constructor(
		private readonly auction: string,
		private readonly options: { roundEndingMs: number; now?: () => number } = { roundEndingMs: 0 },
	) {
		this.key = auctionTopicKey(auction, options.roundEndingMs);
	}

	private now(): number {
		return (this.options.now ?? Date.now)();
	}

	async open(): Promise<void> {}

	/** The watcher hands pushed answers straight to apply and fan-out (no poll, no floor). */
	attach(push: (answer: AuctionAnswer) => void): void {
		this.push = push;
	}

	async fetch(account: TelegramAccount, version: number | null): Promise<Fetched<number, AuctionAnswer>> {
		const me = await account.whoAmI();
		this.listen(account, me.id, me.label);
		const read = await readAuction(account, this.snapshot?.gift.id ?? this.auction, this.snapshot?.status === 'finished' ? 0 : (version ?? 0), Math.floor(this.now() / 1000));
		this.timeoutSec = read.timeoutSec || this.timeoutSec;
		const known = this.accounts.get(account.key);
		const same = known !== undefined && sameBid(known.bid, read.bid) && known.acquiredCount === read.acquiredCount;
		if (read.notModified && same) return { notModified: true };
		return {
			notModified: false,
			version: read.snapshot?.status === 'active' || read.snapshot?.status === 'pending' ? read.snapshot.version : (version ?? null),
			answer: { snapshot: read.snapshot, account: { key: account.key, id: me.id, label: me.label, bid: read.bid, acquiredCount: read.acquiredCount }, timeoutSec: read.timeoutSec },
		};
	}

	/** Pushed updates of this account go to the watcher as answers of their own. */
	private listen(account: TelegramAccount, id: string, label: string): void {
		if (this.listening.has(account.key)) return;
		const off = account.onUpdate((update) => {
			const u = auctionUpdateOf(update);
			if (!u || u.kind === 'balance' || !this.snapshot || u.giftId !== this.snapshot.gift.id) return;
			if (u.kind === 'state') {
				const next = snapshotFor(this.snapshot.gift, u.state, Math.floor(this.now() / 1000));
				if (next) this.push?.({ snapshot: next, account: null });
			} else {
				this.push?.({ snapshot: null, account: { key: account.key, id, label, bid: u.bid, acquiredCount: u.acquiredCount } });
			}
		});
		this.listening.set(account.key, { account, id, label, off });
	}

	async apply(answer: AuctionAnswer): Promise<AuctionWatchEvent[]> {
		if (answer.roundEnding !== undefined) {
			const s = this.snapshot;
			if (!s || s.status !== 'active' || s.currentRound !== answer.roundEnding || this.endingSentFor.has(answer.roundEnding)) return [];
			this.endingSentFor.add(answer.roundEnding);
			const [base] = auctionEvents(null, { snapshot: s, accounts: [] });
			return base ? [{ ...base, event: 'roundEnding' }] : [];
		}
		const prev = this.snapshot;
		const next = answer.snapshot;
		if (next && (!prev || next.status === 'finished' || (prev.status !== 'finished' && next.version > prev.version))) {
			if (!(prev?.status === 'finished')) this.snapshot = next;
		}
		if (next?.status === 'finished' && prev && prev.status !== 'finished') await this.readFinalBids();
		if (answer.account) {
			const { key, ...own } = answer.account;
			this.accounts.set(key, own);
		}
		if (!this.snapshot) return [];
		const observed: AuctionWatchState = { snapshot: this.snapshot, accounts: [...this.accounts.values()].map((a) => ({ ...a })) };
		const events = auctionEvents(this.last, observed);
		this.last = observed;
		this.armEnding();
		return events;
	}

	/**
	 * The end changes every account's own bid (won, or returned); the state may arrive before those
	 * updates. Read each account's last state first, so the end's events come complete and in order.
	 */
	private async readFinalBids(): Promise<void> {
		await Promise.all(
			[...this.listening.entries()].map(async ([key, l]) => {
				const read = await readAuction(l.account, this.snapshot!.gift.id, 0, Math.floor(this.now() / 1000)).catch(() => null);
				if (read) this.accounts.set(key, { id: l.id, label: l.label, bid: read.bid, acquiredCount: read.acquiredCount });
			}),
		);
	}

	/** One timer for the next round-ending warning. */
	private armEnding(): void {
		if (this.options.roundEndingMs <= 0) return;
		const s = this.snapshot;
		if (this.endingTimer) clearTimeout(this.endingTimer);
		this.endingTimer = null;
		if (!s || s.status !== 'active' || this.endingSentFor.has(s.currentRound)) return;
		const round = s.currentRound;
		const inMs = s.nextRoundAtSec * 1000 - this.options.roundEndingMs - this.now();
		this.endingTimer = setTimeout(() => this.push?.({ snapshot: null, account: null, roundEnding: round }), Math.max(0, inMs));
		this.endingTimer.unref?.();
	}

	/** A subscriber's first sight: the auction as it is (announced), unless it has ended. */
	changesSince(): AuctionWatchEvent[] {
		if (!this.snapshot || this.snapshot.status === 'finished') return [];
		return auctionEvents(null, { snapshot: this.snapshot, accounts: [] });
	}

	async close(): Promise<void> {
		if (this.endingTimer) clearTimeout(this.endingTimer);
		for (const l of this.listening.values()) l.off();
		this.listening.clear();
	}
}
