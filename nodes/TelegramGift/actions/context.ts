/** What every Telegram Gift operation gets: the credential's accounts and error helpers. */
import type { IExecuteFunctions, INodeExecutionData, NodeOperationError } from 'n8n-workflow';

import type { OpenedAccounts } from '../../shared/openAccounts';
import { errorMessage, nodeError } from '../../shared/errors';

export interface GiftContext {
	accounts: OpenedAccounts;
	wrap(error: unknown, itemIndex?: number): NodeOperationError;
	/** The item a failed input becomes under Continue On Fail. */
	errorItem(error: unknown, itemIndex: number): INodeExecutionData;
}

export function createGiftContext(this: IExecuteFunctions, accounts: OpenedAccounts): GiftContext {
	return {
		accounts,
		wrap: (error, itemIndex) => nodeError(this.getNode(), error, { secrets: accounts.secrets, itemIndex }),
		errorItem: (error, itemIndex) => ({ json: { error: errorMessage(error, accounts.secrets) }, pairedItem: { item: itemIndex } }),
	};
}

export type GiftOperation = (this: IExecuteFunctions, context: GiftContext) => Promise<INodeExecutionData[]>;
