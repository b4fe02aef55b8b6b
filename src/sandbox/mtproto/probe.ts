/**
 * A minimal MTProto 2.0 client for probing the sandbox over any transport (transports.ts) with a
 * known auth key: it writes messages exactly as asked (msg_id, seqno, salt, quick-ack flag — right
 * or deliberately wrong) and keeps everything the server sends, decrypted and parsed with the client
 * library's TL classes. Tests drive service-message rules and the transports the package's own
 * client does not use with it; the transport bench measures round trips per transport with it.
 *
 * Not a general client: no DH exchange, no reconnects, no acks beyond what a test sends.
 */
import { createConnection, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Api, BinaryReader } from '../../telegram/gramjs';
import { ClientTransport, type TransportName } from './transports';
import { decryptFromClient, decryptFromServer, encryptForServer, makeAuthKey, type ServerAuthKey } from './crypto';

const CONTAINER_ID = 0x73f1f8dc;
const GZIP_PACKED_ID = 0x3072cfa1;
const RPC_RESULT_ID = 0xf35c6d01;
const FUTURE_SALTS_ID = 0xae500895;

/** One message from the server, parsed. Containers are flattened; rpc_result keeps its raw result. */
export type ProbeMessage =
	| { kind: 'rpcResult'; msgId: bigint; seqNo: number; reqMsgId: bigint; result: Buffer }
	| { kind: 'futureSalts'; msgId: bigint; seqNo: number; reqMsgId: bigint; now: number; salts: Array<{ validSince: number; validUntil: number; salt: bigint }> }
	| { kind: 'object'; msgId: bigint; seqNo: number; obj: unknown };

export interface ProbeOptions {
	host: string;
	port: number;
	/** The 256-byte auth key the server knows. */
	authKey: Buffer;
	transport: TransportName;
	/** DC id written into an obfuscation header. */
	dcId?: number;
}

export interface SendOptions {
	msgId?: bigint;
	seqNo?: number;
	/** Default true: API queries must be content-related. */
	contentRelated?: boolean;
	salt?: bigint;
	quickAck?: boolean;
}

export class ProbeRpcError extends Error {
	constructor(
		readonly code: number,
		readonly errorMessage: string,
	) {
		super(`${code} ${errorMessage}`);
	}
}

export class MtprotoProbe {
	readonly sessionId = randomBytes(8);
	salt = 0n;
	/** Added to the local clock when making msg_ids (a client whose clock is off). */
	clockOffsetMs = 0;
	readonly messages: ProbeMessage[] = [];
	readonly quickAcks: number[] = [];
	/** Transport error codes the server sent (e.g. -404). */
	readonly transportErrors: number[] = [];
	private readonly key: ServerAuthKey;
	private readonly transport: ClientTransport;
	private contentSent = 0;
	private lastMsgId = 0n;
	private readonly waiters = new Set<() => void>();
	private closedFlag = false;
	/** Resolves when the server (or the probe) closes the connection. */
	readonly closed: Promise<void>;

	private constructor(
		private readonly socket: Socket,
		options: ProbeOptions,
	) {
		this.key = makeAuthKey(options.authKey);
		this.transport = new ClientTransport(options.transport, { dcId: options.dcId });
		socket.setNoDelay(true);
		socket.on('data', (chunk: Buffer) => this.onData(chunk));
		this.closed = new Promise((resolve) => {
			socket.on('close', () => {
				this.closedFlag = true;
				this.wake();
				resolve();
			});
		});
		socket.on('error', () => undefined);
		socket.write(this.transport.opening);
	}

	static async open(options: ProbeOptions): Promise<MtprotoProbe> {
		const socket = createConnection({ host: options.host, port: options.port });
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', resolve);
			socket.once('error', reject);
		});
		return new MtprotoProbe(socket, options);
	}

	get isClosed(): boolean {
		return this.closedFlag;
	}

	/**
	 * A client msg_id: time-based (with the clock offset), divisible by 4, increasing — except when
	 * a test turns the clock back, which is the point of moving it.
	 */
	newMsgId(): bigint {
		const now = Date.now() + this.clockOffsetMs;
		let id = (BigInt(Math.floor(now / 1000)) << 32n) | (BigInt(Math.floor(now % 1000)) << 22n);
		if (id <= this.lastMsgId && this.lastMsgId - id < 1n << 32n) id = this.lastMsgId + 4n;
		this.lastMsgId = id;
		return id;
	}

	nextSeqNo(contentRelated: boolean): number {
		return contentRelated ? this.contentSent++ * 2 + 1 : this.contentSent * 2;
	}

	/** Writes one message; returns its msg_id, seqno and the plaintext it encrypted. */
	send(body: Buffer, options: SendOptions = {}): { msgId: bigint; seqNo: number; plain: Buffer } {
		const msgId = options.msgId ?? this.newMsgId();
		const seqNo = options.seqNo ?? this.nextSeqNo(options.contentRelated ?? true);
		const plain = Buffer.allocUnsafe(32 + body.length);
		plain.writeBigInt64LE(options.salt ?? this.salt, 0);
		this.sessionId.copy(plain, 8);
		plain.writeBigInt64LE(msgId, 16);
		plain.writeInt32LE(seqNo, 24);
		plain.writeInt32LE(body.length, 28);
		body.copy(plain, 32);
		const packet = encryptForServer(this.key, plain);
		this.socket.write(this.transport.encode(packet, options.quickAck ?? false));
		// The padded plaintext, as the server decrypts it (what a quick-ack token hashes).
		return { msgId, seqNo, plain: decryptFromClient(this.key, packet) };
	}

	/** Writes raw bytes as one transport frame (for malformed-payload tests). */
	sendFrame(payload: Buffer): void {
		this.socket.write(this.transport.encode(payload));
	}

	/** Waits until `pick` returns something for a received message (old ones included). */
	async waitFor<T>(pick: (m: ProbeMessage) => T | undefined, timeoutMs = 3000): Promise<T> {
		let seen = 0;
		return await new Promise<T>((resolve, reject) => {
			const check = (): void => {
				for (; seen < this.messages.length; seen++) {
					const got = pick(this.messages[seen]);
					if (got !== undefined) {
						done();
						resolve(got);
						return;
					}
				}
				if (this.closedFlag) {
					done();
					reject(new Error('probe: connection closed before the expected message'));
				}
			};
			const timer = setTimeout(() => {
				done();
				reject(new Error(`probe: no expected message within ${timeoutMs} ms`));
			}, timeoutMs);
			const done = (): void => {
				clearTimeout(timer);
				this.waiters.delete(check);
			};
			this.waiters.add(check);
			check();
		});
	}

	/** An object message of the given class answering (or about) `msgId`, e.g. pong or bad_msg_notification. */
	async waitForObject<T>(cls: new (...args: never[]) => T, match: (obj: T) => boolean = () => true, timeoutMs?: number): Promise<T> {
		return await this.waitFor((m) => (m.kind === 'object' && m.obj instanceof cls && match(m.obj) ? m.obj : undefined), timeoutMs);
	}

	/**
	 * Sends an API (or service) request and returns its parsed result, adopting the server salt and
	 * resending once when told the salt was bad, as clients do. Throws ProbeRpcError on rpc_error.
	 */
	async invoke<R extends { getBytes(): Buffer; __response: unknown }>(request: R, options: SendOptions = {}): Promise<R['__response']> {
		for (let attempt = 0; attempt < 3; attempt++) {
			const { msgId } = this.send(request.getBytes(), options);
			const answer = await this.waitFor((m) => {
				if (m.kind === 'rpcResult' && m.reqMsgId === msgId) return m;
				if (m.kind === 'object' && m.obj instanceof Api.BadServerSalt && BigInt(String(m.obj.badMsgId)) === msgId) return m;
				if (m.kind === 'object' && m.obj instanceof Api.BadMsgNotification && BigInt(String(m.obj.badMsgId)) === msgId) return m;
				return undefined;
			});
			if (answer.kind === 'rpcResult') {
				const reader = new BinaryReader(answer.result);
				if (answer.result.readUInt32LE(0) === Api.RpcError.CONSTRUCTOR_ID) {
					const error = reader.tgReadObject() as Api.RpcError;
					throw new ProbeRpcError(error.errorCode, error.errorMessage);
				}
				return (request as unknown as { readResult(reader: BinaryReader): R['__response'] }).readResult(reader);
			}
			if (answer.kind === 'object' && answer.obj instanceof Api.BadServerSalt) {
				this.salt = BigInt(String(answer.obj.newServerSalt));
				options = { ...options, salt: undefined, msgId: undefined, seqNo: undefined };
				continue;
			}
			throw new Error(`probe: bad_msg_notification ${(answer as { obj: Api.BadMsgNotification }).obj.errorCode}`);
		}
		throw new Error('probe: the server kept refusing the salt');
	}

	close(): void {
		this.socket.destroy();
	}

	private onData(chunk: Buffer): void {
		let frames;
		try {
			frames = this.transport.push(chunk);
		} catch {
			this.socket.destroy();
			return;
		}
		for (const frame of frames) {
			if ('quickAckToken' in frame) {
				this.quickAcks.push(frame.quickAckToken);
				continue;
			}
			if (frame.payload.length === 4) {
				this.transportErrors.push(frame.payload.readInt32LE(0));
				continue;
			}
			const plain = decryptFromServer(this.key, frame.payload);
			const msgId = plain.readBigInt64LE(16);
			const seqNo = plain.readInt32LE(24);
			const length = plain.readInt32LE(28);
			this.onMessage(msgId, seqNo, plain.subarray(32, 32 + length));
		}
		this.wake();
	}

	private onMessage(msgId: bigint, seqNo: number, body: Buffer): void {
		const id = body.readUInt32LE(0);
		if (id === CONTAINER_ID) {
			const count = body.readInt32LE(4);
			let offset = 8;
			for (let i = 0; i < count; i++) {
				const length = body.readInt32LE(offset + 12);
				this.onMessage(body.readBigInt64LE(offset), body.readInt32LE(offset + 8), body.subarray(offset + 16, offset + 16 + length));
				offset += 16 + length;
			}
			return;
		}
		if (id === GZIP_PACKED_ID) {
			const reader = new BinaryReader(body);
			reader.readInt(false);
			this.onMessage(msgId, seqNo, gunzipSync(reader.tgReadBytes()));
			return;
		}
		if (id === RPC_RESULT_ID) {
			let result = body.subarray(12);
			if (result.readUInt32LE(0) === GZIP_PACKED_ID) {
				const reader = new BinaryReader(result);
				reader.readInt(false);
				result = gunzipSync(reader.tgReadBytes());
			}
			this.messages.push({ kind: 'rpcResult', msgId, seqNo, reqMsgId: body.readBigInt64LE(4), result });
			return;
		}
		if (id === FUTURE_SALTS_ID) {
			// Bare vector of bare future_salt (the library's class expects boxed items).
			const count = body.readInt32LE(16);
			const salts = Array.from({ length: count }, (_, i) => ({
				validSince: body.readInt32LE(20 + i * 16),
				validUntil: body.readInt32LE(24 + i * 16),
				salt: body.readBigInt64LE(28 + i * 16),
			}));
			this.messages.push({ kind: 'futureSalts', msgId, seqNo, reqMsgId: body.readBigInt64LE(4), now: body.readInt32LE(12), salts });
			return;
		}
		const obj: unknown = new BinaryReader(body).tgReadObject();
		if (obj instanceof Api.NewSessionCreated) this.salt = BigInt(String(obj.serverSalt));
		this.messages.push({ kind: 'object', msgId, seqNo, obj });
	}

	private wake(): void {
		for (const w of [...this.waiters]) w();
	}
}
