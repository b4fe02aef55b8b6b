/** Account → Get Info: id, username, Premium and star balance of every session in the credential. */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { GiftContext } from '../context';

export async function getInfo(this: IExecuteFunctions, context: GiftContext): Promise<INodeExecutionData[]> {
	const each = await context.accounts.balancesEach();
	const out: INodeExecutionData[] = [];
	for (const entry of each) {
		if (entry.info) {
			out.push({ json: { ...entry.info }, pairedItem: { item: 0 } });
			continue;
		}
		if (!this.continueOnFail()) throw context.wrap(entry.error);
		out.push({ json: { label: entry.label, error: context.wrap(entry.error).message }, pairedItem: { item: 0 } });
	}
	return out;
}
