/**
 * A one-DC MTProto 2.0 server over TCP (full transport) for the sandbox. It knows a set of
 * pre-shared auth keys (one per sandbox account, carried to the client in a StringSession, plus
 * login keys issued later and bound to an account when a login succeeds), so there is no DH
 * handshake. Service messages are handled here; every RPC request is handed to
 * `handle`, which answers with bytes, an RPC error, silence, or a dropped connection.
 *
 * TL (de)serialization uses the client library's own classes, so the wire format is exactly what
 * an unmodified client expects.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { Api, BinaryReader, returnBigInt } from '../../telegram/gramjs';
import { TcpFullDecoder, TcpFullEncoder } from './framing';
import { decryptFromClient, encryptForClient, makeAuthKey, type ServerAuthKey } from './crypto';
import type { SandboxLogger } from '../logger';

const CONTAINER_ID = 0x73f1f8dc;
const GZIP_PACKED_ID = 0x3072cfa1;
const MSGS_ACK_ID = 0x62d6b459;
const RPC_RESULT_ID = 0xf35c6d01;
const BAD_SALT_CODE = 48;

/** What a request handler decides. `drop` closes the connection without answering. */
export type RpcOutcome =
	| { kind: 'result'; bytes: Buffer }
	| { kind: 'error'; code: number; message: string }
	| { kind: 'noReply' }
	| { kind: 'drop' };

export interface RpcCall {
	/** TL method name as in the schema, e.g. `payments.getStarGifts`. */
	method: string;
	/** The deserialized request (with invokeWithLayer / initConnection wrappers removed). */
	request: Api.AnyRequest;
	/** The account the auth key is signed in as; undefined before a login completes. */
	accountId: string | undefined;
	/** The auth key's id (hex), stable across connections. */
	authKeyId: string;
	connectionId: number;
	/** The layer this connection's invokeWithLayer named (undefined: the client never said). */
	layer: number | undefined;
}

/** What a client said about itself in initConnection (the sandbox records it). */
export interface ClientIdentity {
	apiId: number;
	deviceModel: string;
	systemVersion: string;
	appVersion: string;
	systemLangCode: string;
	langPack: string;
	langCode: string;
	layer: number | undefined;
}

export interface ServerAccountKey {
	accountId: string | undefined;
	authKey: Buffer;
}

export interface MtprotoServerOptions {
	host: string;
	port: number;
	keys: ServerAccountKey[];
	handle: (call: RpcCall) => Promise<RpcOutcome>;
	logger: SandboxLogger;
	/** Called once per connection, when its first message identifies the account. */
	onAccountConnection?: (accountId: string) => void;
	/** Called for every accepted TCP connection. */
	onConnection?: () => void;
	/** Called when a connection's request carries initConnection (once per connection, usually). */
	onInitConnection?: (identity: ClientIdentity, accountId: string | undefined) => void;
}

/** `payments.GetStarGifts` → `payments.getStarGifts` (the schema's spelling, used in scenarios). */
export function methodName(className: string): string {
	const dot = className.lastIndexOf('.');
	const head = className.slice(0, dot + 1);
	const tail = className.slice(dot + 1);
	return head + tail.charAt(0).toLowerCase() + tail.slice(1);
}

/** Serializes a TL vector of already serialized items (`Vector<T>` results such as users.getUsers). */
export function vectorBytes(items: Buffer[]): Buffer {
	const head = Buffer.allocUnsafe(8);
	head.writeUInt32LE(0x1cb5c415, 0);
	head.writeInt32LE(items.length, 4);
	return Buffer.concat([head, ...items]);
}

let lastMsgId = 0n;
/** Server message ids: time-based, strictly increasing, ≡ 1 (mod 4) for responses, 3 otherwise. */
function nextServerMsgId(isResponse: boolean): bigint {
	const now = Date.now();
	let id = (BigInt(Math.floor(now / 1000)) << 32n) | (BigInt(now % 1000) << 22n);
	id = (id & ~3n) | (isResponse ? 1n : 3n);
	while (id <= lastMsgId) id += 4n;
	lastMsgId = id;
	return id;
}

function big(value: bigint): ReturnType<typeof returnBigInt> {
	return returnBigInt(value);
}

class ClientConnection {
	readonly id: number;
	private readonly decoder = new TcpFullDecoder();
	private readonly encoder = new TcpFullEncoder();
	private authKey?: ServerAuthKey;
	private authKeyId?: string;
	private sessionId?: Buffer;
	private salt?: Buffer;
	private seq = 0;
	private closed = false;
	private pingDisconnectTimer?: NodeJS.Timeout;
	private layer?: number;

	constructor(
		id: number,
		private readonly socket: Socket,
		private readonly server: MtprotoServer,
	) {
		this.id = id;
		socket.setNoDelay(true);
		socket.on('data', (chunk: Buffer) => this.onData(chunk));
		socket.on('error', () => this.close());
		socket.on('close', () => this.close());
	}

	/** Looked up on every use: a login binds the key while the connection is open. */
	get accountId(): string | undefined {
		return this.authKeyId === undefined ? undefined : this.server.accountOfKey(this.authKeyId);
	}

	get keyIdHex(): string | undefined {
		return this.authKeyId;
	}

	get isOpen(): boolean {
		return !this.closed;
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		if (this.pingDisconnectTimer) clearTimeout(this.pingDisconnectTimer);
		this.socket.destroy();
		this.server.forget(this);
	}

	private onData(chunk: Buffer): void {
		if (this.closed) return;
		let packets: Buffer[];
		try {
			packets = this.decoder.push(chunk);
		} catch (error) {
			this.server.logger.warn(`sandbox mtproto: closing connection ${this.id}: ${(error as Error).message}`);
			this.close();
			return;
		}
		for (const packet of packets) {
			if (this.closed) return;
			try {
				this.onPacket(packet);
			} catch (error) {
				this.server.logger.warn(`sandbox mtproto: closing connection ${this.id}: ${(error as Error).message}`);
				this.close();
				return;
			}
		}
	}

	private onPacket(packet: Buffer): void {
		if (packet.length < 8) throw new Error('packet too short');
		const keyId = packet.subarray(0, 8);
		if (!this.authKey) {
			const known = this.server.keyFor(keyId);
			if (!known) {
				// Telegram's answer to an unknown auth key: a bare -404 transport error.
				const code = Buffer.allocUnsafe(4);
				code.writeInt32LE(-404, 0);
				this.socket.write(this.encoder.encode(code));
				this.server.logger.warn(`sandbox mtproto: unknown auth key on connection ${this.id}`);
				this.socket.end();
				return;
			}
			this.authKey = known.authKey;
			this.authKeyId = keyId.toString('hex');
			if (known.accountId !== undefined) this.server.accountConnected(this);
		} else if (!keyId.equals(this.authKey.keyId)) {
			throw new Error('auth key changed within a connection');
		}
		const plain = decryptFromClient(this.authKey, packet);
		const salt = plain.subarray(0, 8);
		const sessionId = plain.subarray(8, 16);
		const msgId = plain.readBigInt64LE(16);
		const seqNo = plain.readInt32LE(24);
		const length = plain.readInt32LE(28);
		if (length < 4 || 32 + length > plain.length) throw new Error('bad message length');
		const body = plain.subarray(32, 32 + length);

		if (!this.sessionId || !this.sessionId.equals(sessionId)) {
			this.sessionId = Buffer.from(sessionId);
			this.salt = this.server.saltFor(this.authKeyId!);
			this.send(
				new Api.NewSessionCreated({
					firstMsgId: big(msgId),
					uniqueId: big(randomBytes(8).readBigInt64LE(0)),
					serverSalt: big(this.salt.readBigInt64LE(0)),
				}).getBytes(),
				false,
				false,
			);
		}
		if (!salt.equals(this.salt!)) {
			this.send(
				new Api.BadServerSalt({
					badMsgId: big(msgId),
					badMsgSeqno: seqNo,
					errorCode: BAD_SALT_CODE,
					newServerSalt: big(this.salt!.readBigInt64LE(0)),
				}).getBytes(),
				false,
				false,
			);
			return;
		}
		this.onMessage(msgId, body);
	}

	private onMessage(msgId: bigint, body: Buffer): void {
		const constructorId = body.readUInt32LE(0);
		if (constructorId === CONTAINER_ID) {
			const count = body.readInt32LE(4);
			let offset = 8;
			for (let i = 0; i < count; i++) {
				const innerId = body.readBigInt64LE(offset);
				const innerLength = body.readInt32LE(offset + 12);
				const innerBody = body.subarray(offset + 16, offset + 16 + innerLength);
				offset += 16 + innerLength;
				this.onMessage(innerId, innerBody);
			}
			return;
		}
		if (constructorId === GZIP_PACKED_ID) {
			const reader = new BinaryReader(body);
			reader.readInt(false);
			this.onMessage(msgId, gunzipSync(reader.tgReadBytes()));
			return;
		}
		if (constructorId === MSGS_ACK_ID) return;

		const obj: unknown = new BinaryReader(body).tgReadObject();
		if (obj instanceof Api.Ping || obj instanceof Api.PingDelayDisconnect) {
			if (obj instanceof Api.PingDelayDisconnect) this.armPingDisconnect(obj.disconnectDelay);
			this.send(new Api.Pong({ msgId: big(msgId), pingId: obj.pingId }).getBytes(), true, true);
			return;
		}
		if (!isRequest(obj)) return; // msgs_state_info and other client notices need no answer
		const { request, layer, init } = unwrap(obj);
		// The layer a client names holds for the connection (Telegram serialises answers in it).
		if (layer !== undefined) this.layer = layer;
		if (init) this.server.options.onInitConnection?.(identityOf(init, this.layer), this.accountId);
		this.dispatch(msgId, request);
	}

	private dispatch(msgId: bigint, request: Api.AnyRequest): void {
		const call: RpcCall = {
			method: methodName(request.className),
			request,
			accountId: this.accountId,
			authKeyId: this.authKeyId!,
			connectionId: this.id,
			layer: this.layer,
		};
		this.server.options.handle(call).then(
			(outcome) => this.answer(msgId, outcome),
			(error: unknown) => {
				this.server.logger.error(`sandbox mtproto: handler for ${call.method} failed: ${String(error)}`);
				this.answer(msgId, { kind: 'error', code: 500, message: 'INTERNAL' });
			},
		);
	}

	private answer(msgId: bigint, outcome: RpcOutcome): void {
		if (this.closed) return;
		if (outcome.kind === 'noReply') return;
		if (outcome.kind === 'drop') {
			this.close();
			return;
		}
		const result =
			outcome.kind === 'result'
				? outcome.bytes
				: new Api.RpcError({ errorCode: outcome.code, errorMessage: outcome.message }).getBytes();
		const head = Buffer.allocUnsafe(12);
		head.writeUInt32LE(RPC_RESULT_ID, 0);
		head.writeBigInt64LE(msgId, 4);
		this.send(Buffer.concat([head, result]), true, true);
	}

	private armPingDisconnect(delaySeconds: number): void {
		if (this.pingDisconnectTimer) clearTimeout(this.pingDisconnectTimer);
		if (delaySeconds <= 0) return;
		this.pingDisconnectTimer = setTimeout(() => this.close(), delaySeconds * 1000);
		this.pingDisconnectTimer.unref();
	}

	/** Pushes server-initiated content (updates) if this connection has a live session. */
	push(bytes: Buffer): boolean {
		if (this.closed || !this.sessionId) return false;
		this.send(bytes, true, false);
		return true;
	}

	dropNow(): void {
		this.close();
	}

	private send(body: Buffer, contentRelated: boolean, isResponse: boolean): void {
		if (this.closed || !this.authKey || !this.sessionId) return;
		const seqNo = contentRelated ? this.seq++ * 2 + 1 : this.seq * 2;
		const plain = Buffer.allocUnsafe(32 + body.length);
		this.salt!.copy(plain, 0);
		this.sessionId.copy(plain, 8);
		plain.writeBigInt64LE(nextServerMsgId(isResponse), 16);
		plain.writeInt32LE(seqNo, 24);
		plain.writeInt32LE(body.length, 28);
		body.copy(plain, 32);
		this.socket.write(this.encoder.encode(encryptForClient(this.authKey, plain)));
	}
}

function isRequest(obj: unknown): obj is Api.AnyRequest {
	return typeof obj === 'object' && obj !== null && (obj as { classType?: string }).classType === 'request';
}

/** Strips the wrappers a client puts around its first (or every) request, keeping the layer and initConnection it named. */
function unwrap(request: Api.AnyRequest): { request: Api.AnyRequest; layer?: number; init?: Api.InitConnection } {
	let current: unknown = request;
	let layer: number | undefined;
	let init: Api.InitConnection | undefined;
	for (;;) {
		if (current instanceof Api.InvokeWithLayer) layer = current.layer;
		if (current instanceof Api.InitConnection) init = current;
		if (
			current instanceof Api.InvokeWithLayer ||
			current instanceof Api.InitConnection ||
			current instanceof Api.InvokeAfterMsg ||
			current instanceof Api.InvokeAfterMsgs ||
			current instanceof Api.InvokeWithoutUpdates
		) {
			current = (current as { query: unknown }).query;
			continue;
		}
		return { request: current as Api.AnyRequest, layer, init };
	}
}

function identityOf(init: Api.InitConnection, layer: number | undefined): ClientIdentity {
	const { apiId, deviceModel, systemVersion, appVersion, systemLangCode, langPack, langCode } = init;
	return { apiId, deviceModel, systemVersion, appVersion, systemLangCode, langPack, langCode, layer };
}

export class MtprotoServer {
	readonly logger: SandboxLogger;
	private readonly keys = new Map<string, { accountId: string | undefined; authKey: ServerAuthKey }>();
	private readonly salts = new Map<string, Buffer>();
	private readonly connections = new Set<ClientConnection>();
	private netServer?: Server;
	private nextConnectionId = 1;
	private boundPort = 0;

	constructor(readonly options: MtprotoServerOptions) {
		this.logger = options.logger;
		for (const { accountId, authKey } of options.keys) this.addKey(authKey, accountId);
	}

	/** Registers an auth key (bound to an account, or not yet signed in); returns its id (hex). */
	addKey(authKey: Buffer, accountId?: string): string {
		const key = makeAuthKey(authKey);
		const id = key.keyId.toString('hex');
		this.keys.set(id, { accountId, authKey: key });
		this.salts.set(id, randomBytes(8));
		return id;
	}

	/** Signs a key in as an account (or out, with undefined). */
	bindKey(authKeyId: string, accountId: string | undefined): void {
		const entry = this.keys.get(authKeyId);
		if (entry) entry.accountId = accountId;
	}

	accountOfKey(authKeyId: string): string | undefined {
		return this.keys.get(authKeyId)?.accountId;
	}

	get port(): number {
		return this.boundPort;
	}

	async listen(): Promise<number> {
		const server = createServer((socket) => {
			this.options.onConnection?.();
			this.connections.add(new ClientConnection(this.nextConnectionId++, socket, this));
		});
		this.netServer = server;
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(this.options.port, this.options.host, () => {
				server.off('error', reject);
				resolve();
			});
		});
		const address = server.address();
		this.boundPort = typeof address === 'object' && address ? address.port : this.options.port;
		return this.boundPort;
	}

	keyFor(keyId: Buffer): { accountId: string | undefined; authKey: ServerAuthKey } | undefined {
		return this.keys.get(keyId.toString('hex'));
	}

	saltFor(authKeyId: string): Buffer {
		return this.salts.get(authKeyId)!;
	}

	accountConnected(connection: ClientConnection): void {
		this.options.onAccountConnection?.(connection.accountId!);
	}

	forget(connection: ClientConnection): void {
		this.connections.delete(connection);
	}

	/** Sends a serialized `Updates` object to every live connection of the account. */
	pushUpdates(accountId: string, updates: Api.TypeUpdates): number {
		const bytes = updates.getBytes();
		let delivered = 0;
		for (const c of this.connections) if (c.accountId === accountId && c.push(bytes)) delivered++;
		return delivered;
	}

	/** Sends a serialized `Updates` object to every live connection of one auth key. */
	pushToKey(authKeyId: string, updates: Api.TypeUpdates): number {
		const bytes = updates.getBytes();
		let delivered = 0;
		for (const c of this.connections) if (c.keyIdHex === authKeyId && c.push(bytes)) delivered++;
		return delivered;
	}

	/** Closes the TCP connections of one account (or all); clients reconnect on their own. */
	dropConnections(accountId?: string): number {
		let dropped = 0;
		for (const c of [...this.connections]) {
			if (accountId === undefined || c.accountId === accountId) {
				c.dropNow();
				dropped++;
			}
		}
		return dropped;
	}

	async close(): Promise<void> {
		this.dropConnections();
		const server = this.netServer;
		this.netServer = undefined;
		if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
	}
}
