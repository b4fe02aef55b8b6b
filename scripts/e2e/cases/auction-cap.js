'use strict';
// Auction bidder template against competitors that outbid the cap: no bid above the cap, nothing
// won, and every Star the bids held comes back (balances end where they started).

const assert = require('node:assert/strict');
const { loadScenario, bootTemplates, settle } = require('../drop');
const { nodeNamed } = require('../workflows');

const CAP = 280;

module.exports = {
	name: 'auction-cap: competitors outbid the cap, nothing won, everything refunded',
	requires: ['telegramGiftTrigger', 'telegramGiftPlan', 'telegramGift', 'telegramGiftNotify'],
	async run({ run, cleanup }) {
		const scenario = loadScenario('e2e-auction.scenario.json');
		// Both competitors want every copy and react above the cap.
		scenario.auctionBidders = scenario.auctionBidders.map((b) => ({ ...b, copies: 6, react: { delayMs: 800, step: 30, maxAmount: 5000 } }));
		const { sandbox, activeIds } = await bootTemplates({
			run, cleanup, scenario, files: ['auction-bidder.json'],
			edit: (wf) => {
				nodeNamed(wf, 'Auction Trigger').parameters.auction = 'Comet-E2E';
				Object.assign(nodeNamed(wf, 'Plan Bids').parameters, { copies: 2, maxPricePerCopy: CAP, totalBudget: 2000 });
			},
		});
		assert.equal(activeIds.length, 1);
		await sandbox.waitFor((r) => r.auctions.finished.length === 1, 90000);
		const record = await settle(sandbox, { quietMs: 3000, timeoutMs: 20000 });
		await run.n8n.stop();
		const ids = scenario.accounts.map((a) => a.id);
		const ours = record.auctions.bids.filter((b) => ids.includes(b.bidderId) && b.ok);
		assert.ok(ours.length > 0, 'the accounts bid while the cap allowed');
		for (const b of ours) assert.ok(b.amount <= CAP, `bid ${b.amount} ≤ cap ${CAP}`);
		assert.deepEqual(record.auctions.wins.filter((w) => ids.includes(w.bidderId)), [], 'nothing won');
		for (const a of scenario.accounts) assert.equal(record.balances[a.id], a.balance, `${a.label} got every held Star back`);
		const refunded = record.auctions.refunds.filter((r) => ids.includes(r.bidderId)).length;
		return { bids: ours.length, refunds: refunded };
	},
};
