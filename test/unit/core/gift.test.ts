import { normalizeGift, type Gift, type GiftError } from '../../../src/core';
import { Api, returnBigInt } from '../../../src/telegram/gramjs';

function ok(raw: unknown): Gift {
	const parsed = normalizeGift(raw);
	if (!('ok' in parsed)) throw new Error(`expected a gift, got ${parsed.error.field} ${parsed.error.reason}`);
	return parsed.ok;
}

function error(raw: unknown): GiftError {
	const parsed = normalizeGift(raw);
	if (!('error' in parsed)) throw new Error('expected a rejection');
	return parsed.error;
}

const BIG_ID = '5170145012310081615'; // > 2^53: must survive exactly

describe('normalizeGift from a real teleproto Api.StarGift', () => {
	it('reads longs through their decimal text and maps every layer-229 field', () => {
		const tl = new Api.StarGift({
			id: returnBigInt(BIG_ID),
			sticker: new Api.DocumentEmpty({ id: returnBigInt('5170145012310081999') }),
			stars: returnBigInt(250),
			convertStars: returnBigInt(200),
			upgradeStars: returnBigInt(100),
			limited: true,
			soldOut: undefined,
			requirePremium: true,
			limitedPerUser: true,
			perUserTotal: 3,
			perUserRemains: 2,
			lockedUntilDate: 1760000000,
			availabilityRemains: 1200,
			availabilityTotal: 5000,
			firstSaleDate: 1740000000,
			lastSaleDate: 1740000500,
			title: 'Snow Globe',
			availabilityResale: returnBigInt(37),
			resellMinStars: returnBigInt(900),
			releasedBy: new Api.PeerChannel({ channelId: returnBigInt('1234567890') }),
			upgradeVariants: 42,
		});
		expect(ok(tl)).toEqual({
			id: BIG_ID,
			stars: 250,
			convertStars: 200,
			limited: true,
			soldOut: false,
			availabilityRemains: 1200,
			availabilityTotal: 5000,
			requirePremium: true,
			limitedPerUser: true,
			perUserTotal: 3,
			perUserRemains: 2,
			lockedUntil: 1760000000,
			title: 'Snow Globe',
			upgradeStars: 100,
			firstSaleDate: 1740000000,
			lastSaleDate: 1740000500,
			stickerDocumentId: '5170145012310081999',
			auction: false,
			auctionSlug: null,
			giftsPerRound: null,
			auctionStartDate: null,
			availabilityResale: 37,
			resellMinStars: 900,
			releasedBy: '-1001234567890',
			upgradeVariants: 42,
		});
	});

	it('maps the auction fields of a gift released through an auction', () => {
		const tl = new Api.StarGift({
			id: returnBigInt(BIG_ID),
			sticker: new Api.DocumentEmpty({ id: returnBigInt('7') }),
			stars: returnBigInt(500),
			convertStars: returnBigInt(0),
			limited: true,
			availabilityRemains: 3000,
			availabilityTotal: 3000,
			auction: true,
			auctionSlug: 'SnowGlobe-7',
			giftsPerRound: 50,
			auctionStartDate: 1765000000,
			releasedBy: new Api.PeerUser({ userId: returnBigInt('777000') }),
		});
		expect(ok(tl)).toMatchObject({ auction: true, auctionSlug: 'SnowGlobe-7', giftsPerRound: 50, auctionStartDate: 1765000000, releasedBy: '777000' });
	});

	it('names a bad auction or release field', () => {
		expect(normalizeGift({ id: '5', stars: 10, giftsPerRound: 0 })).toEqual({ error: { field: 'giftsPerRound', reason: 'must be ≥ 1 (got 0)', giftId: '5' } });
		expect(normalizeGift({ id: '5', stars: 10, auctionSlug: 7 })).toEqual({ error: { field: 'auctionSlug', reason: 'must be a string (got 7)', giftId: '5' } });
		expect(normalizeGift({ id: '5', stars: 10, releasedBy: '@someone' })).toMatchObject({ error: { field: 'releasedBy', giftId: '5' } });
		expect(normalizeGift({ id: '5', stars: 10, releasedBy: '-1001234567890' })).toMatchObject({ ok: { releasedBy: '-1001234567890' } });
	});

	it('leaves absent optional fields null and absent flags false', () => {
		const tl = new Api.StarGift({
			id: returnBigInt('42'),
			sticker: new Api.DocumentEmpty({ id: returnBigInt('7') }),
			stars: returnBigInt(15),
			convertStars: returnBigInt(13),
		});
		const gift = ok(tl);
		expect(gift).toMatchObject({ id: '42', limited: false, soldOut: false, availabilityTotal: null, requirePremium: null, title: null });
	});

	it('refuses collectibles (StarGiftUnique) by class', () => {
		expect(error({ className: 'StarGiftUnique', id: returnBigInt('1') }).field).toBe('className');
	});
});

describe('normalizeGift from plain JSON', () => {
	const base = { id: BIG_ID, stars: 25, limited: true, availabilityTotal: 1000, availabilityRemains: 10 };

	it('accepts our own Gift shape (round trip)', () => {
		const gift = ok(base);
		expect(ok(gift)).toEqual(gift);
		expect(gift.id).toBe(BIG_ID);
	});

	it('accepts bigint and numeric-string longs and canonicalizes ids', () => {
		expect(ok({ ...base, id: BigInt(BIG_ID) }).id).toBe(BIG_ID);
		expect(ok({ ...base, id: '00042', stars: '25' })).toMatchObject({ id: '42', stars: 25 });
		expect(ok({ ...base, id: 42 }).id).toBe('42');
	});

	it('rejects a numeric id beyond 2^53 with the reason', () => {
		const e = error({ ...base, id: Number(BIG_ID) }); // what JSON.parse makes of an unquoted 64-bit id
		expect(e.field).toBe('id');
		expect(e.reason).toMatch(/beyond 2\^53.*decimal strings/);
	});

	it.each<[string, Record<string, unknown>, string, RegExp]>([
		['missing id', { id: undefined }, 'id', /required/],
		['id 0', { id: '0' }, 'id', /0/],
		['id out of int64', { id: '9223372036854775808' }, 'id', /64-bit/],
		['id not a number', { id: 'abc' }, 'id', /integer/],
		['missing price', { stars: undefined }, 'stars', /required/],
		['negative price', { stars: -5 }, 'stars', /≥ 1/],
		['zero price', { stars: 0 }, 'stars', /≥ 1/],
		['fractional price', { stars: 2.5 }, 'stars', /integer/],
		['limited without supply', { availabilityTotal: undefined }, 'availabilityTotal', /required for a limited gift/],
		['remains above total', { availabilityRemains: 2000 }, 'availabilityRemains', /≤ availabilityTotal/],
		['negative remains', { availabilityRemains: -1 }, 'availabilityRemains', /≥ 0/],
		['supply zero', { availabilityTotal: 0, availabilityRemains: 0 }, 'availabilityTotal', /≥ 1/],
		['flag not boolean', { limited: 'yes' }, 'limited', /true or false/],
		['per-user remains above total', { perUserTotal: 1, perUserRemains: 2 }, 'perUserRemains', /≤ perUserTotal/],
		['title not string', { title: 5 }, 'title', /string/],
		['bad sticker id', { sticker: { id: 'x' } }, 'sticker.id', /integer/],
	])('rejects %s', (_name, patch, field, reason) => {
		const e = error({ ...base, ...patch });
		expect(e.field).toBe(field);
		expect(e.reason).toMatch(reason);
	});

	it('names the gift in a rejection when its id was readable', () => {
		expect(error({ ...base, stars: -1 }).giftId).toBe(BIG_ID);
		expect(error({ ...base, id: undefined }).giftId).toBeNull();
	});

	it('rejects non-objects', () => {
		expect(error(null).field).toBe('gift');
		expect(error([1]).field).toBe('gift');
		expect(error('gift').reason).toMatch(/object/);
	});

	it('turns a throwing toString into a rejection, not a crash', () => {
		const hostile = { toString: () => { throw new Error('boom'); } };
		expect(error({ ...base, stars: hostile }).field).toBe('gift');
	});

	it('reads lockedUntilDate (TL name) and lockedUntil (ours)', () => {
		expect(ok({ ...base, lockedUntilDate: 5 }).lockedUntil).toBe(5);
		expect(ok({ ...base, lockedUntil: 6 }).lockedUntil).toBe(6);
	});
});
