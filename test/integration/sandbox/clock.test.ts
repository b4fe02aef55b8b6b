/**
 * The scenario clock (src/sandbox/clock.ts) with a real teleproto client: a held clock keeps the
 * drop back until the runner starts it; `first-catalog-read` starts it at the baseline read; a
 * drop that happens before anybody read the catalog is an unwatched event, logged as an error.
 */
import { createTelegramClient, destroyClient } from '../../../src/telegram/connection';
import { Api, type TelegramClient } from '../../../src/telegram/gramjs';
import { startSandbox, type ClockStart, type Sandbox, type SandboxLogger } from '../../../src/sandbox';
import { baseScenario } from './helpers';

const DROP = '6001';

function dropScenario(releaseAtMs: number): Record<string, unknown> {
	const base = baseScenario();
	return { ...base, gifts: [...(base.gifts as object[]), { id: DROP, stars: 10, limited: true, total: 5, releaseAtMs }] };
}

function capturingLogger(): SandboxLogger & { errors: string[] } {
	const errors: string[] = [];
	return { errors, info: () => undefined, warn: () => undefined, error: (m) => void errors.push(m) };
}

async function ids(client: TelegramClient): Promise<string[]> {
	const answer = await client.invoke(new Api.payments.GetStarGifts({ hash: 0 }));
	if (!(answer instanceof Api.payments.StarGifts)) throw new Error('expected the full catalog');
	return answer.gifts.map((g) => String(g.id));
}

describe('sandbox: the scenario clock', () => {
	let sandbox: Sandbox | undefined;
	let client: TelegramClient | undefined;
	afterEach(async () => {
		if (client) await destroyClient(client);
		await sandbox?.stop();
		client = undefined;
		sandbox = undefined;
	});

	async function start(releaseAtMs: number, clock: ClockStart, logger = capturingLogger()) {
		sandbox = await startSandbox(dropScenario(releaseAtMs), { logger, clock });
		const { apiId, apiHash, server, accounts } = sandbox.credentials;
		client = createTelegramClient({ apiId, apiHash, server, session: accounts[0].session });
		return { sandbox, logger, connect: async () => await client!.connect() };
	}

	test('held: the drop waits for startClock, however long the workflows take to come up', async () => {
		const { sandbox: s, logger, connect } = await start(20, 'held');
		await connect();
		await new Promise((resolve) => setTimeout(resolve, 150)); // far past the drop's 20 ms
		expect(s.clockRunning()).toBe(false);
		expect(s.nowMs()).toBe(0);
		expect(await ids(client!)).not.toContain(DROP); // the baseline
		expect(s.record().releases.filter((r) => r.giftId === DROP)).toEqual([]);
		expect(s.startClock()).toBe(true);
		expect(s.startClock()).toBe(false);
		const record = await s.waitFor((r) => r.releases.some((x) => x.giftId === DROP), 5000);
		expect(await ids(client!)).toContain(DROP);
		expect(record.unwatched).toEqual([]);
		expect(record.firstCatalogReadAtMs).toBe(0);
		expect(logger.errors).toEqual([]);
	});

	test('first-catalog-read: the clock starts with the first catalog read', async () => {
		const { sandbox: s, logger, connect } = await start(20, 'first-catalog-read');
		await connect();
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(s.clockRunning()).toBe(false);
		expect(await ids(client!)).not.toContain(DROP);
		expect(s.clockRunning()).toBe(true);
		await s.waitFor((r) => r.releases.some((x) => x.giftId === DROP), 5000);
		expect(s.record().unwatched).toEqual([]);
		expect(logger.errors).toEqual([]);
	});

	test('a drop before anybody read the catalog is an unwatched event and a loud error', async () => {
		const { sandbox: s, logger, connect } = await start(20, 'running');
		const record = await s.waitFor((r) => r.releases.some((x) => x.giftId === DROP), 5000);
		expect(record.firstCatalogReadAtMs).toBeNull();
		expect(record.unwatched).toEqual([{ event: `gift ${DROP} released`, atMs: 20 }]);
		expect(logger.errors).toEqual([
			`gift ${DROP} released at 20 ms on the scenario clock, before any client read the gift catalog: nothing was watching it`,
		]);
		// Reading the catalog afterwards does not make the missed drop watched.
		await connect();
		expect(await ids(client!)).toContain(DROP);
		expect(s.record().unwatched).toHaveLength(1);
	});

	test('a drop after the first catalog read is watched', async () => {
		const { sandbox: s, logger, connect } = await start(300, 'running');
		await connect();
		await ids(client!);
		await s.waitFor((r) => r.releases.some((x) => x.giftId === DROP), 5000);
		expect(s.record().unwatched).toEqual([]);
		expect(logger.errors).toEqual([]);
	});
});
