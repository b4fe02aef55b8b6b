/** What every Notify operation shares: the bot, the optional accounts, error wrapping. */
import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ChatResult } from '../../../src/bot';
import type { GiftStore } from '../../../src/store';
import type { AccountsSession } from '../../shared/accounts';
import { nodeError, parameterError } from '../../shared/errors';
import type { OpenedBot } from '../transport/bot';

export interface NotifyContext {
	bot: OpenedBot;
	/** The Telegram Gifts Account credential's accounts, when that optional credential is chosen. */
	accounts: AccountsSession | null;
	store: GiftStore;
	/** Chat ids of the accounts' private chats, when the item asks for them. */
	accountChats(itemIndex: number): Promise<string[]>;
	/** A failure as n8n shows it, without secrets. */
	wrap(error: unknown, itemIndex?: number): NodeOperationError;
	/** A rejected token fails every chat: that is a credential problem, not a per-chat one. */
	assertTokenAccepted(results: ChatResult[], itemIndex?: number): void;
}

export function createNotifyContext(
	this: IExecuteFunctions,
	bot: OpenedBot,
	accounts: AccountsSession | null,
	store: GiftStore,
): NotifyContext {
	const secrets = () => [...bot.secrets, ...(accounts?.secrets ?? [])];
	let accountIds: Promise<string[]> | undefined;
	return {
		bot,
		accounts,
		store,
		accountChats: async (itemIndex) => {
			if (!(this.getNodeParameter('accountChats', itemIndex, false) as boolean)) return [];
			if (!accounts) {
				throw parameterError(
					this.getNode(),
					"Send to Every Account's Own Chat",
					'needs the Telegram Gifts Account API credential (choose one in this node)',
					itemIndex,
				);
			}
			// Every account that answers gets the message; only if none does is it an error.
			accountIds ??= accounts.whoAmIEach().then((each) => {
				const ids = each.flatMap((e) => (e.info ? [e.info.id] : []));
				const failure = each.find((e) => e.error)?.error;
				if (ids.length === 0 && failure) throw failure;
				return ids;
			});
			return await accountIds;
		},
		wrap: (error, itemIndex) => nodeError(this.getNode(), error, { secrets: secrets(), itemIndex }),
		assertTokenAccepted: (results, itemIndex) => {
			if (results.length > 0 && results.every((r) => r.reason === 'unauthorized')) {
				throw new NodeOperationError(
					this.getNode(),
					'The Bot API rejected the bot token (401 Unauthorized): check the Telegram Gifts Bot API credential',
					{ itemIndex },
				);
			}
		},
	};
}
