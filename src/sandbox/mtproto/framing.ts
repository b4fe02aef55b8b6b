/**
 * MTProto "full" TCP transport framing: every packet is
 * `length:int32 (whole packet) | seq:int32 | payload | crc32:uint32 (of everything before)`.
 * The decoder copes with packets split across or packed into TCP chunks in any way.
 */
import { crc32 } from 'node:zlib';

/** Largest packet the sandbox accepts; real Telegram closes connections well before this. */
const MAX_PACKET_BYTES = 16 * 1024 * 1024;

export class FramingError extends Error {}

export class TcpFullDecoder {
	private pending: Buffer[] = [];
	private pendingBytes = 0;
	private expectedSeq = 0;

	/** Feeds a chunk; returns the complete payloads it finished (possibly none). Throws FramingError. */
	push(chunk: Buffer): Buffer[] {
		this.pending.push(chunk);
		this.pendingBytes += chunk.length;
		const out: Buffer[] = [];
		while (this.pendingBytes >= 4) {
			const head = this.peek(4);
			const length = head.readInt32LE(0);
			if (length < 12 || length > MAX_PACKET_BYTES) throw new FramingError(`bad packet length ${length}`);
			if (this.pendingBytes < length) break;
			const packet = this.take(length);
			const seq = packet.readInt32LE(4);
			const checksum = packet.readUInt32LE(length - 4);
			if (crc32(packet.subarray(0, length - 4)) !== checksum) throw new FramingError('bad packet checksum');
			if (seq !== this.expectedSeq) throw new FramingError(`bad packet sequence ${seq}, expected ${this.expectedSeq}`);
			this.expectedSeq++;
			out.push(packet.subarray(8, length - 4));
		}
		return out;
	}

	private peek(n: number): Buffer {
		if (this.pending[0].length >= n) return this.pending[0];
		const merged = Buffer.concat(this.pending);
		this.pending = [merged];
		return merged;
	}

	private take(n: number): Buffer {
		const merged = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
		const packet = merged.subarray(0, n);
		const rest = merged.subarray(n);
		this.pending = rest.length > 0 ? [rest] : [];
		this.pendingBytes = rest.length;
		return packet;
	}
}

export class TcpFullEncoder {
	private seq = 0;

	encode(payload: Buffer): Buffer {
		const length = payload.length + 12;
		const packet = Buffer.allocUnsafe(length);
		packet.writeInt32LE(length, 0);
		packet.writeInt32LE(this.seq++, 4);
		payload.copy(packet, 8);
		packet.writeUInt32LE(crc32(packet.subarray(0, length - 4)), length - 4);
		return packet;
	}
}
