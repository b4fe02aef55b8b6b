/**
 * The single conversion from the library's Api.StarGift to the core's Gift model: the core's
 * normalizeGift (src/core/gift.ts) reads the TL object directly (64-bit ids through their decimal
 * string) and names the field of anything it rejects.
 */
import { normalizeGift, type GiftError } from '../core/gift';
import type { Gift } from '../core/types';
import type { Api } from './gramjs';

export type StarGiftConversion = { ok: Gift } | { error: GiftError };

export function giftFromStarGift(g: Api.StarGift): StarGiftConversion {
	return normalizeGift(g);
}
