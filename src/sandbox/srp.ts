/**
 * The server side of Telegram's two-step verification (SRP-2048 with the KDF
 * "SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow", core.telegram.org/api/srp), so the
 * sandbox checks a client's `inputCheckPasswordSRP` with the same math Telegram does and an
 * unmodified client's password code runs for real. Pure: no I/O besides PBKDF2 and randomness.
 *
 * Numbers are bigint; on the wire and inside hashes they are 256-byte big-endian.
 */
import { createHash, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Telegram's published 2048-bit safe prime with generator 3. Clients refuse any other p
 * (they only accept this one), so the sandbox must use it too.
 */
const P_HEX =
	'c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4db' +
	'fa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f64' +
	'2477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b41' +
	'0dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4' +
	'e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d8115f635b105ee2e4e15d04b2454bf' +
	'6f4fadf034b10403119cd8e3b92fcc5b';

export const SRP_P = BigInt(`0x${P_HEX}`);
export const SRP_G = 3;
export const SRP_P_BYTES = Buffer.from(P_HEX, 'hex');
const SIZE = 256;
/** A value mod p is "good" when it and p minus it both have at least 2048 - 64 bits. */
const MIN_GOOD_BITS = 2048 - 64;

export interface SrpAlgo {
	salt1: Buffer;
	salt2: Buffer;
}

export function toBytes(n: bigint): Buffer {
	const hex = n.toString(16);
	if (hex.length > SIZE * 2) throw new Error('number does not fit in 256 bytes');
	return Buffer.from(hex.padStart(SIZE * 2, '0'), 'hex');
}

export function fromBytes(bytes: Buffer): bigint {
	return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
	let result = 1n;
	let b = base % modulus;
	let e = exponent;
	while (e > 0n) {
		if (e & 1n) result = (result * b) % modulus;
		b = (b * b) % modulus;
		e >>= 1n;
	}
	return result;
}

function sha256(...parts: Buffer[]): Buffer {
	const h = createHash('sha256');
	for (const p of parts) h.update(p);
	return h.digest();
}

function bitLength(n: bigint): number {
	return n === 0n ? 0 : n.toString(2).length;
}

function isGood(value: bigint): boolean {
	return value > 0n && value < SRP_P && bitLength(value) >= MIN_GOOD_BITS && bitLength(SRP_P - value) >= MIN_GOOD_BITS;
}

/** x = PH2(password): the KDF Telegram clients run (PBKDF2-HMAC-SHA512, 100000 iterations). */
export async function passwordHash(algo: SrpAlgo, password: string): Promise<Buffer> {
	const { salt1, salt2 } = algo;
	const ph1 = sha256(salt2, sha256(salt1, Buffer.from(password, 'utf8'), salt1), salt2);
	const slow = await new Promise<Buffer>((resolve, reject) => {
		pbkdf2(ph1, salt1, 100_000, 64, 'sha512', (error, key) => (error ? reject(error) : resolve(key)));
	});
	return sha256(salt2, slow, salt2);
}

/** The password verifier v = g^x mod p the server stores instead of the password. */
export async function verifierFor(algo: SrpAlgo, password: string): Promise<bigint> {
	return modPow(BigInt(SRP_G), fromBytes(await passwordHash(algo, password)), SRP_P);
}

/** k = H(p | g), the SRP-6a multiplier. */
const K_MULTIPLIER = fromBytes(sha256(SRP_P_BYTES, toBytes(BigInt(SRP_G))));

export interface SrpChallenge {
	/** The server's secret exponent. */
	b: bigint;
	/** srp_B = (k·v + g^b) mod p, as sent to the client. */
	B: Buffer;
}

/** A fresh server challenge for one password check (b is regenerated until g^b is "good"). */
export function newChallenge(verifier: bigint, random: (size: number) => Buffer = randomBytes): SrpChallenge {
	for (;;) {
		const b = fromBytes(random(SIZE));
		const gb = modPow(BigInt(SRP_G), b, SRP_P);
		if (!isGood(gb)) continue;
		const B = (K_MULTIPLIER * verifier + gb) % SRP_P;
		if (B === 0n) continue;
		return { b, B: toBytes(B) };
	}
}

/**
 * Verifies the client's proof M1 for a challenge: S = (A · v^u)^b, K = H(S),
 * M1 = H(H(p) xor H(g) | H(salt1) | H(salt2) | A | B | K). False on any malformed input.
 */
export function verifyProof(algo: SrpAlgo, verifier: bigint, challenge: SrpChallenge, aBytes: Buffer, m1: Buffer): boolean {
	if (aBytes.length === 0 || aBytes.length > SIZE || m1.length !== 32) return false;
	const A = fromBytes(aBytes);
	if (!isGood(A)) return false;
	const aForHash = toBytes(A);
	const u = fromBytes(sha256(aForHash, challenge.B));
	if (u === 0n) return false;
	const S = modPow((A * modPow(verifier, u, SRP_P)) % SRP_P, challenge.b, SRP_P);
	const K = sha256(toBytes(S));
	const pg = sha256(SRP_P_BYTES);
	const gHash = sha256(toBytes(BigInt(SRP_G)));
	for (let i = 0; i < pg.length; i++) pg[i] ^= gHash[i];
	const expected = sha256(pg, sha256(algo.salt1), sha256(algo.salt2), aForHash, challenge.B, K);
	return timingSafeEqual(expected, m1);
}
