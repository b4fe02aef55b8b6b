/** Queue mode: one owner per session across n8n's processes (docs/queue-mode.md). */
import { ownershipConfigFromEnv } from './config';
import { OwnershipCoordinator } from './coordinator';

export { ownershipConfigFromEnv, DEFAULT_LEASE_MS, type OwnershipConfig, type OwnershipRedisOptions } from './config';
export { OwnershipCoordinator, SessionRoute, MONEY_METHODS, FORWARD_SLACK_MS, ownershipRedis, type RedisFactory, type SessionHandlers, type OwnershipStats, type RouteState } from './coordinator';

let shared: OwnershipCoordinator | null | undefined;

/** This process's coordinator from n8n's environment (null in regular mode: nothing changes). */
export function getSharedOwnership(): OwnershipCoordinator | null {
	if (shared === undefined) {
		const config = ownershipConfigFromEnv();
		shared = config ? new OwnershipCoordinator(config) : null;
	}
	return shared;
}
