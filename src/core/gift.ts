/**
 * One way into the Gift model, from either source:
 *  (a) a gramjs/teleproto `Api.StarGift` (duck-typed: longs are big-integer objects, bigint or
 *      number, converted through their decimal string, never through a JS number for ids), or
 *  (b) plain JSON in our own Gift shape (ids as decimal strings; n8n items, fixtures, the CLI).
 * Every rejection names the field and says why, so a bad catalog entry becomes a clear skip.
 */
import type { Gift } from './types';
import { describe, formatPeer } from './peer';

export interface GiftError {
	field: string;
	reason: string;
	/** The id when it could be read, so the skip still names the gift. */
	giftId: string | null;
}

export type GiftParse = { ok: Gift } | { error: GiftError };

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

class FieldError extends Error {
	constructor(
		readonly field: string,
		readonly reason: string,
	) {
		super(`${field} ${reason}`);
	}
}

export function normalizeGift(raw: unknown): GiftParse {
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		return { error: { field: 'gift', reason: `must be an object (got ${describe(raw)})`, giftId: null } };
	}
	const g = raw as Record<string, unknown>;
	let giftId: string | null = null;
	try {
		// A collectible (StarGiftUnique) or any other TL class is not a catalog gift one can buy.
		if (g.className !== undefined && g.className !== 'StarGift') {
			throw new FieldError('className', `is ${describe(g.className)}: only catalog gifts (StarGift) can be planned`);
		}
		giftId = readId(g.id, 'id');
		const limited = readFlag(g.limited, 'limited') ?? false;
		const availabilityTotal = readCount(g.availabilityTotal, 'availabilityTotal', 1);
		const availabilityRemains = readCount(g.availabilityRemains, 'availabilityRemains', 0);
		if (limited && availabilityTotal === null) {
			throw new FieldError('availabilityTotal', 'is required for a limited gift (its edition size)');
		}
		if (availabilityTotal !== null && availabilityRemains !== null && availabilityRemains > availabilityTotal) {
			throw new FieldError(
				'availabilityRemains',
				`must be ≤ availabilityTotal (got ${availabilityRemains} > ${availabilityTotal})`,
			);
		}
		const stars = readCount(g.stars, 'stars', 1);
		if (stars === null) throw new FieldError('stars', 'is required (the price in Stars)');
		const perUserTotal = readCount(g.perUserTotal, 'perUserTotal', 0);
		const perUserRemains = readCount(g.perUserRemains, 'perUserRemains', 0);
		if (perUserTotal !== null && perUserRemains !== null && perUserRemains > perUserTotal) {
			throw new FieldError('perUserRemains', `must be ≤ perUserTotal (got ${perUserRemains} > ${perUserTotal})`);
		}
		const gift: Gift = {
			id: giftId,
			stars,
			convertStars: readCount(g.convertStars, 'convertStars', 0),
			limited,
			soldOut: readFlag(g.soldOut, 'soldOut') ?? false,
			availabilityRemains,
			availabilityTotal,
			requirePremium: readFlag(g.requirePremium, 'requirePremium'),
			limitedPerUser: readFlag(g.limitedPerUser, 'limitedPerUser'),
			perUserTotal,
			perUserRemains,
			lockedUntil: readCount(g.lockedUntil ?? g.lockedUntilDate, g.lockedUntil !== undefined ? 'lockedUntil' : 'lockedUntilDate', 0),
			title: readText(g.title, 'title'),
			upgradeStars: readCount(g.upgradeStars, 'upgradeStars', 0),
			firstSaleDate: readCount(g.firstSaleDate, 'firstSaleDate', 0),
			lastSaleDate: readCount(g.lastSaleDate, 'lastSaleDate', 0),
			stickerDocumentId: readSticker(g),
			auction: readFlag(g.auction, 'auction') ?? false,
			auctionSlug: readText(g.auctionSlug, 'auctionSlug'),
			giftsPerRound: readCount(g.giftsPerRound, 'giftsPerRound', 1),
			auctionStartDate: readCount(g.auctionStartDate, 'auctionStartDate', 0),
			availabilityResale: readCount(g.availabilityResale, 'availabilityResale', 0),
			resellMinStars: readCount(g.resellMinStars, 'resellMinStars', 0),
			releasedBy: readReleasedBy(g.releasedBy),
			upgradeVariants: readCount(g.upgradeVariants, 'upgradeVariants', 0),
		};
		return { ok: gift };
	} catch (error) {
		// Anything else (e.g. a toString() that throws) still only makes this one gift invalid.
		if (error instanceof FieldError) return { error: { field: error.field, reason: error.reason, giftId } };
		return { error: { field: 'gift', reason: `could not be read (${String(error)})`, giftId } };
	}
}

/** Best-effort id of a raw gift for naming it in a skip; null when there is none to read. */
export function rawGiftId(raw: unknown): string | null {
	if (typeof raw !== 'object' || raw === null) return null;
	try {
		return readId((raw as Record<string, unknown>).id, 'id');
	} catch {
		return null;
	}
}

/** Decimal text of an integer-like value: bigint, big-integer object, decimal string or number. */
function integerText(value: unknown, field: string, allowUnsafeNumber: boolean): string {
	if (typeof value === 'bigint') return value.toString();
	if (typeof value === 'number') {
		if (!Number.isInteger(value)) throw new FieldError(field, `must be an integer (got ${describe(value)})`);
		if (!Number.isSafeInteger(value) && !allowUnsafeNumber) {
			throw new FieldError(field, `${value} is beyond 2^53 and has lost precision: pass 64-bit ids as decimal strings`);
		}
		return String(value);
	}
	let text: string;
	if (typeof value === 'string') {
		text = value.trim();
	} else if (typeof value === 'object' && value !== null && typeof (value as { toString?: unknown }).toString === 'function') {
		// gramjs longs are big-integer objects; their toString() is the exact decimal.
		text = String((value as { toString(): string }).toString());
	} else {
		throw new FieldError(field, `must be an integer (got ${describe(value)})`);
	}
	if (!/^-?\d+$/.test(text)) throw new FieldError(field, `must be an integer (got ${describe(value)})`);
	return text;
}

function readId(value: unknown, field: string): string {
	if (value === undefined || value === null) throw new FieldError(field, 'is required');
	const n = BigInt(integerText(value, field, false));
	if (n < INT64_MIN || n > INT64_MAX) throw new FieldError(field, 'is out of the 64-bit range');
	if (n === 0n) throw new FieldError(field, 'must not be 0');
	return n.toString();
}

/** A non-negative (or ≥ min) safe integer, or null when absent. */
function readCount(value: unknown, field: string, min: number): number | null {
	if (value === undefined || value === null) return null;
	const text = integerText(value, field, true);
	const n = Number(text);
	if (!Number.isSafeInteger(n)) throw new FieldError(field, `is too large (${text})`);
	if (n < min) throw new FieldError(field, `must be ≥ ${min} (got ${n})`);
	return n;
}

function readFlag(value: unknown, field: string): boolean | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'boolean') throw new FieldError(field, `must be true or false (got ${describe(value)})`);
	return value;
}

function readText(value: unknown, field: string): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'string') throw new FieldError(field, `must be a string (got ${describe(value)})`);
	return value;
}

/**
 * `releasedBy`: a TL Peer (PeerUser / PeerChannel) or, in JSON, the peer's id as our peer syntax
 * writes it (a user id, or -100… for a channel).
 */
function readReleasedBy(value: unknown): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value === 'string') {
		if (!/^-?\d+$/.test(value.trim())) throw new FieldError('releasedBy', `must be a user or channel id (got ${describe(value)})`);
		return value.trim();
	}
	if (typeof value === 'object') {
		const peer = value as Record<string, unknown>;
		if (peer.className === 'PeerUser') return readId(peer.userId, 'releasedBy.userId');
		if (peer.className === 'PeerChannel') return formatPeer({ kind: 'channel', channelId: readId(peer.channelId, 'releasedBy.channelId') });
	}
	throw new FieldError('releasedBy', `must be a user or channel peer (got ${describe(value)})`);
}

function readSticker(g: Record<string, unknown>): string | null {
	if (g.stickerDocumentId !== undefined && g.stickerDocumentId !== null) {
		return readId(g.stickerDocumentId, 'stickerDocumentId');
	}
	const sticker = g.sticker;
	if (typeof sticker !== 'object' || sticker === null) return null;
	const id = (sticker as Record<string, unknown>).id;
	// DocumentEmpty has an id too; only a real document is downloadable, but the id is still useful.
	if (id === undefined || id === null) return null;
	return readId(id, 'sticker.id');
}
