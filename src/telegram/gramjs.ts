/**
 * The one place that imports the MTProto client library (teleproto, a gramjs fork at layer 214;
 * see docs/decisions.md). Everything else — the account layer and the sandbox, which reuses the
 * library's own TL classes to speak to an unmodified client — imports from here, so switching
 * library is a change to this file alone.
 */
export { Api, TelegramClient, Logger, errors } from 'teleproto';
export { StringSession } from 'teleproto/sessions';
// Transport and TL internals used by src/telegram/connection.ts (custom host:port) and by the
// sandbox's MTProto server (which speaks to an unmodified client with the library's own classes).
export { ConnectionTCPFull } from 'teleproto/network';
export { LogLevel } from 'teleproto/extensions/Logger';
export { BinaryReader, PromisedNetSockets } from 'teleproto/extensions';
export { AuthKey } from 'teleproto/crypto/AuthKey';
export { IGE } from 'teleproto/crypto/IGE';
export { GZIPPacked, MessageContainer, RPCResult } from 'teleproto/tl/core';
export { LAYER } from 'teleproto/tl/AllTLObjects';
export { returnBigInt } from 'teleproto/Helpers';
// Two-step verification (SRP): the client side for the login flow, and for the sandbox's tests.
export { computeCheck, computeDigest } from 'teleproto/Password';

// ---- Fast 64-bit reads (measured in bench/, docs/performance.md) ---------------------------
// The library reads every TL `long` (ids, access hashes, msg ids) by hex-encoding the 8 bytes
// and parsing the text with big-integer, then renders it in base 2 to test the sign: ~40 µs per
// long, ~3 ms of CPU for a 30-gift catalog answer (every poll that finds a new gift). Reading the
// 8 bytes as a native BigInt gives the same value and the same big-integer representation
// (small values as SmallInteger) in ~0.6 µs. Other sizes and big-endian reads keep the original.
// A namespace import of a compiled (__esModule) module is its real exports object.
import * as teleprotoHelpers from 'teleproto/Helpers';

type ReadBigIntFromBuffer = typeof teleprotoHelpers.readBigIntFromBuffer;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** The library's own implementation (kept for the equivalence test). */
export const libraryReadBigIntFromBuffer: ReadBigIntFromBuffer = teleprotoHelpers.readBigIntFromBuffer;

export const fastReadBigIntFromBuffer: ReadBigIntFromBuffer = (buffer, little = true, signed = false) => {
	if (buffer.length !== 8 || !little) return libraryReadBigIntFromBuffer(buffer, little, signed);
	const value = signed ? buffer.readBigInt64LE(0) : buffer.readBigUInt64LE(0);
	return teleprotoHelpers.returnBigInt(value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value);
};
// The library calls it through its exports object (`Helpers_1.readBigIntFromBuffer(...)`).
(teleprotoHelpers as unknown as { readBigIntFromBuffer: ReadBigIntFromBuffer }).readBigIntFromBuffer = fastReadBigIntFromBuffer;
