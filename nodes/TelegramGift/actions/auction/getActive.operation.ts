/** Auction → List My Active Auctions: per account, the auctions not yet ended that it bid on (also when its bid was returned). */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { activeAuctions } from '../../../../src/telegram';
import type { GiftContext } from '../context';
import { eachAccount } from './accounts';

export async function getActive(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const each = await eachAccount(context, async (account) => ({ me: await account.whoAmI(), auctions: await activeAuctions(account) }));
	const out: INodeExecutionData[] = [];
	for (const e of each) {
		if (!e.value) {
			if (!this.continueOnFail()) throw context.wrap(e.error);
			out.push(context.errorItem(e.error, 0));
			continue;
		}
		for (const a of e.value.auctions) {
			out.push({
				json: {
					accountId: e.value.me.id,
					accountLabel: e.label,
					giftId: a.giftId,
					slug: a.snapshot?.gift.auctionSlug ?? null,
					status: a.snapshot?.status ?? null,
					round: a.snapshot?.currentRound ?? null,
					giftsLeft: a.snapshot?.giftsLeft ?? null,
					bid: a.bid,
					acquiredCount: a.acquiredCount,
				} as never,
				pairedItem: { item: 0 },
			});
		}
	}
	return out;
}
