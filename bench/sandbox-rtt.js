#!/usr/bin/env node
/**
 * Sandbox round trip: median invoke latency of payments.getStarsStatus and of a
 * payments.getStarGifts poll (catalog NotModified) over loopback MTProto with the real client,
 * and how long 10 000 sequential calls take. Prints JSON lines. Runs on the built package
 * (dist/), or on BENCH_BUILD_DIR when set.
 */
'use strict';
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const root = process.env.BENCH_BUILD_DIR || path.join(__dirname, '..', 'dist');
const { startSandbox, silentLogger } = require(path.join(root, 'src', 'sandbox'));
const { createTelegramClient, destroyClient } = require(path.join(root, 'src', 'telegram', 'connection'));
const { Api } = require(path.join(root, 'src', 'telegram', 'gramjs'));

const SCENARIO = {
	seed: 11,
	accounts: [{ id: '1000001', label: 'bench', balance: 1000 }],
	gifts: Array.from({ length: 20 }, (_, i) => ({ id: String(9000 + i), stars: 100 + i, limited: true, total: 1000 })),
};

function median(values) {
	const s = [...values].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
}

async function main() {
	const sandbox = await startSandbox(SCENARIO, { logger: silentLogger() });
	const { apiId, apiHash, server, accounts } = sandbox.credentials;
	const client = createTelegramClient({ apiId, apiHash, server, session: accounts[0].session });
	try {
		await client.connect();
		const status = () => client.invoke(new Api.payments.GetStarsStatus({ peer: new Api.InputPeerSelf() }));
		const first = await client.invoke(new Api.payments.GetStarGifts({ hash: 0 }));
		const poll = () => client.invoke(new Api.payments.GetStarGifts({ hash: first.hash }));
		for (let i = 0; i < 200; i++) await status(); // warm-up

		for (const [name, call] of [['getStarsStatus', status], ['getStarGifts_notModified', poll]]) {
			const samples = [];
			for (let i = 0; i < 1000; i++) {
				const t = performance.now();
				await call();
				samples.push(performance.now() - t);
			}
			process.stdout.write(JSON.stringify({
				bench: 'sandbox-rtt', method: name, calls: samples.length,
				median_ms: +median(samples).toFixed(3), p95_ms: +[...samples].sort((a, b) => a - b)[Math.floor(samples.length * 0.95)].toFixed(3),
			}) + '\n');
		}
		const t = performance.now();
		for (let i = 0; i < 10000; i++) await status();
		const total = performance.now() - t;
		process.stdout.write(JSON.stringify({ bench: 'sandbox-10k-calls', calls: 10000, total_ms: Math.round(total), per_call_ms: +(total / 10000).toFixed(3) }) + '\n');
		const full = performance.now();
		for (let i = 0; i < 1000; i++) await client.invoke(new Api.payments.GetStarGifts({ hash: 0 }));
		process.stdout.write(JSON.stringify({ bench: 'sandbox-rtt', method: 'getStarGifts_full_20_gifts', calls: 1000, mean_ms: +((performance.now() - full) / 1000).toFixed(3) }) + '\n');
	} finally {
		await destroyClient(client);
		await sandbox.stop();
	}
}

main().catch((error) => {
	process.stderr.write(`sandbox-rtt failed: ${error && error.message}\n`);
	process.exitCode = 1;
});
