/**
 * Validation of the planner's input. Accounts, recipients and options are configuration: one
 * wrong value there (a typo'd filter key, min > max) would silently change what is bought, so it
 * stops the plan with an error naming the field and item index. Gifts are data from Telegram and
 * are validated one by one in the planner instead (a bad gift becomes an `invalid` skip).
 */
import { formatPeer, parsePeer, describe } from './peer';
import type { ReportResult } from './report';
import type { Operation, Plan, PlanAccount, PlanOptions, PlanSummary, Recipient, Skip, SkipReason } from './types';

/** A configuration error; `field` is the path, e.g. `recipients[2].priceMin`. */
export class ValidationError extends Error {
	constructor(
		readonly field: string,
		readonly reason: string,
	) {
		super(`${field} ${reason}`);
		this.name = 'ValidationError';
	}
}

/** Options with every default applied (see docs/planner.md for why each default is what it is). */
export interface ResolvedOptions {
	onlyLimited: boolean;
	maxPerGiftPerAccount: number | null;
	maxStarsPerRun: number | null;
	reserveStars: number;
	dailyBudgetPerAccount: number | null;
	seed: number;
	runKey: string;
	nowSec: number | null;
}

export const DEFAULT_MAX_PER_GIFT = 1;

export const DEFAULT_OPTIONS: ResolvedOptions = {
	onlyLimited: true,
	maxPerGiftPerAccount: null,
	maxStarsPerRun: null,
	reserveStars: 0,
	dailyBudgetPerAccount: null,
	seed: 0,
	runKey: '',
	nowSec: null,
};

export interface ValidPlanInput {
	gifts: unknown[];
	accounts: PlanAccount[];
	/** Peers in canonical form (see formatPeer). */
	recipients: Recipient[];
	options: ResolvedOptions;
}

const INPUT_KEYS = ['gifts', 'accounts', 'recipients', 'options'];
const RECIPIENT_KEYS = ['peer', 'priceMin', 'priceMax', 'supplyMin', 'supplyMax', 'maxPerGift'];
const OPTION_KEYS: Array<keyof PlanOptions> = [
	'onlyLimited',
	'maxPerGiftPerAccount',
	'maxStarsPerRun',
	'reserveStars',
	'dailyBudgetPerAccount',
	'seed',
	'runKey',
	'nowSec',
];

export function validatePlanInput(input: unknown): ValidPlanInput {
	const root = readObject(input, 'input');
	rejectUnknownKeys(root, INPUT_KEYS, '');
	const gifts = readArray(root.gifts, 'gifts');
	const accounts = readArray(root.accounts, 'accounts').map((a, i) => validateAccount(a, `accounts[${i}]`));
	const seen = new Map<string, number>();
	accounts.forEach((account, i) => {
		const first = seen.get(account.id);
		if (first !== undefined) {
			throw new ValidationError(`accounts[${i}].id`, `"${account.id}" repeats accounts[${first}].id`);
		}
		seen.set(account.id, i);
	});
	const recipients = readArray(root.recipients, 'recipients').map((r, i) => validateRecipient(r, `recipients[${i}]`));
	const options = validateOptions(root.options);
	return { gifts, accounts, recipients, options };
}

export function validateAccount(value: unknown, path: string): PlanAccount {
	const a = readObject(value, path);
	// Accounts often come straight from a balance lookup with extra fields: those are ignored.
	const id = readIdString(a.id, `${path}.id`);
	const balance = readNumber(a.balance, `${path}.balance`, { min: 0 });
	if (balance === null) throw new ValidationError(`${path}.balance`, 'is required (the live star balance)');
	const account: PlanAccount = { id, balance, premium: readBoolean(a.premium, `${path}.premium`) };
	if (a.label !== undefined && a.label !== null) {
		if (typeof a.label !== 'string') throw new ValidationError(`${path}.label`, `must be a string (got ${describe(a.label)})`);
		account.label = a.label;
	}
	const spentToday = readNumber(a.spentToday, `${path}.spentToday`, { min: 0 });
	if (spentToday !== null) account.spentToday = spentToday;
	return account;
}

export function validateRecipient(value: unknown, path: string): Recipient {
	const r = readObject(value, path);
	rejectUnknownKeys(r, RECIPIENT_KEYS, path);
	if (r.peer === undefined || r.peer === null) throw new ValidationError(`${path}.peer`, 'is required');
	const peer = parsePeer(r.peer);
	if ('error' in peer) throw new ValidationError(`${path}.peer`, peer.error);
	const priceMin = readNumber(r.priceMin, `${path}.priceMin`, { min: 0 });
	const priceMax = readNumber(r.priceMax, `${path}.priceMax`, { min: 0 });
	const supplyMin = readNumber(r.supplyMin, `${path}.supplyMin`, { min: 0 });
	const supplyMax = readNumber(r.supplyMax, `${path}.supplyMax`, { min: 0 });
	if (priceMin !== null && priceMax !== null && priceMin > priceMax) {
		throw new ValidationError(`${path}.priceMin`, `must be ≤ priceMax (got ${priceMin} > ${priceMax})`);
	}
	if (supplyMin !== null && supplyMax !== null && supplyMin > supplyMax) {
		throw new ValidationError(`${path}.supplyMin`, `must be ≤ supplyMax (got ${supplyMin} > ${supplyMax})`);
	}
	return {
		peer: formatPeer(peer.ok),
		priceMin,
		priceMax,
		supplyMin,
		supplyMax,
		maxPerGift: readNumber(r.maxPerGift, `${path}.maxPerGift`, { min: 1, integer: true }),
	};
}

export function validateOptions(value: unknown): ResolvedOptions {
	if (value === undefined || value === null) return { ...DEFAULT_OPTIONS };
	const o = readObject(value, 'options');
	rejectUnknownKeys(o, OPTION_KEYS, 'options');
	const resolved: ResolvedOptions = { ...DEFAULT_OPTIONS };
	const onlyLimited = readBoolean(o.onlyLimited, 'options.onlyLimited');
	if (onlyLimited !== null) resolved.onlyLimited = onlyLimited;
	resolved.maxPerGiftPerAccount = readNumber(o.maxPerGiftPerAccount, 'options.maxPerGiftPerAccount', { min: 1, integer: true });
	resolved.maxStarsPerRun = readNumber(o.maxStarsPerRun, 'options.maxStarsPerRun', { min: 0 });
	resolved.reserveStars = readNumber(o.reserveStars, 'options.reserveStars', { min: 0 }) ?? 0;
	resolved.dailyBudgetPerAccount = readNumber(o.dailyBudgetPerAccount, 'options.dailyBudgetPerAccount', { min: 0 });
	const seed = readNumber(o.seed, 'options.seed', { integer: true });
	if (seed !== null) resolved.seed = seed;
	if (o.runKey !== undefined && o.runKey !== null) {
		if (typeof o.runKey !== 'string') throw new ValidationError('options.runKey', `must be a string (got ${describe(o.runKey)})`);
		resolved.runKey = o.runKey;
	}
	resolved.nowSec = readNumber(o.nowSec, 'options.nowSec', { min: 0, integer: true });
	return resolved;
}

function readObject(value: unknown, path: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new ValidationError(path, `must be an object (got ${describe(value)})`);
	}
	return value as Record<string, unknown>;
}

function readArray(value: unknown, path: string): unknown[] {
	if (!Array.isArray(value)) throw new ValidationError(path, `must be an array (got ${describe(value)})`);
	return value;
}

function rejectUnknownKeys(obj: Record<string, unknown>, known: readonly string[], path: string): void {
	for (const key of Object.keys(obj)) {
		if (!known.includes(key)) {
			throw new ValidationError(path ? `${path}.${key}` : key, `is not a known field (known: ${known.join(', ')})`);
		}
	}
}

/** A finite number (numeric strings from n8n expressions accepted), or null when absent. */
function readNumber(value: unknown, path: string, rule: { min?: number; integer?: boolean }): number | null {
	if (value === undefined || value === null || value === '') return null;
	let n: number;
	if (typeof value === 'number') n = value;
	else if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) n = Number(value);
	else throw new ValidationError(path, `must be a number (got ${describe(value)})`);
	if (!Number.isFinite(n)) throw new ValidationError(path, `must be a finite number (got ${describe(value)})`);
	if (rule.integer && !Number.isSafeInteger(n)) throw new ValidationError(path, `must be an integer (got ${n})`);
	if (rule.min !== undefined && n < rule.min) throw new ValidationError(path, `must be ≥ ${rule.min} (got ${n})`);
	return n;
}

function readBoolean(value: unknown, path: string): boolean | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'boolean') throw new ValidationError(path, `must be true or false (got ${describe(value)})`);
	return value;
}

/** Account ids are Telegram user ids or any stable name: a non-empty string or an exact integer. */
function readIdString(value: unknown, path: string): string {
	if (typeof value === 'string' && value.trim() !== '') return value.trim();
	if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
	if (typeof value === 'bigint') return value.toString();
	if (value === undefined || value === null || value === '') throw new ValidationError(path, 'is required');
	throw new ValidationError(path, `must be a non-empty string (got ${describe(value)})`);
}

const SKIP_REASONS: ReadonlySet<string> = new Set<SkipReason>([
	'auction',
	'non_limited',
	'invalid',
	'sold_out',
	'no_recipient_match',
	'insufficient_balance',
	'premium_required',
	'per_user_limit',
	'locked',
	'budget_exhausted',
]);
const RESULT_STATUSES: ReadonlySet<string> = new Set(['bought', 'failed', 'skipped']);

/** Checks a plan read back from a file or another node (the report's input). */
export function validatePlan(value: unknown): Plan {
	const p = readObject(value, 'plan');
	const seenKeys = new Map<string, number>();
	const operations = readArray(p.operations, 'plan.operations').map((item, i): Operation => {
		const path = `plan.operations[${i}]`;
		const o = readObject(item, path);
		const opKey = readText(o.opKey, `${path}.opKey`);
		const first = seenKeys.get(opKey);
		if (first !== undefined) throw new ValidationError(`${path}.opKey`, `repeats plan.operations[${first}].opKey`);
		seenKeys.set(opKey, i);
		const recipient = parsePeer(o.recipient);
		if ('error' in recipient) throw new ValidationError(`${path}.recipient`, recipient.error);
		return {
			opKey,
			accountId: readIdString(o.accountId, `${path}.accountId`),
			recipient: formatPeer(recipient.ok),
			giftId: readGiftId(o.giftId, `${path}.giftId`),
			price: required(readNumber(o.price, `${path}.price`, { min: 0 }), `${path}.price`),
			quantity: required(readNumber(o.quantity, `${path}.quantity`, { min: 1, integer: true }), `${path}.quantity`),
			supply: readNumber(o.supply, `${path}.supply`, { min: 0 }),
		};
	});
	const skips = readArray(p.skips ?? [], 'plan.skips').map((item, i): Skip => {
		const path = `plan.skips[${i}]`;
		const s = readObject(item, path);
		const reason = readText(s.reason, `${path}.reason`);
		if (!SKIP_REASONS.has(reason)) {
			throw new ValidationError(`${path}.reason`, `"${reason}" is not a skip reason (known: ${[...SKIP_REASONS].join(', ')})`);
		}
		const skip: Skip = {
			giftId: readText(s.giftId, `${path}.giftId`),
			reason: reason as SkipReason,
			detail: typeof s.detail === 'string' ? s.detail : '',
			price: readNumber(s.price, `${path}.price`, { min: 0 }),
			supply: readNumber(s.supply, `${path}.supply`, { min: 0 }),
		};
		if (s.recipient !== undefined && s.recipient !== null) skip.recipient = readText(s.recipient, `${path}.recipient`);
		if (s.accountId !== undefined && s.accountId !== null) skip.accountId = readIdString(s.accountId, `${path}.accountId`);
		const unplanned = readNumber(s.unplanned, `${path}.unplanned`, { min: 0, integer: true });
		if (unplanned !== null) skip.unplanned = unplanned;
		const need = readNumber(s.need, `${path}.need`, { min: 0 });
		if (need !== null) skip.need = need;
		const available = readNumber(s.available, `${path}.available`, {});
		if (available !== null) skip.available = available;
		return skip;
	});
	const plan: Plan = { operations, skips, summary: summaryOf(p.summary, operations, skips) };
	if (p.accounts !== undefined && p.accounts !== null) {
		plan.accounts = readArray(p.accounts, 'plan.accounts').map((a, i) => validateAccount(a, `plan.accounts[${i}]`));
	}
	if (p.giftTitles !== undefined && p.giftTitles !== null) plan.giftTitles = validateGiftTitles(p.giftTitles, 'plan.giftTitles');
	return plan;
}

/** {giftId: title}: titles are what reports show; ids stay next to them. */
export function validateGiftTitles(value: unknown, path: string): Record<string, string> {
	const titles: Record<string, string> = {};
	for (const [giftId, title] of Object.entries(readObject(value, path))) {
		if (typeof title !== 'string') throw new ValidationError(`${path}.${giftId}`, `must be a string (got ${describe(title)})`);
		if (title !== '') titles[giftId] = title;
	}
	return titles;
}

function summaryOf(value: unknown, operations: Operation[], skips: Skip[]): PlanSummary {
	const plannedGifts = new Set(operations.map((o) => o.giftId)).size;
	let gifts = new Set([...operations.map((o) => o.giftId), ...skips.map((s) => s.giftId)]).size;
	if (value !== undefined && value !== null) {
		const given = readNumber(readObject(value, 'plan.summary').gifts, 'plan.summary.gifts', { min: 0, integer: true });
		if (given !== null) gifts = given;
	}
	let quantity = 0;
	let stars = 0;
	for (const o of operations) {
		quantity += o.quantity;
		stars += o.quantity * o.price;
	}
	return { gifts, plannedGifts, skippedGifts: gifts - plannedGifts, operations: operations.length, quantity, stars };
}

/**
 * Checks buy results (the Telegram Gift node's Buy output). Accepts the results themselves or
 * n8n items wrapping them in `json`.
 */
export function validateResults(value: unknown): ReportResult[] {
	return readArray(value, 'results').map((item, i): ReportResult => {
		const path = `results[${i}]`;
		let r = readObject(item, path);
		if (r.opKey === undefined && typeof r.json === 'object' && r.json !== null) r = readObject(r.json, `${path}.json`);
		const status = readText(r.status, `${path}.status`);
		if (!RESULT_STATUSES.has(status)) {
			throw new ValidationError(`${path}.status`, `must be one of bought, failed, skipped (got ${describe(r.status)})`);
		}
		const reason = r.reason === undefined || r.reason === null ? null : readText(r.reason, `${path}.reason`);
		return {
			opKey: readText(r.opKey, `${path}.opKey`),
			status: status as ReportResult['status'],
			reason,
			quantityBought: readNumber(r.quantityBought, `${path}.quantityBought`, { min: 0, integer: true }),
		};
	});
}

function readText(value: unknown, path: string): string {
	if (typeof value === 'string' && value !== '') return value;
	if (value === undefined || value === null || value === '') throw new ValidationError(path, 'is required');
	throw new ValidationError(path, `must be a string (got ${describe(value)})`);
}

/** A planned gift id: the catalog's decimal int64 text (the buyer turns it into a bigint). */
function readGiftId(value: unknown, path: string): string {
	const text = readText(value, path);
	if (!/^-?\d{1,19}$/.test(text)) throw new ValidationError(path, `must be a gift id in decimal digits (got ${describe(text)})`);
	return text;
}

function required<T>(value: T | null, path: string): T {
	if (value === null) throw new ValidationError(path, 'is required');
	return value;
}
