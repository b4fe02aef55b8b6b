import { randomBytes } from 'node:crypto';

import fc from 'fast-check';

import { IGE, library } from '../../../src/telegram/gramjs';

describe('fast AES-256-IGE', () => {
	it('encrypts and decrypts exactly like the library (random keys, ivs and messages)', () => {
		fc.assert(
			fc.property(
				fc.uint8Array({ minLength: 32, maxLength: 32 }),
				fc.uint8Array({ minLength: 32, maxLength: 32 }),
				fc.integer({ min: 1, max: 64 }),
				(key, iv, blocks) => {
					const ige = new IGE(Buffer.from(key), Buffer.from(iv));
					const message = randomBytes(blocks * 16);
					const encrypted = ige.encryptIge(message);
					expect(encrypted.toString('hex')).toBe(library.encryptIge.call(ige, message).toString('hex'));
					expect(ige.decryptIge(encrypted).toString('hex')).toBe(message.toString('hex'));
					expect(ige.decryptIge(message).toString('hex')).toBe(library.decryptIge.call(ige, message).toString('hex'));
				},
			),
			{ numRuns: 300 },
		);
	});

	it('pads a message that is not whole blocks with random bytes, as the library does', () => {
		const ige = new IGE(randomBytes(32), randomBytes(32));
		const message = randomBytes(37);
		const encrypted = ige.encryptIge(message);
		expect(encrypted.length).toBe(48);
		expect(ige.decryptIge(encrypted).subarray(0, 37).toString('hex')).toBe(message.toString('hex'));
		expect(() => ige.decryptIge(randomBytes(20))).toThrow();
	});

	it('is what the library uses', () => {
		expect(IGE.prototype.encryptIge).not.toBe(library.encryptIge);
		expect(IGE.prototype.decryptIge).not.toBe(library.decryptIge);
	});
});
