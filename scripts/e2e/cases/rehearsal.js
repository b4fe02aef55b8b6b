'use strict';
// A user's own rehearsal, as the README offers it (`npm run e2e -- --scenario FILE --workflow FILE
// --record OUT`): a scenario file written by hand (the drop 1 s into the scenario; `null` for the
// optional fields of an unlimited gift) and a workflow file of the user's own (Gift Trigger →
// Gift Plan → Telegram Gift Buy, no report). The scenario clock starts once the workflow is live,
// so the drop is watched however long n8n takes to come up, and the record holds exactly the
// purchases the planner prescribes for the released gifts.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { runScenario } = require('../scenario-run');
const { coreOf } = require('../drop');
const { PACKAGE_NAME } = require('../package');

const CHANNEL = '1830000001';
const SCENARIO = {
	description: 'my rehearsal: two accounts, one channel; two limited gifts drop 1 s after the workflow is live',
	seed: 77,
	accounts: [
		{ id: '7300001', label: 'main', balance: 3000, premium: true },
		{ id: '7300002', label: 'spare', balance: 800, premium: false, username: null },
	],
	channels: [{ id: CHANNEL, title: 'My vault', acceptsGifts: true, members: ['7300001', '7300002'] }],
	gifts: [
		{ id: '6300001', stars: 15, limited: false, total: null, remains: null, releaseAtMs: 0, title: 'Heart' },
		{ id: '6300002', stars: 400, limited: true, total: 2000, remains: null, releaseAtMs: 1000, title: 'Comet' },
		{ id: '6300003', stars: 900, limited: true, total: 500, releaseAtMs: 1000, title: 'Aurora' },
	],
	durationMs: null,
};

const PLAN_RECIPIENT = { peer: `-100${CHANNEL}`, priceMin: 100, priceMax: 1000, supplyMin: 0, supplyMax: 5000, maxPerGift: 2 };

function userWorkflow() {
	const node = (name, type, position, parameters) => ({ id: `aaaaaaaa-0000-4000-8000-00000000000${position[0] / 200}`, name, type, typeVersion: 1, position, parameters });
	return {
		id: 'myRehearsal01',
		name: 'My autobuy',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			node('Watch', `${PACKAGE_NAME}.telegramGiftTrigger`, [0, 0], { events: ['newGift'], pollIntervalMs: 500, limitedOnly: true, options: {} }),
			node('Plan', `${PACKAGE_NAME}.telegramGiftPlan`, [200, 0], {
				recipientsSource: 'list', recipients: { recipient: [PLAN_RECIPIENT] }, accountsSource: 'credential', options: { reserveStars: 0 },
			}),
			node('Buy', `${PACKAGE_NAME}.telegramGift`, [400, 0], { resource: 'gift', operation: 'buy', buySource: 'plan', buyOptions: {} }),
		],
		connections: {
			Watch: { main: [[{ node: 'Plan', type: 'main', index: 0 }]] },
			Plan: { main: [[{ node: 'Buy', type: 'main', index: 0 }]] },
		},
	};
}

module.exports = {
	name: "rehearsal: a user's own scenario (drop at 1 s) and workflow; the clock starts when the workflow is live",
	requires: ['telegramGiftTrigger', 'telegramGiftPlan', 'telegramGift'],
	async run({ run, cleanup }) {
		const dir = path.join(run.runDir, 'my-rehearsal');
		fs.mkdirSync(dir, { recursive: true });
		const files = { scenario: path.join(dir, 'scenario.json'), workflow: path.join(dir, 'workflow.json'), record: path.join(dir, 'record.json') };
		fs.writeFileSync(files.scenario, JSON.stringify(SCENARIO, null, 2));
		fs.writeFileSync(files.workflow, JSON.stringify(userWorkflow(), null, 2));

		const code = await runScenario({ ...files, seconds: '8', run, cleanup });
		const record = JSON.parse(fs.readFileSync(files.record, 'utf8'));
		assert.deepEqual(record.unwatched, [], 'the drop happened after the workflow was live');
		assert.equal(code, 0, 'the rehearsal exits 0');
		assert.ok(record.firstCatalogReadAtMs === 0, `the trigger took its baseline before the clock started (first read at ${record.firstCatalogReadAtMs} ms)`);
		const triggered = record.e2e.executions.filter((e) => e.workflowId === 'myRehearsal01' && e.mode === 'trigger');
		assert.equal(triggered.length, 1, `one execution for the drop (got ${triggered.length})`);
		assert.equal(triggered[0].status, 'success');

		// What the planner prescribes for the two dropped gifts and the starting balances.
		const { plan } = coreOf(run.packageDir);
		const gifts = SCENARIO.gifts.filter((g) => g.releaseAtMs > 0).map((g) => ({
			id: g.id, stars: g.stars, limited: true, soldOut: false, availabilityTotal: g.total, availabilityRemains: g.total, title: g.title,
		}));
		const accounts = SCENARIO.accounts.map((a) => ({ id: a.id, label: a.label, balance: a.balance, premium: a.premium }));
		const bound = (v) => (v === 0 ? null : v);
		const recipients = [{ ...PLAN_RECIPIENT, priceMin: bound(PLAN_RECIPIENT.priceMin), supplyMin: bound(PLAN_RECIPIENT.supplyMin) }];
		const expected = plan({ gifts, accounts, recipients, options: { reserveStars: 0 } });
		assert.ok(expected.operations.length > 0, 'the plan buys something');
		const key = (accountId, giftId, peer) => `${accountId}|${giftId}|${peer}`;
		const want = {};
		for (const op of expected.operations) want[key(op.accountId, op.giftId, op.recipient)] = (want[key(op.accountId, op.giftId, op.recipient)] || 0) + op.quantity;
		const got = {};
		for (const p of record.purchases.filter((x) => x.ok)) got[key(p.accountId, p.giftId, p.peer)] = (got[key(p.accountId, p.giftId, p.peer)] || 0) + 1;
		assert.deepEqual(got, want, 'the rehearsal bought what the plan says');
		const drop = Math.min(...record.releases.filter((r) => r.atMs > 0).map((r) => r.atMs));
		return { copies: record.purchases.length, dropAtMs: drop, goLiveMs: record.e2e.timings.goLiveMs, firstPurchaseAfterDropMs: Math.min(...record.purchases.map((p) => p.atMs)) - drop };
	},
};
