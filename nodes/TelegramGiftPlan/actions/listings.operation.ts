/**
 * Telegram Gift Plan → Plan Listings: resale listings (Telegram Gift → Resale → Search Listings,
 * or the Gift Trigger's resaleListing events) + recipients + accounts → the listings to buy
 * (output 1) and every other listing with its reason (output 2). The core (src/core/resale.ts)
 * decides; this node adds what only the store knows: each account's spend today (every ledger kind)
 * and the listings already bought or in flight under this run key.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { ValidationError, planResale, type CollectionValue } from '../../../src/core';
import { getStore } from '../../../src/store';
import { nodeError, parameterError } from '../../shared/errors';
import { readRecipients } from './parameters';
import { readAccounts } from './plan.operation';

const DAY_MS = 86_400_000;

const RULE_LABELS: Record<string, string> = {
	maxPriceStars: 'Max Price (Stars)',
	minPercentUnderFloor: 'Min % Under Floor',
	minPercentUnderAverage: 'Min % Under Average',
	models: 'Models Wanted',
	backdrops: 'Backdrops Wanted',
	patterns: 'Patterns Wanted',
	excludeModels: 'Exclude Models',
	excludeBackdrops: 'Exclude Backdrops',
	excludePatterns: 'Exclude Patterns',
	excludeCollections: 'Exclude Collections',
	excludeGifts: 'Exclude Gifts',
	allowTon: 'Allow TON-Priced Listings',
};

/** A number parameter where 0 means "off". */
const off = (value: unknown): unknown => (value === 0 || value === '' || value === undefined ? null : value);

function labelOf(field: string): string {
	const [group, key] = field.split('.');
	const name = (key ?? '').replace(/\[\d+\]$/, '');
	if (group === 'rules') return `Listing Rules › ${RULE_LABELS[name] ?? name}`;
	if (group === 'options') return `Listing Options › ${name}`;
	return field;
}

export async function executeListingPlan(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const items = this.getInputData();
	const recipients = readRecipients.call(this);
	const rawRules = this.getNodeParameter('listingRules', 0, {}) as IDataObject;
	const rawOptions = this.getNodeParameter('listingOptions', 0, {}) as IDataObject;
	const rules = {
		...rawRules,
		maxPriceStars: off(rawRules.maxPriceStars),
		minPercentUnderFloor: off(rawRules.minPercentUnderFloor),
		minPercentUnderAverage: off(rawRules.minPercentUnderAverage),
	};
	const options = {
		reserveStars: rawOptions.reserveStars ?? 0,
		dailyBudgetPerAccount: off(rawOptions.dailyBudgetPerAccount),
		maxStarsPerRun: off(rawOptions.maxStarsPerRun),
		maxListingsPerRun: off(rawOptions.maxListingsPerRun),
		priceTolerancePercent: rawOptions.priceTolerancePercent ?? 0,
		runKey: rawOptions.runKey ?? '',
	};

	// Items are listings, or trigger events carrying `listings` (and the collections' values).
	const listings: IDataObject[] = [];
	const itemOfSlug = new Map<string, number>();
	const values = new Map<string, CollectionValue>();
	// The trigger's items carry the floor each listing was judged against (the cheapest other listing of its read).
	const floors: Record<string, number | null> = {};
	items.forEach((item, itemIndex) => {
		const json = item.json;
		const list = Array.isArray(json.listings) ? (json.listings as IDataObject[]) : [json];
		for (const l of list) {
			listings.push(l);
			if (typeof l.slug === 'string' && !itemOfSlug.has(l.slug)) itemOfSlug.set(l.slug, itemIndex);
			if (typeof l.slug === 'string' && l.event === 'resaleListing' && (typeof l.floorStars === 'number' || l.floorStars === null)) floors[l.slug] = l.floorStars;
			const giftId = l.giftId === undefined || l.giftId === null ? null : String(l.giftId);
			if (giftId !== null && !values.has(giftId) && (typeof l.valueFloorStars === 'number' || typeof l.valueAverageStars === 'number')) {
				values.set(giftId, {
					giftId,
					floorStars: typeof l.valueFloorStars === 'number' ? l.valueFloorStars : null,
					averageStars: typeof l.valueAverageStars === 'number' ? l.valueAverageStars : null,
				});
			}
		}
		if (Array.isArray(json.values)) {
			for (const v of json.values as IDataObject[]) if (v.giftId !== undefined) values.set(String(v.giftId), v as unknown as CollectionValue);
		}
	});

	const { accounts, unavailable } = await readAccounts.call(this);
	const store = await getStore();
	let alreadyBought: string[];
	try {
		const dayStart = Math.floor(Date.now() / DAY_MS) * DAY_MS;
		for (const account of accounts) {
			if (account.spentToday === undefined) account.spentToday = await store.spentSince(account.id, dayStart);
		}
		alreadyBought = (await store.listPurchases({ kind: 'resale', statuses: ['bought', 'pending', 'unknown'] })).map((e) => e.opKey);
	} finally {
		await store.close();
	}

	let result;
	try {
		result = planResale({ listings, values: [...values.values()], accounts, recipients, rules, options, alreadyBought, floors });
	} catch (error) {
		if (error instanceof ValidationError && (error.field.startsWith('rules.') || error.field.startsWith('options.'))) throw parameterError(node, labelOf(error.field), error.reason);
		if (error instanceof ValidationError) throw parameterError(node, 'Input', `${error.field} ${error.reason}`);
		throw nodeError(node, error);
	}
	const accountById = new Map(accounts.map((a) => [a.id, a]));
	const pairedItem = (slug: string) => ({ item: itemOfSlug.get(slug) ?? 0 });
	const operations: INodeExecutionData[] = result.operations.map((op) => ({
		json: { ...op, kind: 'resale', accountLabel: accountById.get(op.accountId)?.label ?? null, accountBalance: accountById.get(op.accountId)?.balance ?? null } as unknown as IDataObject,
		pairedItem: pairedItem(op.slug),
	}));
	const skips: INodeExecutionData[] = result.skips.map((skip) => ({ json: { ...skip } as unknown as IDataObject, pairedItem: pairedItem(skip.slug) }));
	const accountSkips: INodeExecutionData[] = unavailable.map((a) => ({ json: { reason: 'account_unavailable', accountLabel: a.label, detail: a.detail }, pairedItem: { item: 0 } }));
	return [operations, [...skips, ...accountSkips]];
}
