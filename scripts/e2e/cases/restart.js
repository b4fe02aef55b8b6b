'use strict';
// Autobuy template in a real n8n that is stopped in the middle of paying for a drop and started
// again on the same user folder: drop 1 is interrupted with SIGTERM (n8n's graceful shutdown),
// drop 2 with SIGKILL (a crash; n8n then waits ~10 s at start: "Last session crashed"). Payments are slow (1.5 s each) so the stop lands mid-execution.
// Whatever the trigger emits again after the restart, the record never holds more copies for an
// operation (account + gift + recipient, i.e. one opKey) than any plan prescribed for it.

const assert = require('node:assert/strict');
const { loadScenario, bootTemplates, untilScenarioMs, settle, coreOf, planParamsToInput, boughtByKey } = require('../drop');
const { nodeNamed } = require('../workflows');
const { nodeOutput } = require('../n8n');
const { log, seconds } = require('../util');

const COPIES = 4;

module.exports = {
	name: 'restart: n8n stopped mid-drop (SIGTERM, then SIGKILL) and restarted → no double purchase per opKey',
	requires: ['telegramGiftTrigger', 'telegramGiftPlan', 'telegramGift', 'telegramGiftNotify'],
	async run({ run, cleanup }) {
		const scenario = loadScenario('restart.scenario.json');
		const { sandbox, workflows, activeIds } = await bootTemplates({ run, cleanup, scenario, files: ['autobuy.json'], adapt: { maxPerGift: COPIES } });
		const { n8n } = run;
		const drops = [...new Set(scenario.gifts.map((g) => g.releaseAtMs).filter((t) => t > 0))].sort((a, b) => a - b);
		const stops = [];
		for (const [i, drop] of drops.entries()) {
			const giftId = scenario.gifts.find((g) => g.releaseAtMs === drop).id;
			await untilScenarioMs(sandbox, drop, `drop ${i + 1}`);
			await sandbox.waitFor((r) => r.purchases.some((p) => p.giftId === giftId && p.ok), 15000);
			const paidBefore = sandbox.record().purchases.filter((p) => p.giftId === giftId && p.ok).length;
			const signal = i === 0 ? 'SIGTERM' : 'SIGKILL';
			const t0 = Date.now();
			if (signal === 'SIGTERM') await n8n.stop();
			else await n8n.kill();
			const stopMs = Date.now() - t0;
			const paidAtStop = sandbox.record().purchases.filter((p) => p.giftId === giftId && p.ok).length;
			const upMs = await n8n.start();
			log(`drop ${i + 1}: ${signal} after ${paidBefore} of ${COPIES} copies paid; down in ${seconds(stopMs)} with ${paidAtStop} paid; up again in ${seconds(upMs)} at ${seconds(sandbox.nowMs())}`);
			stops.push({ signal, paidBefore, paidAtStop, stopMs, restartMs: upMs });
		}
		const record = await settle(sandbox, { quietMs: 6000, timeoutMs: 30000 });
		await n8n.stop();

		// What a plan may prescribe per opKey: the Plan outputs n8n saved, and (as a killed execution
		// saves no run data) the core's plan() for each drop's gifts with the balances before it.
		const executions = (await n8n.executions({ workflowId: activeIds[0], withData: true })).filter((e) => e.mode === 'trigger');
		// (A crashed execution comes back from n8n's event-log recovery without node outputs.)
		const plans = executions.flatMap((e) => (e.data ? nodeOutput(e, 'Plan', 0) || [] : [])).filter((op) => typeof op.opKey === 'string');
		const { plan } = coreOf(run.packageDir);
		const { recipients, options } = planParamsToInput(nodeNamed(workflows[0], 'Plan'));
		for (const drop of drops) {
			const gifts = scenario.gifts.filter((g) => g.releaseAtMs === drop).map((g) => ({
				id: g.id, stars: g.stars, limited: true, soldOut: false, availabilityTotal: g.total, availabilityRemains: g.total, requirePremium: Boolean(g.requirePremium),
			}));
			const accounts = scenario.accounts.map((a) => ({
				id: a.id, label: a.label, premium: a.premium,
				balance: a.balance - record.purchases.filter((p) => p.ok && p.accountId === a.id && p.atMs < drop).reduce((s, p) => s + p.stars, 0),
			}));
			plans.push(...plan({ gifts, accounts, recipients, options }).operations);
		}
		const maxPlanned = new Map();
		for (const op of plans) {
			const key = `${op.accountId}|${op.giftId}|${op.recipient}`;
			maxPlanned.set(key, Math.max(maxPlanned.get(key) || 0, op.quantity));
		}
		const bought = boughtByKey(record);
		assert.ok(bought.size > 0, 'something was bought');
		for (const [key, copies] of bought) {
			assert.ok(maxPlanned.has(key), `purchases for ${key} that no plan contains`);
			assert.ok(copies <= maxPlanned.get(key), `${key}: ${copies} copies paid, but its opKey was planned for ${maxPlanned.get(key)} (double purchase)`);
		}
		for (const g of scenario.gifts.filter((x) => x.releaseAtMs > 0)) {
			const copies = record.purchases.filter((p) => p.ok && p.giftId === g.id).length;
			assert.ok(copies <= COPIES, `gift ${g.id}: ${copies} copies > ${COPIES} wanted`);
		}
		const accounts = Object.fromEntries(scenario.accounts.map((a) => [a.id, a.balance]));
		for (const [id, start] of Object.entries(accounts)) {
			const spent = record.purchases.filter((p) => p.ok && p.accountId === id).reduce((s, p) => s + p.stars, 0);
			assert.equal(record.balances[id], start - spent, `balance of ${id} matches what the record says was paid`);
		}
		return {
			stops,
			executions: executions.map((e) => e.status).join(','),
			plannedPerOpKey: Object.fromEntries(maxPlanned),
			copiesPerGift: Object.fromEntries(scenario.gifts.filter((g) => g.releaseAtMs > 0).map((g) => [g.id, record.purchases.filter((p) => p.ok && p.giftId === g.id).length])),
			failedAttempts: record.purchases.filter((p) => !p.ok).length,
		};
	},
};
