/** Queue mode's wire format: requests, answers and typed errors survive the trip through Redis. */
import { AuthInvalidError, CircuitOpenError, DeadlineError, FloodWaitError, NetworkError, TelegramError } from '../../../src/telegram';
import { Api, returnBigInt } from '../../../src/telegram/gramjs';
import { decodeError, decodeRequest, decodeResult, encodeError, encodeRequest, encodeResult } from '../../../src/telegram/ownership/codec';
import { ownershipConfigFromEnv } from '../../../src/telegram/ownership';

const ctx = { account: 'Alice', method: 'payments.SendStarsForm' };

describe('ownership codec', () => {
	it('a request crosses as its TL bytes and comes back as the same request', () => {
		const request = new Api.payments.GetStarGifts({ hash: 1234 });
		const back = decodeRequest(encodeRequest(request));
		expect(back).toBeInstanceOf(Api.payments.GetStarGifts);
		expect((back as Api.payments.GetStarGifts).hash).toBe(1234);
		expect(() => decodeRequest(Buffer.from(new Api.User({ id: returnBigInt(1) }).getBytes()).toString('base64'))).toThrow(/not a Telegram request/);
	});

	it('answers: objects, vectors of objects, Bool and Vector<long> read back with the request reader', () => {
		const users = [new Api.User({ id: returnBigInt(7), firstName: 'A' }), new Api.User({ id: returnBigInt(8), firstName: 'B' })];
		const get = new Api.users.GetUsers({ id: [new Api.InputUserSelf()] });
		const back = decodeResult(get, encodeResult(users)) as Api.User[];
		expect(back.map((u) => [u.id.toString(), u.firstName])).toEqual([['7', 'A'], ['8', 'B']]);
		const status = new Api.payments.StarsStatus({ balance: new Api.StarsAmount({ amount: returnBigInt(950), nanos: 0 }), chats: [], users: [] });
		const statusBack = decodeResult(new Api.payments.GetStarsStatus({ peer: new Api.InputPeerSelf() }), encodeResult(status));
		expect(((statusBack as Api.payments.StarsStatus).balance as Api.StarsAmount).amount.toString()).toBe('950');
		const ok = decodeResult(new Api.account.UpdateStatus({ offline: false }), encodeResult(true));
		expect(ok).toBe(true);
		const longs = decodeResult(new Api.messages.ReceivedMessages({ maxId: 1 }) as unknown as Api.AnyRequest, encodeResult([]));
		expect(longs).toEqual([]);
		expect(() => encodeResult('text')).toThrow(/cannot be forwarded/);
	});

	it('typed errors keep their class, retry time and notSent flag', () => {
		const now = 1_000_000;
		const flood = new FloodWaitError(ctx, 30, now, true);
		flood.notSent = true;
		const f = decodeError(JSON.parse(JSON.stringify(encodeError(flood, now + 10_000))), ctx, now + 10_000) as FloodWaitError;
		expect(f).toBeInstanceOf(FloodWaitError);
		expect(f.retryAtMs).toBe(now + 30_000);
		expect(f.parked).toBe(true);
		expect(f.notSent).toBe(true);
		const t = decodeError(encodeError(new TelegramError(ctx, 400, 'STARGIFT_USAGE_LIMITED'), now), ctx, now) as TelegramError;
		expect(t).toBeInstanceOf(TelegramError);
		expect(t.buyReason).toBe('sold_out');
		expect(t.notSent).toBe(false);
		expect(decodeError(encodeError(new AuthInvalidError(ctx, 'SESSION_REVOKED'), now), ctx, now)).toMatchObject({ reason: 'SESSION_REVOKED' });
		expect(decodeError(encodeError(new DeadlineError(ctx, 900), now), ctx, now)).toBeInstanceOf(DeadlineError);
		expect((decodeError(encodeError(new CircuitOpenError(ctx, now + 5000), now), ctx, now + 100) as CircuitOpenError).retryAtMs).toBe(now + 5100);
		const n = decodeError(encodeError(new NetworkError(ctx, 'socket closed'), now), ctx, now);
		expect(n).toBeInstanceOf(NetworkError);
		expect(n.message).toBe('Alice: network error: socket closed (payments.SendStarsForm)');
	});
});

describe('ownership config from n8n\'s environment', () => {
	it('regular mode: null; queue mode: n8n\'s Bull Redis and prefix', () => {
		expect(ownershipConfigFromEnv({})).toBeNull();
		expect(ownershipConfigFromEnv({ EXECUTIONS_MODE: 'regular' })).toBeNull();
		expect(ownershipConfigFromEnv({ EXECUTIONS_MODE: 'queue' })).toEqual({
			redis: { host: 'localhost', port: 6379, db: 0, username: undefined, password: undefined, tls: false },
			keyPrefix: 'bull:tg-gifts:',
			leaseMs: 3000,
		});
		const config = ownershipConfigFromEnv({
			EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_HOST: 'redis', QUEUE_BULL_REDIS_PORT: '6380', QUEUE_BULL_REDIS_DB: '2',
			QUEUE_BULL_REDIS_USERNAME: 'u', QUEUE_BULL_REDIS_PASSWORD: 'p', QUEUE_BULL_REDIS_TLS: 'true', QUEUE_BULL_PREFIX: 'n8n',
		});
		expect(config).toMatchObject({ redis: { host: 'redis', port: 6380, db: 2, username: 'u', password: 'p', tls: true }, keyPrefix: 'n8n:tg-gifts:' });
		expect(ownershipConfigFromEnv({ EXECUTIONS_MODE: 'queue', TELEGRAM_GIFTS_SESSION_OWNER: 'local' })).toBeNull();
	});

	it('bad values name the variable', () => {
		expect(() => ownershipConfigFromEnv({ EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_PORT: 'x' })).toThrow(/QUEUE_BULL_REDIS_PORT must be an integer/);
		expect(() => ownershipConfigFromEnv({ TELEGRAM_GIFTS_SESSION_OWNER: 'both' })).toThrow(/TELEGRAM_GIFTS_SESSION_OWNER must be/);
		expect(() => ownershipConfigFromEnv({ EXECUTIONS_MODE: 'queue', TELEGRAM_GIFTS_LEASE_MS: '10' })).toThrow(/TELEGRAM_GIFTS_LEASE_MS/);
	});
});
