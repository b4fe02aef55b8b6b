/**
 * The sandbox's side of the auth key exchange (src/sandbox/mtproto/handshake.ts), checked step by
 * step with hand-made client messages, and the trust rule: a client that was not told the sandbox
 * run's RSA key cannot make a key at all (teleproto refuses an unknown fingerprint), so the key is
 * trusted only where a test or the e2e n8n says so (this file trusts it only at the very end).
 */
import { createHash, publicEncrypt, constants, createPublicKey, randomBytes } from 'node:crypto';

import { silentLogger, startSandbox } from '../../../src/sandbox';
import { DhHandshake, HandshakeError, generateRsaKey, rsaFingerprint, tlString, type SandboxRsaKey } from '../../../src/sandbox/mtproto/handshake';
import { createTelegramClient, destroyClient } from '../../../src/telegram/connection';
import { IGE } from '../../../src/telegram/gramjs';
import { trustSandboxRsaKey } from '../telegram/helpers';

const u32 = (v: number): Buffer => {
	const b = Buffer.alloc(4);
	b.writeUInt32LE(v >>> 0, 0);
	return b;
};

function bigEndianHex(hex: string): Buffer {
	return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

/** req_DH_params with RSA_PAD around `inner` (auth_key page, step 4), as a client builds it. */
function reqDhParams(rsa: SandboxRsaKey, nonce: Buffer, serverNonce: Buffer, p: Buffer, q: Buffer, inner: Buffer, fingerprint = BigInt(rsa.publicKey.fingerprint)): Buffer {
	const dataWithPadding = Buffer.concat([inner, randomBytes(192 - inner.length)]);
	let keyAesEncrypted: Buffer;
	// A new temp_key until the 256-byte number is below n (the page says to retry so).
	do {
		const tempKey = randomBytes(32);
		const hash = createHash('sha256').update(tempKey).update(dataWithPadding).digest();
		const aesEncrypted = new IGE(tempKey, Buffer.alloc(32)).encryptIge(Buffer.concat([Buffer.from(dataWithPadding).reverse(), hash]));
		const digest = createHash('sha256').update(aesEncrypted).digest();
		keyAesEncrypted = Buffer.concat([Buffer.from(tempKey.map((b, i) => b ^ digest[i])), aesEncrypted]);
	} while (BigInt(`0x${keyAesEncrypted.toString('hex')}`) >= BigInt(rsa.publicKey.n));
	const publicKey = createPublicKey({ key: { kty: 'RSA', n: bigEndianHex(BigInt(rsa.publicKey.n).toString(16)).toString('base64url'), e: 'AQAB' }, format: 'jwk' });
	const encrypted = publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, keyAesEncrypted);
	const fp = Buffer.alloc(8);
	fp.writeBigInt64LE(fingerprint, 0);
	return Buffer.concat([u32(0xd712e4be), nonce, serverNonce, tlString(p), tlString(q), fp, tlString(encrypted)]);
}

function pqInner(pq: Buffer, p: Buffer, q: Buffer, nonce: Buffer, serverNonce: Buffer, newNonce: Buffer, dc?: number): Buffer {
	const parts = [u32(dc === undefined ? 0x83c95aec : 0xa9f55f95), tlString(pq), tlString(p), tlString(q), nonce, serverNonce, newNonce];
	if (dc !== undefined) {
		const d = Buffer.alloc(4);
		d.writeInt32LE(dc, 0);
		parts.push(d);
	}
	return Buffer.concat(parts);
}

describe('DH key exchange, server side', () => {
	let rsa: SandboxRsaKey;
	beforeAll(async () => {
		rsa = await generateRsaKey();
	});

	function start(dcId = 2): { hs: DhHandshake; nonce: Buffer; serverNonce: Buffer; pq: Buffer } {
		const hs = new DhHandshake({ rsa, dcId, now: () => Date.now() });
		const nonce = randomBytes(16);
		const res = hs.handle(Buffer.concat([u32(0xbe7e8ef1), nonce])).answer;
		expect(res.readUInt32LE(0)).toBe(0x05162463);
		expect(res.subarray(4, 20).equals(nonce)).toBe(true);
		const serverNonce = res.subarray(20, 36);
		const pqLength = res[36];
		const pq = res.subarray(37, 37 + pqLength);
		// The fingerprint vector names this run's key.
		expect(res.readBigInt64LE(res.length - 8).toString()).toBe(rsa.publicKey.fingerprint);
		return { hs, nonce, serverNonce: Buffer.from(serverNonce), pq: Buffer.from(pq) };
	}

	const P = Buffer.from('494c553b', 'hex');
	const Q = Buffer.from('53911073', 'hex');

	it('answers req_pq_multi with pq = p·q and the fingerprint of its own key', () => {
		const { pq } = start();
		expect(BigInt(`0x${pq.toString('hex')}`)).toBe(0x494c553bn * 0x53911073n);
		const n = bigEndianHex(BigInt(rsa.publicKey.n).toString(16));
		expect(rsaFingerprint(n, Buffer.from([1, 0, 1])).toString()).toBe(rsa.publicKey.fingerprint);
	});

	it('answers a well-formed req_DH_params (p_q_inner_data_dc naming this DC) with server_DH_params_ok', () => {
		const { hs, nonce, serverNonce, pq } = start(3);
		const answer = hs.handle(reqDhParams(rsa, nonce, serverNonce, P, Q, pqInner(pq, P, Q, nonce, serverNonce, randomBytes(32), 3))).answer;
		expect(answer.readUInt32LE(0)).toBe(0xd0e8075c);
	});

	it('refuses wrong factors, another key fingerprint, mismatched nonces, another DC, and steps out of order', () => {
		const refuse = (build: (s: ReturnType<typeof start>) => Buffer, pattern: RegExp): void => {
			const s = start();
			let thrown: unknown;
			try {
				s.hs.handle(build(s));
			} catch (error) {
				thrown = error;
			}
			expect(thrown).toBeInstanceOf(HandshakeError);
			expect(String(thrown)).toMatch(pattern);
		};
		refuse(({ nonce, serverNonce, pq }) => reqDhParams(rsa, nonce, serverNonce, Q, P, pqInner(pq, Q, P, nonce, serverNonce, randomBytes(32))), /factors/);
		refuse(({ nonce, serverNonce, pq }) => reqDhParams(rsa, nonce, serverNonce, P, Q, pqInner(pq, P, Q, nonce, serverNonce, randomBytes(32)), 42n), /fingerprint/);
		const s = start();
		expect(() => s.hs.handle(reqDhParams(rsa, randomBytes(16), s.serverNonce, P, Q, pqInner(s.pq, P, Q, s.nonce, s.serverNonce, randomBytes(32))))).toThrow(/nonce/);
		const t = start(2);
		expect(() => t.hs.handle(reqDhParams(rsa, t.nonce, t.serverNonce, P, Q, pqInner(t.pq, P, Q, t.nonce, t.serverNonce, randomBytes(32), 1)))).toThrow(/names DC 1/);
		const w = start();
		expect(() => w.hs.handle(Buffer.concat([u32(0xf5045f1f), w.nonce, w.serverNonce, tlString(Buffer.alloc(16))]))).toThrow(/before req_DH_params/);
		expect(() => new DhHandshake({ rsa, dcId: 2, now: Date.now }).handle(u32(0x12345678))).toThrow(/not part of the key exchange/);
	});

	it('a client that was not told the sandbox key cannot make one (teleproto trusts Telegram\'s keys only)', async () => {
		const sandbox = await startSandbox({ seed: 5, accounts: [{ id: '1000001', balance: 1 }], gifts: [{ id: '7001', stars: 1 }] }, { logger: silentLogger() });
		const { apiId, apiHash, server } = sandbox.credentials;
		const client = createTelegramClient({ apiId, apiHash, server, session: '', connectionRetries: 1 });
		try {
			const outcome = await client.connect().then(
				() => 'connected',
				(error: unknown) => String(error),
			);
			expect(outcome).not.toBe('connected');
			expect(sandbox.record().connections.total).toBeGreaterThan(0);
			// Told the key (what a test or the e2e preload does), the same client code makes one.
			trustSandboxRsaKey(sandbox.credentials.rsaPublicKey);
			const trusting = createTelegramClient({ apiId, apiHash, server, session: '', connectionRetries: 1 });
			try {
				await trusting.connect();
				expect((trusting.session as unknown as { getAuthKey(): { getKey(): Buffer } }).getAuthKey().getKey()).toHaveLength(256);
			} finally {
				await destroyClient(trusting);
			}
		} finally {
			await destroyClient(client);
			await sandbox.stop();
		}
	});
});
