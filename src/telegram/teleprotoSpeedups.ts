/**
 * Faster drop-in versions of teleproto's hottest helpers (measured in bench/, docs/performance.md).
 * Each gives byte-for-byte the same result as the library's own (equivalence tests:
 * test/unit/telegram/fast-long.test.ts) and falls back to it outside the cases it handles.
 * Imported by src/telegram/gramjs.ts before anything else of the library, because some library
 * modules copy a helper out of its module when they load.
 *
 * teleproto 1.229 brought an AES-IGE of its own that is 3–15× faster than the one this module used
 * to install, so that patch is gone; the 64-bit helpers still win 50–90× (docs/performance.md).
 */
// A namespace import of a compiled (__esModule) module is its real exports object.
import * as teleprotoHelpers from 'teleproto/Helpers';

type Helpers = typeof teleprotoHelpers;
const helpers = teleprotoHelpers as unknown as Record<string, unknown>;

/** The library's own implementations (kept for the equivalence tests). */
export const library = {
	readBigIntFromBuffer: teleprotoHelpers.readBigIntFromBuffer,
	toSignedLittleBuffer: teleprotoHelpers.toSignedLittleBuffer,
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
