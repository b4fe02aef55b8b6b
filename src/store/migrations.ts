/**
 * Forward-only schema migrations. Version N is reached by applying MIGRATIONS[0..N-1] in order,
 * each inside one IMMEDIATE transaction together with the version bump, so two processes opening
 * the same old file cannot both migrate it. Never edit a released migration: append a new one.
 */
export interface Migration {
	version: number;
	description: string;
	statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		description: 'gifts seen, supply samples, purchase ledger',
		statements: [
			`CREATE TABLE gifts_seen (
				gift_id TEXT PRIMARY KEY,
				first_seen_ms INTEGER NOT NULL,
				last_seen_ms INTEGER NOT NULL,
				sold_out_at_ms INTEGER,
				data TEXT NOT NULL
			)`,
			`CREATE TABLE supply_samples (
				gift_id TEXT NOT NULL,
				at_ms INTEGER NOT NULL,
				remains INTEGER NOT NULL,
				PRIMARY KEY (gift_id, at_ms)
			)`,
			`CREATE TABLE purchase_ledger (
				op_key TEXT NOT NULL,
				unit_index INTEGER NOT NULL,
				account_id TEXT NOT NULL,
				recipient TEXT NOT NULL,
				gift_id TEXT NOT NULL,
				price INTEGER NOT NULL,
				status TEXT NOT NULL CHECK (status IN ('pending', 'bought', 'failed', 'unknown')),
				reason TEXT,
				created_at_ms INTEGER NOT NULL,
				updated_at_ms INTEGER NOT NULL,
				PRIMARY KEY (op_key, unit_index)
			)`,
		],
	},
	{
		version: 2,
		description: 'ledger: send time for reconciliation windows; indexes for budgets and pending scans',
		statements: [
			`ALTER TABLE purchase_ledger ADD COLUMN sent_at_ms INTEGER`,
			`CREATE INDEX purchase_ledger_account_time ON purchase_ledger (account_id, created_at_ms)`,
			`CREATE INDEX purchase_ledger_status ON purchase_ledger (status)`,
		],
	},
	{
		version: 3,
		description: 'sticker cache and per-bot file ids',
		statements: [
			`CREATE TABLE sticker_cache (
				gift_id TEXT PRIMARY KEY,
				bytes BLOB NOT NULL,
				mime TEXT NOT NULL,
				stored_at_ms INTEGER NOT NULL
			)`,
			`CREATE TABLE sticker_file_ids (
				gift_id TEXT NOT NULL,
				bot_id TEXT NOT NULL,
				file_id TEXT NOT NULL,
				PRIMARY KEY (gift_id, bot_id)
			)`,
		],
	},
	{
		version: 4,
		description: 'per-account peer access hashes and @username → peer (recipient resolution survives restarts)',
		statements: [
			`CREATE TABLE peer_access (
				account_id TEXT NOT NULL,
				peer TEXT NOT NULL,
				access_hash TEXT NOT NULL,
				username TEXT,
				title TEXT,
				updated_at_ms INTEGER NOT NULL,
				PRIMARY KEY (account_id, peer)
			)`,
			`CREATE INDEX peer_access_username ON peer_access (username, updated_at_ms)`,
		],
	},
	{
		version: 5,
		description: 'one ledger for every money path: a kind column (purchase | bid), the total bid after a bid step, and the bid states held / won / returned',
		statements: [
			// SQLite cannot widen a CHECK constraint in place: the table is rebuilt and its rows copied.
			`CREATE TABLE purchase_ledger_next (
				op_key TEXT NOT NULL,
				unit_index INTEGER NOT NULL,
				account_id TEXT NOT NULL,
				recipient TEXT NOT NULL,
				gift_id TEXT NOT NULL,
				price INTEGER NOT NULL,
				status TEXT NOT NULL CHECK (status IN ('pending', 'bought', 'failed', 'unknown', 'held', 'won', 'returned')),
				reason TEXT,
				created_at_ms INTEGER NOT NULL,
				updated_at_ms INTEGER NOT NULL,
				sent_at_ms INTEGER,
				kind TEXT NOT NULL DEFAULT 'purchase' CHECK (kind IN ('purchase', 'bid')),
				bid_amount INTEGER,
				PRIMARY KEY (op_key, unit_index)
			)`,
			`INSERT INTO purchase_ledger_next
				(op_key, unit_index, account_id, recipient, gift_id, price, status, reason, created_at_ms, updated_at_ms, sent_at_ms, kind, bid_amount)
			 SELECT op_key, unit_index, account_id, recipient, gift_id, price, status, reason, created_at_ms, updated_at_ms, sent_at_ms, 'purchase', NULL
			 FROM purchase_ledger`,
			`DROP TABLE purchase_ledger`,
			`ALTER TABLE purchase_ledger_next RENAME TO purchase_ledger`,
			`CREATE INDEX purchase_ledger_account_time ON purchase_ledger (account_id, created_at_ms)`,
			`CREATE INDEX purchase_ledger_status ON purchase_ledger (status)`,
		],
	},
	{
		version: 6,
		description: 'resale purchases in the one ledger: kind resale (a collectible bought from another user\'s listing; gift_id holds the listing slug)',
		statements: [
			// As v5: SQLite cannot widen a CHECK constraint in place, so the table is rebuilt and its rows copied.
			`CREATE TABLE purchase_ledger_next (
				op_key TEXT NOT NULL,
				unit_index INTEGER NOT NULL,
				account_id TEXT NOT NULL,
				recipient TEXT NOT NULL,
				gift_id TEXT NOT NULL,
				price INTEGER NOT NULL,
				status TEXT NOT NULL CHECK (status IN ('pending', 'bought', 'failed', 'unknown', 'held', 'won', 'returned')),
				reason TEXT,
				created_at_ms INTEGER NOT NULL,
				updated_at_ms INTEGER NOT NULL,
				sent_at_ms INTEGER,
				kind TEXT NOT NULL DEFAULT 'purchase' CHECK (kind IN ('purchase', 'bid', 'resale')),
				bid_amount INTEGER,
				PRIMARY KEY (op_key, unit_index)
			)`,
			`INSERT INTO purchase_ledger_next
				(op_key, unit_index, account_id, recipient, gift_id, price, status, reason, created_at_ms, updated_at_ms, sent_at_ms, kind, bid_amount)
			 SELECT op_key, unit_index, account_id, recipient, gift_id, price, status, reason, created_at_ms, updated_at_ms, sent_at_ms, kind, bid_amount
			 FROM purchase_ledger`,
			`DROP TABLE purchase_ledger`,
			`ALTER TABLE purchase_ledger_next RENAME TO purchase_ledger`,
			`CREATE INDEX purchase_ledger_account_time ON purchase_ledger (account_id, created_at_ms)`,
			`CREATE INDEX purchase_ledger_status ON purchase_ledger (status)`,
		],
	},
	{
		version: 7,
		description: 'pending logins of the Session resource, so a login started on one process can be finished on another (n8n queue mode): sealed state, expiry, step claim',
		statements: [
			`CREATE TABLE pending_logins (
				login_key TEXT PRIMARY KEY,
				sealed BLOB NOT NULL,
				expires_at_ms INTEGER NOT NULL,
				claimed_by TEXT,
				claimed_until_ms INTEGER NOT NULL DEFAULT 0
			)`,
			`CREATE INDEX pending_logins_expiry ON pending_logins (expires_at_ms)`,
		],
	},
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
