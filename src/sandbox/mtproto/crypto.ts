/**
 * MTProto 2.0 message encryption as seen from the server: messages from the client are keyed
 * with x = 0, messages to the client with x = 8 (core.telegram.org/mtproto/description).
 * AES-IGE is the client library's own.
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

/** Decrypts `auth_key_id | msg_key | encrypted` from the client; returns the plaintext (with padding). */
export function decryptFromClient(authKey: ServerAuthKey, packet: Buffer): Buffer {
	if (packet.length < 24 + 16 || (packet.length - 24) % 16 !== 0) throw new MessageCryptoError('bad encrypted packet size');
	const msgKey = packet.subarray(8, 24);
	const { key, iv } = deriveKeyIv(authKey.key, msgKey, 0);
	const plain = new IGE(key, iv).decryptIge(packet.subarray(24));
	const expected = sha256(authKey.key.subarray(88, 120), plain).subarray(8, 24);
	if (!expected.equals(msgKey)) throw new MessageCryptoError('msg_key mismatch');
	return plain;
}

/** Encrypts a server plaintext (salt | session_id | msg_id | seqno | length | body) for the client. */
export function encryptForClient(authKey: ServerAuthKey, plain: Buffer): Buffer {
	// 12..1024 bytes of padding, total a multiple of 16 (MTProto 2.0).
	const padLength = 12 + ((16 - ((plain.length + 12) % 16)) % 16);
	const padded = Buffer.concat([plain, randomBytes(padLength)]);
	const msgKey = sha256(authKey.key.subarray(96, 128), padded).subarray(8, 24);
	const { key, iv } = deriveKeyIv(authKey.key, msgKey, 8);
	return Buffer.concat([authKey.keyId, msgKey, new IGE(key, iv).encryptIge(padded)]);
}
