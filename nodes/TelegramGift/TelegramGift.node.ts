import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { testAccountCredential } from '../shared/credentialTests';
import { operationSubtitle } from '../shared/subtitle';
import { TELEGRAM_GIFT_DESCRIPTION } from './TelegramGift.text';
import { telegramGiftProperties } from './actions/descriptions';
import { router } from './actions/router';

export class TelegramGift implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Telegram Gift',
		name: 'telegramGift',
		icon: { light: 'file:telegramGift.svg', dark: 'file:telegramGift.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: operationSubtitle(telegramGiftProperties, true),
		description: TELEGRAM_GIFT_DESCRIPTION,
		defaults: { name: 'Telegram Gift' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'telegramGiftsAccountApi',
				required: true,
				testedBy: 'telegramGiftsAccountApiTest',
				// Logging in produces the session a credential needs, so Session works without one.
				displayOptions: { hide: { resource: ['session'] } },
			},
		],
		properties: telegramGiftProperties,
	};

	methods = {
		credentialTest: {
			telegramGiftsAccountApiTest: testAccountCredential,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
