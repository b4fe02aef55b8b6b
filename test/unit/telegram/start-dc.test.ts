/**
 * Where a new client starts (connection.ts startDcFor): the "test" server choice reaches Telegram's
 * test DC, never production (before, an empty session under "test" went to production's DC 2 at
 * the library's seed address whenever the library's own default did); a custom server keeps a
 * session of that host at its own DC and port (a sandbox account on DC 1 or 3) and starts any other
 * session at host:port.
 */
import { createTelegramClient, startDcFor, TEST_DC } from '../../../src/telegram/connection';
import { createHash } from 'node:crypto';

import { AuthKey, StringSession } from '../../../src/telegram/gramjs';

const API = { apiId: 12345, apiHash: '0123456789abcdef0123456789abcdef' };

function sessionAt(dcId: number, host: string, port: number): string {
	const s = new StringSession('');
	s.setDC(dcId, host, port);
	const key = Buffer.alloc(256, 7);
	s.setAuthKey(new AuthKey(key, createHash('sha1').update(key).digest()));
	return s.save();
}

/** The session a created client would connect with (no connection is made). */
function startOf(server: Parameters<typeof createTelegramClient>[0]['server'], session: string): { dcId: number; host: string; port: number } {
	const client = createTelegramClient({ ...API, server, session });
	const s = client.session as unknown as { dcId: number; serverAddress: string; port: number };
	return { dcId: s.dcId, host: s.serverAddress, port: s.port };
}

describe('startDcFor', () => {
	it('test: an empty session starts at the test DC 2 (149.154.167.40:443)', () => {
		expect(TEST_DC).toEqual({ dcId: 2, host: '149.154.167.40', port: 443 });
		expect(startDcFor({ kind: 'test' }, { dcId: 0 })).toEqual(TEST_DC);
		expect(startOf({ kind: 'test' }, '')).toEqual(TEST_DC);
	});

	it('test: a session saved at a test DC keeps it; one from production is refused with a clear message', () => {
		expect(startDcFor({ kind: 'test' }, { dcId: 1, serverAddress: '149.154.175.10', port: 443 })).toBeUndefined();
		expect(() => startDcFor({ kind: 'test' }, { dcId: 2, serverAddress: '149.154.167.51', port: 443 })).toThrow(/production Telegram, but server is "test"/);
	});

	it('production: the library default (production DC 2) for an empty session; a test session is refused', () => {
		expect(startDcFor({ kind: 'production' }, { dcId: 0 })).toBeUndefined();
		expect(() => startDcFor({ kind: 'production' }, { dcId: 2, serverAddress: '149.154.167.40', port: 443 })).toThrow(/test servers, but server is "production"/);
	});

	it('custom: a session of that host keeps its DC and port; others start at host:port', () => {
		const server = { kind: 'custom' as const, host: '127.0.0.1', port: 24000 };
		expect(startDcFor(server, { dcId: 1, serverAddress: '127.0.0.1', port: 24001 })).toBeUndefined();
		expect(startOf(server, sessionAt(1, '127.0.0.1', 24001))).toEqual({ dcId: 1, host: '127.0.0.1', port: 24001 });
		expect(startDcFor(server, { dcId: 0 })).toEqual({ dcId: 2, host: '127.0.0.1', port: 24000 });
		expect(startOf(server, '')).toEqual({ dcId: 2, host: '127.0.0.1', port: 24000 });
		expect(startDcFor(server, { dcId: 3, serverAddress: '10.0.0.9', port: 443 })).toEqual({ dcId: 3, host: '127.0.0.1', port: 24000 });
	});
});
