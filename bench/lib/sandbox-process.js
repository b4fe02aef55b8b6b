'use strict';
/**
 * The sandbox in its own process, driven over IPC. Benches measure the package's client side;
 * with the sandbox in the same process its MTProto work (decrypting, answering, encrypting for
 * every client) would share the client's event loop and be counted as client latency. In a child
 * process it runs on the other core, as a remote Telegram would.
 *
 * Parent: `const sandbox = await startSandboxProcess(scenario)` → {credentials, clock(), record(),
 * injectFault(), addFloodRule(), setLatency(), dropConnections(), pushBalances(), stop()}. `clock()` reads the
 * sandbox timeline (ms since its start, sub-ms) from this process's own clock.
 */
const { fork } = require('node:child_process');
const { performance } = require('node:perf_hooks');

if (require.main === module) {
	child();
} else {
	module.exports = { startSandboxProcess };
}

async function startSandboxProcess(scenario) {
	const proc = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	let nextId = 1;
	const pending = new Map();
	let exited = false;
	proc.on('message', (msg) => {
		const waiter = pending.get(msg.id);
		if (!waiter) return;
		pending.delete(msg.id);
		if (msg.error) waiter.reject(new Error(msg.error));
		else waiter.resolve(msg.result);
	});
	proc.on('exit', () => {
		exited = true;
		for (const w of pending.values()) w.reject(new Error('sandbox process exited'));
		pending.clear();
	});
	const call = (method, ...args) =>
		new Promise((resolve, reject) => {
			if (exited) return reject(new Error('sandbox process exited'));
			const id = nextId++;
			pending.set(id, { resolve, reject });
			proc.send({ id, method, args });
		});
	const started = await call('start', scenario);
	const startEpoch = started.startEpochMs;
	const clock = () => performance.timeOrigin + performance.now() - startEpoch;
	return {
		credentials: started.credentials,
		pid: proc.pid,
		clock,
		record: () => call('record'),
		injectFault: (fault) => call('injectFault', fault),
		addFloodRule: (rule) => call('addFloodRule', rule),
		setLatency: (method, ms) => call('setLatency', method, ms),
		dropConnections: (accountId) => call('dropConnections', accountId),
		/** Pushes one updateStarsBalance per amount to the account; `drop` first closes its connections (same tick). */
		pushBalances: (accountId, amounts, drop = false) => call('pushBalances', accountId, amounts, drop),
		async stop() {
			if (exited) return;
			await call('stop').catch(() => undefined);
			await new Promise((resolve) => (exited ? resolve() : proc.once('exit', resolve)));
		},
	};
}

function child() {
	const { load } = require('./common');
	const { startSandbox, silentLogger } = load('src/sandbox');
	let sandbox;
	const methods = {
		async start(scenario) {
			sandbox = await startSandbox(scenario, { logger: silentLogger() });
			let start = Infinity;
			for (let i = 0; i < 2000; i++) start = Math.min(start, performance.now() - sandbox.nowMs());
			return { credentials: sandbox.credentials, startEpochMs: performance.timeOrigin + start };
		},
		record: () => sandbox.record(),
		injectFault: (fault) => sandbox.injectFault(fault),
		addFloodRule: (rule) => sandbox.addFloodRule(rule),
		setLatency: (method, ms) => sandbox.setLatency(method, ms),
		dropConnections: (accountId) => sandbox.dropConnections(accountId),
		pushBalances(accountId, amounts, drop) {
			const { Api, returnBigInt } = load('src/telegram/gramjs');
			if (drop) sandbox.dropConnections(accountId);
			for (const amount of amounts) {
				const update = new Api.UpdateStarsBalance({ balance: new Api.StarsAmount({ amount: returnBigInt(amount), nanos: 0 }) });
				sandbox.push(accountId, new Api.Updates({ updates: [update], users: [], chats: [], date: 0, seq: 0 }));
			}
		},
		async stop() {
			await sandbox?.stop();
			setImmediate(() => process.exit(0));
		},
	};
	process.on('message', async ({ id, method, args }) => {
		try {
			const result = await methods[method](...args);
			process.send({ id, result: result === undefined ? null : result });
		} catch (error) {
			process.send({ id, error: error instanceof Error ? error.message : String(error) });
		}
	});
	process.on('disconnect', () => process.exit(0));
}
