'use strict';
/**
 * One "n8n process" of the queue-mode reliability cases (queue.reliability.ts), from the built
 * package (dist/): reads its settings (credentials included) as JSON from stdin, never from argv.
 *   role "owner": opens the session (takes the lease), prints {"ready":true}, stays up until killed.
 *   role "buyer": runs executeOperations(ops) and prints {"results":[...]}, then exits.
 */
const path = require('node:path');

const dist = path.resolve(__dirname, '..', '..', 'dist', 'src');
const { ClientPool, executeOperations } = require(path.join(dist, 'telegram'));
const { OwnershipCoordinator } = require(path.join(dist, 'telegram', 'ownership'));
const { getStore } = require(path.join(dist, 'store'));

function out(obj) {
	process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function main() {
	let input = '';
	for await (const chunk of process.stdin) input += chunk;
	const cfg = JSON.parse(input);
	const coordinator = new OwnershipCoordinator({ redis: { host: '127.0.0.1', port: cfg.redisPort, db: 0, tls: false }, keyPrefix: cfg.prefix, leaseMs: cfg.leaseMs });
	const pool = new ClientPool({ ownership: coordinator, idleMs: 60_000, connectionRetries: 1, policy: cfg.policy });
	const store = await getStore(cfg.storePath);
	if (cfg.role === 'owner') {
		const lease = await pool.acquire(cfg.credentials[0]);
		await lease.account.whoAmI();
		out({ ready: true, stats: coordinator.stats });
		setInterval(() => undefined, 1000);
		return;
	}
	const results = await executeOperations(cfg.ops, { store, pool, credentials: cfg.credentials, reconcileGraceMs: cfg.reconcileGraceMs });
	out({ results, stats: coordinator.stats });
	await pool.destroy();
	await coordinator.close();
	await store.close();
	process.exit(0);
}

main().catch((error) => {
	out({ error: error instanceof Error ? error.message : String(error) });
	process.exit(1);
});
