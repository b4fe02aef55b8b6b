/**
 * MTProto TCP transports (core.telegram.org/mtproto/mtproto-transports): abridged, intermediate,
 * padded intermediate and full, each plain or inside the obfuscation layer (a 64-byte random
 * header, then AES-256-CTR both ways), plus quick acks and transport errors.
 *
 * The server recognises the transport from the first bytes of a connection as Telegram does:
 * `0xef` → abridged; `0xeeeeeeee` → intermediate; `0xdddddddd` → padded intermediate; bytes 4..8 all
 * zero → full (its first packet carries TCP sequence number 0 there, which is why an obfuscation
 * header may never have zeros in those bytes); anything else → a 64-byte obfuscation header whose
 * decrypted bytes 56..60 name the inner transport. HTTP and TLS openings are refused.
 *
 * The same codecs serve both ends (`decoding` says whose bytes are read), so the sandbox's probe
 * client (probe.ts) speaks every transport too; independent clients (teleproto, mtcute) are what
 * the tests hold these codecs to.
 */
import { createCipheriv, randomBytes, randomInt, type Cipher } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** Largest packet the sandbox accepts; real Telegram closes connections well before this. */
export const MAX_PACKET_BYTES = 16 * 1024 * 1024;

export class FramingError extends Error {}

export type TransportKind = 'abridged' | 'intermediate' | 'paddedIntermediate' | 'full';

export interface TransportName {
	kind: TransportKind;
	obfuscated: boolean;
}

/** Every transport the sandbox accepts. Full has no protocol tag, so it cannot be obfuscated. */
export const TRANSPORTS: readonly TransportName[] = [
	{ kind: 'abridged', obfuscated: false },
	{ kind: 'intermediate', obfuscated: false },
	{ kind: 'paddedIntermediate', obfuscated: false },
	{ kind: 'full', obfuscated: false },
	{ kind: 'abridged', obfuscated: true },
	{ kind: 'intermediate', obfuscated: true },
	{ kind: 'paddedIntermediate', obfuscated: true },
];

export function transportLabel(name: TransportName): string {
	return name.obfuscated ? `obfuscated ${name.kind}` : name.kind;
}

/** A decoded frame: an MTProto payload (with whether the sender asked for a quick ack), or a quick-ack token. */
export type Frame = { payload: Buffer; quickAck: boolean } | { quickAckToken: number };

/** Whose bytes a codec reads: the server decodes what the client sent, the probe client the reverse. */
type Sender = 'client' | 'server';

const ABRIDGED_TAG = 0xef;
const INTERMEDIATE_TAG = 0xeeeeeeee;
const PADDED_TAG = 0xdddddddd;
const QUICK_ACK_BIT = 0x80000000;
/** First ints that open an HTTP request ("HEAD", "POST", "GET ", "OPTI") or a TLS ClientHello. */
const HTTP_OPENINGS = new Set([0x44414548, 0x54534f50, 0x20544547, 0x4954504f]);
const TLS_OPENING = 0x02010316;

/** Bytes received and not yet framed; frames may be split across or packed into chunks in any way. */
class ByteQueue {
	private chunks: Buffer[] = [];
	length = 0;

	push(chunk: Buffer): void {
		if (chunk.length === 0) return;
		this.chunks.push(chunk);
		this.length += chunk.length;
	}

	/** The first `n` bytes as one buffer (merging chunks when needed); the caller checked `length`. */
	peek(n: number): Buffer {
		if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks)];
		return this.chunks[0];
	}

	take(n: number): Buffer {
		const head = this.peek(n);
		const out = head.subarray(0, n);
		const rest = head.subarray(n);
		if (rest.length > 0) this.chunks[0] = rest;
		else this.chunks.shift();
		this.length -= n;
		return out;
	}

	takeAll(): Buffer {
		const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
		this.chunks = [];
		this.length = 0;
		return all;
	}
}

function checkLength(length: number, what: string): void {
	if (length <= 0 || length > MAX_PACKET_BYTES) throw new FramingError(`bad ${what} packet length ${length}`);
}

/** Framing of one transport, for both directions. */
abstract class Codec {
	constructor(protected readonly decoding: Sender) {}
	/** The 4-byte protocol tag (what an obfuscation header carries at byte 56). */
	abstract readonly tag: number;
	/** Decodes one frame from the queue, or undefined when it is not complete yet. */
	abstract decode(queue: ByteQueue): Frame | undefined;
	abstract encode(payload: Buffer, quickAck?: boolean): Buffer;
	/** A quick-ack token as the server sends it. */
	abstract encodeQuickAck(token: number): Buffer;
}

class AbridgedCodec extends Codec {
	readonly tag = 0xefefefef;

	decode(queue: ByteQueue): Frame | undefined {
		if (queue.length < 1) return undefined;
		const first = queue.peek(1)[0];
		// From the server, a first byte with the high bit set starts a byte-swapped quick-ack token
		// (a normal length byte is at most 0x7f).
		if (this.decoding === 'server' && first & 0x80) {
			if (queue.length < 4) return undefined;
			return { quickAckToken: queue.take(4).readUInt32BE(0) };
		}
		const quickAck = (first & 0x80) !== 0;
		let words = first & 0x7f;
		let header = 1;
		if (words === 0x7f) {
			if (queue.length < 4) return undefined;
			words = queue.peek(4).readUIntLE(1, 3);
			header = 4;
		}
		checkLength(words * 4, 'abridged');
		if (queue.length < header + words * 4) return undefined;
		return { payload: queue.take(header + words * 4).subarray(header), quickAck };
	}

	encode(payload: Buffer, quickAck = false): Buffer {
		if (payload.length % 4 !== 0) throw new FramingError('abridged payloads are whole 4-byte words');
		const words = payload.length / 4;
		const flag = quickAck ? 0x80 : 0;
		if (words < 0x7f) return Buffer.concat([Buffer.from([words | flag]), payload]);
		const head = Buffer.allocUnsafe(4);
		head[0] = 0x7f | flag;
		head.writeUIntLE(words, 1, 3);
		return Buffer.concat([head, payload]);
	}

	encodeQuickAck(token: number): Buffer {
		const out = Buffer.allocUnsafe(4);
		out.writeUInt32BE(token >>> 0, 0);
		return out;
	}
}

class IntermediateCodec extends Codec {
	readonly tag: number = INTERMEDIATE_TAG;

	decode(queue: ByteQueue): Frame | undefined {
		if (queue.length < 4) return undefined;
		const field = queue.peek(4).readUInt32LE(0);
		if (field & QUICK_ACK_BIT) {
			// From the server this is a bare quick-ack token; from the client, a length asking for one.
			if (this.decoding === 'server') return { quickAckToken: queue.take(4).readUInt32LE(0) };
		}
		const length = field & ~QUICK_ACK_BIT;
		checkLength(length, 'intermediate');
		if (queue.length < 4 + length) return undefined;
		const payload = queue.take(4 + length).subarray(4);
		return this.frame(payload, (field & QUICK_ACK_BIT) !== 0);
	}

	protected frame(payload: Buffer, quickAck: boolean): Frame | undefined {
		return { payload, quickAck };
	}

	encode(payload: Buffer, quickAck = false): Buffer {
		const head = Buffer.allocUnsafe(4);
		head.writeUInt32LE((payload.length | (quickAck ? QUICK_ACK_BIT : 0)) >>> 0, 0);
		return Buffer.concat([head, payload]);
	}

	encodeQuickAck(token: number): Buffer {
		const out = Buffer.allocUnsafe(4);
		out.writeUInt32LE(token >>> 0, 0);
		return out;
	}
}

/**
 * The MTProto payload inside a padded frame. Padding (0–15 bytes) is not announced, so the length
 * comes from the payload itself: an unencrypted message states its data length; an encrypted
 * one is the 24-byte header plus whole 16-byte AES blocks; anything shorter is a 4-byte
 * transport error code.
 */
export function unpaddedLength(payload: Buffer): number {
	if (payload.length >= 20 && payload.readBigUInt64LE(0) === 0n) {
		const dataLength = payload.readInt32LE(16);
		if (dataLength >= 0 && 20 + dataLength <= payload.length) return 20 + dataLength;
	}
	if (payload.length >= 24) return 24 + Math.floor((payload.length - 24) / 16) * 16;
	return Math.min(4, payload.length);
}

class PaddedIntermediateCodec extends IntermediateCodec {
	override readonly tag = PADDED_TAG;

	protected override frame(payload: Buffer, quickAck: boolean): Frame | undefined {
		// From the server, a short frame opening with 0xffffffff carries a quick-ack token.
		if (this.decoding === 'server' && payload.length >= 8 && payload.length <= 16 && payload.readUInt32LE(0) === 0xffffffff) {
			return { quickAckToken: payload.readUInt32LE(4) };
		}
		return { payload: payload.subarray(0, unpaddedLength(payload)), quickAck };
	}

	override encode(payload: Buffer, quickAck = false): Buffer {
		return super.encode(Buffer.concat([payload, randomBytes(randomInt(0, 16))]), quickAck);
	}

	override encodeQuickAck(token: number): Buffer {
		const body = Buffer.alloc(8);
		body.writeUInt32LE(0xffffffff, 0);
		body.writeUInt32LE(token >>> 0, 4);
		return super.encode(Buffer.concat([body, randomBytes(randomInt(0, 9))]));
	}
}

class FullCodec extends Codec {
	readonly tag = 0;
	private receiveSeq = 0;
	private sendSeq = 0;

	decode(queue: ByteQueue): Frame | undefined {
		if (queue.length < 4) return undefined;
		const length = queue.peek(4).readInt32LE(0);
		if (length < 12 || length > MAX_PACKET_BYTES) throw new FramingError(`bad full packet length ${length}`);
		if (queue.length < length) return undefined;
		const packet = queue.take(length);
		const seq = packet.readInt32LE(4);
		if (crc32(packet.subarray(0, length - 4)) !== packet.readUInt32LE(length - 4)) throw new FramingError('bad full packet checksum');
		if (seq !== this.receiveSeq) throw new FramingError(`bad full packet sequence ${seq}, expected ${this.receiveSeq}`);
		this.receiveSeq++;
		return { payload: packet.subarray(8, length - 4), quickAck: false };
	}

	encode(payload: Buffer): Buffer {
		const length = payload.length + 12;
		const packet = Buffer.allocUnsafe(length);
		packet.writeInt32LE(length, 0);
		packet.writeInt32LE(this.sendSeq++, 4);
		payload.copy(packet, 8);
		packet.writeUInt32LE(crc32(packet.subarray(0, length - 4)), length - 4);
		return packet;
	}

	encodeQuickAck(): Buffer {
		throw new FramingError('the full transport has no quick acks');
	}
}

function codecFor(kind: TransportKind, decoding: Sender): Codec {
	switch (kind) {
		case 'abridged':
			return new AbridgedCodec(decoding);
		case 'intermediate':
			return new IntermediateCodec(decoding);
		case 'paddedIntermediate':
			return new PaddedIntermediateCodec(decoding);
		case 'full':
			return new FullCodec(decoding);
	}
}

function kindOfTag(tag: number): TransportKind | undefined {
	if (tag === 0xefefefef) return 'abridged';
	if (tag === INTERMEDIATE_TAG) return 'intermediate';
	if (tag === PADDED_TAG) return 'paddedIntermediate';
	return undefined;
}

function aesCtr(key: Buffer, iv: Buffer): Cipher {
	return createCipheriv('aes-256-ctr', key, iv);
}

/** The two AES-256-CTR streams of an obfuscation header: `forward` encrypts what its sender writes. */
function obfuscationCiphers(header: Buffer): { forward: Cipher; backward: Cipher } {
	const reversed = Buffer.from(header.subarray(8, 56)).reverse();
	return {
		forward: aesCtr(header.subarray(8, 40), header.subarray(40, 56)),
		backward: aesCtr(reversed.subarray(0, 32), reversed.subarray(32, 48)),
	};
}

/** One end of a transport once it is known: framing plus, when obfuscated, the two cipher streams. */
class Link {
	private readonly queue = new ByteQueue();

	constructor(
		readonly name: TransportName,
		private readonly codec: Codec,
		private readonly decrypt?: Cipher,
		private readonly encrypt?: Cipher,
	) {}

	feed(bytes: Buffer): Frame[] {
		this.queue.push(this.decrypt && bytes.length > 0 ? this.decrypt.update(bytes) : bytes);
		const frames: Frame[] = [];
		for (;;) {
			const frame = this.codec.decode(this.queue);
			if (!frame) return frames;
			frames.push(frame);
		}
	}

	seal(bytes: Buffer): Buffer {
		return this.encrypt ? this.encrypt.update(bytes) : bytes;
	}

	encode(payload: Buffer, quickAck?: boolean): Buffer {
		return this.seal(this.codec.encode(payload, quickAck));
	}

	encodeQuickAck(token: number): Buffer {
		return this.seal(this.codec.encodeQuickAck(token));
	}

	get pendingBytes(): number {
		return this.queue.length;
	}
}

/** What the server learned from an obfuscation header besides the transport. */
export interface ObfuscationInfo {
	/** The DC id field (bytes 60..62, signed): Telegram reads it only through MTProxies. */
	dcId: number;
}

/**
 * The server's end of one TCP connection: recognises the transport from the first bytes, then
 * frames packets both ways. Throws FramingError on anything Telegram would refuse.
 */
export class ServerTransport {
	private link?: Link;
	private readonly opening = new ByteQueue();
	obfuscation?: ObfuscationInfo;

	/** The transport, once the first bytes have named it. */
	get name(): TransportName | undefined {
		return this.link?.name;
	}

	/** Feeds bytes from the client; returns the frames they complete. */
	push(chunk: Buffer): Array<{ payload: Buffer; quickAck: boolean }> {
		if (!this.link) {
			this.opening.push(chunk);
			const rest = this.recognise();
			if (!rest) return [];
			chunk = rest;
		}
		const frames = this.link!.feed(chunk);
		for (const frame of frames) {
			if ('quickAckToken' in frame) throw new FramingError('a client sent a quick-ack token');
		}
		return frames as Array<{ payload: Buffer; quickAck: boolean }>;
	}

	/** Frames (and, when obfuscated, encrypts) a payload for the client. */
	encode(payload: Buffer): Buffer {
		if (!this.link) throw new FramingError('transport not recognised yet');
		return this.link.encode(payload);
	}

	encodeQuickAck(token: number): Buffer {
		if (!this.link) throw new FramingError('transport not recognised yet');
		return this.link.encodeQuickAck(token);
	}

	/** A transport error (e.g. -404) as the payload of one frame. */
	encodeError(code: number): Buffer {
		const body = Buffer.allocUnsafe(4);
		body.writeInt32LE(code, 0);
		return this.encode(body);
	}

	/** Decides the transport once enough bytes are in; returns the bytes after the opening. */
	private recognise(): Buffer | undefined {
		const q = this.opening;
		if (q.length < 1) return undefined;
		if (q.peek(1)[0] === ABRIDGED_TAG) return this.start({ kind: 'abridged', obfuscated: false }, 1);
		if (q.length < 4) return undefined;
		const first = q.peek(4).readUInt32LE(0);
		if (first === INTERMEDIATE_TAG) return this.start({ kind: 'intermediate', obfuscated: false }, 4);
		if (first === PADDED_TAG) return this.start({ kind: 'paddedIntermediate', obfuscated: false }, 4);
		if (HTTP_OPENINGS.has(first)) throw new FramingError('HTTP transport is not served by the sandbox (TCP transports only)');
		if (first === TLS_OPENING) throw new FramingError('TLS (fake-TLS MTProxy) transport is not served by the sandbox');
		if (q.length < 8) return undefined;
		if (q.peek(8).readUInt32LE(4) === 0) return this.start({ kind: 'full', obfuscated: false }, 0);
		if (q.length < 64) return undefined;
		const header = q.take(64);
		// The client encrypted the whole header with its forward stream; decrypting it leaves that
		// stream at byte 64, where the client's next bytes continue it.
		const { forward: decrypt, backward: encrypt } = obfuscationCiphers(header);
		const plain = decrypt.update(header);
		const tag = plain.readUInt32LE(56);
		const kind = kindOfTag(tag);
		if (!kind) throw new FramingError(`obfuscation header names an unknown transport (tag 0x${tag.toString(16).padStart(8, '0')})`);
		this.obfuscation = { dcId: plain.readInt16LE(60) };
		this.link = new Link({ kind, obfuscated: true }, codecFor(kind, 'client'), decrypt, encrypt);
		return q.takeAll();
	}

	private start(name: TransportName, tagBytes: number): Buffer {
		this.opening.take(tagBytes);
		this.link = new Link(name, codecFor(name.kind, 'client'));
		return this.opening.takeAll();
	}
}

export interface ClientTransportOptions {
	/** DC id for the obfuscation header (bytes 60..62); Telegram reads it only through MTProxies. */
	dcId?: number;
}

/** The client's end of a transport (the probe client's): the opening bytes, then frames both ways. */
export class ClientTransport {
	private readonly link: Link;
	/** What the client writes before its first packet: the tag, or the 64-byte obfuscation header. */
	readonly opening: Buffer;

	constructor(
		readonly name: TransportName,
		options: ClientTransportOptions = {},
	) {
		if (name.kind === 'full' && name.obfuscated) throw new FramingError('the full transport has no tag to obfuscate');
		const codec = codecFor(name.kind, 'server');
		if (!name.obfuscated) {
			this.link = new Link(name, codec);
			this.opening = plainTag(name.kind);
			return;
		}
		const header = obfuscationHeader();
		header.writeUInt32LE(codec.tag >>> 0, 56);
		header.writeInt16LE(options.dcId ?? 0, 60);
		const { forward: encrypt, backward: decrypt } = obfuscationCiphers(header);
		const sealed = encrypt.update(header);
		this.opening = Buffer.concat([header.subarray(0, 56), sealed.subarray(56, 64)]);
		this.link = new Link(name, codec, decrypt, encrypt);
	}

	encode(payload: Buffer, quickAck = false): Buffer {
		return this.link.encode(payload, quickAck);
	}

	push(chunk: Buffer): Frame[] {
		return this.link.feed(chunk);
	}
}

function plainTag(kind: TransportKind): Buffer {
	switch (kind) {
		case 'abridged':
			return Buffer.from([ABRIDGED_TAG]);
		case 'intermediate':
			return Buffer.from([0xee, 0xee, 0xee, 0xee]);
		case 'paddedIntermediate':
			return Buffer.from([0xdd, 0xdd, 0xdd, 0xdd]);
		case 'full':
			return Buffer.alloc(0);
	}
}

/** 64 random bytes that cannot be mistaken for any other opening (the rules Telegram documents). */
function obfuscationHeader(): Buffer {
	for (;;) {
		const header = randomBytes(64);
		const first = header.readUInt32LE(0);
		if (header[0] === ABRIDGED_TAG) continue;
		if (first === INTERMEDIATE_TAG || first === PADDED_TAG || first === TLS_OPENING || HTTP_OPENINGS.has(first)) continue;
		if (header.readUInt32LE(4) === 0) continue;
		return header;
	}
}
