/**
 * The sealing of a pending login and the in-memory vault the CLI uses (the store's two backends
 * run the same claim rules in test/unit/store/store.contract.ts).
 */
import { MemoryLoginVault, openPendingLogin, pendingLoginKey, sealPendingLogin, type PendingLoginState } from '../../../src/telegram/pendingLogin';

const state: PendingLoginState = {
	kind: 'code',
	stage: 'code',
	apiId: 12345,
	apiHash: '0123456789abcdef0123456789abcdef',
	server: { kind: 'production' },
	session: '1BQANOTREAL',
	phone: '15550001111',
	phoneCodeHash: 'hash-from-telegram',
};

describe('sealing a pending login', () => {
	it('opens only with its own login id and refuses any altered byte', () => {
		const sealed = sealPendingLogin('login-a', state);
		expect(openPendingLogin('login-a', sealed)).toEqual(state);
		expect(openPendingLogin('login-b', sealed)).toBeUndefined();
		for (const at of [0, 1, 20, sealed.length - 1]) {
			const altered = Buffer.from(sealed);
			altered[at] ^= 0x01;
			expect(openPendingLogin('login-a', altered)).toBeUndefined();
		}
		expect(openPendingLogin('login-a', Buffer.alloc(10))).toBeUndefined();
	});

	it('shows none of the state, and seals the same state differently each time', () => {
		const a = sealPendingLogin('login-a', state);
		const b = sealPendingLogin('login-a', state);
		expect(a.equals(b)).toBe(false);
		for (const secret of [state.apiHash, state.session, state.phone!, state.phoneCodeHash!]) expect(a.includes(Buffer.from(secret))).toBe(false);
	});

	it('names the row by a hash of the login id', () => {
		expect(pendingLoginKey('login-a')).toMatch(/^[0-9a-f]{64}$/);
		expect(pendingLoginKey('login-a')).toBe(pendingLoginKey('login-a'));
		expect(pendingLoginKey('login-a')).not.toBe(pendingLoginKey('login-b'));
	});
});

describe('MemoryLoginVault', () => {
	const sealed = Buffer.from('s');

	it('claims one step at a time, lets the holder extend its claim, and frees a claim that ran out', async () => {
		const vault = new MemoryLoginVault();
		await vault.createPendingLogin('k', sealed, 10_000, 0);
		expect(await vault.claimPendingLogin('k', 'a', 1_000, 0)).toEqual({ claimed: { sealed, expiresAtMs: 10_000 } });
		expect(await vault.claimPendingLogin('k', 'b', 2_000, 500)).toEqual({ busy: true });
		expect('claimed' in (await vault.claimPendingLogin('k', 'a', 2_000, 900))).toBe(true);
		expect(await vault.claimPendingLogin('k', 'b', 3_000, 1_500)).toEqual({ busy: true });
		expect('claimed' in (await vault.claimPendingLogin('k', 'b', 3_000, 2_000))).toBe(true);
		expect(await vault.savePendingLogin('k', 'a', Buffer.from('stale'), 10_000)).toBe(false);
		expect(await vault.savePendingLogin('k', 'b', Buffer.from('new'), 10_000)).toBe(true);
		expect(await vault.claimPendingLogin('k', 'c', 4_000, 2_500)).toEqual({ claimed: { sealed: Buffer.from('new'), expiresAtMs: 10_000 } });
	});

	it('forgets expired and deleted logins', async () => {
		const vault = new MemoryLoginVault();
		await vault.createPendingLogin('old', sealed, 1_000, 0);
		expect(await vault.claimPendingLogin('old', 'x', 5_000, 1_000)).toEqual({ missing: true });
		await vault.createPendingLogin('gone', sealed, 9_000, 0);
		await vault.deletePendingLogin('gone');
		expect(await vault.claimPendingLogin('gone', 'x', 5_000, 0)).toEqual({ missing: true });
		await expect(vault.createPendingLogin('k2', sealed, 9_000, 0)).resolves.toBeUndefined();
		await expect(vault.createPendingLogin('k2', sealed, 9_000, 0)).rejects.toThrow('exists');
	});
});
