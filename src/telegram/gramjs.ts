/**
 * The one place that imports the MTProto client library (teleproto, the maintained gramjs line, at layer 229;
 * see docs/decisions.md). Everything else — the account layer and the sandbox, which reuses the
 * library's own TL classes to speak to an unmodified client — imports from here, so switching
 * library is a change to this file alone.
 */
// First: replaces hot library helpers before the library's modules take their references.
export { fastReadBigIntFromBuffer, fastToSignedLittleBuffer, library } from './teleprotoSpeedups';
export { Api, TelegramClient, Logger, errors } from 'teleproto';
export { StringSession } from 'teleproto/sessions';
// Transport and TL internals used by src/telegram/connection.ts (custom host:port) and by the
// sandbox's MTProto server (which speaks to an unmodified client with the library's own classes).
export { ConnectionTCPAbridged, ConnectionTCPFull, ConnectionTCPObfuscated } from 'teleproto/network';
export { LogLevel } from 'teleproto/extensions/Logger';
export { BinaryReader, PromisedNetSockets } from 'teleproto/extensions';
export { AuthKey } from 'teleproto/crypto/AuthKey';
export { IGE } from 'teleproto/crypto/IGE';
export { GZIPPacked, MessageContainer, RPCResult } from 'teleproto/tl/core';
export { LAYER } from 'teleproto/tl';
// Pushed updates an account listens to (auction state): every update, unfiltered.
export { Raw } from 'teleproto/events';
export { returnBigInt } from 'teleproto/Helpers';
// Two-step verification (SRP): the client side for the login flow, and for the sandbox's tests.
export { computeCheck, computeDigest } from 'teleproto/Password';

