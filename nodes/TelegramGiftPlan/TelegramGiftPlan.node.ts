import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { testAccountCredential } from '../shared/credentialTests';
import { nodeError } from '../shared/errors';
import { executeBidPlan } from './actions/bids.operation';
import { executeListingPlan } from './actions/listings.operation';
import { executePlan } from './actions/plan.operation';
import { planProperties } from './TelegramGiftPlan.description';

export class TelegramGiftPlan implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Telegram Gift Plan',
		name: 'telegramGiftPlan',
		icon: { light: 'file:telegramGiftPlan.svg', dark: 'file:telegramGiftPlan.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["operation"] === "bids" ? "Plan auction bids" : $parameter["operation"] === "listings" ? "Plan resale listings" : $parameter["accountsSource"] === "expression" ? "Plan a dry run (balances given)" : "Plan with live balances" }}',
		description:
			'Decide which new gifts to buy, for which recipients, with which accounts (GiftBuyer-style planner with caps and budgets), which auction bids to place, or which resale listings to buy',
		defaults: { name: 'Telegram Gift Plan' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Purchases', 'Skipped'],
		credentials: [
			{
				name: 'telegramGiftsAccountApi',
				required: true,
				testedBy: 'telegramGiftsAccountApiTest',
				displayOptions: { show: { accountsSource: ['credential'], operation: ['purchases', 'listings'] } },
			},
		],
		properties: planProperties,
	};

	methods = {
		credentialTest: {
			telegramGiftsAccountApiTest: testAccountCredential,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		try {
			const operation = this.getNodeParameter('operation', 0, 'purchases') as string;
			if (operation === 'bids') return await executeBidPlan.call(this);
			if (operation === 'listings') return await executeListingPlan.call(this);
			return await executePlan.call(this);
		} catch (error) {
			throw nodeError(this.getNode(), error);
		}
	}
}
