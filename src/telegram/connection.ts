/**
 * Creates and tears down MTProto clients configured the way this package needs them:
 * silent (no library output), FLOOD_WAIT surfaced to the caller (floodSleepThreshold 0), few
 * connection retries (so a dead server ends in an error instead of an endless reconnect loop),
 * TCPFull transport, and — for the sandbox or any self-hosted peer — an explicit host:port.
 *
 * Why a connection subclass for custom servers: the library's connect() ignores the session's
 * port (it hard-codes 80/443), so the only way to reach 127.0.0.1:<port> is a transport whose
 * constructor replaces the address it is given.
 */
import type { Socket } from 'node:net';

import { ConnectionTCPFull, Logger, LogLevel, PromisedNetSockets, StringSession, TelegramClient } from './gramjs';
import { clientIdentity, type ClientIdentity } from './identity';

export type TelegramServer =
	| { kind: 'production' }
	| { kind: 'test' }
	| { kind: 'custom'; host: string; port: number };

export interface CreateTelegramClientOptions {
	apiId: number;
	apiHash: string;
	/** A StringSession string (may be empty for a login flow). */
	session: string;
	server: TelegramServer;
	/** How often the library retries a (re)connection before giving up. Default 2. */
	connectionRetries?: number;
	/** What initConnection says about the client; unset fields use defaultClientIdentity() (src/telegram/identity.ts). */
	identity?: Partial<ClientIdentity>;
}

type ConnectionParams = ConstructorParameters<typeof ConnectionTCPFull>[0];

const connectionClasses = new Map<string, typeof ConnectionTCPFull>();

/** A TCPFull transport pinned to host:port (one class per address, reused across clients). */
export function connectionFor(host: string, port: number): typeof ConnectionTCPFull {
	const key = `${host}:${port}`;
	let cls = connectionClasses.get(key);
	if (!cls) {
		cls = class PinnedTcpFull extends ConnectionTCPFull {
			constructor(params: ConnectionParams) {
				super({ ...params, ip: host, port });
			}
		};
		connectionClasses.set(key, cls);
	}
	return cls;
}

/**
 * The library's TCP socket with Nagle's algorithm off. An account sends small requests while an
 * earlier one is unanswered (the buyer asks for the next copy's payment form while a payment is in
 * flight); with Nagle on, the second waits in the kernel until the first answer's ACK arrives, which
 * undoes the overlap.
 */
class NoDelayNetSocket extends PromisedNetSockets {
	override async connect(port: number, ip: string): Promise<unknown> {
		const connected = await super.connect(port, ip);
		(this as unknown as { client?: Socket }).client?.setNoDelay(true);
		return connected;
	}
}

/** A library logger that never writes anything. */
export function silentLogger(): Logger {
	return new Logger(LogLevel.NONE);
}

export function createTelegramClient(options: CreateTelegramClientOptions): TelegramClient {
	const { apiId, apiHash, session, server } = options;
	if (!Number.isInteger(apiId) || apiId <= 0) throw new Error('apiId must be a positive integer');
	if (typeof apiHash !== 'string' || apiHash.length === 0) throw new Error('apiHash must be a non-empty string');
	if (server.kind === 'custom') {
		if (typeof server.host !== 'string' || server.host.length === 0) throw new Error('server.host must be a non-empty string');
		if (!Number.isInteger(server.port) || server.port <= 0 || server.port > 65535) {
			throw new Error('server.port must be an integer between 1 and 65535');
		}
	}
	const stringSession = parseSession(session);
	if (!stringSession) throw new Error('session is not a valid session string');
	const identity = clientIdentity(options.identity);
	const client = new TelegramClient(stringSession, apiId, apiHash, {
		connection: server.kind === 'custom' ? connectionFor(server.host, server.port) : ConnectionTCPFull,
		networkSocket: NoDelayNetSocket,
		connectionRetries: options.connectionRetries ?? 2,
		reconnectRetries: options.connectionRetries ?? 2,
		retryDelay: 200,
		requestRetries: 1,
		floodSleepThreshold: 0,
		baseLogger: silentLogger(),
		testServers: server.kind === 'test',
		deviceModel: identity.deviceModel,
		systemVersion: identity.systemVersion,
		appVersion: identity.appVersion,
		langCode: identity.langCode,
		systemLangCode: identity.systemLangCode,
	});
	return client;
}

/** The library's own parse error may quote its input; a session string must never be echoed. */
function parseSession(session: string): StringSession | undefined {
	try {
		return new StringSession(session);
	} catch {
		return undefined;
	}
}

/**
 * Tears a client down so nothing keeps the process alive: destroy() stops the update loop and
 * every sender (disconnect() alone leaves the ping loop and reconnect timers running).
 * Never throws: teardown is called from finally blocks.
 */
export async function destroyClient(client: TelegramClient): Promise<void> {
	// A download borrows a second sender (even for the home DC) and arms a 30 s release timer.
	// The library's disconnect() means to close both but iterates its Maps with Object.values,
	// which sees nothing, then clears them: the borrowed connection stays open (and reconnects
	// later) and the timer keeps the process alive. Take them before destroy() and close them.
	const internals = client as unknown as {
		_exportedSenderReleaseTimeouts?: Map<number, NodeJS.Timeout>;
		_exportedSenderPromises?: Map<number, Promise<{ disconnect(): Promise<void> } | undefined>>;
	};
	const timers = internals._exportedSenderReleaseTimeouts instanceof Map ? [...internals._exportedSenderReleaseTimeouts.values()] : [];
	const borrowed = internals._exportedSenderPromises instanceof Map ? [...internals._exportedSenderPromises.values()] : [];
	for (const timer of timers) clearTimeout(timer);
	internals._exportedSenderReleaseTimeouts?.clear();
	try {
		await client.destroy();
	} catch {
		// Already closed or never connected: nothing left to release.
	}
	await Promise.all(
		borrowed.map(async (promise) => {
			const sender = await promise.catch(() => undefined);
			await sender?.disconnect().catch(() => undefined);
		}),
	);
}
