/**
 * The gift catalog as a watch topic: payments.getStarGifts(hash) with one account per poll (an
 * unchanged catalog costs one starGiftsNotModified answer), each changed answer turned into events
 * once for every subscriber: a gift appeared (newGift), a limited gift sold out (soldOut), the
 * copies left of a limited gift changed (supplyChanged, with the count before).
 *
 * State and restarts: every gift seen is recorded in the store (gifts_seen: when first seen, when
 * first seen sold out; supply samples), before any subscriber hears of it. On open the topic loads
 * those records, so `changesSince(t)` can tell a trigger resumed after a restart what it has not
 * seen since t: the gifts first seen after t (including the ones the first answer after the restart
 * shows for the first time) and the sell-outs after t. Supply changes are not replayed.
 */
import type { Gift } from '../../core/types';
import type { GiftStore } from '../../store/types';
import type { CatalogResult } from '../account';
import type { Fetched, WatchAccount, WatchTopic } from './topic';

export type GiftEventType = 'newGift' | 'soldOut' | 'supplyChanged';

export interface GiftEvent {
	event: GiftEventType;
	gift: Gift;
	/** For supplyChanged: the copies left before this answer. */
	previousRemains: number | null;
	/** When this process's watchers first saw the change. */
	detectedAtMs: number;
}

/** The store methods the catalog topic uses; `close` releases the handle when the topic closes. */
export type CatalogStore = Pick<GiftStore, 'listSeenGifts' | 'recordGiftsSeen' | 'addSupplySamples' | 'close'>;

/** An account that can read the catalog (TelegramAccount in production). */
export interface CatalogAccount extends WatchAccount {
	catalog(hash: number): Promise<Pick<CatalogResult, 'notModified' | 'gifts' | 'hash'>>;
}

interface Known {
	soldOut: boolean;
	/** null: not observed by this topic yet (no supply-change event on first sight). */
	remains: number | null;
	firstSeenMs: number;
	soldOutAtMs: number | null;
}

export const CATALOG_TOPIC = 'catalog';

export class CatalogTopic implements WatchTopic<GiftEvent, CatalogAccount, number, Gift[]> {
	readonly key = CATALOG_TOPIC;
	private known = new Map<string, Known>();
	/** The gifts of the last full answer (what `changesSince` describes). */
	private current: Gift[] = [];
	/**
	 * From when the records describe this catalog. −∞ when the first answer shows gifts the store
	 * knew; else the first answer's time: an empty store (first start, or a new file) or records of
	 * another catalog (gifts_seen holds every server's gifts: a sandbox rehearsal, the test DCs)
	 * cannot say what is new since an earlier time, and a resumed trigger must not take the whole
	 * catalog for new.
	 */
	private historyFromMs: number | null = null;

	constructor(private readonly store: CatalogStore) {}

	async open(): Promise<void> {
		const seen = await this.store.listSeenGifts();
		this.known = new Map(seen.map((s) => [s.giftId, { soldOut: s.soldOutAtMs !== null, remains: null, firstSeenMs: s.firstSeenMs, soldOutAtMs: s.soldOutAtMs }]));
	}

	async fetch(account: CatalogAccount, version: number | null): Promise<Fetched<number, Gift[]>> {
		const result = await account.catalog(version ?? 0);
		if (result.notModified) return { notModified: true };
		return { notModified: false, version: result.hash, answer: result.gifts };
	}

	async apply(gifts: Gift[], atMs: number): Promise<GiftEvent[]> {
		// Recorded before anyone hears of it: a restart never takes a gift for new twice.
		await this.store.recordGiftsSeen(gifts.map((g) => ({ id: g.id, soldOut: g.soldOut, data: g })), atMs);
		const events: GiftEvent[] = [];
		const samples: Array<{ giftId: string; atMs: number; remains: number }> = [];
		const next = new Map(this.known);
		for (const gift of gifts) {
			const before = next.get(gift.id);
			const remains = gift.availabilityRemains;
			const soldOutAtMs = before?.soldOutAtMs ?? (gift.soldOut ? atMs : null);
			next.set(gift.id, { soldOut: gift.soldOut, remains, firstSeenMs: before?.firstSeenMs ?? atMs, soldOutAtMs });
			if (gift.limited && remains !== null && (before === undefined || before.remains !== remains)) samples.push({ giftId: gift.id, atMs, remains });
			const event = (type: GiftEventType, previousRemains: number | null = null) => events.push({ event: type, gift, previousRemains, detectedAtMs: atMs });
			if (before === undefined) {
				event('newGift');
				continue;
			}
			if (gift.soldOut && !before.soldOut) event('soldOut');
			if (before.remains !== null && remains !== null && remains !== before.remains) event('supplyChanged', before.remains);
		}
		if (samples.length > 0) await this.store.addSupplySamples(samples);
		this.historyFromMs ??= gifts.some((g) => this.known.has(g.id)) ? Number.NEGATIVE_INFINITY : atMs;
		this.known = next;
		this.current = gifts;
		return events;
	}

	changesSince(sinceMs: number | null): GiftEvent[] {
		if (sinceMs === null) {
			return this.current.map((gift) => ({ event: 'newGift', gift, previousRemains: null, detectedAtMs: this.known.get(gift.id)?.firstSeenMs ?? 0 }));
		}
		// Before the records describe this catalog nothing can be told apart: the state now is the baseline.
		if (this.historyFromMs === null || sinceMs < this.historyFromMs) return [];
		const events: GiftEvent[] = [];
		for (const gift of this.current) {
			const known = this.known.get(gift.id);
			if (!known) continue;
			if (known.firstSeenMs > sinceMs) events.push({ event: 'newGift', gift, previousRemains: null, detectedAtMs: known.firstSeenMs });
			else if (gift.soldOut && known.soldOutAtMs !== null && known.soldOutAtMs > sinceMs) {
				events.push({ event: 'soldOut', gift, previousRemains: null, detectedAtMs: known.soldOutAtMs });
			}
		}
		return events;
	}

	async close(): Promise<void> {
		await this.store.close();
	}
}

/** The newest gifts of a catalog (latest sale date first, then highest id), for test runs. */
export function newestGifts(gifts: Gift[], count: number, limitedOnly: boolean): Gift[] {
	return gifts
		.filter((g) => !limitedOnly || g.limited)
		.sort((a, b) => {
			const dates = (b.firstSaleDate ?? 0) - (a.firstSaleDate ?? 0);
			if (dates !== 0) return dates;
			const ia = BigInt(a.id);
			const ib = BigInt(b.id);
			return ib > ia ? 1 : ib < ia ? -1 : 0;
		})
		.slice(0, count);
}
