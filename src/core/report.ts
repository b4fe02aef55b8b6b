/**
 * The autobuy report (seed 000's four sections: summary, per gift, per recipient, per account),
 * as text in English or Russian and as structured totals. Pure.
 *
 * How things are counted (docs/planner.md):
 *  - "copies" are units bought: an operation of quantity 3 is 3 copies.
 *  - A gift counts as *bought* when at least one copy of it was bought in this run; a planned
 *    gift with no result yet is *not executed*; every other gift is *skipped*, so
 *    new = bought + skipped + not executed (the headline shows "Not executed" when there are any).
 *  - Every planned copy is exactly one of: bought, failed (the result says failed/skipped, or a
 *    multi-copy buy stopped early), not executed (no result for its operation yet).
 *  - Results are matched to operations by opKey; when several results share an opKey, the last
 *    one wins (a retry supersedes the earlier attempt). Results for unknown opKeys are counted
 *    apart (unmatchedResults) and never mixed into the totals.
 *  - spent = bought copies × planned price; end balance = start balance − spent.
 */
import type { BuyResult, Operation, Plan, PlanAccount, Skip, SkipReason } from './types';

export type ReportLang = 'en' | 'ru';

export interface ReportOptions {
	lang?: ReportLang;
	/** Gift titles by id (default: the plan's own giftTitles); a gift without one is shown by id. */
	giftTitles?: Readonly<Record<string, string>>;
}

/** What the report reads from a result; a full BuyResult fits. */
export type ReportResult = Pick<BuyResult, 'opKey' | 'status'> & {
	/** A BuyFailureReason normally; other strings are shown as they are. */
	reason?: string | null;
	/** Copies bought; absent means all of the operation for "bought", none otherwise. */
	quantityBought?: number | null;
};

export type GiftOutcome = 'bought' | 'partial' | 'failed' | 'not_executed' | 'skipped';

export interface GiftReport {
	giftId: string;
	/** The gift's title when known (reports show "Title (id)"). */
	title: string | null;
	price: number | null;
	supply: number | null;
	outcome: GiftOutcome;
	recipient: string | null;
	copiesPlanned: number;
	copiesBought: number;
	copiesFailed: number;
	copiesNotExecuted: number;
	/** The planner's skip for this gift (absent when everything wanted was planned). */
	skip: Skip | null;
	accounts: Array<{ accountId: string; planned: number; bought: number; failed: number; failureReason: string | null }>;
}

export interface RecipientReport {
	recipient: string;
	copiesPlanned: number;
	copiesBought: number;
	copiesFailed: number;
	copiesNotExecuted: number;
	/** Planner skips naming this recipient (gifts it should have received). */
	skips: number;
	/** Counts per reason: failed copies by failure reason plus skips by skip reason. */
	reasons: Record<string, number>;
}

export interface AccountReport {
	accountId: string;
	label: string | null;
	copiesPlanned: number;
	starsPlanned: number;
	copiesBought: number;
	copiesFailed: number;
	copiesNotExecuted: number;
	spent: number;
	start: number | null;
	end: number | null;
}

export interface ReportTotals {
	/**
	 * new = bought + skipped + notExecuted: a planned gift with no result yet is not executed, not
	 * skipped (a report built before or without the buys says so).
	 */
	gifts: { new: number; bought: number; skipped: number; partial: number; notExecuted: number };
	copies: { planned: number; bought: number; failed: number; notExecuted: number };
	stars: { planned: number; spent: number };
	skipsByReason: Partial<Record<SkipReason, number>>;
	failuresByReason: Record<string, number>;
	unmatchedResults: number;
	perGift: GiftReport[];
	perRecipient: RecipientReport[];
	perAccount: AccountReport[];
}

export interface Report {
	text: string;
	totals: ReportTotals;
}

/** Skip reasons that are rules about the gift itself (shown as ⏭️), not a failure to buy it. */
const RULE_REASONS: ReadonlySet<string> = new Set(['auction', 'non_limited', 'invalid', 'sold_out', 'locked']);

export function buildReport(
	plan: Plan,
	results: readonly ReportResult[],
	accounts?: readonly PlanAccount[],
	options: ReportOptions = {},
): Report {
	const totals = computeTotals(plan, results, accounts ?? plan.accounts ?? [], options.giftTitles ?? plan.giftTitles);
	return { text: renderReport(totals, options.lang ?? 'en'), totals };
}

function bump(map: Record<string, number>, key: string, by = 1): void {
	if (by > 0) map[key] = (map[key] ?? 0) + by;
}

export function computeTotals(
	plan: Plan,
	results: readonly ReportResult[],
	accounts: readonly PlanAccount[],
	giftTitles: Readonly<Record<string, string>> = {},
): ReportTotals {
	const opsByKey = new Map<string, Operation>();
	for (const op of plan.operations) opsByKey.set(op.opKey, op);
	const resultByKey = new Map<string, ReportResult>();
	let unmatchedResults = 0;
	for (const result of results) {
		if (opsByKey.has(result.opKey)) resultByKey.set(result.opKey, result);
		else unmatchedResults++;
	}

	const gifts = new Map<string, GiftReport>();
	const giftOf = (giftId: string, price: number | null, supply: number | null): GiftReport => {
		let g = gifts.get(giftId);
		if (!g) {
			g = {
				giftId,
				title: giftTitles[giftId] ?? null,
				price,
				supply,
				outcome: 'skipped',
				recipient: null,
				copiesPlanned: 0,
				copiesBought: 0,
				copiesFailed: 0,
				copiesNotExecuted: 0,
				skip: null,
				accounts: [],
			};
			gifts.set(giftId, g);
		}
		return g;
	};
	const recipients = new Map<string, RecipientReport>();
	const recipientOf = (peer: string): RecipientReport => {
		let r = recipients.get(peer);
		if (!r) {
			r = { recipient: peer, copiesPlanned: 0, copiesBought: 0, copiesFailed: 0, copiesNotExecuted: 0, skips: 0, reasons: {} };
			recipients.set(peer, r);
		}
		return r;
	};
	const accountReports = new Map<string, AccountReport>();
	const accountOf = (id: string): AccountReport => {
		let a = accountReports.get(id);
		if (!a) {
			a = {
				accountId: id,
				label: null,
				copiesPlanned: 0,
				starsPlanned: 0,
				copiesBought: 0,
				copiesFailed: 0,
				copiesNotExecuted: 0,
				spent: 0,
				start: null,
				end: null,
			};
			accountReports.set(id, a);
		}
		return a;
	};
	for (const account of accounts) {
		const a = accountOf(account.id);
		a.label = account.label ?? null;
		a.start = account.balance;
	}

	const failuresByReason: Record<string, number> = {};
	const copies = { planned: 0, bought: 0, failed: 0, notExecuted: 0 };
	const stars = { planned: 0, spent: 0 };
	for (const op of plan.operations) {
		const result = resultByKey.get(op.opKey);
		let bought = 0;
		let failed = 0;
		let notExecuted = 0;
		let failureReason: string | null = null;
		if (!result) {
			notExecuted = op.quantity;
		} else {
			const reported = result.quantityBought ?? (result.status === 'bought' ? op.quantity : 0);
			bought = Math.max(0, Math.min(op.quantity, Math.floor(reported)));
			failed = op.quantity - bought;
			if (failed > 0) failureReason = result.reason ?? (result.status === 'bought' ? 'incomplete' : 'unknown');
		}
		const g = giftOf(op.giftId, op.price, op.supply);
		g.recipient = op.recipient;
		g.copiesPlanned += op.quantity;
		g.copiesBought += bought;
		g.copiesFailed += failed;
		g.copiesNotExecuted += notExecuted;
		g.accounts.push({ accountId: op.accountId, planned: op.quantity, bought, failed, failureReason });
		const r = recipientOf(op.recipient);
		r.copiesPlanned += op.quantity;
		r.copiesBought += bought;
		r.copiesFailed += failed;
		r.copiesNotExecuted += notExecuted;
		const a = accountOf(op.accountId);
		a.copiesPlanned += op.quantity;
		a.starsPlanned += op.quantity * op.price;
		a.copiesBought += bought;
		a.copiesFailed += failed;
		a.copiesNotExecuted += notExecuted;
		a.spent += bought * op.price;
		if (failureReason !== null) {
			bump(r.reasons, failureReason, failed);
			bump(failuresByReason, failureReason, failed);
		}
		copies.planned += op.quantity;
		copies.bought += bought;
		copies.failed += failed;
		copies.notExecuted += notExecuted;
		stars.planned += op.quantity * op.price;
		stars.spent += bought * op.price;
	}

	const skipsByReason: Partial<Record<SkipReason, number>> = {};
	for (const skip of plan.skips) {
		const g = giftOf(skip.giftId, skip.price ?? null, skip.supply ?? null);
		g.skip ??= skip;
		if (g.price === null && skip.price !== undefined) g.price = skip.price;
		if (skip.recipient !== undefined) {
			g.recipient ??= skip.recipient;
			const r = recipientOf(skip.recipient);
			r.skips++;
			bump(r.reasons, skip.reason);
		}
		skipsByReason[skip.reason] = (skipsByReason[skip.reason] ?? 0) + 1;
	}

	let bought = 0;
	let partial = 0;
	let notExecutedGifts = 0;
	for (const g of gifts.values()) {
		if (g.copiesBought > 0) {
			bought++;
			g.outcome = g.copiesBought === g.copiesPlanned && g.skip === null ? 'bought' : 'partial';
			if (g.outcome === 'partial') partial++;
		} else if (g.copiesPlanned > 0) {
			g.outcome = g.copiesFailed > 0 ? 'failed' : 'not_executed';
			if (g.outcome === 'not_executed') notExecutedGifts++;
		} else {
			g.outcome = 'skipped';
		}
	}
	for (const a of accountReports.values()) a.end = a.start === null ? null : a.start - a.spent;

	const perGift = [...gifts.values()].sort(compareGiftLines);
	const newGifts = plan.summary?.gifts ?? gifts.size;
	return {
		gifts: { new: newGifts, bought, skipped: newGifts - bought - notExecutedGifts, partial, notExecuted: notExecutedGifts },
		copies,
		stars,
		skipsByReason,
		failuresByReason,
		unmatchedResults,
		perGift,
		perRecipient: [...recipients.values()],
		perAccount: [...accountReports.values()],
	};
}

/** Same order as the planner's priority (lower supply, higher price), then id; invalid gifts last. */
function compareGiftLines(a: GiftReport, b: GiftReport): number {
	const ia = a.price === null ? 1 : 0;
	const ib = b.price === null ? 1 : 0;
	if (ia !== ib) return ia - ib;
	const sa = a.supply ?? Infinity;
	const sb = b.supply ?? Infinity;
	if (sa !== sb) return sa < sb ? -1 : 1;
	if ((a.price ?? 0) !== (b.price ?? 0)) return (b.price ?? 0) - (a.price ?? 0);
	return a.giftId < b.giftId ? -1 : a.giftId > b.giftId ? 1 : 0;
}

interface Words {
	title: string;
	summary(t: ReportTotals): string;
	copies(t: ReportTotals): string;
	byGift: string;
	byRecipient: string;
	byAccount: string;
	none: string;
	reason: string;
	notExecuted: string;
	unmatched(n: number): string;
}

const WORDS: Record<ReportLang, Words> = {
	en: {
		title: '🧾 Autobuy report',
		summary: (t) =>
			`📊 New: ${t.gifts.new} | Bought: ${t.gifts.bought} | Skipped: ${t.gifts.skipped}` +
			(t.gifts.notExecuted > 0 ? ` | Not executed: ${t.gifts.notExecuted}` : ''),
		copies: (t) =>
			`🧮 Copies: planned ${t.copies.planned}, bought ${t.copies.bought}, failed ${t.copies.failed}, ` +
			`not executed ${t.copies.notExecuted} | ⭐ planned ${t.stars.planned}, spent ${t.stars.spent}`,
		byGift: '📦 By gift:',
		byRecipient: '🛰️ By recipient:',
		byAccount: '👤 By account:',
		none: '• —',
		reason: 'reason',
		notExecuted: 'not executed',
		unmatched: (n) => `⚠️ ${n} result(s) match no operation of this plan and are not counted`,
	},
	ru: {
		title: '🧾 Отчёт автопокупки',
		summary: (t) =>
			`📊 Новых: ${t.gifts.new} | Куплено: ${t.gifts.bought} | Пропущено: ${t.gifts.skipped}` +
			(t.gifts.notExecuted > 0 ? ` | Не выполнено: ${t.gifts.notExecuted}` : ''),
		copies: (t) =>
			`🧮 Копий: план ${t.copies.planned}, куплено ${t.copies.bought}, ошибок ${t.copies.failed}, ` +
			`не выполнено ${t.copies.notExecuted} | ⭐ план ${t.stars.planned}, потрачено ${t.stars.spent}`,
		byGift: '📦 По подаркам:',
		byRecipient: '🛰️ По получателям:',
		byAccount: '👤 По аккаунтам:',
		none: '• —',
		reason: 'причина',
		notExecuted: 'не выполнено',
		unmatched: (n) => `⚠️ Результатов без операции в этом плане: ${n} (не учтены)`,
	},
};

const OUTCOME_ICON: Record<GiftOutcome, string> = {
	bought: '✅',
	partial: '⚠️',
	failed: '❌',
	not_executed: '⏳',
	skipped: '❌',
};

/** "ch=-100…" for channels (seed 000's tag), "to=…" for users, usernames and "me". */
function recipientTag(peer: string): string {
	return peer.startsWith('-100') ? `ch=${peer}` : `to=${peer}`;
}

function times(n: number): string {
	return n === 1 ? '' : `×${n}`;
}

function reasonList(reasons: Record<string, number>): string {
	return Object.entries(reasons)
		.map(([reason, n]) => `${reason}${times(n)}`)
		.join(', ');
}

/** An account as the report names it: its label when known, else its id. */
type AccountName = (accountId: string) => string;

function giftLine(g: GiftReport, w: Words, accountName: AccountName): string {
	const icon = g.outcome === 'skipped' && g.skip && RULE_REASONS.has(g.skip.reason) ? '⏭️' : OUTCOME_ICON[g.outcome];
	const name = g.title === null ? g.giftId : `${g.title} (${g.giftId})`;
	const head = `• ${icon} ${name} | ${g.price ?? '?'}⭐ | supply=${g.supply ?? '∞'}`;
	const parts: string[] = [];
	if (g.copiesPlanned > 0) {
		const bought = g.accounts.filter((a) => a.bought > 0).map((a) => `acc=${accountName(a.accountId)}${times(a.bought)}`);
		const failed = g.accounts
			.filter((a) => a.failed > 0)
			.map((a) => `✖ acc=${accountName(a.accountId)}${times(a.failed)}: ${a.failureReason}`);
		const pending = g.accounts
			.filter((a) => a.planned - a.bought - a.failed > 0)
			.map((a) => `⏳ acc=${accountName(a.accountId)}${times(a.planned - a.bought - a.failed)} (${w.notExecuted})`);
		parts.push([g.recipient === null ? '' : recipientTag(g.recipient), ...bought, ...failed, ...pending].filter(Boolean).join(' '));
	}
	if (g.skip) {
		const s = g.skip;
		const where = s.recipient === undefined || g.copiesPlanned > 0 ? '' : ` ${recipientTag(s.recipient)}`;
		let text = `${w.reason}${where}: ${s.reason}${s.unplanned !== undefined && g.copiesPlanned > 0 ? times(s.unplanned) : ''}`;
		if (s.accountId !== undefined) text += ` acc=${accountName(s.accountId)}`;
		if (s.available !== undefined && s.need !== undefined) text += ` bal=${s.available} need=${s.need}`;
		parts.push(text);
	}
	return `${head} → ${parts.join(' | ')}`;
}

function recipientLine(r: RecipientReport): string {
	let line = `• ${r.recipient}: plan=${r.copiesPlanned} ok=${r.copiesBought} fail=${r.copiesFailed}`;
	if (r.copiesNotExecuted > 0) line += ` notrun=${r.copiesNotExecuted}`;
	line += ` skips=${r.skips}`;
	const reasons = reasonList(r.reasons);
	return reasons ? `${line} (${reasons})` : line;
}

function accountLine(a: AccountReport): string {
	const name = a.label ? `${a.label} (acc=${a.accountId})` : `acc=${a.accountId}`;
	let line = `• ${name}: plan=${a.copiesPlanned} 💰spent=${a.spent} start=${a.start ?? '?'} end=${a.end ?? '?'} buys=${a.copiesBought}`;
	if (a.copiesFailed > 0) line += ` fail=${a.copiesFailed}`;
	if (a.copiesNotExecuted > 0) line += ` notrun=${a.copiesNotExecuted}`;
	return line;
}

export function renderReport(t: ReportTotals, lang: ReportLang): string {
	const w = WORDS[lang];
	const lines = [w.title, w.summary(t), w.copies(t)];
	if (t.unmatchedResults > 0) lines.push(w.unmatched(t.unmatchedResults));
	lines.push('', w.byGift);
	const labels = new Map(t.perAccount.filter((a) => a.label).map((a) => [a.accountId, a.label!]));
	const accountName: AccountName = (id) => labels.get(id) ?? id;
	lines.push(...(t.perGift.length ? t.perGift.map((g) => giftLine(g, w, accountName)) : [w.none]));
	lines.push('', w.byRecipient);
	lines.push(...(t.perRecipient.length ? t.perRecipient.map(recipientLine) : [w.none]));
	lines.push('', w.byAccount);
	lines.push(...(t.perAccount.length ? t.perAccount.map(accountLine) : [w.none]));
	return lines.join('\n');
}

export const TELEGRAM_MESSAGE_LIMIT = 4096;

/**
 * Splits report text into messages of at most `limit` UTF-16 units, cutting only at line breaks
 * (the break itself is dropped, so chunks.join('\n') gives the text back). A single line longer
 * than the limit (not produced by this report) is cut hard, never inside a surrogate pair.
 */
export function splitReportText(text: string, limit: number = TELEGRAM_MESSAGE_LIMIT): string[] {
	if (!Number.isInteger(limit) || limit < 2) throw new RangeError('splitReportText: limit must be an integer ≥ 2');
	const chunks: string[] = [];
	let current: string | null = null;
	for (let line of text.split('\n')) {
		if (current !== null && current.length + 1 + line.length <= limit) {
			current += '\n' + line;
			continue;
		}
		if (current !== null) chunks.push(current);
		while (line.length > limit) {
			const code = line.charCodeAt(limit - 1);
			const cut = code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
			chunks.push(line.slice(0, cut));
			line = line.slice(cut);
		}
		current = line;
	}
	if (current !== null) chunks.push(current);
	return chunks;
}
