import { Api } from '../../../src/telegram/gramjs';
import { ALICE, harness, type Harness } from './helpers';

describe('sandbox: connect over MTProto with an unmodified teleproto client', () => {
	let h: Harness;
	beforeEach(async () => {
		h = await harness();
	});
	afterEach(async () => {
		await h.close();
	});

	test('connects with the issued session and sees itself', async () => {
		const client = await h.connect(0);
		const me = await client.getMe();
		expect(String(me.id)).toBe(ALICE);
		expect(me.username).toBe('alice');
		const record = h.sandbox.record();
		expect(record.calls['help.getConfig']).toBe(1);
		expect(record.connections.byAccount[ALICE]).toBe(1);
		const status = await client.invoke(new Api.payments.GetStarsStatus({ peer: new Api.InputPeerSelf() }));
		expect(Number(status.balance.amount)).toBe(1000);
	});
});
