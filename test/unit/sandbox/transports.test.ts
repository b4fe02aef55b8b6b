/**
 * MTProto TCP transports (core.telegram.org/mtproto/mtproto-transports) as the sandbox frames
 * them: recognition from the first bytes, framing both ways with packets split or packed in any
 * way, quick acks, padding, obfuscation. Independent clients (teleproto, mtcute) hold these codecs
 * to the wire in test/integration/sandbox/transports.test.ts.
 */
import { createDecipheriv, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
	ClientTransport,
	FramingError,
	ServerTransport,
	TRANSPORTS,
	transportLabel,
	unpaddedLength,
	type Frame,
	type TransportName,
} from '../../../src/sandbox/mtproto/transports';

/** An encrypted-looking MTProto payload: 8-byte key id (non-zero), 16-byte msg_key, whole AES blocks. */
function encryptedPayload(blocks: number): Buffer {
	const p = randomBytes(24 + blocks * 16);
	p[0] = 1;
	return p;
}

function feedInPieces<T>(stream: Buffer, cut: number, push: (chunk: Buffer) => T[]): T[] {
	const out: T[] = [];
	for (let i = 0; i < stream.length; i += cut) out.push(...push(stream.subarray(i, i + cut)));
	return out;
}

const payloadsOf = (frames: Frame[]): Buffer[] => frames.map((f) => ('payload' in f ? f.payload : Buffer.alloc(0)));

describe.each(TRANSPORTS.map((t) => [transportLabel(t), t] as [string, TransportName]))('%s', (_label, name) => {
	test('client → server: the server recognises the transport and frames packets split or packed in any way', () => {
		const payloads = [encryptedPayload(1), encryptedPayload(40), encryptedPayload(3)];
		for (const cut of [1, 3, 7, 64, 65, 1000]) {
			const client = new ClientTransport(name);
			const stream = Buffer.concat([client.opening, ...payloads.map((p) => client.encode(p))]);
			const server = new ServerTransport();
			const frames = feedInPieces(stream, cut, (c) => server.push(c));
			expect(server.name).toEqual(name);
			expect(frames.map((f) => f.payload)).toEqual(payloads);
			expect(frames.every((f) => !f.quickAck)).toBe(true);
		}
	});

	test('server → client: frames (and transport errors) come back through the same transport', () => {
		const payloads = [encryptedPayload(2), encryptedPayload(100)];
		for (const cut of [1, 5, 10_000]) {
			// A fresh pair per cut: obfuscated streams cannot be replayed.
			const client = new ClientTransport(name);
			const server = new ServerTransport();
			server.push(Buffer.concat([client.opening, client.encode(encryptedPayload(1))]));
			const stream = Buffer.concat([...payloads.map((p) => server.encode(p)), server.encodeError(-404)]);
			const got = payloadsOf(feedInPieces(stream, cut, (chunk) => client.push(chunk)));
			expect(got.slice(0, 2)).toEqual(payloads);
			expect(got[2].readInt32LE(0)).toBe(-404);
		}
	});

	if (name.kind !== 'full') {
		test('quick ack: the client flag reaches the server, and the token it sends back reaches the client', () => {
			const client = new ClientTransport(name);
			const server = new ServerTransport();
			const [frame] = server.push(Buffer.concat([client.opening, client.encode(encryptedPayload(2), true)]));
			expect(frame.quickAck).toBe(true);
			const token = 0x80000000 | 0x1234567;
			const frames = client.push(Buffer.concat([server.encodeQuickAck(token >>> 0), server.encode(encryptedPayload(1))]));
			expect(frames[0]).toEqual({ quickAckToken: token >>> 0 });
			expect('payload' in frames[1]).toBe(true);
		});
	}
});

describe('recognising the transport from the first bytes', () => {
	test('a full-transport first packet (sequence number 0 in bytes 4..8) is told apart from an obfuscation header', () => {
		const payload = encryptedPayload(1);
		const packet = Buffer.allocUnsafe(payload.length + 12);
		packet.writeInt32LE(packet.length, 0);
		packet.writeInt32LE(0, 4);
		payload.copy(packet, 8);
		packet.writeUInt32LE(crc32(packet.subarray(0, packet.length - 4)), packet.length - 4);
		const server = new ServerTransport();
		expect(server.push(packet.subarray(0, 7))).toEqual([]);
		expect(server.name).toBeUndefined(); // 7 bytes cannot decide it yet
		expect(server.push(packet.subarray(7)).map((f) => f.payload)).toEqual([payload]);
		expect(server.name).toEqual({ kind: 'full', obfuscated: false });
	});

	test('an obfuscation header waits for all 64 bytes, carries the tag inside and an optional DC id', () => {
		const client = new ClientTransport({ kind: 'intermediate', obfuscated: true }, { dcId: -2 });
		// The tag never appears in clear.
		expect(client.opening.readUInt32LE(56)).not.toBe(0xeeeeeeee);
		expect(client.opening[0]).not.toBe(0xef);
		expect(client.opening.readUInt32LE(4)).not.toBe(0);
		const server = new ServerTransport();
		expect(server.push(client.opening.subarray(0, 63))).toEqual([]);
		expect(server.name).toBeUndefined();
		server.push(client.opening.subarray(63));
		expect(server.name).toEqual({ kind: 'intermediate', obfuscated: true });
		expect(server.obfuscation).toEqual({ dcId: -2 });
	});

	test('the obfuscation header is AES-256-CTR with the key and IV at bytes 8..40 and 40..56', () => {
		const client = new ClientTransport({ kind: 'paddedIntermediate', obfuscated: true });
		const header = client.opening;
		const decipher = createDecipheriv('aes-256-ctr', header.subarray(8, 40), header.subarray(40, 56));
		const plain = decipher.update(header);
		expect(plain.readUInt32LE(56)).toBe(0xdddddddd);
	});

	test('HTTP and TLS openings, an unknown obfuscated tag and a bad full packet are refused', () => {
		expect(() => new ServerTransport().push(Buffer.from('POST /api HTTP/1.1\r\n'))).toThrow(/HTTP/);
		expect(() => new ServerTransport().push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(/HTTP/);
		expect(() => new ServerTransport().push(Buffer.from([0x16, 0x03, 0x01, 0x02, 0, 0, 0, 0]))).toThrow(/TLS/);
		const header = randomBytes(64);
		header[0] = 0x11;
		header.writeUInt32LE(1, 4);
		// Whatever decrypts at 56..60 here is not one of the three tags (overwhelmingly likely; checked).
		const decipher = createDecipheriv('aes-256-ctr', header.subarray(8, 40), header.subarray(40, 56));
		const tag = decipher.update(header).readUInt32LE(56);
		if (![0xefefefef, 0xeeeeeeee, 0xdddddddd].includes(tag)) {
			expect(() => new ServerTransport().push(header)).toThrow(/unknown transport/);
		}
		const bad = Buffer.alloc(16);
		bad.writeInt32LE(16, 0);
		expect(() => new ServerTransport().push(bad)).toThrow(FramingError);
	});

	test('full refuses a wrong checksum or sequence number; intermediate refuses an absurd length', () => {
		const client = new ClientTransport({ kind: 'full', obfuscated: false });
		const first = client.encode(encryptedPayload(1));
		const corrupt = Buffer.from(first);
		corrupt[10] ^= 1;
		expect(() => new ServerTransport().push(corrupt)).toThrow(/checksum/);
		const server = new ServerTransport();
		server.push(first);
		expect(() => server.push(first)).toThrow(/sequence 0, expected 1/);
		const huge = Buffer.from([0xee, 0xee, 0xee, 0xee, 0xff, 0xff, 0xff, 0x7f]);
		expect(() => new ServerTransport().push(huge)).toThrow(/length/);
	});
});

describe('padded intermediate', () => {
	test('random padding of 0..15 bytes is added and stripped', () => {
		const client = new ClientTransport({ kind: 'paddedIntermediate', obfuscated: false });
		const server = new ServerTransport();
		server.push(client.opening);
		const lengths = new Set<number>();
		for (let i = 0; i < 200; i++) {
			const payload = encryptedPayload(2);
			const framed = client.encode(payload);
			lengths.add(framed.length - 4 - payload.length);
			expect(server.push(framed).map((f) => f.payload)).toEqual([payload]);
		}
		expect(Math.min(...lengths)).toBe(0);
		expect(Math.max(...lengths)).toBe(15);
	});

	test('the MTProto length of a padded payload: unencrypted by its stated length, encrypted by whole blocks', () => {
		const plain = Buffer.alloc(20 + 40 + 7);
		plain.writeInt32LE(40, 16);
		expect(unpaddedLength(plain)).toBe(60);
		expect(unpaddedLength(Buffer.concat([encryptedPayload(3), randomBytes(15)]))).toBe(24 + 48);
		expect(unpaddedLength(Buffer.from([0x6c, 0xfe, 0xff, 0xff, 1, 2, 3]))).toBe(4);
	});
});
