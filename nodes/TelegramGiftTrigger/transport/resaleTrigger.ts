/**
 * The trigger in resale mode: it subscribes to the process's shared watcher of these collections
 * (src/telegram/watch/resale.ts: the cheapest page of each collection in turn, polls spread over
 * the credential's accounts) and starts one execution per poll that found new listings matching
 * this trigger's rules, one item per listing (event `resaleListing`). The items are what Telegram
 * Gift Plan → Plan Listings takes.
 */
import type { IDataObject, INodeExecutionData, ITriggerFunctions, ITriggerResponse } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ValidationError, judgeListings, validateResaleRules, type ResaleRules } from '../../../src/core';
import { ResaleTopic, getSharedWatchers, resaleTopicKey, type ResaleListingSeen, type Subscription } from '../../../src/telegram/watch';
import { ACCOUNT_CREDENTIAL } from '../../shared/accountCredential';
import { errorMessage, nodeError, parameterError } from '../../shared/errors';
import { openAccounts, type OpenedAccounts } from '../../shared/openAccounts';

/** Telegram documents no limit for payments.getResaleStarGifts: one read per second per account is the assumed safe pace (docs/resale.md). */
export const DEFAULT_RESALE_SESSION_FLOOR_MS = 1000;
export const DEFAULT_RESALE_INTERVAL_MS = 1000;

const RULE_LABELS: Record<string, string> = {
	maxPriceStars: 'Max Price (Stars)',
	minPercentUnderFloor: 'Min % Under Floor',
	minPercentUnderAverage: 'Min % Under Average',
	excludeCollections: 'Exclude Collections',
	excludeGifts: 'Exclude Gifts',
};

const off = (value: unknown): unknown => (value === 0 || value === '' || value === undefined ? null : value);

export function readResaleRules(raw: IDataObject, node: ReturnType<ITriggerFunctions['getNode']>): ResaleRules {
	try {
		return validateResaleRules({
			...raw,
			maxPriceStars: off(raw.maxPriceStars),
			minPercentUnderFloor: off(raw.minPercentUnderFloor),
			minPercentUnderAverage: off(raw.minPercentUnderAverage),
		});
	} catch (error) {
		if (error instanceof ValidationError) {
			const key = error.field.replace(/^rules\./, '').replace(/\[\d+\]$/, '');
			throw parameterError(node, `Listing Rules › ${RULE_LABELS[key] ?? key}`, error.reason);
		}
		throw nodeError(node, error);
	}
}

export function resaleItem(seen: ResaleListingSeen, verdict: { percentUnderFloor: number | null; detail: string }): INodeExecutionData {
	return {
		json: {
			event: 'resaleListing',
			...seen.listing,
			floorStars: seen.floorStars,
			percentUnderFloor: verdict.percentUnderFloor,
			marketCount: seen.marketCount,
			detail: verdict.detail,
			detectedAt: new Date().toISOString(),
		} as unknown as IDataObject,
	};
}

/** The listings of one delivery that this trigger's rules accept. */
export function matching(events: ResaleListingSeen[], rules: ResaleRules, ownAccountIds: string[]): INodeExecutionData[] {
	if (events.length === 0) return [];
	const floors: Record<string, number | null> = {};
	for (const e of events) floors[e.listing.slug] = e.floorStars;
	const verdicts = judgeListings(events.map((e) => e.listing), rules, [], ownAccountIds, floors);
	return events.flatMap((e, i) => (verdicts[i].ok ? [resaleItem(e, verdicts[i])] : []));
}

export async function resaleTrigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
	const node = this.getNode();
	const collections = String(this.getNodeParameter('resaleCollections', '') ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter((s) => s !== '');
	if (collections.length === 0) throw parameterError(node, 'Collections', 'give at least one collection (gift ID)');
	for (const c of collections) if (!/^\d{1,20}$/.test(c)) throw parameterError(node, 'Collections', `"${c.slice(0, 40)}" is not a gift ID (digits only)`);
	const rules = { ...readResaleRules(this.getNodeParameter('resaleRules', {}) as IDataObject, node), collections };
	const intervalMs = Number(this.getNodeParameter('resalePollIntervalMs', DEFAULT_RESALE_INTERVAL_MS));
	if (!Number.isFinite(intervalMs) || intervalMs < 100) throw parameterError(node, 'Poll Interval (ms)', 'must be at least 100');
	const options = this.getNodeParameter('resaleOptions', {}) as IDataObject;
	const sessionFloorMs = options.sessionFloorMs === undefined ? DEFAULT_RESALE_SESSION_FLOOR_MS : Number(options.sessionFloorMs);
	if (!Number.isFinite(sessionFloorMs) || sessionFloorMs < 0) throw parameterError(node, 'Options › Min Time Between Polls per Account (ms)', 'must be 0 or more');
	const pageSize = options.pageSize === undefined ? 50 : Number(options.pageSize);
	if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 100) throw parameterError(node, 'Options › Listings per Read', 'must be a whole number from 1 to 100');
	let accounts: OpenedAccounts;
	try {
		accounts = openAccounts(await this.getCredentials(ACCOUNT_CREDENTIAL));
	} catch (error) {
		throw nodeError(node, error);
	}
	let ownIds: string[] = [];
	const knowOwnIds = async () => {
		ownIds = (await accounts.whoAmIEach().catch(() => [])).flatMap((e) => (e.info ? [e.info.id] : []));
	};

	if (this.getMode() === 'manual') {
		// "Test" in the editor: the cheapest listings of each collection now that the rules accept.
		const manualTriggerFunction = async () => {
			try {
				await knowOwnIds();
				const probe = new ResaleTopic(collections, pageSize);
				const items: INodeExecutionData[] = [];
				for (let i = 0; i < collections.length; i++) {
					const fetched = await accounts.withAccount(null, async (account) => await probe.fetch(account));
					if (fetched.notModified) continue;
					const page = fetched.answer;
					const seen: ResaleListingSeen[] = page.listings.map((listing) => ({
						listing,
						floorStars: page.listings.filter((o) => o.slug !== listing.slug && o.priceStars !== null).reduce<number | null>((m, o) => (m === null ? o.priceStars : Math.min(m, o.priceStars as number)), null),
						marketCount: page.count,
						seenAtMs: Date.now(),
					}));
					items.push(...matching(seen, rules, ownIds));
				}
				this.emit([items]);
			} catch (error) {
				throw nodeError(node, error, { secrets: accounts.secrets });
			}
		};
		return { closeFunction: async () => await accounts.release(), manualTriggerFunction };
	}
	await knowOwnIds();
	const topic = { key: resaleTopicKey(collections, pageSize), create: () => new ResaleTopic(collections, pageSize) };
	let subscription: Subscription;
	try {
		subscription = await getSharedWatchers().subscribe(
			accounts.credentials,
			topic,
			{
				deliver: (events) => {
					const items = matching(events, rules, ownIds);
					if (items.length > 0) this.emit([items]);
				},
				onFatal: (error) => this.emitError(new NodeOperationError(node, errorMessage(error, accounts.secrets))),
				onWarning: (message) => this.logger.warn(errorMessage(message, accounts.secrets)),
			},
			{ intervalMs, sessionFloorMs, from: 'now' },
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
