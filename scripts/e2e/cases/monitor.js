'use strict';
// Gift monitor template in a real n8n: at the drop, exactly one announcement (sticker + caption)
// per new limited gift in every chosen chat; nothing for unlimited gifts or gifts already in the
// catalog before activation. The new gifts' stickers are stored on the sandbox's DCs 1 and 3, so
// n8n fetches them over file-DC connections (export/import authorization) while its account stays
// on DC 2.

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
		const drop0 = dropAt(scenario);
		scenario.gifts.filter((g) => g.releaseAtMs === drop0 && g.limited).forEach((g, i) => {
			g.stickerDc = i % 2 === 0 ? 1 : 3;
		});
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
		// The stickers were read at their DCs; the account's own calls stayed at DC 2.
		const byDc = sandbox.record().callsByDc;
		assert.ok((byDc[1]?.['upload.getFile'] ?? 0) >= 1, 'a sticker was downloaded from DC 1');
		assert.equal(byDc[1]?.['payments.getStarGifts'] ?? 0, 0, 'the catalog is never read at DC 1');
		assert.ok((byDc[2]?.['auth.exportAuthorization'] ?? 0) >= 1, 'authorization exported at DC 2 for the file DC');

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
