/** The bot layer (grammY): notifications and reports for the Gift Notify node. */
export { createBotClient, TELEGRAM_API_ROOT } from './client';
export type { AnnounceGiftParams, BotClient, BotClientOptions, BotIdentity, ChatResult, SendTextParams, StickerUpload } from './client';
export { BotApiError, BotInputError, redactToken, type BotFailureReason } from './errors';
export { splitMessage, TELEGRAM_TEXT_LIMIT } from './split';
export { MemoryStickerCache, storeStickerCache, type StickerCache, type StickerFileIdStore } from './stickerCache';
export {
	CAPTION_PLACEHOLDERS,
	DEFAULT_CAPTION_TEMPLATES,
	captionValues,
	renderCaption,
	renderTemplate,
	validateTemplate,
	type CaptionGift,
	type CaptionLang,
} from './template';
