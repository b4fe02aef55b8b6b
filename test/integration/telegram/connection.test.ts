/** The client's transport as this package configures it, over the wire to the sandbox. */
import { Socket } from 'node:net';

import { silentLogger, startSandbox, type Sandbox } from '../../../src/sandbox';
import { ClientPool, defaultClientIdentity } from '../../../src/telegram';
import { createTelegramClient, destroyClient } from '../../../src/telegram/connection';
import { LAYER } from '../../../src/telegram/gramjs';
import { ALICE, BOB, scenario } from './helpers';

describe('client transport', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox(scenario(), { logger: silentLogger() });
	});
	afterAll(async () => {
		await sandbox.stop();
	});

	test("the socket has Nagle's algorithm off (an account's overlapping requests leave at once)", async () => {
		const setNoDelay = jest.spyOn(Socket.prototype, 'setNoDelay');
		const { apiId, apiHash, server, accounts } = sandbox.credentials;
		const client = createTelegramClient({ apiId, apiHash, session: accounts[0]!.session, server });
		try {
			await client.connect();
			const me = await client.getMe();
			expect(String(me.id)).toBe(accounts[0]!.id);
			// The sandbox's own (server-side) sockets are Sockets too: look at the client's end only.
			const clientSide = setNoDelay.mock.contexts.filter((socket, i) => (socket as Socket).remotePort === server.port && setNoDelay.mock.calls[i]![0] === true);
			expect(clientSide.length).toBeGreaterThan(0);
		} finally {
			setNoDelay.mockRestore();
			await destroyClient(client);
		}
	});

	test('initConnection says what the credential sets, else plausible defaults (never the package name), at the library layer', async () => {
		const { apiId, apiHash, server, accounts } = sandbox.credentials;
		const pool = new ClientPool({ idleMs: 0, connectionRetries: 1 });
		try {
			await pool.withAccount({ apiId, apiHash, server, session: accounts[0]!.session, label: 'Alice' }, (a) => a.whoAmI());
			await pool.withAccount(
				{ apiId, apiHash, server, session: accounts[1]!.session, label: 'Bob', identity: { deviceModel: 'Desktop', systemVersion: 'Windows 11', appVersion: '5.2.3 x64', langCode: 'de' } },
				(a) => a.whoAmI(),
			);
			const clients = sandbox.record().clients;
			const defaults = defaultClientIdentity();
			expect(clients.find((c) => c.accountId === ALICE)).toMatchObject({ ...defaults, apiId, langPack: '', layer: LAYER });
			expect(clients.find((c) => c.accountId === ALICE)?.deviceModel).not.toMatch(/n8n|gifts/i);
			expect(clients.find((c) => c.accountId === BOB)).toMatchObject({
				deviceModel: 'Desktop',
				systemVersion: 'Windows 11',
				appVersion: '5.2.3 x64',
				langCode: 'de',
				systemLangCode: defaults.systemLangCode,
				layer: LAYER,
			});
		} finally {
			await pool.destroy();
		}
	});
});
