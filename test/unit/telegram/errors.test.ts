import { errors, Api } from '../../../src/telegram/gramjs';
import {
	AuthInvalidError,
	FloodWaitError,
	MigrateError,
	NetworkError,
	TelegramError,
	buyReasonFor,
	mapTelegramError,
	redactSecrets,
} from '../../../src/telegram/errors';

const ctx = { account: 'Alice', method: 'payments.SendStarsForm' };
const request = new Api.payments.GetStarGifts({ hash: 0 });
const rpc = (name: string, code: number) => errors.RPCMessageToError(new Api.RpcError({ errorCode: code, errorMessage: name }), request);

describe('mapTelegramError', () => {
	it('maps the library FloodWaitError class with its seconds', () => {
		const e = mapTelegramError(rpc('FLOOD_WAIT_17', 420), ctx, 1_000);
		expect(e).toBeInstanceOf(FloodWaitError);
		expect(e).toMatchObject({ seconds: 17, retryAtMs: 18_000, retryable: true, buyReason: 'flood_wait' });
		expect(e.message).toBe('Alice: flood wait of 17 s (payments.SendStarsForm)');
	});

	it('maps premium flood waits by their error name', () => {
		expect(mapTelegramError(rpc('FLOOD_PREMIUM_WAIT_3', 420), ctx)).toMatchObject({ seconds: 3 });
	});

	it.each(['AUTH_KEY_UNREGISTERED', 'SESSION_REVOKED', 'AUTH_KEY_DUPLICATED', 'USER_DEACTIVATED'])('%s is AuthInvalid, not retryable', (name) => {
		const e = mapTelegramError(rpc(name, name === 'AUTH_KEY_DUPLICATED' ? 406 : 401), ctx);
		expect(e).toBeInstanceOf(AuthInvalidError);
		expect(e).toMatchObject({ reason: name, retryable: false, buyReason: 'auth_invalid' });
		expect(e.message.startsWith('Alice: the session is not authorized')).toBe(true);
	});

	it.each([
		['STARGIFT_USAGE_LIMITED', 'sold_out', false],
		['BALANCE_TOO_LOW', 'balance_too_low', false],
		['STARGIFT_PREMIUM_NEEDED', 'premium_required', false],
		['STARGIFT_USER_USAGE_LIMITED', 'per_user_limit', false],
		['USER_DISALLOWED_STARGIFTS', 'recipient_cannot_receive', false],
		['PEER_ID_INVALID', 'peer_invalid', false],
		['STARGIFT_NOT_FOUND', 'gift_not_found', false],
		['STARGIFT_INVALID', 'gift_not_found', false],
		['FORM_EXPIRED', 'form_expired', true],
		['SOMETHING_NEW', 'telegram_error', false],
	])('%s → %s (retryable %s)', (name, reason, retryable) => {
		const e = mapTelegramError(rpc(name, 400), ctx);
		expect(e).toBeInstanceOf(TelegramError);
		expect(e).toMatchObject({ code: 400, errorMessage: name, buyReason: reason, retryable });
	});

	it('STARS_FORM_AMOUNT_MISMATCH (406, as Telegram documents it) → price_changed, retryable', () => {
		const e = mapTelegramError(rpc('STARS_FORM_AMOUNT_MISMATCH', 406), ctx);
		expect(e).toBeInstanceOf(TelegramError);
		expect(e).toMatchObject({ code: 406, errorMessage: 'STARS_FORM_AMOUNT_MISMATCH', buyReason: 'price_changed', retryable: true });
	});

	it('5xx errors are retryable telegram errors', () => {
		expect(mapTelegramError(rpc('INTERNAL', 500), ctx)).toMatchObject({ code: 500, retryable: true, buyReason: 'telegram_error' });
	});

	it('never matches free text: a message merely containing a code is not that code', () => {
		expect(buyReasonFor('NOT_STARGIFT_USAGE_LIMITED')).toBe('telegram_error');
		expect(mapTelegramError(new Error('socket closed: BALANCE_TOO_LOW'), ctx)).toBeInstanceOf(NetworkError);
	});

	it('maps DC migrations with their target DC', () => {
		expect(mapTelegramError(rpc('NETWORK_MIGRATE_4', 303), ctx)).toMatchObject({ newDc: 4 });
		expect(mapTelegramError(rpc('USER_MIGRATE_5', 303), ctx)).toBeInstanceOf(MigrateError);
	});

	it('redacts session-like and api_hash-like strings from every message', () => {
		const session = '1AQAOMTQ5LjE1NC4xNjcuNTEBu' + 'x'.repeat(300);
		const apiHash = '0123456789abcdef0123456789abcdef';
		const e = mapTelegramError(new Error(`failed with ${session} and ${apiHash}`), ctx);
		expect(e.message).not.toContain(session.slice(0, 40));
		expect(e.message).not.toContain(apiHash);
		expect(redactSecrets('gift 5001 to -1002000001')).toBe('gift 5001 to -1002000001');
	});
});
