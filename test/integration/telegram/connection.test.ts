/** The client's transport as this package configures it, over the wire to the sandbox. */
import { Socket } from 'node:net';

import { silentLogger, startSandbox, type Sandbox } from '../../../src/sandbox';
import { createTelegramClient, destroyClient } from '../../../src/telegram/connection';
import { scenario } from './helpers';

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
});
