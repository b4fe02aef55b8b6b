/** The sandbox's update sequences (updates.ts): numbering, history, getDifference and getChannelDifference. */
import fc from 'fast-check';
import { Api, returnBigInt } from '../../../src/telegram/gramjs';
import { UpdatesError, UpdatesLog } from '../../../src/sandbox/updates';

const ALICE = '1000001';
const CHANNEL = '2000000001';
const big = (v: number | string): ReturnType<typeof returnBigInt> => returnBigInt(v);

function world(options: { sliceSize?: number; historyLimit?: number } = {}): {
	log: UpdatesLog;
	clock: { unix: number };
	reach: { keys: string[] };
	sent: Api.Updates[];
} {
	const clock = { unix: 1_800_000_000 };
	const reach = { keys: [] as string[] };
	const sent: Api.Updates[] = [];
	const log = new UpdatesLog({
		unix: () => clock.unix,
		deliver: (_accountId, updates, acknowledged) => {
			sent.push(updates);
			for (const key of reach.keys) acknowledged(key);
		},
		...options,
	});
	return { log, clock, reach, sent };
}

const balance = (amount: number): Api.UpdateShort =>
	new Api.UpdateShort({ update: new Api.UpdateStarsBalance({ balance: new Api.StarsAmount({ amount: big(amount), nanos: 0 }) }), date: 0 });

const message = (id: number, peer: Api.TypePeer = new Api.PeerUser({ userId: big(ALICE) })): Api.MessageService =>
	new Api.MessageService({ id, peerId: peer, date: 0, action: new Api.MessageActionEmpty() });

const newMessage = (id: number): Api.Updates =>
	new Api.Updates({ updates: [new Api.UpdateNewMessage({ message: message(id), pts: 0, ptsCount: 0 })], users: [], chats: [], date: 0, seq: 0 });

const channelMessage = (id: number): Api.Updates =>
	new Api.Updates({
		updates: [new Api.UpdateNewChannelMessage({ message: message(id, new Api.PeerChannel({ channelId: big(CHANNEL) })), pts: 0, ptsCount: 0 })],
		users: [],
		chats: [],
		date: 0,
		seq: 0,
	});

const amountsOf = (updates: Api.TypeUpdate[]): number[] =>
	updates.flatMap((u) => (u instanceof Api.UpdateStarsBalance ? [Number((u.balance as Api.StarsAmount).amount)] : []));

describe('numbering what rooms push', () => {
	test('seq-sequence updates travel in an updates container with the next seq and the current date', () => {
		const { log, clock, sent } = world();
		log.push(ALICE, balance(900));
		clock.unix += 5;
		log.push(ALICE, balance(800));
		expect(sent.map((u) => [u.className, u.seq, u.date])).toEqual([
			['Updates', 1, 1_800_000_000],
			['Updates', 2, 1_800_000_005],
		]);
		expect(log.state(ALICE)).toMatchObject({ pts: 1, qts: 0, seq: 2 });
	});

	test('message-box updates get the next pts (pts_count events each) and leave seq alone', () => {
		const { log, sent } = world();
		log.push(ALICE, newMessage(10));
		const deletion = new Api.Updates({
			updates: [new Api.UpdateDeleteMessages({ messages: [10, 11, 12], pts: 0, ptsCount: 3 })],
			users: [],
			chats: [],
			date: 0,
			seq: 0,
		});
		log.push(ALICE, deletion);
		const [first, second] = sent.map((u) => u.updates[0] as { pts: number; ptsCount: number });
		expect([first.pts, first.ptsCount, second.pts, second.ptsCount]).toEqual([2, 1, 5, 3]);
		expect(sent.map((u) => u.seq)).toEqual([0, 0]);
		expect(log.state(ALICE)).toMatchObject({ pts: 5, seq: 0 });
	});

	test('updates with a qts get the next qts; a channel message gets the channel pts, shared by everyone', () => {
		const { log, sent } = world();
		const qtsUpdate = new Api.UpdateBotStopped({ userId: big(1), date: 0, stopped: true, qts: 0 });
		log.push(ALICE, new Api.Updates({ updates: [qtsUpdate], users: [], chats: [], date: 0, seq: 0 }));
		expect(qtsUpdate.qts).toBe(1);
		log.push(ALICE, channelMessage(1));
		log.push('1000002', channelMessage(2));
		expect((sent[1].updates[0] as Api.UpdateNewChannelMessage).pts).toBe(2);
		expect((sent[2].updates[0] as Api.UpdateNewChannelMessage).pts).toBe(3);
		expect(log.channelPts(CHANNEL)).toBe(3);
		expect(log.state(ALICE)).toMatchObject({ pts: 1, qts: 1 });
	});

	test('answers carry numbered updates too (assign), without being pushed', () => {
		const { log, sent } = world();
		const numbered = log.assign(ALICE, newMessage(7), 'key-a');
		expect((numbered.updates[0] as Api.UpdateNewMessage).pts).toBe(2);
		expect(sent).toEqual([]);
	});

	test('anything but updates / updateShort is refused with a clear error', () => {
		const { log } = world();
		expect(() => log.push(ALICE, new Api.UpdatesTooLong())).toThrow(/push Api.Updates or Api.UpdateShort/);
	});
});

describe('updates.getDifference', () => {
	test('a client that missed updates gets the messages and the other updates, then an empty difference', () => {
		const { log, clock } = world();
		const before = log.state(ALICE);
		clock.unix += 1;
		log.push(ALICE, balance(900));
		log.push(ALICE, newMessage(10));
		log.push(ALICE, balance(800));
		const diff = log.difference(ALICE, 'key-a', { pts: before.pts, date: before.date, qts: before.qts });
		expect(diff).toBeInstanceOf(Api.updates.Difference);
		const d = diff as Api.updates.Difference;
		expect(d.newMessages.map((m) => (m as Api.MessageService).id)).toEqual([10]);
		expect(amountsOf(d.otherUpdates)).toEqual([900, 800]);
		expect(d.state).toMatchObject({ pts: 2, seq: 2 });
		const again = log.difference(ALICE, 'key-a', { pts: d.state.pts, date: d.state.date, qts: d.state.qts });
		expect(again).toBeInstanceOf(Api.updates.DifferenceEmpty);
		expect((again as Api.updates.DifferenceEmpty).seq).toBe(2);
	});

	test('what an auth key acknowledged live is not sent to it again, but is to a key that missed it', () => {
		const { log, reach } = world();
		const start = log.state(ALICE);
		reach.keys = ['key-live'];
		log.push(ALICE, balance(900));
		const request = { pts: start.pts, date: start.date, qts: start.qts };
		expect(log.difference(ALICE, 'key-live', request)).toBeInstanceOf(Api.updates.DifferenceEmpty);
		expect(amountsOf((log.difference(ALICE, 'key-other', request) as Api.updates.Difference).otherUpdates)).toEqual([900]);
	});

	test('a long difference comes in slices; following the intermediate states gets everything once', () => {
		const { log } = world({ sliceSize: 3 });
		const start = log.state(ALICE);
		for (let i = 1; i <= 4; i++) {
			log.push(ALICE, balance(1000 - i));
			log.push(ALICE, newMessage(100 + i));
		}
		let state: { pts: number; date: number; qts: number } = { pts: start.pts, date: start.date, qts: start.qts };
		const amounts: number[] = [];
		const ids: number[] = [];
		const kinds: string[] = [];
		for (let round = 0; round < 10; round++) {
			const diff = log.difference(ALICE, 'key-a', state);
			kinds.push(diff.className);
			if (diff instanceof Api.updates.DifferenceEmpty) break;
			const d = diff as Api.updates.Difference | Api.updates.DifferenceSlice;
			amounts.push(...amountsOf(d.otherUpdates));
			ids.push(...d.newMessages.map((m) => (m as Api.MessageService).id));
			state = d instanceof Api.updates.DifferenceSlice ? d.intermediateState : d.state;
		}
		expect(kinds).toEqual(['updates.DifferenceSlice', 'updates.DifferenceSlice', 'updates.Difference', 'updates.DifferenceEmpty']);
		expect(amounts).toEqual([999, 998, 997, 996]);
		expect(ids).toEqual([101, 102, 103, 104]);
	});

	test('too far behind: differenceTooLong with the current pts (history trimmed, or pts_total_limit)', () => {
		const { log } = world({ historyLimit: 3 });
		const start = log.state(ALICE);
		for (let i = 0; i < 5; i++) log.push(ALICE, newMessage(i + 1));
		const trimmed = log.difference(ALICE, 'k', { pts: start.pts, date: start.date, qts: 0 });
		expect(trimmed).toEqual(expect.objectContaining({ className: 'updates.DifferenceTooLong', pts: 6 }));
		const limited = log.difference(ALICE, 'k', { pts: 4, date: start.date, qts: 0, ptsTotalLimit: 1 });
		expect(limited).toBeInstanceOf(Api.updates.DifferenceTooLong);
		expect(log.difference(ALICE, 'k', { pts: 4, date: start.date, qts: 0 })).toBeInstanceOf(Api.updates.Difference);
		// An absent pts_total_limit reads as null from the wire: no limit.
		expect(log.difference(ALICE, 'k', { pts: 4, date: start.date, qts: 0, ptsTotalLimit: null })).toBeInstanceOf(Api.updates.Difference);
	});

	test('a state ahead of the server is PERSISTENT_TIMESTAMP_INVALID', () => {
		const { log } = world();
		let error: unknown;
		try {
			log.difference(ALICE, 'k', { pts: 50, date: 0, qts: 0 });
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(UpdatesError);
		expect((error as UpdatesError).telegramError).toBe('PERSISTENT_TIMESTAMP_INVALID');
	});

	test('channel messages are not in the common difference: updateChannelTooLong names the channel and its pts', () => {
		const { log } = world();
		const start = log.state(ALICE);
		log.push(ALICE, channelMessage(1));
		log.push(ALICE, channelMessage(2));
		const d = log.difference(ALICE, 'k', { pts: start.pts, date: start.date, qts: 0 }) as Api.updates.Difference;
		expect(d.newMessages).toEqual([]);
		expect(d.otherUpdates).toHaveLength(1);
		expect(d.otherUpdates[0]).toBeInstanceOf(Api.UpdateChannelTooLong);
		expect(String((d.otherUpdates[0] as Api.UpdateChannelTooLong).channelId)).toBe(CHANNEL);
		expect((d.otherUpdates[0] as Api.UpdateChannelTooLong).pts).toBe(3);
	});
});

test('property: whatever mix of containers is pushed, following the slices yields every missed event once, in order', () => {
	type Item = 'balance' | 'message' | 'channel';
	const container = fc.record({
		items: fc.array(fc.constantFrom<Item>('balance', 'message', 'channel'), { minLength: 1, maxLength: 4 }),
		secondsLater: fc.integer({ min: 0, max: 2 }),
	});
	fc.assert(
		fc.property(fc.array(container, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 7 }), (pushes, sliceSize) => {
			const { log, clock } = world({ sliceSize });
			const start = log.state(ALICE);
			let next = 1;
			const expectedAmounts: number[] = [];
			const expectedMessages: number[] = [];
			let channelTouched = false;
			for (const { items, secondsLater } of pushes) {
				clock.unix += secondsLater;
				const updates = items.map((item) => {
					const n = next++;
					if (item === 'balance') {
						expectedAmounts.push(n);
						return new Api.UpdateStarsBalance({ balance: new Api.StarsAmount({ amount: big(n), nanos: 0 }) });
					}
					if (item === 'message') {
						expectedMessages.push(n);
						return new Api.UpdateNewMessage({ message: message(n), pts: 0, ptsCount: 1 });
					}
					channelTouched = true;
					return new Api.UpdateNewChannelMessage({ message: message(n, new Api.PeerChannel({ channelId: big(CHANNEL) })), pts: 0, ptsCount: 1 });
				});
				log.push(ALICE, new Api.Updates({ updates, users: [], chats: [], date: 0, seq: 0 }));
			}
			let cursor = { pts: start.pts, date: start.date, qts: start.qts };
			const amounts: number[] = [];
			const messages: number[] = [];
			let channelNotices = 0;
			for (let round = 0; round < 200; round++) {
				const diff = log.difference(ALICE, 'key', cursor);
				if (diff instanceof Api.updates.DifferenceEmpty) break;
				const d = diff as Api.updates.Difference | Api.updates.DifferenceSlice;
				amounts.push(...amountsOf(d.otherUpdates));
				messages.push(...d.newMessages.map((m) => (m as Api.MessageService).id));
				channelNotices += d.otherUpdates.filter((u) => u instanceof Api.UpdateChannelTooLong).length;
				cursor = d instanceof Api.updates.DifferenceSlice ? d.intermediateState : d.state;
			}
			expect(amounts).toEqual(expectedAmounts);
			expect(messages).toEqual(expectedMessages);
			expect(channelNotices > 0).toBe(channelTouched);
			expect(cursor.pts).toBe(log.state(ALICE).pts);
		}),
	);
});

describe('updates.getChannelDifference', () => {
	test('empty at the current pts; the missed messages otherwise; too long past pts + limit', () => {
		const { log } = world();
		for (let i = 1; i <= 5; i++) log.push(ALICE, channelMessage(i));
		expect(log.channelDifference(CHANNEL, { pts: 6, limit: 100 })).toEqual(expect.objectContaining({ className: 'updates.ChannelDifferenceEmpty', pts: 6, final: true }));
		const d = log.channelDifference(CHANNEL, { pts: 3, limit: 100 }) as Api.updates.ChannelDifference;
		expect(d).toBeInstanceOf(Api.updates.ChannelDifference);
		expect(d.final).toBe(true);
		expect(d.pts).toBe(6);
		expect(d.newMessages.map((m) => (m as Api.MessageService).id)).toEqual([3, 4, 5]);
		const long = log.channelDifference(CHANNEL, { pts: 1, limit: 2 }) as Api.updates.ChannelDifferenceTooLong;
		expect(long).toBeInstanceOf(Api.updates.ChannelDifferenceTooLong);
		expect((long.dialog as Api.Dialog).pts).toBe(6);
		expect((long.dialog as Api.Dialog).topMessage).toBe(5);
		expect(long.messages.map((m) => (m as Api.MessageService).id)).toEqual([4, 5]);
		expect(() => log.channelDifference(CHANNEL, { pts: 9, limit: 10 })).toThrow(UpdatesError);
	});
});
