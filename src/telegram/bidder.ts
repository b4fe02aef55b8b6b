/**
 * At-most-once auction bidding (docs/auctions.md), the room beside the buyer. Each planned bid step
 * (src/core/auction.ts: place or raise one account's bid to an amount) is a row of the one purchase
 * ledger, kind `bid`, keyed (bid opKey, total amount): claimed `pending` before the form, marked
 * sent before the payment, settled `held` when Telegram took it. A held bid counts as spent until
 * Telegram returns it (`returned`) or the bid wins (`won`). A step whose outcome is unclear is
 * reconciled from the account's own auction state and won gifts — never paid again.
 *
 * `AuctionFollower` keeps a plan running through an auction: pushed updates first
 * (updateStarGiftAuctionState / updateStarGiftAuctionUserState, subscribed by reading the state
 * and renewed every `timeout`), a read just before each round's end, and reads as the fallback.
 */
import { planBids, type AuctionGoal, type AuctionPlanOptions, type AuctionSnapshot, type BidPlan, type BidStep, type OwnBid } from '../core/auction';
import type { Recipient } from '../core/types';
import { bidSerialOf, spentWonOf } from '../store/bids';
import type { GiftStore, LedgerEntry } from '../store/types';
import type { TelegramAccount } from './account';
import { auctionUpdateOf, bidPaymentForm, readAuction, sendBidForm, snapshotFor, wonGifts, type AuctionRead, type BidAnswer } from './auctions';
import { AccountError, TelegramError, isDefinitePaymentRefusal, mapTelegramError } from './errors';
import type { AccountCredentials, AccountLease, ClientPool } from './pool';

export type BidFailureReason =
	| 'bid_too_low'
	| 'auction_inactive'
	| 'bid_state_changed'
	| 'balance_too_low'
	| 'price_changed'
	| 'form_expired'
	| 'flood_wait'
	| 'auth_invalid'
	| 'network'
	| 'peer_invalid'
	| 'recipient_cannot_receive'
	| 'already_placed'
	| 'pending_unresolved'
	| 'telegram_error';

export interface BidStepOutcome {
	status: 'held' | 'failed' | 'skipped';
	reason: BidFailureReason | null;
	error: string | null;
	retryable: boolean;
	/** The account's bid after the step as Telegram reported it (when it did). */
	bid: OwnBid | null;
	balanceAfter: number | null;
}

export const DEFAULT_BID_RECONCILE_GRACE_MS = 60_000;

export interface BidStepRequest {
	account: TelegramAccount;
	store: GiftStore;
	step: BidStep;
	hideName?: boolean;
	message?: string;
	/** An unclear step whose amount Telegram does not show this long after its send was not applied. */
	reconcileGraceMs?: number;
	now?: () => number;
}

const BID_REASONS: Record<string, BidFailureReason> = {
	GIFT_STARS_INVALID: 'bid_too_low',
	STARGIFT_INVALID: 'auction_inactive',
	INVOICE_INVALID: 'bid_state_changed',
};

export function bidReasonOf(error: AccountError): BidFailureReason {
	if (error instanceof TelegramError && BID_REASONS[error.errorMessage]) return BID_REASONS[error.errorMessage];
	switch (error.buyReason) {
		case 'balance_too_low':
		case 'flood_wait':
		case 'auth_invalid':
		case 'network':
		case 'peer_invalid':
		case 'recipient_cannot_receive':
		case 'form_expired':
		case 'price_changed':
			return error.buyReason;
		default:
			return 'telegram_error';
	}
}

const RETRYABLE = new Set<BidFailureReason>(['bid_too_low', 'bid_state_changed', 'flood_wait', 'network', 'form_expired', 'price_changed']);

function failed(reason: BidFailureReason, error: string): BidStepOutcome {
	return { status: 'failed', reason, error, retryable: RETRYABLE.has(reason), bid: null, balanceAfter: null };
}

function skipped(reason: BidFailureReason, error: string): BidStepOutcome {
	return { status: 'skipped', reason, error, retryable: false, bid: null, balanceAfter: null };
}

/** Steps being paid right now in this process: reconciliation leaves them alone. */
const inFlight = new Set<string>();
const stepKey = (opKey: string, amount: number) => `${opKey}#${amount}`;

/**
 * Places or raises one account's bid, at most once per (bid, amount). The claim and the payment
 * form go out together (a form never charges; it is used only once the claim is granted), and the
 * send follows at once: Telegram's own state is the ground truth for a bid, so a row whose send is
 * not recorded is still looked up there, never failed before the grace period (a crash before the
 * send cannot make another process pay twice; reconcileBids).
 */
export async function placeBidStep(request: BidStepRequest): Promise<BidStepOutcome> {
	const { account, store, step } = request;
	const now = request.now ?? Date.now;
	const self = await account.whoAmI();
	const claiming = store.claimPurchase({
		opKey: step.opKey,
		unitIndex: step.amount,
		accountId: self.id,
		recipient: step.recipient,
		giftId: step.giftId,
		price: step.charge,
		atMs: now(),
		kind: 'bid',
		bidAmount: step.amount,
	});
	const forming = (async () => {
		const recipient = step.action === 'place' ? await account.resolveRecipient(step.recipient) : undefined;
		return await bidPaymentForm(account, { giftId: step.giftId, amount: step.amount, update: step.action === 'raise', recipient, hideName: request.hideName, message: request.message });
	})().then(
		(form) => ({ form }),
		(raw: unknown) => ({ error: mapTelegramError(raw, { account: account.label, method: 'payments.GetPaymentForm' }) }),
	);
	const claim = await claiming;
	if (!claim.claimed) {
		await forming;
		return alreadyClaimed(request, claim.entry);
	}
	const key = stepKey(step.opKey, step.amount);
	inFlight.add(key);
	try {
		const formed = await forming;
		if ('error' in formed) {
			// The form never charges.
			const reason = bidReasonOf(formed.error);
			await store.settlePurchase(step.opKey, step.amount, { status: 'failed', reason, atMs: now() });
			return failed(reason, formed.error.message);
		}
		const form = formed.form;
		if (form.amount !== step.amount) {
			await store.settlePurchase(step.opKey, step.amount, { status: 'failed', reason: 'price_changed', atMs: now() });
			return failed('price_changed', `${account.label}: the bid form shows ${form.amount} Stars, ${step.amount} were planned; not paid`);
		}
		// Recorded alongside the send, not before it: the send's latency is what wins a round.
		const marking = store.markSent(step.opKey, step.amount, now()).catch(() => undefined);
		let answer: BidAnswer;
		try {
			answer = await sendBidForm(account, form);
		} catch (raw) {
			await marking;
			const error = mapTelegramError(raw, { account: account.label, method: 'payments.SendStarsForm' });
			if (error.notSent || isDefinitePaymentRefusal(error)) {
				const reason = bidReasonOf(error);
				await store.settlePurchase(step.opKey, step.amount, { status: 'failed', reason, atMs: now() });
				return failed(reason, error.message);
			}
			// The payment may or may not have gone through: find out from Telegram, never pay again.
			await store.settlePurchase(step.opKey, step.amount, { status: 'unknown', reason: bidReasonOf(error), atMs: now() });
			inFlight.delete(key);
			const read = await reconcileBids(account, store, step.giftId, { ...request }).catch(() => null);
			const entry = await store.getPurchase(step.opKey, step.amount);
			if (entry?.status === 'held' || entry?.status === 'won' || entry?.status === 'returned') {
				return { status: 'held', reason: null, error: null, retryable: false, bid: read?.bid ?? null, balanceAfter: null };
			}
			return skipped('pending_unresolved', `${error.message}; whether the bid went through is not known yet; it is reconciled from the auction state, never paid twice`);
		}
		await marking;
		await store.settlePurchase(step.opKey, step.amount, { status: 'held', reason: null, atMs: now() });
		return { status: 'held', reason: null, error: null, retryable: false, bid: answer.bid, balanceAfter: answer.balanceAfter?.stars ?? null };
	} finally {
		inFlight.delete(key);
	}
}

async function alreadyClaimed(request: BidStepRequest, entry: LedgerEntry): Promise<BidStepOutcome> {
	if (entry.status === 'held' || entry.status === 'won' || entry.status === 'returned') {
		return skipped('already_placed', `the bid step ${entry.opKey} → ${entry.unitIndex} was already placed (${entry.status})`);
	}
	// pending / unknown: an earlier attempt's outcome decides; reconcile, never send again.
	await reconcileBids(request.account, request.store, request.step.giftId, request).catch(() => null);
	const after = await request.store.getPurchase(entry.opKey, entry.unitIndex);
	if (after && (after.status === 'held' || after.status === 'won' || after.status === 'returned')) {
		return skipped('already_placed', `the bid step ${entry.opKey} → ${entry.unitIndex} went through earlier (${after.status})`);
	}
	return skipped('pending_unresolved', `the bid step ${entry.opKey} → ${entry.unitIndex} has an unresolved earlier attempt; it is reconciled, never sent twice`);
}

export interface ReconcileBidsOptions {
	reconcileGraceMs?: number;
	now?: () => number;
	/** The state just read (saves a round trip); read here when absent. */
	read?: AuctionRead;
}

/**
 * Brings this account's bid rows for one auction in line with Telegram: a step Telegram shows (its
 * amount ≤ the account's bid) is `held`; a bid Telegram returned is `returned`; a bid that is gone
 * and whose amount is among the account's won gifts is `won`; a step Telegram does not show past
 * the grace period (from its send, or its claim when no send is recorded: the send may have left
 * right after the claim) is `failed` (nothing was charged). Returns the state it used.
 */
export async function reconcileBids(account: TelegramAccount, store: GiftStore, giftId: string, options: ReconcileBidsOptions = {}): Promise<AuctionRead> {
	const now = options.now ?? Date.now;
	const graceMs = options.reconcileGraceMs ?? DEFAULT_BID_RECONCILE_GRACE_MS;
	const self = await account.whoAmI();
	const read = options.read ?? (await readAuction(account, giftId));
	const rows = (await store.listPurchases({ kind: 'bid', accountId: self.id, giftId, statuses: ['pending', 'unknown', 'held'] })).filter(
		(e) => !inFlight.has(stepKey(e.opKey, e.unitIndex)),
	);
	if (rows.length === 0) return read;
	const settle = (e: LedgerEntry, status: 'held' | 'won' | 'returned' | 'failed' | 'unknown', reason: string | null) =>
		e.status === status ? Promise.resolve() : store.settlePurchase(e.opKey, e.unitIndex, { status, reason, atMs: now() });
	let won: Awaited<ReturnType<typeof wonGifts>> | null = null;
	const groups = new Map<string, LedgerEntry[]>();
	for (const e of rows) groups.set(e.opKey, [...(groups.get(e.opKey) ?? []), e]);
	for (const steps of groups.values()) {
		steps.sort((a, b) => a.unitIndex - b.unitIndex);
		const firstSentSec = Math.floor(Math.min(...steps.map((s) => s.sentAtMs ?? s.createdAtMs)) / 1000) - 1;
		const bid = read.bid && read.bid.dateSec >= firstSentSec ? read.bid : null;
		for (const e of steps) {
			if (bid && !bid.returned && bid.amount >= e.unitIndex) {
				await settle(e, 'held', e.status === 'held' ? null : 'reconciled from the auction state');
				continue;
			}
			if (bid && bid.returned && bid.amount >= e.unitIndex) {
				await settle(e, 'returned', 'refunded: outbid out of the places left');
				continue;
			}
			won ??= await wonGifts(account, giftId);
			const top = Math.max(...steps.filter((s) => s.status === 'held').map((s) => s.unitIndex), e.status === 'held' ? e.unitIndex : 0);
			const wonIt = won.some((g) => g.dateSec >= firstSentSec && g.amount >= e.unitIndex && g.amount >= top);
			if (wonIt) await settle(e, 'won', null);
			else if (e.status === 'held' && !read.snapshot && !read.notModified) await settle(e, 'held', null);
			else if (e.status === 'held' && read.snapshot?.status === 'finished') await settle(e, 'returned', 'refunded: the auction ended');
			else if (e.status === 'held') await settle(e, 'held', null);
			else if (now() - (e.sentAtMs ?? e.createdAtMs) >= graceMs) await settle(e, 'failed', 'network');
			else await settle(e, 'unknown', e.reason);
		}
	}
	return read;
}

// ---- following an auction ---------------------------------------------------------------------

export type AuctionEvent =
	| { type: 'bid'; accountId: string; action: 'place' | 'raise'; amount: number; charge: number; outcome: BidStepOutcome }
	| { type: 'outbid'; accountId: string; amount: number; target: number | null }
	| { type: 'returned'; accountId: string; amount: number }
	| { type: 'won'; accountId: string; amount: number; round: number }
	| { type: 'round'; round: number; nextRoundAtSec: number; giftsLeft: number }
	| { type: 'finished'; averagePrice: number | null; copiesWon: number }
	| { type: 'plan'; plan: BidPlan };

export interface FollowOptions {
	store: GiftStore;
	pool: ClientPool;
	credentials: AccountCredentials[];
	/** Gift id or slug. */
	auction: string;
	goal: AuctionGoal;
	recipients: Recipient[];
	options?: AuctionPlanOptions;
	/** Start of the day for dailyBudgetPerAccount (ms); default: UTC midnight. */
	dayStartMs?: number;
	hideName?: boolean;
	message?: string;
	/** How long before a round's end to re-read the state and bid if needed (ms). Default 1500. */
	roundGuardMs?: number;
	/** Poll the state this often when no update arrives (ms); default: the subscription timeout. */
	pollMs?: number;
	reconcileGraceMs?: number;
	onEvent?: (event: AuctionEvent) => void;
	now?: () => number;
}

interface FollowedAccount {
	lease: AccountLease;
	id: string;
	label: string;
	bid: OwnBid | null;
	acquired: number;
	balance: number;
	spentToday: number;
	bidSerial: number;
	offUpdates: () => void;
}

const DEFAULT_ROUND_GUARD_MS = 1500;

/** Follows one auction for a set of accounts and bids by the plan until it ends or the goal is met. */
export class AuctionFollower {
	private accounts: FollowedAccount[] = [];
	private snapshot: AuctionSnapshot | null = null;
	private giftId = '';
	private timeoutSec = 30;
	/** Stars spent on copies our accounts won in this auction (the ledger's won bids). */
	private spentWon = 0;
	private running = false;
	private dirty = false;
	private stopped = false;
	private timers: NodeJS.Timeout[] = [];
	/** Ledger work started from updates (settling won / returned bids): awaited before stopping. */
	private background = new Set<Promise<unknown>>();
	private finishedResolve: (() => void) | null = null;
	readonly finished: Promise<void>;
	private readonly now: () => number;

	constructor(private readonly o: FollowOptions) {
		this.now = o.now ?? Date.now;
		this.finished = new Promise((resolve) => (this.finishedResolve = resolve));
	}

	get state(): AuctionSnapshot | null {
		return this.snapshot;
	}

	async start(): Promise<void> {
		const leases = await Promise.all(this.o.credentials.map((c) => this.o.pool.acquire(c)));
		const dayStart = this.o.dayStartMs ?? utcMidnight(this.now());
		this.accounts = await Promise.all(
			leases.map(async (lease) => {
				const self = await lease.account.whoAmI();
				const read = await readAuction(lease.account, this.o.auction, 0, Math.floor(this.now() / 1000));
				this.takeSnapshot(read.snapshot);
				this.timeoutSec = read.timeoutSec || this.timeoutSec;
				await reconcileBids(lease.account, this.o.store, read.snapshot!.gift.id, { read, now: this.now, reconcileGraceMs: this.o.reconcileGraceMs });
				const [balance, spentToday, bidSerial] = await Promise.all([
					lease.account.balance(),
					this.o.store.spentSince(self.id, dayStart),
					bidSerialOf(this.o.store, self.id, read.snapshot!.gift.id),
				]);
				const followed: FollowedAccount = { lease, id: self.id, label: self.label, bid: read.bid, acquired: read.acquiredCount, balance: balance.stars, spentToday, bidSerial, offUpdates: () => undefined };
				followed.offUpdates = lease.account.onUpdate((u) => this.onUpdate(followed, u));
				return followed;
			}),
		);
		this.giftId = this.snapshot!.gift.id;
		this.spentWon = await spentWonOf(this.o.store, this.accounts.map((a) => a.id), this.giftId);
		this.schedule();
		await this.evaluate();
	}

	/** Stops following (timers, update listeners, leases) once the payments under way are settled. */
	async stop(): Promise<void> {
		if (this.stopped) return;
		this.stopped = true;
		for (const t of this.timers) clearTimeout(t);
		await Promise.all([this.evaluating, ...this.background]);
		for (const a of this.accounts) {
			a.offUpdates();
			a.lease.release();
		}
		this.finishedResolve?.();
	}

	private takeSnapshot(next: AuctionSnapshot | null): boolean {
		if (!next) return false;
		const prev = this.snapshot;
		// Only a newer version replaces the state (docs/auctions.md: the version rule).
		if (prev && next.status !== 'finished' && next.version <= prev.version) return false;
		this.snapshot = next;
		if (prev && prev.status === 'active' && next.status === 'active' && next.currentRound !== prev.currentRound) {
			this.o.onEvent?.({ type: 'round', round: next.currentRound, nextRoundAtSec: next.nextRoundAtSec, giftsLeft: next.giftsLeft });
		}
		if (next.status === 'finished' && prev?.status !== 'finished') {
			this.o.onEvent?.({ type: 'finished', averagePrice: next.averagePrice, copiesWon: this.accounts.reduce((s, a) => s + a.acquired, 0) });
		}
		return true;
	}

	private onUpdate(account: FollowedAccount, update: unknown): void {
		if (this.stopped) return;
		const u = auctionUpdateOf(update);
		if (!u) return;
		if (u.kind === 'balance') {
			account.balance = u.stars;
		} else if (u.giftId === this.giftId && u.kind === 'state') {
			if (this.snapshot && this.takeSnapshot(snapshotFor(this.snapshot.gift, u.state, Math.floor(this.now() / 1000)))) this.kick();
		} else if (u.giftId === this.giftId && u.kind === 'user') {
			this.applyUserState(account, u.bid, u.acquiredCount);
			this.kick();
		}
	}

	private applyUserState(account: FollowedAccount, bid: OwnBid | null, acquired: number): void {
		const before = account.bid;
		if (acquired > account.acquired) {
			this.o.onEvent?.({ type: 'won', accountId: account.id, amount: before?.amount ?? 0, round: this.snapshot?.currentRound ?? 0 });
			this.spentWon += before?.amount ?? 0;
			account.bidSerial += 1;
			this.settleInBackground(account);
		} else if (bid?.returned && !before?.returned && before) {
			this.o.onEvent?.({ type: 'returned', accountId: account.id, amount: bid.amount });
			account.bidSerial += 1;
			account.balance += bid.amount;
			this.settleInBackground(account);
		}
		account.bid = bid;
		account.acquired = acquired;
	}

	/** Settles the account's ended bid in the ledger (won / returned) from Telegram's answers. */
	private settleInBackground(account: FollowedAccount): void {
		const work = reconcileBids(account.lease.account, this.o.store, this.giftId, { now: this.now, reconcileGraceMs: this.o.reconcileGraceMs }).catch(() => undefined);
		this.background.add(work);
		void work.finally(() => this.background.delete(work));
	}

	/** Asks for an evaluation; one runs at a time, a request during one runs right after it. */
	private kick(): void {
		if (this.running) {
			this.dirty = true;
			return;
		}
		void this.evaluate();
	}

	/** The evaluation under way (stop waits for its payments to be settled). */
	private evaluating: Promise<unknown> = Promise.resolve();

	private schedule(): void {
		if (this.stopped) return;
		for (const t of this.timers) clearTimeout(t);
		this.timers = [];
		// Re-subscribe (and poll, when updates stop coming) every `timeout`.
		const pollMs = this.o.pollMs ?? this.timeoutSec * 1000;
		this.timers.push(setTimeout(() => void this.refresh().then(() => this.schedule()), pollMs));
		// Just before the round ends: read again and bid if needed (the end may have moved).
		const s = this.snapshot;
		if (s && s.status === 'active') {
			const guard = s.nextRoundAtSec * 1000 - (this.o.roundGuardMs ?? DEFAULT_ROUND_GUARD_MS) - this.now();
			if (guard > 0 && guard < pollMs) this.timers.push(setTimeout(() => void this.refresh(), guard));
		}
	}

	/** Reads the state with every account (renewing the subscriptions) and evaluates. */
	async refresh(): Promise<void> {
		if (this.stopped) return;
		const reads = await Promise.all(
			this.accounts.map((a) =>
				readAuction(a.lease.account, this.giftId, this.snapshot && this.snapshot.status !== 'finished' ? this.snapshot.version : 0, Math.floor(this.now() / 1000)).then(
					(read) => ({ a, read }),
					() => null,
				),
			),
		);
		for (const r of reads) {
			if (!r) continue;
			this.takeSnapshot(r.read.snapshot);
			this.applyUserState(r.a, r.read.bid, r.read.acquiredCount);
		}
		this.kick();
	}

	/** Plans from the cached state and pays the planned steps (accounts in parallel). */
	evaluate(): Promise<BidPlan | null> {
		const run = this.evaluateOnce();
		this.evaluating = run.catch(() => undefined);
		return run;
	}

	private async evaluateOnce(): Promise<BidPlan | null> {
		if (this.stopped || !this.snapshot) return null;
		this.running = true;
		try {
			do {
				this.dirty = false;
				const plan = this.planNow();
				this.o.onEvent?.({ type: 'plan', plan });
				for (const d of plan.decisions) {
					const acc = this.accounts.find((a) => a.id === d.accountId);
					if (acc?.bid && !acc.bid.returned && d.action === 'raise') this.o.onEvent?.({ type: 'outbid', accountId: d.accountId, amount: acc.bid.amount, target: plan.summary.target });
				}
				await Promise.all(plan.steps.map((step) => this.pay(step)));
				if (this.snapshot.status === 'finished' || plan.decisions.every((d) => d.reason === 'auction_finished')) {
					void this.stop();
					return plan;
				}
				if (plan.decisions.every((d) => d.reason === 'goal_reached') && this.accounts.every((a) => !a.bid || a.bid.returned)) {
					void this.stop();
					return plan;
				}
			} while (this.dirty && !this.stopped);
			this.schedule();
			return null;
		} finally {
			this.running = false;
		}
	}

	planNow(): BidPlan {
		const s = this.snapshot!;
		return planBids({
			auction: s,
			accounts: this.accounts.map((a) => ({ id: a.id, label: a.label, balance: a.balance, premium: null, spentToday: a.spentToday, bid: a.bid, acquiredCount: a.acquired, bidSerial: a.bidSerial })),
			recipients: this.o.recipients,
			goal: this.o.goal,
			spentWon: this.spentWon,
			options: this.o.options,
		});
	}

	private async pay(step: BidStep): Promise<void> {
		const account = this.accounts.find((a) => a.id === step.accountId);
		if (!account) return;
		const outcome = await placeBidStep({
			account: account.lease.account,
			store: this.o.store,
			step,
			hideName: this.o.hideName,
			message: this.o.message,
			reconcileGraceMs: this.o.reconcileGraceMs,
			now: this.now,
		}).catch((raw: unknown) => failed('network', mapTelegramError(raw, { account: account.label, method: 'bid' }).message));
		this.o.onEvent?.({ type: 'bid', accountId: account.id, action: step.action, amount: step.amount, charge: step.charge, outcome });
		if (outcome.status === 'held') {
			account.bid = outcome.bid ?? { amount: step.amount, dateSec: Math.floor(this.now() / 1000), returned: false, minBidAmount: step.amount + 1, peer: step.recipient };
			if (outcome.balanceAfter !== null) account.balance = outcome.balanceAfter;
			else account.balance -= step.charge;
			account.spentToday += step.charge;
		} else if (outcome.reason === 'bid_too_low' || outcome.reason === 'bid_state_changed') {
			// The minimum or the bid moved under us: read again, then plan again.
			const read = await readAuction(account.lease.account, this.giftId, 0, Math.floor(this.now() / 1000)).catch(() => null);
			if (read) {
				this.takeSnapshot(read.snapshot);
				this.applyUserState(account, read.bid, read.acquiredCount);
				this.dirty = true;
			}
		}
	}
}

function utcMidnight(ms: number): number {
	return Math.floor(ms / 86_400_000) * 86_400_000;
}
