'use strict';
/**
 * Transports and catching up, against the sandbox in its own process (loopback):
 *  - transports.rtt.<transport>: median round trip of payments.getStarsStatus over each MTProto
 *    transport, 1000 sequential calls after 200 warm-up ones, with the sandbox's probe client (the
 *    same client code for every transport, so the figures differ by transport alone); plus the
 *    package's client (teleproto, full) and mtcute (intermediate) for reference. Target ≤ 2 ms.
 *  - updates.getDifference.N<n>: a client that missed n pushed updates (balance changes) asks for
 *    the difference from its saved state and follows the slices until it has all; total time and
 *    calls. Target ≤ 5 ms per 100 updates.
 *  - updates.catchUp.teleproto: teleproto disconnected while 1000 updates were pushed: from the
 *    push to the last one dispatched to its handlers after its reconnect. Target ≤ 2000 ms.
 */
const { performance } = require('node:perf_hooks');
const { load, percentile, round, figure, sleep } = require('./lib/common');
const { startSandboxProcess } = require('./lib/sandbox-process');

const { Api, StringSession } = load('src/telegram/gramjs');
const { MtprotoProbe } = load('src/sandbox/mtproto/probe');
const { TRANSPORTS, transportLabel } = load('src/sandbox/mtproto/transports');
const { createTelegramClient, destroyClient } = load('src/telegram/connection');

const ACCOUNT = '700000001';
const CALLS = 1000;
const WARMUP = 200;

async function authKeyOf(credentials) {
	const session = new StringSession(credentials.accounts[0].session);
	await session.load();
	return session.authKey.getKey();
}

const statusRequest = () => new Api.payments.GetStarsStatus({ peer: new Api.InputPeerSelf() });

async function timeCalls(call) {
	for (let i = 0; i < WARMUP; i++) await call();
	const samples = [];
	for (let i = 0; i < CALLS; i++) {
		const t = performance.now();
		await call();
		samples.push(performance.now() - t);
	}
	return samples;
}

function rttFigure(name, samples, extra = {}) {
	return figure(`transports.rtt.${name}`, round(percentile(samples, 50), 3), 'ms', 2, {
		stat: `median of ${samples.length} sequential payments.getStarsStatus`,
		p95_ms: round(percentile(samples, 95), 3),
		...extra,
	});
}

/** mtcute (dev dependency), without its CommonJS notice; undefined when it is not installed. */
function loadMtcute() {
	const consoleWarn = Object.getOwnPropertyDescriptor(global.console, 'warn');
	try {
		Object.defineProperty(global.console, 'warn', { value: () => undefined, configurable: true, writable: true });
		return require('@mtcute/node');
	} catch {
		return undefined;
	} finally {
		Object.defineProperty(global.console, 'warn', consoleWarn);
	}
}

async function rtt(emit, sandbox, authKey) {
	const { host, port } = sandbox.credentials.server;
	// One warm-up for both processes' JIT, so the first transport measured is not the slowest.
	const warm = await MtprotoProbe.open({ host, port, authKey, transport: TRANSPORTS[0] });
	for (let i = 0; i < 2000; i++) await warm.invoke(statusRequest());
	warm.close();
	for (const transport of TRANSPORTS) {
		const probe = await MtprotoProbe.open({ host, port, authKey, transport });
		try {
			emit(rttFigure(transportLabel(transport).replace(' ', '_'), await timeCalls(() => probe.invoke(statusRequest())), { client: 'probe' }));
		} finally {
			probe.close();
		}
	}
	const { apiId, apiHash, server, accounts } = sandbox.credentials;
	const client = createTelegramClient({ apiId, apiHash, server, session: accounts[0].session });
	try {
		await client.connect();
		emit(rttFigure('full_teleproto', await timeCalls(() => client.invoke(statusRequest())), { client: 'teleproto (the package client)' }));
	} finally {
		await destroyClient(client);
	}
	const mtcute = loadMtcute();
	if (!mtcute) return;
	const fs = require('node:fs');
	const os = require('node:os');
	const path = require('node:path');
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mtcute-'));
	const mt = new mtcute.TelegramClient({ apiId, apiHash, storage: path.join(dir, 'client.session'), logLevel: 0 });
	try {
		const dc = { id: 2, ipAddress: host, port };
		await mt.importSession({ authKey, primaryDcs: { main: dc, media: dc }, self: null });
		await mt.connect();
		const call = () => mt.call({ _: 'payments.getStarsStatus', peer: { _: 'inputPeerSelf' } });
		emit(rttFigure('intermediate_mtcute', await timeCalls(call), { client: 'mtcute (its defaults)' }));
	} finally {
		await mt.destroy();
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

async function difference(emit, sandbox, authKey) {
	const { host, port } = sandbox.credentials.server;
	const transport = { kind: 'intermediate', obfuscated: false };
	let base = 0;
	for (const n of [100, 1000, 10000]) {
		const before = await MtprotoProbe.open({ host, port, authKey, transport });
		const state = await before.invoke(new Api.updates.GetState());
		before.close();
		await before.closed;
		await sandbox.pushBalances(ACCOUNT, Array.from({ length: n }, (_, i) => base + i));
		base += n;
		const probe = await MtprotoProbe.open({ host, port, authKey, transport });
		try {
			await probe.invoke(new Api.help.GetConfig()); // session and salt, outside the timing
			let cursor = { pts: state.pts, date: state.date, qts: state.qts };
			let received = 0;
			let calls = 0;
			const t = performance.now();
			for (;;) {
				const diff = await probe.invoke(new Api.updates.GetDifference(cursor));
				calls++;
				if (diff instanceof Api.updates.DifferenceEmpty) break;
				received += diff.otherUpdates.length + diff.newMessages.length;
				if (diff instanceof Api.updates.DifferenceSlice) cursor = diff.intermediateState;
				else break;
			}
			const ms = performance.now() - t;
			emit(
				figure(`updates.getDifference.N${n}`, round(ms, 1), 'ms', (n / 100) * 5, {
					stat: 'getDifference calls until the client has every missed update',
					missed: n,
					received,
					calls,
					perUpdate_us: round((ms * 1000) / n, 1),
				}),
			);
		} finally {
			probe.close();
		}
	}
}

async function catchUp(emit, sandbox) {
	const { apiId, apiHash, server, accounts } = sandbox.credentials;
	const client = createTelegramClient({ apiId, apiHash, server, session: accounts[0].session });
	const n = 1000;
	try {
		await client.connect();
		let last;
		const seen = new Set();
		client.addEventHandler((update) => {
			if (update instanceof Api.UpdateStarsBalance) {
				seen.add(Number(update.balance.amount));
				last = performance.now();
			}
		});
		// Its update manager has its state once a live update reaches the handler.
		await sandbox.pushBalances(ACCOUNT, [-1]);
		for (let i = 0; i < 500 && !seen.has(-1); i++) await sleep(5);
		const amounts = Array.from({ length: n }, (_, i) => 100000 + i);
		const t = performance.now();
		await sandbox.pushBalances(ACCOUNT, amounts, true);
		for (let i = 0; i < 2000 && !amounts.every((a) => seen.has(a)); i++) await sleep(5);
		const complete = amounts.every((a) => seen.has(a));
		emit(
			figure('updates.catchUp.teleproto', complete ? round(last - t, 1) : null, 'ms', 2000, {
				stat: 'drop + push of n updates → the last one dispatched after teleproto reconnected and fetched the difference',
				missed: n,
				dispatched: amounts.filter((a) => seen.has(a)).length,
			}),
		);
	} finally {
		await destroyClient(client);
	}
}

async function run(emit) {
	const sandbox = await startSandboxProcess({ seed: 18, accounts: [{ id: ACCOUNT, label: 'bench', balance: 1000 }], gifts: [] });
	try {
		const authKey = await authKeyOf(sandbox.credentials);
		await rtt(emit, sandbox, authKey);
		await difference(emit, sandbox, authKey);
		await catchUp(emit, sandbox);
	} finally {
		await sandbox.stop();
	}
}

module.exports = { run };
