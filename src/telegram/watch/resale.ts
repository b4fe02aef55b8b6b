/**
 * Resale listings as a topic of the shared watcher (docs/watchers.md, docs/resale.md): one watcher
 * per (account set, set of collections) per process; every trigger watching the same collections
 * with the same accounts shares it, each with its own rules.
 *
 *  - fetch: ONE payments.getResaleStarGifts with one account, for the next collection in turn
 *    (round robin over the collections), sorted by price, first page (`pageSize` listings). The
 *    watcher picks the account (round robin over accounts, the per-session floor, flood parking),
 *    so with C collections, N accounts, interval P and session floor F each collection is read
 *    every Pc = C · max(P, F) / N.
 *  - The cheapest page is what matters: a listing under the floor is the cheapest of its
 *    collection, so it is always on it; the floor a listing is judged against is the cheapest
 *    *other* Stars listing on the page (exact, in Stars — no currency conversion).
 *  - apply: listings of the page not seen before in this collection, or seen at another price
 *    (relisted or repriced), are new; a collection's first read is its baseline (nothing is new).
 *    Listings are not persisted: a restarted trigger starts from the market as it is then.
 *  - There is no NotModified answer for listings (attributes_hash only spares the attribute list,
 *    which searchListings caches), so every read is a full page.
 */
import type { ResaleListing } from '../../core/resale';
import type { TelegramAccount } from '../account';
import { searchListings } from '../resale';
import type { Fetched, WatchTopic } from './topic';

/** One listing seen for the first time (or at a new price) by a poll. */
export interface ResaleListingSeen {
	listing: ResaleListing;
	/** The cheapest other Stars listing of its collection on the page it was seen on (null: none). */
	floorStars: number | null;
	/** Listings of the collection on the market (the answer's count). */
	marketCount: number;
	/** When the poll that saw it was answered (watcher clock, ms). */
	seenAtMs: number;
}

export interface ResaleAnswer {
	giftId: string;
	count: number;
	listings: ResaleListing[];
}

export const DEFAULT_RESALE_PAGE_SIZE = 50;
const SEEN_MAX = 20_000;

export function resaleTopicKey(collections: readonly string[], pageSize = DEFAULT_RESALE_PAGE_SIZE): string {
	return `resale:${[...new Set(collections)].sort().join(',')}${pageSize !== DEFAULT_RESALE_PAGE_SIZE ? `:page${pageSize}` : ''}`;
}

const priceKey = (l: ResaleListing): string => `${l.priceStars ?? '-'}/${l.priceTonNano ?? '-'}`;

export class ResaleTopic implements WatchTopic<ResaleListingSeen, TelegramAccount, null, ResaleAnswer> {
	readonly key: string;
	readonly collections: string[];
	private cursor = 0;
	/** Per collection: slug → price key of every listing seen (null before its first read). */
	private readonly seen = new Map<string, Map<string, string>>();
	/** Reads per collection (diagnostics, benches). */
	readonly reads = new Map<string, number>();

	constructor(
		collections: readonly string[],
		private readonly pageSize = DEFAULT_RESALE_PAGE_SIZE,
	) {
		this.collections = [...new Set(collections)].sort();
		if (this.collections.length === 0) throw new Error('a resale watch needs at least one collection');
		this.key = resaleTopicKey(this.collections, pageSize);
	}

	async open(): Promise<void> {}

	async fetch(account: TelegramAccount): Promise<Fetched<null, ResaleAnswer>> {
		const giftId = this.collections[this.cursor % this.collections.length]!;
		this.cursor = (this.cursor + 1) % this.collections.length;
		this.reads.set(giftId, (this.reads.get(giftId) ?? 0) + 1);
		const page = await searchListings(account, { giftId, sortBy: 'price', limit: this.pageSize });
		return { notModified: false, version: null, answer: { giftId, count: page.count, listings: page.listings } };
	}

	async apply(answer: ResaleAnswer, atMs: number): Promise<ResaleListingSeen[]> {
		const known = this.seen.get(answer.giftId);
		const next = known ?? new Map<string, string>();
		const fresh: ResaleListing[] = [];
		for (const l of answer.listings) {
			const key = priceKey(l);
			if (known && known.get(l.slug) !== key) fresh.push(l);
			next.delete(l.slug);
			next.set(l.slug, key);
		}
		// Oldest entries go first when the memory is full (a Map keeps insertion order).
		while (next.size > SEEN_MAX) next.delete(next.keys().next().value as string);
		this.seen.set(answer.giftId, next);
		if (!known) return [];
		const stars = answer.listings.filter((l) => l.priceStars !== null);
		return fresh.map((listing) => {
			let floor: number | null = null;
			for (const o of stars) if (o.slug !== listing.slug) floor = floor === null ? (o.priceStars as number) : Math.min(floor, o.priceStars as number);
			return { listing, floorStars: floor, marketCount: answer.count, seenAtMs: atMs };
		});
	}

	/** The market is live: a late or returning subscriber starts from it as it is. */
	changesSince(): ResaleListingSeen[] {
		return [];
	}

	async close(): Promise<void> {}
}
