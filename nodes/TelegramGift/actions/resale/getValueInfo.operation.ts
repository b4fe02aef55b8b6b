/**
 * Resale → Get Value Info: a collectible's value, and its collection's floor and average price
 * (payments.getUniqueStarGiftValueInfo), in Telegram's currency and converted to Stars.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { valueInfo } from '../../../../src/telegram';
import { parameterError } from '../../../shared/errors';
import { quoted } from '../../../shared/parameters';
import type { GiftContext } from '../context';

export const SLUG = /^[A-Za-z0-9_-]{1,64}$/;

export async function getValueInfo(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < Math.max(1, items.length); itemIndex++) {
		try {
			const slug = String(this.getNodeParameter('resaleSlug', itemIndex, '') ?? '').trim();
			if (!SLUG.test(slug)) throw parameterError(this.getNode(), 'Collectible Slug', `${quoted(slug)} is not a collectible slug (letters, digits, - and _)`, itemIndex);
			const info = await context.accounts.withAccount(null, (account) => valueInfo(account, slug));
			out.push({ json: info as unknown as IDataObject, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (!this.continueOnFail()) throw context.wrap(error, itemIndex);
			out.push(context.errorItem(error, itemIndex));
		}
	}
	return out;
}
