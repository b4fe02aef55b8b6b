'use strict';
// Buy-on-demand template in a real n8n: POST {giftId, recipient, quantity} with the header auth
// buys and answers one result per item; without the header nothing is bought; the same
// Idempotency-Key is never paid twice and answers the original result again; a bad request
// answers HTTP 400 naming the field, and its execution is an error in n8n's list.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { loadScenario, bootTemplates } = require('../drop');
const { sandboxChannels } = require('../templates');
const { waitUntil } = require('../util');
const { queueProof } = require('../queue');

const HOOK_PATH = '/webhook/telegram-gift-buy';

module.exports = {
	name: 'webhook: POST buys and answers per-item results; header auth; idempotency key',
	requires: ['telegramGift'],
	// `npm run e2e -- --queue`: also on n8n in queue mode (webhook processor + workers).
	queue: true,
	async run({ run, cleanup }) {
		const scenario = loadScenario('e2e-drop.scenario.json');
		const apiKey = crypto.randomBytes(18).toString('hex');
		run.n8n.secrets.push(apiKey);
		const auth = { id: 'e2eHookAuth0001', name: 'Buy webhook key', type: 'httpHeaderAuth', data: { name: 'X-Api-Key', value: apiKey } };
		const { sandbox, activeIds } = await bootTemplates({
			run, cleanup, scenario, files: ['buy-on-demand.json'], adapt: { webhookAuth: auth }, extraCredentials: [auth],
		});
		assert.equal(activeIds.length, 1, 'the webhook workflow must be active');
		const [channel] = sandboxChannels(scenario);
		const gift = scenario.gifts.find((g) => g.limited && !g.releaseAtMs);
		const richest = [...scenario.accounts].sort((a, b) => b.balance - a.balance)[0];

		const post = async (body, headers = {}) => {
			const t0 = Date.now();
			// Queue mode: the webhook processor serves production webhooks (hookUrl); else the one n8n.
			const res = await fetch(`${run.n8n.hookUrl || run.n8n.url}${HOOK_PATH}`, {
				method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
			});
			const text = await res.text();
			let json = null;
			try {
				json = JSON.parse(text);
			} catch {
				/* not JSON: kept as text */
			}
			return { status: res.status, json, text, ms: Date.now() - t0 };
		};
		const order = { giftId: gift.id, recipient: channel, quantity: 2 };
		const authed = { 'X-Api-Key': apiKey, 'Idempotency-Key': 'order-0001' };

		// Webhooks are registered while n8n activates the workflow: retry while it answers 404.
		const refused = await waitUntil(async () => {
			const r = await post(order);
			return r.status === 404 ? null : r;
		}, { timeoutMs: 20000, what: 'the webhook to be registered' });
		assert.ok([401, 403].includes(refused.status), `without the header: HTTP ${refused.status} (${refused.text.slice(0, 100)})`);
		assert.equal(sandbox.record().purchases.length, 0, 'nothing bought without the header');

		const first = await post(order, authed);
		assert.equal(first.status, 200, `HTTP ${first.status}: ${first.text.slice(0, 300)}`);
		const results = Array.isArray(first.json) ? first.json : [first.json];
		assert.equal(results.length, 1, 'one result per item');
		assert.equal(results[0].status, 'bought', JSON.stringify(results[0]));
		assert.equal(results[0].quantityBought, 2);
		assert.equal(results[0].giftId, gift.id);
		assert.equal(results[0].recipient, channel);
		assert.equal(results[0].accountId, richest.id, 'the richest account pays');
		const bought = sandbox.record().purchases.filter((p) => p.ok);
		assert.equal(bought.length, 2, 'two copies in the record');
		for (const p of bought) assert.deepEqual([p.giftId, p.peer, p.accountId, p.stars], [gift.id, channel, richest.id, gift.stars]);
		assert.equal(results[0].balanceAfter, sandbox.record().balances[richest.id], 'the answer carries the balance after');

		const again = await post(order, authed);
		assert.equal(again.status, 200, `a repeated Idempotency-Key answers 200: HTTP ${again.status} ${again.text.slice(0, 200)}`);
		const [repeat] = Array.isArray(again.json) ? again.json : [again.json];
		// The original result again (as payment APIs replay it), with no error filled in.
		assert.equal(repeat.status, 'bought', `the replay carries the original result: ${JSON.stringify(repeat)}`);
		assert.equal(repeat.replayed, true);
		assert.equal(repeat.error, null);
		assert.deepEqual([repeat.opKey, repeat.quantityBought, repeat.price, repeat.accountId], [results[0].opKey, 2, gift.stars, richest.id]);
		assert.equal(sandbox.record().purchases.filter((p) => p.ok).length, 2, 'still two copies after the repeat');

		const before = (await run.n8n.executions()).length;
		const bad = await post({ giftId: 'abc', recipient: channel, quantity: 1 }, { 'X-Api-Key': apiKey });
		assert.equal(bad.status, 400, `a bad request answers 400: HTTP ${bad.status}: ${bad.text.slice(0, 200)}`);
		assert.match(String(bad.json?.error), /^Gift ID\b.*"abc" is not a gift id/, `the error names the field: ${bad.text}`);
		const missing = await post({ recipient: channel }, { 'X-Api-Key': apiKey });
		assert.equal(missing.status, 400, `a missing giftId answers 400: HTTP ${missing.status}: ${missing.text.slice(0, 200)}`);
		assert.match(String(missing.json?.error), /^Gift ID\b/, `the error names the missing field: ${missing.text}`);
		const badRecipient = await post({ giftId: gift.id, recipient: 'not a peer', quantity: 1 }, { 'X-Api-Key': apiKey });
		assert.equal(badRecipient.status, 400);
		assert.match(String(badRecipient.json?.error), /^Recipient\b/, badRecipient.text);
		assert.equal(sandbox.record().purchases.length, 2, 'a bad request buys nothing');
		assert.ok(![bad, missing, badRecipient, first, again].some((r) => r.text.includes(apiKey)), 'answers carry no secret');
		// n8n's execution list shows the bad requests as errors.
		const executions = await waitUntil(async () => {
			const all = await run.n8n.executions();
			return all.length >= before + 3 && all.slice(before).every((e) => e.status !== 'running' && e.status !== 'new') ? all.slice(before) : null;
		}, { timeoutMs: 20000, what: 'the bad requests\' executions' });
		assert.deepEqual(executions.map((e) => e.status), ['error', 'error', 'error'], 'bad requests are failed executions');
		const queue = run.queue ? queueProof(run, sandbox.record()) : undefined;
		return { firstMs: first.ms, repeatMs: again.ms, repeat: repeat.status, badMs: bad.ms, ...(queue ? { queue } : {}) };
	},
};
