/**
 * Faster drop-in versions of teleproto's hottest helpers (measured in bench/, docs/performance.md).
 * Each gives byte-for-byte the same result as the library's own (equivalence tests:
 * test/unit/telegram/fast-long.test.ts, test/unit/telegram/fast-ige.test.ts) and falls back to
 * it outside the cases it handles. Imported by src/telegram/gramjs.ts before anything else of the
 * library, because some library modules copy a helper out of its module when they load.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// A namespace import of a compiled (__esModule) module is its real exports object.
import * as teleprotoHelpers from 'teleproto/Helpers';
import { IGE } from 'teleproto/crypto/IGE';

type Helpers = typeof teleprotoHelpers;
const helpers = teleprotoHelpers as unknown as Record<string, unknown>;

/** The library's own implementations (kept for the equivalence tests). */
export const library = {
	readBigIntFromBuffer: teleprotoHelpers.readBigIntFromBuffer,
	toSignedLittleBuffer: teleprotoHelpers.toSignedLittleBuffer,
	encryptIge: IGE.prototype.encryptIge,
	decryptIge: IGE.prototype.decryptIge,
};

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// ---- 64-bit reads -------------------------------------------------------------------------
// The library reads every TL `long` (ids, access hashes, msg ids) by hex-encoding the 8 bytes and
// parsing the text with big-integer, then renders it in base 2 to test the sign: ~40 µs per long,
// ~3 ms of CPU for a 30-gift catalog answer. Reading the 8 bytes as a native BigInt gives the same
// value and the same big-integer representation (small values as SmallInteger) in ~0.6 µs.
export const fastReadBigIntFromBuffer: Helpers['readBigIntFromBuffer'] = (buffer, little = true, signed = false) => {
	if (buffer.length !== 8 || !little) return library.readBigIntFromBuffer(buffer, little, signed);
	const value = signed ? buffer.readBigInt64LE(0) : buffer.readBigUInt64LE(0);
	return teleprotoHelpers.returnBigInt(value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value);
};
// The binary reader calls it through the exports object (`Helpers_1.readBigIntFromBuffer(...)`).
helpers.readBigIntFromBuffer = fastReadBigIntFromBuffer;

// ---- 64-bit writes ------------------------------------------------------------------------
// Every `long` a request carries (msg ids, form ids, gift ids, random ids) is written byte by byte
// with eight big-integer shifts and masks. The low 64 bits of the two's complement, written as a
// native BigInt, are the same bytes.

/** The value as a native BigInt, or null for inputs left to the library. */
function nativeBigInt(value: unknown): bigint | null {
	if (typeof value === 'bigint') return value;
	if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : null;
	if (typeof value === 'string') return /^-?\d{1,30}$/.test(value) ? BigInt(value) : null;
	// big-integer's SmallInteger / NativeBigInt keep the value in `value`.
	if (value !== null && typeof value === 'object' && 'value' in value) {
		const inner = (value as { value: unknown }).value;
		if (typeof inner === 'bigint') return inner;
		if (typeof inner === 'number' && Number.isSafeInteger(inner)) return BigInt(inner);
	}
	return null;
}

export const fastToSignedLittleBuffer: Helpers['toSignedLittleBuffer'] = (big, number = 8) => {
	const value = number === 8 ? nativeBigInt(big) : null;
	if (value === null) return library.toSignedLittleBuffer(big, number);
	const out = Buffer.allocUnsafe(8);
	out.writeBigUInt64LE(BigInt.asUintN(64, value));
	return out;
};
// The TL serializer takes its own reference when it loads (`const { toSignedLittleBuffer } = require(...)`).
helpers.toSignedLittleBuffer = fastToSignedLittleBuffer;

// ---- AES-256-IGE --------------------------------------------------------------------------
// The library creates (and finalizes) a new AES cipher object for every 16-byte block of every
// message: ~120 µs of CPU per kilobyte. One ECB cipher per message, fed block by block, computes
// the same IGE chain.

const BLOCK = 16;

function xorBlock(out: Buffer, outOff: number, a: Buffer, aOff: number, b: Buffer): void {
	for (let i = 0; i < BLOCK; i++) out[outOff + i] = a[aOff + i] ^ b[i];
}

/** AES-256-IGE of whole blocks (the sandbox server uses it too). */
export function igeEncrypt(plain: Buffer, key: Buffer, iv: Buffer): Buffer {
	if (plain.length % BLOCK !== 0) throw new Error('IGE input must be a multiple of 16 bytes');
	const cipher = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
	const out = Buffer.allocUnsafe(plain.length);
	const xored = Buffer.allocUnsafe(BLOCK);
	let prevCipher = iv.subarray(0, BLOCK);
	let prevPlain = iv.subarray(BLOCK, 2 * BLOCK);
	for (let off = 0; off < plain.length; off += BLOCK) {
		xorBlock(xored, 0, plain, off, prevCipher);
		xorBlock(out, off, cipher.update(xored), 0, prevPlain);
		prevCipher = out.subarray(off, off + BLOCK);
		prevPlain = plain.subarray(off, off + BLOCK);
	}
	cipher.final();
	return out;
}

export function igeDecrypt(data: Buffer, key: Buffer, iv: Buffer): Buffer {
	if (data.length % BLOCK !== 0) throw new Error('IGE input must be a multiple of 16 bytes');
	const decipher = createDecipheriv('aes-256-ecb', key, null).setAutoPadding(false);
	const out = Buffer.allocUnsafe(data.length);
	const xored = Buffer.allocUnsafe(BLOCK);
	let prevCipher = iv.subarray(0, BLOCK);
	let prevPlain = iv.subarray(BLOCK, 2 * BLOCK);
	for (let off = 0; off < data.length; off += BLOCK) {
		xorBlock(xored, 0, data, off, prevPlain);
		xorBlock(out, off, decipher.update(xored), 0, prevCipher);
		prevCipher = data.subarray(off, off + BLOCK);
		prevPlain = out.subarray(off, off + BLOCK);
	}
	decipher.final();
	return out;
}

type IgeKeys = { key: Buffer; iv: Buffer };

/** IGE#encryptIge: pads a partial last block with random bytes, as the library does. */
export function fastEncryptIge(this: IgeKeys, plainText: Buffer): Buffer {
	const partial = plainText.length % BLOCK;
	const plain = partial === 0 ? plainText : Buffer.concat([plainText, randomBytes(BLOCK - partial)]);
	return igeEncrypt(plain, this.key, this.iv);
}

export function fastDecryptIge(this: IgeKeys, cipherText: Buffer): Buffer {
	return igeDecrypt(cipherText, this.key, this.iv);
}

IGE.prototype.encryptIge = fastEncryptIge as IGE['encryptIge'];
IGE.prototype.decryptIge = fastDecryptIge as IGE['decryptIge'];
