'use strict';
// Auction bidder template in a real n8n: the trigger follows the auction (pushed updates), each
// event re-plans and bids; the accounts win the planned copies within the cap and the budget, no
// bid step is paid twice, every held Star that did not win comes back, and the accounts get the
// auction messages.

const assert = require('node:assert/strict');
const { loadScenario, bootTemplates, settle } = require('../drop');
const { nodeNamed } = require('../workflows');

const COPIES = 2;
const CAP = 700;
const BUDGET = 1600;
const AUCTION = '6200001';

module.exports = {
	name: 'auction: the planned copies won within cap and budget, no double bid step, messages sent',
	requires: ['telegramGiftTrigger', 'telegramGiftPlan', 'telegramGift', 'telegramGiftNotify'],
	async run({ run, cleanup }) {
		const scenario = loadScenario('e2e-auction.scenario.json');
		const { sandbox, activeIds } = await bootTemplates({
			run, cleanup, scenario, files: ['auction-bidder.json'],
			edit: (wf) => {
				nodeNamed(wf, 'Auction Trigger').parameters.auction = 'Comet-E2E';
				Object.assign(nodeNamed(wf, 'Plan Bids').parameters, { copies: COPIES, maxPricePerCopy: CAP, totalBudget: BUDGET });
			},
		});
		assert.equal(activeIds.length, 1, 'the auction workflow must be active');
		await sandbox.waitFor((r) => r.auctions.finished.length === 1, 90000);
		const record = await settle(sandbox, { quietMs: 3000, timeoutMs: 20000 });
		await run.n8n.stop();

		const ids = scenario.accounts.map((a) => a.id);
		const ours = record.auctions.bids.filter((b) => ids.includes(b.bidderId) && b.ok);
		const wins = record.auctions.wins.filter((w) => ids.includes(w.bidderId));
		assert.ok(ours.length > 0, 'the accounts bid');
		assert.equal(wins.length, COPIES, `won ${wins.length} copies, ${COPIES} planned`);
		for (const b of ours) assert.ok(b.amount <= CAP, `bid ${b.amount} ≤ cap ${CAP}`);
		const keys = ours.map((b) => `${b.bidderId}:${b.amount}`);
		assert.equal(new Set(keys).size, keys.length, 'no bid step paid twice');
		const spent = scenario.accounts.reduce((s, a) => s + a.balance - record.balances[a.id], 0);
		assert.equal(spent, wins.reduce((s, w) => s + w.amount, 0), 'spent == the winning bids (everything else refunded)');
		assert.ok(spent <= BUDGET, `spent ${spent} ≤ budget ${BUDGET}`);
		for (const w of wins) assert.equal(w.peer, '-1001820000001', 'won copies go to the planned channel');
		const wonMessages = record.botMessages.filter((m) => ids.includes(m.chatId) && /won a copy/.test(m.text || ''));
		assert.ok(wonMessages.length >= COPIES, `a "won" message per copy per account chat (got ${wonMessages.length})`);
		return { bids: ours.length, raises: ours.filter((b) => b.kind === 'raise').length, wins: wins.map((w) => w.amount), spent, messages: record.botMessages.length };
	},
};
