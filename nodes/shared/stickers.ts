/** A gift's sticker: from the store's cache, else downloaded through the accounts and cached. */
import type { GiftStore } from '../../src/store';
import type { StickerFile } from '../../src/telegram';
import type { AccountsSession } from './accounts';

export async function stickerOf(store: GiftStore, accounts: AccountsSession, giftId: string, stickerDocumentId: string | null = null): Promise<StickerFile> {
	const cached = await store.getSticker(giftId);
	if (cached) return { bytes: cached.bytes, mime: cached.mime };
	const file = await accounts.withAccount(null, async (account) => await account.downloadSticker({ id: giftId, stickerDocumentId }));
	await store.putSticker(giftId, file.bytes, file.mime, Date.now());
	return file;
}
