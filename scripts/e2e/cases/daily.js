'use strict';
// Daily report template in a real n8n, with its 09:00 schedule turned into "every 30 seconds"
// (the only change): the bot sends every account's chat one message listing each account's
// star balance and the total, as the sandbox has them, and the gifts bought in the last 24 h as
// the package's purchase ledger has them. The ledger is written before n8n starts, through the
// package's own store, with entries the report must leave out (older than 24 h, failed).

const assert = require('node:assert/strict');
const path = require('node:path');
const { loadScenario, bootTemplates, settle } = require('../drop');
const { nodesOfType } = require('../workflows');
const { shippedTemplate } = require('../drop');

const HOUR_MS = 3_600_000;

/** Writes ledger entries the way the buyer does (claim, then settle) into n8n's store file. */
async function seedLedger(storePath, entries) {
	// The repository's build (same sources as the package) under this process's Node: the
	// packed copy's sqlite3 is built for the n8n under test, which may be another Node.
	const { getStore } = require(path.join(__dirname, '..', '..', '..', 'dist', 'src', 'store'));
	const store = await getStore(storePath);
	try {
		for (const e of entries) {
			const claim = await store.claimPurchase(e);
			assert.ok(claim.claimed, `seeded ${e.opKey}/${e.unitIndex}`);
			await store.settlePurchase(e.opKey, e.unitIndex, { status: e.status, reason: e.reason ?? null, atMs: e.atMs });
		}
	} finally {
		await store.close();
	}
}

module.exports = {
	name: 'daily report: balances and the last 24 h of purchases to every account chat',
	requires: ['telegramGift', 'telegramGiftNotify'],
	async run({ run, cleanup }) {
		const scenario = loadScenario('e2e-drop.scenario.json');
		const template = shippedTemplate(run.packageDir, 'daily-report.json');
		const [schedule] = nodesOfType(template, 'n8n-nodes-base.scheduleTrigger');
		assert.ok(schedule, 'the template starts with a Schedule');
		assert.deepEqual(schedule.parameters.rule.interval[0].field, 'days', 'shipped: once a day');
		const [alice, bob, carol] = scenario.accounts;
		const channel = `-100${scenario.channels[0].id}`;
		const now = Date.now();
		const unit = (opKey, unitIndex, account, giftId, price, agoMs, status, reason) =>
			({ opKey, unitIndex, accountId: account.id, recipient: channel, giftId, price, atMs: now - agoMs, status, reason });
		await seedLedger(path.join(run.n8n.userFolder, '.n8n', 'telegram-gifts.sqlite'), [
			unit('daily-a', 0, alice, '6100001', 500, HOUR_MS, 'bought'),
			unit('daily-a', 1, alice, '6100001', 500, HOUR_MS, 'bought'),
			unit('daily-b', 0, bob, '6100002', 250, 2 * HOUR_MS, 'bought'),
			unit('daily-old', 0, bob, '6100009', 999, 30 * HOUR_MS, 'bought'),
			unit('daily-failed', 0, carol, '6100003', 777, HOUR_MS, 'failed', 'insufficient_balance'),
		]);

		const accountIds = scenario.accounts.map((a) => a.id);
		const { sandbox, activeIds } = await bootTemplates({
			run, cleanup, scenario, files: ['daily-report.json'],
			edit: (wf) => {
				nodesOfType(wf, 'n8n-nodes-base.scheduleTrigger')[0].parameters.rule = { interval: [{ field: 'seconds', secondsInterval: 30 }] };
			},
		});
		assert.equal(activeIds.length, 1);
		const record = await settle(sandbox, { quietMs: 2000, timeoutMs: 45000, done: (r) => accountIds.every((id) => r.botMessages.some((m) => m.chatId === id)) });
		const total = scenario.accounts.reduce((s, a) => s + a.balance, 0);
		for (const id of accountIds) {
			const [message] = record.botMessages.filter((m) => m.chatId === id);
			assert.ok(message, `account ${id} got the report`);
			const text = message.text;
			for (const a of scenario.accounts) assert.ok(text.includes(`@${a.username}: ${a.balance} ⭐`), `lists ${a.label}'s balance: ${text}`);
			assert.ok(text.includes(`Total: ${total} ⭐`), `names the total ${total}`);
			assert.ok(text.includes(`@${alice.username}: 2 × gift 6100001 → ${channel} = 1000 ⭐`), `lists alice's purchases: ${text}`);
			assert.ok(text.includes(`@${bob.username}: 1 × gift 6100002 → ${channel} = 250 ⭐`), `lists bob's purchase: ${text}`);
			assert.ok(!text.includes('6100009') && !text.includes('6100003'), `leaves out older and failed entries: ${text}`);
			assert.ok(text.includes('Purchases: 3 gifts, 1250 ⭐'), `names the purchase totals: ${text}`);
		}
		return { messages: record.botMessages.length };
	},
};
