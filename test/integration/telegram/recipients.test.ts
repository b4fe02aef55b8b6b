/**
 * Recipients given as ids or usernames resolve with this account's own access hash, found the way
 * Telegram allows (dialogs, contacts, resolveUsername) and kept in the store, so restarts and idle
 * reconnects look nothing up again. Against the old account layer (hash 0 when the library's
 * cache missed, nothing stored) the sandbox refuses these recipients and each test fails.
 */
import type { Operation } from '../../../src/core/types';
import { getStore } from '../../../src/store';
import { executeOperations, type TelegramAccount } from '../../../src/telegram';
import { ALICE, BOB, CAROL, CHANNEL, world, type World } from './helpers';

const CHAN = `-100${CHANNEL}`;
/** 250 channels Alice is a member of, newer than CHANNEL: CHANNEL is on her third dialogs page. */
const MANY = Array.from({ length: 250 }, (_, i) => ({ id: String(3000000000 + i), title: `Channel ${i}`, members: [ALICE] }));

function scenarioWithMany(): Record<string, unknown> {
	return {
		accounts: [
			{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: false, contacts: [CAROL] },
			{ id: BOB, label: 'Bob', username: 'bobby', balance: 1000, premium: true },
			{ id: CAROL, label: 'Carol', username: 'carol', balance: 50, premium: false },
		],
		// Scenario dialogs are ordered as listed (the first is the newest): CHANNEL comes last.
		channels: [...MANY, { id: CHANNEL, title: 'Gifts', username: 'giftschan', acceptsGifts: true, members: [ALICE, BOB] }],
	};
}

describe('recipient resolution (ids and usernames → this account’s access hash)', () => {
	let w: World;
	afterEach(async () => {
		await w.close();
	});
	const calls = (method: string) => w.sandbox.record().calls[method] ?? 0;
	const account = async (label: 'Alice' | 'Bob' | 'Carol', pool = w.pool): Promise<TelegramAccount> => (await pool.acquire(w.creds(label))).account;

	it('a -100… id: found by paging the dialogs, every peer seen is stored; after a restart the store answers with no call', async () => {
		w = await world(scenarioWithMany());
		const alice = await account('Alice');
		const resolved = await alice.resolveRecipient(CHAN, { peers: w.store });
		expect(resolved).toMatchObject({ kind: 'channel', id: CHANNEL, chatId: CHAN, title: 'Gifts', username: 'giftschan' });
		expect(alice.peerLookupStats()).toEqual({ dialogPages: 3, contactReads: 0, resolveUsername: 0 });
		expect(calls('messages.getDialogs')).toBe(3);
		// The peers on the pages on the way are kept too.
		expect(await w.store.getPeerAccess(ALICE, CHAN)).toMatchObject({ username: 'giftschan', title: 'Gifts' });
		expect(await w.store.getPeerAccess(ALICE, '-1003000000007')).not.toBeNull();
		// The hash is Alice's own: the form is accepted.
		await expect(alice.giftPaymentForm(resolved, '5005')).resolves.toMatchObject({ amount: 20 });

		// Restart: a new pool (new client, empty library cache) on the same store file.
		const restarted = await account('Alice', w.newPool());
		expect(await restarted.resolveRecipient(CHAN, { peers: w.store })).toMatchObject({ kind: 'channel', id: CHANNEL });
		expect(await restarted.resolveRecipient('-1003000000100', { peers: w.store })).toMatchObject({ kind: 'channel', title: 'Channel 100' });
		expect(calls('messages.getDialogs')).toBe(3);
		expect(restarted.peerLookupStats()).toEqual({ dialogPages: 0, contactReads: 0, resolveUsername: 0 });
	});

	it('a user id: found in the contacts once the dialogs are read', async () => {
		w = await world(scenarioWithMany());
		const alice = await account('Alice');
		expect(await alice.resolveRecipient(CAROL, { peers: w.store })).toMatchObject({ kind: 'user', id: CAROL, username: 'carol' });
		expect(alice.peerLookupStats()).toMatchObject({ dialogPages: 3, contactReads: 1 });
		expect(calls('contacts.getContacts')).toBe(1);
	});

	it('@username: resolveUsername once; another account uses the stored peer id with its own dialogs; after a restart none is resolved again', async () => {
		w = await world({ ...scenarioWithMany(), resolveUsernameLimit: { maxCalls: 2, windowMs: 3_600_000, waitSeconds: 600 } });
		const alice = await account('Alice');
		expect(await alice.resolveRecipient('@giftschan', { peers: w.store })).toMatchObject({ kind: 'channel', id: CHANNEL });
		expect(calls('contacts.resolveUsername')).toBe(1);
		const bob = await account('Bob');
		expect(await bob.resolveRecipient('@GiftsChan', { peers: w.store })).toMatchObject({ kind: 'channel', id: CHANNEL });
		expect(calls('contacts.resolveUsername')).toBe(1);
		expect(bob.peerLookupStats()).toMatchObject({ dialogPages: 1, resolveUsername: 0 });
		// Both hashes are each account's own (the sandbox would refuse the other's).
		expect((await w.store.getPeerAccess(ALICE, CHAN))?.accessHash).not.toBe((await w.store.getPeerAccess(BOB, CHAN))?.accessHash);

		const pool = w.newPool();
		for (const label of ['Alice', 'Bob'] as const) {
			const again = await account(label, pool);
			expect(await again.resolveRecipient('@giftschan', { peers: w.store })).toMatchObject({ chatId: CHAN });
		}
		expect(calls('contacts.resolveUsername')).toBe(1);
		// Carol is no member: she has to resolve it herself (her own limit).
		const carol = await account('Carol', pool);
		expect(await carol.resolveRecipient('@giftschan', { peers: w.store })).toMatchObject({ chatId: CHAN });
		expect(calls('contacts.resolveUsername')).toBe(2);
	});

	it('a username seen more than a day ago is resolved again (tdlib keeps resolved usernames for 86400 s)', async () => {
		w = await world(scenarioWithMany());
		const alice = await account('Alice');
		await alice.resolveRecipient('@bobby', { peers: w.store });
		expect(calls('contacts.resolveUsername')).toBe(1);
		const later = w.newPool({ now: () => Date.now() + 25 * 3600 * 1000 });
		await (await account('Alice', later)).resolveRecipient('@bobby', { peers: w.store });
		expect(calls('contacts.resolveUsername')).toBe(2);
		const soon = w.newPool({ now: () => Date.now() + 23 * 3600 * 1000 });
		await (await account('Alice', soon)).resolveRecipient('@bobby', { peers: w.store });
		expect(calls('contacts.resolveUsername')).toBe(2);
	});

	it('an id the account does not know fails naming the recipient and what to do; it is not paged again within a minute', async () => {
		w = await world(scenarioWithMany());
		const carol = await account('Carol');
		const error = await carol.resolveRecipient(CHAN, { peers: w.store }).then(
			() => null,
			(e: Error) => e,
		);
		expect(error?.message).toMatch(new RegExp(`Carol: recipient "${CHAN}" is not a channel this account knows: .*only when it is a member of that channel`));
		expect(error?.message).toMatch(/Join the channel with this account, or give it as @username/);
		const pages = calls('messages.getDialogs');
		await expect(carol.resolveRecipient(CHAN, { peers: w.store })).rejects.toThrow(/is not a channel this account knows/);
		expect(calls('messages.getDialogs')).toBe(pages);
		await expect(carol.resolveRecipient(BOB, { peers: w.store })).rejects.toThrow(
			new RegExp(`recipient "${BOB}" is not a user this account knows: .*Message the user once from this account or add them to its contacts`),
		);
		// The buy result carries the same reason, nothing is asked or paid.
		const op: Operation = { opKey: 'unknown', accountId: CAROL, recipient: CHAN, giftId: '5005', price: 20, quantity: 1, supply: null };
		const [result] = await executeOperations([op], { store: w.store, pool: w.pool, credentials: [w.creds('Carol')] });
		expect(result).toMatchObject({ status: 'failed', reason: 'peer_invalid', retryable: false, quantityBought: 0 });
		expect(result.error).toMatch(/member of that channel/);
		expect(calls('payments.getPaymentForm')).toBe(0);
		// A free username fails once: the rate-limited lookup is not repeated.
		const [free] = await executeOperations([{ ...op, opKey: 'free', recipient: '@nobody_here' }], { store: w.store, pool: w.pool, credentials: [w.creds('Carol')] });
		expect(free).toMatchObject({ status: 'failed', reason: 'peer_invalid' });
		expect(free.error).toMatch(/USERNAME_NOT_OCCUPIED/);
		expect(calls('contacts.resolveUsername')).toBe(1);
	});

	it('a kept hash Telegram refuses is forgotten and looked up again: the copy is bought, once', async () => {
		w = await world(scenarioWithMany());
		await w.store.putPeerAccess([{ accountId: ALICE, peer: CHAN, accessHash: '12345', username: 'giftschan', title: 'Gifts', updatedAtMs: Date.now() }]);
		const op: Operation = { opKey: 'stale', accountId: ALICE, recipient: CHAN, giftId: '5005', price: 20, quantity: 1, supply: null };
		const [result] = await executeOperations([op], { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		expect(result).toMatchObject({ status: 'bought', quantityBought: 1 });
		expect(w.paid()).toHaveLength(1);
		expect(calls('payments.getPaymentForm')).toBe(2);
		expect((await w.store.getPeerAccess(ALICE, CHAN))?.accessHash).not.toBe('12345');
	});

	it('buying onto a -100… id works from a cold start and from the store after a restart (no extra lookup)', async () => {
		w = await world(scenarioWithMany());
		const op = (opKey: string): Operation => ({ opKey, accountId: ALICE, recipient: CHAN, giftId: '5005', price: 20, quantity: 1, supply: null });
		const [first] = await executeOperations([op('cold')], { store: w.store, pool: w.pool, credentials: [w.creds('Alice')] });
		expect(first).toMatchObject({ status: 'bought' });
		const pages = calls('messages.getDialogs');
		await w.store.close();
		w.store = await getStore(w.storePath);
		const [second] = await executeOperations([op('warm')], { store: w.store, pool: w.newPool(), credentials: [w.creds('Alice')] });
		expect(second).toMatchObject({ status: 'bought' });
		expect(calls('messages.getDialogs')).toBe(pages);
		expect(w.paid()).toHaveLength(2);
	});
});
