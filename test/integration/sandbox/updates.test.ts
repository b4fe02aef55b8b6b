/**
 * Update sequences over the wire with teleproto (the package's client): what is pushed is numbered
 * consistently with what getState and getDifference say, and a client that was disconnected while
 * updates were pushed gets them from getDifference — which teleproto's update manager calls by
 * itself when the sandbox reports a new session after the reconnect.
 */
import { Api, returnBigInt, type TelegramClient } from '../../../src/telegram/gramjs';
import type { Sandbox } from '../../../src/sandbox';
import { ALICE, CHANNEL, baseScenario, channelPeer, harness, inputChannel, type Harness } from './helpers';
import { balanceUpdate, collectingLogger, openProbe } from './clients';

const big = (v: number | string): ReturnType<typeof returnBigInt> => returnBigInt(v);

let h: Harness;
let sandbox: Sandbox;
let log: ReturnType<typeof collectingLogger>;

beforeEach(async () => {
	log = collectingLogger();
	h = await harness(baseScenario({ accounts: [{ id: ALICE, label: 'Alice', username: 'alice', balance: 100_000 }] }), { logger: log });
	sandbox = h.sandbox;
});

afterEach(async () => {
	await h.close();
});

const connected = (): Promise<TelegramClient> => h.connect();

/** Everything teleproto dispatches to event handlers, and a way to wait for a condition on it. */
function dispatched(client: TelegramClient): { updates: unknown[]; until(predicate: (all: unknown[]) => boolean): Promise<void> } {
	const updates: unknown[] = [];
	const waiters = new Set<() => void>();
	client.addEventHandler((update: unknown) => {
		updates.push(update);
		for (const w of [...waiters]) w();
	});
	return {
		updates,
		until: (predicate) =>
			new Promise<void>((resolve, reject) => {
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error(`condition not met; dispatched ${updates.map((u) => (u as { className?: string }).className).join(',')}`));
				}, 15_000);
				const check = (): void => {
					if (!predicate(updates)) return;
					clearTimeout(timer);
					waiters.delete(check);
					resolve();
				};
				waiters.add(check);
				check();
			}),
	};
}

const amounts = (updates: unknown[]): number[] =>
	updates.flatMap((u) => (u instanceof Api.UpdateStarsBalance ? [Number((u.balance as Api.StarsAmount).amount)] : []));

const giftMessageIds = (updates: unknown[]): number[] =>
	updates.flatMap((u) => (u instanceof Api.UpdateNewMessage && u.message instanceof Api.MessageService ? [u.message.id] : []));

function newMessage(id: number): Api.Updates {
	const message = new Api.MessageService({
		id,
		peerId: new Api.PeerUser({ userId: big(ALICE) }),
		date: 0,
		action: new Api.MessageActionEmpty(),
	});
	return new Api.Updates({ updates: [new Api.UpdateNewMessage({ message, pts: 0, ptsCount: 1 })], users: [], chats: [], date: 0, seq: 0 });
}

async function buy(client: TelegramClient, giftId: string, peer: Api.TypeInputPeer): Promise<Api.payments.PaymentResult> {
	const invoice = new Api.InputInvoiceStarGift({ peer, giftId: big(giftId) });
	const form = (await client.invoke(new Api.payments.GetPaymentForm({ invoice }))) as Api.payments.PaymentFormStarGift;
	return (await client.invoke(new Api.payments.SendStarsForm({ formId: form.formId, invoice }))) as Api.payments.PaymentResult;
}

test('pushed balances and answered gift messages are numbered as getState and getDifference report them', async () => {
	const client = await connected();
	const start = await client.invoke(new Api.updates.GetState());
	const result = await buy(client, '5002', new Api.InputPeerSelf());
	const message = (result.updates as Api.Updates).updates[0] as Api.UpdateNewMessage;
	expect([message.pts, message.ptsCount]).toEqual([start.pts + 1, 1]);
	await buy(client, '5002', new Api.InputPeerSelf());
	const after = await client.invoke(new Api.updates.GetState());
	expect(after.pts).toBe(start.pts + 2);
	expect(after.seq).toBe(start.seq + 2); // one updateStarsBalance container per purchase

	// A state from before both purchases: the difference holds both messages and both balances.
	const diff = await client.invoke(new Api.updates.GetDifference({ pts: start.pts, date: start.date - 1, qts: start.qts }));
	expect(diff).toBeInstanceOf(Api.updates.Difference);
	const d = diff as Api.updates.Difference;
	expect(d.newMessages).toHaveLength(2);
	expect(d.state.pts).toBe(after.pts);
	const empty = await client.invoke(new Api.updates.GetDifference({ pts: after.pts, date: after.date, qts: after.qts }));
	expect(empty).toBeInstanceOf(Api.updates.DifferenceEmpty);

	// A channel purchase moves the channel's pts, not the account's; getChannelDifference has it.
	const channel = await channelPeer(client, CHANNEL);
	const full = await client.invoke(new Api.channels.GetFullChannel({ channel: inputChannel(channel) }));
	const channelPts = (full.fullChat as Api.ChannelFull).pts!;
	const inChannel = await buy(client, '5002', channel);
	expect(((inChannel.updates as Api.Updates).updates[0] as Api.UpdateNewChannelMessage).pts).toBe(channelPts + 1);
	expect((await client.invoke(new Api.updates.GetState())).pts).toBe(after.pts);
	const cd = await client.invoke(
		new Api.updates.GetChannelDifference({ channel: inputChannel(channel), filter: new Api.ChannelMessagesFilterEmpty(), pts: channelPts, limit: 100 }),
	);
	expect(cd).toBeInstanceOf(Api.updates.ChannelDifference);
	expect((cd as Api.updates.ChannelDifference).newMessages).toHaveLength(1);
});

test('a client disconnected while updates were pushed gets them all from getDifference after it reconnects', async () => {
	const client = await connected();
	const seen = dispatched(client);
	// Its update manager has its state once a live update is dispatched.
	sandbox.push(ALICE, balanceUpdate(1));
	await seen.until((all) => amounts(all).includes(1));

	// In one tick: its connection goes, then 150 balance changes and 120 new messages are pushed,
	// more than one difference slice of each.
	sandbox.dropConnections(ALICE);
	const missedAmounts = Array.from({ length: 150 }, (_, i) => 5000 + i);
	const missedMessages = Array.from({ length: 120 }, (_, i) => 900 + i);
	missedAmounts.forEach((amount, i) => {
		sandbox.push(ALICE, balanceUpdate(amount));
		if (i < missedMessages.length) sandbox.push(ALICE, newMessage(missedMessages[i]));
	});

	// teleproto reconnects in a new session; new_session_created makes it fetch the difference.
	await seen.until((all) => amounts(all).includes(5149) && giftMessageIds(all).includes(1019));
	expect(amounts(seen.updates)).toEqual([1, ...missedAmounts]);
	expect(giftMessageIds(seen.updates)).toEqual(missedMessages);
	expect(sandbox.record().calls['updates.getDifference']).toBeGreaterThanOrEqual(3); // 270 events: slices of 100
	expect(log.lines.filter((l) => l.includes('UNSUPPORTED'))).toEqual([]);

	// And it goes on with live updates in order.
	sandbox.push(ALICE, balanceUpdate(7));
	await seen.until((all) => amounts(all).includes(7));
});

test('in normal operation teleproto meets no METHOD_NOT_SUPPORTED_BY_SANDBOX (connect, buy, updates, reconnects)', async () => {
	const client = await connected();
	const seen = dispatched(client);
	await buy(client, '5001', new Api.InputPeerSelf());
	await seen.until((all) => amounts(all).includes(99_900));
	for (let i = 0; i < 2; i++) {
		const before = sandbox.record().connections.byAccount[ALICE];
		sandbox.dropConnections(ALICE);
		await sandbox.waitFor((r) => r.connections.byAccount[ALICE] > before, 10_000);
		await buy(client, '5002', new Api.InputPeerSelf());
	}
	await seen.until((all) => amounts(all).includes(99_850));
	expect(sandbox.record().calls['updates.getDifference']).toBeGreaterThanOrEqual(2);
	expect(log.lines.filter((l) => l.includes('UNSUPPORTED'))).toEqual([]);
});

test('an update counts as delivered to an auth key once its client acknowledges it (msgs_ack)', async () => {
	const probe = await openProbe(sandbox, { kind: 'intermediate', obfuscated: false });
	try {
		const state = await probe.invoke(new Api.updates.GetState());
		sandbox.push(ALICE, balanceUpdate(4242));
		const pushed = await probe.waitFor((m) => (m.kind === 'object' && m.obj instanceof Api.Updates ? m : undefined));
		const request = new Api.updates.GetDifference({ pts: state.pts, date: state.date, qts: state.qts });
		// Received but not acknowledged: the client may not have it, so the difference carries it.
		const before = await probe.invoke(request);
		expect(amounts((before as Api.updates.Difference).otherUpdates)).toEqual([4242]);
		// A second auth-key-wide ask gets nothing new: the difference itself counts as delivery.
		expect(await probe.invoke(request)).toBeInstanceOf(Api.updates.DifferenceEmpty);
		// Another update, acknowledged this time, is not repeated.
		sandbox.push(ALICE, balanceUpdate(4343));
		const second = await probe.waitFor((m) => (m.kind === 'object' && m.obj instanceof Api.Updates && m.msgId !== pushed.msgId ? m : undefined));
		probe.send(new Api.MsgsAck({ msgIds: [big(second.msgId.toString())] }).getBytes(), { contentRelated: false });
		expect(await probe.invoke(request)).toBeInstanceOf(Api.updates.DifferenceEmpty);
	} finally {
		probe.close();
	}
});

test('a session that used invokeWithoutUpdates gets no pushed updates; others of the account do', async () => {
	const quiet = await openProbe(sandbox, { kind: 'abridged', obfuscated: false });
	const loud = await openProbe(sandbox, { kind: 'abridged', obfuscated: false });
	try {
		await quiet.invoke(new Api.InvokeWithoutUpdates({ query: new Api.updates.GetState() }));
		await loud.invoke(new Api.updates.GetState());
		sandbox.push(ALICE, balanceUpdate(5150));
		await loud.waitFor((m) => (m.kind === 'object' && m.obj instanceof Api.Updates ? m : undefined));
		// Anything pushed to the quiet session would have been written before this pong.
		quiet.send(new Api.Ping({ pingId: big(1) }).getBytes());
		await quiet.waitForObject(Api.Pong);
		expect(quiet.messages.some((m) => m.kind === 'object' && m.obj instanceof Api.Updates)).toBe(false);
	} finally {
		quiet.close();
		loud.close();
	}
});
