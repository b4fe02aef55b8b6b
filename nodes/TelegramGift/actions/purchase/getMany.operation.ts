/**
 * Purchase → Get Many: the store's purchase ledger (one item per gift copy) of the credential's
 * accounts. The ledger is keyed by Telegram user id, so the accounts' ids come from whoAmI.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { getStore, type LedgerEntry, type LedgerStatus } from '../../../../src/store';
import type { AccountIdentity } from '../../../shared/accounts';
import { parameterError } from '../../../shared/errors';
import { quoted } from '../../../shared/parameters';
import type { GiftContext } from '../context';

const HOUR_MS = 3_600_000;

const STATUS_FILTERS: Record<string, LedgerStatus[] | undefined> = {
	all: undefined,
	bought: ['bought'],
	bids: ['held', 'won', 'returned'],
	failed: ['failed'],
	pendingUnknown: ['pending', 'unknown'],
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function entryJson(entry: LedgerEntry, label: string) {
	return {
		opKey: entry.opKey,
		unitIndex: entry.unitIndex,
		kind: entry.kind,
		bidAmount: entry.bidAmount,
		accountId: entry.accountId,
		accountLabel: label,
		recipient: entry.recipient,
		giftId: entry.giftId,
		price: entry.price,
		status: entry.status,
		reason: entry.reason,
		createdAt: iso(entry.createdAtMs),
		sentAt: iso(entry.sentAtMs),
		updatedAt: iso(entry.updatedAtMs),
	};
}

export async function getManyPurchases(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const sinceHours = this.getNodeParameter('sinceHours', 0, 24) as unknown;
	if (typeof sinceHours !== 'number' || !Number.isFinite(sinceHours) || sinceHours <= 0) {
		throw parameterError(this.getNode(), 'Since (Hours)', `${quoted(String(sinceHours))} is not a number of hours above 0`);
	}
	const status = String(this.getNodeParameter('status', 0, 'bought'));
	if (!(status in STATUS_FILTERS)) {
		throw parameterError(this.getNode(), 'Status', `${quoted(status)} is not one of ${Object.keys(STATUS_FILTERS).join(', ')}`);
	}
	const wanted = String(this.getNodeParameter('account', 0, '') ?? '').trim();

	const out: INodeExecutionData[] = [];
	const accounts: AccountIdentity[] = [];
	for (const entry of await context.accounts.whoAmIEach()) {
		if (wanted !== '' && entry.label !== wanted && entry.info?.id !== wanted && !(entry.info?.username && `@${entry.info.username}` === wanted)) continue;
		if (entry.info) {
			accounts.push(entry.info);
			continue;
		}
		if (!this.continueOnFail()) throw context.wrap(entry.error);
		out.push({ json: { label: entry.label, error: context.wrap(entry.error).message }, pairedItem: { item: 0 } });
	}
	if (wanted !== '' && accounts.length === 0 && out.length === 0) {
		throw parameterError(this.getNode(), 'Account', `no account ${quoted(wanted)} in the credential (accounts: ${context.accounts.labels.join(', ')})`);
	}

	const sinceMs = Date.now() - sinceHours * HOUR_MS;
	const entries: Array<{ entry: LedgerEntry; label: string }> = [];
	const store = await getStore();
	try {
		for (const account of accounts) {
			const ledger = await store.listPurchases({ accountId: account.id, sinceMs, statuses: STATUS_FILTERS[status] });
			for (const entry of ledger) entries.push({ entry, label: account.label });
		}
	} finally {
		await store.close();
	}
	entries.sort((a, b) => a.entry.createdAtMs - b.entry.createdAtMs);
	for (const { entry, label } of entries) out.push({ json: entryJson(entry, label), pairedItem: { item: 0 } });
	return out;
}
