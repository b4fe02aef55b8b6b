/**
 * Announce Gift: for each input gift, its sticker then a caption, to every chosen chat. The
 * sticker comes from the item's binary field, else from the store's cache or the account
 * credential; it is uploaded once per bot and re-sent by file_id afterwards.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { BotInputError, storeStickerCache, validateTemplate, type CaptionGift, type CaptionLang, type StickerUpload } from '../../../src/bot';
import { errorMessage, parameterError } from '../../shared/errors';
import { stickerOf } from '../../shared/stickers';
import { chatOutcome, mergeChats, parseChatIds } from './chats';
import type { NotifyContext } from './context';

export async function announceGift(this: IExecuteFunctions, context: NotifyContext): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const out: INodeExecutionData[] = [];
	const botId = context.bot.client.botId;
	const stickerCache = botId ? storeStickerCache(context.store, botId) : undefined;
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const lang = this.getNodeParameter('language', itemIndex, 'en') as CaptionLang;
			const template = String(this.getNodeParameter('captionTemplate', itemIndex, '') ?? '');
			try {
				if (template !== '') validateTemplate(template);
			} catch (error) {
				throw parameterError(this.getNode(), 'Caption Template', error instanceof BotInputError ? error.message.replace(/^captionTemplate: /, '') : String(error), itemIndex);
			}
			const gift = giftOf.call(this, items[itemIndex]!.json, itemIndex);
			const chats = mergeChats(parseChatIds.call(this, this.getNodeParameter('chatIds', itemIndex, ''), itemIndex), await context.accountChats(itemIndex));
			if (chats.length === 0) throw parameterError(this.getNode(), 'Chat IDs', 'no chat to send to: enter chat ids or send to the account chats', itemIndex);
			const { sticker, stickerNote } = await stickerFor.call(this, context, items[itemIndex]!, itemIndex, gift);
			const results = await context.bot.client.announceGift({
				chatIds: chats,
				gift,
				sticker,
				captionTemplate: template === '' ? undefined : template,
				lang,
				stickerCache,
			});
			context.assertTokenAccepted(results, itemIndex);
			out.push({
				json: { giftId: gift.id, ...chatOutcome(results), ...(stickerNote ? { stickerNote } : {}) },
				pairedItem: { item: itemIndex },
			});
		} catch (error) {
			if (!this.continueOnFail()) throw context.wrap(error, itemIndex);
			out.push({ json: { error: errorMessage(error, context.bot.secrets) }, pairedItem: { item: itemIndex } });
		}
	}
	return out;
}

function giftOf(this: IExecuteFunctions, json: IDataObject, itemIndex: number): CaptionGift & { stickerDocumentId: string | null } {
	const id = typeof json.id === 'number' && Number.isSafeInteger(json.id) ? String(json.id) : json.id;
	if (typeof id !== 'string' || !/^\d{1,20}$/.test(id)) {
		throw parameterError(this.getNode(), 'Input item', 'has no gift "id" (digits): connect the Telegram Gift Trigger or Get Catalog', itemIndex);
	}
	const stars = Number(json.stars);
	if (!Number.isFinite(stars) || stars < 0) throw parameterError(this.getNode(), 'Input item', 'has no gift price "stars"', itemIndex);
	const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
	return {
		id,
		stars,
		title: typeof json.title === 'string' ? json.title : null,
		availabilityTotal: num(json.availabilityTotal),
		availabilityRemains: num(json.availabilityRemains),
		stickerDocumentId: typeof json.stickerDocumentId === 'string' ? json.stickerDocumentId : null,
	};
}

async function stickerFor(
	this: IExecuteFunctions,
	context: NotifyContext,
	item: INodeExecutionData,
	itemIndex: number,
	gift: { id: string; stickerDocumentId: string | null },
): Promise<{ sticker: StickerUpload | undefined; stickerNote: string | null }> {
	const field = String(this.getNodeParameter('binaryPropertyName', itemIndex, 'sticker') ?? '').trim();
	const binary = field !== '' ? item.binary?.[field] : undefined;
	if (binary) {
		const bytes = await this.helpers.getBinaryDataBuffer(itemIndex, field);
		return { sticker: { bytes, mime: binary.mimeType || 'application/x-tgsticker' }, stickerNote: null };
	}
	if (!context.accounts) return { sticker: undefined, stickerNote: null };
	try {
		const file = await stickerOf(context.store, context.accounts, gift.id, gift.stickerDocumentId);
		return { sticker: { bytes: file.bytes, mime: file.mime }, stickerNote: null };
	} catch (error) {
		// A cached file_id may still work; otherwise the caption goes out alone.
		return { sticker: undefined, stickerNote: `sticker not downloaded: ${errorMessage(error, context.accounts.secrets)}` };
	}
}
