/**
 * What one account knows about peers: the access hash Telegram handed it for each user and
 * channel (hashes are per account; another account's, or 0, is refused), and which @username
 * names which peer. A recipient given as an id can only be addressed with such a hash, and Telegram
 * hands one out only in answers that carry the peer: the account's dialogs and contacts, a
 * contacts.resolveUsername answer, a message that mentions it. A StringSession keeps none of it.
 *
 * Lookup order (each step only when the previous one missed):
 *  1. this process's memory (filled by every answer below),
 *  2. the store (PeerStore: (account, peer) → hash, @username → peer), so restarts and idle
 *     reconnects resolve nothing again,
 *  3. the account's dialogs, paged (100 per page, as Telegram pages them), then its contacts —
 *     every peer seen on the way is remembered; a later miss continues where the paging stopped,
 *  4. for @usernames only: contacts.resolveUsername (tightly rate limited, hence last).
 * An id found nowhere fails with a reason naming the recipient and what the account must do.
 */
import type { GiftStore, PeerAccess } from '../store/types';
import { Api, returnBigInt } from './gramjs';

/** The store methods recipient resolution needs (any GiftStore has them). */
export type PeerStore = Pick<GiftStore, 'putPeerAccess' | 'getPeerAccess' | 'findPeerByUsername' | 'deletePeerAccess'>;

export interface KnownPeer {
	kind: 'user' | 'channel';
	/** Bare id (user id, or channel id without -100). */
	id: string;
	/** Canonical peer string: user id, or "-100…". */
	peer: string;
	accessHash: string;
	username: string | null;
	title: string | null;
	/** When this account last saw the peer in an answer (ms). */
	seenAtMs: number;
}

/**
 * How long a username → peer mapping is trusted without asking Telegram again: tdlib keeps a
 * resolved username for a day (DialogManager::USERNAME_CACHE_EXPIRE_TIME = 86400 s). Unlike tdlib,
 * an expired mapping is never used while the refresh fails: a gift must not go to a username's
 * previous owner.
 */
export const USERNAME_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * After the whole dialog list and the contacts were read, a miss within this long fails at once
 * instead of paging again (a run naming an unknown id in many operations pages once).
 */
export const PEER_SCAN_REUSE_MS = 60_000;

/** messages.getDialogs answers at most 100 dialogs per call. */
export const DIALOGS_PAGE_SIZE = 100;
/** Paging stops after this many pages (10,000 dialogs) even if Telegram says there are more. */
const MAX_DIALOG_PAGES = 100;

interface DialogCursor {
	offsetDate: number;
	offsetId: number;
	offsetPeer: Api.TypeInputPeer;
}

/** Per account, shared by every lease of the pooled client (AccountConnection.peers). */
export class PeerMemory {
	readonly byPeer = new Map<string, KnownPeer>();
	readonly byUsername = new Map<string, string>();
	/** Where dialog paging continues (null: from the top). */
	cursor: DialogCursor | null = null;
	/** Set once the last dialog page and the contacts were read. */
	scannedAtMs: number | null = null;
	/** Serializes paging: concurrent misses wait for one scan instead of each paging. */
	queue: Promise<unknown> = Promise.resolve();
	/** Calls made by paging (tests and benchmarks read them). */
	readonly stats = { dialogPages: 0, contactReads: 0, resolveUsername: 0 };
}

export function channelPeer(bareId: string): string {
	return (-(1000000000000n + BigInt(bareId))).toString();
}

/** The input peer for a known peer (its access hash is this account's). */
export function inputPeerOf(known: Pick<KnownPeer, 'kind' | 'id' | 'accessHash'>): Api.InputPeerUser | Api.InputPeerChannel {
	return known.kind === 'user'
		? new Api.InputPeerUser({ userId: returnBigInt(known.id), accessHash: returnBigInt(known.accessHash) })
		: new Api.InputPeerChannel({ channelId: returnBigInt(known.id), accessHash: returnBigInt(known.accessHash) });
}

/** Users and channels of an answer that carry a usable access hash (never `min` ones, never self). */
export function knownPeersIn(users: readonly Api.TypeUser[], chats: readonly Api.TypeChat[], nowMs: number): KnownPeer[] {
	const out: KnownPeer[] = [];
	for (const u of users) {
		if (!(u instanceof Api.User) || u.self || u.min || u.accessHash === undefined || u.accessHash === null) continue;
		const id = u.id.toString();
		out.push({
			kind: 'user',
			id,
			peer: id,
			accessHash: u.accessHash.toString(),
			username: u.username?.toLowerCase() ?? null,
			title: [u.firstName, u.lastName].filter(Boolean).join(' ') || null,
			seenAtMs: nowMs,
		});
	}
	for (const c of chats) {
		if (!(c instanceof Api.Channel) || c.min || c.accessHash === undefined || c.accessHash === null) continue;
		const id = c.id.toString();
		out.push({ kind: 'channel', id, peer: channelPeer(id), accessHash: c.accessHash.toString(), username: c.username?.toLowerCase() ?? null, title: c.title ?? null, seenAtMs: nowMs });
	}
	return out;
}

function fromRow(row: PeerAccess): KnownPeer {
	const channel = row.peer.startsWith('-');
	return {
		kind: channel ? 'channel' : 'user',
		id: channel ? (-BigInt(row.peer) - 1000000000000n).toString() : row.peer,
		peer: row.peer,
		accessHash: row.accessHash,
		username: row.username,
		title: row.title,
		seenAtMs: row.updatedAtMs,
	};
}

export interface PeerDirectoryDeps {
	memory: PeerMemory;
	/** The account's Telegram user id (rows are keyed by it). */
	selfId: () => Promise<string>;
	now: () => number;
	/** A read call through the account's resilient call path. */
	read: <R extends Api.AnyRequest>(request: R) => Promise<R['__response']>;
}

/** Recipient lookups of one account (see the file comment for the order). */
export class PeerDirectory {
	constructor(private readonly deps: PeerDirectoryDeps) {}

	/**
	 * Remembers the peers of an answer in memory at once and, when given, in the store (the promise
	 * settles when that write is done; a failed write only costs a lookup after a restart).
	 */
	async remember(peers: KnownPeer[], store?: PeerStore): Promise<void> {
		if (peers.length === 0) return;
		const { memory } = this.deps;
		for (const p of peers) {
			memory.byPeer.set(p.peer, p);
			if (p.username) memory.byUsername.set(p.username, p.peer);
		}
		if (!store) return;
		await this.write(peers, store).catch(() => undefined);
	}

	private async write(peers: KnownPeer[], store: PeerStore): Promise<void> {
		const accountId = await this.deps.selfId();
		await store.putPeerAccess(
			peers.map((p) => ({ accountId, peer: p.peer, accessHash: p.accessHash, username: p.username, title: p.title, updatedAtMs: p.seenAtMs })),
		);
	}

	/** Memory, then the store: no call to Telegram. */
	async cached(peer: string, store?: PeerStore): Promise<KnownPeer | null> {
		const known = this.deps.memory.byPeer.get(peer);
		if (known) return known;
		if (!store) return null;
		const row = await store.getPeerAccess(await this.deps.selfId(), peer);
		if (!row) return null;
		const found = fromRow(row);
		this.deps.memory.byPeer.set(found.peer, found);
		if (found.username) this.deps.memory.byUsername.set(found.username, found.peer);
		return found;
	}

	/** A peer by id: cached, else found by paging the dialogs and reading the contacts; null when the account does not know it. */
	async byId(peer: string, store?: PeerStore): Promise<KnownPeer | null> {
		return (await this.cached(peer, store)) ?? (await this.scanFor(() => this.deps.memory.byPeer.get(peer) ?? null, store));
	}

	/**
	 * The peer a username names, from what this account (or, for the peer id only, another account)
	 * saw within USERNAME_TTL_MS; null when nothing fresh is known.
	 */
	async byUsername(username: string, store?: PeerStore): Promise<KnownPeer | null> {
		const { memory, now } = this.deps;
		const fresh = (p: KnownPeer | null | undefined): p is KnownPeer => !!p && p.username === username && now() - p.seenAtMs < USERNAME_TTL_MS;
		const inMemory = memory.byPeer.get(memory.byUsername.get(username) ?? '');
		if (fresh(inMemory)) return inMemory;
		if (!store) return null;
		const own = await store.findPeerByUsername(username, await this.deps.selfId());
		if (own && fresh(fromRow(own))) return this.cached(own.peer, store);
		// Another account resolved it: the peer id is known, but this account needs its own hash.
		const other = await store.findPeerByUsername(username);
		if (!other || !fresh(fromRow(other))) return null;
		const mine = await this.cached(other.peer, store);
		return mine ?? (await this.scanFor(() => this.deps.memory.byPeer.get(other.peer) ?? null, store));
	}

	/** Forgets a peer whose hash Telegram refused. */
	async forget(peer: string, store?: PeerStore): Promise<void> {
		const known = this.deps.memory.byPeer.get(peer);
		this.deps.memory.byPeer.delete(peer);
		if (known?.username && this.deps.memory.byUsername.get(known.username) === peer) this.deps.memory.byUsername.delete(known.username);
		if (store) await store.deletePeerAccess(await this.deps.selfId(), peer);
	}

	/**
	 * Pages the dialogs (continuing where an earlier scan stopped) until `found` returns a peer, then
	 * reads the contacts once the dialogs are exhausted. One scan per account at a time.
	 */
	private scanFor(found: () => KnownPeer | null, store?: PeerStore): Promise<KnownPeer | null> {
		const { memory } = this.deps;
		// Store writes of one page overlap the next page's request; all are awaited before answering.
		const writes: Array<Promise<void>> = [];
		const scan = async (): Promise<KnownPeer | null> => {
			const hit = found();
			if (hit) return hit;
			if (memory.scannedAtMs !== null) {
				if (this.deps.now() - memory.scannedAtMs < PEER_SCAN_REUSE_MS) return null;
				memory.scannedAtMs = null;
				memory.cursor = null;
			}
			for (let page = 0; page < MAX_DIALOG_PAGES; page++) {
				const more = await this.nextDialogPage(store, writes);
				const hitNow = found();
				if (hitNow) return hitNow;
				if (!more) break;
			}
			await this.readContacts(store, writes);
			memory.scannedAtMs = this.deps.now();
			memory.cursor = null;
			return found();
		};
		const run = memory.queue.then(async () => {
			try {
				return await scan();
			} finally {
				await Promise.all(writes);
			}
		});
		memory.queue = run.catch(() => undefined);
		return run;
	}

	/** One page of messages.getDialogs; false when it was the last. */
	private async nextDialogPage(store: PeerStore | undefined, writes: Array<Promise<void>>): Promise<boolean> {
		const { memory } = this.deps;
		const cursor = memory.cursor ?? { offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty() };
		const answer = await this.deps.read(
			new Api.messages.GetDialogs({ offsetDate: cursor.offsetDate, offsetId: cursor.offsetId, offsetPeer: cursor.offsetPeer, limit: DIALOGS_PAGE_SIZE, hash: returnBigInt(0) }),
		);
		memory.stats.dialogPages += 1;
		if (answer instanceof Api.messages.DialogsNotModified) return false;
		const peers = knownPeersIn(answer.users, answer.chats, this.deps.now());
		writes.push(this.remember(peers, store));
		if (answer instanceof Api.messages.Dialogs || answer.dialogs.length === 0) return false;
		// The next page starts after this page's last dialog: its top message's date and id, and its peer.
		const last = answer.dialogs[answer.dialogs.length - 1];
		if (!(last instanceof Api.Dialog)) return false;
		const lastPeer = peerString(last.peer);
		const top = answer.messages.find((m) => (m instanceof Api.Message || m instanceof Api.MessageService) && m.id === last.topMessage && peerString(m.peerId) === lastPeer);
		const known = lastPeer === null ? undefined : memory.byPeer.get(lastPeer);
		if (!top || !(top instanceof Api.Message || top instanceof Api.MessageService) || !known) return false;
		memory.cursor = { offsetDate: top.date, offsetId: last.topMessage, offsetPeer: inputPeerOf(known) };
		// As Telethon's iter_dialogs: a short page is the last one.
		return answer.dialogs.length >= DIALOGS_PAGE_SIZE;
	}

	private async readContacts(store: PeerStore | undefined, writes: Array<Promise<void>>): Promise<void> {
		const answer = await this.deps.read(new Api.contacts.GetContacts({ hash: returnBigInt(0) }));
		this.deps.memory.stats.contactReads += 1;
		if (answer instanceof Api.contacts.Contacts) writes.push(this.remember(knownPeersIn(answer.users, [], this.deps.now()), store));
	}
}

/** Canonical peer string of a Peer (null for basic groups). */
function peerString(peer: Api.TypePeer): string | null {
	if (peer instanceof Api.PeerUser) return peer.userId.toString();
	if (peer instanceof Api.PeerChannel) return channelPeer(peer.channelId.toString());
	return null;
}
