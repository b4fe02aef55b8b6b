'use strict';
/**
 * The polling loop the detection, flood, soak and reconnect benches drive. When the Gift
 * Trigger's own loop exists in the build it is used; until then the bench's stand-in
 * (catalog-poller.js, over TelegramAccount.catalog) is, and every figure says which in "poller".
 */
const { CatalogPoller } = require('./catalog-poller');

function pollerKind() {
	return 'bench-loop'; // the trigger polling module is not in the build yet (see docs/performance.md)
}

/**
 * @returns {Promise<{stop(): Promise<void>, stats(): {polls: number, answered: number, errors: number, perAccount: number[]}}>}
 */
async function createPoller({ accounts, intervalMs, sessionFloorMs = 0, onNew, onError }) {
	const poller = new CatalogPoller({ accounts, intervalMs, sessionFloorMs, onNew, onError });
	await poller.start();
	return {
		stop: () => poller.stop(),
		stats: () => ({
			polls: poller.polls,
			answered: poller.answered,
			errors: poller.accounts.reduce((s, a) => s + a.errors, 0),
			perAccount: poller.accounts.map((a) => a.polls),
		}),
	};
}

module.exports = { createPoller, pollerKind };
