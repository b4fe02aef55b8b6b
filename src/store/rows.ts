/**
 * The store's rows as both backends read them (the same tables and column names in sqlite and
 * PostgreSQL) and their mapping to the GiftStore types.
 */
import type { LedgerEntry, LedgerKind, LedgerStatus, PeerAccess, SealedLogin, SeenGift } from './types';

export interface LedgerRow {
	op_key: string;
	unit_index: number;
	account_id: string;
	recipient: string;
	gift_id: string;
	price: number;
	status: LedgerStatus;
	reason: string | null;
	created_at_ms: number;
	sent_at_ms: number | null;
	updated_at_ms: number;
	kind: LedgerKind;
	bid_amount: number | null;
}

export function toLedgerEntry(row: LedgerRow): LedgerEntry {
	return {
		opKey: row.op_key,
		unitIndex: row.unit_index,
		kind: row.kind,
		bidAmount: row.bid_amount,
		accountId: row.account_id,
		recipient: row.recipient,
		giftId: row.gift_id,
		price: row.price,
		status: row.status,
		reason: row.reason,
		createdAtMs: row.created_at_ms,
		sentAtMs: row.sent_at_ms,
		updatedAtMs: row.updated_at_ms,
	};
}

export interface PeerAccessRow {
	account_id: string;
	peer: string;
	access_hash: string;
	username: string | null;
	title: string | null;
	updated_at_ms: number;
}

export function toPeerAccess(row: PeerAccessRow): PeerAccess {
	return {
		accountId: row.account_id,
		peer: row.peer,
		accessHash: row.access_hash,
		username: row.username,
		title: row.title,
		updatedAtMs: row.updated_at_ms,
	};
}

export interface SeenRow {
	gift_id: string;
	first_seen_ms: number;
	last_seen_ms: number;
	sold_out_at_ms: number | null;
	data: string;
}

export function toSeenGift(row: SeenRow): SeenGift {
	return {
		giftId: row.gift_id,
		firstSeenMs: row.first_seen_ms,
		lastSeenMs: row.last_seen_ms,
		soldOutAtMs: row.sold_out_at_ms,
		data: JSON.parse(row.data) as unknown,
	};
}

/** A pending_logins row as both backends read it. */
export interface PendingLoginRow {
	sealed: Buffer;
	expires_at_ms: number;
}

export function toSealedLogin(row: PendingLoginRow): SealedLogin {
	return { sealed: Buffer.from(row.sealed), expiresAtMs: row.expires_at_ms };
}
