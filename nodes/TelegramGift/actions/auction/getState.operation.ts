/**
 * Auction → Get State: the auction as Telegram shows it now (round, places, bids from the top,
 * minimum bid, when the round ends) and every account's own bid, balance and copies won. Reading
 * the state also subscribes the accounts to the auction's pushed updates for `timeoutSec`. The
 * item is what Telegram Gift Plan → Plan Bids takes.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readAuction, type AuctionRead } from '../../../../src/telegram';
import { parameterError } from '../../../shared/errors';
import { quoted } from '../../../shared/parameters';
import type { GiftContext } from '../context';
import { eachAccount } from './accounts';

export function auctionParameter(this: IExecuteFunctions, name: string, label: string, itemIndex?: number): string {
	const auction = String(this.getNodeParameter(name, itemIndex ?? 0, '') ?? '').trim();
	if (!/^(\d{1,20}|[A-Za-z0-9_-]{1,64})$/.test(auction)) throw parameterError(this.getNode(), label, `${quoted(auction)} is not a gift ID or an auction slug`, itemIndex);
	return auction;
}

const iso = (sec: number) => (sec > 0 ? new Date(sec * 1000).toISOString() : null);

export async function getState(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const auction = auctionParameter.call(this, 'auction', 'Auction');
	const reads = await eachAccount(context, async (account) => {
		const [read, me, balance] = await Promise.all([readAuction(account, auction), account.whoAmI(), account.balance()]);
		return { read, me, balance: balance.stars };
	});
	const ok = reads.filter((r) => r.value !== null);
	if (ok.length === 0) throw context.wrap(reads[0]?.error ?? new Error('The credential has no account'));
	// Every account sees the same auction; the newest version wins.
	const best = ok.reduce((a, b) => ((b.value!.read.snapshot?.version ?? -1) > (a.value!.read.snapshot?.version ?? -1) ? b : a)).value!.read as AuctionRead;
	const s = best.snapshot!;
	return [
		{
			json: {
				giftId: s.gift.id,
				slug: s.gift.auctionSlug,
				title: s.gift.title,
				status: s.status,
				version: s.version,
				round: s.currentRound,
				totalRounds: s.totalRounds,
				giftsPerRound: s.giftsPerRound,
				giftsLeft: s.giftsLeft,
				minBidAmount: s.minBidAmount,
				roundEndsAt: iso(s.nextRoundAtSec),
				startsAt: iso(s.startDateSec),
				endsAt: iso(s.endDateSec),
				averagePrice: s.averagePrice,
				topBidders: best.topBidders,
				timeoutSec: best.timeoutSec,
				auction: s as unknown as Record<string, unknown>,
				accounts: reads.map((r) =>
					r.value
						? {
								id: r.value.me.id,
								label: r.label,
								balance: r.value.balance,
								premium: r.value.me.premium,
								bid: r.value.read.bid,
								acquiredCount: r.value.read.acquiredCount,
							}
						: { label: r.label, error: context.wrap(r.error).message },
				),
			} as never,
			pairedItem: { item: 0 },
		},
	];
}
