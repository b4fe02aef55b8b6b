/**
 * The server side of MTProto's auth key creation (core.telegram.org/mtproto/auth_key): a client
 * that follows a migration or opens a file DC makes a new auth key there with
 * req_pq_multi → req_DH_params → set_client_DH_params, in unencrypted messages (auth_key_id 0).
 *
 * The RSA key is the sandbox's own, generated at every start (never Telegram's: the sandbox has no
 * Telegram private key). Clients trust only the keys they know by fingerprint, so a test (or the
 * e2e n8n process) must add the sandbox's public key to the client's list; see docs/decisions.md.
 *
 * The TL of the handshake is read and written by hand here, from the schema on the auth_key page,
 * so the server does not share the client library's code for the very steps it checks.
 */
import { constants, createDiffieHellman, createHash, generateKeyPair, getDiffieHellman, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

import { IGE } from '../../telegram/gramjs';

const REQ_PQ_MULTI = 0xbe7e8ef1;
const REQ_PQ = 0x60469778;
const RES_PQ = 0x05162463;
const REQ_DH_PARAMS = 0xd712e4be;
const P_Q_INNER_DATA = 0x83c95aec;
const P_Q_INNER_DATA_DC = 0xa9f55f95;
const SERVER_DH_PARAMS_OK = 0xd0e8075c;
const SERVER_DH_INNER_DATA = 0xb5890dba;
const SET_CLIENT_DH_PARAMS = 0xf5045f1f;
const CLIENT_DH_INNER_DATA = 0x6643b654;
const DH_GEN_OK = 0x3bcbf734;
const VECTOR = 0x1cb5c415;

/** pq = p·q with p < q, both prime and below 2^32 (the auth_key page's own worked example). */
const P = 0x494c553bn;
const Q = 0x53911073n;
const PQ = P * Q;

/**
 * A 2048-bit safe prime with generator 2 (RFC 3526 group 14, built into OpenSSL): p ≡ 7 (mod 8),
 * so 2 generates the subgroup of order (p−1)/2, which is what the auth_key page asks clients to check.
 */
const DH_GROUP = 'modp14';
const G = 2;

/** The public half of the sandbox's RSA key, as a client's key table holds it. */
export interface SandboxRsaPublicKey {
	/** Signed 64-bit fingerprint in decimal (how teleproto keys its table). */
	fingerprint: string;
	/** Modulus, decimal. */
	n: string;
	e: number;
}

export interface SandboxRsaKey {
	readonly publicKey: SandboxRsaPublicKey;
	readonly privateKey: KeyObject;
}

/** TL `bytes`/`string`: length-prefixed, padded to 4. */
export function tlString(data: Buffer): Buffer {
	const head = data.length < 254 ? Buffer.from([data.length]) : Buffer.from([254, data.length & 0xff, (data.length >> 8) & 0xff, (data.length >> 16) & 0xff]);
	const padding = (4 - ((head.length + data.length) % 4)) % 4;
	return Buffer.concat([head, data, Buffer.alloc(padding)]);
}

class TlReader {
	constructor(
		private readonly buf: Buffer,
		public offset = 0,
	) {}

	private need(n: number): void {
		if (this.offset + n > this.buf.length) throw new Error('handshake message too short');
	}

	uint(): number {
		this.need(4);
		const v = this.buf.readUInt32LE(this.offset);
		this.offset += 4;
		return v;
	}

	int(): number {
		this.need(4);
		const v = this.buf.readInt32LE(this.offset);
		this.offset += 4;
		return v;
	}

	raw(n: number): Buffer {
		this.need(n);
		const v = this.buf.subarray(this.offset, this.offset + n);
		this.offset += n;
		return v;
	}

	string(): Buffer {
		this.need(1);
		let length = this.buf[this.offset];
		let head = 1;
		if (length === 254) {
			this.need(4);
			length = this.buf.readUIntLE(this.offset + 1, 3);
			head = 4;
		}
		const start = this.offset + head;
		this.need(head + length);
		const v = this.buf.subarray(start, start + length);
		this.offset += head + length + ((4 - ((head + length) % 4)) % 4);
		return v;
	}
}

function sha1(...parts: Buffer[]): Buffer {
	const h = createHash('sha1');
	for (const p of parts) h.update(p);
	return h.digest();
}

function sha256(...parts: Buffer[]): Buffer {
	const h = createHash('sha256');
	for (const p of parts) h.update(p);
	return h.digest();
}

function uint32(v: number): Buffer {
	const b = Buffer.allocUnsafe(4);
	b.writeUInt32LE(v >>> 0, 0);
	return b;
}

function int32(v: number): Buffer {
	const b = Buffer.allocUnsafe(4);
	b.writeInt32LE(v, 0);
	return b;
}

function bigEndian(value: bigint, length?: number): Buffer {
	let hex = value.toString(16);
	if (hex.length % 2) hex = `0${hex}`;
	const bytes = Buffer.from(hex, 'hex');
	if (length === undefined || bytes.length === length) return bytes;
	if (bytes.length > length) throw new Error('number too large');
	return Buffer.concat([Buffer.alloc(length - bytes.length), bytes]);
}

function leftPad(bytes: Buffer, length: number): Buffer {
	return bytes.length >= length ? bytes : Buffer.concat([Buffer.alloc(length - bytes.length), bytes]);
}

/**
 * A key's fingerprint: the low 64 bits of SHA1 of the bare TL `rsa_public_key n:bytes e:bytes`
 * (auth_key page, step 2), read as the signed little-endian long it is sent as.
 */
export function rsaFingerprint(n: Buffer, e: Buffer): bigint {
	return sha1(tlString(n), tlString(e)).readBigInt64LE(12);
}

/** A fresh 2048-bit RSA key (public exponent 65537) for one sandbox run (made off the event loop). */
export async function generateRsaKey(): Promise<SandboxRsaKey> {
	const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048, publicExponent: 65537 });
	const jwk = publicKey.export({ format: 'jwk' });
	const n = Buffer.from(jwk.n!, 'base64url');
	const e = Buffer.from(jwk.e!, 'base64url');
	return {
		privateKey,
		publicKey: { fingerprint: rsaFingerprint(n, e).toString(), n: BigInt(`0x${n.toString('hex')}`).toString(), e: Number(BigInt(`0x${e.toString('hex')}`)) },
	};
}

/** tmp_aes_key / tmp_aes_iv from new_nonce and server_nonce (auth_key page, step 5). */
function tmpAes(newNonce: Buffer, serverNonce: Buffer): { key: Buffer; iv: Buffer } {
	const a = sha1(newNonce, serverNonce);
	const b = sha1(serverNonce, newNonce);
	const c = sha1(newNonce, newNonce);
	return {
		key: Buffer.concat([a, b.subarray(0, 12)]),
		iv: Buffer.concat([b.subarray(12, 20), c, newNonce.subarray(0, 4)]),
	};
}

export class HandshakeError extends Error {}

interface Pending {
	nonce: Buffer;
	serverNonce: Buffer;
	newNonce?: Buffer;
	dh?: ReturnType<typeof createDiffieHellman>;
}

export interface HandshakeOptions {
	rsa: SandboxRsaKey;
	/** The DC this connection serves (a p_q_inner_data_dc must name it). */
	dcId: number;
	/** Unix ms (server_time). */
	now: () => number;
}

/**
 * One connection's key exchange. `handle` takes the body of an unencrypted client message and
 * returns the body to answer with, and the new auth key once dh_gen_ok is sent. Anything malformed
 * or inconsistent throws HandshakeError (the connection is closed, as Telegram does).
 */
export class DhHandshake {
	private pending?: Pending;

	constructor(private readonly options: HandshakeOptions) {}

	handle(body: Buffer): { answer: Buffer; authKey?: Buffer } {
		const reader = new TlReader(body);
		const id = reader.uint();
		if (id === REQ_PQ_MULTI || id === REQ_PQ) return { answer: this.reqPq(reader.raw(16)) };
		if (id === REQ_DH_PARAMS) return { answer: this.reqDhParams(reader) };
		if (id === SET_CLIENT_DH_PARAMS) return this.setClientDhParams(reader);
		throw new HandshakeError(`unencrypted message 0x${id.toString(16)} is not part of the key exchange`);
	}

	private reqPq(nonce: Buffer): Buffer {
		const serverNonce = randomBytes(16);
		this.pending = { nonce: Buffer.from(nonce), serverNonce };
		return Buffer.concat([
			uint32(RES_PQ),
			nonce,
			serverNonce,
			tlString(bigEndian(PQ)),
			uint32(VECTOR),
			int32(1),
			(() => {
				const b = Buffer.allocUnsafe(8);
				b.writeBigInt64LE(BigInt(this.options.rsa.publicKey.fingerprint), 0);
				return b;
			})(),
		]);
	}

	private checkNonces(reader: TlReader): Pending {
		const pending = this.pending;
		const nonce = reader.raw(16);
		const serverNonce = reader.raw(16);
		if (!pending || !pending.nonce.equals(nonce) || !pending.serverNonce.equals(serverNonce)) throw new HandshakeError('nonce or server_nonce does not match');
		return pending;
	}

	private reqDhParams(reader: TlReader): Buffer {
		const pending = this.checkNonces(reader);
		const p = reader.string();
		const q = reader.string();
		const fingerprint = reader.raw(8).readBigInt64LE(0);
		const encrypted = reader.string();
		if (BigInt(`0x${p.toString('hex') || '0'}`) !== P || BigInt(`0x${q.toString('hex') || '0'}`) !== Q) throw new HandshakeError('p and q are not the factors of pq');
		if (fingerprint.toString() !== this.options.rsa.publicKey.fingerprint) throw new HandshakeError('unknown RSA key fingerprint');
		if (encrypted.length !== 256) throw new HandshakeError('encrypted_data must be 256 bytes');
		// RSA_PAD (auth_key page, step 4), undone: RSA → temp_key_xor ‖ aes_encrypted → AES-IGE(temp_key, 0).
		const keyAesEncrypted = leftPad(privateDecrypt({ key: this.options.rsa.privateKey, padding: constants.RSA_NO_PADDING }, encrypted), 256);
		const aesEncrypted = keyAesEncrypted.subarray(32);
		const digest = sha256(aesEncrypted);
		const tempKey = Buffer.from(keyAesEncrypted.subarray(0, 32).map((b, i) => b ^ digest[i]));
		const dataWithHash = new IGE(tempKey, Buffer.alloc(32)).decryptIge(aesEncrypted);
		const dataWithPadding = Buffer.from(dataWithHash.subarray(0, 192)).reverse();
		if (!sha256(tempKey, dataWithPadding).equals(dataWithHash.subarray(192, 224))) throw new HandshakeError('RSA_PAD hash mismatch');
		const inner = new TlReader(dataWithPadding);
		const kind = inner.uint();
		if (kind !== P_Q_INNER_DATA && kind !== P_Q_INNER_DATA_DC) throw new HandshakeError('only permanent keys (p_q_inner_data, p_q_inner_data_dc) are made here');
		const innerPq = inner.string();
		const innerP = inner.string();
		const innerQ = inner.string();
		if (!innerPq.equals(bigEndian(PQ)) || !innerP.equals(p) || !innerQ.equals(q)) throw new HandshakeError('p_q_inner_data does not repeat pq, p, q');
		if (!inner.raw(16).equals(pending.nonce) || !inner.raw(16).equals(pending.serverNonce)) throw new HandshakeError('p_q_inner_data nonces do not match');
		const newNonce = Buffer.from(inner.raw(32));
		if (kind === P_Q_INNER_DATA_DC) {
			const dc = inner.int();
			if (Math.abs(dc) % 10000 !== this.options.dcId) throw new HandshakeError(`p_q_inner_data_dc names DC ${dc}, this is DC ${this.options.dcId}`);
		}
		pending.newNonce = newNonce;
		const dh = createDiffieHellman(getGroupPrime(), G);
		dh.generateKeys();
		pending.dh = dh;
		const answer = Buffer.concat([
			uint32(SERVER_DH_INNER_DATA),
			pending.nonce,
			pending.serverNonce,
			int32(G),
			tlString(getGroupPrime()),
			tlString(leftPad(dh.getPublicKey(), 256)),
			int32(Math.floor(this.options.now() / 1000)),
		]);
		const withHash = Buffer.concat([sha1(answer), answer]);
		const padded = Buffer.concat([withHash, randomBytes((16 - (withHash.length % 16)) % 16)]);
		const { key, iv } = tmpAes(newNonce, pending.serverNonce);
		return Buffer.concat([uint32(SERVER_DH_PARAMS_OK), pending.nonce, pending.serverNonce, tlString(new IGE(key, iv).encryptIge(padded))]);
	}

	private setClientDhParams(reader: TlReader): { answer: Buffer; authKey: Buffer } {
		const pending = this.checkNonces(reader);
		if (!pending.newNonce || !pending.dh) throw new HandshakeError('set_client_DH_params before req_DH_params');
		const encrypted = reader.string();
		if (encrypted.length === 0 || encrypted.length % 16 !== 0) throw new HandshakeError('encrypted_data is not whole AES blocks');
		const { key, iv } = tmpAes(pending.newNonce, pending.serverNonce);
		const plain = new IGE(key, iv).decryptIge(encrypted);
		const inner = new TlReader(plain, 20);
		if (inner.uint() !== CLIENT_DH_INNER_DATA) throw new HandshakeError('expected client_DH_inner_data');
		if (!inner.raw(16).equals(pending.nonce) || !inner.raw(16).equals(pending.serverNonce)) throw new HandshakeError('client_DH_inner_data nonces do not match');
		inner.raw(8); // retry_id
		const gB = inner.string();
		if (!sha1(plain.subarray(20, inner.offset)).equals(plain.subarray(0, 20))) throw new HandshakeError('client_DH_inner_data hash mismatch');
		// 1 < g_b < p−1, and 2^(2048−64) < g_b < p − 2^(2048−64) (auth_key page, "DH key exchange complete").
		const prime = BigInt(`0x${getGroupPrime().toString('hex')}`);
		const gb = BigInt(`0x${gB.toString('hex') || '0'}`);
		const margin = 1n << 1984n;
		if (gb <= margin || gb >= prime - margin) throw new HandshakeError('g_b out of the safe range');
		const authKey = leftPad(pending.dh.computeSecret(gB), 256);
		const auxHash = sha1(authKey).subarray(0, 8);
		const newNonceHash1 = sha1(pending.newNonce, Buffer.from([1]), auxHash).subarray(4, 20);
		this.pending = undefined;
		return { answer: Buffer.concat([uint32(DH_GEN_OK), pending.nonce, pending.serverNonce, newNonceHash1]), authKey };
	}
}

let groupPrime: Buffer | undefined;
function getGroupPrime(): Buffer {
	groupPrime ??= leftPad(getDiffieHellman(DH_GROUP).getPrime(), 256);
	return groupPrime;
}
