/** Gift → Get Catalog: the gifts Telegram sells now, one item per gift (runs once per execution). */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { GiftContext } from '../context';

export async function getCatalog(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const limitedOnly = this.getNodeParameter('limitedOnly', 0, false) as boolean;
	const includeSoldOut = this.getNodeParameter('includeSoldOut', 0, true) as boolean;
	const catalog = await context.accounts.withAccount(null, async (account) => await account.catalog(0));
	return catalog.gifts
		.filter((gift) => (!limitedOnly || gift.limited) && (includeSoldOut || !gift.soldOut))
		.map((gift) => ({ json: { ...gift }, pairedItem: { item: 0 } }));
}
