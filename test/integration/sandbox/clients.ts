/**
 * Other MTProto clients against the sandbox: the sandbox's probe (any transport, exact control of
 * every message) and mtcute (an independent implementation, with its defaults unless a test names
 * a transport).
 *
 * mtcute's session is built from the sandbox's own credentials: the account's StringSession holds
 * DC 2, 127.0.0.1, the port and the 256-byte auth key; mtcute's `importSession` takes exactly
 * those (`{authKey, primaryDcs}`). (mtcute reads gramjs/teleproto strings only through its separate
 * @mtcute/convert package, which is not a dependency here.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TelegramClient as MtcuteClient } from '@mtcute/node';
import { Api, StringSession, returnBigInt } from '../../../src/telegram/gramjs';
import { MtprotoProbe } from '../../../src/sandbox/mtproto/probe';
import type { TransportName } from '../../../src/sandbox/mtproto/transports';
import type { Sandbox, SandboxLogger } from '../../../src/sandbox';

export interface SessionParts {
	dcId: number;
	host: string;
	port: number;
	authKey: Buffer;
}

/** DC, address and auth key of a StringSession (what any other client needs to reuse it). */
export async function sessionParts(session: string, port: number): Promise<SessionParts> {
	const parsed = new StringSession(session);
	await parsed.load();
	return { dcId: parsed.dcId, host: parsed.serverAddress!, port, authKey: parsed.authKey!.getKey()! };
}

export async function openProbe(sandbox: Sandbox, transport: TransportName, accountIndex = 0, dcId?: number): Promise<MtprotoProbe> {
	const parts = await sessionParts(sandbox.credentials.accounts[accountIndex].session, sandbox.credentials.server.port);
	return await MtprotoProbe.open({ host: parts.host, port: parts.port, authKey: parts.authKey, transport, dcId });
}

/** What the sandbox pushes when a balance changes, as a room builds it (numbering is the sandbox's). */
export function balanceUpdate(amount: number): Api.Updates {
	return new Api.Updates({
		updates: [new Api.UpdateStarsBalance({ balance: new Api.StarsAmount({ amount: returnBigInt(amount), nanos: 0 }) })],
		users: [],
		chats: [],
		date: 0,
		seq: 0,
	});
}

/** A logger that keeps every line, for tests that assert what the sandbox said. */
export function collectingLogger(): SandboxLogger & { lines: string[] } {
	const lines: string[] = [];
	return {
		lines,
		info: (m) => lines.push(`info ${m}`),
		warn: (m) => lines.push(`warn ${m}`),
		error: (m) => lines.push(`error ${m}`),
	};
}

type MtcuteModule = typeof import('@mtcute/node');
let mtcuteModule: MtcuteModule | undefined;

/** @mtcute/node, loaded once without its CommonJS deprecation notice in the test output. */
export function mtcute(): MtcuteModule {
	if (!mtcuteModule) {
		const quiet = jest.spyOn(global.console, 'warn').mockImplementation(() => undefined);
		try {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			mtcuteModule = require('@mtcute/node') as MtcuteModule;
		} finally {
			quiet.mockRestore();
		}
	}
	return mtcuteModule;
}

export type MtcuteTransport = 'intermediate' | 'paddedIntermediate' | 'obfuscated intermediate' | 'obfuscated paddedIntermediate';

export interface MtcuteHarness {
	client: MtcuteClient;
	/** Every warning or error mtcute logged (protocol complaints show up here). */
	problems: string[];
	close(): Promise<void>;
}

/**
 * An mtcute client for one sandbox account: its defaults (SQLite storage in a temp dir, TCP with
 * the intermediate codec), or one of its other codecs.
 */
export async function mtcuteClient(sandbox: Sandbox, accountIndex = 0, transport: MtcuteTransport = 'intermediate'): Promise<MtcuteHarness> {
	const m = mtcute();
	const parts = await sessionParts(sandbox.credentials.accounts[accountIndex].session, sandbox.credentials.server.port);
	const dir = mkdtempSync(join(tmpdir(), 'mtcute-sandbox-'));
	const options: ConstructorParameters<MtcuteModule['TelegramClient']>[0] = {
		apiId: sandbox.credentials.apiId,
		apiHash: sandbox.credentials.apiHash,
		storage: join(dir, 'client.session'),
	};
	if (transport !== 'intermediate') {
		class ChosenCodecTransport extends m.TcpTransport {
			// mtcute's own codecs; TcpTransport's declared return type is narrower than what it accepts.
			override packetCodec(): ReturnType<InstanceType<MtcuteModule['TcpTransport']>['packetCodec']> {
				const inner = transport.endsWith('paddedIntermediate') ? new m.PaddedIntermediatePacketCodec() : new m.IntermediatePacketCodec();
				const codec = transport.startsWith('obfuscated') ? new m.ObfuscatedPacketCodec(inner) : inner;
				return codec as unknown as ReturnType<InstanceType<MtcuteModule['TcpTransport']>['packetCodec']>;
			}
		}
		options.transport = new ChosenCodecTransport();
	}
	const client = new m.TelegramClient(options);
	const problems: string[] = [];
	const mgr = (client.log as unknown as { mgr: { level: number; handler: (...args: unknown[]) => void } }).mgr;
	mgr.level = 2; // warnings and errors
	mgr.handler = (_color, level, tag, fmt, args) => problems.push(`${level === 1 ? 'error' : 'warn'} [${String(tag)}] ${String(fmt)} ${JSON.stringify(args, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
	const dc = { id: parts.dcId, ipAddress: parts.host, port: parts.port };
	await client.importSession({ authKey: parts.authKey, primaryDcs: { main: dc, media: dc }, self: null });
	return {
		client,
		problems,
		async close() {
			await client.destroy();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
