/** Parameter readers several nodes share, so one rule gives one message everywhere. */
import type { IExecuteFunctions } from 'n8n-workflow';

import { parameterError } from './errors';

/** A user's value inside a message: long values are cut so the message stays readable. */
export function quoted(value: string, max = 40): string {
	return value.length <= max ? `"${value}"` : `"${value.slice(0, max)}…" (${value.length} characters)`;
}

/**
 * The Gift ID parameter of item `itemIndex` as decimal text. An expression may hand over a number:
 * above 2^53 it has already lost its last digits (5170145012310081615 → …081000) and would name
 * another gift, so it is refused instead of being bought under a wrong id.
 */
export function giftIdParameter(this: IExecuteFunctions, itemIndex: number): string {
	const raw = this.getNodeParameter('giftId', itemIndex, '') as unknown;
	if (typeof raw === 'number' && !Number.isSafeInteger(raw)) {
		throw parameterError(this.getNode(), 'Gift ID', `${String(raw)} is a number too large to be exact: pass gift ids as text (a string)`, itemIndex);
	}
	const giftId = String(raw ?? '').trim();
	if (!/^\d{1,20}$/.test(giftId)) throw parameterError(this.getNode(), 'Gift ID', `${quoted(giftId)} is not a gift id (digits only)`, itemIndex);
	return giftId;
}
