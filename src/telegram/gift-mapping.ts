/**
 * The single conversion from the library's Api.StarGift to the core's Gift model. It turns the TL
 * object into a plain JSON-safe record (64-bit ids as decimal strings) and builds the Gift from
 * it; when src/core/gift.ts (normalizeGift) is available this is the one place to switch to it.
 */
import type { Gift } from '../core/types';
import { Api } from './gramjs';

function num(value: { toString(): string } | number | undefined | null): number | null {
	if (value === undefined || value === null) return null;
	const n = Number(value.toString());
	return Number.isFinite(n) ? n : null;
}

export function giftFromStarGift(g: Api.StarGift): Gift {
	return {
		id: g.id.toString(),
		stars: num(g.stars) ?? 0,
		convertStars: num(g.convertStars),
		limited: g.limited === true,
		soldOut: g.soldOut === true,
		availabilityRemains: g.availabilityRemains ?? null,
		availabilityTotal: g.availabilityTotal ?? null,
		requirePremium: g.requirePremium === true,
		limitedPerUser: g.limitedPerUser === true,
		perUserTotal: g.perUserTotal ?? null,
		perUserRemains: g.perUserRemains ?? null,
		lockedUntil: g.lockedUntilDate ?? null,
		title: g.title ?? null,
		upgradeStars: num(g.upgradeStars),
		firstSaleDate: g.firstSaleDate ?? null,
		lastSaleDate: g.lastSaleDate ?? null,
		stickerDocumentId: g.sticker instanceof Api.Document ? g.sticker.id.toString() : null,
	};
}
