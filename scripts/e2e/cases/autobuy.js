'use strict';
// Autobuy template in a real n8n: at the drop the purchases in the sandbox record are exactly
// what the package's planner prescribes for the gifts the trigger emitted and the accounts'
// balances (computed here with the core's plan() from the installed build), never beyond the
// caps; skips flow into the report; the report the bot sent to every account's chat carries
// the record's numbers.

const assert = require('node:assert/strict');
const { loadScenario, bootTemplates, dropAt, untilScenarioMs, settle, coreOf, planParamsToInput, boughtByKey, plannedByKey } = require('../drop');
const { nodeNamed } = require('../workflows');
const { nodeOutput } = require('../n8n');
const { queueProof } = require('../queue');

const MAX_STARS_PER_RUN = 5000;

module.exports = {
	name: 'autobuy: purchases == plan(), within caps; the report matches the record',
	requires: ['telegramGiftTrigger', 'telegramGiftPlan', 'telegramGift', 'telegramGiftNotify'],
	// `npm run e2e -- --queue`: also on n8n in queue mode (trigger on the main, execution on a worker).
	queue: true,
	async run({ run, cleanup }) {
		const scenario = loadScenario('e2e-drop.scenario.json');
		const { sandbox, workflows, activeIds } = await bootTemplates({
			run, cleanup, scenario, files: ['autobuy.json'], adapt: { maxPerGift: 2, planOptions: { maxStarsPerRun: MAX_STARS_PER_RUN } },
		});
		assert.equal(activeIds.length, 1, 'the autobuy workflow must be active');
		const drop = dropAt(scenario);
		await untilScenarioMs(sandbox, drop, 'the drop');
		const accountIds = scenario.accounts.map((a) => a.id);
		const record = await settle(sandbox, {
			quietMs: 4000,
			done: (r) => accountIds.every((id) => r.botMessages.some((m) => m.chatId === id)),
		});
		const queue = run.queue ? queueProof(run, record) : undefined;
		await run.n8n.stop();

		const executions = (await run.n8n.executions({ workflowId: activeIds[0], withData: true })).filter((e) => e.mode === 'trigger');
		assert.equal(executions.length, 1, `one execution for the drop (got ${executions.length})`);
		const [exec] = executions;
		assert.equal(exec.status, 'success', `execution ${exec.id} is ${exec.status}: ${JSON.stringify(exec.data?.resultData?.error?.message ?? null)}`);

		// The planner, run here on the same input.
		const { plan, opKeyOf } = coreOf(run.packageDir);
		void opKeyOf;
		const gifts = nodeOutput(exec, 'Gift Trigger');
		const { recipients, options } = planParamsToInput(nodeNamed(workflows[0], 'Plan'));
		const accounts = scenario.accounts.map((a) => ({ id: a.id, label: a.label, balance: a.balance, premium: a.premium }));
		const expected = plan({ gifts, accounts, recipients, options });
		assert.ok(expected.operations.length > 0 && expected.skips.length > 0, 'the scenario exercises both purchases and skips');

		const planned = nodeOutput(exec, 'Plan', 0);
		const skipped = nodeOutput(exec, 'Plan', 1);
		const strip = (ops) => ops.map(({ opKey, accountId, recipient, giftId, price, quantity }) => ({ opKey, accountId, recipient, giftId, price, quantity }))
			.sort((a, b) => a.opKey.localeCompare(b.opKey));
		assert.deepEqual(strip(planned), strip(expected.operations), 'the Plan node planned what plan() prescribes');
		assert.deepEqual(skipped.map((s) => `${s.giftId}:${s.reason}`).sort(), expected.skips.map((s) => `${s.giftId}:${s.reason}`).sort(), 'same skips');

		// The record: exactly the plan, nothing failed, within the caps.
		assert.deepEqual(record.purchases.filter((p) => !p.ok), [], 'no failed purchase attempts');
		assert.deepEqual(Object.fromEntries(boughtByKey(record)), Object.fromEntries(plannedByKey(expected.operations)), 'purchases in the record == the plan');
		const spent = record.purchases.reduce((sum, p) => sum + p.stars, 0);
		assert.ok(spent <= MAX_STARS_PER_RUN, `spent ${spent} ≤ Max Stars per Run ${MAX_STARS_PER_RUN}`);
		for (const a of scenario.accounts) {
			const own = record.purchases.filter((p) => p.accountId === a.id).reduce((sum, p) => sum + p.stars, 0);
			assert.equal(record.balances[a.id], a.balance - own, `balance of ${a.label}`);
			assert.ok(record.balances[a.id] >= (options.reserveStars || 0), `${a.label} keeps its reserve`);
		}

		// The report: its totals (Notify output) and the text every account received.
		const [report] = nodeOutput(exec, 'Report');
		const t = report.totals;
		assert.equal(t.copies.bought, record.purchases.length, 'report: copies bought');
		assert.equal(t.stars.spent, spent, 'report: stars spent');
		assert.equal(t.copies.failed, 0, 'report: no failures');
		assert.equal(t.gifts.new, gifts.length, 'report: new gifts');
		const skipCount = Object.values(t.skipsByReason).reduce((s, n) => s + n, 0);
		assert.equal(skipCount, expected.skips.length, 'report: skips counted (they reach Report through the merge)');
		for (const g of t.perGift.filter((x) => x.copiesBought > 0)) {
			assert.equal(g.supply, scenario.gifts.find((x) => x.id === g.giftId).total, `report: supply of gift ${g.giftId}`);
		}
		for (const a of scenario.accounts) {
			const row = t.perAccount.find((r) => r.accountId === a.id);
			const own = record.purchases.filter((p) => p.accountId === a.id);
			if (!row) {
				assert.equal(own.length, 0, `report has no row for ${a.label} although it bought`);
				continue;
			}
			assert.equal(row.copiesBought, own.length, `report: ${a.label} copies`);
			assert.equal(row.spent, own.reduce((s, p) => s + p.stars, 0), `report: ${a.label} spent`);
			assert.equal(row.start, a.balance, `report: ${a.label} start balance`);
			assert.equal(row.end, record.balances[a.id], `report: ${a.label} end balance`);
		}
		assert.equal(report.delivered, accountIds.length, 'report delivered to every account chat');
		for (const id of accountIds) {
			const text = record.botMessages.filter((m) => m.chatId === id && m.method === 'sendMessage').map((m) => m.text).join('\n');
			assert.ok(text.length > 0, `account ${id} got the report`);
			assert.equal(text.replace(/\s+/g, ' '), report.text.replace(/\s+/g, ' '), `account ${id} got the report text the node built`);
			assert.ok(text.includes(String(spent)), `report text names the ${spent} stars spent`);
		}
		const firstBuy = Math.min(...record.purchases.map((p) => p.atMs));
		const lastReport = Math.max(...record.botMessages.map((m) => m.atMs));
		return {
			operations: expected.operations.length, copies: record.purchases.length, spent, skips: expected.skips.length,
			dropToFirstPurchaseMs: firstBuy - drop, dropToReportMs: lastReport - drop, ...(queue ? { queue } : {}),
		};
	},
};
