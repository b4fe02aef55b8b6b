/**
 * MTProto 2.0 message encryption as seen from the server: messages from the client are keyed
 * with x = 0, messages to the client with x = 8 (core.telegram.org/mtproto/description).
 *
 * AES-IGE is done here with one AES-256-ECB cipher per message instead of the library's IGE
 * class (which builds a cipher per 16-byte block); a unit test checks both agree byte for byte.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, type Cipher, type Decipher } from 'node:crypto';

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

function xor16(out: Buffer, outOff: number, a: Buffer, aOff: number, b: Buffer, bOff: number): void {
	for (let i = 0; i < 16; i++) out[outOff + i] = a[aOff + i] ^ b[bOff + i];
}

export function igeEncrypt(plain: Buffer, key: Buffer, iv: Buffer): Buffer {
	if (plain.length % 16 !== 0) throw new Error('IGE input must be a multiple of 16 bytes');
	const cipher: Cipher = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
	const out = Buffer.allocUnsafe(plain.length);
	const tmp = Buffer.allocUnsafe(16);
	let prevCipher = iv.subarray(0, 16);
	let prevPlain = iv.subarray(16, 32);
	for (let off = 0; off < plain.length; off += 16) {
		xor16(tmp, 0, plain, off, prevCipher, 0);
		const enc = cipher.update(tmp);
		xor16(out, off, enc, 0, prevPlain, 0);
		prevCipher = out.subarray(off, off + 16);
		prevPlain = plain.subarray(off, off + 16);
	}
	return out;
}

export function igeDecrypt(data: Buffer, key: Buffer, iv: Buffer): Buffer {
	if (data.length % 16 !== 0) throw new Error('IGE input must be a multiple of 16 bytes');
	const decipher: Decipher = createDecipheriv('aes-256-ecb', key, null).setAutoPadding(false);
	const out = Buffer.allocUnsafe(data.length);
	const tmp = Buffer.allocUnsafe(16);
	let prevCipher = iv.subarray(0, 16);
	let prevPlain = iv.subarray(16, 32);
	for (let off = 0; off < data.length; off += 16) {
		xor16(tmp, 0, data, off, prevPlain, 0);
		const dec = decipher.update(tmp);
		xor16(out, off, dec, 0, prevCipher, 0);
		prevCipher = data.subarray(off, off + 16);
		prevPlain = out.subarray(off, off + 16);
	}
	return out;
}

export class MessageCryptoError extends Error {}

/** Decrypts `auth_key_id | msg_key | encrypted` from the client; returns the plaintext (with padding). */
export function decryptFromClient(authKey: ServerAuthKey, packet: Buffer): Buffer {
	if (packet.length < 24 + 16 || (packet.length - 24) % 16 !== 0) throw new MessageCryptoError('bad encrypted packet size');
	const msgKey = packet.subarray(8, 24);
	const { key, iv } = deriveKeyIv(authKey.key, msgKey, 0);
	const plain = igeDecrypt(packet.subarray(24), key, iv);
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
	return Buffer.concat([authKey.keyId, msgKey, igeEncrypt(padded, key, iv)]);
}
