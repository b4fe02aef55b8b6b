/**
 * Resale → Buy Listing: each input item is one planned listing (Telegram Gift Plan → Plan
 * Listings) or the fields below; each is bought at most once through the one ledger
 * (src/telegram/resale.ts), its payment form checked against the max price before paying. A listing
 * sold to someone else first, or asking more than the max, is a result with its reason, never an
 * error that stops the other items; bad input names the field.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { formatPeer, parsePeer, resaleOpKeyOf, type ResaleOperation } from '../../../../src/core';
import { getStore } from '../../../../src/store';
import { executeResale, uniqueGift, type ResaleBuyResult } from '../../../../src/telegram';
import { parameterError } from '../../../shared/errors';
import { quoted } from '../../../shared/parameters';
import type { GiftContext } from '../context';
import { isToolCall } from '../gift/agentCaps';
import { SLUG } from './getValueInfo.operation';

type Prepared = { itemIndex: number; op: ResaleOperation } | { itemIndex: number; error: unknown };

export async function buyListing(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	// n8n offers the node to AI agents as a tool: Buy has an agent door with hard caps, this does not.
	if (isToolCall.call(this)) {
		throw parameterError(this.getNode(), 'Operation', 'Buy Listing is not available to AI agents: it spends Stars, and only Gift → Buy has the caps an agent must stay within. Use it in a workflow (Plan Listings → Buy Listing).');
	}
	const items = this.getInputData();
	const source = this.getNodeParameter('resaleSource', 0, 'plan') as string;
	const options = this.getNodeParameter('buyListingOptions', 0, {}) as IDataObject;
	const prepared: Prepared[] = source === 'fields' ? [await fromFields.call(this, context)] : items.map((item, itemIndex) => fromPlanItem(item.json, itemIndex));
	const invalid = prepared.find((p): p is { itemIndex: number; error: unknown } => 'error' in p);
	if (invalid && !this.continueOnFail()) throw context.wrap(invalid.error, invalid.itemIndex);
	const valid = prepared.filter((p): p is { itemIndex: number; op: ResaleOperation } => 'op' in p);
	const store = await getStore();
	try {
		const results = await executeResale(
			valid.map((p) => p.op),
			{ store, pool: context.accounts.pool, credentials: context.accounts.credentials, message: typeof options.message === 'string' && options.message !== '' ? options.message : undefined },
		);
		const out: Array<{ itemIndex: number; item: INodeExecutionData }> = [];
		for (const p of prepared) if ('error' in p) out.push({ itemIndex: p.itemIndex, item: context.errorItem(p.error, p.itemIndex) });
		valid.forEach((p, i) => out.push({ itemIndex: p.itemIndex, item: { json: resultJson(results[i], context), pairedItem: { item: p.itemIndex } } }));
		return out.sort((a, b) => a.itemIndex - b.itemIndex).map((o) => o.item);
	} finally {
		await store.close();
	}
}

function resultJson(r: ResaleBuyResult, context: GiftContext): IDataObject {
	return { ...r, kind: 'resale', error: r.error === null ? null : context.wrap(new Error(r.error)).message } as unknown as IDataObject;
}

const OP_FIELDS = ['opKey', 'accountId', 'recipient', 'slug', 'price'] as const;

function fromPlanItem(json: IDataObject, itemIndex: number): Prepared {
	for (const field of OP_FIELDS) {
		if (json[field] === undefined || json[field] === null || json[field] === '') {
			return { itemIndex, error: new Error(`item ${itemIndex}: ${field} is missing: is this item a listing operation from Telegram Gift Plan → Plan Listings?`) };
		}
	}
	const price = Number(json.price);
	const maxPrice = json.maxPrice === undefined || json.maxPrice === null ? price : Number(json.maxPrice);
	if (!Number.isSafeInteger(price) || price < 1 || !Number.isSafeInteger(maxPrice) || maxPrice < price) {
		return { itemIndex, error: new Error(`item ${itemIndex}: price ${String(json.price)} and maxPrice ${String(json.maxPrice)} must be whole Stars with maxPrice ≥ price`) };
	}
	const slug = String(json.slug);
	if (!SLUG.test(slug)) return { itemIndex, error: new Error(`item ${itemIndex}: slug ${quoted(slug)} is not a collectible slug`) };
	return {
		itemIndex,
		op: {
			opKey: String(json.opKey),
			accountId: String(json.accountId),
			recipient: String(json.recipient),
			slug,
			uniqueId: String(json.uniqueId ?? slug),
			giftId: String(json.giftId ?? ''),
			title: typeof json.title === 'string' ? json.title : null,
			num: typeof json.num === 'number' ? json.num : null,
			price,
			maxPrice,
			floorStars: typeof json.floorStars === 'number' ? json.floorStars : null,
			percentUnderFloor: typeof json.percentUnderFloor === 'number' ? json.percentUnderFloor : null,
		},
	};
}

async function fromFields(this: IExecuteFunctions, context: GiftContext): Promise<Prepared> {
	const node = this.getNode();
	const slug = String(this.getNodeParameter('buySlug', 0, '') ?? '').trim();
	if (!SLUG.test(slug)) throw parameterError(node, 'Collectible Slug', `${quoted(slug)} is not a collectible slug (letters, digits, - and _)`);
	const maxPrice = this.getNodeParameter('buyMaxPrice', 0, 0) as unknown;
	if (typeof maxPrice !== 'number' || !Number.isSafeInteger(maxPrice) || maxPrice < 1) throw parameterError(node, 'Max Price (Stars)', `${quoted(String(maxPrice))} is not a whole number of Stars above 0`);
	const recipientText = String(this.getNodeParameter('buyRecipient', 0, 'me') ?? '').trim();
	const peer = parsePeer(recipientText);
	if ('error' in peer) throw parameterError(node, 'Recipient', peer.error);
	const which = String(this.getNodeParameter('buyAccount', 0, '') ?? '').trim();
	const me = await context.accounts.withAccount(which === '' ? null : which, (account) => account.whoAmI()).catch((error: unknown) => {
		throw parameterError(node, 'Account', error instanceof Error ? error.message : String(error));
	});
	// The collectible's collection and title (for the ledger's report); an unknown slug is bad input.
	const gift = await context.accounts.withAccount(me.label, (account) => uniqueGift(account, slug)).catch((error: unknown) => {
		throw parameterError(node, 'Collectible Slug', error instanceof Error ? error.message : String(error));
	});
	return {
		itemIndex: 0,
		op: {
			opKey: resaleOpKeyOf('', slug),
			accountId: me.id,
			recipient: formatPeer(peer.ok),
			slug,
			uniqueId: gift.uniqueId,
			giftId: gift.giftId,
			title: gift.title,
			num: gift.num,
			price: Math.min(maxPrice, gift.listing?.priceStars ?? maxPrice),
			maxPrice,
			floorStars: null,
			percentUnderFloor: null,
		},
	};
}
