/**
 * Resale → Search Listings: a collection's collectibles listed for resale, filtered by model /
 * backdrop / pattern names and sorted (price by default), one item per listing. Pages of up to 100
 * are read until the limit (payments.getResaleStarGifts). The items are what Telegram Gift Plan →
 * Plan Listings takes.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { searchListings, type ListingPage } from '../../../../src/telegram';
import { parameterError } from '../../../shared/errors';
import { quoted } from '../../../shared/parameters';
import type { GiftContext } from '../context';

const names = (value: unknown): string[] =>
	String(value ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter((s) => s !== '');

export async function searchListingsOperation(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const node = this.getNode();
	const giftId = String(this.getNodeParameter('resaleCollection', 0, '') ?? '').trim();
	if (!/^\d{1,20}$/.test(giftId)) throw parameterError(node, 'Collection', `${quoted(giftId)} is not a gift ID (digits only)`);
	const sortBy = this.getNodeParameter('resaleSortBy', 0, 'price') as 'price' | 'num' | 'date';
	const starsOnly = this.getNodeParameter('resaleStarsOnly', 0, true) as boolean;
	const limit = this.getNodeParameter('resaleLimit', 0, 50) as number;
	if (!Number.isSafeInteger(limit) || limit < 1) throw parameterError(node, 'Limit', `${quoted(String(limit))} is not a whole number above 0`);
	const filters = this.getNodeParameter('resaleFilters', 0, {}) as IDataObject;
	const listings: IDataObject[] = [];
	await context.accounts.withAccount(null, async (account) => {
		let offset = '';
		let page: ListingPage;
		do {
			page = await searchListings(account, {
				giftId,
				sortBy,
				starsOnly,
				models: names(filters.models),
				backdrops: names(filters.backdrops),
				patterns: names(filters.patterns),
				offset,
				limit: Math.min(100, limit - listings.length),
			});
			for (const l of page.listings) listings.push({ ...l, marketCount: page.count } as unknown as IDataObject);
			offset = page.nextOffset ?? '';
		} while (offset !== '' && listings.length < limit && page.listings.length > 0);
	});
	return listings.map((json) => ({ json, pairedItem: { item: 0 } }));
}
