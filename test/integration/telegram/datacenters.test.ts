/**
 * Several data centers over the wire (docs/sandbox.md, "Data centers, key exchange and
 * migrations"): the sandbox's DCs 1–3 on their own ports, a real teleproto client that makes new
 * auth keys with the DH exchange, phone and QR login that follow PHONE_MIGRATE / loginTokenMigrateTo,
 * a sticker on a foreign DC fetched over a second connection while the account's own stays, and an
 * account session on the wrong DC that follows USER_MIGRATE once, signed in.
 *
 * Each of these fails against the one-DC sandbox (no PHONE_MIGRATE, every file on DC 2, no key
 * exchange) or against the old client (requestRetries 1 turned the migration into a network error;
 * a custom server pinned every DC to one port; USER_MIGRATE dropped the signed-in key).
 */
import { createHash } from 'node:crypto';

import { silentLogger, startSandbox, type Sandbox } from '../../../src/sandbox';
import { giftSticker } from '../../../src/sandbox/tgs';
import { ClientPool } from '../../../src/telegram';
import { createTelegramClient, destroyClient } from '../../../src/telegram/connection';
import { Api } from '../../../src/telegram/gramjs';
import { LoginManager } from '../../../src/telegram/login';
import { FAST_POLICY, trustSandboxRsaKey } from './helpers';

const ONE = '1000001'; // lives on DC 1
const TWO = '1000002'; // DC 2 (the entry DC)
const THREE = '1000003'; // DC 3

function scenario(): Record<string, unknown> {
	return {
		seed: 31,
		accounts: [
			{ id: ONE, label: 'One', username: 'one', balance: 500, phone: '+15550000101', loginCode: '11111', dc: 1 },
			{ id: TWO, label: 'Two', username: 'two', balance: 500, phone: '+15550000102', loginCode: '22222' },
			{ id: THREE, label: 'Three', username: 'three', balance: 500, phone: '+15550000103', loginCode: '33333', password: 'three-pass', dc: 3 },
		],
		gifts: [
			{ id: '7001', stars: 10, limited: true, total: 50, stickerDc: 1 },
			{ id: '7002', stars: 10, limited: false },
			{ id: '7003', stars: 10, limited: false, stickerDc: 3 },
		],
	};
}

describe('several data centers', () => {
	let sandbox: Sandbox;
	let manager: LoginManager;
	let pool: ClientPool;

	beforeAll(async () => {
		sandbox = await startSandbox(scenario(), { logger: silentLogger() });
		trustSandboxRsaKey(sandbox.credentials.rsaPublicKey);
		manager = new LoginManager({ callDeadlineMs: 8_000 });
		pool = new ClientPool({ idleMs: 60_000, connectionRetries: 1, policy: { ...FAST_POLICY, readDeadlineMs: 6_000, connectDeadlineMs: 6_000 } });
	});
	afterAll(async () => {
		await pool.destroy();
		await manager.close();
		await sandbox.stop();
	});

	const creds = (session: string, label: string) => {
		const { apiId, apiHash, server } = sandbox.credentials;
		return { apiId, apiHash, server, session, label };
	};

	async function whoAmI(session: string): Promise<{ id: string; dc: number }> {
		const { apiId, apiHash, server } = sandbox.credentials;
		const client = createTelegramClient({ apiId, apiHash, server, session });
		try {
			await client.connect();
			const [me] = await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }));
			return { id: String(me.id), dc: (client.session as unknown as { dcId: number }).dcId };
		} finally {
			await destroyClient(client);
		}
	}

	it('listens on three ports; help.getConfig at each DC lists all of them and names itself', async () => {
		const { dcs, accounts, apiId, apiHash, server } = sandbox.credentials;
		expect(dcs.map((d) => d.id)).toEqual([1, 2, 3]);
		expect(new Set(dcs.map((d) => d.port)).size).toBe(3);
		expect(server.port).toBe(dcs.find((d) => d.id === 2)!.port);
		expect(accounts.map((a) => a.dc)).toEqual([1, 2, 3]);
		const three = accounts.find((a) => a.id === THREE)!;
		const client = createTelegramClient({ apiId, apiHash, server, session: three.session });
		try {
			await client.connect();
			const config = await client.invoke(new Api.help.GetConfig());
			expect(config.thisDc).toBe(3);
			expect(config.dcOptions.map((o) => [o.id, o.port])).toEqual(dcs.map((d) => [d.id, d.port]));
		} finally {
			await destroyClient(client);
		}
	});

	it('a key made with the DH exchange is one the server derived too (new key works, RSA fingerprint as Telegram computes it)', async () => {
		// The fingerprint rule checked against one of Telegram's published keys (teleproto's table).
		const { rsaFingerprint } = await import('../../../src/sandbox/mtproto/handshake');
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const table = require('teleproto/crypto/RSA')._serverKeys as Map<string, { n: { toString(radix: number): string }; e: number }>;
		const [fingerprint, telegramKey] = [...table].find(([fp]) => fp === '-3414540481677951611')!;
		let hex = telegramKey.n.toString(16);
		if (hex.length % 2) hex = `0${hex}`;
		expect(rsaFingerprint(Buffer.from(hex, 'hex'), Buffer.from([0x01, 0x00, 0x01])).toString()).toBe(fingerprint);
		// An empty session at DC 2: the client runs req_pq_multi / req_DH_params / set_client_DH_params.
		const { apiId, apiHash, server } = sandbox.credentials;
		const client = createTelegramClient({ apiId, apiHash, server, session: '' });
		try {
			await client.connect();
			const config = await client.invoke(new Api.help.GetConfig());
			expect(config.thisDc).toBe(2);
			const key = (client.session as unknown as { getAuthKey(): { getKey(): Buffer } }).getAuthKey().getKey();
			expect(key).toHaveLength(256);
			// Not signed in: an account method is refused for the new key.
			await expect(client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }))).rejects.toMatchObject({ errorMessage: 'AUTH_KEY_UNREGISTERED' });
			expect(createHash('sha1').update(key).digest()).toHaveLength(20);
		} finally {
			await destroyClient(client);
		}
	});

	it('phone login for a number on DC 1 follows PHONE_MIGRATE_1 and signs in there (same pending login)', async () => {
		const { apiId, apiHash, server } = sandbox.credentials;
		const sent = await manager.sendCode({ apiId, apiHash, server, startSession: sandbox.issueLoginSession(), phone: '+15550000101' });
		const result = await manager.signIn({ loginId: sent.loginId, code: '11111' });
		if (!('session' in result)) throw new Error('expected a session');
		expect(result.user.id).toBe(ONE);
		expect(await whoAmI(result.session)).toEqual({ id: ONE, dc: 1 });
		expect(sandbox.record().calls['auth.sendCode']).toBeGreaterThanOrEqual(2);
	});

	it('phone login follows NETWORK_MIGRATE_3, then PHONE_MIGRATE_1, and signs in at DC 1', async () => {
		const { apiId, apiHash, server } = sandbox.credentials;
		sandbox.injectFault({ method: 'auth.sendCode', kind: 'error', error: 'NETWORK_MIGRATE_3', code: 303, afterCalls: 0, times: 1 });
		const before = sandbox.record().callsByDc;
		const sent = await manager.sendCode({ apiId, apiHash, server, startSession: sandbox.issueLoginSession(), phone: '+15550000101' });
		const result = await manager.signIn({ loginId: sent.loginId, code: '11111' });
		if (!('session' in result)) throw new Error('expected a session');
		expect(await whoAmI(result.session)).toEqual({ id: ONE, dc: 1 });
		const after = sandbox.record().callsByDc;
		const sendCodes = (dc: number): number => (after[dc]?.['auth.sendCode'] ?? 0) - (before[dc]?.['auth.sendCode'] ?? 0);
		expect([sendCodes(1), sendCodes(2), sendCodes(3)]).toEqual([1, 1, 1]);
	});

	it('phone login with 2FA for a number on DC 3 (migration, then code, then password)', async () => {
		const { apiId, apiHash, server } = sandbox.credentials;
		const sent = await manager.sendCode({ apiId, apiHash, server, startSession: sandbox.issueLoginSession(), phone: '+15550000103' });
		const first = await manager.signIn({ loginId: sent.loginId, code: '33333' });
		expect(first).toMatchObject({ passwordNeeded: true });
		const done = await manager.signIn({ loginId: sent.loginId, password: 'three-pass' });
		if (!('session' in done)) throw new Error('expected a session');
		expect(await whoAmI(done.session)).toEqual({ id: THREE, dc: 3 });
	});

	it('QR login accepted by an account on DC 1 follows auth.loginTokenMigrateTo', async () => {
		const { apiId, apiHash, server } = sandbox.credentials;
		const qr = await manager.qrStart({ apiId, apiHash, server, startSession: sandbox.issueLoginSession() });
		// Scanned while QR Complete waits: the pushed updateLoginToken wakes it.
		setTimeout(() => sandbox.scanQr(ONE, qr.url), 300);
		const done = await manager.qrComplete({ loginId: qr.loginId, waitMs: 8_000 });
		if (!('session' in done)) throw new Error(`expected a session, got ${JSON.stringify(done)}`);
		expect(done.user.id).toBe(ONE);
		expect(await whoAmI(done.session)).toEqual({ id: ONE, dc: 1 });
	});

	it('a sticker on a foreign DC comes over a second connection; the account stays on its DC and signed in', async () => {
		const two = sandbox.credentials.accounts.find((a) => a.id === TWO)!;
		await pool.withAccount(creds(two.session, 'Two'), async (account) => {
			const { gifts } = await account.catalog();
			const onOne = await account.downloadSticker(gifts.find((g) => g.id === '7001')!);
			expect(onOne.bytes.equals(giftSticker('7001'))).toBe(true);
			const onThree = await account.downloadSticker(gifts.find((g) => g.id === '7003')!);
			expect(onThree.bytes.equals(giftSticker('7003'))).toBe(true);
			const home = await account.downloadSticker(gifts.find((g) => g.id === '7002')!);
			expect(home.bytes.equals(giftSticker('7002'))).toBe(true);
			// Still the same signed-in key on DC 2: the main session answers account methods.
			expect((await account.balance()).stars).toBe(500);
		});
		const record = sandbox.record();
		// Authorization exported at DC 2 and imported at each file DC; the files read there.
		expect(record.callsByDc[2]['auth.exportAuthorization']).toBe(2);
		expect(record.callsByDc[1]['auth.importAuthorization']).toBe(1);
		expect(record.callsByDc[3]['auth.importAuthorization']).toBe(1);
		expect(record.callsByDc[1]['upload.getFile']).toBe(1);
		expect(record.callsByDc[3]['upload.getFile']).toBe(1);
		// The account's own calls stayed at DC 2 (the Stars balance is asked nowhere else).
		expect(record.callsByDc[2]['payments.getStarsStatus']).toBe(1);
		expect(record.callsByDc[1]['payments.getStarsStatus']).toBeUndefined();
		expect(record.callsByDc[3]['payments.getStarsStatus']).toBeUndefined();
	});

	it('FILE_MIGRATE from the account DC (document dc_id not trusted) is followed over a file connection, never by moving the account', async () => {
		const two = sandbox.credentials.accounts.find((a) => a.id === TWO)!;
		await pool.withAccount(creds(two.session, 'Two'), async (account) => {
			const { gifts } = await account.catalog();
			const gift = gifts.find((g) => g.id === '7003')!;
			// The document as if its dc_id said DC 2: upload.getFile there answers FILE_MIGRATE_3.
			const catalog = await account.call(new Api.payments.GetStarGifts({ hash: 0 }), { retry: true });
			const doc = (catalog as Api.payments.StarGifts).gifts.map((g) => (g as Api.StarGift).sticker as Api.Document).find((d) => d.dcId === 3)!;
			doc.dcId = 2;
			const before = sandbox.record().callsByDc;
			const sticker = await account.downloadSticker(gift, doc);
			expect(sticker.bytes.equals(giftSticker('7003'))).toBe(true);
			expect((await account.balance()).stars).toBe(500);
			const after = sandbox.record().callsByDc;
			// Refused at DC 2 (FILE_MIGRATE_3), read at DC 3, and the balance still asked at DC 2.
			expect(after[2]['upload.getFile'] - (before[2]['upload.getFile'] ?? 0)).toBe(1);
			expect(after[3]['upload.getFile'] - before[3]['upload.getFile']).toBe(1);
			expect(after[2]['payments.getStarsStatus'] - before[2]['payments.getStarsStatus']).toBe(1);
		});
	});

	it('an account session on the wrong DC follows USER_MIGRATE once, signed in, and keeps working', async () => {
		const stray = sandbox.issueAccountSession(ONE, 2);
		const before = sandbox.record().callsByDc;
		await pool.withAccount(creds(stray, 'One'), async (account) => {
			expect((await account.balance()).stars).toBe(500);
			const me = await account.whoAmI();
			expect(me.id).toBe(ONE);
		});
		const after = sandbox.record().callsByDc;
		// Exported once at the wrong DC, imported once at DC 1; the account's calls then run at DC 1.
		expect(after[2]['auth.exportAuthorization'] - (before[2]['auth.exportAuthorization'] ?? 0)).toBe(1);
		expect(after[1]['auth.importAuthorization'] - (before[1]['auth.importAuthorization'] ?? 0)).toBe(1);
		expect(after[1]['payments.getStarsStatus'] ?? 0).toBe(1);
		expect(after[2]['payments.getStarsStatus'] - (before[2]['payments.getStarsStatus'] ?? 0)).toBe(0);
	});
});
