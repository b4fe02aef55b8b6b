/**
 * An MTProto 2.0 server over TCP for the sandbox, with one listening port per data center (the
 * world behind them is one). It speaks every TCP transport Telegram documents (transports.ts:
 * recognised from the first bytes of each connection). Auth keys belong to one DC each, as
 * Telegram's do: pre-shared ones (one per sandbox account, carried to the client in a
 * StringSession, plus login keys issued later and bound to an account when a login succeeds) and
 * keys clients create themselves with the DH key exchange (handshake.ts) when they follow a
 * migration or open a file DC. Service messages (ping, salts, message state, sessions, bad_msg_notification;
 * rules in session.ts) are handled here; every RPC request is handed to `handle`, which answers
 * with bytes, an RPC error, silence, or a dropped connection.
 *
 * TL (de)serialization uses the client library's own classes, so the wire format is exactly what
 * an unmodified client expects.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { Api, BinaryReader, returnBigInt } from '../../telegram/gramjs';
import { ServerTransport, type TransportName } from './transports';
import { decryptFromClient, encryptForClient, makeAuthKey, quickAckToken, type ServerAuthKey } from './crypto';
import { BadMsgCode, MAX_PENDING_PUSHES, SaltSchedule, SessionTable, badMsgMeaning, msgIdProblem, type Push, type ServerSession } from './session';
import { futureSaltsBytes } from './tlBytes';
import { DhHandshake, type SandboxRsaKey } from './handshake';
import { forLayer } from './layers';
import type { SandboxLogger } from '../logger';

const CONTAINER_ID = 0x73f1f8dc;
const GZIP_PACKED_ID = 0x3072cfa1;
const RPC_RESULT_ID = 0xf35c6d01;
/** A container carries at most 1024 messages (service_messages: "Simple Container"). */
const MAX_CONTAINER_MESSAGES = 1024;
const ZERO_KEY_ID = Buffer.alloc(8);

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
	/** The data center whose port the connection came in on. */
	dcId: number;
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
	/** The DC the key was made at (a key is known to that DC only). */
	dcId: number;
}

export interface MtprotoServerOptions {
	host: string;
	keys: ServerAccountKey[];
	/** The server's RSA key for the DH key exchange (without it, new auth keys are refused). */
	rsa?: SandboxRsaKey;
	/** Pushed updates go to an account's sessions on this DC only (not to its file-DC keys). */
	homeDcOf?: (accountId: string) => number | undefined;
	handle: (call: RpcCall) => Promise<RpcOutcome>;
	logger: SandboxLogger;
	/** Called once per connection, when its first message identifies the account. */
	/** A connection was identified as an account's; `open` counts that account's connections open now (this one included). */
	onAccountConnection?: (accountId: string, open: number) => void;
	/** Called for every accepted TCP connection. */
	onConnection?: () => void;
	/** Called when a connection's request carries initConnection (once per connection, usually). */
	onInitConnection?: (identity: ClientIdentity, accountId: string | undefined) => void;
	/** Called once per connection when its first bytes name the transport. */
	onTransport?: (name: TransportName) => void;
	/**
	 * The server's wall clock (Unix ms), by which it judges client msg_ids and server salts and
	 * writes its own msg_ids. Default Date.now; tests move it to put a client's clock off.
	 */
	clock?: () => number;
}

/** `payments.GetStarGifts` → `payments.getStarGifts` (the schema's spelling, used in scenarios). */
export function methodName(className: string): string {
	const dot = className.lastIndexOf('.');
	const head = className.slice(0, dot + 1);
	const tail = className.slice(dot + 1);
	return head + tail.charAt(0).toLowerCase() + tail.slice(1);
}

export { vectorBytes } from './tlBytes';

function big(value: bigint): ReturnType<typeof returnBigInt> {
	return returnBigInt(value);
}

/** The MTProto-level queries a client sends (service_messages); every other request is an API query. */
function isServiceQuery(obj: unknown): boolean {
	return (
		obj instanceof Api.Ping ||
		obj instanceof Api.PingDelayDisconnect ||
		obj instanceof Api.GetFutureSalts ||
		obj instanceof Api.DestroySession ||
		obj instanceof Api.RpcDropAnswer ||
		obj instanceof Api.DestroyAuthKey
	);
}

type Session = ServerSession<ClientConnection>;

class ClientConnection {
	readonly id: number;
	private readonly transport = new ServerTransport();
	private authKey?: ServerAuthKey;
	private authKeyId?: string;
	private closed = false;
	private pingDisconnectTimer?: NodeJS.Timeout;
	private handshake?: DhHandshake;

	constructor(
		id: number,
		private readonly socket: Socket,
		private readonly server: MtprotoServer,
		readonly dcId: number,
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
		let frames: Array<{ payload: Buffer; quickAck: boolean }>;
		const known = this.transport.name;
		try {
			frames = this.transport.push(chunk);
		} catch (error) {
			this.server.logger.warn(`sandbox mtproto: closing connection ${this.id}: ${(error as Error).message}`);
			this.close();
			return;
		}
		if (!known && this.transport.name) this.server.options.onTransport?.(this.transport.name);
		for (const frame of frames) {
			if (this.closed) return;
			try {
				this.onPacket(frame.payload, frame.quickAck);
			} catch (error) {
				this.server.logger.warn(`sandbox mtproto: closing connection ${this.id}: ${(error as Error).message}`);
				this.close();
				return;
			}
		}
	}

	private onPacket(packet: Buffer, quickAck: boolean): void {
		if (packet.length < 8) throw new Error('packet too short');
		const keyId = packet.subarray(0, 8);
		if (!this.authKey && keyId.equals(ZERO_KEY_ID)) {
			this.onPlain(packet);
			return;
		}
		if (!this.authKey) {
			const known = this.server.keyFor(keyId);
			if (!known || known.dcId !== this.dcId) {
				// Telegram's answer to an unknown auth key: a bare -404 transport error.
				this.socket.write(this.transport.encodeError(-404));
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
		// Received, decrypted and accepted for processing: that is what a quick ack confirms.
		if (quickAck) this.socket.write(this.transport.encodeQuickAck(quickAckToken(this.authKey, plain)));
		this.onEncrypted(plain);
	}

	/**
	 * An unencrypted message (auth_key_id 0): only the key exchange is allowed in one
	 * (core.telegram.org/mtproto/description, "Unencrypted Message"). The answer is unencrypted too.
	 */
	private onPlain(packet: Buffer): void {
		const rsa = this.server.options.rsa;
		if (packet.length < 20) throw new Error('unencrypted message too short');
		const length = packet.readInt32LE(16);
		if (length < 4 || 20 + length > packet.length) throw new Error('bad unencrypted message length');
		if (!rsa) {
			this.socket.write(this.transport.encodeError(-404));
			this.socket.end();
			return;
		}
		this.handshake ??= new DhHandshake({ rsa, dcId: this.dcId, now: () => this.server.now() });
		const { answer, authKey } = this.handshake.handle(packet.subarray(20, 20 + length));
		const head = Buffer.alloc(20);
		head.writeBigInt64LE(this.server.nextMsgId(true), 8);
		head.writeInt32LE(answer.length, 16);
		this.socket.write(this.transport.encode(Buffer.concat([head, answer])));
		if (authKey) {
			this.server.addKey(authKey, undefined, this.dcId);
			this.server.logger.info(`sandbox mtproto: DC ${this.dcId} made a new auth key on connection ${this.id}`);
		}
	}

	/** One decrypted client message: the checks Telegram makes before anything is processed (session.ts). */
	private onEncrypted(plain: Buffer): void {
		const salt = plain.readBigInt64LE(0);
		const sessionId = plain.subarray(8, 16);
		const msgId = plain.readBigInt64LE(16);
		const seqNo = plain.readInt32LE(24);
		const length = plain.readInt32LE(28);
		if (length < 4 || 32 + length > plain.length) throw new Error('bad message length');
		const body = plain.subarray(32, 32 + length);
		const keyId = this.authKeyId!;
		const now = this.server.now();
		const existing = this.server.sessions.get(keyId, sessionId);

		const timeProblem = msgIdProblem(msgId, now);
		if (timeProblem) {
			this.badMsg(existing, sessionId, msgId, seqNo, timeProblem);
			return;
		}
		const salts = this.server.saltsOf(keyId);
		if (!salts.accepts(salt, now)) {
			this.server.logger.info(`sandbox mtproto: bad_server_salt on connection ${this.id} (salt out of its window)`);
			this.sendIn(
				existing,
				sessionId,
				new Api.BadServerSalt({
					badMsgId: big(msgId),
					badMsgSeqno: seqNo,
					errorCode: BadMsgCode.BAD_SERVER_SALT,
					newServerSalt: big(salts.current(now)),
				}).getBytes(),
				false,
				true,
			);
			return;
		}
		let session = existing;
		if (!session) {
			session = this.server.sessions.create(keyId, sessionId);
			this.sendIn(
				session,
				sessionId,
				new Api.NewSessionCreated({
					firstMsgId: big(msgId),
					uniqueId: big(session.uniqueId),
					serverSalt: big(salts.current(now)),
				}).getBytes(),
				true,
				false,
			);
		}
		session.lastConnection = this;
		// Updates pushed while the session had no connection follow it to this one.
		for (const pushed of session.pendingPushes.splice(0)) this.push(session, pushed);
		this.onMessage(session, msgId, seqNo, body, undefined);
	}

	private badMsg(session: Session | undefined, sessionId: Buffer, msgId: bigint, seqNo: number, code: number): void {
		this.server.logger.info(`sandbox mtproto: bad_msg_notification ${code} on connection ${this.id}: ${badMsgMeaning(code)}`);
		this.sendIn(session, sessionId, new Api.BadMsgNotification({ badMsgId: big(msgId), badMsgSeqno: seqNo, errorCode: code }).getBytes(), false, true);
	}

	private onMessage(session: Session, msgId: bigint, seqNo: number, body: Buffer, containerMsgId: bigint | undefined): void {
		const sid = session.sessionId;
		if (containerMsgId !== undefined) {
			const timeProblem = msgIdProblem(msgId, this.server.now());
			if (timeProblem) {
				this.badMsg(session, sid, msgId, seqNo, timeProblem);
				return;
			}
		}
		const constructorId = body.length >= 4 ? body.readUInt32LE(0) : 0;
		const isContainer = constructorId === CONTAINER_ID;
		if (session.received.get(msgId)) {
			if (isContainer) this.badMsg(session, sid, msgId, seqNo, BadMsgCode.CONTAINER_MSG_ID_REUSED);
			// A message seen before is not processed twice (description: "Important Checks").
			else this.server.logger.info(`sandbox mtproto: ignored a repeated msg_id on connection ${this.id}`);
			return;
		}
		if (session.received.tooOldToVerify(msgId)) {
			this.badMsg(session, sid, msgId, seqNo, BadMsgCode.MSG_TOO_OLD_TO_VERIFY);
			return;
		}
		const seqProblem = session.received.seqNoProblem(msgId, seqNo);
		if (seqProblem) {
			this.badMsg(session, sid, msgId, seqNo, seqProblem);
			return;
		}
		if (isContainer) {
			const inner = containerMsgId === undefined ? parseContainer(body, msgId) : undefined;
			if (!inner) {
				this.badMsg(session, sid, msgId, seqNo, BadMsgCode.INVALID_CONTAINER);
				return;
			}
			if (seqNo & 1) {
				this.badMsg(session, sid, msgId, seqNo, BadMsgCode.EVEN_SEQNO_EXPECTED);
				return;
			}
			session.received.add(msgId, seqNo, false);
			for (const m of inner) this.onMessage(session, m.msgId, m.seqNo, m.body, msgId);
			return;
		}
		let content = body;
		if (constructorId === GZIP_PACKED_ID) {
			const reader = new BinaryReader(body);
			reader.readInt(false);
			content = gunzipSync(reader.tgReadBytes());
		}
		const obj: unknown = new BinaryReader(content).tgReadObject();
		const apiQuery = isRequest(obj) && !isServiceQuery(obj);
		const contentRelated = (seqNo & 1) === 1;
		if (apiQuery && !contentRelated) {
			this.badMsg(session, sid, msgId, seqNo, BadMsgCode.ODD_SEQNO_EXPECTED);
			return;
		}
		// msgs_ack marked content-related is accepted: the description says 34, but mtcute marks its
		// acks so and works against Telegram, which therefore does not refuse them (docs/sandbox.md).
		session.received.add(msgId, seqNo, apiQuery);
		this.onContent(session, msgId, obj);
	}

	/** Service messages are answered here; API queries go to the handler. */
	private onContent(session: Session, msgId: bigint, obj: unknown): void {
		const sid = session.sessionId;
		const now = this.server.now();
		if (obj instanceof Api.Ping || obj instanceof Api.PingDelayDisconnect) {
			if (obj instanceof Api.PingDelayDisconnect) this.armPingDisconnect(obj.disconnectDelay);
			this.sendIn(session, sid, new Api.Pong({ msgId: big(msgId), pingId: obj.pingId }).getBytes(), false, true);
			return;
		}
		if (obj instanceof Api.GetFutureSalts) {
			const salts = this.server.saltsOf(session.authKeyId).future(obj.num, now);
			this.sendIn(session, sid, futureSaltsBytes(msgId, Math.floor(now / 1000), salts), false, true);
			return;
		}
		if (obj instanceof Api.MsgsStateReq) {
			const info = obj.msgIds.map((id) => String.fromCharCode(session.received.state(BigInt(String(id)), now))).join('');
			this.sendIn(session, sid, new Api.MsgsStateInfo({ reqMsgId: big(msgId), info }).getBytes(), false, true);
			return;
		}
		if (obj instanceof Api.DestroySession) {
			const target = Buffer.allocUnsafe(8);
			target.writeBigInt64LE(BigInt(String(obj.sessionId)), 0);
			const destroyed = this.server.sessions.destroy(session.authKeyId, target);
			const answer = destroyed ? new Api.DestroySessionOk({ sessionId: obj.sessionId }) : new Api.DestroySessionNone({ sessionId: obj.sessionId });
			this.sendIn(session, sid, answer.getBytes(), false, true);
			return;
		}
		if (obj instanceof Api.MsgsAck) {
			for (const id of obj.msgIds) session.acknowledged(BigInt(String(id)));
			return;
		}
		if (obj instanceof Api.RpcDropAnswer) {
			const target = BigInt(String(obj.reqMsgId));
			const running = session.running.get(target);
			if (running) running.dropped = true;
			const answer = running ? new Api.RpcAnswerDroppedRunning() : new Api.RpcAnswerUnknown();
			this.sendResult(session, msgId, answer.getBytes());
			return;
		}
		if (!isRequest(obj)) return; // acks, msgs_state_info, http_wait and other client notices need no answer
		const { request, withoutUpdates, layer, init } = unwrap(obj);
		if (withoutUpdates) session.wantsUpdates = false;
		// The layer a client names holds for its session (Telegram serialises answers in it).
		if (layer !== undefined) session.layer = layer;
		if (init) this.server.options.onInitConnection?.(identityOf(init, session.layer), this.accountId);
		this.dispatch(session, msgId, request);
	}

	private dispatch(session: Session, msgId: bigint, request: Api.AnyRequest): void {
		const call: RpcCall = {
			method: methodName(request.className),
			request,
			accountId: this.accountId,
			authKeyId: this.authKeyId!,
			connectionId: this.id,
			dcId: this.dcId,
			layer: session.layer,
		};
		session.running.set(msgId, { dropped: false });
		this.server.options.handle(call).then(
			(outcome) => this.answer(session, msgId, outcome),
			(error: unknown) => {
				this.server.logger.error(`sandbox mtproto: handler for ${call.method} failed: ${String(error)}`);
				this.answer(session, msgId, { kind: 'error', code: 500, message: 'INTERNAL' });
			},
		);
	}

	private answer(session: Session, msgId: bigint, outcome: RpcOutcome): void {
		const running = session.running.get(msgId);
		session.running.delete(msgId);
		if (outcome.kind === 'noReply') return;
		if (outcome.kind === 'drop') {
			this.close();
			return;
		}
		const entry = session.received.get(msgId);
		if (entry) entry.answered = true;
		if (running?.dropped) {
			this.sendResult(session, msgId, new Api.RpcAnswerDroppedRunning().getBytes());
			return;
		}
		const result =
			outcome.kind === 'result'
				? forLayer(outcome.bytes, session.layer)
				: new Api.RpcError({ errorCode: outcome.code, errorMessage: outcome.message }).getBytes();
		this.sendResult(session, msgId, result);
	}

	private sendResult(session: Session, reqMsgId: bigint, result: Buffer): void {
		const head = Buffer.allocUnsafe(12);
		head.writeUInt32LE(RPC_RESULT_ID, 0);
		head.writeBigInt64LE(reqMsgId, 4);
		// A response goes back over the connection the query came on, or the session's newer one.
		const via = this.isOpen ? this : session.lastConnection;
		via?.sendIn(session, session.sessionId, Buffer.concat([head, result]), true, true);
	}

	private armPingDisconnect(delaySeconds: number): void {
		if (this.pingDisconnectTimer) clearTimeout(this.pingDisconnectTimer);
		if (delaySeconds <= 0) return;
		this.pingDisconnectTimer = setTimeout(() => {
			this.server.logger.info(`sandbox mtproto: closing connection ${this.id}: no ping_delay_disconnect within ${delaySeconds} s`);
			this.close();
		}, delaySeconds * 1000);
		this.pingDisconnectTimer.unref();
	}

	/** Pushes server-initiated content (updates) into a session carried by this connection. */
	push(session: Session, pushed: Push): boolean {
		if (this.closed) return false;
		const msgId = this.sendIn(session, session.sessionId, forLayer(pushed.bytes, session.layer), true, false);
		if (msgId !== undefined && pushed.onAck) session.awaitAck(msgId, pushed.onAck);
		return true;
	}

	dropNow(): void {
		this.close();
	}

	/** Encrypts and writes one server message in a session (or, before it exists, with its session_id); returns its msg_id. */
	sendIn(session: Session | undefined, sessionId: Buffer, body: Buffer, contentRelated: boolean, isResponse: boolean): bigint | undefined {
		if (this.closed || !this.authKey) return undefined;
		// A notice about a message that created no session: nothing content-related was sent in it yet.
		const seqNo = session ? session.nextSeqNo(contentRelated) : contentRelated ? 1 : 0;
		const now = this.server.now();
		const plain = Buffer.allocUnsafe(32 + body.length);
		plain.writeBigInt64LE(this.server.saltsOf(this.authKeyId!).current(now), 0);
		sessionId.copy(plain, 8);
		const msgId = this.server.nextMsgId(isResponse);
		plain.writeBigInt64LE(msgId, 16);
		plain.writeInt32LE(seqNo, 24);
		plain.writeInt32LE(body.length, 28);
		body.copy(plain, 32);
		this.socket.write(this.transport.encode(encryptForClient(this.authKey, plain)));
		return msgId;
	}
}

/** The messages of a msg_container, or undefined when it is malformed (bad_msg_notification 64). */
function parseContainer(body: Buffer, containerMsgId: bigint): Array<{ msgId: bigint; seqNo: number; body: Buffer }> | undefined {
	if (body.length < 8) return undefined;
	const count = body.readInt32LE(4);
	if (count < 0 || count > MAX_CONTAINER_MESSAGES) return undefined;
	const out: Array<{ msgId: bigint; seqNo: number; body: Buffer }> = [];
	let offset = 8;
	for (let i = 0; i < count; i++) {
		if (offset + 16 > body.length) return undefined;
		const msgId = body.readBigInt64LE(offset);
		const seqNo = body.readInt32LE(offset + 8);
		const length = body.readInt32LE(offset + 12);
		if (length < 4 || offset + 16 + length > body.length) return undefined;
		// Every message in a container has a lower msg_id than the container, and none is a container.
		if (msgId >= containerMsgId) return undefined;
		const inner = body.subarray(offset + 16, offset + 16 + length);
		if (inner.readUInt32LE(0) === CONTAINER_ID) return undefined;
		out.push({ msgId, seqNo, body: inner });
		offset += 16 + length;
	}
	return out;
}

function isRequest(obj: unknown): obj is Api.AnyRequest {
	return typeof obj === 'object' && obj !== null && (obj as { classType?: string }).classType === 'request';
}

/** Strips the wrappers a client puts around its first (or every) request, keeping what they said: the layer, initConnection, invokeWithoutUpdates. */
function unwrap(request: Api.AnyRequest): { request: Api.AnyRequest; withoutUpdates: boolean; layer?: number; init?: Api.InitConnection } {
	let current: unknown = request;
	let withoutUpdates = false;
	let layer: number | undefined;
	let init: Api.InitConnection | undefined;
	for (;;) {
		if (current instanceof Api.InvokeWithoutUpdates) withoutUpdates = true;
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
		return { request: current as Api.AnyRequest, withoutUpdates, layer, init };
	}
}

function identityOf(init: Api.InitConnection, layer: number | undefined): ClientIdentity {
	const { apiId, deviceModel, systemVersion, appVersion, systemLangCode, langPack, langCode } = init;
	return { apiId, deviceModel, systemVersion, appVersion, systemLangCode, langPack, langCode, layer };
}

export class MtprotoServer {
	readonly logger: SandboxLogger;
	private readonly keys = new Map<string, { accountId: string | undefined; authKey: ServerAuthKey; dcId: number }>();
	private readonly salts = new Map<string, SaltSchedule>();
	private readonly connections = new Set<ClientConnection>();
	readonly sessions = new SessionTable<ClientConnection>();
	private lastMsgId = 0n;
	private readonly netServers = new Map<number, Server>();
	private readonly ports = new Map<number, number>();
	private nextConnectionId = 1;

	constructor(readonly options: MtprotoServerOptions) {
		this.logger = options.logger;
		for (const { accountId, authKey, dcId } of options.keys) this.addKey(authKey, accountId, dcId);
	}

	/** Registers an auth key at a DC (bound to an account, or not yet signed in); returns its id (hex). */
	addKey(authKey: Buffer, accountId: string | undefined, dcId: number): string {
		const key = makeAuthKey(authKey);
		const id = key.keyId.toString('hex');
		this.keys.set(id, { accountId, authKey: key, dcId });
		this.salts.set(id, new SaltSchedule(randomBytes(16)));
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

	/** The port DC `dcId` listens on (0 before it listens). */
	portOf(dcId: number): number {
		return this.ports.get(dcId) ?? 0;
	}

	/** The DCs listening, with their ports, in ascending id order. */
	dcs(): Array<{ id: number; port: number }> {
		return [...this.ports].sort((a, b) => a[0] - b[0]).map(([id, port]) => ({ id, port }));
	}

	/** The DC an auth key belongs to. */
	dcOfKey(authKeyId: string): number | undefined {
		return this.keys.get(authKeyId)?.dcId;
	}

	/** Opens DC `dcId`'s port (0: any free port); resolves with the port bound. */
	async listen(dcId: number, port: number): Promise<number> {
		if (this.netServers.has(dcId)) throw new Error(`DC ${dcId} listens already`);
		const server = createServer((socket) => {
			this.options.onConnection?.();
			this.connections.add(new ClientConnection(this.nextConnectionId++, socket, this, dcId));
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, this.options.host, () => {
				server.off('error', reject);
				resolve();
			});
		});
		this.netServers.set(dcId, server);
		const address = server.address();
		const bound = typeof address === 'object' && address ? address.port : port;
		this.ports.set(dcId, bound);
		return bound;
	}

	keyFor(keyId: Buffer): { accountId: string | undefined; authKey: ServerAuthKey; dcId: number } | undefined {
		return this.keys.get(keyId.toString('hex'));
	}

	saltsOf(authKeyId: string): SaltSchedule {
		return this.salts.get(authKeyId)!;
	}

	/** The server's wall clock, Unix ms. */
	now(): number {
		return this.options.clock ? this.options.clock() : Date.now();
	}

	/** Server msg_ids: time-based, strictly increasing, ≡ 1 (mod 4) for responses, 3 otherwise. */
	nextMsgId(isResponse: boolean): bigint {
		const now = this.now();
		let id = (BigInt(Math.floor(now / 1000)) << 32n) | (BigInt(Math.floor(now % 1000)) << 22n);
		id = (id & ~3n) | (isResponse ? 1n : 3n);
		while (id <= this.lastMsgId) id += 4n;
		this.lastMsgId = id;
		return id;
	}

	accountConnected(connection: ClientConnection): void {
		const accountId = connection.accountId!;
		let open = 0;
		for (const c of this.connections) if (c.isOpen && c.accountId === accountId) open++;
		this.options.onAccountConnection?.(accountId, Math.max(1, open));
	}

	forget(connection: ClientConnection): void {
		this.connections.delete(connection);
	}

	/**
	 * Sends a serialized `Updates` object into every session of the account that takes updates,
	 * over the connection that last carried it ("the last active connection",
	 * core.telegram.org/api/updates), or holds it for the session's next connection.
	 * `acknowledged(authKeyId)` runs when a client acknowledges it (msgs_ack).
	 */
	pushUpdates(accountId: string, updates: Api.TypeUpdates, acknowledged?: (authKeyId: string) => void): void {
		const home = this.options.homeDcOf?.(accountId);
		this.pushWhere(
			(authKeyId) => this.accountOfKey(authKeyId) === accountId && (home === undefined || this.dcOfKey(authKeyId) === home),
			updates.getBytes(),
			acknowledged,
		);
	}

	/** The same for the sessions of one auth key (login updates before it is signed in). */
	pushToKey(authKeyId: string, updates: Api.TypeUpdates): void {
		this.pushWhere((id) => id === authKeyId, updates.getBytes());
	}

	private pushWhere(keyMatches: (authKeyId: string) => boolean, bytes: Buffer, acknowledged?: (authKeyId: string) => void): void {
		const forget: Session[] = [];
		for (const session of this.sessions.values()) {
			if (!session.wantsUpdates || !keyMatches(session.authKeyId)) continue;
			const pushed: Push = { bytes, onAck: acknowledged && (() => acknowledged(session.authKeyId)) };
			const via = session.lastConnection;
			if (via?.isOpen && via.push(session, pushed)) continue;
			if (session.pendingPushes.push(pushed) > MAX_PENDING_PUSHES) forget.push(session);
		}
		for (const session of forget) {
			this.sessions.destroy(session.authKeyId, session.sessionId);
			this.logger.info('sandbox mtproto: forgot a session that missed too many updates (its client will get new_session_created)');
		}
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
		const servers = [...this.netServers.values()];
		this.netServers.clear();
		await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
	}
}
