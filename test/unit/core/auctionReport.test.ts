/** The auction section of the report and the auction event messages (src/core/auctionReport.ts). */
import { auctionEventText, buildAuctionSection, type AuctionLedgerRow } from '../../../src/core';

const row = (opKey: string, accountId: string, amount: number, price: number, status: AuctionLedgerRow['status']): AuctionLedgerRow => ({ opKey, accountId, giftId: '7001', amount, price, status });

describe('buildAuctionSection', () => {
	it('counts bids placed, raised, returned and won per account, with Stars held, spent and refunded', () => {
		const section = buildAuctionSection(
			[
				row('a1', '1', 150, 150, 'won'),
				row('a1', '1', 180, 30, 'won'),
				row('a2', '1', 200, 200, 'held'),
				row('b1', '2', 120, 120, 'returned'),
				row('b1', '2', 130, 10, 'returned'),
				row('b2', '2', 300, 300, 'failed'),
			],
			{ '1': 'Alice', '2': 'Bob' },
		);
		expect(section.accounts).toEqual([
			{ accountId: '1', label: 'Alice', placed: 2, raised: 1, returned: 0, won: 1, held: 200, spent: 180, refunded: 0 },
			{ accountId: '2', label: 'Bob', placed: 1, raised: 1, returned: 1, won: 0, held: 0, spent: 0, refunded: 130 },
		]);
		expect(section.totals).toMatchObject({ won: 1, spent: 180, held: 200, refunded: 130 });
		expect(section.text).toContain('Alice: 2 bid(s), 1 raise(s), 1 won, 0 returned · spent 180 ⭐, held 200 ⭐, refunded 0 ⭐');
		expect(buildAuctionSection([], {}, 'ru').text).toBe('🔨 Аукционы\nСтавок на аукционах не было.');
	});
});

describe('auctionEventText', () => {
	it('says what happened, in English and Russian', () => {
		expect(auctionEventText({ event: 'won', title: 'Rocket', accountLabel: 'Alice', amount: 251, round: 2 })).toBe('🎉 Rocket: Alice won a copy for 251 ⭐ (round 2)');
		expect(auctionEventText({ event: 'outbid', slug: 'Rocket-7', accountLabel: 'Bob', amount: 120 }, 'ru')).toBe('⚠️ Rocket-7: ставку Bob (120 ⭐) перебили');
		expect(auctionEventText({ event: 'finished', giftId: '7001', averagePrice: 237 })).toBe('🏁 gift 7001: the auction finished, average price 237 ⭐');
		expect(auctionEventText({ event: 'something' })).toBeNull();
	});
});
