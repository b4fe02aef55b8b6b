/**
 * Turning failures into what n8n shows: a NodeOperationError naming the field (and item), with
 * every secret removed from the text. Library errors are never passed through raw, so no stack
 * trace and no session string or token ends up in the editor or in execution data.
 */
import type { INode, JsonObject } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** Replaces every occurrence of each secret (and its URL-encoded form) with "<secret>". */
export function redact(text: string, secrets: readonly string[]): string {
	let out = text;
	for (const secret of secrets) {
		if (!secret || secret.length < 6) continue;
		for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('<secret>');
	}
	return out;
}

/** The message of anything thrown, without stack or secrets. */
export function errorMessage(error: unknown, secrets: readonly string[] = []): string {
	const text = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
	return redact(text || 'Unknown error', secrets);
}

/** A bad node parameter: "<Field>: <problem>" with the item index when it is per item. */
export function parameterError(node: INode, field: string, problem: string, itemIndex?: number): NodeOperationError {
	const where = itemIndex === undefined ? '' : ` (item ${itemIndex})`;
	return new NodeOperationError(node, `${field}${where}: ${problem}`, itemIndex === undefined ? {} : { itemIndex });
}

/** Wraps any failure for n8n, keeping only its redacted message (and the item index). */
export function nodeError(
	node: INode,
	error: unknown,
	options: { secrets?: readonly string[]; itemIndex?: number; description?: string } = {},
): NodeOperationError {
	if (error instanceof NodeOperationError && options.secrets === undefined) return error;
	const message = errorMessage(error, options.secrets);
	const wrapped = new NodeOperationError(node, message, {
		itemIndex: options.itemIndex,
		description: options.description ? redact(options.description, options.secrets ?? []) : undefined,
	});
	return wrapped;
}

/** The JSON a continue-on-fail item carries. */
export function errorJson(error: unknown, secrets: readonly string[] = []): JsonObject {
	return { error: errorMessage(error, secrets) };
}
