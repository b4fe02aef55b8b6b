/**
 * At-most-once gift buying. Each unit (one copy) of an operation has a ledger row keyed by
 * (opKey, unitIndex): it is claimed `pending` before the payment is sent and settled `bought` or
 * `failed` after. A unit that is pending, unknown or bought is never sent again. When the outcome
 * of a send is unknown (deadline, lost connection, process killed), the answer is looked up in
 * the recipient's saved gifts — never by paying again.
 */
import type { BuyFailureReason, BuyResult, Operation } from '../core/types';
import type { GiftStore, LedgerEntry } from '../store/types';
import type { TelegramAccount } from './account';
import { AccountError, TelegramError, isRetryableBuyReason, mapTelegramError } from './errors';
import type { AccountCredentials, ClientPool } from './pool';

export interface BuyOptions {
	hideName?: boolean;
	message?: string;
	/**
	 * Pay the upgrade too. The invoice then includes the upgrade price, so `expectedPrice` (the
	 * operation's price) must already include it.
	 */
	includeUpgrade?: boolean;
	/**
	 * A unit whose send is unresolved for longer than this, and that the recipient's saved gifts
	 * do not show, is settled as not bought (Telegram applies a payment promptly or not at all).
	 */
	reconcileGraceMs?: number;
	now?: () => number;
}

export const DEFAULT_RECONCILE_GRACE_MS = 60_000;

export interface BuyUnitRequest extends BuyOptions {
	account: TelegramAccount;
	store: GiftStore;
	recipient: string;
	giftId: string;
	/** Stars the invoice must show; a different amount is not paid (price_changed). */
	expectedPrice: number;
	opKey: string;
	unitIndex: number;
	/**
	 * Gifts known to be sold out in this run, shared by every account buying in parallel. A
	 * sold-out answer is added the moment it arrives (before any store write), and a unit whose gift
	 * is in it is not sent: all accounts stop within one round trip of the first sold-out answer.
	 */
	soldOut?: Set<string>;
}

export interface BuyUnitOutcome {
	status: 'bought' | 'failed' | 'skipped';
	reason: BuyFailureReason | null;
	error: string | null;
	retryable: boolean;
}

/** Units being bought right now in this process: reconciliation must not touch them. */
const inFlight = new Set<string>();
const unitKey = (opKey: string, unitIndex: number) => `${opKey}#${unitIndex}`;

const BOUGHT: BuyUnitOutcome = { status: 'bought', reason: null, error: null, retryable: false };

function failed(reason: BuyFailureReason, error: string, retryable = isRetryableBuyReason(reason)): BuyUnitOutcome {
	return { status: 'failed', reason, error, retryable };
}

function skipped(reason: BuyFailureReason, error: string, retryable: boolean): BuyUnitOutcome {
	return { status: 'skipped', reason, error, retryable };
}

/** Buys one copy of a gift, at most once per (opKey, unitIndex). */
export async function buyGiftUnit(request: BuyUnitRequest): Promise<BuyUnitOutcome> {
	const { account, store, recipient, giftId, expectedPrice, opKey, unitIndex } = request;
	const now = request.now ?? Date.now;
	const self = await account.whoAmI();
	const claim = await store.claimPurchase({ opKey, unitIndex, accountId: self.id, recipient, giftId, price: expectedPrice, atMs: now() });
	if (!claim.claimed) return unclaimedOutcome(claim.entry);

	const key = unitKey(opKey, unitIndex);
	inFlight.add(key);
	const soldOutNow = async (): Promise<BuyUnitOutcome> => {
		await store.settlePurchase(opKey, unitIndex, { status: 'failed', reason: 'sold_out', atMs: now() });
		return skipped('sold_out', `gift ${giftId} sold out during this run; not sent`, false);
	};
	const noteSoldOut = (error: AccountError): void => {
		if (error.buyReason === 'sold_out') request.soldOut?.add(giftId);
	};
	try {
		// Another account may have hit the sell-out while this unit's claim was being written.
		if (request.soldOut?.has(giftId)) return await soldOutNow();
		let form;
		try {
			const target = await account.resolveRecipient(recipient);
			form = await account.giftPaymentForm(target, giftId, request);
		} catch (raw) {
			// Nothing was paid: the form step never charges.
			const error = mapTelegramError(raw, { account: account.label, method: 'payments.GetPaymentForm' });
			noteSoldOut(error);
			await store.settlePurchase(opKey, unitIndex, { status: 'failed', reason: error.buyReason, atMs: now() });
			return failed(error.buyReason, error.message, error.retryable);
		}
		if (form.amount !== expectedPrice) {
			await store.settlePurchase(opKey, unitIndex, { status: 'failed', reason: 'price_changed', atMs: now() });
			return skipped('price_changed', `${account.label}: gift ${giftId} costs ${form.amount} stars now, ${expectedPrice} were planned; not bought`, true);
		}

		await store.markSent(opKey, unitIndex, now());
		// Checked after the (awaited) ledger write, right before paying: the latest moment.
		if (request.soldOut?.has(giftId)) return await soldOutNow();
		try {
			await account.sendStarsForm(form);
		} catch (raw) {
			const error = mapTelegramError(raw, { account: account.label, method: 'payments.SendStarsForm' });
			noteSoldOut(error);
			if (error.notSent || isDefiniteRefusal(error)) {
				await store.settlePurchase(opKey, unitIndex, { status: 'failed', reason: error.buyReason, atMs: now() });
				return failed(error.buyReason, error.message, error.retryable);
			}
			// The payment may or may not have gone through: find out, never pay again.
			await store.settlePurchase(opKey, unitIndex, { status: 'unknown', reason: error.buyReason, atMs: now() });
			inFlight.delete(key);
			const report = await reconcileAccount(account, store, { ...request, only: [{ opKey, unitIndex }] }).catch(() => null);
			const entry = await store.getPurchase(opKey, unitIndex);
			if (entry?.status === 'bought') return BOUGHT;
			if (entry?.status === 'failed') return failed(error.buyReason, `${error.message}; the recipient's gifts show it was not bought`, true);
			return skipped(
				'pending_unresolved',
				`${error.message}; whether the payment went through is not known yet${report ? '' : ' (reconciliation failed)'}; it will be reconciled before any new buy and never paid twice`,
				false,
			);
		}
		await store.settlePurchase(opKey, unitIndex, { status: 'bought', reason: null, atMs: now() });
		return BOUGHT;
	} finally {
		inFlight.delete(key);
	}
}

/** A Telegram answer that refused the payment (as opposed to no answer). */
function isDefiniteRefusal(error: AccountError): boolean {
	if (error instanceof TelegramError) {
		// A duplicate submit means an earlier delivery of this very form was accepted.
		return error.errorMessage !== 'FORM_SUBMIT_DUPLICATE' && error.code < 500;
	}
	return error.buyReason === 'flood_wait' || error.buyReason === 'auth_invalid';
}

function unclaimedOutcome(entry: LedgerEntry): BuyUnitOutcome {
	if (entry.status === 'bought') return skipped('already_bought', `unit ${entry.unitIndex} of ${entry.opKey} was already bought`, false);
	return skipped(
		'pending_unresolved',
		`unit ${entry.unitIndex} of ${entry.opKey} has an unresolved earlier attempt (${entry.status}); it is reconciled, never sent twice`,
		false,
	);
}

export interface ReconcileReport {
	bought: number;
	failed: number;
	unresolved: number;
}

/**
 * Settles this account's pending/unknown units from the recipients' saved gifts: in each
 * (recipient, gift) group, the gifts from this account dated from the first send on, minus the
 * units already recorded bought in that window, are the units that went through (oldest first).
 * The rest are settled failed once `reconcileGraceMs` has passed since their send; a unit never
 * sent is failed at once.
 */
export async function reconcileAccount(
	account: TelegramAccount,
	store: GiftStore,
	options: BuyOptions & { only?: Array<{ opKey: string; unitIndex: number }> } = {},
): Promise<ReconcileReport> {
	const now = options.now ?? Date.now;
	const graceMs = options.reconcileGraceMs ?? DEFAULT_RECONCILE_GRACE_MS;
	const self = await account.whoAmI();
	const only = options.only ? new Set(options.only.map((u) => unitKey(u.opKey, u.unitIndex))) : null;
	const open = (await store.listPurchases({ statuses: ['pending', 'unknown'], accountId: self.id })).filter(
		(e) => !inFlight.has(unitKey(e.opKey, e.unitIndex)) && (only === null || only.has(unitKey(e.opKey, e.unitIndex))),
	);
	const report: ReconcileReport = { bought: 0, failed: 0, unresolved: 0 };
	const groups = new Map<string, LedgerEntry[]>();
	for (const entry of open) {
		if (entry.sentAtMs === null) {
			await store.settlePurchase(entry.opKey, entry.unitIndex, { status: 'failed', reason: 'network', atMs: now() });
			report.failed += 1;
			continue;
		}
		const groupKey = `${entry.recipient}\n${entry.giftId}`;
		const group = groups.get(groupKey) ?? [];
		group.push(entry);
		groups.set(groupKey, group);
	}
	for (const group of groups.values()) {
		group.sort((a, b) => (a.sentAtMs as number) - (b.sentAtMs as number));
		const { recipient, giftId } = group[0];
		// Saved-gift dates are whole seconds: open the window one second early.
		const windowStartSec = Math.floor((group[0].sentAtMs as number) / 1000) - 1;
		const saved = await account.savedGifts(recipient);
		const found = saved.filter((g) => g.giftId === giftId && (g.fromId === null || g.fromId === self.id) && g.dateSec >= windowStartSec).length;
		const known = (await store.listPurchases({ statuses: ['bought'], accountId: self.id })).filter(
			(e) => e.recipient === recipient && e.giftId === giftId && (e.sentAtMs ?? e.createdAtMs) >= windowStartSec * 1000,
		).length;
		let wentThrough = Math.max(0, found - known);
		for (const entry of group) {
			if (wentThrough > 0) {
				wentThrough -= 1;
				await store.settlePurchase(entry.opKey, entry.unitIndex, { status: 'bought', reason: 'reconciled from saved gifts', atMs: now() });
				report.bought += 1;
			} else if (now() - (entry.sentAtMs as number) >= graceMs) {
				await store.settlePurchase(entry.opKey, entry.unitIndex, { status: 'failed', reason: 'network', atMs: now() });
				report.failed += 1;
			} else {
				if (entry.status === 'pending') {
					await store.settlePurchase(entry.opKey, entry.unitIndex, { status: 'unknown', reason: entry.reason, atMs: now() });
				}
				report.unresolved += 1;
			}
		}
	}
	return report;
}

export interface ExecuteContext extends BuyOptions {
	store: GiftStore;
	pool: ClientPool;
	/** Every account the operations may name (matched by Telegram user id). */
	credentials: AccountCredentials[];
}

/**
 * Runs purchase operations: accounts in parallel, one account's operations in order, each
 * account's unresolved units reconciled first; a gift that sells out on any account is not tried
 * again anywhere. Returns one BuyResult per operation, in input order; never throws for a single
 * operation's failure.
 */
export async function executeOperations(operations: Operation[], context: ExecuteContext): Promise<BuyResult[]> {
	const results: BuyResult[] = new Array(operations.length);
	const soldOut = new Set<string>();
	const leases = await Promise.all(
		context.credentials.map(async (credentials) => {
			try {
				const lease = await context.pool.acquire(credentials);
				const self = await lease.account.whoAmI();
				return { id: self.id, lease, error: null as AccountError | null, label: credentials.label };
			} catch (raw) {
				return { id: null, lease: null, error: mapTelegramError(raw, { account: credentials.label, method: 'connect' }), label: credentials.label };
			}
		}),
	);
	try {
		const byAccount = new Map<string, number[]>();
		operations.forEach((op, index) => {
			const list = byAccount.get(op.accountId) ?? [];
			list.push(index);
			byAccount.set(op.accountId, list);
		});
		await Promise.all(
			[...byAccount].map(async ([accountId, indexes]) => {
				const held = leases.find((l) => l.id === accountId);
				if (!held?.lease) {
					const error = leases.find((l) => l.error)?.error;
					for (const i of indexes) {
						results[i] = resultOf(operations[i], 0, failed('auth_invalid', `no usable account with id ${accountId} among the credentials${error ? ` (${error.message})` : ''}`, false), null);
					}
					return;
				}
				const account = held.lease.account;
				// Unresolved units of earlier runs first: their outcome decides what may be sent.
				await reconcileAccount(account, context.store, context).catch(() => undefined);
				for (const i of indexes) results[i] = await runOperation(operations[i], account, context, soldOut);
				const balance = await account.balance().catch(() => null);
				for (const i of indexes) results[i].balanceAfter = balance?.stars ?? null;
			}),
		);
	} finally {
		for (const l of leases) l.lease?.release();
	}
	return results;
}

async function runOperation(op: Operation, account: TelegramAccount, context: ExecuteContext, soldOut: Set<string>): Promise<BuyResult> {
	let bought = 0;
	let already = 0;
	for (let unit = 0; unit < op.quantity; unit++) {
		if (soldOut.has(op.giftId)) {
			return resultOf(op, bought, skipped('sold_out', `gift ${op.giftId} sold out during this run; not tried`, false), null);
		}
		let outcome: BuyUnitOutcome;
		try {
			outcome = await buyGiftUnit({ ...context, account, store: context.store, recipient: op.recipient, giftId: op.giftId, expectedPrice: op.price, opKey: op.opKey, unitIndex: unit, soldOut });
		} catch (raw) {
			const error = mapTelegramError(raw, { account: account.label, method: 'buy' });
			outcome = failed(error.buyReason, error.message, error.retryable);
		}
		if (outcome.status === 'bought') {
			bought += 1;
			continue;
		}
		if (outcome.reason === 'already_bought') {
			already += 1;
			continue;
		}
		if (outcome.reason === 'sold_out') soldOut.add(op.giftId);
		return resultOf(op, bought, outcome, null);
	}
	if (bought === 0 && already > 0) return resultOf(op, 0, skipped('already_bought', `all ${op.quantity} unit(s) of ${op.opKey} were bought earlier`, false), null);
	return resultOf(op, bought, BOUGHT, null);
}

function resultOf(op: Operation, quantityBought: number, outcome: BuyUnitOutcome, balanceAfter: number | null): BuyResult {
	return {
		status: outcome.status,
		reason: outcome.reason,
		error: outcome.error,
		opKey: op.opKey,
		accountId: op.accountId,
		recipient: op.recipient,
		giftId: op.giftId,
		price: op.price,
		quantity: op.quantity,
		quantityBought,
		balanceAfter,
		retryable: outcome.retryable,
	};
}
