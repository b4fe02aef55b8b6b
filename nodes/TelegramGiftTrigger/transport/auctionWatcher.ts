/**
 * The trigger's auction transport: follows one auction for the credential's accounts and hands
 * the core's events (src/core/auction.ts auctionEvents) to the node. Pushed updates first
 * (updateStarGiftAuctionState for the auction, updateStarGiftAuctionUserState for each account's
 * own bid); every `timeout` seconds each account reads the state again with its version, which
 * renews the subscription (docs/auctions.md) and is the polling fallback when no update arrives.
 * The public state is applied only when its version is newer, whichever account brought it.
 *
 * Shaped as a topic (key, start(emit), stop()) so that it can run under one shared watcher per
 * (account set, topic) per process once that exists: the key names the auction and the accounts.
 */
import { auctionEvents, type AuctionSnapshot, type AuctionWatchEvent, type AuctionWatchState, type OwnBid } from '../../../src/core';
import { auctionUpdateOf, readAuction, snapshotFor, type AccountCredentials, type AccountLease, type ClientPool } from '../../../src/telegram';

export interface WatchTopic<E> {
	readonly key: string;
	start(emit: (events: E[]) => void): Promise<void>;
	stop(): Promise<void>;
}

export interface AuctionWatcherOptions {
	pool: ClientPool;
	credentials: AccountCredentials[];
	/** Gift id or slug. */
	auction: string;
	/** Emit roundEnding this long before a round's end (ms); 0 = never. */
	roundEndingMs: number;
	/** Read (and re-subscribe) at least this often (ms); default: the auction's timeout. */
	pollMs?: number;
	now?: () => number;
	onWarning?: (message: string) => void;
}

interface Watched {
	lease: AccountLease;
	id: string;
	label: string;
	bid: OwnBid | null;
	acquiredCount: number;
	off: () => void;
}

export class AuctionWatcher implements WatchTopic<AuctionWatchEvent> {
	readonly key: string;
	private accounts: Watched[] = [];
	private snapshot: AuctionSnapshot | null = null;
	private last: AuctionWatchState | null = null;
	private emit: (events: AuctionWatchEvent[]) => void = () => undefined;
	private timers: NodeJS.Timeout[] = [];
	private timeoutSec = 30;
	private stopped = false;
	private endingSentFor = new Set<string>();
	private readonly now: () => number;

	constructor(private readonly o: AuctionWatcherOptions) {
		this.now = o.now ?? Date.now;
		this.key = `auction:${o.auction}:${o.credentials.map((c) => c.label).join(',')}`;
	}

	get state(): AuctionWatchState | null {
		return this.last;
	}

	async start(emit: (events: AuctionWatchEvent[]) => void): Promise<void> {
		this.emit = emit;
		const leases = await Promise.all(this.o.credentials.map((c) => this.o.pool.acquire(c)));
		try {
			this.accounts = await Promise.all(
				leases.map(async (lease) => {
					const me = await lease.account.whoAmI();
					const read = await readAuction(lease.account, this.o.auction, 0, Math.floor(this.now() / 1000));
					this.take(read.snapshot);
					this.timeoutSec = read.timeoutSec || this.timeoutSec;
					const watched: Watched = { lease, id: me.id, label: me.label, bid: read.bid, acquiredCount: read.acquiredCount, off: () => undefined };
					watched.off = lease.account.onUpdate((u) => this.onUpdate(watched, u));
					return watched;
				}),
			);
		} catch (error) {
			for (const l of leases) l.release();
			// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- transport: the node wraps it in a NodeOperationError
			throw error;
		}
		this.observe();
		this.schedule();
	}

	async stop(): Promise<void> {
		this.stopped = true;
		for (const t of this.timers) clearTimeout(t);
		for (const a of this.accounts) {
			a.off();
			a.lease.release();
		}
	}

	private take(next: AuctionSnapshot | null): boolean {
		if (!next) return false;
		const prev = this.snapshot;
		if (prev && next.status !== 'finished' && next.version <= prev.version) return false;
		if (prev?.status === 'finished') return false;
		this.snapshot = next;
		return true;
	}

	private onUpdate(account: Watched, update: unknown): void {
		if (this.stopped || !this.snapshot) return;
		const u = auctionUpdateOf(update);
		if (!u || u.kind === 'balance' || u.giftId !== this.snapshot.gift.id) return;
		if (u.kind === 'state') {
			if (this.take(snapshotFor(this.snapshot.gift, u.state, Math.floor(this.now() / 1000)))) {
				this.observe();
				this.schedule();
			}
		} else {
			account.bid = u.bid;
			account.acquiredCount = u.acquiredCount;
			this.observe();
		}
	}

	/** Compares with the last observation and emits what changed. */
	private observe(): void {
		if (!this.snapshot) return;
		const next: AuctionWatchState = {
			snapshot: this.snapshot,
			accounts: this.accounts.map((a) => ({ id: a.id, label: a.label, bid: a.bid, acquiredCount: a.acquiredCount })),
		};
		if (this.snapshot.status === 'finished') {
			// The accounts' last user states (won, returned) may still be on their way: read them,
			// then emit everything the end brought, in order, and stop.
			if (!this.finishing) {
				this.finishing = true;
				void this.poll().then(() => this.stop());
			}
			return;
		}
		const events = auctionEvents(this.last, next);
		this.last = next;
		if (events.length > 0) this.emit(events);
	}

	private finishing = false;

	private schedule(): void {
		if (this.stopped) return;
		for (const t of this.timers) clearTimeout(t);
		this.timers = [];
		const pollMs = Math.min(this.o.pollMs ?? Infinity, this.timeoutSec * 1000);
		this.timers.push(setTimeout(() => void this.poll(), pollMs));
		const s = this.snapshot;
		if (s && s.status === 'active' && this.o.roundEndingMs > 0) {
			const key = `${s.currentRound}`;
			const inMs = s.nextRoundAtSec * 1000 - this.o.roundEndingMs - this.now();
			if (!this.endingSentFor.has(key) && inMs < pollMs) {
				this.timers.push(
					setTimeout(() => {
						const now = this.snapshot;
						if (this.stopped || !now || now.status !== 'active' || `${now.currentRound}` !== key || this.endingSentFor.has(key)) return;
						this.endingSentFor.add(key);
						const [base] = auctionEvents(null, { snapshot: now, accounts: [] });
						this.emit([{ ...(base ?? { giftId: now.gift.id }), event: 'roundEnding' } as AuctionWatchEvent]);
					}, Math.max(0, inMs)),
				);
			}
		}
	}

	/** Every account reads with its version: renews the subscription, and catches what no update brought. */
	private async poll(): Promise<void> {
		if (this.stopped) return;
		const finishing = this.finishing;
		await Promise.all(
			this.accounts.map(async (a) => {
				try {
					const version = this.snapshot && this.snapshot.status !== 'finished' ? this.snapshot.version : 0;
					const read = await readAuction(a.lease.account, this.snapshot?.gift.id ?? this.o.auction, version, Math.floor(this.now() / 1000));
					this.take(read.snapshot);
					a.bid = read.bid;
					a.acquiredCount = read.acquiredCount;
					this.timeoutSec = read.timeoutSec || this.timeoutSec;
				} catch (error) {
					this.o.onWarning?.(`${a.label}: auction read failed: ${error instanceof Error ? error.message : String(error)}`);
				}
			}),
		);
		if (!finishing) {
			this.observe();
			this.schedule();
			return;
		}
		// The final read: what it adds is emitted, nothing more is scheduled.
		const next: AuctionWatchState = { snapshot: this.snapshot!, accounts: this.accounts.map((a) => ({ id: a.id, label: a.label, bid: a.bid, acquiredCount: a.acquiredCount })) };
		const events = auctionEvents(this.last, next);
		this.last = next;
		if (events.length > 0) this.emit(events);
	}
}
