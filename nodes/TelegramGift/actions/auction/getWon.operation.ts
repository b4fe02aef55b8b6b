/** Auction → Get Won Gifts: per account, the copies it won in one auction (round, place, bid, recipient). */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { wonGifts } from '../../../../src/telegram';
import type { GiftContext } from '../context';
import { eachAccount } from './accounts';
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
	const each = await eachAccount(context, async (account) => ({ me: await account.whoAmI(), won: await wonGifts(account, giftId) }));
	const out: INodeExecutionData[] = [];
	for (const e of each) {
		if (!e.value) {
			if (!this.continueOnFail()) throw context.wrap(e.error);
			out.push(context.errorItem(e.error, 0));
			continue;
		}
		for (const g of e.value.won) {
			out.push({
				json: { accountId: e.value.me.id, accountLabel: e.label, giftId, recipient: g.peer, amount: g.amount, round: g.round, place: g.pos, giftNum: g.giftNum, wonAt: new Date(g.dateSec * 1000).toISOString(), nameHidden: g.nameHidden },
				pairedItem: { item: 0 },
			});
		}
	}
	return out;
}
