/** Telegram Gift Plan: input gifts + recipients + accounts → purchases (output 1) and skips (output 2). */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { ValidationError, plan, type PlanAccount } from '../../../src/core';
import { getStore } from '../../../src/store';
import { ACCOUNT_CREDENTIAL } from '../../shared/accountCredential';
import { nodeError, parameterError } from '../../shared/errors';
import { optionLabel, readAccountsJson, readOptions, readRecipients } from './parameters';

const DAY_MS = 86_400_000;

export async function executePlan(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const items = this.getInputData();
	const recipients = readRecipients.call(this);
	const { planner, giftField } = readOptions.call(this);
	const { accounts, unavailable } = await readAccounts.call(this);

	if (planner.dailyBudgetPerAccount !== null && planner.dailyBudgetPerAccount !== undefined) {
		// The budget counts what the ledger already holds for today (UTC), across all executions.
		const store = await getStore();
		try {
			const dayStart = Math.floor(Date.now() / DAY_MS) * DAY_MS;
			for (const account of accounts) {
				if (account.spentToday === undefined) account.spentToday = await store.spentSince(account.id, dayStart);
			}
		} finally {
			await store.close();
		}
	}

	const gifts = items.map((item, itemIndex) => {
		if (giftField === '') return item.json;
		const value = giftField.split('.').reduce<unknown>((at, key) => (at as IDataObject | undefined)?.[key], item.json);
		if (value === undefined) throw parameterError(node, 'Options › Gift Field', `"${giftField}" is not in the item`, itemIndex);
		return value;
	});

	let result;
	try {
		result = plan({ gifts, accounts, recipients, options: planner });
	} catch (error) {
		if (error instanceof ValidationError && error.field.startsWith('options.')) {
			throw parameterError(node, optionLabel(error.field), error.reason);
		}
		throw nodeError(node, error);
	}

	const itemOfGift = new Map<string, number>();
	items.forEach((item, index) => {
		const gift = giftField === '' ? item.json : gifts[index];
		const id = (gift as IDataObject | null)?.id;
		if ((typeof id === 'string' || typeof id === 'number') && !itemOfGift.has(String(id))) itemOfGift.set(String(id), index);
	});
	const pairedItem = (giftId: string) => ({ item: itemOfGift.get(giftId) ?? 0 });
	const accountById = new Map(accounts.map((a) => [a.id, a]));

	// Titles travel with the items so the report can name gifts by title.
	const giftTitle = (giftId: string) => result.giftTitles?.[giftId] ?? null;
	const purchases: INodeExecutionData[] = result.operations.map((op) => ({
		json: {
			...op,
			giftTitle: giftTitle(op.giftId),
			accountLabel: accountById.get(op.accountId)?.label ?? null,
			accountBalance: accountById.get(op.accountId)?.balance ?? null,
		},
		pairedItem: pairedItem(op.giftId),
	}));
	const skips: INodeExecutionData[] = result.skips.map((skip) => ({
		json: { ...skip, giftTitle: giftTitle(skip.giftId) } as IDataObject,
		pairedItem: pairedItem(skip.giftId),
	}));
	// Accounts that could not be reached are planned without, and said so on the Skipped output.
	const accountSkips: INodeExecutionData[] = unavailable.map((a) => ({
		json: { reason: 'account_unavailable', accountLabel: a.label, detail: a.detail },
		pairedItem: { item: 0 },
	}));
	return [purchases, [...skips, ...accountSkips]];
}

interface PlanningAccounts {
	accounts: PlanAccount[];
	/** Sessions of the credential that did not answer (revoked, flood-parked, offline). */
	unavailable: Array<{ label: string; detail: string }>;
}

export async function readAccounts(this: IExecuteFunctions): Promise<PlanningAccounts> {
	const source = this.getNodeParameter('accountsSource', 0, 'credential') as string;
	if (source === 'expression') return { accounts: readAccountsJson.call(this), unavailable: [] };
	const { openAccounts } = await import('../../shared/openAccounts');
	const accounts = openAccounts(await this.getCredentials(ACCOUNT_CREDENTIAL));
	try {
		// One revoked session must not stop the healthy accounts from buying.
		const each = await accounts.balancesEach();
		const live = each.flatMap((e) => (e.info ? [e.info] : []));
		const failed = each.filter((e) => e.error);
		if (live.length === 0 && failed.length > 0) throw failed[0].error;
		return {
			accounts: live.map((a) => ({ id: a.id, label: a.label, balance: a.balance, premium: a.premium })),
			unavailable: failed.map((e) => ({ label: e.label, detail: e.error!.message })),
		};
	} catch (error) {
		throw nodeError(this.getNode(), error, { secrets: accounts.secrets });
	} finally {
		await accounts.release();
	}
}
