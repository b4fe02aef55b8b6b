import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * A Telegram bot (Bot API) used by the Gift Notify node to announce gifts and send reports.
 * Tested through the Notify node (testedBy) with getMe, so the token never appears in an
 * error message or a logged URL.
 */
export class TelegramGiftsBotApi implements ICredentialType {
	name = 'telegramGiftsBotApi';

	displayName = 'Telegram Gifts Bot API';

	documentationUrl = 'https://core.telegram.org/bots/features#botfather';

	icon: Icon = {
		light: 'file:telegramGiftsBot.svg',
		dark: 'file:telegramGiftsBot.dark.svg',
	};

	properties: INodeProperties[] = [
		{
			displayName: 'Bot Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The token @BotFather gave you, like 123456:ABC-DEF...',
		},
		{
			displayName: 'Bot API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.telegram.org',
			required: true,
			description:
				"Telegram's Bot API, a self-hosted Bot API server, or the sandbox's fake Bot API (printed when it starts)",
		},
	];
}
