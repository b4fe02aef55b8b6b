/**
 * The trigger in auction mode: an AuctionWatcher for the credential's accounts; each change that
 * brings chosen events starts one execution with the events as items. "Announced" and "finished"
 * are emitted once per auction across restarts (the workflow's static data remembers them); the
 * others follow Telegram's state as it changes.
 */
import type { IDataObject, INodeExecutionData, ITriggerFunctions, ITriggerResponse } from 'n8n-workflow';

import type { AuctionWatchEvent } from '../../../src/core';
import { ACCOUNT_CREDENTIAL } from '../../shared/accountCredential';
import { errorMessage, nodeError, parameterError } from '../../shared/errors';
import { openAccounts, type OpenedAccounts } from '../../shared/openAccounts';
import { AuctionWatcher } from './auctionWatcher';

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
	const watcher = new AuctionWatcher({
		pool: accounts.pool,
		credentials: accounts.credentials,
		auction,
		roundEndingMs: wanted.has('roundEnding') ? roundEndingSec * 1000 : 0,
		onWarning: (message) => this.logger.warn(errorMessage(message, accounts.secrets)),
	});
	const emitEvents = (list: AuctionWatchEvent[]): void => {
		const items: INodeExecutionData[] = [];
		for (const e of list) {
			if (!wanted.has(e.event)) continue;
			if (e.event === 'announced' || e.event === 'finished') {
				const key = `${e.event}:${e.giftId}`;
				if (once[key]) continue;
				once[key] = true;
			}
			items.push(auctionItem(e));
		}
		if (items.length > 0) this.emit([items]);
	};

	if (this.getMode() === 'manual') {
		// "Test" in the editor: the auction as it is now, as an "announced" item.
		const manualTriggerFunction = async () => {
			const probe = new AuctionWatcher({ pool: accounts.pool, credentials: accounts.credentials.slice(0, 1), auction, roundEndingMs: 0 });
			try {
				await probe.start((list) => this.emit([list.map(auctionItem)]));
			} catch (error) {
				throw nodeError(node, error, { secrets: accounts.secrets });
			} finally {
				await probe.stop();
			}
		};
		return { closeFunction: async () => await accounts.release(), manualTriggerFunction };
	}
	try {
		await watcher.start(emitEvents);
	} catch (error) {
		await accounts.release();
		throw nodeError(node, error, { secrets: accounts.secrets });
	}
	return {
		closeFunction: async () => {
			await watcher.stop();
			await accounts.release();
		},
	};
}

