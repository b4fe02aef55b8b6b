/**
 * The GiftStore contract for peer access hashes (putPeerAccess / getPeerAccess /
 * findPeerByUsername / deletePeerAccess), written once for every backend: a backend's test file
 * calls `peerAccessContract(name, open)` with a function that opens a fresh, empty store.
 */
import type { GiftStore, PeerAccess } from '../../../src/store';

export function peerAccessContract(backend: string, open: () => Promise<{ store: GiftStore; dispose(): Promise<void> }>): void {
	describe(`${backend}: peer access hashes (GiftStore contract)`, () => {
		let store: GiftStore;
		let dispose: () => Promise<void>;
		beforeEach(async () => {
			({ store, dispose } = await open());
		});
		afterEach(async () => {
			await dispose();
		});

		const row = (accountId: string, peer: string, extra: Partial<PeerAccess> = {}): PeerAccess => ({
			accountId,
			peer,
			accessHash: extra.accessHash ?? '-4611686018427387904',
			username: extra.username ?? null,
			title: extra.title ?? null,
			updatedAtMs: extra.updatedAtMs ?? 1_000,
		});

		it('keeps one hash per (account, peer); another account has its own; 64-bit hashes survive exactly', async () => {
			await store.putPeerAccess([
				row('100', '-1002000000001', { accessHash: '-9223372036854775808', title: 'Gifts' }),
				row('200', '-1002000000001', { accessHash: '9223372036854775807' }),
				row('100', '555', { accessHash: '12345678901234567' }),
			]);
			expect(await store.getPeerAccess('100', '-1002000000001')).toEqual(row('100', '-1002000000001', { accessHash: '-9223372036854775808', title: 'Gifts' }));
			expect((await store.getPeerAccess('200', '-1002000000001'))?.accessHash).toBe('9223372036854775807');
			expect((await store.getPeerAccess('100', '555'))?.accessHash).toBe('12345678901234567');
			expect(await store.getPeerAccess('200', '555')).toBeNull();
		});

		it('a later put replaces the row (newer hash, title, time)', async () => {
			await store.putPeerAccess([row('100', '555', { accessHash: '1', updatedAtMs: 1 })]);
			await store.putPeerAccess([row('100', '555', { accessHash: '2', title: 'Bob', updatedAtMs: 2 })]);
			expect(await store.getPeerAccess('100', '555')).toEqual(row('100', '555', { accessHash: '2', title: 'Bob', updatedAtMs: 2 }));
		});

		it('finds a peer by username (any case, with or without @): this account only, or any account', async () => {
			await store.putPeerAccess([row('100', '-1002000000001', { username: 'GiftsChan', updatedAtMs: 5 })]);
			expect((await store.findPeerByUsername('giftschan'))?.peer).toBe('-1002000000001');
			expect((await store.findPeerByUsername('@GIFTSCHAN', '100'))?.accountId).toBe('100');
			expect(await store.findPeerByUsername('giftschan', '200')).toBeNull();
			expect((await store.findPeerByUsername('giftschan'))?.username).toBe('giftschan');
			expect(await store.findPeerByUsername('nobody')).toBeNull();
		});

		it('a username given to another peer leaves the old peer (no stale mapping survives)', async () => {
			await store.putPeerAccess([row('100', '555', { username: 'moving', updatedAtMs: 1 }), row('200', '555', { username: 'moving', updatedAtMs: 1 })]);
			await store.putPeerAccess([row('100', '777', { username: 'moving', updatedAtMs: 2 })]);
			expect((await store.findPeerByUsername('moving'))?.peer).toBe('777');
			expect(await store.findPeerByUsername('moving', '200')).toBeNull();
			// The old peer's hash is still valid for the account: only its username went.
			expect(await store.getPeerAccess('200', '555')).toMatchObject({ accessHash: expect.any(String), username: null });
		});

		it('forgets one (account, peer) row', async () => {
			await store.putPeerAccess([row('100', '555'), row('200', '555')]);
			await store.deletePeerAccess('100', '555');
			expect(await store.getPeerAccess('100', '555')).toBeNull();
			expect(await store.getPeerAccess('200', '555')).not.toBeNull();
			await store.deletePeerAccess('100', 'never-stored');
		});

		it('writes many rows in one call (a dialogs page)', async () => {
			const rows = Array.from({ length: 250 }, (_, i) => row('100', String(1000 + i), { username: `user_${i}x` }));
			await store.putPeerAccess(rows);
			await store.putPeerAccess([]);
			expect((await store.getPeerAccess('100', '1249'))?.username).toBe('user_249x');
			expect((await store.findPeerByUsername('user_7x'))?.peer).toBe('1007');
		});
	});
}
