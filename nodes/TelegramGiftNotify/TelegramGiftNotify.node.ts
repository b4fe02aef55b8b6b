import type {
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { testAccountCredential } from '../shared/credentialTests';
import { errorMessage } from '../shared/errors';
import { operationSubtitle } from '../shared/subtitle';
import { notifyProperties } from './actions/descriptions';
import { router } from './actions/router';
import { openBot } from './transport/bot';

export class TelegramGiftNotify implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Telegram Gift Notify',
		name: 'telegramGiftNotify',
		icon: { light: 'file:telegramGiftNotify.svg', dark: 'file:telegramGiftNotify.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: operationSubtitle(notifyProperties, false),
		description: 'Announce gifts with their sticker and send purchase reports through a Telegram bot',
		defaults: { name: 'Telegram Gift Notify' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			// Two pickers: each says what it is for, or the editor labels both "Credential to connect with".
			{ name: 'telegramGiftsBotApi', displayName: 'Bot (Sends the Messages)', required: true, testedBy: 'telegramGiftsBotApiTest' },
			{
				name: 'telegramGiftsAccountApi',
				displayName: 'Accounts (Optional: Their Chats and Live Balances)',
				required: false,
				testedBy: 'telegramGiftsAccountApiTest',
			},
		],
		properties: notifyProperties,
	};

	methods = {
		credentialTest: {
			async telegramGiftsBotApiTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				let secrets: string[] = [];
				try {
					const bot = openBot(credential.data ?? {});
					secrets = bot.secrets;
					try {
						const me = await bot.client.getMe();
						return { status: 'OK', message: `OK: bot @${me.username ?? me.id}` };
					} finally {
						bot.client.close();
					}
				} catch (error) {
					return { status: 'Error', message: errorMessage(error, secrets) };
				}
			},
			telegramGiftsAccountApiTest: testAccountCredential,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
