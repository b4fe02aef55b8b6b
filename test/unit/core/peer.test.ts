import { canonicalPeer, formatPeer, parsePeer } from '../../../src/core';

function ok(value: unknown) {
	const parsed = parsePeer(value);
	if (!('ok' in parsed)) throw new Error(`expected ${String(value)} to parse: ${parsed.error}`);
	return parsed.ok;
}

function error(value: unknown): string {
	const parsed = parsePeer(value);
	if (!('error' in parsed)) throw new Error(`expected ${String(value)} to be rejected`);
	return parsed.error;
}

describe('parsePeer', () => {
	it('reads "me"', () => {
		expect(ok('me')).toEqual({ kind: 'self' });
	});

	it('reads usernames case-insensitively and canonicalizes them to lower case', () => {
		expect(ok('@Collector_Bob')).toEqual({ kind: 'username', username: 'collector_bob' });
		expect(canonicalPeer(' @Collector_Bob ')).toBe('@collector_bob');
		expect(ok('@abcd')).toEqual({ kind: 'username', username: 'abcd' });
	});

	it.each([
		['@ab', 'too short'],
		['@1abc5', 'starts with a digit'],
		['@abcde_', 'ends with an underscore'],
		['@abc-de', 'has a dash'],
		['@' + 'a'.repeat(33), 'too long'],
		['@', 'empty'],
	])('rejects username %s (%s)', (value) => {
		expect(error(value)).toMatch(/not a valid username/);
	});

	it('reads user ids and keeps 64-bit ids exact', () => {
		expect(ok('12345')).toEqual({ kind: 'user', userId: '12345' });
		expect(ok('9223372036854775807')).toEqual({ kind: 'user', userId: '9223372036854775807' });
		expect(error('9223372036854775808')).toMatch(/64-bit/);
	});

	it('reads -100… channel ids and formats them back exactly', () => {
		const peer = ok('-1001234567890');
		expect(peer).toEqual({ kind: 'channel', channelId: '1234567890' });
		expect(formatPeer(peer)).toBe('-1001234567890');
		expect(canonicalPeer('-1001234567890123')).toBe('-1001234567890123');
		expect(error('-99999999999999999999999')).toMatch(/64-bit/);
	});

	it('never turns a numeric id into a username', () => {
		expect(ok(777000)).toEqual({ kind: 'user', userId: '777000' });
		expect(ok(-1001234567890)).toEqual({ kind: 'channel', channelId: '1234567890' });
		expect(error(2 ** 60)).toMatch(/decimal strings/);
	});

	it.each([
		['-12345', /basic groups/],
		['-100', /basic groups/],
		['0', /not a peer/],
		['', /empty/],
		['https://t.me/durov', /link/],
		['durov', /is not "me"/],
		['12.5', /is not "me"/],
	])('rejects %s', (value, message) => {
		expect(error(value)).toMatch(message);
	});

	it('rejects non-strings with the value described', () => {
		expect(error(null)).toMatch(/got null/);
		expect(error({ id: 1 })).toMatch(/got an object/);
	});
});
