#!/usr/bin/env node
/**
 * Login against the sandbox with the LoginManager on a sqlite store, as the n8n node runs it (each
 * step connects with the login's auth key, saves the sealed state and disconnects): median wall
 * time of a phone-code login, a phone-code + 2FA login (PBKDF2 100 000 iterations on both sides)
 * and a QR login (scanned 20 ms into QR Complete's wait), from connect to session string, and a
 * phone-code login for a number on another DC (PHONE_MIGRATE: a new auth key made there with the
 * DH exchange). Prints JSON lines. Runs on the built package (dist/), or on BENCH_BUILD_DIR when set.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const root = process.env.BENCH_BUILD_DIR || path.join(__dirname, '..', 'dist');
const { startSandbox, silentLogger } = require(path.join(root, 'src', 'sandbox'));
const { LoginManager } = require(path.join(root, 'src', 'telegram', 'login'));
const { openStoreAt } = require(path.join(root, 'src', 'store'));

const RUNS = Number(process.env.BENCH_RUNS || 7);
const SCENARIO = {
	seed: 5,
	sendCodeLimit: { maxCalls: 1000, windowMs: 1000 },
	accounts: [
		{ id: '1000001', balance: 1, phone: '+15550000001', loginCode: '86420' },
		{ id: '1000002', balance: 1, phone: '+15550000002', loginCode: '97531', password: 'bench-password' },
		{ id: '1000003', balance: 1, phone: '+15550000003', loginCode: '13579', dc: 3 },
	],
	gifts: [],
};

function median(values) {
	const s = [...values].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
}

async function timed(fn) {
	const times = [];
	for (let i = 0; i < RUNS; i++) {
		const t0 = performance.now();
		await fn();
		times.push(performance.now() - t0);
	}
	return { value: Number(median(times).toFixed(1)), unit: 'ms', max_ms: Number(Math.max(...times).toFixed(1)), runs: RUNS };
}

/** One figure per line, as bench/run.js prints them: median against a target. */
function emit(bench, figure, target) {
	process.stdout.write(`${JSON.stringify({ bench, ...figure, target, ok: figure.value <= target })}\n`);
}

async function main() {
	const sandbox = await startSandbox(SCENARIO, { logger: silentLogger() });
	// The migrated login makes a key at DC 3: trust this run's RSA key (bench process only).
	require('../scripts/sandbox-rsa-trust.js').trustSandboxRsaKey(sandbox.credentials.rsaPublicKey, root);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-login-'));
	const store = await openStoreAt(path.join(dir, 'store.sqlite'));
	const manager = new LoginManager({ vault: store });
	const { apiId, apiHash, server } = sandbox.credentials;
	const start = () => ({ apiId, apiHash, server, startSession: sandbox.issueLoginSession() });
	try {
		const phone = await timed(async () => {
			const sent = await manager.sendCode({ ...start(), phone: '+15550000001' });
			const r = await manager.signIn({ loginId: sent.loginId, code: '86420' });
			if (!r.session) throw new Error('no session');
		});
		emit('login.phone_code', phone, 500);
		const twoFactor = await timed(async () => {
			const sent = await manager.sendCode({ ...start(), phone: '+15550000002' });
			const r = await manager.signIn({ loginId: sent.loginId, code: '97531', password: 'bench-password' });
			if (!r.session) throw new Error('no session');
		});
		emit('login.phone_code_2fa', twoFactor, 2000);
		const qr = await timed(async () => {
			const started = await manager.qrStart(start());
			// Scanned while QR Complete waits (a scan between steps is seen only when the token runs out).
			const scan = setTimeout(() => sandbox.scanQr('1000001', started.url), 20);
			const r = await manager.qrComplete({ loginId: started.loginId, waitMs: 5000 });
			clearTimeout(scan);
			if (!r.session) throw new Error('no session');
		});
		emit('login.qr', qr, 500);
		const migrated = await timed(async () => {
			const sent = await manager.sendCode({ ...start(), phone: '+15550000003' });
			const r = await manager.signIn({ loginId: sent.loginId, code: '13579' });
			if (!r.session) throw new Error('no session');
		});
		emit('login.phone_code_migrated', migrated, 1000);
	} finally {
		await manager.close();
		await store.close();
		await sandbox.stop();
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

main().catch((error) => {
	process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exitCode = 1;
});
