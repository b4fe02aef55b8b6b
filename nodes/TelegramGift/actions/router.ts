import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { ACCOUNT_CREDENTIAL } from '../../shared/accountCredential';
import { nodeError } from '../../shared/errors';
import { openAccounts, type OpenedAccounts } from '../../shared/openAccounts';
import { getInfo } from './account/getInfo.operation';
import { getActive } from './auction/getActive.operation';
import { getState } from './auction/getState.operation';
import { getWon } from './auction/getWon.operation';
import { placeBid } from './auction/placeBid.operation';
import { createGiftContext, type GiftOperation } from './context';
import { buy } from './gift/buy.operation';
import { downloadSticker } from './gift/downloadSticker.operation';
import { getCatalog } from './gift/getCatalog.operation';
import { getManyPurchases } from './purchase/getMany.operation';
import { checkCanReceive } from './recipient/checkCanReceive.operation';
import { buyListing } from './resale/buyListing.operation';
import { getValueInfo } from './resale/getValueInfo.operation';
import { searchListingsOperation } from './resale/searchListings.operation';
import type { SessionOperation } from './session/loginSteps';
import { qrComplete } from './session/qrComplete.operation';
import { qrStart } from './session/qrStart.operation';
import { sendCode } from './session/sendCode.operation';
import { signIn } from './session/signIn.operation';

const operations: Record<string, Record<string, GiftOperation>> = {
	gift: { buy, getCatalog, downloadSticker },
	account: { getInfo },
	auction: { getState, placeBid, getActive, getWon },
	purchase: { getMany: getManyPurchases },
	recipient: { checkCanReceive },
	resale: { searchListings: searchListingsOperation, getValueInfo, buyListing },
};

/** Logging in makes the session a credential holds, so these run without the account credential. */
const sessionOperations: Record<string, SessionOperation> = { sendCode, signIn, qrStart, qrComplete };

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const login = resource === 'session' ? sessionOperations[operation] : undefined;
	if (login) return [await login.call(this)];
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
