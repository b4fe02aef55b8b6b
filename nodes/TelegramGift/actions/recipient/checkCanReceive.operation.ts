/** Recipient → Check Can Receive Gifts: whether a user or channel accepts gifts, and why not. */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { formatPeer, parsePeer } from '../../../../src/core';
import { parameterError } from '../../../shared/errors';
import type { GiftContext } from '../context';

export async function checkCanReceive(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const peer = parsePeer(this.getNodeParameter('recipient', itemIndex, ''));
			if ('error' in peer) throw parameterError(this.getNode(), 'Recipient', peer.error, itemIndex);
			const recipient = formatPeer(peer.ok);
			const account = String(this.getNodeParameter('account', itemIndex, '') ?? '').trim();
			const answer = await context.accounts.withAccount(account === '' ? null : account, async (a) => await a.canReceiveGifts(recipient));
			out.push({
				json: { recipient, canReceive: answer.ok, reason: answer.reason, detail: answer.detail },
				pairedItem: { item: itemIndex },
			});
		} catch (error) {
			if (!this.continueOnFail()) throw context.wrap(error, itemIndex);
			out.push(context.errorItem(error, itemIndex));
		}
	}
	return out;
}
