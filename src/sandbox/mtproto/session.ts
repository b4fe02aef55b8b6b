/**
 * Server-side MTProto session state and the rules Telegram applies to every encrypted client
 * message (core.telegram.org/mtproto/description, /service_messages,
 * /service_messages_about_messages):
 *
 * - msg_id: divisible by 4 (else bad_msg_notification 18), at most 300 s in the past (16) and 30 s
 *   in the future (17) against the server clock; a duplicate is ignored; one lower than everything
 *   the session still remembers cannot be verified (20).
 * - msg_seqno: consistent with the session's other messages ordered by msg_id (32 too low,
 *   33 too high); API queries must be content-related (odd, else 35), containers must not (even,
 *   else 34).
 * - server salts: one per auth key and 30-minute slot, each valid for an hour (so the previous salt
 *   still works for 1800 s after the next one starts); get_future_salts lists them ahead.
 * - sessions: created on the first accepted message (new_session_created), kept across
 *   connections, forgotten with destroy_session.
 *
 * Pure state and decisions; server.ts does the I/O.
 */
import { createHash, randomBytes } from 'node:crypto';

export const BadMsgCode = {
	MSG_ID_TOO_LOW: 16,
	MSG_ID_TOO_HIGH: 17,
	MSG_ID_NOT_DIVISIBLE_BY_4: 18,
	CONTAINER_MSG_ID_REUSED: 19,
	MSG_TOO_OLD_TO_VERIFY: 20,
	SEQNO_TOO_LOW: 32,
	SEQNO_TOO_HIGH: 33,
	EVEN_SEQNO_EXPECTED: 34,
	ODD_SEQNO_EXPECTED: 35,
	BAD_SERVER_SALT: 48,
	INVALID_CONTAINER: 64,
} as const;

const BAD_MSG_MEANING: Record<number, string> = {
	16: 'msg_id too low (client clock behind the server)',
	17: 'msg_id too high (client clock ahead of the server)',
	18: 'msg_id not divisible by 4',
	19: 'container msg_id reused',
	20: 'message too old to verify',
	32: 'msg_seqno too low',
	33: 'msg_seqno too high',
	34: 'even msg_seqno expected (not content-related)',
	35: 'odd msg_seqno expected (content-related)',
	48: 'server salt out of its window',
	64: 'invalid container',
};

export function badMsgMeaning(code: number): string {
	return BAD_MSG_MEANING[code] ?? `code ${code}`;
}

/** How far a client msg_id may lie from the server clock (description: "Message Identifier"). */
export const MSG_ID_MAX_PAST_SECONDS = 300;
export const MSG_ID_MAX_FUTURE_SECONDS = 30;

/** The bad_msg_notification code for a client msg_id judged on its own, or 0 when it is fine. */
export function msgIdProblem(msgId: bigint, nowMs: number): number {
	if ((msgId & 3n) !== 0n) return BadMsgCode.MSG_ID_NOT_DIVISIBLE_BY_4;
	const seconds = Number(msgId >> 32n) + Number(msgId & 0xffffffffn) / 2 ** 32;
	const now = nowMs / 1000;
	if (seconds > now + MSG_ID_MAX_FUTURE_SECONDS) return BadMsgCode.MSG_ID_TOO_HIGH;
	if (seconds < now - MSG_ID_MAX_PAST_SECONDS) return BadMsgCode.MSG_ID_TOO_LOW;
	return 0;
}

/** A new salt every 30 minutes; each valid for an hour (description: "Server Salt"). */
export const SALT_PERIOD_SECONDS = 1800;
export const SALT_VALIDITY_SECONDS = 3600;
/** get_future_salts returns between 1 and 64 salts (service_messages). */
export const MAX_FUTURE_SALTS = 64;

export interface FutureSalt {
	validSince: number;
	validUntil: number;
	salt: bigint;
}

/** The salts of one auth key: derived from a per-key secret and the 30-minute slot number. */
export class SaltSchedule {
	constructor(private readonly secret: Buffer = randomBytes(16)) {}

	private saltOf(slot: number): bigint {
		return createHash('sha256').update(this.secret).update(String(slot)).digest().readBigInt64LE(0);
	}

	private slotAt(nowMs: number): number {
		return Math.floor(nowMs / 1000 / SALT_PERIOD_SECONDS);
	}

	/** The salt to hand out now: the newest one already valid. */
	current(nowMs: number): bigint {
		return this.saltOf(this.slotAt(nowMs));
	}

	/** Whether a message carrying `salt` is accepted now (the current or the previous slot's). */
	accepts(salt: bigint, nowMs: number): boolean {
		const slot = this.slotAt(nowMs);
		return salt === this.saltOf(slot) || salt === this.saltOf(slot - 1);
	}

	/** Up to `num` salts (clamped to 1..64), starting with the current one. */
	future(num: number, nowMs: number): FutureSalt[] {
		const count = Math.max(1, Math.min(MAX_FUTURE_SALTS, Math.floor(num) || 1));
		const first = this.slotAt(nowMs);
		return Array.from({ length: count }, (_, i) => {
			const validSince = (first + i) * SALT_PERIOD_SECONDS;
			return { validSince, validUntil: validSince + SALT_VALIDITY_SECONDS, salt: this.saltOf(first + i) };
		});
	}
}

interface ReceivedMessage {
	msgId: bigint;
	seqNo: number;
	/** An API query (its answer is an rpc_result). */
	query: boolean;
	answered: boolean;
}

/** msgs_state_info status bytes (service_messages_about_messages). */
export const MsgState = {
	UNKNOWN: 1,
	NOT_RECEIVED: 2,
	NOT_RECEIVED_TOO_HIGH: 3,
	RECEIVED: 4,
	ACKNOWLEDGED: 8,
	NO_ACK_NEEDED: 16,
	QUERY_PROCESSING_OR_DONE: 32,
	ANSWER_GENERATED: 64,
} as const;

/** How many received msg_ids a session remembers (the "last N" the description asks servers to keep). */
export const REMEMBERED_MSG_IDS = 1024;

/** The msg_ids (and seqnos) a session received, in msg_id order, with the oldest forgotten. */
export class ReceivedMessages {
	private readonly items: ReceivedMessage[] = [];
	/** Every msg_id at or below this one was forgotten (or never seen). */
	private forgottenUpTo = -1n;

	constructor(private readonly capacity = REMEMBERED_MSG_IDS) {}

	private indexAfter(msgId: bigint): number {
		let lo = 0;
		let hi = this.items.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (this.items[mid].msgId <= msgId) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}

	get(msgId: bigint): ReceivedMessage | undefined {
		const i = this.indexAfter(msgId) - 1;
		return i >= 0 && this.items[i].msgId === msgId ? this.items[i] : undefined;
	}

	/** Lower than everything remembered, after something was forgotten: cannot be verified. */
	tooOldToVerify(msgId: bigint): boolean {
		return msgId <= this.forgottenUpTo;
	}

	/**
	 * 32/33 when `seqNo` contradicts the neighbours by msg_id, else 0. The remembered messages
	 * are consistent, so the nearest lower and higher ones decide for all of them.
	 */
	seqNoProblem(msgId: bigint, seqNo: number): number {
		const at = this.indexAfter(msgId);
		const lower = this.items[at - 1];
		const higher = this.items[at];
		const odd = (seqNo & 1) === 1;
		if (lower && (lower.seqNo > seqNo || (lower.seqNo === seqNo && odd))) return BadMsgCode.SEQNO_TOO_LOW;
		if (higher && (higher.seqNo < seqNo || (higher.seqNo === seqNo && odd))) return BadMsgCode.SEQNO_TOO_HIGH;
		return 0;
	}

	add(msgId: bigint, seqNo: number, query: boolean): ReceivedMessage {
		const entry: ReceivedMessage = { msgId, seqNo, query, answered: false };
		this.items.splice(this.indexAfter(msgId), 0, entry);
		while (this.items.length > this.capacity) this.forgottenUpTo = this.items.shift()!.msgId;
		return entry;
	}

	/** The msgs_state_info byte for one msg_id. */
	state(msgId: bigint, nowMs: number): number {
		const entry = this.get(msgId);
		if (entry) {
			let state: number = MsgState.RECEIVED;
			if ((entry.seqNo & 1) === 0) state |= MsgState.NO_ACK_NEEDED;
			if (entry.query) state |= MsgState.QUERY_PROCESSING_OR_DONE;
			// The answer is the acknowledgment of a query.
			if (entry.answered) state |= MsgState.ANSWER_GENERATED | MsgState.ACKNOWLEDGED;
			return state;
		}
		const problem = msgIdProblem(msgId & ~3n, nowMs);
		if (problem === BadMsgCode.MSG_ID_TOO_HIGH) return MsgState.NOT_RECEIVED_TOO_HIGH;
		if (problem === BadMsgCode.MSG_ID_TOO_LOW || this.tooOldToVerify(msgId)) return MsgState.UNKNOWN;
		return MsgState.NOT_RECEIVED;
	}
}

/** One client session (auth key + session_id) as the server keeps it, across connections. */
export class ServerSession<Connection> {
	readonly uniqueId = randomBytes(8).readBigInt64LE(0);
	readonly received = new ReceivedMessages();
	/** Where server-initiated messages (updates) go: the connection that last carried this session. */
	lastConnection?: Connection;
	/** False once the client used invokeWithoutUpdates here (core.telegram.org/method/invokeWithoutUpdates). */
	wantsUpdates = true;
	/** The API layer the client declared with invokeWithLayer; answers and updates are written in it. */
	layer?: number;
	/** Queries being processed, and whether the client dropped their answer (rpc_drop_answer). */
	readonly running = new Map<bigint, { dropped: boolean }>();
	/** Updates pushed while no connection carried the session, sent when one does again. */
	readonly pendingPushes: Push[] = [];
	/** Pushed updates the client has not acknowledged yet (msgs_ack), by the msg_id they went in. */
	private readonly unacked = new Map<bigint, () => void>();

	/** Remembers what to do when the client acknowledges the message `msgId`. */
	awaitAck(msgId: bigint, onAck: () => void): void {
		this.unacked.set(msgId, onAck);
		// The oldest are forgotten: a client that never acknowledges gets them from getDifference.
		for (const oldest of this.unacked.keys()) {
			if (this.unacked.size <= MAX_UNACKED) break;
			this.unacked.delete(oldest);
		}
	}

	/** msgs_ack from the client. */
	acknowledged(msgId: bigint): void {
		const onAck = this.unacked.get(msgId);
		if (!onAck) return;
		this.unacked.delete(msgId);
		onAck();
	}
	private contentMessagesSent = 0;

	constructor(
		readonly authKeyId: string,
		readonly sessionId: Buffer,
	) {}

	/** The seqno of the next server message (description: "Message Sequence Number"). */
	nextSeqNo(contentRelated: boolean): number {
		return contentRelated ? this.contentMessagesSent++ * 2 + 1 : this.contentMessagesSent * 2;
	}
}

/**
 * Updates a session holds while it has no connection. Beyond this the server forgets the session,
 * so the client's next message meets new_session_created and it catches up with getDifference.
 */
export const MAX_PENDING_PUSHES = 100;

/** A pushed Updates object and what to do once the client acknowledges it. */
export interface Push {
	bytes: Buffer;
	onAck?: () => void;
}

/** Acknowledgments a session waits for at most. */
export const MAX_UNACKED = 1000;

/** Sessions kept at most; the oldest is forgotten first, as Telegram may forget idle sessions. */
export const MAX_SESSIONS = 10_000;

/** All sessions the server keeps, by auth key and session_id. */
export class SessionTable<Connection> {
	private readonly sessions = new Map<string, ServerSession<Connection>>();

	constructor(private readonly capacity = MAX_SESSIONS) {}

	private static key(authKeyId: string, sessionId: Buffer): string {
		return `${authKeyId}:${sessionId.toString('hex')}`;
	}

	get(authKeyId: string, sessionId: Buffer): ServerSession<Connection> | undefined {
		return this.sessions.get(SessionTable.key(authKeyId, sessionId));
	}

	create(authKeyId: string, sessionId: Buffer): ServerSession<Connection> {
		const session = new ServerSession<Connection>(authKeyId, Buffer.from(sessionId));
		this.sessions.set(SessionTable.key(authKeyId, sessionId), session);
		for (const oldest of this.sessions.keys()) {
			if (this.sessions.size <= this.capacity) break;
			this.sessions.delete(oldest);
		}
		return session;
	}

	/** destroy_session: true when the session existed. */
	destroy(authKeyId: string, sessionId: Buffer): boolean {
		return this.sessions.delete(SessionTable.key(authKeyId, sessionId));
	}

	values(): IterableIterator<ServerSession<Connection>> {
		return this.sessions.values();
	}
}
