/**
 * MTProto service messages (core.telegram.org/mtproto/service_messages and
 * /service_messages_about_messages) over the wire: what the sandbox answers to each, driven
 * message by message with the probe, and how teleproto — the package's client — copes with each
 * notice the sandbox can send it.
 */
import { Api, returnBigInt, type TelegramClient } from '../../../src/telegram/gramjs';
import { MtprotoProbe, type ProbeMessage } from '../../../src/sandbox/mtproto/probe';
import { MsgState } from '../../../src/sandbox/mtproto/session';
import type { Sandbox } from '../../../src/sandbox';
import { ALICE, baseScenario, harness, type Harness } from './helpers';
import { collectingLogger, openProbe } from './clients';

const INTERMEDIATE = { kind: 'intermediate', obfuscated: false } as const;
const big = (v: bigint | number): ReturnType<typeof returnBigInt> => returnBigInt(typeof v === 'bigint' ? v.toString() : v);

let h: Harness;
let sandbox: Sandbox;
let log: ReturnType<typeof collectingLogger>;
/** How far the server's clock is moved from real time. */
let serverClockOffsetMs = 0;
const probes: MtprotoProbe[] = [];

beforeEach(async () => {
	serverClockOffsetMs = 0;
	log = collectingLogger();
	h = await harness(baseScenario(), { logger: log, mtprotoClock: () => Date.now() + serverClockOffsetMs });
	sandbox = h.sandbox;
});

afterEach(async () => {
	for (const p of probes.splice(0)) p.close();
	await h.close();
});

async function probe(): Promise<MtprotoProbe> {
	const p = await openProbe(sandbox, INTERMEDIATE);
	probes.push(p);
	return p;
}

/** A probe whose session exists and whose salt is right. */
async function readyProbe(): Promise<MtprotoProbe> {
	const p = await probe();
	await p.invoke(status());
	return p;
}

const status = (): Api.payments.GetStarsStatus => new Api.payments.GetStarsStatus({ peer: new Api.InputPeerSelf() });

function badMsgFor(p: MtprotoProbe, msgId: bigint): Promise<Api.BadMsgNotification> {
	return p.waitForObject(Api.BadMsgNotification, (n) => BigInt(String(n.badMsgId)) === msgId);
}

function answerTo(p: MtprotoProbe, msgId: bigint): Promise<ProbeMessage & { kind: 'rpcResult' }> {
	return p.waitFor((m) => (m.kind === 'rpcResult' && m.reqMsgId === msgId ? m : undefined));
}

/** msg_container of [msgId, seqNo, body] entries. */
function container(messages: Array<[bigint, number, Buffer]>): Buffer {
	const parts = messages.map(([msgId, seqNo, body]) => {
		const head = Buffer.allocUnsafe(16);
		head.writeBigInt64LE(msgId, 0);
		head.writeInt32LE(seqNo, 8);
		head.writeInt32LE(body.length, 12);
		return Buffer.concat([head, body]);
	});
	const head = Buffer.allocUnsafe(8);
	head.writeUInt32LE(0x73f1f8dc, 0);
	head.writeInt32LE(messages.length, 4);
	return Buffer.concat([head, ...parts]);
}

const ping = (id: number): Buffer => new Api.Ping({ pingId: big(id) }).getBytes();

describe('server salts', () => {
	test('a wrong salt gets bad_server_salt (48) with the right one, before any session exists; the resend is answered', async () => {
		const p = await probe();
		const { msgId, seqNo } = p.send(status().getBytes());
		const notice = await p.waitForObject(Api.BadServerSalt, (n) => BigInt(String(n.badMsgId)) === msgId);
		expect(notice.errorCode).toBe(48);
		expect(notice.badMsgSeqno).toBe(seqNo);
		expect(p.messages.some((m) => m.kind === 'object' && m.obj instanceof Api.NewSessionCreated)).toBe(false);
		p.salt = BigInt(String(notice.newServerSalt));
		const again = p.send(status().getBytes());
		await answerTo(p, again.msgId);
		expect(p.messages.some((m) => m.kind === 'object' && m.obj instanceof Api.NewSessionCreated)).toBe(true);
	});

	test('get_future_salts lists salts and their windows; each is accepted in its window, the old one 1800 s longer', async () => {
		const p = await readyProbe();
		const { msgId } = p.send(new Api.GetFutureSalts({ num: 3 }).getBytes());
		const answer = await p.waitFor((m) => (m.kind === 'futureSalts' && m.reqMsgId === msgId ? m : undefined));
		const [first, second, third] = answer.salts;
		expect(answer.salts).toHaveLength(3);
		expect(first.salt).toBe(p.salt); // the one in use now
		expect(first.validSince).toBeLessThanOrEqual(answer.now);
		expect(first.validUntil).toBeGreaterThan(answer.now);
		expect([second.validSince - first.validSince, third.validSince - second.validSince]).toEqual([1800, 1800]);
		expect(answer.salts.map((s) => s.validUntil - s.validSince)).toEqual([3600, 3600, 3600]);

		// Half an hour on: the second salt is current, the first still accepted.
		const moveTo = (unix: number): void => {
			serverClockOffsetMs = unix * 1000 - Date.now();
			p.clockOffsetMs = serverClockOffsetMs; // the client's clock agrees with the server's
		};
		moveTo(second.validSince + 10);
		await answerTo(p, p.send(status().getBytes(), { salt: second.salt }).msgId);
		await answerTo(p, p.send(status().getBytes(), { salt: first.salt }).msgId);
		// An hour on: the first salt's window has closed.
		moveTo(third.validSince + 10);
		const stale = p.send(status().getBytes(), { salt: first.salt });
		const notice = await p.waitForObject(Api.BadServerSalt, (n) => BigInt(String(n.badMsgId)) === stale.msgId);
		expect(BigInt(String(notice.newServerSalt))).toBe(third.salt);
		await answerTo(p, p.send(status().getBytes(), { salt: second.salt }).msgId);
	});
});

describe('bad_msg_notification', () => {
	test('msg_id more than 300 s behind the server clock: 16; more than 30 s ahead: 17; not divisible by 4: 18', async () => {
		const p = await readyProbe();
		p.clockOffsetMs = -310_000;
		const low = p.send(status().getBytes());
		expect((await badMsgFor(p, low.msgId)).errorCode).toBe(16);
		p.clockOffsetMs = 40_000;
		const high = p.send(status().getBytes());
		const tooHigh = await badMsgFor(p, high.msgId);
		expect(tooHigh.errorCode).toBe(17);
		expect(tooHigh.badMsgSeqno).toBe(high.seqNo);
		// The notice's own msg_id carries the server time (what clients correct their clocks with).
		const noticeMsg = p.messages.find((m) => m.kind === 'object' && m.obj === tooHigh)!;
		expect(Math.abs(Number(noticeMsg.msgId >> 32n) - Date.now() / 1000)).toBeLessThan(5);
		p.clockOffsetMs = 0;
		const odd = p.send(status().getBytes(), { msgId: p.newMsgId() + 2n });
		expect((await badMsgFor(p, odd.msgId)).errorCode).toBe(18);
		// Nothing of these was processed.
		expect(p.messages.filter((m) => m.kind === 'rpcResult')).toHaveLength(1);
	});

	test('msg_seqno: 35 for an API query marked not content-related; 32 too low, 33 too high against the neighbours', async () => {
		const p = await readyProbe();
		const even = p.send(status().getBytes(), { contentRelated: false });
		expect((await badMsgFor(p, even.msgId)).errorCode).toBe(35);

		// msg_ids spaced apart, so no two messages of the test share one.
		const base = p.newMsgId();
		const a = p.send(status().getBytes(), { msgId: base + 400n, seqNo: 41 });
		await answerTo(p, a.msgId);
		const low = p.send(status().getBytes(), { msgId: base + 800n, seqNo: 39 }); // later msg_id, lower seqno
		expect((await badMsgFor(p, low.msgId)).errorCode).toBe(32);
		const high = p.send(status().getBytes(), { msgId: base + 200n, seqNo: 43 }); // earlier msg_id, higher seqno
		expect((await badMsgFor(p, high.msgId)).errorCode).toBe(33);
	});

	test('containers: odd seqno 34, a container inside a container or a message not below it 64, a reused msg_id 19', async () => {
		const p = await readyProbe();
		const inner = (): [bigint, number, Buffer] => [p.newMsgId(), p.nextSeqNo(true), ping(1)];

		const oddMsgs = [inner()];
		const odd = p.send(container(oddMsgs), { seqNo: p.nextSeqNo(true) });
		expect((await badMsgFor(p, odd.msgId)).errorCode).toBe(34);

		const nestedMsgs = [inner()];
		const nestedId = p.newMsgId();
		const nested = p.send(container([[nestedId, p.nextSeqNo(false), container(nestedMsgs)]]), { contentRelated: false });
		expect((await badMsgFor(p, nested.msgId)).errorCode).toBe(64);

		// An inner msg_id 5 s ahead: above the container's, yet within the 30 s a msg_id may lead by.
		const lateInner: [bigint, number, Buffer] = [p.newMsgId() + (5n << 32n), p.nextSeqNo(true), ping(2)];
		const late = p.send(container([lateInner]), { contentRelated: false });
		expect((await badMsgFor(p, late.msgId)).errorCode).toBe(64);

		const good = p.send(container([inner()]), { contentRelated: false });
		await p.waitForObject(Api.Pong, (pong) => Number(pong.pingId) === 1);
		const reused = p.send(container([inner()]), { msgId: good.msgId, contentRelated: false });
		expect((await badMsgFor(p, reused.msgId)).errorCode).toBe(19);
	});

	test('a message whose msg_id was seen before is not processed again', async () => {
		const p = await readyProbe();
		const first = p.send(ping(7));
		p.send(ping(7), { msgId: first.msgId, seqNo: first.seqNo });
		p.send(ping(8));
		await p.waitForObject(Api.Pong, (pong) => Number(pong.pingId) === 8);
		expect(p.messages.filter((m) => m.kind === 'object' && m.obj instanceof Api.Pong && Number(m.obj.pingId) === 7)).toHaveLength(1);
		expect(log.lines.some((l) => l.includes('ignored a repeated msg_id'))).toBe(true);
	});
});

describe('message state, sessions, pings', () => {
	test('msgs_state_req answers one status byte per msg_id', async () => {
		const p = await readyProbe();
		const answered = p.send(status().getBytes());
		await answerTo(p, answered.msgId);
		sandbox.injectFault({ method: 'payments.getStarGifts', kind: 'noReply' }); // received, never answered
		const running = p.send(new Api.payments.GetStarGifts({ hash: 0 }).getBytes());
		const ack = p.send(new Api.MsgsAck({ msgIds: [big(1)] }).getBytes(), { contentRelated: false });
		const notReceived = p.newMsgId();
		const tooHigh = p.newMsgId() + (120n << 32n);
		const tooLow = p.newMsgId() - (400n << 32n);
		const ids = [answered.msgId, running.msgId, ack.msgId, notReceived, tooHigh, tooLow];
		const request = p.send(new Api.MsgsStateReq({ msgIds: ids.map((id) => big(id)) }).getBytes(), { contentRelated: false });
		const info = await p.waitForObject(Api.MsgsStateInfo, (i) => BigInt(String(i.reqMsgId)) === request.msgId);
		expect([...info.info].map((c) => c.charCodeAt(0))).toEqual([
			MsgState.RECEIVED | MsgState.QUERY_PROCESSING_OR_DONE | MsgState.ANSWER_GENERATED | MsgState.ACKNOWLEDGED,
			MsgState.RECEIVED | MsgState.QUERY_PROCESSING_OR_DONE,
			MsgState.RECEIVED | MsgState.NO_ACK_NEEDED,
			MsgState.NOT_RECEIVED,
			MsgState.NOT_RECEIVED_TOO_HIGH,
			MsgState.UNKNOWN,
		]);
	});

	test('destroy_session forgets another session of the key (ok, then none); its next message starts a new one', async () => {
		const a = await readyProbe();
		const b = await readyProbe();
		const sessionB = big(b.sessionId.readBigInt64LE(0));
		const first = a.send(new Api.DestroySession({ sessionId: sessionB }).getBytes());
		await a.waitForObject(Api.DestroySessionOk, (r) => String(r.sessionId) === String(sessionB));
		a.send(new Api.DestroySession({ sessionId: sessionB }).getBytes());
		await a.waitForObject(Api.DestroySessionNone, (r) => String(r.sessionId) === String(sessionB));
		expect(first.msgId).toBeGreaterThan(0n);
		const created = (): number => b.messages.filter((m) => m.kind === 'object' && m.obj instanceof Api.NewSessionCreated).length;
		expect(created()).toBe(1);
		await b.invoke(status());
		expect(created()).toBe(2);
	});

	test('ping_delay_disconnect: pong, then the connection closes after the delay unless another one resets it', async () => {
		const p = await readyProbe();
		const started = Date.now();
		p.send(new Api.PingDelayDisconnect({ pingId: big(5), disconnectDelay: 1 }).getBytes());
		const pong = await p.waitForObject(Api.Pong, (x) => Number(x.pingId) === 5);
		expect(pong.pingId).toBeDefined();
		p.send(new Api.PingDelayDisconnect({ pingId: big(6), disconnectDelay: 2 }).getBytes());
		await p.waitForObject(Api.Pong, (x) => Number(x.pingId) === 6);
		await p.closed;
		expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
		expect(log.lines.some((l) => l.includes('no ping_delay_disconnect within 2 s'))).toBe(true);
	});

	test('rpc_drop_answer: a running query answers rpc_answer_dropped_running (both), an unknown one rpc_answer_unknown', async () => {
		const p = await readyProbe();
		sandbox.setLatency('payments.getStarGifts', 300);
		const running = p.send(new Api.payments.GetStarGifts({ hash: 0 }).getBytes());
		const drop = p.send(new Api.RpcDropAnswer({ reqMsgId: big(running.msgId) }).getBytes());
		const dropAnswer = await answerTo(p, drop.msgId);
		expect(dropAnswer.result.readUInt32LE(0)).toBe(Api.RpcAnswerDroppedRunning.CONSTRUCTOR_ID >>> 0);
		const original = await answerTo(p, running.msgId);
		expect(original.result.readUInt32LE(0)).toBe(Api.RpcAnswerDroppedRunning.CONSTRUCTOR_ID >>> 0);
		const unknown = p.send(new Api.RpcDropAnswer({ reqMsgId: big(p.newMsgId()) }).getBytes());
		expect((await answerTo(p, unknown.msgId)).result.readUInt32LE(0)).toBe(Api.RpcAnswerUnknown.CONSTRUCTOR_ID >>> 0);
		sandbox.setLatency('payments.getStarGifts', undefined);
	});
});

describe('answers in the layer the session declared', () => {
	test('a layer-228 session reads user#31774388; a layer-229 one user#b1b8cc83', async () => {
		for (const [layer, constructor] of [
			[228, 0x31774388],
			[229, Api.User.CONSTRUCTOR_ID >>> 0],
		] as const) {
			const p = await probe();
			const query = new Api.InvokeWithLayer({
				layer,
				query: new Api.InitConnection({
					apiId: sandbox.credentials.apiId,
					deviceModel: 'probe',
					systemVersion: '1',
					appVersion: '1',
					systemLangCode: 'en',
					langPack: '',
					langCode: 'en',
					query: new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }),
				}),
			});
			await p.invoke(status()); // salt
			const { msgId } = p.send(query.getBytes());
			const answer = await answerTo(p, msgId);
			expect(answer.result.readUInt32LE(0)).toBe(0x1cb5c415); // Vector
			expect(answer.result.readUInt32LE(8)).toBe(constructor);
		}
	});
});

describe('teleproto (the package client) meeting each notice', () => {
	const connected = (): Promise<TelegramClient> => h.connect();
	const internals = (client: TelegramClient): { timeOffset: number; _sequence: number } =>
		(client as unknown as { _sender: { _state: { timeOffset: number; _sequence: number } } })._sender._state;
	const balance = async (client: TelegramClient): Promise<number> =>
		Number(((await client.invoke(status())).balance as Api.StarsAmount).amount);

	test('17 (its clock ahead) and 16 (the server clock ahead): it takes the server time from the notice and resends', async () => {
		const client = await connected();
		internals(client).timeOffset = 120;
		expect(await balance(client)).toBe(1000);
		expect(Math.abs(internals(client).timeOffset)).toBeLessThanOrEqual(1);
		serverClockOffsetMs = 400_000;
		expect(await balance(client)).toBe(1000);
		expect(Math.abs(internals(client).timeOffset - 400)).toBeLessThanOrEqual(1);
		const codes = log.lines.filter((l) => l.includes('bad_msg_notification')).map((l) => /notification (\d+)/.exec(l)![1]);
		expect(codes).toEqual(['17', '16']);
	});

	test('48: when the server clock moves past its salt window it adopts the new salt and resends', async () => {
		const client = await connected();
		expect(await balance(client)).toBe(1000);
		serverClockOffsetMs = 2 * 3600 * 1000; // two hours on: its salt and clock are both stale
		expect(await balance(client)).toBe(1000);
		expect(log.lines.some((l) => l.includes('bad_msg_notification 16'))).toBe(true);
		expect(log.lines.some((l) => l.includes('bad_server_salt'))).toBe(true);
	});

	test('32: after its seqno went backwards it jumps ahead and resends', async () => {
		const client = await connected();
		expect(await balance(client)).toBe(1000);
		internals(client)._sequence = 0;
		expect(await balance(client)).toBe(1000);
		expect(log.lines.some((l) => l.includes('bad_msg_notification 32'))).toBe(true);
	});

	test('get_future_salts: teleproto cannot read the answer (its reader fails on future_salts) and reconnects', async () => {
		const client = await connected();
		await balance(client);
		const before = sandbox.record().connections.byAccount[ALICE];
		void client.invoke(new Api.GetFutureSalts({ num: 2 })).catch(() => undefined);
		// The sandbox answers as Telegram does (mtcute and the probe read it); teleproto's read loop
		// throws on it and the client opens a new connection. It never asks for salts by itself.
		await sandbox.waitFor((r) => r.connections.byAccount[ALICE] > before, 10_000);
	});
});
