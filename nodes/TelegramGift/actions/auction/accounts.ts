/** Runs an auction read with every account of the credential: one result per account, a failure as its own item. */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { AccountCredentials, TelegramAccount, WhoAmI } from '../../../../src/telegram';
import type { GiftContext } from '../context';

export async function eachAccount<T>(
	context: GiftContext,
	fn: (account: TelegramAccount, credential: AccountCredentials) => Promise<T>,
): Promise<Array<{ label: string; value: T | null; error: unknown }>> {
	return Promise.all(
		context.accounts.credentials.map(async (credential) => {
			let lease;
			try {
				lease = await context.accounts.pool.acquire(credential);
				return { label: credential.label, value: await fn(lease.account, credential), error: null };
			} catch (error) {
				return { label: credential.label, value: null, error };
			} finally {
				lease?.release();
			}
		}),
	);
}

/**
 * One read per account, its rows as items (each with the account's id and label); an account that
 * fails stops the node, or becomes an error item under Continue On Fail.
 */
export async function itemsPerAccount<T>(
	fn: IExecuteFunctions,
	context: GiftContext,
	read: (account: TelegramAccount) => Promise<T[]>,
	row: (value: T) => IDataObject,
): Promise<INodeExecutionData[]> {
	const each = await eachAccount(context, async (account) => ({ me: (await account.whoAmI()) as WhoAmI, rows: await read(account) }));
	const out: INodeExecutionData[] = [];
	for (const e of each) {
		if (!e.value) {
			if (!fn.continueOnFail()) throw context.wrap(e.error);
			out.push(context.errorItem(e.error, 0));
			continue;
		}
		for (const value of e.value.rows) out.push({ json: { accountId: e.value.me.id, accountLabel: e.label, ...row(value) }, pairedItem: { item: 0 } });
	}
	return out;
}
