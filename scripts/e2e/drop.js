'use strict';
// What the drop cases share: the shipped templates read from the installed package (so the
// tarball is what is tested), adapted to the scenario and booted with the sandbox; waiting for
// a drop to settle; the planner from the installed package's build.

const fs = require('node:fs');
const path = require('node:path');
const { bootWithSandbox } = require('./scenario-run');
const { adaptForSandbox } = require('./templates');
const { log, seconds, sleep } = require('./util');

const FIXTURES = path.join(__dirname, 'fixtures');

function loadScenario(name) {
	return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
}

/** A template as the installed package ships it (dist/workflows/<file>). */
function shippedTemplate(packageDir, file) {
	const full = path.join(packageDir, 'dist', 'workflows', file);
	if (!fs.existsSync(full)) throw new Error(`the packed package does not ship workflows/${file}`);
	return JSON.parse(fs.readFileSync(full, 'utf8'));
}

/** Boots sandbox + n8n (the case's prepared run) with shipped templates adapted to the scenario (and `edit`ed by the case). */
async function bootTemplates({ run, cleanup, scenario, files, adapt = {}, extraCredentials = [], edit }) {
	const workflows = adaptForSandbox(files.map((f) => shippedTemplate(run.packageDir, f)), scenario, adapt);
	if (edit) workflows.forEach(edit);
	return await bootWithSandbox({ run, cleanup, scenario, workflows, extraCredentials, quietSandbox: true });
}

/** First release time after 0 (the drop). */
function dropAt(scenario) {
	const times = scenario.gifts.map((g) => g.releaseAtMs || 0).filter((t) => t > 0);
	if (times.length === 0) throw new Error('scenario has no drop (no gift with releaseAtMs > 0)');
	return Math.min(...times);
}

/** Sleeps until the scenario clock reaches `atMs` (fails when it is already past: the boot was too slow). */
async function untilScenarioMs(sandbox, atMs, what) {
	const wait = atMs - sandbox.nowMs();
	if (wait < 0) throw new Error(`n8n came up too late: ${what} at ${seconds(atMs)} but the scenario clock is at ${seconds(sandbox.nowMs())}`);
	await sleep(wait);
}

/**
 * Waits until the sandbox record (purchases + bot messages) has not changed for `quietMs`,
 * checking `done(record)` first when given; returns the record.
 */
async function settle(sandbox, { quietMs = 4000, timeoutMs = 60000, done } = {}) {
	const deadline = Date.now() + timeoutMs;
	let last = -1;
	let since = Date.now();
	for (;;) {
		const rec = sandbox.record();
		const n = rec.purchases.length + rec.botMessages.length;
		if (n !== last) {
			last = n;
			since = Date.now();
		} else if (Date.now() - since >= quietMs && (!done || done(rec))) return rec;
		if (Date.now() > deadline) {
			log(`record did not settle within ${seconds(timeoutMs)}`);
			return rec;
		}
		await sleep(250);
	}
}

/** The core (planner, report) of the installed package. */
function coreOf(packageDir) {
	return require(path.join(packageDir, 'dist', 'src', 'core'));
}

/** Plan node parameters → the core's plan input pieces (the node's own rules: 0 = no bound). */
function planParamsToInput(planNode) {
	const bound = (v) => (v === 0 || v === '' || v === undefined ? null : v);
	const p = planNode.parameters;
	const recipients = p.recipients.recipient.map((r) => ({
		peer: r.peer, priceMin: bound(r.priceMin), priceMax: bound(r.priceMax), supplyMin: bound(r.supplyMin),
		supplyMax: bound(r.supplyMax), maxPerGift: bound(r.maxPerGift),
	}));
	const o = p.options || {};
	const options = {
		onlyLimited: o.onlyLimited ?? true,
		maxPerGiftPerAccount: bound(o.maxPerGiftPerAccount),
		maxStarsPerRun: bound(o.maxStarsPerRun),
		reserveStars: o.reserveStars ?? 0,
		dailyBudgetPerAccount: bound(o.dailyBudgetPerAccount),
		seed: o.seed ?? 0,
		runKey: o.runKey ?? '',
	};
	return { recipients, options };
}

/** Successful purchases grouped as "accountId|giftId|peer" → copies. */
function boughtByKey(record) {
	const out = new Map();
	for (const p of record.purchases.filter((x) => x.ok)) {
		const key = `${p.accountId}|${p.giftId}|${p.peer}`;
		out.set(key, (out.get(key) || 0) + 1);
	}
	return out;
}

/** Plan operations grouped the same way (one opKey each for a fixed run key). */
function plannedByKey(operations) {
	const out = new Map();
	for (const op of operations) out.set(`${op.accountId}|${op.giftId}|${op.recipient}`, (out.get(`${op.accountId}|${op.giftId}|${op.recipient}`) || 0) + op.quantity);
	return out;
}

module.exports = { loadScenario, shippedTemplate, bootTemplates, dropAt, untilScenarioMs, settle, coreOf, planParamsToInput, boughtByKey, plannedByKey };
