'use strict';
// Daily report template in a real n8n, with its 09:00 schedule turned into "every 30 seconds"
// (the only change): the bot sends every account's chat one message listing each account's
// star balance and the total, as the sandbox has them.

const assert = require('node:assert/strict');
const { loadScenario, bootTemplates, settle } = require('../drop');
const { nodesOfType } = require('../workflows');
const { shippedTemplate } = require('../drop');

module.exports = {
	name: 'daily report: balances of every account to every account chat',
	requires: ['telegramGift', 'telegramGiftNotify'],
	async run({ run, cleanup }) {
		const scenario = loadScenario('e2e-drop.scenario.json');
		const template = shippedTemplate(run.packageDir, 'daily-report.json');
		const [schedule] = nodesOfType(template, 'n8n-nodes-base.scheduleTrigger');
		assert.ok(schedule, 'the template starts with a Schedule');
		assert.deepEqual(schedule.parameters.rule.interval[0].field, 'days', 'shipped: once a day');
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
			for (const a of scenario.accounts) assert.ok(message.text.includes(`@${a.username}: ${a.balance} ⭐`), `lists ${a.label}'s balance: ${message.text}`);
			assert.ok(message.text.includes(`Total: ${total} ⭐`), `names the total ${total}`);
		}
		return { messages: record.botMessages.length };
	},
};
