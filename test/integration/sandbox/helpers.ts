/** Shared set-up for sandbox wire tests: a scenario, a started sandbox, real teleproto clients. */
import { createTelegramClient, destroyClient } from '../../../src/telegram/connection';
import { Api, errors, returnBigInt, type TelegramClient } from '../../../src/telegram/gramjs';
import { silentLogger, startSandbox, type Sandbox, type StartSandboxOptions } from '../../../src/sandbox';

/** A 64-bit id or hash for the library's TL classes. */
export const big = (v: string | number | bigint): ReturnType<typeof returnBigInt> => returnBigInt(typeof v === 'bigint' ? v : BigInt(v));

/** The Telegram error name a call was refused with (fails the test when it was not refused). */
export async function rpcError(promise: Promise<unknown>): Promise<string> {
	const error = await promise.then(
		() => new Error('expected an RPC error'),
		(e: unknown) => e,
	);
	if (error instanceof errors.RPCError) return error.errorMessage;
	throw new Error(`expected an RPC error, got ${String(error)}`);
}

/** A channel as this account may address it: with the access hash its dialogs hand it (Telegram refuses 0). */
export async function channelPeer(client: TelegramClient, id: string): Promise<Api.InputPeerChannel> {
	const dialogs = await client.invoke(new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 100, hash: big(0) }));
	if (dialogs instanceof Api.messages.DialogsNotModified) throw new Error('expected dialogs');
	const channel = dialogs.chats.find((c) => c instanceof Api.Channel && String(c.id) === id) as Api.Channel | undefined;
	if (!channel?.accessHash) throw new Error(`channel ${id} is not in the account's dialogs`);
	return new Api.InputPeerChannel({ channelId: channel.id, accessHash: channel.accessHash });
}

export const inputChannel = (peer: Api.InputPeerChannel): Api.InputChannel => new Api.InputChannel({ channelId: peer.channelId, accessHash: peer.accessHash });

export const ALICE = '1000001';
export const BOB = '1000002';
export const CHANNEL = '2000000001';
export const CLOSED_CHANNEL = '2000000002';

export function baseScenario(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		seed: 7,
		accounts: [
			{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: false },
			{ id: BOB, label: 'Bob', username: 'bob', balance: 50, premium: true },
		],
		channels: [
			{ id: `-100${CHANNEL}`, title: 'Gifts', username: 'giftschan', acceptsGifts: true, members: [ALICE] },
			{ id: CLOSED_CHANNEL, title: 'Closed', acceptsGifts: false, members: [ALICE] },
		],
		gifts: [
			{ id: '5001', stars: 100, limited: true, total: 3, releaseAtMs: 0 },
			{ id: '5002', stars: 25, limited: false, releaseAtMs: 0 },
			{ id: '5003', stars: 10, limited: true, total: 10, releaseAtMs: 0, requirePremium: true },
			{ id: '5004', stars: 10, limited: true, total: 10, releaseAtMs: 0, perUserTotal: 1 },
		],
		...overrides,
	};
}

export interface Harness {
	sandbox: Sandbox;
	clients: TelegramClient[];
	connect(accountIndex?: number): Promise<TelegramClient>;
	close(): Promise<void>;
}

export async function harness(scenario: Record<string, unknown> = baseScenario(), options: StartSandboxOptions = {}): Promise<Harness> {
	const sandbox = await startSandbox(scenario, { logger: silentLogger(), ...options });
	const clients: TelegramClient[] = [];
	return {
		sandbox,
		clients,
		async connect(accountIndex = 0) {
			const { apiId, apiHash, server, accounts } = sandbox.credentials;
			const client = createTelegramClient({ apiId, apiHash, server, session: accounts[accountIndex].session });
			clients.push(client);
			await client.connect();
			return client;
		},
		async close() {
			await Promise.all(clients.map((c) => destroyClient(c)));
			await sandbox.stop();
		},
	};
}
