/**
 * At-most-once gift buying. Each unit (one copy) of an operation has a ledger row keyed by
 * (opKey, unitIndex): it is claimed `pending` before the payment is sent and settled `bought` or
 * `failed` after. A unit that is pending, unknown or bought is never sent again. When the outcome
 * of a send is unknown (deadline, lost connection, process killed), the answer is looked up in
 * the buying account's own Stars transactions — never by paying again. (The recipient's saved
 * gifts are a second signal only: a recipient may keep a gift off its profile or convert it.)
 */
import type { BuyFailureReason, BuyResult, Operation } from '../core/types';
import type { ClaimResult, GiftStore, LedgerEntry, NewLedgerEntry } from '../store/types';
import type { PaymentAnswer, PaymentFormInfo, StarsBalance, StarsTransactionInfo, TelegramAccount } from './account';
import { AccountError, PaymentVerificationError, isDefinitePaymentRefusal, isRetryableBuyReason, mapTelegramError } from './errors';
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
	 * A unit whose send is unresolved for longer than this, and that the account's Stars
	 * transactions do not show, is settled as not bought (Telegram applies a payment promptly or
	 * not at all).
	 */
	reconcileGraceMs?: number;
	now?: () => number;
}

export const DEFAULT_RECONCILE_GRACE_MS = 60_000;

/** Stars transactions read at most per reconciliation (50 pages); more since the first open send → saved gifts decide, inconclusively. */
const RECONCILE_TRANSACTIONS_MAX = 5_000;

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
	const claimed = await claimUnit(request);
	if ('outcome' in claimed) return claimed.outcome;
	const unit = claimed.unit;
	try {
		const form = await requestForm(unit);
		if ('outcome' in form) return form.outcome;
		await request.store.markSent(request.opKey, request.unitIndex, unit.now());
		const sent = await sendUnit(unit, form.form);
		if (sent.unsettled) await settleBought(unit);
		return sent.outcome;
	} finally {
		release(unit);
	}
}

/**
 * A unit this process claimed: its ledger row is `pending` (sentAtMs null until markSent), and it
 * is in `inFlight` until it is settled or released.
 */
interface ClaimedUnit {
	request: BuyUnitRequest;
	now: () => number;
}

type ClaimStep = { unit: ClaimedUnit } | { outcome: BuyUnitOutcome };
/** `outcome`: the form step failed and the unit is settled failed (nothing was paid). */
type FormStep = { form: PaymentFormInfo } | { outcome: BuyUnitOutcome };

interface SendStep {
	outcome: BuyUnitOutcome;
	/** The balance the payment's answer carried (bought units, when Telegram included it). */
	balanceAfter: StarsBalance | null;
	/** True for a bought unit the caller still has to settle (settleBought). */
	unsettled: boolean;
}

/** Reserves a unit in the ledger; an unclaimed unit (bought, or held by an earlier attempt) is an outcome. */
async function claimUnit(request: BuyUnitRequest): Promise<ClaimStep> {
	const self = await request.account.whoAmI();
	const claim = await request.store.ledgerStep({ claim: newLedgerEntry(request, self.id) });
	if (!claim) throw new Error(`the store answered no claim for ${request.opKey}#${request.unitIndex}`);
	return claimStepOf(request, claim);
}

function newLedgerEntry(request: BuyUnitRequest, accountId: string): NewLedgerEntry {
	const { opKey, unitIndex, recipient, giftId, expectedPrice } = request;
	return { opKey, unitIndex, accountId, recipient, giftId, price: expectedPrice, atMs: (request.now ?? Date.now)() };
}

function claimStepOf(request: BuyUnitRequest, claim: ClaimResult): ClaimStep {
	if (!claim.claimed) return { outcome: unclaimedOutcome(claim.entry) };
	inFlight.add(unitKey(request.opKey, request.unitIndex));
	return { unit: { request, now: request.now ?? Date.now } };
}

function release(unit: ClaimedUnit): void {
	inFlight.delete(unitKey(unit.request.opKey, unit.request.unitIndex));
}

/**
 * The payment form of a claimed unit. Never charges, so it may be asked for while the account's
 * previous unit is being paid. A failure settles the unit failed and releases it; a unit with a
 * form stays held until it is paid or abandoned.
 */
async function requestForm(unit: ClaimedUnit): Promise<FormStep> {
	let step: FormStep | undefined;
	try {
		step = await formOf(unit);
		return step;
	} finally {
		if (step === undefined || 'outcome' in step) release(unit);
	}
}

async function formOf(unit: ClaimedUnit): Promise<FormStep> {
	const { request, now } = unit;
	const { account, store, recipient, giftId, expectedPrice, opKey, unitIndex } = request;
	// Another account may have hit the sell-out while this unit's claim was being written.
	if (request.soldOut?.has(giftId)) return { outcome: await settleSoldOut(unit) };
	let form: PaymentFormInfo;
	const formFor = async (): Promise<PaymentFormInfo> => account.giftPaymentForm(await account.resolveRecipient(recipient, { peers: store }), giftId, request);
	try {
		form = await formFor().catch(async (raw: unknown) => {
			const refused = mapTelegramError(raw, { account: account.label, method: 'payments.GetPaymentForm' });
			// Only a hash the form step refused: a lookup that failed (unknown id, free username) stands.
			if (refused.buyReason !== 'peer_invalid' || refused.method !== 'payments.GetPaymentForm') throw refused;
			// Telegram refused the access hash this account had kept for the recipient: forget it and
			// look the recipient up once more (a form never charges, so asking again is safe).
			await account.forgetRecipient(recipient, { peers: store });
			return formFor();
		});
	} catch (raw) {
		// Nothing was paid: the form step never charges.
		const error = mapTelegramError(raw, { account: account.label, method: 'payments.GetPaymentForm' });
		noteSoldOut(request, error);
		await store.settlePurchase(opKey, unitIndex, { status: 'failed', reason: error.buyReason, atMs: now() });
		return { outcome: failed(error.buyReason, error.message, error.retryable) };
	}
	if (form.amount !== expectedPrice) {
		await store.settlePurchase(opKey, unitIndex, { status: 'failed', reason: 'price_changed', atMs: now() });
		return { outcome: skipped('price_changed', `${account.label}: gift ${giftId} costs ${form.amount} stars now, ${expectedPrice} were planned; not bought`, true) };
	}
	return { form };
}

/**
 * Pays a claimed unit whose send is recorded (markSent awaited by the caller). A bought unit is
 * returned unsettled: the caller settles it (settleBought), possibly after starting the next
 * unit's send. Every other outcome is settled here and the unit released.
 */
async function sendUnit(unit: ClaimedUnit, form: PaymentFormInfo): Promise<SendStep> {
	const { request } = unit;
	const { account, giftId } = request;
	// Checked after the (awaited) ledger write, right before paying: the latest moment.
	if (request.soldOut?.has(giftId)) return { outcome: await settleSoldOut(unit), balanceAfter: null, unsettled: false };
	try {
		const answer: PaymentAnswer = await account.sendStarsForm(form);
		return { outcome: BOUGHT, balanceAfter: answer.balanceAfter, unsettled: true };
	} catch (raw) {
		return { outcome: await settleUnsent(unit, raw), balanceAfter: null, unsettled: false };
	}
}

/** Settles a payment that threw: refused (failed), or unknown (reconciled, never paid again). */
async function settleUnsent(unit: ClaimedUnit, raw: unknown): Promise<BuyUnitOutcome> {
	const { request, now } = unit;
	const { account, store, opKey, unitIndex } = request;
	try {
		const error = mapTelegramError(raw, { account: account.label, method: 'payments.SendStarsForm' });
		noteSoldOut(request, error);
		if (error instanceof PaymentVerificationError) {
			// Not paid now, but the app could still confirm it: the unit stays unresolved until the
			// account's transactions say (reconciliation), so a later run never pays it a second time.
			await store.settlePurchase(opKey, unitIndex, { status: 'unknown', reason: error.buyReason, atMs: now() });
			return failed(error.buyReason, error.message, false);
		}
		if (error.notSent || isDefinitePaymentRefusal(error)) {
			await store.settlePurchase(opKey, unitIndex, { status: 'failed', reason: error.buyReason, atMs: now() });
			return failed(error.buyReason, error.message, error.retryable);
		}
		// The payment may or may not have gone through: find out, never pay again.
		await store.settlePurchase(opKey, unitIndex, { status: 'unknown', reason: error.buyReason, atMs: now() });
		release(unit);
		const report = await reconcileAccount(account, store, { ...request, only: [{ opKey, unitIndex }] }).catch(() => null);
		const entry = await store.getPurchase(opKey, unitIndex);
		if (entry?.status === 'bought') return BOUGHT;
		if (entry?.status === 'failed') return failed(error.buyReason, `${error.message}; the account's Stars transactions show it was not bought`, true);
		return skipped(
			'pending_unresolved',
			`${error.message}; whether the payment went through is not known yet${report ? '' : ' (reconciliation failed)'}; it will be reconciled before any new buy and never paid twice`,
			false,
		);
	} finally {
		release(unit);
	}
}

async function settleBought(unit: ClaimedUnit): Promise<void> {
	const { opKey, unitIndex, store } = unit.request;
	try {
		// As a ledger step: written together with other accounts' steps.
		await store.ledgerStep({ settle: { opKey, unitIndex, outcome: { status: 'bought', reason: null, atMs: unit.now() } } });
	} finally {
		release(unit);
	}
}

/**
 * A claimed unit that will not be paid (the unit before it did not go through): settled failed
 * with the reason that stopped the operation, never sent, so a later run may claim it again.
 */
async function abandonUnit(unit: ClaimedUnit, reason: BuyFailureReason): Promise<void> {
	try {
		await unit.request.store.settlePurchase(unit.request.opKey, unit.request.unitIndex, { status: 'failed', reason, atMs: unit.now() });
	} finally {
		release(unit);
	}
}

async function settleSoldOut(unit: ClaimedUnit): Promise<BuyUnitOutcome> {
	await abandonUnit(unit, 'sold_out');
	return skipped('sold_out', `gift ${unit.request.giftId} sold out during this run; not sent`, false);
}

/** Publishes a sell-out to every account of the run the moment Telegram answers it. */
function noteSoldOut(request: BuyUnitRequest, error: AccountError): void {
	if (error.buyReason === 'sold_out') request.soldOut?.add(request.giftId);
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
 * Settles this account's pending/unknown units from its own Stars transactions
 * (payments.getStarsTransactions: every gift purchase is listed with the gift and its recipient,
 * whatever the recipient did with the gift). In each (recipient, gift) group, the outbound gift
 * transactions dated from the first send on, minus the units already recorded bought in that
 * window, are the units that went through (oldest first); the rest are settled failed once
 * `reconcileGraceMs` has passed since their send. A unit never sent is failed at once.
 *
 * When the transactions cannot be read, the recipient's saved gifts are the second signal: a gift
 * shown there went through, but a missing one proves nothing (kept off the profile, converted to
 * Stars, or hidden from strangers), so those units stay unresolved.
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
	const open = (await store.listPurchases({ statuses: ['pending', 'unknown'], accountId: self.id, kind: 'purchase' })).filter(
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
	if (groups.size === 0) return report;
	// Transaction dates are whole seconds: windows open one second early.
	const windowStartSec = (entry: LedgerEntry): number => Math.floor((entry.sentAtMs as number) / 1000) - 1;
	const earliest = Math.min(...[...groups.values()].map((g) => Math.min(...g.map(windowStartSec))));
	// One read for every group: the account's gift purchases since the first open send. A history
	// longer than the read's cap is not complete, so it cannot prove a payment missing.
	const read = await account.starsTransactions({ direction: 'outbound', sinceSec: earliest, max: RECONCILE_TRANSACTIONS_MAX }).catch(() => null);
	const spent = read !== null && read.length < RECONCILE_TRANSACTIONS_MAX ? read : null;
	const bought = await store.listPurchases({ statuses: ['bought'], accountId: self.id, kind: 'purchase' });
	for (const group of groups.values()) {
		group.sort((a, b) => (a.sentAtMs as number) - (b.sentAtMs as number));
		const { recipient, giftId } = group[0];
		const startSec = windowStartSec(group[0]);
		const found = await copiesFound(account, store, { recipient, giftId, startSec, selfId: self.id }, spent);
		const known = bought.filter((e) => e.recipient === recipient && e.giftId === giftId && (e.sentAtMs ?? e.createdAtMs) >= startSec * 1000).length;
		let wentThrough = Math.max(0, found.count - known);
		for (const entry of group) {
			if (wentThrough > 0) {
				wentThrough -= 1;
				await store.settlePurchase(entry.opKey, entry.unitIndex, { status: 'bought', reason: `reconciled from ${found.source}`, atMs: now() });
				report.bought += 1;
			} else if (found.conclusive && now() - (entry.sentAtMs as number) >= graceMs) {
				await store.settlePurchase(entry.opKey, entry.unitIndex, { status: 'failed', reason: entry.reason === 'verification_needed' ? 'verification_needed' : 'network', atMs: now() });
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

/**
 * Copies of `giftId` this account paid for `recipient` since `startSec`: from its outbound Stars
 * transactions (conclusive), or, when those could not be read, from the recipient's saved gifts
 * (only ever proof that a copy arrived).
 */
async function copiesFound(
	account: TelegramAccount,
	store: GiftStore,
	group: { recipient: string; giftId: string; startSec: number; selfId: string },
	spent: StarsTransactionInfo[] | null,
): Promise<{ count: number; conclusive: boolean; source: string }> {
	const target = await account.resolveRecipient(group.recipient, { peers: store }).catch(() => null);
	if (spent !== null && target !== null) {
		const count = spent.filter((t) => t.giftId === group.giftId && t.peer === target.chatId && t.stars < 0 && t.dateSec >= group.startSec).length;
		return { count, conclusive: true, source: 'Stars transactions' };
	}
	const saved = target === null ? null : await account.savedGifts(group.recipient, 500, { peers: store }).catch(() => null);
	const count = (saved ?? []).filter((g) => g.giftId === group.giftId && (g.fromId === null || g.fromId === group.selfId) && g.dateSec >= group.startSec).length;
	return { count, conclusive: false, source: 'saved gifts' };
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
		// One read for every account (each account's own read would queue behind the others'):
		// only accounts with unresolved units need reconciling. Null: ask each account.
		const openUnits = await context.store.listPurchases({ statuses: ['pending', 'unknown'], kind: 'purchase' }).catch(() => null);
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
				if (openUnits === null || openUnits.some((e) => e.accountId === accountId)) {
					await reconcileAccount(account, context.store, context).catch(() => undefined);
				}
				// The balance carried by the answer to the account's last payment; asked for (one more
				// round trip) only when that answer carried none or nothing was paid.
				let balance: StarsBalance | null | undefined;
				const settles: Array<Promise<void>> = [];
				for (const i of indexes) {
					const run = await runOperation(operations[i], account, context, soldOut);
					results[i] = run.result;
					settles.push(run.settled);
					if (run.balanceAfter !== undefined) balance = run.balanceAfter;
				}
				// The last bought units' ledger writes and the balance read go on together.
				const [read] = await Promise.all([balance ? balance : account.balance().catch(() => null), Promise.all(settles)]);
				balance = read;
				for (const i of indexes) results[i].balanceAfter = balance?.stars ?? null;
			}),
		);
	} finally {
		for (const l of leases) l.lease?.release();
	}
	return results;
}

interface OperationRun {
	result: BuyResult;
	/**
	 * After this operation's last payment that went through (or may have): the balance its answer
	 * carried, or null when it carried none. Undefined when nothing was paid.
	 */
	balanceAfter: StarsBalance | null | undefined;
	/** Resolves when the bought units' settles are written (never rejects: a unit left pending is reconciled). */
	settled: Promise<void>;
}

/**
 * One operation's units, in order, pipelined one unit ahead. Each unit still goes claim → form →
 * markSent → send → settle, with markSent written (and the sell-out checked) right before its send.
 * While unit u is being paid, unit u+1 is already claimed (in the same ledger step as u's markSent)
 * and its form is on the wire: asked for in the same tick as u's payment, so both requests leave
 * in one packet (a second small request sent alone while the first is unanswered would wait for
 * the first one's TCP acknowledgement: Nagle). A form never charges. Unit u+1 is paid only after
 * unit u was bought; otherwise it is settled failed without being sent. Unit u's settle goes into
 * u+1's ledger step (until then u is `pending` with its send recorded: a crash there is reconciled
 * from the account's Stars transactions like any interrupted send). One ledger step per payment, committed
 * together with the other accounts' steps (GiftStore.ledgerStep).
 */
async function runOperation(op: Operation, account: TelegramAccount, context: ExecuteContext, soldOut: Set<string>): Promise<OperationRun> {
	// Bought units' settles still being written when the units loop returns (the last one at least).
	const settles: Array<Promise<void>> = [];
	const run = await runUnits(op, account, context, soldOut, settles);
	return { ...run, settled: Promise.all(settles).then(() => undefined) };
}

type UnitsRun = Omit<OperationRun, 'settled'>;

async function runUnits(op: Operation, account: TelegramAccount, context: ExecuteContext, soldOut: Set<string>, settles: Array<Promise<void>>): Promise<UnitsRun> {
	let bought = 0;
	let already = 0;
	let balanceAfter: StarsBalance | null | undefined;
	const requestFor = (unitIndex: number): BuyUnitRequest => ({
		...context,
		account,
		store: context.store,
		recipient: op.recipient,
		giftId: op.giftId,
		expectedPrice: op.price,
		opKey: op.opKey,
		unitIndex,
		soldOut,
	});
	const claim = (unitIndex: number): Promise<ClaimStep> => claimUnit(requestFor(unitIndex)).catch((raw: unknown) => ({ outcome: thrownOutcome(raw, account) }));
	const finish = (outcome: BuyUnitOutcome): UnitsRun => ({ result: resultOf(op, bought, outcome, null), balanceAfter });

	// The claim of the unit the loop turns to next, when it was made ahead.
	let ahead: ClaimStep | null = null;
	// Its form request, when already sent.
	let aheadForm: Promise<FormStep> | null = null;
	// The last bought unit's settle, written behind the next unit's ledger batch.
	let unsettled: ClaimedUnit | null = null;
	const flushSettle = (): void => {
		if (unsettled) settles.push(settleBought(unsettled).catch(() => undefined));
		unsettled = null;
	};
	// Why the operation stopped: a unit claimed ahead of it is settled failed with this reason.
	let stopReason: BuyFailureReason = 'network';
	const stop = (outcome: BuyUnitOutcome): UnitsRun => {
		if (outcome.reason === 'sold_out') soldOut.add(op.giftId);
		stopReason = outcome.reason ?? 'network';
		return finish(outcome);
	};

	try {
		const self = await account.whoAmI();
		for (let unitIndex = 0; unitIndex < op.quantity; unitIndex++) {
			let claimed = ahead;
			let formStep = aheadForm;
			ahead = null;
			aheadForm = null;
			if (claimed === null) {
				flushSettle();
				if (soldOut.has(op.giftId)) return finish(skipped('sold_out', `gift ${op.giftId} sold out during this run; not tried`, false));
				claimed = await claim(unitIndex);
			}
			if ('outcome' in claimed) {
				if (claimed.outcome.reason === 'already_bought') {
					already += 1;
					continue;
				}
				return stop(claimed.outcome);
			}
			const unit = claimed.unit;
			if (formStep === null) {
				flushSettle();
				formStep = requestForm(unit);
			}
			const form = await formStep;
			if ('outcome' in form) return stop(form.outcome);

			// One ledger batch before paying: this unit's send, the next unit's claim, and the
			// settle of the unit bought before this one.
			const nextRequest = unitIndex + 1 < op.quantity && !soldOut.has(op.giftId) ? requestFor(unitIndex + 1) : null;
			const previous = unsettled;
			unsettled = null;
			let claimResult: ClaimResult | null = null;
			let written = false;
			try {
				claimResult = await context.store.ledgerStep({
					markSent: { opKey: op.opKey, unitIndex, atMs: unit.now() },
					claim: nextRequest ? newLedgerEntry(nextRequest, self.id) : undefined,
					settle: previous ? { opKey: op.opKey, unitIndex: previous.request.unitIndex, outcome: { status: 'bought', reason: null, atMs: unit.now() } } : undefined,
				});
				written = true;
			} finally {
				if (previous) release(previous);
				// On a failed write, whatever was written stays recoverable: a unit with no send
				// recorded is failed by reconciliation, one with a send recorded is looked up in the
				// account's Stars transactions.
				if (!written) release(unit);
			}
			ahead = nextRequest && claimResult ? claimStepOf(nextRequest, claimResult) : null;

			// The same tick: the payment (sendUnit checks the sell-out first) and the next form.
			const paying = sendUnit(unit, form.form);
			if (ahead !== null && 'unit' in ahead && !soldOut.has(op.giftId)) aheadForm = requestForm(ahead.unit);
			const sent = await paying;
			if (sent.unsettled) unsettled = unit;
			// A payment that may have gone through leaves the balance unknown.
			if (sent.outcome.status === 'bought' || sent.outcome.reason === 'pending_unresolved') balanceAfter = sent.balanceAfter;
			if (sent.outcome.status !== 'bought') return stop(sent.outcome);
			bought += 1;
		}
		if (bought === 0 && already > 0) return finish(skipped('already_bought', `all ${op.quantity} unit(s) of ${op.opKey} were bought earlier`, false));
		return finish(BOUGHT);
	} catch (raw) {
		return stop(thrownOutcome(raw, account));
	} finally {
		flushSettle();
		// A unit claimed ahead of one that did not go through is never sent.
		if (ahead !== null && 'unit' in ahead) {
			const form = aheadForm ? await aheadForm.catch(() => null) : null;
			if (form === null || 'form' in form) await abandonUnit(ahead.unit, stopReason).catch(() => undefined);
		}
	}
}

function thrownOutcome(raw: unknown, account: TelegramAccount): BuyUnitOutcome {
	const error = mapTelegramError(raw, { account: account.label, method: 'buy' });
	return failed(error.buyReason, error.message, error.retryable);
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
		supply: op.supply ?? null,
		balanceAfter,
		retryable: outcome.retryable,
	};
}
