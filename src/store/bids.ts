/** Reads of the ledger's bid rows (kind `bid`) that the bidder and the Plan node share. */
import type { GiftStore } from './types';

/** How many of this account's bids in this auction ended (won or returned): the next bid's serial (its opKey changes with it). */
export async function bidSerialOf(store: GiftStore, accountId: string, giftId: string): Promise<number> {
	const rows = await store.listPurchases({ kind: 'bid', accountId, giftId });
	const ended = new Set<string>();
	for (const r of rows) if (r.status === 'won' || r.status === 'returned') ended.add(r.opKey);
	return ended.size;
}

/** Stars these accounts spent on copies they won in this auction (their won bid steps). */
export async function spentWonOf(store: GiftStore, accountIds: Iterable<string>, giftId: string): Promise<number> {
	const ids = new Set(accountIds);
	const rows = await store.listPurchases({ kind: 'bid', giftId, statuses: ['won'] });
	return rows.filter((e) => ids.has(e.accountId)).reduce((sum, e) => sum + e.price, 0);
}
