/**
 * Telegram Gift Plan → Plan Bids: an auction (as Telegram Gift → Auction → Get State outputs it)
 * + recipients + the goal → the bid steps to pay now (output 1) and every other account's decision
 * with its reason (output 2). The core strategy (src/core/auction.ts) decides; this node adds what
 * only the store knows: each account's spend today (held bids included), its bid serial, and the
 * Stars already spent on copies won in this auction.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { ValidationError, planBids, type AuctionAccount } from '../../../src/core';
import { bidSerialOf, getStore, spentWonOf } from '../../../src/store';
import { nodeError, parameterError } from '../../shared/errors';
import { readRecipients } from './parameters';

const DAY_MS = 86_400_000;

const GOAL_LABELS: Record<string, string> = {
	'goal.copies': 'Copies Wanted',
	'goal.maxPricePerCopy': 'Max Price per Copy (Stars)',
	'goal.totalBudget': 'Total Budget (Stars)',
	'options.reserveStars': 'Bid Options › Reserve Stars',
	'options.dailyBudgetPerAccount': 'Bid Options › Daily Budget per Account',
	'options.minStep': 'Bid Options › Min Step (Stars)',
	'options.runKey': 'Bid Options › Run Key',
};

export async function executeBidPlan(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const items = this.getInputData();
	const recipients = readRecipients.call(this);
	const goal = {
		copies: this.getNodeParameter('copies', 0, 1),
		maxPricePerCopy: this.getNodeParameter('maxPricePerCopy', 0, 1000),
		totalBudget: this.getNodeParameter('totalBudget', 0, 5000),
	};
	const raw = this.getNodeParameter('bidOptions', 0, {}) as IDataObject;
	const options = {
		reserveStars: raw.reserveStars ?? 0,
		dailyBudgetPerAccount: raw.dailyBudgetPerAccount ? raw.dailyBudgetPerAccount : null,
		minStep: raw.minStep ?? 1,
		runKey: raw.runKey ?? '',
	};
	const steps: INodeExecutionData[] = [];
	const others: INodeExecutionData[] = [];
	const store = await getStore();
	try {
		const dayStart = Math.floor(Date.now() / DAY_MS) * DAY_MS;
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const json = items[itemIndex].json;
			const auction = json.auction as IDataObject | undefined;
			const listed = json.accounts;
			if (!auction || typeof auction !== 'object' || !Array.isArray(listed)) {
				throw parameterError(node, 'Input', 'each item must be an auction from Telegram Gift → Auction → Get State (with "auction" and "accounts")', itemIndex);
			}
			const giftId = String((auction.gift as IDataObject | undefined)?.id ?? '');
			const accounts: AuctionAccount[] = [];
			for (const a of listed as IDataObject[]) {
				if (a.error !== undefined || a.id === undefined) {
					others.push({ json: { reason: 'account_unavailable', accountLabel: a.label ?? null, detail: a.error ?? 'no id' }, pairedItem: { item: itemIndex } });
					continue;
				}
				const id = String(a.id);
				accounts.push({
					id,
					label: typeof a.label === 'string' ? a.label : undefined,
					balance: Number(a.balance),
					premium: a.premium === true,
					spentToday: await store.spentSince(id, dayStart),
					bid: (a.bid as AuctionAccount['bid']) ?? null,
					acquiredCount: Number(a.acquiredCount ?? 0),
					bidSerial: await bidSerialOf(store, id, giftId),
				});
			}
			const spentWon = await spentWonOf(store, accounts.map((a) => a.id), giftId);
			let plan;
			try {
				plan = planBids({ auction, accounts, recipients, goal, spentWon, options });
			} catch (error) {
				if (error instanceof ValidationError && GOAL_LABELS[error.field]) throw parameterError(node, GOAL_LABELS[error.field], error.reason);
				if (error instanceof ValidationError) throw parameterError(node, 'Input', `${error.field} ${error.reason}`, itemIndex);
				throw nodeError(node, error, { itemIndex });
			}
			const labels = new Map(accounts.map((a) => [a.id, a.label ?? null]));
			for (const step of plan.steps) steps.push({ json: { ...step, accountLabel: labels.get(step.accountId) ?? null, summary: { ...plan.summary } } as never, pairedItem: { item: itemIndex } });
			for (const d of plan.decisions) {
				if (d.action === 'place' || d.action === 'raise') continue;
				others.push({ json: { ...d, giftId, accountLabel: labels.get(d.accountId) ?? null, summary: { ...plan.summary } } as never, pairedItem: { item: itemIndex } });
			}
		}
	} finally {
		await store.close();
	}
	return [steps, others];
}
