/** Recipient → Check Can Receive Gifts: whether a user or channel accepts gifts, and why not. */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { formatPeer, parsePeer } from '../../../../src/core';
import { getStore } from '../../../../src/store';
import { parameterError } from '../../../shared/errors';
import type { PeerStore } from '../../../../src/telegram';
import type { GiftContext } from '../context';

export async function checkCanReceive(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const out: INodeExecutionData[] = [];
	// Access hashes found for recipients are kept, so the next check (or buy) looks nothing up again.
	const store = await getStore();
	try {
		await checkItems.call(this, context, items.length, store, out);
	} finally {
		await store.close();
	}
	return out;
}

async function checkItems(this: IExecuteFunctions, context: GiftContext, count: number, store: PeerStore, out: INodeExecutionData[]): Promise<void> {
	for (let itemIndex = 0; itemIndex < count; itemIndex++) {
		try {
			const peer = parsePeer(this.getNodeParameter('recipient', itemIndex, ''));
			if ('error' in peer) throw parameterError(this.getNode(), 'Recipient', peer.error, itemIndex);
			const recipient = formatPeer(peer.ok);
			const account = String(this.getNodeParameter('account', itemIndex, '') ?? '').trim();
			const answer = await context.accounts.withAccount(account === '' ? null : account, async (a) => await a.canReceiveGifts(recipient, undefined, { peers: store }));
			out.push({
				json: { recipient, canReceive: answer.ok, reason: answer.reason, detail: answer.detail },
				pairedItem: { item: itemIndex },
			});
		} catch (error) {
			if (!this.continueOnFail()) throw context.wrap(error, itemIndex);
			out.push(context.errorItem(error, itemIndex));
		}
	}
}
