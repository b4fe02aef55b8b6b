/**
 * Peers as one account sees them: per-account access hashes, the checks on every input peer,
 * the dialog list (messages.getDialogs), the contact list (contacts.getContacts) and
 * contacts.resolveUsername. Telegram hands an account an access hash for a peer only inside answers
 * that carry that peer, and refuses an input peer whose hash is zero or another account's
 * (docs/sandbox.md, "Peers and access hashes").
 *
 * Who is in an account's dialogs: channels it is a member of, users it has a private chat with
 * (scenario `dialogs`, both ways) and users it sent a gift to or got one from. Contacts come from
 * the scenario's `contacts`.
 */
import { Api, returnBigInt } from '../telegram/gramjs';
import { MarketError, peerKey, type Market, type PeerRef } from './market';
import type { Scenario } from './scenario';

type BigInteger = ReturnType<typeof returnBigInt>;
const big = (v: bigint | number | string): BigInteger => returnBigInt(typeof v === 'string' ? BigInt(v) : v);

/** messages.getDialogs answers at most this many dialogs per page (Telegram's cap). */
export const DIALOGS_PAGE_MAX = 100;

export interface PeersWorld {
	market: Market;
	scenario: Scenario;
	/** Unix seconds of a sandbox time. */
	unix: (ms?: number) => number;
	/** The access hash `viewerId` holds for a user or channel. */
	accessHash: (kind: 'user' | 'channel', id: string, viewerId: string) => bigint;
	user: (id: string, viewerId: string) => Api.TypeUser;
	channel: (id: string, viewerId: string) => Api.Channel;
	/** A channel's pts now (the dialog carries it: a client's starting point for the channel's updates). */
	channelPts: (id: string) => number;
}

/** A signed-in call as the peers module needs it. */
export interface PeerCall {
	accountId: string;
	request: Api.AnyRequest;
}

export interface DialogEntry {
	peer: PeerRef;
	/** Date of the dialog's top message (unix seconds). */
	date: number;
	topMessage: number;
}

export class SandboxPeers {
	readonly handlers: Record<string, (call: PeerCall) => Buffer>;

	constructor(private readonly world: PeersWorld) {
		this.handlers = {
			'messages.getDialogs': (c) => this.getDialogs(c),
			'contacts.getContacts': (c) => this.getContacts(c),
			'contacts.resolveUsername': (c) => this.resolveUsername(c),
		};
	}

	/**
	 * An input peer, user or channel as `viewerId` may address it: self, or a peer with the access
	 * hash this account was handed. Anything else fails with `invalid` (each method page names its
	 * error: PEER_ID_INVALID, USER_ID_INVALID, CHANNEL_INVALID, OFFSET_PEER_ID_INVALID).
	 */
	inputPeer(input: unknown, viewerId: string, invalid: string): PeerRef {
		const { market, accessHash } = this.world;
		if (input instanceof Api.InputPeerSelf || input instanceof Api.InputUserSelf) return { kind: 'user', id: viewerId };
		if (input instanceof Api.InputPeerUser || input instanceof Api.InputUser) {
			const id = String(input.userId);
			if (market.accounts.has(id) && BigInt(String(input.accessHash)) === accessHash('user', id, viewerId)) return { kind: 'user', id };
			throw new MarketError(invalid);
		}
		if (input instanceof Api.InputPeerChannel || input instanceof Api.InputChannel) {
			const id = String(input.channelId);
			if (market.channels.has(id) && BigInt(String(input.accessHash)) === accessHash('channel', id, viewerId)) return { kind: 'channel', id };
			throw new MarketError(invalid);
		}
		// inputPeerEmpty, basic groups, *FromMessage forms: nothing the sandbox hands out.
		throw new MarketError(invalid);
	}

	/** The account's dialogs, newest top message first (Telegram's order without pinned/folders). */
	dialogsOf(viewerId: string): DialogEntry[] {
		const { market, scenario, unix } = this.world;
		const entries = new Map<string, DialogEntry>();
		// Dialogs from the scenario are older than the sandbox: one minute apart in scenario order.
		let age = 0;
		const base = (peer: PeerRef): void => {
			age += 1;
			if (!entries.has(peerKey(peer))) entries.set(peerKey(peer), { peer, date: unix(-age * 60_000), topMessage: 1 });
		};
		for (const ch of market.channels.values()) if (ch.members.includes(viewerId)) base({ kind: 'channel', id: ch.id });
		const self = scenario.accounts.find((a) => a.id === viewerId);
		for (const other of scenario.accounts) {
			if (other.id === viewerId) continue;
			if (self?.dialogs.includes(other.id) || other.dialogs.includes(viewerId)) base({ kind: 'user', id: other.id });
		}
		// A gift is a message in the chat with its recipient (for both sides) or in the channel.
		for (const p of market.purchases) {
			if (!p.ok) continue;
			let peer: PeerRef | undefined;
			if (p.peer.startsWith('-')) {
				const channelId = (-BigInt(p.peer) - 1000000000000n).toString();
				if (market.channels.get(channelId)?.members.includes(viewerId)) peer = { kind: 'channel', id: channelId };
			} else if (p.accountId === viewerId && p.peer !== viewerId) peer = { kind: 'user', id: p.peer };
			else if (p.peer === viewerId && p.accountId !== viewerId) peer = { kind: 'user', id: p.accountId };
			if (!peer) continue;
			const previous = entries.get(peerKey(peer));
			entries.set(peerKey(peer), { peer, date: unix(p.atMs), topMessage: (previous?.topMessage ?? 1) + 1 });
		}
		return [...entries.values()].sort((a, b) => b.date - a.date || b.topMessage - a.topMessage || (peerKey(a.peer) < peerKey(b.peer) ? -1 : 1));
	}

	private tlPeer(peer: PeerRef): Api.TypePeer {
		return peer.kind === 'user' ? new Api.PeerUser({ userId: big(peer.id) }) : new Api.PeerChannel({ channelId: big(peer.id) });
	}

	/**
	 * messages.getDialogs: pages of at most 100, continuing after (offset_date, offset_id,
	 * offset_peer) as the last dialog of the previous page gives them. The whole list in one page
	 * is messages.dialogs; otherwise messages.dialogsSlice with the total count.
	 */
	private getDialogs(call: PeerCall): Buffer {
		const req = call.request as Api.messages.GetDialogs;
		const viewer = call.accountId;
		// Folder 0 is the main list, 1 the archive (empty here).
		const folder = req.folderId ?? 0;
		if (folder !== 0 && folder !== 1) throw new MarketError('FOLDER_ID_INVALID');
		const all = folder === 1 ? [] : this.dialogsOf(viewer);
		let start = 0;
		if (!(req.offsetPeer instanceof Api.InputPeerEmpty)) {
			const offsetPeer = peerKey(this.inputPeer(req.offsetPeer, viewer, 'OFFSET_PEER_ID_INVALID'));
			const at = all.findIndex((d) => peerKey(d.peer) === offsetPeer);
			start = at >= 0 ? at + 1 : all.findIndex((d) => d.date < req.offsetDate || (d.date === req.offsetDate && d.topMessage < req.offsetId));
		} else if (req.offsetDate > 0) {
			start = all.findIndex((d) => d.date < req.offsetDate || (d.date === req.offsetDate && req.offsetId > 0 && d.topMessage < req.offsetId));
		}
		if (start < 0) start = all.length;
		const limit = Math.max(1, Math.min(req.limit || DIALOGS_PAGE_MAX, DIALOGS_PAGE_MAX));
		const page = all.slice(start, start + limit);
		const dialogs = page.map(
			(d) =>
				new Api.Dialog({
					peer: this.tlPeer(d.peer),
					topMessage: d.topMessage,
					readInboxMaxId: d.topMessage,
					readOutboxMaxId: d.topMessage,
					unreadCount: 0,
					unreadMentionsCount: 0,
					unreadReactionsCount: 0,
					unreadPollVotesCount: 0,
					notifySettings: new Api.PeerNotifySettings({}),
					pts: d.peer.kind === 'channel' ? this.world.channelPts(d.peer.id) : undefined,
				}),
		);
		const messages = page.map(
			(d) =>
				new Api.Message({
					id: d.topMessage,
					peerId: this.tlPeer(d.peer),
					date: d.date,
					message: '',
					post: d.peer.kind === 'channel' || undefined,
				}),
		);
		const users = page.filter((d) => d.peer.kind === 'user').map((d) => this.world.user(d.peer.id, viewer));
		const chats = page.filter((d) => d.peer.kind === 'channel').map((d) => this.world.channel(d.peer.id, viewer));
		if (start === 0 && all.length <= limit) return new Api.messages.Dialogs({ dialogs, messages, chats, users }).getBytes();
		return new Api.messages.DialogsSlice({ count: all.length, dialogs, messages, chats, users }).getBytes();
	}

	/**
	 * contacts.getContacts: the scenario's contacts. A `hash` equal to Telegram's for the list (the
	 * usual algorithm over saved_count, then the sorted contact ids) answers contactsNotModified.
	 */
	private getContacts(call: PeerCall): Buffer {
		const viewer = call.accountId;
		const { scenario } = this.world;
		const self = scenario.accounts.find((a) => a.id === viewer);
		const ids = [...(self?.contacts ?? [])].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
		const hash = telegramHash([0n, ...ids]);
		if (hash !== 0n && BigInt(String((call.request as Api.contacts.GetContacts).hash)) === hash) {
			return new Api.contacts.ContactsNotModified().getBytes();
		}
		const contacts = ids.map(
			(id) => new Api.Contact({ userId: big(id), mutual: scenario.accounts.find((a) => a.id === id.toString())?.contacts.includes(viewer) ?? false }),
		);
		return new Api.contacts.Contacts({ contacts, savedCount: 0, users: ids.map((id) => this.world.user(id.toString(), viewer)) }).getBytes();
	}

	/** contacts.resolveUsername: any public username (rate limited per account by the scenario's resolveUsernameLimit). */
	private resolveUsername(call: PeerCall): Buffer {
		const name = (call.request as Api.contacts.ResolveUsername).username.replace(/^@/, '').toLowerCase();
		if (!/^[a-z][a-z0-9_]{2,31}$/.test(name)) throw new MarketError('USERNAME_INVALID');
		const { market } = this.world;
		for (const a of market.accounts.values()) {
			if (a.username?.toLowerCase() === name) {
				return new Api.contacts.ResolvedPeer({ peer: this.tlPeer({ kind: 'user', id: a.id }), chats: [], users: [this.world.user(a.id, call.accountId)] }).getBytes();
			}
		}
		for (const ch of market.channels.values()) {
			if (ch.username?.toLowerCase() === name) {
				return new Api.contacts.ResolvedPeer({ peer: this.tlPeer({ kind: 'channel', id: ch.id }), chats: [this.world.channel(ch.id, call.accountId)], users: [] }).getBytes();
			}
		}
		throw new MarketError('USERNAME_NOT_OCCUPIED');
	}
}

/**
 * Telegram's hash for cached lists (core.telegram.org/api/offsets, "Hash generation"): for each
 * number, hash ^= hash >>> 21; hash ^= hash << 35; hash ^= hash >>> 4; hash += number — over
 * unsigned 64 bits, read as a signed long.
 */
export function telegramHash(numbers: readonly bigint[]): bigint {
	const mask = (1n << 64n) - 1n;
	let hash = 0n;
	for (const n of numbers) {
		hash ^= hash >> 21n;
		hash = (hash ^ (hash << 35n)) & mask;
		hash ^= hash >> 4n;
		hash = (hash + (n & mask)) & mask;
	}
	return BigInt.asIntN(64, hash);
}
