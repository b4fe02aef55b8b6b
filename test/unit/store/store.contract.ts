/**
 * The GiftStore contract, written once and run against every backend (store.test.ts: sqlite,
 * postgres.test.ts: PostgreSQL): gifts seen, supply, the one ledger (claims, bids, ledgerStep,
 * spend), stickers, and claims racing from several instances and several OS processes.
 * peer-access.contract.ts holds the peer-access part.
 */
import type { GiftStore } from '../../../src/store';
import type { OpenedStore, StoreOpener } from './backends';
import { runClaimers } from './helpers/claimers';

const unit = (opKey: string, unitIndex = 0, extra: Partial<{ accountId: string; price: number; atMs: number; giftId: string; recipient: string }> = {}) => ({
	opKey,
	unitIndex,
	accountId: extra.accountId ?? '100',
	recipient: extra.recipient ?? '-1001',
	giftId: extra.giftId ?? '5000',
	price: extra.price ?? 50,
	atMs: extra.atMs ?? 1_000,
});

export function giftStoreContract(backend: string, open: StoreOpener): void {
	describe(`${backend}: GiftStore contract`, () => {
		let opened: OpenedStore;
		let store: GiftStore;
		beforeEach(async () => {
			opened = await open();
			store = opened.store;
		});
		afterEach(async () => {
			await opened.dispose();
		});

		it('keeps resale purchases in the one ledger: claimed once by listing slug, counted as spent, listed by kind', async () => {
			const listing = { opKey: 'resale-x', unitIndex: 0, accountId: '100', recipient: '-1001', giftId: 'PlushPepe-12', price: 900, atMs: 10, kind: 'resale' as const };
			expect(await store.claimPurchase(listing)).toMatchObject({ claimed: true, entry: { kind: 'resale', giftId: 'PlushPepe-12', status: 'pending' } });
			expect(await store.claimPurchase(listing)).toMatchObject({ claimed: false });
			await store.settlePurchase('resale-x', 0, { status: 'bought', reason: null, atMs: 11 });
			expect(await store.spentSince('100', 0)).toBe(900);
			expect((await store.listPurchases({ kind: 'resale' })).map((e) => [e.giftId, e.status])).toEqual([['PlushPepe-12', 'bought']]);
			expect(await store.listPurchases({ kind: 'bid' })).toEqual([]);
		});

		it('tracks gifts seen: new ids once, sold-out transitions once, data updated', async () => {
			const first = await store.recordGiftsSeen(
				[
					{ id: '1', soldOut: false, data: { stars: 10 } },
					{ id: '2', soldOut: true, data: { stars: 20 } },
				],
				100,
			);
			expect(first).toEqual({ newGiftIds: ['1', '2'], newlySoldOutGiftIds: [] });
			const second = await store.recordGiftsSeen(
				[
					{ id: '1', soldOut: true, data: { stars: 11 } },
					{ id: '3', soldOut: false, data: {} },
				],
				200,
			);
			expect(second).toEqual({ newGiftIds: ['3'], newlySoldOutGiftIds: ['1'] });
			const third = await store.recordGiftsSeen([{ id: '1', soldOut: true, data: { stars: 11 } }], 300);
			expect(third).toEqual({ newGiftIds: [], newlySoldOutGiftIds: [] });
			expect(await store.getSeenGift('1')).toEqual({ giftId: '1', firstSeenMs: 100, lastSeenMs: 300, soldOutAtMs: 200, data: { stars: 11 } });
			expect(await store.getSeenGift('404')).toBeNull();
			expect((await store.listSeenGifts()).map((g) => g.giftId)).toEqual(['1', '2', '3']);
		});

		it('handles catalogs larger than one IN list and moves last_seen of unchanged gifts only', async () => {
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
		});

		it('treats an id repeated within one call as one gift', async () => {
			const update = await store.recordGiftsSeen(
				[
					{ id: '9', soldOut: false, data: { v: 1 } },
					{ id: '9', soldOut: true, data: { v: 2 } },
				],
				10,
			);
			expect(update).toEqual({ newGiftIds: ['9'], newlySoldOutGiftIds: ['9'] });
			expect(await store.getSeenGift('9')).toEqual({ giftId: '9', firstSeenMs: 10, lastSeenMs: 10, soldOutAtMs: 10, data: { v: 2 } });
		});

		it('two instances recording the same new catalog at once report each new gift once', async () => {
			const other = await opened.openAnother();
			const catalog = Array.from({ length: 50 }, (_, i) => ({ id: String(i), soldOut: false, data: { i } }));
			const [a, b] = await Promise.all([store.recordGiftsSeen(catalog, 10), other.recordGiftsSeen(catalog, 10)]);
			expect([...a.newGiftIds, ...b.newGiftIds].sort()).toEqual(catalog.map((g) => g.id).sort());
		});

		it('keeps supply samples per gift in time order', async () => {
			await store.addSupplySamples([
				{ giftId: '7', atMs: 30, remains: 5 },
				{ giftId: '7', atMs: 10, remains: 9 },
				{ giftId: '8', atMs: 20, remains: 1 },
			]);
			await store.addSupplySamples([]);
			expect(await store.listSupplySamples('7')).toEqual([
				{ giftId: '7', atMs: 10, remains: 9 },
				{ giftId: '7', atMs: 30, remains: 5 },
			]);
			expect(await store.listSupplySamples('7', 20)).toHaveLength(1);
			await store.addSupplySamples([{ giftId: '7', atMs: 30, remains: 4 }]);
			expect((await store.listSupplySamples('7', 30))[0]?.remains).toBe(4);
		});

		it('claims a unit once; pending/unknown/bought block, failed can be re-armed', async () => {
			const a = await store.claimPurchase(unit('op1'));
			expect(a.claimed).toBe(true);
			expect(a.entry.status).toBe('pending');
			const again = await store.claimPurchase(unit('op1'));
			expect(again.claimed).toBe(false);
			expect(again.entry.status).toBe('pending');

			await store.markSent('op1', 0, 1_500);
			await store.settlePurchase('op1', 0, { status: 'unknown', reason: 'network', atMs: 2_000 });
			expect((await store.claimPurchase(unit('op1'))).claimed).toBe(false);
			await store.settlePurchase('op1', 0, { status: 'bought', reason: null, atMs: 2_500 });
			const bought = await store.claimPurchase(unit('op1'));
			expect(bought).toMatchObject({ claimed: false, entry: { status: 'bought', sentAtMs: 1_500, updatedAtMs: 2_500 } });

			expect((await store.claimPurchase(unit('op1', 1))).claimed).toBe(true);
			await store.settlePurchase('op1', 1, { status: 'failed', reason: 'sold_out', atMs: 3_000 });
			const rearmed = await store.claimPurchase(unit('op1', 1, { atMs: 4_000 }));
			expect(rearmed).toMatchObject({ claimed: true, entry: { status: 'pending', reason: null, sentAtMs: null, createdAtMs: 4_000 } });

			await expect(store.settlePurchase('nope', 0, { status: 'bought', reason: null, atMs: 1 })).rejects.toThrow(/No ledger entry nope#0/);
			expect((await store.listPurchases({ statuses: ['pending'] })).map((e) => `${e.opKey}#${e.unitIndex}`)).toEqual(['op1#1']);
			expect(await store.listPurchases({ opKey: 'op1' })).toHaveLength(2);
			expect(await store.getPurchase('op1', 9)).toBeNull();
		});

		it('lists the ledger oldest first, filtered by account, gift and time, ties in byte order of the op key', async () => {
			await store.claimPurchase(unit('b', 0, { atMs: 5 }));
			await store.claimPurchase(unit('B', 0, { atMs: 5 }));
			await store.claimPurchase(unit('a', 1, { atMs: 5, accountId: '200', giftId: '7' }));
			await store.claimPurchase(unit('a', 0, { atMs: 1 }));
			expect((await store.listPurchases()).map((e) => `${e.opKey}#${e.unitIndex}`)).toEqual(['a#0', 'B#0', 'a#1', 'b#0']);
			expect((await store.listPurchases({ accountId: '200' })).map((e) => e.opKey)).toEqual(['a']);
			expect((await store.listPurchases({ giftId: '7' })).map((e) => e.unitIndex)).toEqual([1]);
			expect(await store.listPurchases({ sinceMs: 5 })).toHaveLength(3);
			expect(await store.listPurchases({ statuses: [] })).toHaveLength(4);
		});

		it('derives spend from the ledger: bought, pending and unknown count, failed does not', async () => {
			await store.claimPurchase(unit('a', 0, { price: 100, atMs: 10 }));
			await store.settlePurchase('a', 0, { status: 'bought', reason: null, atMs: 11 });
			await store.claimPurchase(unit('a', 1, { price: 100, atMs: 20 }));
			await store.claimPurchase(unit('b', 0, { price: 7, atMs: 30 }));
			await store.settlePurchase('b', 0, { status: 'unknown', reason: 'network', atMs: 31 });
			await store.claimPurchase(unit('c', 0, { price: 1000, atMs: 40 }));
			await store.settlePurchase('c', 0, { status: 'failed', reason: 'sold_out', atMs: 41 });
			await store.claimPurchase(unit('d', 0, { price: 5, atMs: 50, accountId: '200' }));
			expect(await store.spentSince('100', 0)).toBe(207);
			expect(await store.spentSince('100', 15)).toBe(107);
			expect(await store.spentSince('200', 0)).toBe(5);
			expect(await store.spentSince('300', 0)).toBe(0);
		});

		it('keeps times beyond 32 bits and large Star amounts as exact numbers', async () => {
			const atMs = 1_780_000_000_123;
			await store.claimPurchase(unit('big', 0, { atMs, price: 2_500_000_000 }));
			expect(await store.getPurchase('big', 0)).toMatchObject({ createdAtMs: atMs, updatedAtMs: atMs, price: 2_500_000_000 });
			expect(await store.spentSince('100', atMs)).toBe(2_500_000_000);
		});

		it('one ledger for bids too: a bid step is a row of kind bid; held and won count as spent, returned does not', async () => {
			const step = (unitIndex: number, price: number) => ({ opKey: 'bid-a', unitIndex, accountId: '100', recipient: '-1001', giftId: '7001', price, atMs: 10, kind: 'bid' as const, bidAmount: unitIndex });
			expect(await store.claimPurchase(step(150, 150))).toMatchObject({ claimed: true, entry: { kind: 'bid', bidAmount: 150, status: 'pending' } });
			expect(await store.claimPurchase(step(150, 150))).toMatchObject({ claimed: false });
			await store.settlePurchase('bid-a', 150, { status: 'held', reason: null, atMs: 11 });
			await store.claimPurchase(step(180, 30));
			await store.settlePurchase('bid-a', 180, { status: 'held', reason: null, atMs: 12 });
			await store.claimPurchase({ opKey: 'buy', unitIndex: 0, accountId: '100', recipient: '-1001', giftId: '5001', price: 25, atMs: 13 });
			await store.settlePurchase('buy', 0, { status: 'bought', reason: null, atMs: 14 });
			expect(await store.spentSince('100', 0)).toBe(205);
			expect((await store.listPurchases({ kind: 'bid' })).map((e) => [e.unitIndex, e.price, e.status])).toEqual([
				[150, 150, 'held'],
				[180, 30, 'held'],
			]);
			expect((await store.listPurchases({ kind: 'purchase' })).map((e) => e.opKey)).toEqual(['buy']);
			expect((await store.listPurchases({ giftId: '7001' })).length).toBe(2);
			await store.settlePurchase('bid-a', 150, { status: 'returned', reason: 'refunded', atMs: 15 });
			await store.settlePurchase('bid-a', 180, { status: 'returned', reason: 'refunded', atMs: 15 });
			expect(await store.spentSince('100', 0)).toBe(25);
			await store.settlePurchase('bid-a', 150, { status: 'won', reason: null, atMs: 16 });
			await store.settlePurchase('bid-a', 180, { status: 'won', reason: null, atMs: 16 });
			expect(await store.spentSince('100', 0)).toBe(205);
		});

		it('caches sticker bytes and per-bot file ids', async () => {
			expect(await store.getSticker('9')).toBeNull();
			const bytes = Buffer.from([0x1f, 0x8b, 0, 1, 2, 3, 0xff]);
			await store.putSticker('9', bytes, 'application/x-tgsticker', 5);
			expect(await store.getSticker('9')).toEqual({ giftId: '9', bytes, mime: 'application/x-tgsticker', storedAtMs: 5 });
			await store.putSticker('9', Buffer.from('v2'), 'application/x-tgsticker', 6);
			expect((await store.getSticker('9'))?.bytes.toString()).toBe('v2');
			await store.putStickerFileId('9', 'bot1', 'FILE_A');
			await store.putStickerFileId('9', 'bot2', 'FILE_B');
			await store.putStickerFileId('9', 'bot2', 'FILE_C');
			expect(await store.getStickerFileId('9', 'bot1')).toBe('FILE_A');
			expect(await store.getStickerFileId('9', 'bot2')).toBe('FILE_C');
			expect(await store.getStickerFileId('9', 'bot3')).toBeNull();
		});

		describe('ledgerStep', () => {
			it('claims like claimPurchase: a granted claim returns the row as stored', async () => {
				const result = await store.ledgerStep({ claim: unit('a') });
				expect(result).toEqual({ claimed: true, entry: await store.getPurchase('a', 0) });
				expect(result?.entry).toMatchObject({ status: 'pending', sentAtMs: null, createdAtMs: 1_000, updatedAtMs: 1_000 });
			});

			it('does not claim a pending, unknown or bought unit, and re-arms a failed one', async () => {
				await store.ledgerStep({ claim: unit('p') });
				expect(await store.ledgerStep({ claim: unit('p', 0, { atMs: 2_000 }) })).toMatchObject({ claimed: false, entry: { status: 'pending', createdAtMs: 1_000 } });
				for (const status of ['unknown', 'bought'] as const) {
					await store.ledgerStep({ claim: unit(status) });
					await store.settlePurchase(status, 0, { status, reason: null, atMs: 1_500 });
					expect(await store.ledgerStep({ claim: unit(status, 0, { atMs: 2_000 }) })).toMatchObject({ claimed: false, entry: { status } });
				}
				await store.ledgerStep({ claim: unit('f') });
				await store.markSent('f', 0, 1_200);
				await store.settlePurchase('f', 0, { status: 'failed', reason: 'sold_out', atMs: 1_500 });
				expect(await store.ledgerStep({ claim: unit('f', 0, { atMs: 3_000 }) })).toMatchObject({
					claimed: true,
					entry: { status: 'pending', reason: null, sentAtMs: null, createdAtMs: 3_000 },
				});
				expect(await store.getPurchase('f', 0)).toMatchObject({ status: 'pending', reason: null, sentAtMs: null, createdAtMs: 3_000 });
			});

			it('records a send, claims the next unit and settles the previous one in one step', async () => {
				await store.ledgerStep({ claim: unit('op', 0) });
				await store.ledgerStep({ markSent: { opKey: 'op', unitIndex: 0, atMs: 1_100 }, claim: unit('op', 1, { atMs: 1_100 }) });
				const step = await store.ledgerStep({
					settle: { opKey: 'op', unitIndex: 0, outcome: { status: 'bought', reason: null, atMs: 1_200 } },
					markSent: { opKey: 'op', unitIndex: 1, atMs: 1_200 },
					claim: unit('op', 2, { atMs: 1_200 }),
				});
				expect(step).toMatchObject({ claimed: true, entry: { unitIndex: 2, status: 'pending' } });
				const rows = await store.listPurchases({ opKey: 'op' });
				expect(rows.map((r) => [r.unitIndex, r.status, r.sentAtMs])).toEqual([
					[0, 'bought', 1_100],
					[1, 'pending', 1_200],
					[2, 'pending', null],
				]);
				expect(await store.ledgerStep({ settle: { opKey: 'op', unitIndex: 1, outcome: { status: 'bought', reason: null, atMs: 1_300 } } })).toBeNull();
				expect(await store.spentSince('100', 0)).toBe(150);
			});

			it('rejects a step whose settle finds no row, without failing the steps written with it', async () => {
				await store.ledgerStep({ claim: unit('ok') });
				const [bad, good] = await Promise.allSettled([
					store.ledgerStep({ settle: { opKey: 'missing', unitIndex: 0, outcome: { status: 'bought', reason: null, atMs: 1 } }, claim: unit('other') }),
					store.ledgerStep({ markSent: { opKey: 'ok', unitIndex: 0, atMs: 1_100 } }),
				]);
				expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'No ledger entry missing#0 to settle' } });
				expect(good).toEqual({ status: 'fulfilled', value: null });
				expect(await store.getPurchase('ok', 0)).toMatchObject({ sentAtMs: 1_100 });
			});

			it('commits many callers together, each with its own result, and grants a unit to one claimant only', async () => {
				const steps = await Promise.all([
					...Array.from({ length: 20 }, (_, i) => store.ledgerStep({ claim: unit(`op-${i}`) })),
					...Array.from({ length: 5 }, () => store.ledgerStep({ claim: unit('contended') })),
				]);
				steps.slice(0, 20).forEach((step, i) => expect(step).toMatchObject({ claimed: true, entry: { opKey: `op-${i}` } }));
				expect(steps.slice(20).filter((s) => s?.claimed)).toHaveLength(1);
				expect(await store.listPurchases()).toHaveLength(21);
			});

			it('is refused once the store is closed', async () => {
				const other = await opened.openAnother();
				await other.close();
				await expect(other.ledgerStep({ claim: unit('late') })).rejects.toThrow(/closed/);
				await expect(other.claimPurchase(unit('late'))).rejects.toThrow(/closed/);
			});
		});

		it('two instances on the same data see each other and never both claim a unit', async () => {
			const other = await opened.openAnother();
			const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).claimPurchase(unit('race', 0))));
			expect(claims.filter((c) => c.claimed)).toHaveLength(1);
			await store.settlePurchase('race', 0, { status: 'bought', reason: null, atMs: 2 });
			expect((await other.getPurchase('race', 0))?.status).toBe('bought');
		});

		describe('pending logins', () => {
			const sealed = (text: string): Buffer => Buffer.from(text, 'utf8');

			it('a step claims the login, saves its new state and releases it; a second claim meanwhile is busy', async () => {
				await store.createPendingLogin('k1', sealed('state-1'), 10_000, 1_000);
				const first = await store.claimPendingLogin('k1', 'step-a', 5_000, 1_000);
				expect(first).toEqual({ claimed: { sealed: sealed('state-1'), expiresAtMs: 10_000 } });
				expect(await store.claimPendingLogin('k1', 'step-b', 5_000, 1_500)).toEqual({ busy: true });
				expect(await store.savePendingLogin('k1', 'step-a', sealed('state-2'), 12_000)).toBe(true);
				expect(await store.claimPendingLogin('k1', 'step-b', 5_000, 2_000)).toEqual({ claimed: { sealed: sealed('state-2'), expiresAtMs: 12_000 } });
			});

			it('a claim that ran out can be taken over, and the step that lost it can no longer save', async () => {
				await store.createPendingLogin('k2', sealed('s'), 60_000, 1_000);
				expect('claimed' in (await store.claimPendingLogin('k2', 'slow', 2_000, 1_000))).toBe(true);
				// The holder extends its own claim (a step's heartbeat).
				expect('claimed' in (await store.claimPendingLogin('k2', 'slow', 3_000, 1_900))).toBe(true);
				expect(await store.claimPendingLogin('k2', 'next', 8_000, 2_500)).toEqual({ busy: true });
				expect(await store.claimPendingLogin('k2', 'next', 8_000, 2_999)).toEqual({ busy: true });
				expect('claimed' in (await store.claimPendingLogin('k2', 'next', 8_000, 3_000))).toBe(true);
				expect(await store.savePendingLogin('k2', 'slow', sealed('stale'), 60_000)).toBe(false);
				expect(await store.savePendingLogin('k2', 'next', sealed('fresh'), 60_000)).toBe(true);
				const last = await store.claimPendingLogin('k2', 'third', 9_000, 4_000);
				expect(last).toEqual({ claimed: { sealed: sealed('fresh'), expiresAtMs: 60_000 } });
			});

			it('unknown, expired and deleted logins are missing; creating a login drops the expired ones', async () => {
				expect(await store.claimPendingLogin('nope', 'x', 5_000, 1_000)).toEqual({ missing: true });
				await store.createPendingLogin('old', sealed('o'), 2_000, 1_000);
				expect(await store.claimPendingLogin('old', 'x', 5_000, 2_000)).toEqual({ missing: true });
				await store.createPendingLogin('gone', sealed('g'), 90_000, 1_000);
				await store.deletePendingLogin('gone');
				expect(await store.claimPendingLogin('gone', 'x', 5_000, 1_000)).toEqual({ missing: true });
				// 'old' expired at 2 000: a later create removes its row, so its key can be used again.
				await store.createPendingLogin('new', sealed('n'), 90_000, 3_000);
				await store.createPendingLogin('old', sealed('again'), 90_000, 3_000);
				expect(await store.claimPendingLogin('old', 'x', 5_000, 3_000)).toEqual({ claimed: { sealed: sealed('again'), expiresAtMs: 90_000 } });
			});

			it('two instances racing for one step: exactly one claim wins', async () => {
				const other = await opened.openAnother();
				await store.createPendingLogin('race', sealed('r'), 90_000, 1_000);
				const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? store : other).claimPendingLogin('race', `step-${i}`, 30_000, 1_000)));
				expect(claims.filter((c) => 'claimed' in c)).toHaveLength(1);
				expect(claims.filter((c) => 'busy' in c)).toHaveLength(9);
			});
		});

		it('several OS processes claiming the same units at once: each unit granted exactly once', async () => {
			const units = 40;
			const rounds = await runClaimers({ target: opened.target.url, schema: opened.target.schema, processes: 4, rounds: 2, units, instances: 2 });
			for (const [round, perProcess] of rounds.entries()) {
				const granted = perProcess.flat().sort((a, b) => a - b);
				expect(granted).toEqual(Array.from({ length: units }, (_, i) => i));
				const rows = await store.listPurchases({ opKey: `race-${round}` });
				expect(rows).toHaveLength(units);
				expect(rows.every((r) => r.status === 'pending')).toBe(true);
			}
		}, 120_000);
	});
}
