/** Hand-written TL serializations the library's classes do not produce as Telegram sends them. */

const VECTOR_ID = 0x1cb5c415;
const FUTURE_SALTS_ID = 0xae500895;

/** Serializes a TL vector of already serialized items (`Vector<T>` results such as users.getUsers). */
export function vectorBytes(items: Buffer[]): Buffer {
	const head = Buffer.allocUnsafe(8);
	head.writeUInt32LE(VECTOR_ID, 0);
	head.writeInt32LE(items.length, 4);
	return Buffer.concat([head, ...items]);
}

/**
 * future_salts with its bare vector of bare future_salt, as tdlib and mtcute read it (the
 * library's class writes each salt with its constructor id).
 */
export function futureSaltsBytes(reqMsgId: bigint, now: number, salts: Array<{ validSince: number; validUntil: number; salt: bigint }>): Buffer {
	const out = Buffer.allocUnsafe(20 + salts.length * 16);
	out.writeUInt32LE(FUTURE_SALTS_ID, 0);
	out.writeBigInt64LE(reqMsgId, 4);
	out.writeInt32LE(now, 12);
	out.writeInt32LE(salts.length, 16);
	salts.forEach((s, i) => {
		out.writeInt32LE(s.validSince, 20 + i * 16);
		out.writeInt32LE(s.validUntil, 24 + i * 16);
		out.writeBigInt64LE(s.salt, 28 + i * 16);
	});
	return out;
}
