/**
 * The sandbox's server-side SRP against the client library's own computeCheck: the right
 * password's proof verifies, a wrong one does not, and the library accepts our p/g and srp_B.
 */
import { Api, computeCheck, returnBigInt } from '../../../src/telegram/gramjs';
import { fromBytes, modPow, newChallenge, SRP_G, SRP_P, SRP_P_BYTES, toBytes, verifierFor, verifyProof } from '../../../src/sandbox/srp';

const algo = { salt1: Buffer.alloc(40, 1), salt2: Buffer.alloc(16, 2) };

function passwordRequest(B: Buffer): Api.account.Password {
	return new Api.account.Password({
		hasPassword: true,
		currentAlgo: new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({
			salt1: algo.salt1,
			salt2: algo.salt2,
			g: SRP_G,
			p: SRP_P_BYTES,
		}),
		srp_B: B,
		srpId: returnBigInt(5n),
		newAlgo: new Api.PasswordKdfAlgoUnknown(),
		newSecureAlgo: new Api.SecurePasswordKdfAlgoUnknown(),
		secureRandom: Buffer.alloc(8),
	});
}

describe('sandbox SRP (server side) with the client library', () => {
	let verifier: bigint;
	beforeAll(async () => {
		verifier = await verifierFor(algo, 'correct horse');
	});

	it('verifies the proof of the right password and refuses a wrong one', async () => {
		const challenge = newChallenge(verifier);
		const good = await computeCheck(passwordRequest(challenge.B), 'correct horse');
		expect(verifyProof(algo, verifier, challenge, good.A, good.M1)).toBe(true);
		const wrong = await computeCheck(passwordRequest(challenge.B), 'correct horsE');
		expect(verifyProof(algo, verifier, challenge, wrong.A, wrong.M1)).toBe(false);
	});

	it('refuses a proof made for another challenge and malformed A / M1', async () => {
		const first = newChallenge(verifier);
		const second = newChallenge(verifier);
		const proof = await computeCheck(passwordRequest(first.B), 'correct horse');
		expect(verifyProof(algo, verifier, second, proof.A, proof.M1)).toBe(false);
		expect(verifyProof(algo, verifier, first, Buffer.alloc(0), proof.M1)).toBe(false);
		expect(verifyProof(algo, verifier, first, toBytes(1n), proof.M1)).toBe(false);
		expect(verifyProof(algo, verifier, first, proof.A, proof.M1.subarray(1))).toBe(false);
	});

	it('uses a 2048-bit p with the byte encoding round-tripping', () => {
		expect(SRP_P.toString(2)).toHaveLength(2048);
		expect(fromBytes(toBytes(SRP_P))).toBe(SRP_P);
		expect(modPow(3n, 4n, 7n)).toBe(4n);
		// p is a safe prime in Telegram's sense: g = 3 needs p mod 3 == 2.
		expect(SRP_P % 3n).toBe(2n);
	});
});
