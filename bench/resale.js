'use strict';
/**
 * The resale market against the sandbox over real MTProto, with the built package's pieces the
 * nodes use: the shared watcher's resale topic (the trigger's), the core's rules and plan, and the
 * buyer (buyListing). Figures named `resale.*`:
 *
 *  - resale.appear-to-pay.c<C>.p50 / .p95 for C = 1, 20, 100 collections watched: from the moment
 *    the sandbox lists a collectible under the floor to the moment it applies our payment (both on
 *    the sandbox timeline, from its record). Default trigger settings (interval P = 1 s, session
 *    floor F = 1 s) and N = BENCH_RESALE_ACCOUNTS accounts (default 4): each collection is read
 *    every Pc = C · max(P, F) / N. Target p95 ≤ Pc + 2R + 30 ms (R: the sandbox round trip measured
 *    here). Pc is in each figure's context.
 *  - resale.won-share: the share of under-floor listings we buy against a competitor that takes
 *    every under-floor listing 1 s after it appears (the pace of today's public tools), one
 *    collection, ONE account, default settings (Pc = 1 s). Target ≥ 90 %.
 * Environment: BENCH_RESALE_ACCOUNTS (4), BENCH_RESALE_SAMPLES (20), BENCH_RESALE_COLLECTIONS
 * (1,20,100), BENCH_RESALE_SHARE=0 to skip the share.
 */
const { performance } = require('node:perf_hooks');
const { load, percentile, round, figure, sandboxWorld, sandboxRoundTrip } = require('./lib/common');

const P = 1000;
const F = 1000;
const ACCOUNTS = Number(process.env.BENCH_RESALE_ACCOUNTS) || 4;
const SAMPLES = Number(process.env.BENCH_RESALE_SAMPLES) || 20;
const FLOOR = 2000;
const CHEAP = 1200;

function scenario({ seed, collections, accounts, listings, buyers = [] }) {
	const gifts = [];
	const cols = [];
	for (let c = 0; c < collections; c++) {
		const giftId = String(6400000 + c);
		gifts.push({ id: giftId, stars: 500, limited: true, total: 1000, remains: 0, releaseAtMs: 0, title: `Bench ${c}` });
		const uniques = [];
		for (let n = 1; n <= 3 + listings.filter((l) => l.c === c).length; n++) uniques.push({ slug: `Bench${c}-${n}`, num: n, model: 'Stone', backdrop: 'Black', pattern: 'Star' });
		cols.push({
			giftId,
			total: 1000,
			issued: 500,
			models: [{ name: 'Stone', rarityPermille: 200 }],
			backdrops: [{ name: 'Black', rarityPermille: 100 }],
			patterns: [{ name: 'Star', rarityPermille: 100 }],
			gifts: uniques,
		});
	}
	const scheduled = [];
	for (let c = 0; c < collections; c++) {
		scheduled.push({ slug: `Bench${c}-1`, stars: FLOOR }, { slug: `Bench${c}-2`, stars: FLOOR + 100 }, { slug: `Bench${c}-3`, stars: FLOOR + 200 });
	}
	const next = new Map();
	for (const l of listings) {
		const n = (next.get(l.c) ?? 3) + 1;
		next.set(l.c, n);
		l.slug = `Bench${l.c}-${n}`;
		scheduled.push({ slug: l.slug, stars: CHEAP, atMs: l.atMs });
	}
	return {
		seed,
		accounts: Array.from({ length: accounts }, (_, i) => ({ id: String(1000001 + i), label: `buyer${i + 1}`, balance: 10_000_000, premium: true })),
		gifts,
		resale: { collections: cols, listings: scheduled, buyers },
	};
}

function world(sc) {
	return sandboxWorld(sc, 'bench-resale-');
}

/**
 * The trigger → plan → buy path: the shared watcher's resale topic over `collections`, each
 * delivery judged by the rules (at least 20 % under the floor), planned over the accounts and
 * bought at once (each account's listings in order, accounts in parallel).
 */
async function sniper(w, collections) {
	const { WatcherRegistry, ResaleTopic, resaleTopicKey } = load('src/telegram/watch');
	const { judgeListings, planResale } = load('src/core');
	const { buyListing } = load('src/telegram');
	const registry = new WatcherRegistry(w.pool);
	const leases = await Promise.all(w.creds.map((c) => w.pool.acquire(c)));
	const accounts = await Promise.all(leases.map(async (l) => ({ lease: l, me: await l.account.whoAmI() })));
	const rules = { minPercentUnderFloor: 20 };
	const buying = [];
	const results = [];
	const sub = await registry.subscribe(
		w.creds,
		{ key: resaleTopicKey(collections), create: () => new ResaleTopic(collections) },
		{
			deliver: (events) => {
				if (events.length === 0) return;
				const floors = Object.fromEntries(events.map((e) => [e.listing.slug, e.floorStars]));
				const verdicts = judgeListings(events.map((e) => e.listing), rules, [], [], floors);
				const matches = events.filter((_e, i) => verdicts[i].ok).map((e) => e.listing);
				if (matches.length === 0) return;
				const plan = planResale({
					listings: matches,
					floors,
					accounts: accounts.map((a) => ({ id: a.me.id, balance: 10_000_000, premium: true })),
					recipients: [{ peer: 'me', priceMin: null, priceMax: null, supplyMin: null, supplyMax: null, maxPerGift: null }],
					rules,
				});
				const byAccount = new Map();
				for (const op of plan.operations) byAccount.set(op.accountId, [...(byAccount.get(op.accountId) ?? []), op]);
				for (const [id, ops] of byAccount) {
					const account = accounts.find((a) => a.me.id === id).lease.account;
					buying.push(
						(async () => {
							for (const op of ops) results.push(await buyListing(account, w.store, op));
						})(),
					);
				}
			},
			onFatal: () => undefined,
		},
		{ intervalMs: P, sessionFloorMs: F, from: 'now' },
	);
	return {
		registry,
		results,
		async stop() {
			await sub.close();
			await Promise.all(buying);
			for (const l of leases) l.release();
		},
	};
}

async function appearToPay(emit, C) {
	const N = ACCOUNTS;
	const Pc = (C * Math.max(P, F)) / N;
	// Every collection has had its baseline read before the first listing; then SAMPLES listings at
	// random moments in random collections, spaced so that each is detected before the next.
	const lead = Pc + 3000;
	let seed = 77 + C;
	const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
	const spacing = Math.max(1500, Pc / 2);
	const listings = Array.from({ length: SAMPLES }, (_, i) => ({ c: Math.floor(random() * C), atMs: Math.round(lead + i * spacing + random() * spacing * 0.8) }));
	const w = await world(scenario({ seed: 40 + C, collections: C, accounts: N, listings }));
	try {
		const R = await sandboxRoundTrip(w);
		const collections = Array.from({ length: C }, (_, c) => String(6400000 + c));
		const s = await sniper(w, collections);
		const last = Math.max(...listings.map((l) => l.atMs));
		await w.sandbox.waitFor((r) => r.resale.sales.filter((x) => x.account).length >= SAMPLES, last + 3 * Pc + 20_000).catch(() => null);
		const info = s.registry.list()[0];
		await s.stop();
		const rec = w.sandbox.record().resale;
		const listedAt = new Map(rec.listings.map((l) => [l.slug, l.atMs]));
		const samples = rec.sales.filter((x) => x.account && listings.some((l) => l.slug === x.slug)).map((x) => x.atMs - listedAt.get(x.slug));
		const target = round(Pc + 2 * R + 30);
		const context = {
			collections: C,
			accounts: N,
			Pc_ms: Pc,
			intervalMs: P,
			sessionFloorMs: F,
			R_ms: round(R, 2),
			samples: samples.length,
			missed: SAMPLES - samples.length,
			floodWaits: info?.stats.floodWaits ?? null,
			path: 'listing → getResaleStarGifts (cheapest page of one collection per poll) → rules → plan → getPaymentForm → sendStarsForm',
		};
		emit(figure(`resale.appear-to-pay.c${C}.p50`, round(percentile(samples, 50)), 'ms', target, context));
		emit(figure(`resale.appear-to-pay.c${C}.p95`, samples.length === SAMPLES ? round(percentile(samples, 95)) : null, 'ms', target, context));
	} finally {
		await w.close();
	}
}

async function wonShare(emit) {
	const C = 1;
	const N = 1;
	const listings = Array.from({ length: SAMPLES }, (_, i) => ({ c: 0, atMs: 3000 + i * 2500 + Math.round((i * 7919) % 1000) }));
	const buyers = [{ id: '9500001', giftId: '6400000', maxStars: Math.floor(FLOOR * 0.8), delayMs: 1000, copies: 1000 }];
	const w = await world(scenario({ seed: 91, collections: C, accounts: N, listings, buyers }));
	try {
		const s = await sniper(w, ['6400000']);
		const last = Math.max(...listings.map((l) => l.atMs));
		await w.sandbox.waitFor((r) => r.resale.sales.filter((x) => listings.some((l) => l.slug === x.slug)).length >= SAMPLES, last + 10_000).catch(() => null);
		await s.stop();
		const rec = w.sandbox.record().resale;
		const ours = rec.sales.filter((x) => x.account && listings.some((l) => l.slug === x.slug)).length;
		const theirs = rec.sales.filter((x) => !x.account && listings.some((l) => l.slug === x.slug)).length;
		const lost = s.results.filter((r) => r.reason === 'listing_gone').length;
		emit(
			figure('resale.won-share', round((100 * ours) / SAMPLES), '%', 90, {
				listings: SAMPLES,
				won: ours,
				competitorWon: theirs,
				lostAtForm: lost,
				competitorReactionMs: 1000,
				accounts: N,
				Pc_ms: (C * Math.max(P, F)) / N,
			}, 'higher'),
		);
	} finally {
		await w.close();
	}
}

async function run(emit) {
	// BENCH_RESALE_COLLECTIONS=1,20 runs only those; BENCH_RESALE_SHARE=0 skips the won share.
	const only = process.env.BENCH_RESALE_COLLECTIONS ? process.env.BENCH_RESALE_COLLECTIONS.split(',').map(Number) : [1, 20, 100];
	for (const C of only) await appearToPay(emit, C);
	if (process.env.BENCH_RESALE_SHARE !== '0') await wonShare(emit);
}

module.exports = { run };

if (require.main === module) {
	run((f) => process.stdout.write(JSON.stringify(f) + '\n')).catch((error) => {
		process.stdout.write(JSON.stringify({ bench: 'resale', error: error.message }) + '\n');
		process.exitCode = 1;
	});
}
