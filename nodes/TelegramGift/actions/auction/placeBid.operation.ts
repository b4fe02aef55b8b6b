/**
 * Auction → Place or Raise Bid: each input item is one bid step (from Telegram Gift Plan → Plan
 * Bids, or from the fields), paid at most once per (bid, amount) through the one ledger
 * (src/telegram/bidder.ts). A refused step is a result with its reason, never an error that stops
 * the other items; bad input names the field.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { bidOpKeyOf, formatPeer, parsePeer, type BidStep } from '../../../../src/core';
import { bidSerialOf, getStore, type GiftStore } from '../../../../src/store';
import { placeBidStep, readAuction, type AccountCredentials, type AccountLease } from '../../../../src/telegram';
import { parameterError } from '../../../shared/errors';
import { quoted } from '../../../shared/parameters';
import type { GiftContext } from '../context';
import { auctionParameter } from './getState.operation';

type Prepared = { itemIndex: number; step: BidStep } | { itemIndex: number; error: unknown };

export async function placeBid(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const source = this.getNodeParameter('bidSource', 0, 'plan') as string;
	const options = this.getNodeParameter('bidOptions', 0, {}) as IDataObject;
	const leases = new Map<string, AccountLease>();
	const store = await getStore();
	try {
		const accountOf = async (which: string): Promise<{ lease: AccountLease; id: string }> => {
			for (const credential of context.accounts.credentials) {
				const lease = leases.get(credential.label) ?? (await context.accounts.pool.acquire(credential));
				leases.set(credential.label, lease);
				const me = await lease.account.whoAmI();
				if (which === '' || which === credential.label || which === me.id || (me.username !== null && `@${me.username}` === which)) return { lease, id: me.id };
			}
			throw new Error(`No account ${quoted(which)} in the credential (accounts: ${context.accounts.labels.join(', ')})`);
		};
		const prepared: Prepared[] = source === 'fields' ? [await fromFields.call(this, store, accountOf)] : items.map((item, itemIndex) => fromPlanItem(item.json, itemIndex));
		const invalid = prepared.find((p): p is { itemIndex: number; error: unknown } => 'error' in p);
		if (invalid && !this.continueOnFail()) throw context.wrap(invalid.error, invalid.itemIndex);
		const out: INodeExecutionData[] = [];
		// Accounts in parallel, one account's steps in order.
		const byAccount = new Map<string, Array<{ itemIndex: number; step: BidStep }>>();
		for (const p of prepared) {
			if ('error' in p) {
				out.push(context.errorItem(p.error, p.itemIndex));
				continue;
			}
			byAccount.set(p.step.accountId, [...(byAccount.get(p.step.accountId) ?? []), p]);
		}
		const results = new Map<number, INodeExecutionData>();
		await Promise.all(
			[...byAccount].map(async ([accountId, steps]) => {
				let account: { lease: AccountLease; id: string } | null = null;
				try {
					account = await accountOf(accountId);
				} catch (error) {
					for (const s of steps) results.set(s.itemIndex, { json: resultJson(s.step, { status: 'failed', reason: 'auth_invalid', error: context.wrap(error).message, retryable: false, bid: null, balanceAfter: null }), pairedItem: { item: s.itemIndex } });
					return;
				}
				for (const s of steps) {
					const outcome = await placeBidStep({
						account: account.lease.account,
						store,
						step: s.step,
						hideName: options.hideName === true,
						message: typeof options.message === 'string' && options.message !== '' ? options.message : undefined,
					}).catch((error: unknown) => ({ status: 'failed' as const, reason: 'network' as const, error: context.wrap(error).message, retryable: true, bid: null, balanceAfter: null }));
					results.set(s.itemIndex, { json: { ...resultJson(s.step, outcome), accountLabel: account.lease.account.label }, pairedItem: { item: s.itemIndex } });
				}
			}),
		);
		return [...out, ...[...results.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r)];
	} finally {
		for (const lease of leases.values()) lease.release();
		await store.close();
	}
}

function resultJson(step: BidStep, outcome: { status: string; reason: string | null; error: string | null; retryable: boolean; bid: unknown; balanceAfter: number | null }): IDataObject {
	return {
		status: outcome.status,
		reason: outcome.reason,
		error: outcome.error,
		retryable: outcome.retryable,
		accountId: step.accountId,
		giftId: step.giftId,
		recipient: step.recipient,
		action: step.action,
		amount: step.amount,
		previousAmount: step.previousAmount,
		charge: step.charge,
		opKey: step.opKey,
		bid: outcome.bid as IDataObject | null,
		balanceAfter: outcome.balanceAfter,
	};
}

const STEP_FIELDS = ['opKey', 'accountId', 'recipient', 'giftId', 'action', 'amount', 'previousAmount', 'charge'] as const;

function fromPlanItem(json: IDataObject, itemIndex: number): Prepared {
	for (const field of STEP_FIELDS) {
		if (json[field] === undefined || json[field] === null || json[field] === '') {
			return { itemIndex, error: new Error(`item ${itemIndex}: ${field} is missing: is this item a bid step from Telegram Gift Plan → Plan Bids?`) };
		}
	}
	const amount = Number(json.amount);
	const previousAmount = Number(json.previousAmount);
	const charge = Number(json.charge);
	if (![amount, previousAmount, charge].every((n) => Number.isSafeInteger(n) && n >= 0) || amount <= previousAmount || charge !== amount - previousAmount) {
		return { itemIndex, error: new Error(`item ${itemIndex}: amount ${String(json.amount)}, previousAmount ${String(json.previousAmount)} and charge ${String(json.charge)} do not make a bid step (charge = amount − previousAmount, amount above it)`) };
	}
	if (json.action !== 'place' && json.action !== 'raise') return { itemIndex, error: new Error(`item ${itemIndex}: action must be place or raise (got ${quoted(String(json.action))})`) };
	if (!/^\d{1,20}$/.test(String(json.giftId))) return { itemIndex, error: new Error(`item ${itemIndex}: giftId ${quoted(String(json.giftId))} is not a gift id`) };
	return {
		itemIndex,
		step: {
			opKey: String(json.opKey),
			unitIndex: amount,
			accountId: String(json.accountId),
			recipient: String(json.recipient),
			giftId: String(json.giftId),
			action: json.action,
			amount,
			previousAmount,
			charge,
			reason: json.action === 'raise' ? 'outbid' : 'new_bid',
		},
	};
}

async function fromFields(
	this: IExecuteFunctions,
	store: GiftStore,
	accountOf: (which: string) => Promise<{ lease: AccountLease; id: string }>,
): Promise<Prepared> {
	const node = this.getNode();
	const giftId = auctionParameter.call(this, 'bidAuction', 'Auction');
	if (!/^\d+$/.test(giftId)) throw parameterError(node, 'Auction', `${quoted(giftId)} is not a gift ID (digits only)`);
	const amount = this.getNodeParameter('bidAmount', 0, 0) as unknown;
	if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 1) throw parameterError(node, 'Bid (Stars)', `${quoted(String(amount))} is not a whole number of Stars above 0`);
	const recipientText = String(this.getNodeParameter('bidRecipient', 0, 'me') ?? '').trim();
	const peer = parsePeer(recipientText);
	if ('error' in peer) throw parameterError(node, 'Recipient', peer.error);
	const which = String(this.getNodeParameter('bidAccount', 0, '') ?? '').trim();
	const { lease, id } = await accountOf(which).catch((error: unknown) => {
		throw parameterError(node, 'Account', error instanceof Error ? error.message : String(error));
	});
	const read = await readAuction(lease.account, giftId);
	const live = read.bid && !read.bid.returned ? read.bid : null;
	if (live && amount <= live.amount) throw parameterError(node, 'Bid (Stars)', `${amount} is not above the account's bid of ${live.amount} Stars (a bid can only be raised)`);
	const recipient = live?.peer ?? formatPeer(peer.ok);
	const serial = await bidSerialOf(store, id, giftId);
	return {
		itemIndex: 0,
		step: {
			opKey: bidOpKeyOf('', giftId, recipient, id, serial),
			unitIndex: amount,
			accountId: id,
			recipient,
			giftId,
			action: live ? 'raise' : 'place',
			amount,
			previousAmount: live?.amount ?? 0,
			charge: amount - (live?.amount ?? 0),
			reason: live ? 'outbid' : 'new_bid',
		},
	};
}

export type { AccountCredentials };
