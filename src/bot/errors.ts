/**
 * Typed errors of the bot layer. Bot API failures arrive as description strings (Telegram has no
 * finer codes for 403s); they are classified here, once, into reasons the rest of the package
 * switches on. No message built here ever contains the bot token.
 */
import { GrammyError, HttpError } from 'grammy';

export type BotFailureReason =
	| 'bot_blocked'
	| 'not_member'
	| 'forbidden'
	| 'rate_limited'
	| 'chat_not_found'
	| 'chat_migrated'
	| 'invalid_file'
	| 'bad_request'
	| 'unauthorized'
	| 'invalid_chat_id'
	| 'network'
	| 'telegram_error';

export interface BotApiErrorDetails {
	method: string;
	/** HTTP-like error_code from the Bot API; undefined for network failures. */
	errorCode?: number;
	description?: string;
	retryAfter?: number;
	/** Decimal string: the supergroup a group was upgraded to (400 with migrate_to_chat_id). */
	migrateToChatId?: string;
}

/** A Bot API call that failed, with a reason and whether trying again later can succeed. */
export class BotApiError extends Error {
	override readonly name = 'BotApiError';
	constructor(
		message: string,
		readonly reason: BotFailureReason,
		readonly retryable: boolean,
		readonly details: BotApiErrorDetails,
	) {
		super(message);
	}
}

/** Bad input to the bot layer (names the field); thrown before anything is sent. */
export class BotInputError extends Error {
	override readonly name = 'BotInputError';
	constructor(
		readonly field: string,
		problem: string,
	) {
		super(`${field}: ${problem}`);
	}
}

/** Removes the token from any text (grammY's network errors carry the request URL). */
export function redactToken(text: string, token: string): string {
	let out = text;
	if (token) {
		for (const form of new Set([token, encodeURIComponent(token)])) out = out.split(form).join('<token>');
	}
	return out.replace(/\/bot[^/\s]+\//g, '/bot<token>/');
}

/** Turns whatever grammY threw into a BotApiError without the token in it. */
export function toBotApiError(error: unknown, method: string, token: string): BotApiError {
	if (error instanceof BotApiError) return error;
	if (error instanceof GrammyError) return fromBotApiAnswer(error, method);
	if (error instanceof HttpError) {
		const cause = error.error as { code?: unknown; message?: unknown } | undefined;
		const causeText = typeof cause?.message === 'string' ? cause.message : String(cause);
		const detail = redactToken(typeof cause?.code === 'string' ? `${cause.code}: ${causeText}` : causeText, token);
		return new BotApiError(`${method}: could not reach the Bot API (${detail})`, 'network', true, { method });
	}
	const text = error instanceof Error ? error.message : String(error);
	return new BotApiError(`${method}: ${redactToken(text, token)}`, 'network', true, { method });
}

function fromBotApiAnswer(error: GrammyError, method: string): BotApiError {
	const code = error.error_code;
	const description = error.description;
	const details: BotApiErrorDetails = { method, errorCode: code, description };
	const said = `${method}: ${description} (${code})`;
	if (code === 401) {
		return new BotApiError(`${method}: the Bot API rejected the bot token (401 Unauthorized); check the token`, 'unauthorized', false, details);
	}
	if (code === 404) {
		return new BotApiError(
			`${method}: the Bot API answered 404 Not Found; check the token format and the API base URL`,
			'telegram_error',
			false,
			details,
		);
	}
	if (code === 429) {
		const retryAfter = error.parameters.retry_after ?? 1;
		return new BotApiError(said, 'rate_limited', true, { ...details, retryAfter });
	}
	if (code === 403) {
		const lower = description.toLowerCase();
		if (lower.includes('blocked by the user')) return new BotApiError(said, 'bot_blocked', false, details);
		if (lower.includes('not a member') || lower.includes('kicked')) return new BotApiError(said, 'not_member', false, details);
		return new BotApiError(said, 'forbidden', false, details);
	}
	if (code === 400) {
		const migrateTo = error.parameters.migrate_to_chat_id;
		if (migrateTo !== undefined) {
			return new BotApiError(
				`${method}: the group was upgraded to a supergroup; use chat id ${migrateTo}`,
				'chat_migrated',
				false,
				{ ...details, migrateToChatId: String(migrateTo) },
			);
		}
		const lower = description.toLowerCase();
		if (lower.includes('chat not found')) return new BotApiError(said, 'chat_not_found', false, details);
		// A file_id this bot cannot use (another bot's, expired, or of another file type).
		if (lower.includes('file identifier') || lower.includes("can't use file")) {
			return new BotApiError(said, 'invalid_file', false, details);
		}
		return new BotApiError(said, 'bad_request', false, details);
	}
	return new BotApiError(said, 'telegram_error', code >= 500, details);
}
