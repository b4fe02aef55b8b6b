/** The rules the sandbox applies to every client message (session.ts), on an injected clock. */
import {
	BadMsgCode,
	MsgState,
	ReceivedMessages,
	SALT_PERIOD_SECONDS,
	SaltSchedule,
	ServerSession,
	msgIdProblem,
} from '../../../src/sandbox/mtproto/session';

const NOW = 1_800_000_000_000; // ms
const msgIdAt = (ms: number): bigint => ((BigInt(Math.floor(ms / 1000)) << 32n) | (BigInt(ms % 1000) << 22n)) & ~3n;

describe('msg_id against the server clock', () => {
	test('divisible by 4, at most 300 s in the past and 30 s in the future', () => {
		expect(msgIdProblem(msgIdAt(NOW), NOW)).toBe(0);
		expect(msgIdProblem(msgIdAt(NOW) | 1n, NOW)).toBe(BadMsgCode.MSG_ID_NOT_DIVISIBLE_BY_4);
		expect(msgIdProblem(msgIdAt(NOW) | 2n, NOW)).toBe(18);
		expect(msgIdProblem(msgIdAt(NOW - 299_000), NOW)).toBe(0);
		expect(msgIdProblem(msgIdAt(NOW - 301_000), NOW)).toBe(BadMsgCode.MSG_ID_TOO_LOW);
		expect(msgIdProblem(msgIdAt(NOW + 29_000), NOW)).toBe(0);
		expect(msgIdProblem(msgIdAt(NOW + 31_000), NOW)).toBe(BadMsgCode.MSG_ID_TOO_HIGH);
	});
});

describe('server salts', () => {
	test('a new salt every 30 minutes, each valid for an hour; the previous one is still accepted for 1800 s', () => {
		const salts = new SaltSchedule(Buffer.from('fixed secret'));
		const slotStart = Math.ceil(NOW / 1000 / SALT_PERIOD_SECONDS) * SALT_PERIOD_SECONDS * 1000;
		const before = salts.current(slotStart - 1);
		const after = salts.current(slotStart);
		expect(after).not.toBe(before);
		expect(salts.accepts(after, slotStart)).toBe(true);
		expect(salts.accepts(before, slotStart)).toBe(true);
		expect(salts.accepts(before, slotStart + 1_799_000)).toBe(true);
		expect(salts.accepts(before, slotStart + 1_800_000)).toBe(false);
		expect(salts.accepts(after, slotStart - 1)).toBe(false); // not valid before its window
		expect(salts.accepts(0n, slotStart)).toBe(false);
	});

	test('get_future_salts: up to 64, starting with the current one, consecutive windows', () => {
		const salts = new SaltSchedule(Buffer.from('fixed secret'));
		const future = salts.future(5, NOW);
		expect(future).toHaveLength(5);
		expect(future[0].salt).toBe(salts.current(NOW));
		expect(future[0].validSince).toBeLessThanOrEqual(NOW / 1000);
		expect(future[0].validUntil).toBeGreaterThan(NOW / 1000);
		for (let i = 1; i < future.length; i++) {
			expect(future[i].validSince - future[i - 1].validSince).toBe(SALT_PERIOD_SECONDS);
			expect(future[i].validUntil - future[i].validSince).toBe(3600);
			// Each listed salt is what the server accepts once its window opens.
			expect(salts.accepts(future[i].salt, future[i].validSince * 1000)).toBe(true);
		}
		expect(salts.future(1000, NOW)).toHaveLength(64);
		expect(salts.future(0, NOW)).toHaveLength(1);
	});
});

describe('received messages of a session', () => {
	test('seqno must agree with the neighbours by msg_id (32 too low, 33 too high)', () => {
		const r = new ReceivedMessages();
		r.add(100n, 1, true);
		r.add(200n, 3, true);
		expect(r.seqNoProblem(300n, 5)).toBe(0);
		expect(r.seqNoProblem(300n, 4)).toBe(0); // not content-related, after 3
		expect(r.seqNoProblem(300n, 3)).toBe(BadMsgCode.SEQNO_TOO_LOW); // equal and odd
		expect(r.seqNoProblem(300n, 1)).toBe(BadMsgCode.SEQNO_TOO_LOW);
		expect(r.seqNoProblem(150n, 2)).toBe(0); // between 1 and 3
		expect(r.seqNoProblem(150n, 3)).toBe(BadMsgCode.SEQNO_TOO_HIGH); // a later message has 3
		expect(r.seqNoProblem(50n, 1)).toBe(BadMsgCode.SEQNO_TOO_HIGH);
	});

	test('msgs_state_info bytes: received (+query, +answered), not received, too high, forgotten', () => {
		const r = new ReceivedMessages(2);
		const now = NOW;
		const id = (ms: number): bigint => msgIdAt(now + ms);
		r.add(id(-3000), 0, false);
		r.add(id(-2000), 1, true).answered = true;
		r.add(id(-1000), 3, true);
		// capacity 2: the first was forgotten
		expect(r.state(id(-3000), now)).toBe(MsgState.UNKNOWN);
		expect(r.tooOldToVerify(id(-3000))).toBe(true);
		expect(r.state(id(-2000), now)).toBe(MsgState.RECEIVED | MsgState.QUERY_PROCESSING_OR_DONE | MsgState.ANSWER_GENERATED | MsgState.ACKNOWLEDGED);
		expect(r.state(id(-1000), now)).toBe(MsgState.RECEIVED | MsgState.QUERY_PROCESSING_OR_DONE);
		expect(r.state(id(-500), now)).toBe(MsgState.NOT_RECEIVED);
		expect(r.state(id(60_000), now)).toBe(MsgState.NOT_RECEIVED_TOO_HIGH);
		expect(r.state(id(-400_000), now)).toBe(MsgState.UNKNOWN);
	});
});

test('server seqno: content-related messages count, others do not', () => {
	const s = new ServerSession<unknown>('k', Buffer.alloc(8));
	expect([s.nextSeqNo(false), s.nextSeqNo(true), s.nextSeqNo(true), s.nextSeqNo(false), s.nextSeqNo(true)]).toEqual([0, 1, 3, 4, 5]);
});
