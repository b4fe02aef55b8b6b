'use strict';
// Gift monitor template in a real n8n: at the drop, exactly one announcement (sticker + caption)
// per new limited gift in every chosen chat; nothing for unlimited gifts or gifts already in the
// catalog before activation.

const assert = require('node:assert/strict');
const { loadScenario, bootTemplates, dropAt, untilScenarioMs, settle } = require('../drop');
const { sandboxChannels } = require('../templates');
const { nodeOutput } = require('../n8n');
const { PACKAGE_NAME } = require('../package');

module.exports = {
	name: 'monitor: one announcement with sticker per new limited gift in each chosen chat',
	requires: ['telegramGiftTrigger', 'telegramGiftNotify'],
	async run({ run, cleanup }) {
		const scenario = loadScenario('e2e-drop.scenario.json');
		const { sandbox, activeIds } = await bootTemplates({ run, cleanup, scenario, files: ['gift-monitor.json'] });
		assert.equal(activeIds.length, 1, 'the monitor workflow must be active');
		const drop = dropAt(scenario);
		await untilScenarioMs(sandbox, drop, 'the drop');
		const fresh = scenario.gifts.filter((g) => g.releaseAtMs === drop && g.limited);
		const chats = sandboxChannels(scenario);
		const record = await settle(sandbox, {
			quietMs: 3000,
			done: (r) => r.botMessages.filter((m) => m.method === 'sendSticker').length >= fresh.length * chats.length,
		});
		const t0 = Date.now();

		for (const chat of chats) {
			const inChat = record.botMessages.filter((m) => m.chatId === chat);
			const stickers = inChat.filter((m) => m.method === 'sendSticker' && m.hasSticker);
			assert.equal(stickers.length, fresh.length, `chat ${chat}: one sticker per new limited gift`);
			for (const gift of scenario.gifts) {
				const captions = inChat.filter((m) => m.text && m.text.includes(`ID: ${gift.id}`));
				const expected = fresh.includes(gift) ? 1 : 0;
				assert.equal(captions.length, expected, `chat ${chat}: ${expected} caption(s) for gift ${gift.id} (${gift.title})`);
				if (expected) assert.ok(captions[0].text.includes(gift.title), `caption names "${gift.title}"`);
			}
		}
		const others = record.botMessages.filter((m) => !chats.includes(m.chatId));
		assert.deepEqual(others, [], 'nothing goes to chats that were not chosen');

		// The announcements came from executions of the active workflow: the trigger emitted the new gifts.
		await run.n8n.stop();
		const executions = (await run.n8n.executions({ workflowId: activeIds[0], withData: true })).filter((e) => e.mode === 'trigger');
		assert.ok(executions.length >= 1, 'the trigger started an execution');
		for (const e of executions) assert.equal(e.status, 'success', `execution ${e.id} is ${e.status}`);
		const emitted = executions.flatMap((e) => nodeOutput(e, 'Gift Trigger') || []).map((g) => g.id).sort();
		assert.deepEqual(emitted, fresh.map((g) => g.id).sort(), 'the trigger emitted exactly the new limited gifts');
		const firstMessage = Math.min(...record.botMessages.map((m) => m.atMs));
		return {
			gifts: fresh.length, chats: chats.length, messages: record.botMessages.length,
			dropToFirstAnnouncementMs: firstMessage - drop, executions: executions.length, checkMs: Date.now() - t0, type: `${PACKAGE_NAME}.telegramGiftTrigger`,
		};
	},
};
