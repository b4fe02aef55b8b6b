/**
 * The nodes' view of the account credential's sessions, over the account layer (src/telegram):
 * leases on the process-wide client pool, so a trigger and every execution share one connection
 * per session. Every failure names the account's label, never its session.
 */
import type { TelegramAccount } from '../../src/telegram';

export interface AccountIdentity {
	label: string;
	/** Telegram user id, decimal string. */
	id: string;
	username: string | null;
	premium: boolean;
}

export interface AccountWithBalance extends AccountIdentity {
	balance: number;
}

export interface AccountsSession {
	/** Labels in credential order. */
	readonly labels: string[];
	/** Secrets of the credential, for redaction. */
	readonly secrets: string[];
	/** whoAmI of every session, in parallel; fails naming the first failing label. */
	whoAmIAll(): Promise<AccountIdentity[]>;
	/** Per session: its identity, or the error (one revoked session must not silence the others). */
	whoAmIEach(): Promise<Array<{ label: string; info: AccountIdentity | null; error: Error | null }>>;
	/** Identity, Premium and star balance of every session, in parallel; fails naming the label. */
	balancesAll(): Promise<AccountWithBalance[]>;
	/** Per session: its identity and balance, or the error (for Get Info with Continue On Fail). */
	balancesEach(): Promise<Array<{ label: string; info: AccountWithBalance | null; error: Error | null }>>;
	/**
	 * Runs `fn` with one account: by label or user id when `which` is given, else the first
	 * account that answers, in credential order (or the one with the most stars when `pick` is
	 * 'richest'). Only for reads: `fn` may run on a second account after the first failed.
	 */
	withAccount<T>(which: string | null, fn: (account: TelegramAccount) => Promise<T>, pick?: 'first' | 'richest'): Promise<T>;
	/** Gives the pooled clients back (they stay connected for the pool's idle period). */
	release(): Promise<void>;
}
