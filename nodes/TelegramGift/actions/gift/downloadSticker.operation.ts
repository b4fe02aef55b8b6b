/** Gift → Download Sticker: the gift's .tgs sticker as binary data (cached in the store). */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { getStore } from '../../../../src/store';
import { parameterError } from '../../../shared/errors';
import { giftIdParameter } from '../../../shared/parameters';
import type { GiftContext } from '../context';
import { stickerOf } from '../../../shared/stickers';

export async function downloadSticker(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const out: INodeExecutionData[] = [];
	const store = await getStore();
	try {
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				const giftId = giftIdParameter.call(this, itemIndex);
				const field = String(this.getNodeParameter('binaryPropertyName', itemIndex, 'sticker')).trim();
				if (field === '') throw parameterError(this.getNode(), 'Put Output File in Field', 'is empty', itemIndex);
				const sticker = await stickerOf(store, context.accounts, giftId);
				const binary = await this.helpers.prepareBinaryData(sticker.bytes, `gift-${giftId}.tgs`, sticker.mime);
				out.push({
					json: { giftId, mimeType: sticker.mime, size: sticker.bytes.length },
					binary: { [field]: binary },
					pairedItem: { item: itemIndex },
				});
			} catch (error) {
				if (!this.continueOnFail()) throw context.wrap(error, itemIndex);
				out.push(context.errorItem(error, itemIndex));
			}
		}
	} finally {
		await store.close();
	}
	return out;
}
