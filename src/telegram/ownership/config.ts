/**
 * Queue-mode settings, read from n8n's own environment: the package coordinates sessions only when
 * n8n runs in queue mode (EXECUTIONS_MODE=queue) and then uses n8n's Bull Redis
 * (QUEUE_BULL_REDIS_*), under n8n's key prefix (QUEUE_BULL_PREFIX) plus a segment of its own.
 * Regular mode: null, and nothing changes.
 */
export interface OwnershipRedisOptions {
	host: string;
	port: number;
	db: number;
	username?: string;
	password?: string;
	tls: boolean;
}

export interface OwnershipConfig {
	redis: OwnershipRedisOptions;
	/** Prefix of every key the package writes, ending in ':' (n8n's prefix + ":tg-gifts:"). */
	keyPrefix: string;
	/** Lease lifetime (ms): a dead owner is replaced at most this long (plus one probe) after its last renewal. */
	leaseMs: number;
}

export const DEFAULT_LEASE_MS = 3000;

/** The config for this process, or null in regular mode. Throws (naming the variable) on bad values. */
export function ownershipConfigFromEnv(env: NodeJS.ProcessEnv = process.env): OwnershipConfig | null {
	const mode = env.TELEGRAM_GIFTS_SESSION_OWNER?.trim() || (env.EXECUTIONS_MODE?.trim() === 'queue' ? 'redis' : 'local');
	if (mode === 'local') return null;
	if (mode !== 'redis') throw new Error(`TELEGRAM_GIFTS_SESSION_OWNER must be "redis" or "local" (got "${mode.slice(0, 32)}")`);
	const int = (name: string, fallback: number, min: number, max: number): number => {
		const raw = env[name]?.trim();
		if (!raw) return fallback;
		const value = Number(raw);
		if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer between ${min} and ${max}`);
		return value;
	};
	const prefix = env.QUEUE_BULL_PREFIX?.trim() || 'bull';
	return {
		redis: {
			host: env.QUEUE_BULL_REDIS_HOST?.trim() || 'localhost',
			port: int('QUEUE_BULL_REDIS_PORT', 6379, 1, 65535),
			db: int('QUEUE_BULL_REDIS_DB', 0, 0, 1_000_000),
			username: env.QUEUE_BULL_REDIS_USERNAME || undefined,
			password: env.QUEUE_BULL_REDIS_PASSWORD || undefined,
			tls: env.QUEUE_BULL_REDIS_TLS?.trim() === 'true',
		},
		keyPrefix: `${prefix}:tg-gifts:`,
		leaseMs: int('TELEGRAM_GIFTS_LEASE_MS', DEFAULT_LEASE_MS, 500, 60_000),
	};
}
