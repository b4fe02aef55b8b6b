/**
 * Every TCP transport Telegram documents, spoken to the sandbox over loopback: by the sandbox's
 * probe (all seven, with quick acks and transport errors), and by independent implementations —
 * teleproto's full (the package's own client, wire.test.ts), abridged and obfuscated abridged here,
 * mtcute's intermediate, padded intermediate and their obfuscated forms in mtcute.test.ts.
 */
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Api, ConnectionTCPAbridged, ConnectionTCPObfuscated, Logger, LogLevel, StringSession, TelegramClient } from '../../../src/telegram/gramjs';
import { MtprotoProbe } from '../../../src/sandbox/mtproto/probe';
import { quickAckToken, makeAuthKey } from '../../../src/sandbox/mtproto/crypto';
import { TRANSPORTS, transportLabel, type TransportName } from '../../../src/sandbox/mtproto/transports';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import { baseScenario } from './helpers';
import { collectingLogger, openProbe, sessionParts } from './clients';

let sandbox: Sandbox;
let log: ReturnType<typeof collectingLogger>;
const probes: MtprotoProbe[] = [];

beforeEach(async () => {
	log = collectingLogger();
	sandbox = await startSandbox(baseScenario(), { logger: log });
});

afterEach(async () => {
	for (const p of probes.splice(0)) p.close();
	await sandbox.stop();
});

async function probe(transport: TransportName, dcId?: number): Promise<MtprotoProbe> {
	const p = await openProbe(sandbox, transport, 0, dcId);
	probes.push(p);
	return p;
}

const starsStatus = (): Api.payments.GetStarsStatus => new Api.payments.GetStarsStatus({ peer: new Api.InputPeerSelf() });

describe.each(TRANSPORTS.map((t) => [transportLabel(t), t] as [string, TransportName]))('%s', (label, transport) => {
	test('a call goes through, recognised from the first bytes', async () => {
		const p = await probe(transport, 2);
		const status = await p.invoke(starsStatus());
		expect(Number((status.balance as Api.StarsAmount).amount)).toBe(1000);
		const more = await p.invoke(new Api.payments.GetStarGifts({ hash: 0 }));
		expect((more as Api.payments.StarGifts).gifts).toHaveLength(4);
		expect(sandbox.record().connections.byTransport).toEqual({ [label]: 1 });
	});

	test('an unknown auth key gets transport error -404 in the same framing', async () => {
		const p = await MtprotoProbe.open({ host: '127.0.0.1', port: sandbox.credentials.server.port, authKey: randomBytes(256), transport });
		probes.push(p);
		p.send(starsStatus().getBytes());
		await p.closed;
		expect(p.transportErrors).toEqual([-404]);
	});

	if (transport.kind !== 'full') {
		test('quick ack: the token of the message comes back before its answer', async () => {
			const p = await probe(transport);
			await p.invoke(starsStatus()); // settles the salt
			const { plain, msgId } = p.send(starsStatus().getBytes(), { quickAck: true });
			await p.waitFor((m) => (m.kind === 'rpcResult' && m.reqMsgId === msgId ? m : undefined));
			const parts = await sessionParts(sandbox.credentials.accounts[0].session, sandbox.credentials.server.port);
			expect(p.quickAcks).toEqual([quickAckToken(makeAuthKey(parts.authKey), plain)]);
			expect(p.quickAcks[0] >>> 31).toBe(1);
		});
	}
});

test('an obfuscation header may carry a DC id or none: on a direct connection Telegram only reads it through MTProxies', async () => {
	const p = await probe({ kind: 'intermediate', obfuscated: true }, -10002);
	await p.invoke(starsStatus());
	const q = await probe({ kind: 'abridged', obfuscated: true });
	await q.invoke(starsStatus());
});

test('an HTTP request on the MTProto port is refused and the connection closed', async () => {
	const socket = createConnection({ host: '127.0.0.1', port: sandbox.credentials.server.port });
	const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
	socket.on('error', () => undefined);
	socket.write('POST /api HTTP/1.1\r\nHost: x\r\n\r\n');
	await closed;
	expect(log.lines.some((l) => l.includes('HTTP transport is not served'))).toBe(true);
});

describe('teleproto over its other transports', () => {
	async function teleproto(base: typeof ConnectionTCPAbridged): Promise<TelegramClient> {
		const { apiId, apiHash, server, accounts } = sandbox.credentials;
		const Pinned = class extends base {
			constructor(params: ConstructorParameters<typeof ConnectionTCPAbridged>[0]) {
				super({ ...params, ip: server.host, port: server.port });
			}
		};
		const client = new TelegramClient(new StringSession(accounts[0].session), apiId, apiHash, {
			connection: Pinned,
			connectionRetries: 1,
			reconnectRetries: 1,
			requestRetries: 1,
			baseLogger: new Logger(LogLevel.NONE),
		});
		await client.connect();
		return client;
	}

	test.each<[string, typeof ConnectionTCPAbridged, string]>([
		['abridged', ConnectionTCPAbridged, 'abridged'],
		['obfuscated abridged', ConnectionTCPObfuscated, 'obfuscated abridged'],
	])('%s: connects, reads the catalog and its balance', async (_name, base, label) => {
		const client = await teleproto(base);
		try {
			const gifts = await client.invoke(new Api.payments.GetStarGifts({ hash: 0 }));
			expect((gifts as Api.payments.StarGifts).gifts).toHaveLength(4);
			const status = await client.invoke(starsStatus());
			expect(Number((status.balance as Api.StarsAmount).amount)).toBe(1000);
			expect(sandbox.record().connections.byTransport[label]).toBeGreaterThanOrEqual(1);
		} finally {
			await client.destroy();
		}
	});
});
