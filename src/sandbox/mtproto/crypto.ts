/**
 * MTProto 2.0 message encryption (core.telegram.org/mtproto/description): messages from the
 * client are keyed with x = 0, messages from the server with x = 8. AES-IGE is the client
 * library's own.
 */
import { createHash, randomBytes } from 'node:crypto';

import { IGE } from '../../telegram/gramjs';

export interface ServerAuthKey {
	key: Buffer; // 256 bytes
	/** Low 64 bits of SHA1(key), as it appears on the wire (little-endian). */
	keyId: Buffer;
}

export function makeAuthKey(key: Buffer): ServerAuthKey {
	if (key.length !== 256) throw new Error('auth key must be 256 bytes');
	const hash = createHash('sha1').update(key).digest();
	return { key, keyId: Buffer.from(hash.subarray(12, 20)) };
}

function sha256(...parts: Buffer[]): Buffer {
	const h = createHash('sha256');
	for (const p of parts) h.update(p);
	return h.digest();
}

function deriveKeyIv(authKey: Buffer, msgKey: Buffer, x: number): { key: Buffer; iv: Buffer } {
	const a = sha256(msgKey, authKey.subarray(x, x + 36));
	const b = sha256(authKey.subarray(x + 40, x + 76), msgKey);
	const key = Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]);
	const iv = Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]);
	return { key, iv };
}

export class MessageCryptoError extends Error {}

/** Decrypts `auth_key_id | msg_key | encrypted` sent by the other side; returns the plaintext (with padding). */
function decryptMessage(authKey: ServerAuthKey, packet: Buffer, x: number): Buffer {
	if (packet.length < 24 + 16 || (packet.length - 24) % 16 !== 0) throw new MessageCryptoError('bad encrypted packet size');
	if (!packet.subarray(0, 8).equals(authKey.keyId)) throw new MessageCryptoError('packet for another auth key');
	const msgKey = packet.subarray(8, 24);
	const { key, iv } = deriveKeyIv(authKey.key, msgKey, x);
	const plain = new IGE(key, iv).decryptIge(packet.subarray(24));
	const expected = sha256(authKey.key.subarray(88 + x, 120 + x), plain).subarray(8, 24);
	if (!expected.equals(msgKey)) throw new MessageCryptoError('msg_key mismatch');
	return plain;
}

/** Encrypts a plaintext (salt | session_id | msg_id | seqno | length | body) with 12..27 bytes of padding. */
function encryptMessage(authKey: ServerAuthKey, plain: Buffer, x: number): Buffer {
	// 12..1024 bytes of padding, total a multiple of 16 (MTProto 2.0).
	const padLength = 12 + ((16 - ((plain.length + 12) % 16)) % 16);
	const padded = Buffer.concat([plain, randomBytes(padLength)]);
	const msgKey = sha256(authKey.key.subarray(88 + x, 120 + x), padded).subarray(8, 24);
	const { key, iv } = deriveKeyIv(authKey.key, msgKey, x);
	return Buffer.concat([authKey.keyId, msgKey, new IGE(key, iv).encryptIge(padded)]);
}

/** The server's side: client messages are keyed with x = 0, its own with x = 8. */
export function decryptFromClient(authKey: ServerAuthKey, packet: Buffer): Buffer {
	return decryptMessage(authKey, packet, 0);
}

export function encryptForClient(authKey: ServerAuthKey, plain: Buffer): Buffer {
	return encryptMessage(authKey, plain, 8);
}

/** The client's side, for the sandbox's probe client (probe.ts). */
export function encryptForServer(authKey: ServerAuthKey, plain: Buffer): Buffer {
	return encryptMessage(authKey, plain, 0);
}

export function decryptFromServer(authKey: ServerAuthKey, packet: Buffer): Buffer {
	return decryptMessage(authKey, packet, 8);
}

/**
 * The quick-ack token of a client message: the first 32 bits of the same SHA-256 whose middle
 * bits are msg_key, with the top bit set (core.telegram.org/mtproto/mtproto-transports#quick-ack).
 */
export function quickAckToken(authKey: ServerAuthKey, plain: Buffer): number {
	return (sha256(authKey.key.subarray(88, 120), plain).readUInt32LE(0) | 0x80000000) >>> 0;
}
