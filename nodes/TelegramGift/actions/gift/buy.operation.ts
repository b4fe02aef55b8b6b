/**
 * Gift → Buy. Every input item becomes one purchase operation (from a plan item, or from the
 * Gift ID / Recipient / Quantity fields); all of them go to the account layer's at-most-once
 * executor together (accounts in parallel, a sold-out gift stopped everywhere). The output is one
 * BuyResult per item. A refused or failed purchase is a result, not an error: it never stops the
 * other items. Bad input fails the node before anything is bought, or becomes an error item with
 * Continue On Fail.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { ValidationError, formatPeer, opKeyOf, parsePeer, validatePlan, type BuyResult, type Gift, type Operation } from '../../../../src/core';
import { getStore, type GiftStore } from '../../../../src/store';
import { executeOperations, mapTelegramError } from '../../../../src/telegram';
import { errorMessage, parameterError } from '../../../shared/errors';
import { giftIdParameter } from '../../../shared/parameters';
import type { GiftContext } from '../context';
import { AGENT_OPKEY_PREFIX, agentSpentToday, capProblem, isToolCall, oneAgentBuyAtATime, readAgentCaps, starsOf } from './agentCaps';

const FIELD_LABELS: Record<string, string> = {
	opKey: 'opKey',
	accountId: 'accountId',
	recipient: 'recipient',
	giftId: 'giftId',
	price: 'price',
	quantity: 'quantity',
	supply: 'supply',
};

type Prepared = { itemIndex: number; operation: Operation } | { itemIndex: number; result: BuyResult } | { itemIndex: number; error: unknown };

export async function buy(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	// As an AI agent's tool, Buy spends only when the node allows it, within its caps.
	const caps = isToolCall.call(this) ? readAgentCaps.call(this) : null;
	const source = this.getNodeParameter('buySource', 0, 'plan') as string;
	const options = this.getNodeParameter('buyOptions', 0, {}) as IDataObject;
	const titles = new Map<number, string>();
	const keyed = new Set<number>();
	const prepared = source === 'fields' ? await fromFields.call(this, context, { titles, keyed }) : fromPlanItems.call(this, items.length);

	const invalid = prepared.find((p): p is { itemIndex: number; error: unknown } => 'error' in p);
	if (invalid && !this.continueOnFail()) throw context.wrap(invalid.error, invalid.itemIndex);

	const operations = prepared.filter((p): p is { itemIndex: number; operation: Operation } => 'operation' in p);
	if (caps) {
		for (const p of operations) {
			if (!p.operation.opKey.startsWith(AGENT_OPKEY_PREFIX)) p.operation = { ...p.operation, opKey: AGENT_OPKEY_PREFIX + p.operation.opKey };
		}
	}
	// Two items with one opKey are one purchase: the ledger answers the second "already bought".
	const pay = async (): Promise<BuyResult[]> => {
		const store = await getStore();
		try {
			if (caps) {
				const problem = capProblem(caps, starsOf(operations.map((p) => p.operation)), await agentSpentToday(store, Date.now()));
				if (problem) throw parameterError(this.getNode(), problem.field, problem.problem);
			}
			return await payAndReplay(store);
		} finally {
			await store.close();
		}
	};
	const payAndReplay = async (store: GiftStore): Promise<BuyResult[]> => {
		const results = await executeOperations(
			operations.map((p) => p.operation),
			{
				store,
				pool: context.accounts.pool,
				credentials: context.accounts.credentials,
				hideName: options.hideName === true,
				includeUpgrade: options.includeUpgrade === true,
				message: typeof options.message === 'string' && options.message !== '' ? options.message : undefined,
			},
		);
		// A repeated Idempotency Key answers with the original purchase, as payment APIs replay it.
		for (const [i, p] of operations.entries()) {
			if (keyed.has(p.itemIndex)) results[i] = await replayed(store, results[i]!);
		}
		return results;
	};
	const results = caps ? await oneAgentBuyAtATime(pay) : await pay();

	const byItem = new Map<number, INodeExecutionData>();
	// The gift's title rides along (from the plan item, or the catalog) so reports can name it.
	const titled = (itemIndex: number, result: BuyResult): IDataObject => {
		const title = titles.get(itemIndex) ?? items[itemIndex]?.json.giftTitle;
		return (typeof title === 'string' && title !== '' ? { ...result, giftTitle: title } : { ...result }) as IDataObject;
	};
	operations.forEach((p, i) => byItem.set(p.itemIndex, { json: titled(p.itemIndex, results[i]!), pairedItem: { item: p.itemIndex } }));
	for (const p of prepared) {
		if ('result' in p) byItem.set(p.itemIndex, { json: titled(p.itemIndex, p.result), pairedItem: { item: p.itemIndex } });
		if ('error' in p) byItem.set(p.itemIndex, context.errorItem(p.error, p.itemIndex));
	}
	return [...byItem.keys()].sort((a, b) => a - b).map((index) => byItem.get(index)!);
}

/** Plan items: the core's own plan validation, one operation per item. */
function fromPlanItems(this: IExecuteFunctions, count: number): Prepared[] {
	const items = this.getInputData();
	const out: Prepared[] = [];
	for (let itemIndex = 0; itemIndex < count; itemIndex++) {
		try {
			const [operation] = validatePlan({ operations: [items[itemIndex]!.json] }).operations;
			out.push({ itemIndex, operation: operation! });
		} catch (error) {
			if (error instanceof ValidationError) {
				const field = error.field.replace(/^plan\.operations\[0\]\.?/, '');
				out.push({
					itemIndex,
					error: parameterError(
						this.getNode(),
						`Plan item field "${FIELD_LABELS[field] ?? field}"`,
						`${error.reason} (items for Buy come from the Telegram Gift Plan node's Purchases output)`,
						itemIndex,
					),
				});
			} else {
				out.push({ itemIndex, error });
			}
		}
	}
	return out;
}

/** Fields: price from the live catalog, account by label/id or the richest one, a stable opKey. */
async function fromFields(
	this: IExecuteFunctions,
	context: GiftContext,
	extras: { titles: Map<number, string>; keyed: Set<number> },
): Promise<Prepared[]> {
	const { titles, keyed } = extras;
	const items = this.getInputData();
	const node = this.getNode();
	const wanted = items.map((_item, itemIndex) => {
		try {
			const giftId = giftIdParameter.call(this, itemIndex);
			const peer = parsePeer(this.getNodeParameter('recipient', itemIndex, ''));
			if ('error' in peer) throw parameterError(node, 'Recipient', peer.error, itemIndex);
			const quantity = Number(this.getNodeParameter('quantity', itemIndex, 1));
			if (!Number.isSafeInteger(quantity) || quantity < 1) throw parameterError(node, 'Quantity', 'must be a whole number ≥ 1', itemIndex);
			const maxPrice = Number(this.getNodeParameter('maxPrice', itemIndex, 0));
			if (!Number.isFinite(maxPrice) || maxPrice < 0) throw parameterError(node, 'Max Price (Stars)', 'must be a number ≥ 0', itemIndex);
			const account = String(this.getNodeParameter('account', itemIndex, '') ?? '').trim();
			const key = String(this.getNodeParameter('idempotencyKey', itemIndex, '') ?? '').trim();
			return { itemIndex, giftId, recipient: formatPeer(peer.ok), quantity, maxPrice, account, key };
		} catch (error) {
			return { itemIndex, error };
		}
	});
	const valid = wanted.filter((w): w is Exclude<typeof w, { error: unknown }> => !('error' in w));
	if (valid.length === 0) return wanted as Prepared[];

	let catalog: Gift[];
	let identities: Awaited<ReturnType<typeof context.accounts.balancesAll>>;
	try {
		catalog = await context.accounts.withAccount(null, async (account) => (await account.catalog(0)).gifts);
		identities = await context.accounts.balancesAll();
	} catch (error) {
		// Telegram could not be asked (down, flood wait, revoked sessions). Under Continue On Fail
		// each purchase is a failed, maybe retryable result: nothing was bought, and a webhook
		// answers that (not the request echoed back, which an error passed through would do).
		if (!this.continueOnFail()) throw context.wrap(error);
		const failure = mapTelegramError(error, { account: context.accounts.labels.join(', '), method: 'buy' });
		return wanted.map((w): Prepared => {
			if ('error' in w) return { itemIndex: w.itemIndex, error: w.error };
			const base = { opKey: '', accountId: '', recipient: w.recipient, giftId: w.giftId, quantity: w.quantity };
			return {
				itemIndex: w.itemIndex,
				result: { ...base, status: 'failed', reason: failure.buyReason, error: errorMessage(failure, context.accounts.secrets), price: 0, quantityBought: 0, balanceAfter: null, retryable: failure.retryable },
			};
		});
	}
	const giftsById = new Map<string, Gift>(catalog.map((g) => [g.id, g]));
	const richest = identities.reduce((best, next) => (next.balance > best.balance ? next : best));
	const executionId = this.getExecutionId() ?? 'manual';

	return wanted.map((w): Prepared => {
		if ('error' in w) return { itemIndex: w.itemIndex, error: w.error };
		const payer =
			w.account === ''
				? richest
				: identities.find((me) => me.label === w.account || me.id === w.account || (me.username !== null && `@${me.username}` === w.account));
		if (!payer) {
			return {
				itemIndex: w.itemIndex,
				error: parameterError(node, 'Account', `no account "${w.account}" in the credential (accounts: ${context.accounts.labels.join(', ')})`, w.itemIndex),
			};
		}
		const runKey = `buy:${w.key !== '' ? w.key : `${executionId}:${node.name}:${w.itemIndex}`}`;
		if (w.key !== '') keyed.add(w.itemIndex);
		const opKey = opKeyOf(runKey, w.giftId, w.recipient, payer.id);
		const gift = giftsById.get(w.giftId);
		if (gift?.title) titles.set(w.itemIndex, gift.title);
		const base = { opKey, accountId: payer.id, recipient: w.recipient, giftId: w.giftId, quantity: w.quantity };
		if (!gift) return { itemIndex: w.itemIndex, result: notBought(base, 0, 'gift_not_found', `gift ${w.giftId} is not in the catalog`) };
		// An auction gift has no buy path (inputInvoiceStarGift): refused before any payment form.
		if (gift.auction) {
			return { itemIndex: w.itemIndex, result: notBought(base, gift.stars, 'auction', `gift ${w.giftId} is released through an auction: it is bid on, not bought`) };
		}
		if (w.maxPrice > 0 && gift.stars > w.maxPrice) {
			return {
				itemIndex: w.itemIndex,
				result: notBought(base, gift.stars, 'price_changed', `gift ${w.giftId} costs ${gift.stars} stars, above Max Price ${w.maxPrice}`),
			};
		}
		return { itemIndex: w.itemIndex, operation: { ...base, price: gift.stars, supply: gift.availabilityTotal } };
	});
}

/**
 * The answer to a repeated Idempotency Key whose units were all bought before: the original
 * purchase (status bought, the copies and price the ledger holds) marked `replayed`. The balance
 * after it is not kept in the ledger, so it is null (unknown) here.
 */
async function replayed(store: Pick<GiftStore, 'listPurchases'>, result: BuyResult): Promise<BuyResult & { replayed?: true }> {
	if (result.status !== 'skipped' || result.reason !== 'already_bought') return result;
	const units = await store.listPurchases({ opKey: result.opKey, statuses: ['bought'] });
	if (units.length === 0) return result;
	return {
		...result,
		status: 'bought',
		reason: null,
		error: null,
		price: units[0]!.price,
		quantityBought: units.length,
		balanceAfter: null,
		retryable: false,
		replayed: true,
	};
}

function notBought(
	base: Pick<BuyResult, 'opKey' | 'accountId' | 'recipient' | 'giftId' | 'quantity'>,
	price: number,
	reason: 'gift_not_found' | 'price_changed' | 'auction',
	error: string,
): BuyResult {
	return { ...base, status: 'skipped', reason, error, price, quantityBought: 0, balanceAfter: null, retryable: false };
}
