/**
 * Node parameters → the core's plan input. Values are checked by the core's own validators
 * (one definition of a valid recipient or account); their field paths are translated back into
 * the names the user sees in the node, so an error says "Recipient List › Recipient 2 › Recipient".
 */
import type { IDataObject, IExecuteFunctions, INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ValidationError, validateAccount, validateRecipient, type PlanAccount, type PlanOptions, type Recipient } from '../../../src/core';
import { parameterError } from '../../shared/errors';

const RECIPIENT_LABELS: Record<string, string> = {
	peer: 'Recipient',
	priceMin: 'Min Price (Stars)',
	priceMax: 'Max Price (Stars)',
	supplyMin: 'Min Supply',
	supplyMax: 'Max Supply',
	maxPerGift: 'Copies per Gift',
};

/** `recipients[1].priceMin` → `Recipient List › Recipient 2 › Min Price (Stars)`. */
function listFieldName(field: string): string {
	const match = /^recipients\[(\d+)\]\.?(\w*)/.exec(field);
	if (!match) return `Recipient List › ${field}`;
	const label = match[2] ? ` › ${RECIPIENT_LABELS[match[2]] ?? match[2]}` : '';
	return `Recipient List › Recipient ${Number(match[1]) + 1}${label}`;
}

function asValidationError(node: INode, error: unknown, name: (field: string) => string): NodeOperationError {
	if (error instanceof ValidationError) return parameterError(node, name(error.field), error.reason);
	if (error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error instanceof Error ? error.message : String(error));
}

/** A number parameter where 0 means "no bound". */
const bound = (value: unknown): unknown => (value === 0 || value === '' || value === undefined ? null : value);

export function readRecipients(this: IExecuteFunctions): Recipient[] {
	const node = this.getNode();
	const source = this.getNodeParameter('recipientsSource', 0, 'list') as string;
	if (source === 'list') {
		const list = (this.getNodeParameter('recipients', 0, {}) as { recipient?: IDataObject[] }).recipient ?? [];
		if (list.length === 0) throw parameterError(node, 'Recipient List', 'add at least one recipient');
		return list.map((entry, index) => {
			const raw = {
				peer: typeof entry.peer === 'string' ? entry.peer.trim() : entry.peer,
				priceMin: bound(entry.priceMin),
				priceMax: bound(entry.priceMax),
				supplyMin: bound(entry.supplyMin),
				supplyMax: bound(entry.supplyMax),
				maxPerGift: bound(entry.maxPerGift),
			};
			if (raw.peer === '' || raw.peer === undefined) throw parameterError(node, listFieldName(`recipients[${index}].peer`), 'is empty');
			try {
				return validateRecipient(raw, `recipients[${index}]`);
			} catch (error) {
				throw asValidationError(node, error, listFieldName);
			}
		});
	}
	const parsed = readJsonArray.call(this, 'recipientsJson', 'Recipients (JSON)');
	if (parsed.length === 0) throw parameterError(node, 'Recipients (JSON)', 'is an empty list: give at least one recipient');
	return parsed.map((entry, index) => {
		try {
			return validateRecipient(entry, `[${index}]`);
		} catch (error) {
			throw asValidationError(node, error, (field) => `Recipients (JSON) › ${field}`);
		}
	});
}

export function readAccountsJson(this: IExecuteFunctions): PlanAccount[] {
	const node = this.getNode();
	const parsed = readJsonArray.call(this, 'accountsJson', 'Accounts (JSON)');
	if (parsed.length === 0) throw parameterError(node, 'Accounts (JSON)', 'is an empty list: give at least one account');
	const accounts = parsed.map((entry, index) => {
		try {
			return validateAccount(entry, `[${index}]`);
		} catch (error) {
			throw asValidationError(node, error, (field) => `Accounts (JSON) › ${field}`);
		}
	});
	const ids = new Set<string>();
	accounts.forEach((account, index) => {
		if (ids.has(account.id)) throw parameterError(node, `Accounts (JSON) › [${index}].id`, `"${account.id}" appears twice`);
		ids.add(account.id);
	});
	return accounts;
}

/** A JSON parameter that must hold an array (a string to parse, or an expression's array). */
function readJsonArray(this: IExecuteFunctions, name: string, label: string): unknown[] {
	const value = this.getNodeParameter(name, 0, '[]') as unknown;
	let parsed: unknown = value;
	if (typeof value === 'string') {
		try {
			parsed = JSON.parse(value.trim() === '' ? '[]' : value);
		} catch (error) {
			throw parameterError(this.getNode(), label, `is not valid JSON (${error instanceof Error ? error.message : 'parse error'})`);
		}
	}
	if (!Array.isArray(parsed)) throw parameterError(this.getNode(), label, 'must be a JSON array');
	return parsed;
}

export interface PlanNodeOptions {
	planner: PlanOptions;
	giftField: string;
}

const OPTION_LABELS: Record<string, string> = {
	onlyLimited: 'Limited Gifts Only',
	maxPerGiftPerAccount: 'Max Copies per Gift per Account',
	maxStarsPerRun: 'Max Stars per Run',
	reserveStars: 'Reserve Stars per Account',
	dailyBudgetPerAccount: 'Daily Budget per Account (Stars)',
	seed: 'Seed',
	runKey: 'Run Key',
};

export function optionLabel(field: string): string {
	const key = field.replace(/^options\./, '');
	return `Options › ${OPTION_LABELS[key] ?? key}`;
}

export function readOptions(this: IExecuteFunctions): PlanNodeOptions {
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const planner: PlanOptions = {
		onlyLimited: options.onlyLimited === undefined ? true : (options.onlyLimited as boolean),
		maxPerGiftPerAccount: bound(options.maxPerGiftPerAccount) as number | null,
		maxStarsPerRun: bound(options.maxStarsPerRun) as number | null,
		reserveStars: (options.reserveStars as number | undefined) ?? 0,
		dailyBudgetPerAccount: bound(options.dailyBudgetPerAccount) as number | null,
		seed: (options.seed as number | undefined) ?? 0,
		runKey: (options.runKey as string | undefined) ?? '',
		nowSec: Math.floor(Date.now() / 1000),
	};
	return { planner, giftField: ((options.giftField as string | undefined) ?? '').trim() };
}
