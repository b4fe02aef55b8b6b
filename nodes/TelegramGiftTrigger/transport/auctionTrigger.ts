/**
 * The trigger in auction mode: it subscribes to the process's shared watcher of this auction
 * (src/telegram/watch/auction.ts: one per account set and auction, pushed updates first, polling
 * as the fallback) and starts one execution per change that brings chosen events, the events as
 * items. "Announced" and "finished" are emitted once per auction across restarts (the workflow's
 * static data remembers them); the others follow Telegram's state as it changes.
 */
import type { IDataObject, INodeExecutionData, ITriggerFunctions, ITriggerResponse } from 'n8n-workflow';

import type { AuctionWatchEvent } from '../../../src/core';
import { ACCOUNT_CREDENTIAL } from '../../shared/accountCredential';
import { errorMessage, nodeError, parameterError } from '../../shared/errors';
import { openAccounts, type OpenedAccounts } from '../../shared/openAccounts';
import { AuctionTopic, auctionTopicKey, getSharedWatchers, type Subscription } from '../../../src/telegram/watch';
import { NodeOperationError } from 'n8n-workflow';

/** Each account re-reads (and so re-subscribes) at least this often; pushed updates come in between. */
const AUCTION_POLL_MS = 5000;
const DEFAULT_SESSION_FLOOR_MS = 800;

const iso = (sec: number | null) => (sec && sec > 0 ? new Date(sec * 1000).toISOString() : null);

export function auctionItem(e: AuctionWatchEvent): INodeExecutionData {
	return {
		json: {
			event: e.event,
			giftId: e.giftId,
			slug: e.slug,
			title: e.title,
			round: e.round,
			totalRounds: e.totalRounds,
			giftsPerRound: e.giftsPerRound,
			giftsLeft: e.giftsLeft,
			startsAt: iso(e.startDateSec),
			roundEndsAt: iso(e.nextRoundAtSec),
			averagePrice: e.averagePrice,
			accountId: e.accountId,
			accountLabel: e.accountLabel,
			amount: e.amount,
			place: e.place,
			detectedAt: new Date().toISOString(),
		} as IDataObject,
	};
}

export async function auctionTrigger(this: ITriggerFunctions, known: readonly string[]): Promise<ITriggerResponse> {
	const node = this.getNode();
	const auction = String(this.getNodeParameter('auction', '') ?? '').trim();
	if (!/^(\d{1,20}|[A-Za-z0-9_-]{1,64})$/.test(auction)) throw parameterError(node, 'Auction', `"${auction.slice(0, 40)}" is not a gift ID or an auction slug`);
	const events = this.getNodeParameter('auctionEvents', []) as unknown;
	if (!Array.isArray(events) || events.length === 0) throw parameterError(node, 'Auction Events', 'choose at least one event');
	for (const e of events) if (!known.includes(String(e))) throw parameterError(node, 'Auction Events', `unknown event "${String(e)}"`);
	const wanted = new Set(events.map(String));
	const roundEndingSec = Number(this.getNodeParameter('roundEndingSec', 30));
	if (wanted.has('roundEnding') && (!Number.isFinite(roundEndingSec) || roundEndingSec < 1)) throw parameterError(node, 'Round Ending Warning (Seconds)', 'must be at least 1');
	let accounts: OpenedAccounts;
	try {
		accounts = openAccounts(await this.getCredentials(ACCOUNT_CREDENTIAL));
	} catch (error) {
		throw nodeError(node, error);
	}
	const staticData = this.getWorkflowStaticData('node') as { auctionOnce?: Record<string, boolean> };
	const once = (staticData.auctionOnce ??= {});
	const roundEndingMs = wanted.has('roundEnding') ? roundEndingSec * 1000 : 0;
	const topic = { key: auctionTopicKey(auction, roundEndingMs), create: () => new AuctionTopic(auction, { roundEndingMs }) };
	const toItems = (list: AuctionWatchEvent[], filter: boolean): INodeExecutionData[] => {
		const items: INodeExecutionData[] = [];
		for (const e of list) {
			if (filter && !wanted.has(e.event)) continue;
			if (filter && (e.event === 'announced' || e.event === 'finished')) {
				const key = `${e.event}:${e.giftId}`;
				if (once[key]) continue;
				once[key] = true;
			}
			items.push(auctionItem(e));
		}
		return items;
	};

	if (this.getMode() === 'manual') {
		// "Test" in the editor: the auction as it is now, as an "announced" item.
		const manualTriggerFunction = async () => {
			try {
				const probe = new AuctionTopic(auction);
				const answer = await accounts.withAccount(null, async (account) => await probe.fetch(account, null));
				if (!answer.notModified) await probe.apply(answer.answer);
				this.emit([toItems(probe.changesSince(), false)]);
				await probe.close();
			} catch (error) {
				throw nodeError(node, error, { secrets: accounts.secrets });
			}
		};
		return { closeFunction: async () => await accounts.release(), manualTriggerFunction };
	}
	let subscription: Subscription;
	try {
		subscription = await getSharedWatchers().subscribe(
			accounts.credentials,
			topic,
			{
				deliver: (events) => {
					const items = toItems(events, true);
					if (items.length > 0) this.emit([items]);
				},
				onFatal: (error) => this.emitError(new NodeOperationError(node, errorMessage(error, accounts.secrets))),
				onWarning: (message) => this.logger.warn(errorMessage(message, accounts.secrets)),
			},
			// 'everything': the first delivery is the auction as it is (announced, once per auction).
			{ intervalMs: AUCTION_POLL_MS, sessionFloorMs: DEFAULT_SESSION_FLOOR_MS, from: 'everything' },
		);
	} catch (error) {
		await accounts.release();
		throw nodeError(node, error, { secrets: accounts.secrets });
	}
	return {
		closeFunction: async () => {
			await subscription.close();
			await accounts.release();
		},
	};
}
