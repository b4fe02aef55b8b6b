/** Small builders for planner inputs in tests: defaults are a plain limited gift, open filters. */
import type { Gift, PlanAccount, PlanInput, PlanOptions, Recipient } from '../../../src/core';

let nextId = 1000;

/** A limited gift; remains default to min(100, supply) so the gift is always valid. */
export function gift(over: Partial<Gift> = {}): Gift {
	const total = over.availabilityTotal === undefined ? 1000 : over.availabilityTotal;
	return {
		id: String(nextId++),
		stars: 25,
		convertStars: null,
		limited: true,
		soldOut: false,
		availabilityRemains: total === null ? null : Math.min(100, total),
		availabilityTotal: total,
		requirePremium: null,
		limitedPerUser: null,
		perUserTotal: null,
		perUserRemains: null,
		lockedUntil: null,
		title: null,
		upgradeStars: null,
		firstSaleDate: null,
		lastSaleDate: null,
		stickerDocumentId: null,
		auction: false,
		auctionSlug: null,
		giftsPerRound: null,
		auctionStartDate: null,
		availabilityResale: null,
		resellMinStars: null,
		releasedBy: null,
		upgradeVariants: null,
		...over,
	};
}

export function account(id: string, balance: number, over: Partial<PlanAccount> = {}): PlanAccount {
	return { id, balance, premium: false, ...over };
}

export function recipient(peer: string, over: Partial<Recipient> = {}): Recipient {
	return { peer, priceMin: null, priceMax: null, supplyMin: null, supplyMax: null, maxPerGift: null, ...over };
}

export function input(gifts: unknown[], accounts: PlanAccount[], recipients: Recipient[], options: PlanOptions = {}): PlanInput {
	return { gifts, accounts, recipients, options: { nowSec: 1_750_000_000, ...options } };
}
