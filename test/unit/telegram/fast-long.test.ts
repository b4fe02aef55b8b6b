import fc from 'fast-check';

import { Api, BinaryReader, fastReadBigIntFromBuffer, fastToSignedLittleBuffer, library, returnBigInt } from '../../../src/telegram/gramjs';

const libraryReadBigIntFromBuffer = library.readBigIntFromBuffer;

/** Same value, same big-integer representation (SmallInteger vs native), as the library's reader. */
function expectSame(bytes: Buffer, signed: boolean): void {
	const expected = libraryReadBigIntFromBuffer(bytes, true, signed);
	const actual = fastReadBigIntFromBuffer(bytes, true, signed);
	expect(actual.toString()).toBe(expected.toString());
	const small = (v: unknown) => (v as { isSmall?: boolean }).isSmall;
	expect(small(actual)).toBe(small(expected));
	expect(typeof (actual as unknown as { value: unknown }).value).toBe(typeof (expected as unknown as { value: unknown }).value);
}

describe('fast 64-bit reads', () => {
	it('equal the library on edge values, signed and unsigned', () => {
		const edges = [0n, 1n, -1n, 2n ** 31n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) + 1n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)];
		for (const value of edges) {
			const bytes = Buffer.alloc(8);
			bytes.writeBigInt64LE(value);
			expectSame(bytes, true);
			expectSame(bytes, false);
		}
	});

	it('equal the library on random longs (small and large magnitudes)', () => {
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 8 }), fc.boolean(), (raw, zeroHigh, signed) => {
				const bytes = Buffer.from(raw);
				bytes.fill(0, 8 - zeroHigh); // vary the magnitude: 0..8 high bytes cleared
				expectSame(bytes, signed);
			}),
			{ numRuns: 3000 },
		);
	});

	it('leaves other sizes and big-endian reads to the library', () => {
		const bytes = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
		expect(fastReadBigIntFromBuffer(bytes, true, false).toString()).toBe(libraryReadBigIntFromBuffer(bytes, true, false).toString());
		expect(fastReadBigIntFromBuffer(bytes.subarray(0, 8), false, true).toString()).toBe(libraryReadBigIntFromBuffer(bytes.subarray(0, 8), false, true).toString());
	});

	it('keeps TL longs read through the library reader intact', () => {
		const bytes = Buffer.alloc(8);
		bytes.writeBigInt64LE(-5170000000000000123n);
		expect(new BinaryReader(bytes).readLong().toString()).toBe('-5170000000000000123');
	});
});

describe('fast 64-bit writes', () => {
	const same = (value: Parameters<typeof fastToSignedLittleBuffer>[0]) =>
		expect(fastToSignedLittleBuffer(value, 8).toString('hex')).toBe(library.toSignedLittleBuffer(value, 8).toString('hex'));

	it('equal the library for big-integer, bigint, number and text inputs, edges included', () => {
		const edges = [0n, 1n, -1n, 255n, 256n, 2n ** 53n - 1n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 64n + 5n];
		for (const value of edges) {
			same(returnBigInt(value));
			same(value.toString());
			if (value >= -(2n ** 53n) && value < 2n ** 53n) same(Number(value));
		}
	});

	it('equal the library on random values of every magnitude', () => {
		fc.assert(
			fc.property(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), (value) => {
				same(returnBigInt(value));
				same(value.toString());
			}),
			{ numRuns: 3000 },
		);
	});

	it('leave other widths to the library', () => {
		const value = returnBigInt(2n ** 100n + 7n);
		expect(fastToSignedLittleBuffer(value, 16).toString('hex')).toBe(library.toSignedLittleBuffer(value, 16).toString('hex'));
	});

	it('are what the TL serializer writes for a long', () => {
		const ping = new Api.Ping({ pingId: returnBigInt(-5170000000000000123n) });
		expect(ping.getBytes().subarray(4).readBigInt64LE(0)).toBe(-5170000000000000123n);
		// An input only the fast writer can serialize (the library's throws on it): the serializer
		// took the fast one. (The library's type check complains on the console first.)
		const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
		try {
			expect(() => library.toSignedLittleBuffer({ value: 5n } as never, 8)).toThrow();
			expect(new Api.Ping({ pingId: { value: 5n } as never }).getBytes().subarray(4).toString('hex')).toBe('0500000000000000');
		} finally {
			quiet.mockRestore();
		}
	});
});
