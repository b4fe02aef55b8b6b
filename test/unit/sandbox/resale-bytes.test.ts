/** The hand-assembled payments.resaleStarGifts is byte for byte what the library writes, with and without each optional part. */
import { Api, returnBigInt } from '../../../src/telegram/gramjs';
import { resaleStarGiftsBytes } from '../../../src/sandbox/resaleRpc';

const big = (v: bigint): ReturnType<typeof returnBigInt> => returnBigInt(v);

test('resaleStarGiftsBytes matches the library serialization', () => {
	const gift = new Api.StarGiftUnique({
		id: big(1n),
		giftId: big(2n),
		title: 'Plush Pepe',
		slug: 'PlushPepe-1',
		num: 1,
		ownerId: new Api.PeerUser({ userId: big(5n) }),
		attributes: [new Api.StarGiftAttributeBackdrop({ name: 'Black', backdropId: 1, centerColor: 1, edgeColor: 2, patternColor: 3, textColor: 4, rarity: new Api.StarGiftAttributeRarity({ permille: 10 }) })],
		availabilityIssued: 1,
		availabilityTotal: 2,
		resellAmount: [new Api.StarsAmount({ amount: big(7000n), nanos: 0 }), new Api.StarsTonAmount({ amount: big(35_000_000_000n) })],
	});
	const attr = new Api.StarGiftAttributePattern({ name: 'Star', document: new Api.DocumentEmpty({ id: big(9n) }), rarity: new Api.StarGiftAttributeRarity({ permille: 3 }) });
	const counter = new Api.StarGiftAttributeCounter({ attribute: new Api.StarGiftAttributeIdBackdrop({ backdropId: 1 }), count: 3 });
	const user = new Api.User({ id: big(5n), min: true, firstName: 'Collector' });
	const longOffset = 'x'.repeat(300);
	for (const variant of [
		{},
		{ nextOffset: '7000:123' },
		{ nextOffset: longOffset },
		{ attributes: [attr], attributesHash: -5n },
		{ counters: [counter] },
		{ nextOffset: '1:2', attributes: [attr], attributesHash: 123456789012345n, counters: [counter] },
	]) {
		const lib = new Api.payments.ResaleStarGifts({
			count: 3,
			gifts: [gift, gift],
			nextOffset: variant.nextOffset,
			attributes: variant.attributes,
			attributesHash: variant.attributesHash === undefined ? undefined : big(variant.attributesHash),
			counters: variant.counters,
			chats: [],
			users: [user],
		}).getBytes();
		const ours = resaleStarGiftsBytes({
			count: 3,
			gifts: [gift.getBytes(), gift.getBytes()],
			nextOffset: variant.nextOffset,
			attributes: variant.attributes?.map((a) => a.getBytes()),
			attributesHash: variant.attributesHash,
			counters: variant.counters?.map((c) => c.getBytes()),
			chats: [],
			users: [user.getBytes()],
		});
		expect(ours.toString('hex')).toBe(Buffer.from(lib).toString('hex'));
	}
});
