'use strict';
// Gift monitor and autobuy active together in a real n8n, on one credential: one catalog watcher
// polls for both. Before the drop, the sandbox's own count of payments.getStarGifts per session
// over a steady window is the single trigger's rate (one poll per max(P, floor) per session), not
// twice it; at the drop each workflow's trigger emits every new limited gift exactly once.

const assert = require('node:assert/strict');
const { loadScenario, bootTemplates, untilScenarioMs, settle } = require('../drop');
const { sandboxChannels } = require('../templates');
const { nodeOutput } = require('../n8n');
const { sleep } = require('../util');

const METHOD = 'payments.getStarGifts';
const WINDOW_MS = 15000;
/** The e2e drop, held back until the window is measured (n8n takes 5–50 s to start on a loaded machine). */
const LATER = 1e9;

function heldDrop(scenario) {
	for (const g of scenario.gifts) if (g.releaseAtMs > 0) g.releaseAtMs = LATER;
	// No competing demand: this case is about who sees the drop, not who wins it.
	scenario.demand = [];
	delete scenario.durationMs;
	return scenario;
}

/** Releases the held gifts now (the sandbox runs in this process); returns the drop's scenario time. */
function releaseNow(sandbox, gifts) {
	const at = sandbox.nowMs();
	for (const g of gifts) sandbox.market.gifts.get(g.id).def.releaseAtMs = at;
	sandbox.market.advance();
	return at;
}

/** Both templates' trigger settings: P = 1000 ms; the per-session floor is the node's default, 800 ms. */
function pollPeriodMs(workflows) {
	const triggers = workflows.flatMap((wf) => wf.nodes.filter((n) => n.type.endsWith('.telegramGiftTrigger')));
	assert.equal(triggers.length, 2, 'one Gift Trigger in each workflow');
	const interval = Math.min(...triggers.map((n) => n.parameters.pollIntervalMs ?? 1000));
	const floor = Math.max(...triggers.map((n) => n.parameters.options?.sessionFloorMs ?? 800));
	return Math.max(interval, floor);
}

module.exports = {
	name: 'shared watch: gift monitor + autobuy on one credential poll at one rate and see every drop once each',
	requires: ['telegramGiftTrigger', 'telegramGiftPlan', 'telegramGift', 'telegramGiftNotify'],
	async run({ run, cleanup }) {
		const scenario = heldDrop(loadScenario('e2e-drop.scenario.json'));
		const { sandbox, workflows, activeIds } = await bootTemplates({
			run, cleanup, scenario, files: ['gift-monitor.json', 'autobuy.json'], adapt: { maxPerGift: 1 },
		});
		assert.equal(activeIds.length, 2, 'both workflows must be active');
		const dropping = scenario.gifts.filter((g) => g.releaseAtMs === LATER);
		const periodMs = pollPeriodMs(workflows);

		// A steady window before the drop: n8n is up and both triggers are active.
		await sandbox.waitFor((r) => (r.calls[METHOD] ?? 0) >= 2 * scenario.accounts.length, 15000);
		await sleep(1500);
		const from = sandbox.record();
		const fromMs = sandbox.nowMs();
		await untilScenarioMs(sandbox, fromMs + WINDOW_MS, 'the end of the window');
		const to = sandbox.record();
		const windowMs = sandbox.nowMs() - fromMs;
		const perSession = scenario.accounts.map((a) => ({
			label: a.label,
			calls: (to.callsByAccount[a.id]?.[METHOD] ?? 0) - (from.callsByAccount[a.id]?.[METHOD] ?? 0),
		}));
		const single = windowMs / periodMs;
		for (const s of perSession) {
			// One trigger's rate, ±2 polls for the window's edges and timer jitter; two triggers polling on their own make twice as many.
			assert.ok(s.calls <= single + 2, `${s.label}: ${s.calls} catalog polls in ${windowMs} ms, one watcher makes at most ${Math.floor(single + 2)}`);
			assert.ok(s.calls >= single * 0.6, `${s.label}: only ${s.calls} catalog polls in ${windowMs} ms (expected about ${Math.round(single)})`);
		}
		const total = (to.calls[METHOD] ?? 0) - (from.calls[METHOD] ?? 0);
		assert.equal(total, perSession.reduce((sum, s) => sum + s.calls, 0), 'every catalog call came from a session of the credential');

		// The drop: each workflow sees every new limited gift once.
		releaseNow(sandbox, dropping);
		const fresh = dropping.filter((g) => g.limited);
		const chats = sandboxChannels(scenario);
		const accountIds = scenario.accounts.map((a) => a.id);
		await settle(sandbox, {
			quietMs: 4000,
			done: (r) =>
				r.botMessages.filter((m) => m.method === 'sendSticker').length >= fresh.length * chats.length &&
				accountIds.every((id) => r.botMessages.some((m) => m.chatId === id)),
		});
		await run.n8n.stop();
		const seen = {};
		for (const [i, id] of activeIds.entries()) {
			const executions = (await run.n8n.executions({ workflowId: id, withData: true })).filter((e) => e.mode === 'trigger');
			assert.ok(executions.length >= 1, `${workflows[i].name}: the trigger started an execution`);
			for (const e of executions) assert.equal(e.status, 'success', `${workflows[i].name}: execution ${e.id} is ${e.status}`);
			const emitted = executions.flatMap((e) => nodeOutput(e, 'Gift Trigger') || []).map((g) => g.id).sort();
			assert.deepEqual(emitted, fresh.map((g) => g.id).sort(), `${workflows[i].name}: the trigger emitted every new limited gift exactly once`);
			seen[workflows[i].name] = { executions: executions.length, emitted };
		}
		return {
			windowMs,
			pollPeriodMs: periodMs,
			catalogPollsPerSession: perSession,
			catalogPollsPerSessionPerMinute: perSession.map((s) => Math.round((s.calls * 60000) / windowMs)),
			singleTriggerRatePerMinute: Math.round(60000 / periodMs),
			seen,
		};
	},
};
