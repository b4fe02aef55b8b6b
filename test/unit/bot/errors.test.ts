import { GrammyError, HttpError } from 'grammy';
import { redactToken, toBotApiError } from '../../../src/bot/errors';

const TOKEN = '42:secret-token';

function answer(error_code: number, description: string, parameters?: Record<string, number>) {
	return new GrammyError("Call to 'sendMessage' failed!", { ok: false, error_code, description, parameters }, 'sendMessage', {});
}

describe('toBotApiError', () => {
	test.each([
		[403, 'Forbidden: bot was blocked by the user', 'bot_blocked', false],
		[403, 'Forbidden: bot is not a member of the channel chat', 'not_member', false],
		[403, 'Forbidden: bot was kicked from the group chat', 'not_member', false],
		[403, 'Forbidden: user is deactivated', 'forbidden', false],
		[400, 'Bad Request: chat not found', 'chat_not_found', false],
		[400, 'Bad Request: wrong file identifier/HTTP URL specified', 'invalid_file', false],
		[400, 'Bad Request: message is too long', 'bad_request', false],
		[401, 'Unauthorized', 'unauthorized', false],
		[404, 'Not Found', 'telegram_error', false],
		[502, 'Bad Gateway', 'telegram_error', true],
	] as const)('%i %s → %s', (code, description, reason, retryable) => {
		const error = toBotApiError(answer(code, description), 'sendMessage', TOKEN);
		expect([error.reason, error.retryable]).toEqual([reason, retryable]);
	});

	test('429 keeps retry_after; migrate_to_chat_id names the new chat', () => {
		expect(toBotApiError(answer(429, 'Too Many Requests: retry after 7', { retry_after: 7 }), 'sendMessage', TOKEN)).toMatchObject({
			reason: 'rate_limited',
			retryable: true,
			details: { retryAfter: 7 },
		});
		const migrated = toBotApiError(answer(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: -1009876 }), 'sendMessage', TOKEN);
		expect(migrated.reason).toBe('chat_migrated');
		expect(migrated.message).toContain('-1009876');
	});

	test('network errors lose the URL token', () => {
		const cause = Object.assign(new Error(`request to https://api.telegram.org/bot${TOKEN}/getMe failed, reason: getaddrinfo ENOTFOUND`), { code: 'ENOTFOUND' });
		const error = toBotApiError(new HttpError("Network request for 'getMe' failed!", cause), 'getMe', TOKEN);
		expect(error.reason).toBe('network');
		expect(error.message).toBe('getMe: could not reach the Bot API (ENOTFOUND: request to https://api.telegram.org/bot<token>/getMe failed, reason: getaddrinfo ENOTFOUND)');
	});

	test('redactToken removes the token in plain and URL-encoded form, and any /bot…/ path', () => {
		expect(redactToken(`a ${TOKEN} b ${encodeURIComponent(TOKEN)} /bot999:other/x`, TOKEN)).toBe('a <token> b <token> /bot<token>/x');
	});
});
