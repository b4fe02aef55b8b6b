/** GiftStore.ledgerStep: the buyer's combined ledger writes, committed together across callers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { getStore, type GiftStore } from '../../../src/store';

let dir: string;
let store: GiftStore;
beforeEach(async () => {
	dir = mkdtempSync(join(tmpdir(), 'ledger-step-'));
	store = await getStore(join(dir, 'store.sqlite'));
});
afterEach(async () => {
	await store.close();
	rmSync(dir, { recursive: true, force: true });
});

const unit = (opKey: string, unitIndex = 0, atMs = 1_000) => ({ opKey, unitIndex, accountId: '100', recipient: '-1001', giftId: '5000', price: 50, atMs });

describe('ledgerStep', () => {
	it('claims like claimPurchase: a granted claim returns the row as stored', async () => {
		const result = await store.ledgerStep({ claim: unit('a') });
		expect(result).toEqual({ claimed: true, entry: await store.getPurchase('a', 0) });
		expect(result?.entry).toMatchObject({ status: 'pending', sentAtMs: null, createdAtMs: 1_000, updatedAtMs: 1_000 });
	});

	it('does not claim a pending, unknown or bought unit, and re-arms a failed one', async () => {
		await store.ledgerStep({ claim: unit('p') });
		expect(await store.ledgerStep({ claim: unit('p', 0, 2_000) })).toMatchObject({ claimed: false, entry: { status: 'pending', createdAtMs: 1_000 } });
		for (const status of ['unknown', 'bought'] as const) {
			await store.ledgerStep({ claim: unit(status) });
			await store.settlePurchase(status, 0, { status, reason: null, atMs: 1_500 });
			expect(await store.ledgerStep({ claim: unit(status, 0, 2_000) })).toMatchObject({ claimed: false, entry: { status } });
		}
		await store.ledgerStep({ claim: unit('f') });
		await store.markSent('f', 0, 1_200);
		await store.settlePurchase('f', 0, { status: 'failed', reason: 'sold_out', atMs: 1_500 });
		expect(await store.ledgerStep({ claim: unit('f', 0, 3_000) })).toMatchObject({ claimed: true, entry: { status: 'pending', reason: null, sentAtMs: null, createdAtMs: 3_000 } });
		expect(await store.getPurchase('f', 0)).toMatchObject({ status: 'pending', reason: null, sentAtMs: null, createdAtMs: 3_000 });
	});

	it('records a send, claims the next unit and settles the previous one in one step', async () => {
		await store.ledgerStep({ claim: unit('op', 0) });
		await store.ledgerStep({ markSent: { opKey: 'op', unitIndex: 0, atMs: 1_100 }, claim: unit('op', 1, 1_100) });
		const step = await store.ledgerStep({
			settle: { opKey: 'op', unitIndex: 0, outcome: { status: 'bought', reason: null, atMs: 1_200 } },
			markSent: { opKey: 'op', unitIndex: 1, atMs: 1_200 },
			claim: unit('op', 2, 1_200),
		});
		expect(step).toMatchObject({ claimed: true, entry: { unitIndex: 2, status: 'pending' } });
		const rows = await store.listPurchases({ opKey: 'op' });
		expect(rows.map((r) => [r.unitIndex, r.status, r.sentAtMs])).toEqual([
			[0, 'bought', 1_100],
			[1, 'pending', 1_200],
			[2, 'pending', null],
		]);
		// Without a claim there is no claim result.
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
		const second = await getStore(join(dir, 'other.sqlite'));
		await second.close();
		await expect(second.ledgerStep({ claim: unit('late') })).rejects.toThrow(/closed/);
	});
});
