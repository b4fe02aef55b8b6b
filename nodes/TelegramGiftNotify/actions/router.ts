import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { getStore } from '../../../src/store';
import { ACCOUNT_CREDENTIAL, BOT_CREDENTIAL } from '../../shared/accountCredential';
import type { AccountsSession } from '../../shared/accounts';
import { nodeError } from '../../shared/errors';
import { openBot, type OpenedBot } from '../transport/bot';
import { createNotifyContext, type NotifyContext } from './context';

type Operation = (this: IExecuteFunctions, context: NotifyContext) => Promise<INodeExecutionData[]>;

/** Loaded on use: the report pulls in the core's report builder, announce the account layer. */
const operations: Record<string, () => Promise<Operation>> = {
	announceGift: async () => (await import('./announceGift.operation')).announceGift,
	sendMessage: async () => (await import('./sendMessage.operation')).sendMessage,
	sendReport: async () => (await import('./sendReport.operation')).sendReport,
	sendAuctionMessage: async () => (await import('./sendAuctionMessage.operation')).sendAuctionMessage,
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operationName = this.getNodeParameter('operation', 0) as string;
	const load = operations[operationName];
	if (!load) throw new NodeOperationError(this.getNode(), `Operation "${operationName}" is not supported`);
	let bot: OpenedBot;
	try {
		bot = openBot(await this.getCredentials(BOT_CREDENTIAL));
	} catch (error) {
		throw nodeError(this.getNode(), error);
	}
	// The account credential is optional on this node (n8n's editor mishandles two required ones).
	let accounts: AccountsSession | null = null;
	const store = await getStore();
	try {
		if (this.getNode().credentials?.[ACCOUNT_CREDENTIAL]) {
			const { openAccounts } = await import('../../shared/openAccounts');
			accounts = openAccounts(await this.getCredentials(ACCOUNT_CREDENTIAL));
		}
		const context = createNotifyContext.call(this, bot, accounts, store);
		const operation = await load();
		return [await operation.call(this, context)];
	} catch (error) {
		throw nodeError(this.getNode(), error, { secrets: [...bot.secrets, ...(accounts?.secrets ?? [])] });
	} finally {
		bot.client.close();
		await accounts?.release();
		await store.close();
	}
}
