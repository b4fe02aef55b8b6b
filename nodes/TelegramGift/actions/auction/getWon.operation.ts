/** Auction → Get Won Gifts: per account, the copies it won in one auction (round, place, bid, recipient). */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { wonGifts, type WonGift } from '../../../../src/telegram';
import type { GiftContext } from '../context';
import { itemsPerAccount } from './accounts';
import { auctionParameter } from './getState.operation';

export async function getWon(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const auction = auctionParameter.call(this, 'auction', 'Auction');
	if (!/^\d+$/.test(auction)) {
		// getStarGiftAuctionAcquiredGifts takes the gift id: a slug is resolved through the state.
		const { readAuction } = await import('../../../../src/telegram');
		const read = await context.accounts.withAccount(null, (account) => readAuction(account, auction)).catch((error: unknown) => {
			throw context.wrap(error);
		});
		return getWonFor.call(this, context, read.snapshot!.gift.id);
	}
	return getWonFor.call(this, context, auction);
}

async function getWonFor(this: IExecuteFunctions, context: GiftContext, giftId: string): Promise<INodeExecutionData[]> {
	return itemsPerAccount<WonGift>(
		this,
		context,
		(account) => wonGifts(account, giftId),
		(g) => ({ giftId, recipient: g.peer, amount: g.amount, round: g.round, place: g.pos, giftNum: g.giftNum, wonAt: new Date(g.dateSec * 1000).toISOString(), nameHidden: g.nameHidden }),
	);
}
