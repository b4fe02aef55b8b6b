import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { errorMessage, parameterError } from '../../shared/errors';
import type { NotifyContext } from './context';
import { chatOutcome, mergeChats, parseChatIds } from './chats';

/** One text message per input item, to every chosen chat. */
export async function sendMessage(this: IExecuteFunctions, context: NotifyContext): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const text = this.getNodeParameter('text', itemIndex, '') as string;
			if (typeof text !== 'string' || text.trim() === '') throw parameterError(this.getNode(), 'Text', 'is empty', itemIndex);
			const chats = mergeChats(parseChatIds.call(this, this.getNodeParameter('chatIds', itemIndex, ''), itemIndex), await context.accountChats(itemIndex));
			if (chats.length === 0) throw parameterError(this.getNode(), 'Chat IDs', 'no chat to send to: enter chat ids or send to the account chats', itemIndex);
			const results = await context.bot.client.sendText({ chatIds: chats, text });
			context.assertTokenAccepted(results, itemIndex);
			out.push({ json: chatOutcome(results), pairedItem: { item: itemIndex } });
		} catch (error) {
			if (!this.continueOnFail()) throw context.wrap(error, itemIndex);
			out.push({ json: { error: errorMessage(error, context.bot.secrets) }, pairedItem: { item: itemIndex } });
		}
	}
	return out;
}
