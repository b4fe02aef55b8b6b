/** Runs an auction read with every account of the credential: one result per account, a failure as its own item. */
import type { AccountCredentials, TelegramAccount } from '../../../../src/telegram';
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
