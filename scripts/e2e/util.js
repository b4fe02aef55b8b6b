'use strict';
// Small helpers shared by the e2e harness and the `npm start` demo.

const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

let logTag = '[e2e] ';
/** What each log line starts with: `[e2e] ` for the harness; the demo sets its own (or none). */
function setLogTag(tag) {
	logTag = tag ? `${tag} ` : '';
}

function log(msg) {
	process.stderr.write(`${logTag}${msg}\n`);
}

function seconds(ms) {
	return `${(ms / 1000).toFixed(1)} s`;
}

/** A free loopback port (bound then released: the window for a clash is tiny and harmless here). */
function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

/** A private per-run scratch dir (mode 0700) that holds everything of one run, secrets included. */
function makeRunDir(prefix = 'tg-gifts-e2e-') {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	fs.chmodSync(dir, 0o700);
	return dir;
}

/** Writes a file readable only by us (credentials carry session strings and tokens). */
function writeSecretFile(file, content) {
	fs.writeFileSync(file, content, { mode: 0o600 });
	fs.chmodSync(file, 0o600);
}

function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
async function waitUntil(check, { timeoutMs, intervalMs = 250, what }) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${seconds(timeoutMs)} waiting for ${what}`);
		await sleep(intervalMs);
	}
}

/**
 * Cleanup stack run once, in reverse order, on normal end, on error, and on SIGINT/SIGTERM.
 * Returns {add(fn), run()}; a signal runs the stack then exits 130/143.
 */
function cleanupStack() {
	const fns = [];
	let running = null;
	const run = () => {
		if (!running) {
			process.off('SIGINT', onSignal);
			process.off('SIGTERM', onSignal);
			running = (async () => {
				while (fns.length) {
					const fn = fns.pop();
					try {
						await fn();
					} catch (err) {
						log(`cleanup step failed: ${err.message}`);
					}
				}
			})();
		}
		return running;
	};
	function onSignal(sig) {
		log(`${sig}: stopping everything...`);
		void run().then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
	}
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	return {
		add(fn) {
			fns.push(fn);
		},
		run,
	};
}

module.exports = { log, setLogTag, seconds, freePort, makeRunDir, writeSecretFile, sleep, waitUntil, cleanupStack };
