/**
 * Recipient peers as users write them: "me", "@username", a user id ("12345") or a channel id
 * ("-100…"). Parsing is strict because a wrong peer means stars sent to the wrong place:
 * a numeric id is never reinterpreted as a username (and vice versa), and 64-bit ids stay strings.
 */

export type Peer =
	| { kind: 'self' }
	| { kind: 'username'; username: string }
	| { kind: 'user'; userId: string }
	| { kind: 'channel'; channelId: string };

export type PeerParse = { ok: Peer } | { error: string };

const INT64_MAX = 9223372036854775807n;
/** Bot API style channel ids are -(1e12 + channel id). */
const CHANNEL_OFFSET = 1000000000000n;

/**
 * Usernames: 4–32 characters of Latin letters, digits and underscores, starting with a letter and
 * not ending with an underscore. Four characters are allowed because collectible usernames are that
 * short; ordinary ones are at least five, which Telegram itself enforces on resolve.
 */
const USERNAME = /^[A-Za-z][A-Za-z0-9_]{2,30}[A-Za-z0-9]$/;

/** Parses one peer. `value` may be a string or a safe-integer number (converted to its decimal form). */
export function parsePeer(value: unknown): PeerParse {
	let text: string;
	if (typeof value === 'number') {
		if (!Number.isSafeInteger(value)) {
			return { error: `must be a string: ${value} is not an exact integer id (pass 64-bit ids as decimal strings)` };
		}
		text = String(value);
	} else if (typeof value === 'bigint') {
		text = value.toString();
	} else if (typeof value === 'string') {
		text = value.trim();
	} else {
		return { error: `must be "me", "@username", a user id or a -100… channel id (got ${describe(value)})` };
	}
	if (text === '') return { error: 'is empty' };
	if (text === 'me') return { ok: { kind: 'self' } };
	if (text.startsWith('@')) {
		const username = text.slice(1);
		if (!USERNAME.test(username)) {
			return {
				error: `"${text}" is not a valid username (4–32 letters, digits or _, starting with a letter, not ending with _)`,
			};
		}
		return { ok: { kind: 'username', username: username.toLowerCase() } };
	}
	if (/^-?\d+$/.test(text)) return parseNumericPeer(text);
	if (/^(https?:\/\/)?(t\.me|telegram\.me)\//i.test(text)) {
		return { error: `"${text}" is a link: write the username as "@name" or the id as a number` };
	}
	return { error: `"${text}" is not "me", "@username", a user id or a -100… channel id` };
}

function parseNumericPeer(text: string): PeerParse {
	const n = BigInt(text);
	if (n > 0n) {
		if (n > INT64_MAX) return { error: `user id ${text} is out of the 64-bit range` };
		return { ok: { kind: 'user', userId: n.toString() } };
	}
	if (n === 0n) return { error: 'id 0 is not a peer' };
	// Bot API form: -(10^12 + channel id), which reads "-100…" for every channel id below 10^10.
	if (-n <= CHANNEL_OFFSET) {
		return {
			error: `"${text}" is neither a user id (positive) nor a channel id (-100…); basic groups cannot receive gifts`,
		};
	}
	const channelId = -n - CHANNEL_OFFSET;
	if (channelId > INT64_MAX) return { error: `channel id ${text} is out of the 64-bit range` };
	return { ok: { kind: 'channel', channelId: channelId.toString() } };
}

/** The canonical string of a peer: "me", "@lowercase", "12345", "-100…". Used in plans and opKeys. */
export function formatPeer(peer: Peer): string {
	switch (peer.kind) {
		case 'self':
			return 'me';
		case 'username':
			return '@' + peer.username;
		case 'user':
			return peer.userId;
		case 'channel':
			return (-(CHANNEL_OFFSET + BigInt(peer.channelId))).toString();
	}
}

/** Canonicalizes a peer string; throws nothing, returns null when it does not parse. */
export function canonicalPeer(value: unknown): string | null {
	const parsed = parsePeer(value);
	return 'ok' in parsed ? formatPeer(parsed.ok) : null;
}

export function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'string') return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value);
	if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
	return typeof value === 'object' ? 'an object' : typeof value;
}
