/**
 * Opens the bot layer (src/bot, grammY) from the node's bot credential. The token is kept only
 * inside the client and in the list of secrets used to redact messages.
 */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { createBotClient, type BotClient } from '../../../src/bot';
import { parseBotCredential } from '../../shared/accountCredential';

export interface OpenedBot {
	client: BotClient;
	secrets: string[];
}

export function openBot(data: ICredentialDataDecryptedObject): OpenedBot {
	const { token, apiRoot } = parseBotCredential(data);
	return { client: createBotClient({ token, apiRoot }), secrets: [token] };
}
