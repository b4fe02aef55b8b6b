/**
 * Typed errors of the account layer. Library errors are mapped by class and by the RPC error
 * name Telegram sent (`errorMessage`, a fixed code such as STARGIFT_USAGE_LIMITED), never by
 * searching free text. Every error names the account by its LABEL and carries `retryable`;
 * none of them ever contains a session string or an api_hash (see redactSecrets).
 */
import type { BuyFailureReason } from '../core/types';
import { errors } from './gramjs';

export interface ErrorContext {
	/** The account's human label (credential field), never its session. */
	account: string;
	/** The Telegram method, e.g. "payments.GetStarGifts". */
	method: string;
}

export abstract class AccountError extends Error {
	abstract readonly retryable: boolean;
	/** The BuyResult reason this error maps to when it ends a purchase. */
	abstract readonly buyReason: BuyFailureReason;
	readonly account: string;
	readonly method: string;
	/**
	 * True when the request certainly never reached Telegram (parked, breaker open, could not
	 * connect). Only such failures of a payment are definite "not paid" without reconciliation.
	 */
	notSent = false;

	constructor(context: ErrorContext, message: string) {
		super(redactSecrets(`${context.account}: ${message} (${context.method})`));
		this.name = new.target.name;
		this.account = context.account;
		this.method = context.method;
	}
}

/** Telegram asked this account to wait; the account is parked until `retryAtMs`. */
export class FloodWaitError extends AccountError {
	readonly retryable = true;
	readonly buyReason = 'flood_wait' as const;
	readonly retryAtMs: number;

	constructor(
		context: ErrorContext,
		readonly seconds: number,
		nowMs = Date.now(),
		/** True when the wait was answered from the park without asking Telegram again. */
		readonly parked = false,
	) {
		super(context, `flood wait of ${seconds} s${parked ? ' (account parked)' : ''}`);
		this.retryAtMs = nowMs + seconds * 1000;
	}
}

/** RPC error names meaning the session is unusable until the user logs in again. */
export const AUTH_INVALID_ERRORS = new Set([
	'AUTH_KEY_UNREGISTERED',
	'AUTH_KEY_INVALID',
	'AUTH_KEY_PERM_EMPTY',
	'AUTH_KEY_DUPLICATED',
	'SESSION_REVOKED',
	'SESSION_EXPIRED',
	'SESSION_PASSWORD_NEEDED',
	'USER_DEACTIVATED',
	'USER_DEACTIVATED_BAN',
]);

/** The session is not (or no longer) authorized: log in again. */
export class AuthInvalidError extends AccountError {
	readonly retryable = false;
	readonly buyReason = 'auth_invalid' as const;

	constructor(
		context: ErrorContext,
		/** The RPC error name, e.g. AUTH_KEY_UNREGISTERED. */
		readonly reason: string,
	) {
		super(context, `the session is not authorized (${reason})${authAdvice(reason)}`);
	}
}

function authAdvice(reason: string): string {
	if (reason === 'AUTH_KEY_DUPLICATED') {
		return ': the same session was used from two places at once; log in again and use each session in one n8n instance only';
	}
	if (reason.startsWith('USER_DEACTIVATED')) return ': the Telegram account was deleted or banned';
	return ': log in again and update the credential';
}

/** The connection failed or was lost before an answer arrived. */
export class NetworkError extends AccountError {
	readonly retryable = true;
	readonly buyReason = 'network' as const;

	constructor(context: ErrorContext, detail: string) {
		super(context, `network error: ${detail}`);
	}
}

/** No answer within the call's deadline (the library itself never times out). */
export class DeadlineError extends AccountError {
	readonly retryable = true;
	readonly buyReason = 'network' as const;

	constructor(
		context: ErrorContext,
		readonly deadlineMs: number,
	) {
		super(context, `no answer within ${deadlineMs} ms`);
	}
}

/** The account's circuit breaker is open after repeated failures; calls are refused until `retryAtMs`. */
export class CircuitOpenError extends AccountError {
	readonly retryable = true;
	readonly buyReason = 'network' as const;

	constructor(
		context: ErrorContext,
		readonly retryAtMs: number,
	) {
		super(context, `paused after repeated failures until ${new Date(retryAtMs).toISOString()}`);
	}
}

/** Any other error Telegram answered, with its code and name. */
export class TelegramError extends AccountError {
	readonly retryable: boolean;
	readonly buyReason: BuyFailureReason;

	constructor(
		context: ErrorContext,
		readonly code: number,
		/** Telegram's error name, e.g. STARGIFT_USAGE_LIMITED. */
		readonly errorMessage: string,
	) {
		super(context, `Telegram error ${code} ${errorMessage}${ERROR_ADVICE[errorMessage] ?? ''}`);
		this.buyReason = buyReasonFor(errorMessage);
		this.retryable = code >= 500 || RETRYABLE_BUY_REASONS.has(this.buyReason);
	}
}

/**
 * payments.sendStarsForm answered payments.paymentVerificationNeeded: the payment was not made;
 * Telegram wants it confirmed in its app first (tdlib treats this answer as no purchase). Not
 * retried: a second form would ask again. The verification URL is never put in the message.
 */
export class PaymentVerificationError extends AccountError {
	readonly retryable = false;
	readonly buyReason = 'verification_needed' as const;

	constructor(context: ErrorContext) {
		super(context, 'Telegram asks to confirm this payment in the Telegram app (payments.paymentVerificationNeeded); nothing was charged');
	}
}

/** A data-center migration the caller may follow (production DCs only). */
export class MigrateError extends AccountError {
	readonly retryable = true;
	readonly buyReason = 'network' as const;

	constructor(
		context: ErrorContext,
		readonly newDc: number,
		readonly errorMessage: string,
	) {
		super(context, `Telegram asked to continue on DC ${newDc} (${errorMessage})`);
	}
}

/** The library tried to switch a signed-in client's DC on its own (connection.ts holdDc): a migration to follow. */
export class DcSwitchRefused extends Error {
	constructor(readonly newDc: number) {
		super(`data-center switch to DC ${newDc} left to the account layer`);
	}
}

/** What the user can do about an error, appended to its message. */
const ERROR_ADVICE: Record<string, string> = {
	API_GIFT_RESTRICTED_UPDATE_APP:
		': Telegram refuses gift payments from clients on an outdated API layer; update n8n-nodes-telegram-gifts (it speaks the layer of its teleproto version)',
};

const BUY_REASONS: Record<string, BuyFailureReason> = {
	STARGIFT_USAGE_LIMITED: 'sold_out',
	BALANCE_TOO_LOW: 'balance_too_low',
	STARGIFT_PREMIUM_NEEDED: 'premium_required',
	STARGIFT_PREMIUM_REQUIRED: 'premium_required',
	PREMIUM_ACCOUNT_REQUIRED: 'premium_required',
	STARGIFT_USER_USAGE_LIMITED: 'per_user_limit',
	USER_DISALLOWED_STARGIFTS: 'recipient_cannot_receive',
	STARGIFT_PEER_INVALID: 'recipient_cannot_receive',
	PEER_ID_INVALID: 'peer_invalid',
	CHANNEL_INVALID: 'peer_invalid',
	CHANNEL_PRIVATE: 'peer_invalid',
	USER_ID_INVALID: 'peer_invalid',
	USERNAME_INVALID: 'peer_invalid',
	USERNAME_NOT_OCCUPIED: 'peer_invalid',
	STARGIFT_NOT_FOUND: 'gift_not_found',
	STARGIFT_INVALID: 'gift_not_found',
	STARS_FORM_AMOUNT_MISMATCH: 'price_changed',
	FORM_EXPIRED: 'form_expired',
	FORM_ID_EXPIRED: 'form_expired',
};

const RETRYABLE_BUY_REASONS = new Set<BuyFailureReason>(['form_expired', 'price_changed', 'flood_wait', 'network']);

export function buyReasonFor(errorMessage: string): BuyFailureReason {
	return BUY_REASONS[errorMessage] ?? 'telegram_error';
}

/** Whether a failed purchase with this reason might succeed if tried again later. */
export function isRetryableBuyReason(reason: BuyFailureReason): boolean {
	return RETRYABLE_BUY_REASONS.has(reason);
}

/**
 * A Telegram answer that refused a payment (sendStarsForm: a purchase or a bid), as opposed to no
 * answer. A duplicate submit means an earlier delivery of this very form was accepted.
 */
export function isDefinitePaymentRefusal(error: AccountError): boolean {
	if (error instanceof TelegramError) return error.errorMessage !== 'FORM_SUBMIT_DUPLICATE' && error.code < 500;
	return error.buyReason === 'flood_wait' || error.buyReason === 'auth_invalid';
}

const FLOOD_NAME = /^FLOOD(?:_PREMIUM|_TEST_PHONE)?_WAIT_(\d+)$/;

/** Maps anything the library threw (or our deadline) to a typed AccountError. */
export function mapTelegramError(error: unknown, context: ErrorContext, nowMs = Date.now()): AccountError {
	if (error instanceof AccountError) return error;
	if (error instanceof errors.FloodWaitError || error instanceof errors.FloodTestPhoneWaitError) {
		return new FloodWaitError(context, error.seconds, nowMs);
	}
	if (error instanceof DcSwitchRefused) return new MigrateError(context, error.newDc, `USER_MIGRATE_${error.newDc}`);
	if (error instanceof errors.InvalidDCError) {
		const newDc = (error as { newDc?: unknown }).newDc;
		if (typeof newDc === 'number' && newDc > 0) return new MigrateError(context, newDc, error.errorMessage);
	}
	if (error instanceof errors.RPCError) {
		const name = typeof error.errorMessage === 'string' ? error.errorMessage : 'UNKNOWN';
		const flood = FLOOD_NAME.exec(name);
		if (flood) return new FloodWaitError(context, Number(flood[1]), nowMs);
		if (AUTH_INVALID_ERRORS.has(name)) return new AuthInvalidError(context, name);
		const code = typeof error.code === 'number' ? error.code : 400;
		// 401 with a name we do not list is still an authorization failure.
		if (code === 401) return new AuthInvalidError(context, name);
		return new TelegramError(context, code, name);
	}
	// Anything else the library throws is a transport problem (not connected, socket closed,
	// reconnect exhausted). Its text never holds secrets, but is redacted all the same.
	const detail = error instanceof Error ? error.message : String(error);
	return new NetworkError(context, detail.slice(0, 200));
}

/**
 * Defence in depth for every message leaving this layer: long base64-ish runs (session strings,
 * auth keys) and 32-hex-digit runs (api_hash) are replaced.
 */
export function redactSecrets(text: string): string {
	return text.replace(/[A-Za-z0-9+/_-]{48,}={0,2}/g, '[redacted]').replace(/\b[0-9a-fA-F]{32}\b/g, '[redacted]');
}
