/**
 * The resale topic's apply (src/telegram/watch/resale.ts): a collection's first read is its
 * baseline; later reads bring listings not seen before or seen at another price, each with the
 * cheapest OTHER Stars listing of the page as its floor; TON-only listings never set the floor.
 */
import type { ResaleListing } from '../../../src/core/resale';
import { ResaleTopic, resaleTopicKey } from '../../../src/telegram/watch';

const listing = (slug: string, priceStars: number | null, giftId = '100'): ResaleListing => ({
	slug,
	uniqueId: slug,
	giftId,
	title: 'T',
	num: 1,
	model: null,
	backdrop: null,
	pattern: null,
	priceStars,
	priceTonNano: priceStars === null ? 5e9 : null,
	tonOnly: priceStars === null,
	ownerId: null,
	availabilityIssued: null,
	availabilityTotal: null,
	requirePremium: false,
});

describe('ResaleTopic', () => {
	it('keys by the sorted set of collections (and a non-default page size)', () => {
		expect(new ResaleTopic(['300', '100', '300']).key).toBe('resale:100,300');
		expect(resaleTopicKey(['1'], 20)).toBe('resale:1:page20');
		expect(() => new ResaleTopic([])).toThrow(/at least one collection/);
	});

	it('baseline per collection, then new and repriced listings with the cheapest other listing as floor', async () => {
		const topic = new ResaleTopic(['100', '200']);
		expect(await topic.apply({ giftId: '100', count: 2, listings: [listing('a', 1000), listing('b', 1100)] }, 1)).toEqual([]);
		// Collection 200's first read is its own baseline, whatever 100 saw.
		expect(await topic.apply({ giftId: '200', count: 1, listings: [listing('x', 50, '200')] }, 2)).toEqual([]);
		const next = await topic.apply({ giftId: '100', count: 4, listings: [listing('c', 600), listing('t', null), listing('a', 1000), listing('b', 1050)] }, 3);
		expect(next.map((e) => [e.listing.slug, e.floorStars, e.marketCount, e.seenAtMs])).toEqual([
			['c', 1000, 4, 3],
			['t', 600, 4, 3],
			['b', 600, 4, 3],
		]);
		// Nothing new: nothing to say.
		expect(await topic.apply({ giftId: '100', count: 4, listings: [listing('c', 600), listing('t', null), listing('a', 1000), listing('b', 1050)] }, 4)).toEqual([]);
		expect(topic.changesSince()).toEqual([]);
	});
});
