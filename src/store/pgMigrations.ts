/**
 * The PostgreSQL schema, versioned like the sqlite one (src/store/migrations.ts) and forward only.
 * Version 1 of this list is the sqlite schema as it stands at sqlite version 5 (the one ledger with
 * kind purchase | bid), so both backends hold the same tables and columns; later changes are
 * appended to both lists. Every statement runs inside the package's own schema (search_path is set
 * to it for the migrating transaction): tables are never created in n8n's schema.
 *
 * Column types: times and Stars are BIGINT (read back as JS numbers: the store parses int8 itself),
 * access hashes stay TEXT (signed 64-bit, kept exact), sticker bytes are BYTEA.
 */
import type { Migration } from './migrations';

export const PG_MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		description: 'the sqlite schema at its version 5: gifts seen, supply samples, the one ledger (purchase | bid), sticker cache, peer access',
		statements: [
			`CREATE TABLE gifts_seen (
				gift_id TEXT PRIMARY KEY,
				first_seen_ms BIGINT NOT NULL,
				last_seen_ms BIGINT NOT NULL,
				sold_out_at_ms BIGINT,
				data TEXT NOT NULL
			)`,
			`CREATE TABLE supply_samples (
				gift_id TEXT NOT NULL,
				at_ms BIGINT NOT NULL,
				remains BIGINT NOT NULL,
				PRIMARY KEY (gift_id, at_ms)
			)`,
			`CREATE TABLE purchase_ledger (
				op_key TEXT NOT NULL,
				unit_index BIGINT NOT NULL,
				account_id TEXT NOT NULL,
				recipient TEXT NOT NULL,
				gift_id TEXT NOT NULL,
				price BIGINT NOT NULL,
				status TEXT NOT NULL CHECK (status IN ('pending', 'bought', 'failed', 'unknown', 'held', 'won', 'returned')),
				reason TEXT,
				created_at_ms BIGINT NOT NULL,
				updated_at_ms BIGINT NOT NULL,
				sent_at_ms BIGINT,
				kind TEXT NOT NULL DEFAULT 'purchase' CHECK (kind IN ('purchase', 'bid')),
				bid_amount BIGINT,
				PRIMARY KEY (op_key, unit_index)
			)`,
			`CREATE INDEX purchase_ledger_account_time ON purchase_ledger (account_id, created_at_ms)`,
			`CREATE INDEX purchase_ledger_status ON purchase_ledger (status)`,
			`CREATE TABLE sticker_cache (
				gift_id TEXT PRIMARY KEY,
				bytes BYTEA NOT NULL,
				mime TEXT NOT NULL,
				stored_at_ms BIGINT NOT NULL
			)`,
			`CREATE TABLE sticker_file_ids (
				gift_id TEXT NOT NULL,
				bot_id TEXT NOT NULL,
				file_id TEXT NOT NULL,
				PRIMARY KEY (gift_id, bot_id)
			)`,
			`CREATE TABLE peer_access (
				account_id TEXT NOT NULL,
				peer TEXT NOT NULL,
				access_hash TEXT NOT NULL,
				username TEXT,
				title TEXT,
				updated_at_ms BIGINT NOT NULL,
				PRIMARY KEY (account_id, peer)
			)`,
			`CREATE INDEX peer_access_username ON peer_access (username, updated_at_ms)`,
		],
	},
	{
		version: 2,
		description: 'resale purchases in the one ledger (sqlite version 6): kind resale, gift_id holds the listing slug',
		// PostgreSQL can widen a CHECK in place (sqlite had to rebuild the table); the inline
		// constraint of version 1 carries PostgreSQL's default name <table>_<column>_check.
		statements: [
			`ALTER TABLE purchase_ledger DROP CONSTRAINT purchase_ledger_kind_check`,
			`ALTER TABLE purchase_ledger ADD CONSTRAINT purchase_ledger_kind_check CHECK (kind IN ('purchase', 'bid', 'resale'))`,
		],
	},
	{
		version: 3,
		description: 'pending logins of the Session resource (sqlite version 7): sealed state, expiry, step claim',
		statements: [
			`CREATE TABLE pending_logins (
				login_key TEXT PRIMARY KEY,
				sealed BYTEA NOT NULL,
				expires_at_ms BIGINT NOT NULL,
				claimed_by TEXT,
				claimed_until_ms BIGINT NOT NULL DEFAULT 0
			)`,
			`CREATE INDEX pending_logins_expiry ON pending_logins (expires_at_ms)`,
		],
	},
];

export const PG_LATEST_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1].version;
