import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ACCOUNT_CREDENTIAL } from '../../shared/accountCredential';
import { nodeError } from '../../shared/errors';
import { openAccounts, type OpenedAccounts } from '../../shared/openAccounts';
import { getInfo } from './account/getInfo.operation';
import { createGiftContext, type GiftOperation } from './context';
import { buy } from './gift/buy.operation';
import { downloadSticker } from './gift/downloadSticker.operation';
import { getCatalog } from './gift/getCatalog.operation';
import { checkCanReceive } from './recipient/checkCanReceive.operation';

const operations: Record<string, Record<string, GiftOperation>> = {
	gift: { buy, getCatalog, downloadSticker },
	account: { getInfo },
	recipient: { checkCanReceive },
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = operations[resource]?.[operation];
	if (!run) throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	let accounts: OpenedAccounts;
	try {
		accounts = openAccounts(await this.getCredentials(ACCOUNT_CREDENTIAL));
	} catch (error) {
		throw nodeError(this.getNode(), error);
	}
	try {
		return [await run.call(this, createGiftContext.call(this, accounts))];
	} catch (error) {
		throw nodeError(this.getNode(), error, { secrets: accounts.secrets });
	} finally {
		await accounts.release();
	}
}
