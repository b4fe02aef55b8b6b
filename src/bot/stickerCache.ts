/**
 * Where the Bot API file_id of a gift's sticker is kept, so a sticker is uploaded once per bot.
 * file_ids belong to one bot: give each bot token its own cache (the store keys it by bot id).
 * Methods may be sync or async (the sqlite store is async).
 */
export interface StickerCache {
	get(giftId: string): Promise<string | null> | string | null;
	put(giftId: string, fileId: string): Promise<void> | void;
	/** Forget a file_id Telegram no longer accepts (optional). */
	delete?(giftId: string): Promise<void> | void;
}

export class MemoryStickerCache implements StickerCache {
	private readonly fileIds = new Map<string, string>();

	get(giftId: string): string | null {
		return this.fileIds.get(giftId) ?? null;
	}

	put(giftId: string, fileId: string): void {
		this.fileIds.set(giftId, fileId);
	}

	delete(giftId: string): void {
		this.fileIds.delete(giftId);
	}

	get size(): number {
		return this.fileIds.size;
	}
}

/** The store's per-bot file_id methods (src/store), matched structurally. */
export interface StickerFileIdStore {
	getStickerFileId(giftId: string, botId: string): Promise<string | null>;
	putStickerFileId(giftId: string, botId: string, fileId: string): Promise<void>;
}

/** A StickerCache over the store for one bot (BotClient.botId). */
export function storeStickerCache(store: StickerFileIdStore, botId: string): StickerCache {
	return {
		get: (giftId) => store.getStickerFileId(giftId, botId),
		// A stale entry is simply overwritten by the next upload's file_id.
		put: (giftId, fileId) => store.putStickerFileId(giftId, botId, fileId),
	};
}
