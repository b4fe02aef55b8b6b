'use strict';
/**
 * Stand-in for the Gift Trigger's polling loop, used only while the trigger's own loop (in
 * nodes/TelegramGiftTrigger/) is not there to benchmark. It polls the account layer's
 * TelegramAccount.catalog(hash) the way the trigger is specified (PRODUCT.md, issue 4):
 *  - fixed-rate round robin over the accounts that are available (not flood-parked, breaker
 *    closed): one poll every intervalMs / available accounts, so a parked account's share is
 *    spread over the others at once;
 *  - each account polls at most once per sessionFloorMs and never has two polls in flight;
 *  - per-account catalog hash (starGiftsNotModified when nothing changed);
 *  - the first answer only remembers the catalog; later answers emit gifts never seen before.
 * Dedupe is an in-memory Set (the trigger keeps it in the store).
 */
const { performance } = require('node:perf_hooks');

const CATALOG_METHOD = 'payments.GetStarGifts';

class CatalogPoller {
	/**
	 * @param {{accounts: any[], intervalMs: number, sessionFloorMs?: number,
	 *   onNew: (gifts: any[], info: {account: string}) => void, onError?: (error: Error, account: string) => void}} options
	 */
	constructor(options) {
		this.accounts = options.accounts.map((account) => ({ account, hash: 0, lastStart: -Infinity, inFlight: null, polls: 0, errors: 0 }));
		this.intervalMs = options.intervalMs;
		this.sessionFloorMs = options.sessionFloorMs ?? 0;
		this.onNew = options.onNew;
		this.onError = options.onError ?? (() => undefined);
		this.seen = new Set();
		this.baselined = false;
		this.running = false;
		this.next = 0;
		this.polls = 0;
		this.answered = 0;
		this.loop = null;
		this.wake = null;
	}

	async start() {
		// Baseline: the current catalog is remembered, not emitted.
		const slot = this.accounts[0];
		slot.lastStart = performance.now();
		slot.polls += 1;
		this.polls += 1;
		const first = await slot.account.catalog(0);
		for (const g of first.gifts) this.seen.add(g.id);
		slot.hash = first.hash;
		this.next = 1 % this.accounts.length;
		this.baselined = true;
		this.running = true;
		this.loop = this.run();
	}

	async stop() {
		this.running = false;
		if (this.wake) this.wake();
		await this.loop;
		await Promise.all(this.accounts.map((a) => a.inFlight));
	}

	available() {
		return this.accounts.filter((a) => a.account.isAvailable(CATALOG_METHOD));
	}

	async run() {
		// The baseline poll was the first of the schedule.
		let due = performance.now() + this.intervalMs / Math.max(1, this.available().length);
		await this.sleep(due - performance.now());
		while (this.running) {
			const live = this.available();
			if (live.length === 0) {
				await this.sleep(50);
				due = performance.now();
				continue;
			}
			// Round robin over all accounts, skipping unavailable ones.
			let slot = null;
			for (let i = 0; i < this.accounts.length && !slot; i++) {
				const candidate = this.accounts[(this.next + i) % this.accounts.length];
				if (live.includes(candidate)) {
					slot = candidate;
					this.next = (this.next + i + 1) % this.accounts.length;
				}
			}
			const floorWait = slot.lastStart + this.sessionFloorMs - performance.now();
			if (floorWait > 0) await this.sleep(floorWait);
			if (slot.inFlight) await slot.inFlight;
			if (!this.running) break;
			slot.lastStart = performance.now();
			slot.inFlight = this.pollOnce(slot).finally(() => {
				slot.inFlight = null;
			});
			due = Math.max(due + this.intervalMs / live.length, performance.now() - this.intervalMs);
			const wait = due - performance.now();
			if (wait > 0) await this.sleep(wait);
			else await slot.inFlight; // polls back to back (tiny intervals): one at a time
		}
	}

	sleep(ms) {
		return new Promise((resolve) => {
			const timer = setTimeout(done, ms);
			function done() {
				clearTimeout(timer);
				resolve();
			}
			this.wake = done;
		});
	}

	async pollOnce(slot) {
		this.polls += 1;
		slot.polls += 1;
		try {
			const result = await slot.account.catalog(slot.hash);
			this.answered += 1;
			slot.hash = result.hash;
			if (result.notModified) return;
			const fresh = result.gifts.filter((g) => !this.seen.has(g.id));
			for (const g of fresh) this.seen.add(g.id);
			if (fresh.length > 0) this.onNew(fresh, { account: slot.account.label });
		} catch (error) {
			slot.errors += 1;
			this.onError(error, slot.account.label);
		}
	}
}

module.exports = { CatalogPoller, CATALOG_METHOD };
