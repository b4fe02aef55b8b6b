'use strict';
/**
 * Reaction through a real n8n: the shipped autobuy workflow (workflows/autobuy.json) runs in
 * n8n 1.123.50 with the packed package (the e2e harness, scripts/e2e/), against the sandbox;
 * gifts are released at random moments and the figure is release → first sendStarsForm of that
 * gift arriving at the sandbox. Context: where the time went (p50Breakdown, from n8n's execution
 * data; clocks aligned to whole ms). P = 1000 ms, N = 4 accounts, R = 0 (loopback).
 * Targets: p50 ≤ P/2N + 3R + 25 ms, p95 ≤ P/N + 3R + 50 ms. The n8n overhead (trigger emit →
 * first node after the trigger starting, from the execution data) is reported separately.
 * When the workflow or the harness is missing, the figures say so with value null.
 */
const fs = require('node:fs');
const path = require('node:path');
const { percentile, round, figure } = require('./lib/common');

const REPO = path.join(__dirname, '..');
const WORKFLOW = path.join(REPO, 'workflows', 'autobuy.json');
const HARNESS = path.join(REPO, 'scripts', 'e2e', 'scenario-run.js');

const P = 1000;
const N = Number(process.env.BENCH_REACTION_ACCOUNTS) || 4;
const R = 0;
const DEFAULT_DROPS = 40;
const FIRST_DROP_MS = 30000; // n8n is packed, installed, started and active well before this
const SPREAD_MS = 60000;
const GIFT_BASE = 8800000000000000001n;

function targets() {
	return { p50: P / (2 * N) + 3 * R + 25, p95: P / N + 3 * R + 50 };
}

function unavailable(emit, note, name = 'reaction.n8n') {
	const t = targets();
	emit(figure(`${name}.p50`, null, 'ms', t.p50, { note, P, N, R }));
	emit(figure(`${name}.p95`, null, 'ms', t.p95, { note, P, N, R }));
}

function scenario(DROPS) {
	let seed = 4242;
	const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
	return {
		seed: 808,
		accounts: Array.from({ length: N }, (_, i) => ({ id: String(710000001 + i), label: `react${i + 1}`, balance: 1_000_000, premium: true })),
		channels: [{ id: '1710000001', title: 'Reaction bench', acceptsGifts: true, members: Array.from({ length: N }, (_, i) => String(710000001 + i)) }],
		gifts: [
			{ id: String(GIFT_BASE - 1n), stars: 100, total: 1000 },
			...Array.from({ length: DROPS }, (_, i) => ({
				id: String(GIFT_BASE + BigInt(i)),
				stars: 50,
				total: 1000,
				releaseAtMs: FIRST_DROP_MS + Math.floor(random() * SPREAD_MS),
			})),
		],
		latencyMs: R ? { default: R } : {},
		bot: {},
	};
}

/**
 * Per execution, where the time went (ms): trigger detection (release → the trigger's
 * detectedAt), n8n (detectedAt → first node after the trigger starts), then each later node's own
 * execution time, and the gap from the Buy node's start to the first sendStarsForm arriving.
 */
function breakdown(executions, { releaseEpochOf, firstSendEpochOf }) {
	const parts = {};
	const add = (key, value) => Number.isFinite(value) && (parts[key] ??= []).push(value);
	for (const e of executions) {
		const runData = e.data?.resultData?.runData;
		if (!runData) continue;
		const runs = Object.entries(runData)
			.map(([name, r]) => ({ name, start: r[0]?.startTime, took: r[0]?.executionTime, items: r[0]?.data?.main?.[0] }))
			.sort((a, b) => a.start - b.start);
		const json = runs[0]?.items?.[0]?.json ?? {};
		const detected = Date.parse(json.detectedAt ?? '');
		const giftIds = (runs[0]?.items ?? []).map((i) => i.json?.id);
		const release = Math.min(...giftIds.map(releaseEpochOf).filter(Number.isFinite));
		add('triggerDetect', detected - release);
		add('n8nEmitToFirstNode', runs[1]?.start - detected);
		for (const r of runs.slice(1)) add(`node:${r.name}`, r.took);
		const buy = runs.find((r) => /buy/i.test(r.name));
		const sends = giftIds.map(firstSendEpochOf).filter(Number.isFinite);
		if (buy && sends.length) add('buyStartToFirstSend', Math.min(...sends) - buy.start);
	}
	return parts;
}

/**
 * `options.mode`: undefined (the figures are reaction.n8n.*), 'regular' (reaction.regular.*) or
 * 'queue' (reaction.queue.*: n8n in queue mode, scripts/e2e/queue.js); `options.drops` (default 40).
 */
async function run(emit, options = {}) {
	const name = options.mode ? `reaction.${options.mode}` : 'reaction.n8n';
	const DROPS = options.drops || DEFAULT_DROPS;
	if (!fs.existsSync(WORKFLOW)) return unavailable(emit, 'workflows/autobuy.json is not in the repository yet: not measured', name);
	if (!fs.existsSync(HARNESS)) return unavailable(emit, 'the e2e harness (scripts/e2e) is missing: not measured', name);
	const { bootWithSandbox } = require(HARNESS);
	const { adaptForSandbox } = require(path.join(REPO, 'scripts', 'e2e', 'templates.js'));
	const { loadWorkflows } = require(path.join(REPO, 'scripts', 'e2e', 'workflows.js'));
	const { cleanupStack, sleep } = require(path.join(REPO, 'scripts', 'e2e', 'util.js'));
	const scene = scenario(DROPS);
	const workflows = adaptForSandbox(loadWorkflows(WORKFLOW), scene, { maxPerGift: 1 });
	for (const wf of workflows) {
		for (const node of wf.nodes) {
			if (/GiftTrigger$/.test(node.type)) node.parameters = { ...node.parameters, pollIntervalMs: P };
		}
	}
	const cleanup = cleanupStack();
	try {
		const { run: n8nRun, sandbox } = await bootWithSandbox({ cleanup, scenario: scene, workflows, quietSandbox: true, prepare: options.mode === 'queue' ? { queue: true } : {} });
		const lead = sandbox.nowMs();
		if (lead > FIRST_DROP_MS - 2000) return unavailable(emit, `n8n took until ${lead} ms of the scenario to start, past the first drop`, name);
		const last = Math.max(...scene.gifts.map((g) => g.releaseAtMs ?? 0));
		await sleep(last - sandbox.nowMs() + 5000);
		const record = sandbox.record();
		const executions = await n8nRun.n8n.executions({ withData: true });
		const logTail = executions.length === 0 ? n8nRun.n8n.logTail(15) : null;
		const queueInfo = options.mode === 'queue' ? { mode: 'queue', workers: 2, maxOpenByAccount: record.connections.maxOpenByAccount } : options.mode ? { mode: options.mode } : {};
		await n8nRun.n8n.stop();
		const reactions = [];
		let missed = 0;
		for (const g of scene.gifts.filter((x) => x.releaseAtMs > 0)) {
			const first = record.purchases.filter((p) => p.giftId === g.id && p.ok).sort((a, b) => a.atMs - b.atMs)[0];
			if (!first) missed += 1;
			else reactions.push(first.atMs - R - g.releaseAtMs);
		}
		const epochStart = Date.now() - sandbox.nowMs();
		const releaseAt = new Map(scene.gifts.map((g) => [g.id, g.releaseAtMs ?? 0]));
		const parts = breakdown(executions, {
			releaseEpochOf: (id) => (releaseAt.has(id) ? epochStart + releaseAt.get(id) : NaN),
			firstSendEpochOf: (id) => {
				const first = record.purchases.filter((p) => p.giftId === id && p.ok).sort((x, y) => x.atMs - y.atMs)[0];
				return first ? epochStart + first.atMs - R : NaN;
			},
		});
		const overhead = parts.n8nEmitToFirstNode ?? [];
		const t = targets();
		const context = {
			P,
			N,
			R,
			drops: DROPS,
			missed,
			n8n: n8nRun.install.version,
			executions: executions.length,
			failedExecutions: executions.filter((e) => e.status !== 'success').length,
			n8nOverheadP50: round(percentile(overhead, 50), 1),
			n8nOverheadP95: round(percentile(overhead, 95), 1),
			n8nOverheadSamples: overhead.length,
			p50Breakdown: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, round(percentile(v, 50), 1)])),
			note:
				executions.length === 0
					? `n8n started no execution: the active trigger made ${record.calls['payments.getStarGifts'] ?? 0} catalog call(s) in ${Math.round(sandbox.nowMs() / 1000)} s of scenario and then went silent; not a latency figure`
					: 'sandbox purchase times are whole ms',
			getStarGiftsCalls: record.calls['payments.getStarGifts'] ?? 0,
			...(executions.length === 0 ? { sandboxCalls: record.calls, connections: record.connections } : {}),
			...(logTail ? { n8nLogTail: logTail } : {}),
			...queueInfo,
		};
		const p50 = figure(`${name}.p50`, round(percentile(reactions, 50), 1), 'ms', t.p50, context);
		const p95 = figure(`${name}.p95`, round(percentile(reactions, 95), 1), 'ms', t.p95, context);
		p50.ok = p50.ok && missed === 0;
		p95.ok = p95.ok && missed === 0;
		emit(p50);
		emit(p95);
	} finally {
		await cleanup.run();
	}
}

module.exports = { run };
