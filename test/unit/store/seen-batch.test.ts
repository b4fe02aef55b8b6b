import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SqliteGiftStore } from '../../../src/store';

// recordGiftsSeen reads a whole catalog at once and batches the rows where only last_seen moves;
// these cases pin what that must keep: chunking past the IN-list limit, repeated ids in one call,
// and rows that only move last_seen keeping their data and sold-out time.
describe('recordGiftsSeen with whole catalogs', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'seen-batch-'));
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	it('handles catalogs larger than one IN list and moves last_seen of unchanged gifts only', async () => {
		const store = await SqliteGiftStore.open(join(dir, 's.sqlite'));
		const catalog = Array.from({ length: 1203 }, (_, i) => ({ id: String(5170000000000000000n + BigInt(i)), soldOut: i % 7 === 0, data: { stars: i } }));
		const first = await store.recordGiftsSeen(catalog, 100);
		expect(first.newGiftIds).toHaveLength(1203);
		expect(first.newlySoldOutGiftIds).toEqual([]);

		const changed = catalog.map((g, i) => (i === 1202 ? { ...g, soldOut: true } : i === 600 ? { ...g, data: { stars: -1 } } : g));
		const second = await store.recordGiftsSeen(changed, 200);
		expect(second).toEqual({ newGiftIds: [], newlySoldOutGiftIds: [catalog[1202]!.id] });

		const seen = new Map((await store.listSeenGifts()).map((g) => [g.giftId, g]));
		expect(seen.size).toBe(1203);
		for (const [i, g] of catalog.entries()) {
			const row = seen.get(g.id)!;
			expect(row.firstSeenMs).toBe(100);
			expect(row.lastSeenMs).toBe(200);
			expect(row.soldOutAtMs).toBe(i === 1202 ? 200 : i % 7 === 0 ? 100 : null);
			expect(row.data).toEqual(i === 600 ? { stars: -1 } : { stars: i });
		}
		// An older observation never moves last_seen back.
		await store.recordGiftsSeen(catalog.slice(0, 3), 50);
		expect((await store.getSeenGift(catalog[0]!.id))?.lastSeenMs).toBe(200);
		await store.close();
	});

	it('treats an id repeated within one call as one gift', async () => {
		const store = await SqliteGiftStore.open(join(dir, 's.sqlite'));
		const update = await store.recordGiftsSeen(
			[
				{ id: '9', soldOut: false, data: { v: 1 } },
				{ id: '9', soldOut: true, data: { v: 2 } },
			],
			10,
		);
		expect(update).toEqual({ newGiftIds: ['9'], newlySoldOutGiftIds: ['9'] });
		expect(await store.getSeenGift('9')).toEqual({ giftId: '9', firstSeenMs: 10, lastSeenMs: 10, soldOutAtMs: 10, data: { v: 2 } });
		await store.close();
	});
});
