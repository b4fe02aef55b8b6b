/**
 * Creates and tears down MTProto clients configured the way this package needs them:
 * silent (no library output), FLOOD_WAIT surfaced to the caller (floodSleepThreshold 0), few
 * connection retries (so a dead server ends in an error instead of an endless reconnect loop),
 * TCPFull transport, and the data center to start at (`startDcFor`): production's or the test
 * servers' DC 2, or — for the sandbox or any self-hosted peer — an explicit host:port.
 *
 * Every other DC's address comes from the server's help.getConfig (the library asks when it follows
 * a migration or opens a file DC), so a client reaches all of a sandbox's DCs on their own ports.
 */
import type { Socket } from 'node:net';

import { Api, ConnectionTCPFull, Logger, LogLevel, PromisedNetSockets, StringSession, TelegramClient } from './gramjs';
import { DcSwitchRefused } from './errors';
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
	/**
	 * How often the library sends one request (default 1: an error comes back to the caller). A
	 * login client uses more, so the library follows PHONE_MIGRATE / NETWORK_MIGRATE itself and
	 * repeats the call at the right DC (its pending login lives on in the same client).
	 */
	requestRetries?: number;
}

/** Where a session is (the parts of a StringSession the start address depends on). */
export interface SessionAddress {
	dcId: number;
	serverAddress?: string;
	port?: number;
}

/**
 * Telegram's test servers: DC 2 at 149.154.167.40:443 (my.telegram.org lists it for test
 * accounts; core.telegram.org/api/auth#test-accounts). Production's DC 2 is the library's default.
 */
export const TEST_DC = { dcId: 2, host: '149.154.167.40', port: 443 } as const;
/** Production addresses by DC (the library's seed table; help.getConfig refines them). */
const PRODUCTION_HOSTS = new Set(['149.154.175.50', '149.154.167.51', '149.154.175.100', '149.154.167.91', '149.154.171.5']);
const TEST_HOSTS = new Set(['149.154.175.10', '149.154.167.40', '149.154.175.117']);

/**
 * The DC a new client starts at, or undefined to keep the session's own (or the library's default,
 * production DC 2, for an empty session). Throws when the session belongs to the other Telegram.
 * - `test`: an empty session starts at the test DC 2 (never production's).
 * - `custom`: a session of that host keeps its DC and port (a sandbox account may live on DC 1 or
 *   3, each on its own port; a client that followed a migration saved that DC); any other session
 *   starts at host:port as DC `session.dcId || 2`.
 */
export function startDcFor(server: TelegramServer, session: SessionAddress): { dcId: number; host: string; port: number } | undefined {
	const address = session.serverAddress;
	if (server.kind === 'custom') {
		if (address === server.host && session.port && session.dcId) return undefined;
		return { dcId: session.dcId || 2, host: server.host, port: server.port };
	}
	if (server.kind === 'test') {
		if (address && PRODUCTION_HOSTS.has(address)) throw new Error('session belongs to production Telegram, but server is "test" (sessions are not portable between them)');
		return address ? undefined : { ...TEST_DC };
	}
	if (address && TEST_HOSTS.has(address)) throw new Error('session belongs to Telegram\'s test servers, but server is "production" (sessions are not portable between them)');
	return undefined;
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
	const start = startDcFor(server, { dcId: stringSession.dcId, serverAddress: stringSession.serverAddress, port: stringSession.port });
	if (start) stringSession.setDC(start.dcId, start.host, start.port);
	const identity = clientIdentity(options.identity);
	const client = new TelegramClient(stringSession, apiId, apiHash, {
		connection: ConnectionTCPFull,
		networkSocket: NoDelayNetSocket,
		connectionRetries: options.connectionRetries ?? 2,
		reconnectRetries: options.connectionRetries ?? 2,
		retryDelay: 200,
		requestRetries: options.requestRetries ?? 1,
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

interface DcSwitcher {
	_switchDC(dc: number): Promise<unknown>;
	__heldSwitch?: (dc: number) => Promise<unknown>;
}

/**
 * A signed-in client's DC is this package's to change, never the library's: on USER_MIGRATE the
 * library would reconnect to the new DC with a fresh, unauthorized key (the signed-in one stays
 * behind) and the account would look logged out. Held, the library's attempt throws
 * DcSwitchRefused (mapped to MigrateError), and the account layer follows with `migrateSignedIn`.
 */
export function holdDc(client: TelegramClient): void {
	const switcher = client as unknown as DcSwitcher;
	if (switcher.__heldSwitch) return;
	const original = switcher._switchDC.bind(client);
	switcher.__heldSwitch = original;
	switcher._switchDC = (dc: number) => Promise.reject(new DcSwitchRefused(dc));
}

/**
 * Moves a signed-in client to DC `dc` keeping it signed in (core.telegram.org/api/datacenter):
 * auth.exportAuthorization at the current DC, a new auth key at the new one (the library's
 * switch), auth.importAuthorization there. The old DC's key stays with the session's archive.
 */
export async function migrateSignedIn(client: TelegramClient, dc: number): Promise<void> {
	const exported = await client.invoke(new Api.auth.ExportAuthorization({ dcId: dc }));
	const switcher = client as unknown as DcSwitcher;
	await (switcher.__heldSwitch ?? switcher._switchDC.bind(client))(dc);
	await client.invoke(new Api.auth.ImportAuthorization({ id: exported.id, bytes: exported.bytes }));
}
