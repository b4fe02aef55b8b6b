/** AccountsSession over the account layer's shared client pool. */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { getSharedPool, type AccountCredentials, type AccountLease, type ClientPool, type TelegramAccount } from '../../src/telegram';
import { parseAccountCredential, profileSecrets, type AccountProfile } from './accountCredential';
import type { AccountIdentity, AccountsSession, AccountWithBalance } from './accounts';
import { errorMessage } from './errors';

/** An error about one account: its label first, the secrets removed. */
export class AccountFailure extends Error {
	override readonly name = 'AccountFailure';
	constructor(
		readonly label: string,
		cause: unknown,
		secrets: readonly string[],
	) {
		const text = errorMessage(cause, secrets);
		super(text.includes(label) ? text : `Account "${label}": ${text}`);
	}
}

export function accountCredentialsOf(profile: AccountProfile): AccountCredentials[] {
	return profile.sessions.map((s) => ({
		apiId: profile.apiId,
		apiHash: profile.apiHash,
		session: s.session,
		server: profile.server,
		label: s.label,
		identity: profile.identity,
	}));
}

export interface OpenedAccounts extends AccountsSession {
	readonly profile: AccountProfile;
	readonly credentials: AccountCredentials[];
	readonly pool: ClientPool;
}

export function openAccounts(data: ICredentialDataDecryptedObject, pool: ClientPool = getSharedPool()): OpenedAccounts {
	return openAccountsFromProfile(parseAccountCredential(data), pool);
}

export function openAccountsFromProfile(profile: AccountProfile, pool: ClientPool = getSharedPool()): OpenedAccounts {
	const credentials = accountCredentialsOf(profile);
	const secrets = profileSecrets(profile);
	const leases = new Map<string, Promise<AccountLease>>();
	let released = false;

	const lease = (credential: AccountCredentials): Promise<AccountLease> => {
		if (released) return Promise.reject(new Error('These accounts were already released'));
		let pending = leases.get(credential.label);
		if (!pending) {
			pending = pool.acquire(credential);
			leases.set(credential.label, pending);
			// A failed connect holds nothing; the next use tries again.
			pending.catch(() => leases.delete(credential.label));
		}
		return pending;
	};

	const settleEach = async <T>(fn: (account: TelegramAccount, label: string) => Promise<T>) =>
		await Promise.all(
			credentials.map(async (credential) => {
				try {
					const { account } = await lease(credential);
					return { label: credential.label, value: await fn(account, credential.label), error: null };
				} catch (error) {
					return { label: credential.label, value: null, error: new AccountFailure(credential.label, error, secrets) };
				}
			}),
		);

	const all = async <T>(fn: (account: TelegramAccount, label: string) => Promise<T>): Promise<T[]> => {
		const settled = await settleEach(fn);
		const failure = settled.find((s) => s.error);
		if (failure?.error) throw failure.error;
		return settled.map((s) => s.value as T);
	};

	const identity = async (account: TelegramAccount, label: string): Promise<AccountIdentity> => {
		const me = await account.whoAmI();
		return { label, id: me.id, username: me.username, premium: me.premium };
	};

	const withBalance = async (account: TelegramAccount, label: string): Promise<AccountWithBalance> => {
		const [me, balance] = await Promise.all([identity(account, label), account.balance()]);
		return { ...me, balance: balance.stars };
	};

	return {
		profile,
		credentials,
		pool,
		labels: credentials.map((c) => c.label),
		secrets,
		whoAmIAll: () => all(identity),
		whoAmIEach: async () => (await settleEach(identity)).map((s) => ({ label: s.label, info: s.value, error: s.error })),
		balancesAll: () => all(withBalance),
		balancesEach: async () =>
			(await settleEach(withBalance)).map((s) => ({ label: s.label, info: s.value, error: s.error })),
		withAccount: async (which, fn, pick = 'first') => {
			let credential: AccountCredentials | undefined;
			const wanted = which?.trim() ?? '';
			if (wanted !== '') {
				credential = credentials.find((c) => c.label === wanted);
				if (!credential) {
					const ids = await all(identity);
					const match = ids.find((me) => me.id === wanted || (me.username !== null && `@${me.username}` === wanted));
					credential = credentials.find((c) => c.label === match?.label);
				}
				if (!credential) {
					throw new Error(`No account "${wanted}" in the credential (accounts: ${credentials.map((c) => c.label).join(', ')})`);
				}
			} else if (pick === 'richest' && credentials.length > 1) {
				const balances = await all(withBalance);
				const richest = balances.reduce((best, next) => (next.balance > best.balance ? next : best));
				credential = credentials.find((c) => c.label === richest.label);
			} else {
				// A read that any account can answer: a flood-parked or revoked first account
				// must not fail it while the others are healthy.
				let firstFailure: AccountFailure | undefined;
				for (const candidate of credentials) {
					try {
						const { account } = await lease(candidate);
						return await fn(account);
					} catch (error) {
						firstFailure ??= new AccountFailure(candidate.label, error, secrets);
					}
				}
				throw firstFailure ?? new Error('The credential has no account');
			}
			try {
				const { account } = await lease(credential!);
				return await fn(account);
			} catch (error) {
				// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- no node here: callers wrap it in a NodeOperationError
				throw new AccountFailure(credential!.label, error, secrets);
			}
		},
		release: async () => {
			released = true;
			const held = [...leases.values()];
			leases.clear();
			await Promise.all(held.map((pending) => pending.then((l) => l.release()).catch(() => undefined)));
		},
	};
}
