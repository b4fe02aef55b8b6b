import { MemoryStickerCache, storeStickerCache } from '../../../src/bot/stickerCache';

test('MemoryStickerCache keeps, replaces and forgets file_ids', () => {
	const cache = new MemoryStickerCache();
	expect(cache.get('1')).toBeNull();
	cache.put('1', 'A');
	cache.put('1', 'B');
	expect(cache.get('1')).toBe('B');
	cache.delete('1');
	expect(cache.get('1')).toBeNull();
});

test('storeStickerCache scopes entries to one bot', async () => {
	const rows = new Map<string, string>();
	const store = {
		getStickerFileId: async (giftId: string, botId: string) => rows.get(`${botId}/${giftId}`) ?? null,
		putStickerFileId: async (giftId: string, botId: string, fileId: string) => void rows.set(`${botId}/${giftId}`, fileId),
	};
	const botA = storeStickerCache(store, '111');
	const botB = storeStickerCache(store, '222');
	await botA.put('7', 'file-of-A');
	expect(await botA.get('7')).toBe('file-of-A');
	expect(await botB.get('7')).toBeNull();
});
