'use strict';
/**
 * Planner + report speed (issue 2). Scenarios are generated from a fixed seed, so every run
 * measures the same work:
 *  - seed-100x200: 100 accounts, 200 gifts, 20 recipients; plan + report (all operations
 *    bought), median over 200 runs after warm-up; target 10 ms (GiftBuyer: ~840 ms on 2 vCPU).
 *  - scale-10000x2000: 10 000 accounts, 2 000 gifts, 20 recipients, generous maxPerGift so there
 *    are many operations; plan + report, median over 7 runs; target 1 000 ms.
 */
const { performance } = require('node:perf_hooks');
const path = require('node:path');

const core = require(path.join(process.env.BENCH_BUILD_DIR || path.join(__dirname, '..', 'dist'), 'src', 'core'));

const PRICES = [15, 25, 50, 100, 250, 500, 1000, 2500, 5000];
const SUPPLIES = [100, 500, 1000, 2500, 5000, 10000, 50000, 100000];

function scenario({ accounts, gifts, recipients, seed, maxPerGiftChoices }) {
	const random = core.mulberry32(seed);
	const pick = (list) => list[Math.floor(random() * list.length)];
	const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
	const accountList = Array.from({ length: accounts }, (_, i) => ({
		id: String(100000000 + i),
		label: `acc${i}`,
		balance: int(0, 20000),
		premium: random() < 0.3,
	}));
	const giftList = Array.from({ length: gifts }, (_, i) => {
		const limited = random() < 0.85;
		const total = limited ? pick(SUPPLIES) : null;
		const perUser = limited && random() < 0.1;
		return {
			id: (5170000000000000000n + BigInt(i) * 7919n).toString(),
			stars: pick(PRICES),
			limited,
			soldOut: limited && random() < 0.05,
			availabilityTotal: total,
			availabilityRemains: total === null ? null : int(0, total),
			requirePremium: random() < 0.1,
			limitedPerUser: perUser,
			perUserTotal: perUser ? 2 : null,
			perUserRemains: perUser ? int(0, 2) : null,
		};
	});
	const recipientList = Array.from({ length: recipients }, (_, i) => {
		const lo = random() < 0.3 ? null : pick(SUPPLIES.slice(0, 4));
		const hi = random() < 0.3 ? null : pick(SUPPLIES.slice(3));
		const pmin = random() < 0.4 ? null : pick(PRICES.slice(0, 4));
		const pmax = random() < 0.4 ? null : pick(PRICES.slice(4));
		return {
			peer: `-100${String(1000000000 + i)}`,
			priceMin: pmin,
			priceMax: pmax,
			supplyMin: lo,
			supplyMax: hi,
			maxPerGift: pick(maxPerGiftChoices),
		};
	});
	return {
		gifts: giftList,
		accounts: accountList,
		recipients: recipientList,
		options: { seed, reserveStars: 50, nowSec: 1750000000 },
	};
}

function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function measure(name, input, { runs, warmup, target }) {
	const firstPlan = core.plan(input);
	// Every operation bought: the report's busiest case.
	const results = firstPlan.operations.map((op) => ({
		opKey: op.opKey,
		status: 'bought',
		reason: null,
		quantityBought: op.quantity,
	}));
	const once = () => {
		const plan = core.plan(input);
		return core.buildReport(plan, results, input.accounts, { lang: 'ru' });
	};
	for (let i = 0; i < warmup; i++) once();
	const times = [];
	let report;
	for (let i = 0; i < runs; i++) {
		const start = performance.now();
		report = once();
		times.push(performance.now() - start);
	}
	const value = Math.round(median(times) * 1000) / 1000;
	return {
		bench: `plan.${name}`,
		value,
		unit: 'ms',
		target,
		ok: value <= target,
		stat: 'median',
		runs,
		min: Math.round(Math.min(...times) * 1000) / 1000,
		max: Math.round(Math.max(...times) * 1000) / 1000,
		accounts: input.accounts.length,
		gifts: input.gifts.length,
		recipients: input.recipients.length,
		operations: firstPlan.summary.operations,
		copies: firstPlan.summary.quantity,
		skips: firstPlan.skips.length,
		reportChars: report.text.length,
		node: process.version,
	};
}

async function run(emit) {
	emit(
		measure('seed-100x200', scenario({ accounts: 100, gifts: 200, recipients: 20, seed: 100, maxPerGiftChoices: [null, 1, 2, 5, 10] }), {
			runs: 200,
			warmup: 30,
			target: 10,
		}),
	);
	emit(
		measure(
			'scale-10000x2000',
			scenario({ accounts: 10000, gifts: 2000, recipients: 20, seed: 10000, maxPerGiftChoices: [null, 5, 50, 500] }),
			{ runs: 7, warmup: 2, target: 1000 },
		),
	);
}

module.exports = { run, scenario };
