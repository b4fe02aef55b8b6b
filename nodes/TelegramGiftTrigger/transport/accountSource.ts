/** The poller's CatalogSource over the credential's pooled accounts. */
import { AuthInvalidError, type TelegramAccount } from '../../../src/telegram';
import type { OpenedAccounts } from '../../shared/openAccounts';
import type { CatalogAnswer, CatalogSource, FailureKind } from './catalogPoller';

export interface AccountCatalogSource extends CatalogSource {
	/** Connects every account (fails naming the first failing label). */
	open(): Promise<void>;
}

export function accountCatalogSource(accounts: OpenedAccounts): AccountCatalogSource {
	const held: TelegramAccount[] = [];
	return {
		labels: accounts.labels,
		open: async () => {
			held.length = 0;
			await accounts.whoAmIAll();
			for (const label of accounts.labels) {
				held.push(await accounts.withAccount(label, async (account) => account));
			}
		},
		fetch: async (slot: number, hash: number): Promise<CatalogAnswer> => {
			const result = await held[slot]!.catalog(hash);
			return { notModified: result.notModified, gifts: result.gifts, hash: result.hash };
		},
		blockedUntilMs: (slot: number) => {
			const account = held[slot];
			if (!account) return null;
			const parked = account.parkedUntilMs();
			const breaker = account.breakerRetryAtMs();
			if (parked === null && breaker === null) return null;
			return Math.max(parked ?? 0, breaker ?? 0);
		},
	};
}

export function classifyFailure(error: unknown): FailureKind {
	if (error instanceof AuthInvalidError) return 'auth';
	return (error as { cause?: unknown })?.cause instanceof AuthInvalidError ? 'auth' : 'transient';
}
