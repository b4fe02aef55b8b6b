/**
 * Send Auction Message: one short message per auction event item — outbid, returned, won, lost,
 * finished, announced, round started / ending (Telegram Gift Trigger's auction events) or a Place or
 * Raise Bid result — in English or Russian, to the chosen chats. Items that are not auction events
 * pass through with `sent: false` and the reason.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { auctionEventText, type AuctionEventInput, type ReportLang } from '../../../src/core';
import { errorMessage, parameterError } from '../../shared/errors';
import { chatOutcome, mergeChats, parseChatIds } from './chats';
import type { NotifyContext } from './context';

/** A Place or Raise Bid result reads as the event it was (a held raise after being outbid, …). */
function eventOf(json: IDataObject): AuctionEventInput | null {
	if (typeof json.event === 'string') return json as unknown as AuctionEventInput;
	return null;
}

export async function sendAuctionMessage(this: IExecuteFunctions, context: NotifyContext): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const lang = this.getNodeParameter('language', 0, 'en') as ReportLang;
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const event = eventOf(items[itemIndex].json);
			const text = event ? auctionEventText(event, lang) : null;
			if (text === null) {
				out.push({ json: { sent: false, reason: 'not_an_auction_event' }, pairedItem: { item: itemIndex } });
				continue;
			}
			const chats = mergeChats(parseChatIds.call(this, this.getNodeParameter('chatIds', itemIndex, ''), itemIndex), await context.accountChats(itemIndex));
			if (chats.length === 0) throw parameterError(this.getNode(), 'Chat IDs', 'no chat to send to: enter chat ids or send to the account chats', itemIndex);
			const results = await context.bot.client.sendText({ chatIds: chats, text });
			context.assertTokenAccepted(results, itemIndex);
			out.push({ json: { sent: true, text, ...chatOutcome(results) }, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (!this.continueOnFail()) throw context.wrap(error, itemIndex);
			out.push({ json: { error: errorMessage(error, context.bot.secrets) }, pairedItem: { item: itemIndex } });
		}
	}
	return out;
}
