/**
 * The sandbox's update sequences (core.telegram.org/api/updates): every update a room pushes, and
 * every update an answer carries, is numbered here and kept, so a client that missed some catches
 * up with updates.getDifference / updates.getChannelDifference as with Telegram.
 *
 * - Common message box (per account): updateNewMessage, updateDeleteMessages, … get the next
 *   `pts` (pts_count events each).
 * - Secondary sequence (per account): updates with a `qts` field get the next qts.
 * - Channel boxes (per channel, shared by its members): updateNewChannelMessage, … get the
 *   channel's next `pts`; the account's history notes the channel, so getDifference can answer
 *   updateChannelTooLong for it.
 * - Everything else (updateStarsBalance, auction state, …) belongs to the Updates sequence: it
 *   travels in an `updates` container whose `seq` is the account's next seq, and getDifference
 *   returns it in other_updates to a client whose `date` is not past it and whose auth key has not
 *   acknowledged it (nor had it in an earlier difference).
 *
 * How a room pushes an update: call `push(accountId, updates)` on the sandbox's RPC world with an
 * `Api.Updates` (or `Api.UpdateShort`) built with the library's classes. Leave pts, pts_count
 * (unless an update counts several events), qts, seq and date at anything: they are assigned here.
 */
import { Api, returnBigInt } from '../telegram/gramjs';

type BigInteger = ReturnType<typeof returnBigInt>;
const big = (v: number | string | bigint): BigInteger => returnBigInt(typeof v === 'bigint' ? v.toString() : v);

/** Updates of the common message box (the list Telegram's clients apply by pts). */
const COMMON_PTS_UPDATES = [
	Api.UpdateNewMessage,
	Api.UpdateDeleteMessages,
	Api.UpdateReadHistoryInbox,
	Api.UpdateReadHistoryOutbox,
	Api.UpdateWebPage,
	Api.UpdateReadMessagesContents,
	Api.UpdateEditMessage,
	Api.UpdateFolderPeers,
	Api.UpdatePinnedMessages,
];

/** Updates of a channel's message box. */
const CHANNEL_PTS_UPDATES = [
	Api.UpdateNewChannelMessage,
	Api.UpdateEditChannelMessage,
	Api.UpdateDeleteChannelMessages,
	Api.UpdateChannelWebPage,
	Api.UpdatePinnedChannelMessages,
];

/** How many events a difference carries at most before it is cut into slices. */
export const DIFFERENCE_SLICE = 100;
/** Events kept per account and per channel; asking from before the oldest gets *TooLong. */
export const HISTORY_LIMIT = 10_000;

type Peers = { users: Api.TypeUser[]; chats: Api.TypeChat[] };

interface Event extends Peers {
	/** pts events: the box's pts after it, and how many events it counts. */
	kind: 'pts' | 'qts' | 'seq' | 'channel';
	update: Api.TypeUpdate;
	date: number;
	ptsAfter: number;
	qtsAfter: number;
	seqAfter: number;
	channelId?: string;
	/** seq and channel events: the auth keys that have it (acknowledged when pushed, or sent in a difference). */
	deliveredTo?: Set<string>;
}

interface AccountBox {
	pts: number;
	qts: number;
	seq: number;
	events: Event[];
	/** The pts before the oldest kept pts event (a client at or above it can be answered). */
	oldestPts: number;
	oldestQts: number;
}

interface ChannelEvent extends Peers {
	update: Api.TypeUpdate;
	ptsAfter: number;
	ptsCount: number;
}

interface ChannelBox {
	pts: number;
	events: ChannelEvent[];
	oldestPts: number;
}

export class UpdatesError extends Error {
	constructor(readonly telegramError: string) {
		super(telegramError);
	}
}

export interface UpdatesLogOptions {
	/** Unix seconds now (the sandbox clock). */
	unix: () => number;
	/**
	 * Sends numbered updates to the account's sessions; calls `acknowledged(authKeyId)` when a
	 * client acknowledges them (only then does an auth key count as having them).
	 */
	deliver: (accountId: string, updates: Api.Updates, acknowledged: (authKeyId: string) => void) => void;
	sliceSize?: number;
	historyLimit?: number;
}

function isOneOf(update: unknown, classes: ReadonlyArray<new (...args: never[]) => unknown>): boolean {
	return classes.some((c) => update instanceof c);
}

function channelIdOf(update: Api.TypeUpdate): string | undefined {
	const u = update as { channelId?: unknown; message?: { peerId?: unknown } };
	if (u.channelId !== undefined) return String(u.channelId);
	const peer = u.message?.peerId;
	return peer instanceof Api.PeerChannel ? String(peer.channelId) : undefined;
}

function ptsCountOf(update: Api.TypeUpdate): number {
	const count = (update as { ptsCount?: unknown }).ptsCount;
	return typeof count === 'number' && count > 0 ? count : 1;
}

/** The first index whose event satisfies a predicate that, along the array, turns true once and stays true. */
function firstIndex<T>(items: T[], predicate: (item: T) => boolean): number {
	let lo = 0;
	let hi = items.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (predicate(items[mid])) hi = mid;
		else lo = mid + 1;
	}
	return lo;
}

function peerKey(peer: Api.TypeUser | Api.TypeChat): string {
	return `${peer.className}:${String((peer as { id?: unknown }).id)}`;
}

function mergePeers(events: Peers[]): Peers {
	const users = new Map<string, Api.TypeUser>();
	const chats = new Map<string, Api.TypeChat>();
	for (const e of events) {
		for (const u of e.users) users.set(peerKey(u), u);
		for (const c of e.chats) chats.set(peerKey(c), c);
	}
	return { users: [...users.values()], chats: [...chats.values()] };
}

export class UpdatesLog {
	private readonly accounts = new Map<string, AccountBox>();
	private readonly channels = new Map<string, ChannelBox>();
	private readonly sliceSize: number;
	private readonly historyLimit: number;

	constructor(private readonly options: UpdatesLogOptions) {
		this.sliceSize = options.sliceSize ?? DIFFERENCE_SLICE;
		this.historyLimit = options.historyLimit ?? HISTORY_LIMIT;
	}

	private box(accountId: string): AccountBox {
		let box = this.accounts.get(accountId);
		if (!box) {
			// pts starts at 1 as for a new Telegram account; seq and qts at 0.
			box = { pts: 1, qts: 0, seq: 0, events: [], oldestPts: 1, oldestQts: 0 };
			this.accounts.set(accountId, box);
		}
		return box;
	}

	private channel(channelId: string): ChannelBox {
		let box = this.channels.get(channelId);
		if (!box) {
			box = { pts: 1, events: [], oldestPts: 1 };
			this.channels.set(channelId, box);
		}
		return box;
	}

	/** The channel's pts now (channelFull.pts, dialogs). */
	channelPts(channelId: string): number {
		return this.channel(channelId).pts;
	}

	/**
	 * Numbers and keeps the updates of an answer (e.g. payments.paymentResult.updates) that the
	 * caller sends back itself; `authKeyId` is the key that will have them.
	 */
	assign(accountId: string, updates: Api.TypeUpdates, authKeyId?: string): Api.Updates {
		const { numbered, events } = this.number(accountId, updates);
		if (authKeyId !== undefined) for (const e of events) e.deliveredTo?.add(authKeyId);
		return numbered;
	}

	/** The single way a room pushes updates: numbered, kept for getDifference, sent to the account's sessions. */
	push(accountId: string, updates: Api.TypeUpdates): Api.Updates {
		const { numbered, events } = this.number(accountId, updates);
		this.options.deliver(accountId, numbered, (authKeyId) => {
			for (const e of events) e.deliveredTo?.add(authKeyId);
		});
		return numbered;
	}

	private number(accountId: string, updates: Api.TypeUpdates): { numbered: Api.Updates; events: Event[] } {
		let list: Api.TypeUpdate[];
		let peers: Peers;
		if (updates instanceof Api.Updates || updates instanceof Api.UpdatesCombined) {
			list = updates.updates;
			peers = { users: updates.users, chats: updates.chats };
		} else if (updates instanceof Api.UpdateShort) {
			list = [updates.update];
			peers = { users: [], chats: [] };
		} else {
			throw new Error(`updates log: push Api.Updates or Api.UpdateShort, not ${updates.className}`);
		}
		const box = this.box(accountId);
		const date = this.options.unix();
		const events: Event[] = [];
		let inSeq = false;
		for (const update of list) {
			const base = { update, date, ...peers, ptsAfter: box.pts, qtsAfter: box.qts, seqAfter: box.seq };
			if (isOneOf(update, COMMON_PTS_UPDATES)) {
				const count = ptsCountOf(update);
				box.pts += count;
				Object.assign(update, { pts: box.pts, ptsCount: count });
				events.push({ ...base, kind: 'pts', ptsAfter: box.pts });
			} else if (isOneOf(update, CHANNEL_PTS_UPDATES)) {
				const channelId = channelIdOf(update);
				if (channelId === undefined) throw new Error(`updates log: ${update.className} names no channel`);
				const channel = this.channel(channelId);
				const count = ptsCountOf(update);
				channel.pts += count;
				Object.assign(update, { pts: channel.pts, ptsCount: count });
				channel.events.push({ update, ptsAfter: channel.pts, ptsCount: count, ...peers });
				this.trim(channel.events, (removed) => (channel.oldestPts = removed.ptsAfter));
				events.push({ ...base, kind: 'channel', channelId, deliveredTo: new Set() });
			} else if (typeof (update as { qts?: unknown }).qts === 'number') {
				box.qts += 1;
				Object.assign(update, { qts: box.qts });
				events.push({ ...base, kind: 'qts', qtsAfter: box.qts });
			} else {
				inSeq = true;
				events.push({ ...base, kind: 'seq', deliveredTo: new Set() });
			}
		}
		if (inSeq) box.seq += 1;
		// Every event records the box where it stands, so pts, qts and seq never decrease along the history.
		for (const e of events) e.seqAfter = box.seq;
		box.events.push(...events);
		this.trim(box.events, (removed) => {
			if (removed.kind === 'pts') box.oldestPts = removed.ptsAfter;
			if (removed.kind === 'qts') box.oldestQts = removed.qtsAfter;
		});
		// Containers with nothing but box events carry seq 0 (they are ordered by pts/qts).
		const numbered = new Api.Updates({ updates: list, users: peers.users, chats: peers.chats, date, seq: inSeq ? box.seq : 0 });
		return { numbered, events };
	}

	private trim<T>(events: T[], onRemoved: (removed: T) => void): void {
		while (events.length > this.historyLimit) onRemoved(events.shift()!);
	}

	state(accountId: string): Api.updates.State {
		const box = this.box(accountId);
		return new Api.updates.State({ pts: box.pts, qts: box.qts, date: this.options.unix(), seq: box.seq, unreadCount: 0 });
	}

	/**
	 * updates.getDifference for one auth key. Throws UpdatesError('PERSISTENT_TIMESTAMP_INVALID')
	 * for a state ahead of the server's.
	 */
	difference(accountId: string, authKeyId: string, request: { pts: number; date: number; qts: number; ptsTotalLimit?: number | null }): Api.updates.TypeDifference {
		const box = this.box(accountId);
		if (request.pts > box.pts || request.qts > box.qts || request.pts < 0) throw new UpdatesError('PERSISTENT_TIMESTAMP_INVALID');
		if (
			(typeof request.ptsTotalLimit === 'number' && request.pts + request.ptsTotalLimit < box.pts) ||
			request.pts < box.oldestPts ||
			request.qts < box.oldestQts
		) {
			return new Api.updates.DifferenceTooLong({ pts: box.pts });
		}
		const missedBy = (e: Event): boolean => {
			if (e.kind === 'pts') return e.ptsAfter > request.pts;
			if (e.kind === 'qts') return e.qtsAfter > request.qts;
			return e.date >= request.date && !e.deliveredTo!.has(authKeyId);
		};
		// pts, qts and date never decrease along the history: start at the first event any of them
		// could select, and stop once the slice is full and one more is known to remain.
		const events = box.events;
		const from = Math.min(
			firstIndex(events, (e) => e.ptsAfter > request.pts),
			firstIndex(events, (e) => e.qtsAfter > request.qts),
			firstIndex(events, (e) => e.date >= request.date),
		);
		const slice: Event[] = [];
		let more = false;
		for (let i = from; i < events.length; i++) {
			if (!missedBy(events[i])) continue;
			if (slice.length === this.sliceSize) {
				more = true;
				break;
			}
			slice.push(events[i]);
		}
		if (slice.length === 0) return new Api.updates.DifferenceEmpty({ date: this.options.unix(), seq: box.seq });
		for (const e of slice) e.deliveredTo?.add(authKeyId);
		const newMessages: Api.TypeMessage[] = [];
		const otherUpdates: Api.TypeUpdate[] = [];
		const channelsNamed = new Set<string>();
		for (const e of slice) {
			if (e.kind === 'channel') {
				// The channel's own messages come from getChannelDifference (api/updates#recovering-gaps).
				if (!channelsNamed.has(e.channelId!)) {
					channelsNamed.add(e.channelId!);
					otherUpdates.push(new Api.UpdateChannelTooLong({ channelId: big(e.channelId!), pts: this.channel(e.channelId!).pts }));
				}
			} else if (e.update instanceof Api.UpdateNewMessage) {
				newMessages.push(e.update.message);
			} else {
				otherUpdates.push(e.update);
			}
		}
		const { users, chats } = mergePeers(slice);
		const body = { newMessages, newEncryptedMessages: [], otherUpdates, chats, users };
		if (more) {
			const last = slice[slice.length - 1];
			const intermediateState = new Api.updates.State({
				pts: slice.reduce((pts, e) => (e.kind === 'pts' ? Math.max(pts, e.ptsAfter) : pts), request.pts),
				qts: slice.reduce((qts, e) => (e.kind === 'qts' ? Math.max(qts, e.qtsAfter) : qts), request.qts),
				date: last.date,
				seq: last.seqAfter,
				unreadCount: 0,
			});
			return new Api.updates.DifferenceSlice({ ...body, intermediateState });
		}
		return new Api.updates.Difference({ ...body, state: this.state(accountId) });
	}

	/** updates.getChannelDifference (the caller checked the account may read the channel). */
	channelDifference(channelId: string, request: { pts: number; limit: number }): Api.updates.TypeChannelDifference {
		const channel = this.channel(channelId);
		if (request.pts > channel.pts || request.pts <= 0) throw new UpdatesError('PERSISTENT_TIMESTAMP_INVALID');
		if (request.pts === channel.pts) return new Api.updates.ChannelDifferenceEmpty({ final: true, pts: channel.pts });
		const limit = Math.max(1, Math.min(request.limit || 1, 100_000));
		const missed = channel.events.filter((e) => e.ptsAfter > request.pts);
		if (request.pts < channel.oldestPts || request.pts + limit < channel.pts) {
			// Too many to send (updates.channelDifferenceTooLong: "pts + limit < remote pts"): the
			// newest messages and the dialog's state to restart from.
			const recent = missed.slice(-limit);
			const messages = recent.flatMap((e) => (e.update instanceof Api.UpdateNewChannelMessage ? [e.update.message] : []));
			const topMessage = messages.length > 0 ? (messages[messages.length - 1] as { id: number }).id : 0;
			return new Api.updates.ChannelDifferenceTooLong({
				final: true,
				dialog: new Api.Dialog({
					peer: new Api.PeerChannel({ channelId: big(channelId) }),
					topMessage,
					readInboxMaxId: 0,
					readOutboxMaxId: 0,
					unreadCount: 0,
					unreadMentionsCount: 0,
					unreadReactionsCount: 0,
					unreadPollVotesCount: 0,
					notifySettings: new Api.PeerNotifySettings({}),
					pts: channel.pts,
				}),
				messages,
				...mergePeers(recent),
			});
		}
		const newMessages: Api.TypeMessage[] = [];
		const otherUpdates: Api.TypeUpdate[] = [];
		for (const e of missed) {
			if (e.update instanceof Api.UpdateNewChannelMessage) newMessages.push(e.update.message);
			else otherUpdates.push(e.update);
		}
		return new Api.updates.ChannelDifference({ final: true, pts: channel.pts, newMessages, otherUpdates, ...mergePeers(missed) });
	}
}
