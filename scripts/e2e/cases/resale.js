'use strict';
// Resale sniper template in a real n8n: the trigger reads the collection's cheapest listings, new
// ones under the floor are planned and bought once (for the planned channel), nothing above the
// rules is bought (5 % under the floor, TON-only), a listing a fast competitor takes is never paid
// twice or by two accounts, and the accounts get the report.

const assert = require('node:assert/strict');
const { loadScenario, bootTemplates, settle } = require('../drop');
const { nodeNamed } = require('../workflows');

const COLLECTION = '6301';
const CHANNEL = '-1001830000001';

module.exports = {
	name: 'resale: the listing under the floor bought once for the planned recipient, nothing outside the rules, the report sent',
	requires: ['telegramGiftTrigger', 'telegramGiftPlan', 'telegramGift', 'telegramGiftNotify'],
	async run({ run, cleanup }) {
		const scenario = loadScenario('e2e-resale.scenario.json');
		const { sandbox, activeIds } = await bootTemplates({
			run, cleanup, scenario, files: ['resale-sniper.json'],
			edit: (wf) => {
				Object.assign(nodeNamed(wf, 'New Listings').parameters, { resaleCollections: COLLECTION });
			},
		});
		assert.equal(activeIds.length, 1, 'the resale workflow must be active');
		await sandbox.waitFor((r) => r.resale.sales.some((s) => s.slug === 'SnipePepe-7'), 40000);
		const record = await settle(sandbox, { quietMs: 3000, timeoutMs: 20000 });
		await run.n8n.stop();

		const ids = scenario.accounts.map((a) => a.id);
		const ours = record.resale.sales.filter((s) => s.account);
		const slugs = record.resale.sales.map((s) => s.slug);
		assert.equal(new Set(slugs).size, slugs.length, 'no listing sold twice');
		const four = ours.find((s) => s.slug === 'SnipePepe-4');
		assert.ok(four, 'the listing 40 % under the floor was bought by an account (before the slow competitor)');
		assert.equal(four.peer, CHANNEL, 'bought for the planned channel');
		assert.equal(four.amount, 1200);
		for (const s of ours) {
			assert.ok(ids.includes(s.buyerId), 'bought by the accounts of the credential');
			assert.ok(s.amount <= 1600, `${s.slug} bought at ${s.amount}: at most 20 % under the floor of 2000`);
			assert.equal(s.currency, 'XTR', 'paid in Stars');
		}
		assert.ok(!ours.some((s) => s.slug === 'SnipePepe-5'), '5 % under the floor is not bought');
		assert.ok(!ours.some((s) => s.slug === 'SnipePepe-6'), 'a TON-only listing is not bought');
		// The fast competitor's listing: lost (STARGIFT_NOT_FOUND, never paid) or won, never both.
		const accountFailures = record.resale.failures.filter((f) => ids.includes(f.accountId));
		for (const f of accountFailures) assert.match(f.error, /STARGIFT_NOT_FOUND|STARS_FORM_AMOUNT_MISMATCH/, `an account's failed attempt is a lost race (${f.slug}: ${f.error})`);
		const spent = scenario.accounts.reduce((sum, a) => sum + a.balance - record.balances[a.id], 0);
		assert.equal(spent, ours.reduce((sum, s) => sum + s.amount, 0), 'spent == the listings bought');
		const reports = record.botMessages.filter((m) => ids.includes(m.chatId) && /Plush|Snipe Pepe|bought/i.test(m.text || ''));
		assert.ok(reports.length >= 1, `a report in the account chats (got ${record.botMessages.length} bot messages)`);
		return { bought: ours.map((s) => `${s.slug}@${s.amount}`), lost: accountFailures.map((f) => f.slug), spent, messages: record.botMessages.length };
	},
};
