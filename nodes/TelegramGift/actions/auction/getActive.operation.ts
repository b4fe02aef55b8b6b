/** Auction → List My Active Auctions: per account, the auctions not yet ended that it bid on (also when its bid was returned). */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { activeAuctions, type ActiveAuction } from '../../../../src/telegram';
import type { GiftContext } from '../context';
import { itemsPerAccount } from './accounts';

export async function getActive(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	return itemsPerAccount<ActiveAuction>(this, context, activeAuctions, (a) => ({
		giftId: a.giftId,
		slug: a.snapshot?.gift.auctionSlug ?? null,
		status: a.snapshot?.status ?? null,
		round: a.snapshot?.currentRound ?? null,
		giftsLeft: a.snapshot?.giftsLeft ?? null,
		bid: a.bid as IDataObject | null,
		acquiredCount: a.acquiredCount,
	}));
}
