/** Which chats a Notify operation sends to, and how per-chat results are summarised. */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { ChatResult } from '../../../src/bot';
import { parameterError } from '../../shared/errors';

const CHAT_ID = /^(-?\d{1,19}|@[A-Za-z][A-Za-z0-9_]{3,31})$/;

/** Parses the "Chat IDs" parameter (commas, semicolons or whitespace between ids). */
export function parseChatIds(this: IExecuteFunctions, raw: unknown, itemIndex: number): string[] {
	if (typeof raw !== 'string' && typeof raw !== 'number' && raw !== undefined && raw !== null) {
		throw parameterError(this.getNode(), 'Chat IDs', 'must be text: chat ids separated by commas', itemIndex);
	}
	const text = raw === undefined || raw === null ? '' : String(raw);
	const ids = text
		.split(/[\s,;]+/)
		.map((id) => id.trim())
		.filter((id) => id !== '');
	ids.forEach((id, position) => {
		if (!CHAT_ID.test(id)) {
			throw parameterError(
				this.getNode(),
				'Chat IDs',
				`entry ${position + 1} "${id}" is not a chat id (e.g. -1001234567890) or @channelname`,
				itemIndex,
			);
		}
	});
	return ids;
}

/** Unique, in order. */
export function mergeChats(...lists: string[][]): string[] {
	return [...new Set(lists.flat())];
}

/** The JSON an item gets for one send to several chats. */
export function chatOutcome(results: ChatResult[]): IDataObject {
	const delivered = results.filter((r) => r.ok).length;
	return {
		delivered,
		failed: results.length - delivered,
		chats: results.map((r) => ({
			chatId: r.chatId,
			ok: r.ok,
			messageIds: r.messageIds,
			...(r.ok ? {} : { reason: r.reason ?? null, error: r.error ?? null, retryable: r.retryable }),
		})),
	};
}
