'use strict';
// Installs a pinned n8n once into a per-user cache (outside the repo), keyed by n8n version and
// the Node ABI, so every e2e run and `npm start` reuse the same 1.7 GB tree.
// Safe against half-finished installs: the tree is built in a scratch dir next to the final one,
// renamed into place, and the marker file is written last. Concurrent callers serialise on flock.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const N8N_1 = '1.123.50';
const MARKER = '.installed.json';

function log(msg) {
	process.stderr.write(`[e2e] ${msg}\n`);
}

function cacheRoot() {
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(base, 'n8n-nodes-telegram-gifts');
}

/**
 * @param {{version?: string, nodeBin?: string, abi?: string, env?: object,
 *          overrides?: object, allowScripts?: object}} [opts]
 */
function cacheDirFor(version, abi) {
	return path.join(cacheRoot(), `n8n-${version}-abi${abi}`);
}

function readMarker(dir) {
	try {
		return JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8'));
	} catch {
		return null;
	}
}

function run(cmd, args, opts) {
	const res = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
	if (res.error) throw res.error;
	if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${res.status}`);
}

/** Returns the n8n entry script inside an installed cache dir. */
function n8nEntry(dir) {
	return path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
}

/**
 * Ensures n8n@version is installed in the cache; returns {dir, entry, nodeBin, version, installMs}.
 * installMs is 0 when the cache was already complete.
 */
function ensureN8n(opts = {}) {
	const version = opts.version || N8N_1;
	const nodeBin = opts.nodeBin || process.execPath;
	const abi = opts.abi || process.versions.modules;
	const dir = cacheDirFor(version, abi);
	const marker = readMarker(dir);
	if (marker && fs.existsSync(n8nEntry(dir))) {
		return { dir, entry: n8nEntry(dir), nodeBin, version, installMs: 0 };
	}
	fs.mkdirSync(cacheRoot(), { recursive: true });
	// Serialise with other installers (another e2e run, npm start) on the same cache dir.
	const lock = `${dir}.lock`;
	const started = Date.now();
	const args = [
		lock,
		process.execPath,
		__filename,
		'--locked-install',
		JSON.stringify({ version, nodeBin, abi, env: opts.env || {}, rebuild: opts.rebuild || [],
			ignoreScripts: !!opts.ignoreScripts, allowScripts: opts.allowScripts }),
	];
	run('flock', args, { env: process.env });
	if (!readMarker(dir)) throw new Error(`n8n install into ${dir} did not complete`);
	const installMs = Date.now() - started;
	return { dir, entry: n8nEntry(dir), nodeBin, version, installMs };
}

function lockedInstall(spec) {
	const { version, nodeBin, abi } = spec;
	const dir = cacheDirFor(version, abi);
	if (readMarker(dir)) return; // someone else finished while we waited for the lock
	const scratch = `${dir}.partial`;
	fs.rmSync(scratch, { recursive: true, force: true });
	fs.rmSync(dir, { recursive: true, force: true });
	fs.mkdirSync(scratch, { recursive: true });
	const pkg = {
		name: 'n8n-e2e-cache',
		private: true,
		description: 'n8n installed for the n8n-nodes-telegram-gifts e2e harness',
		dependencies: { n8n: version },
		// n8n-nodes-base pins xlsx to a CDN tarball that is unreachable here; the registry copy works.
		overrides: { xlsx: '0.18.5' },
		// sqlite3 is n8n's database driver and must compile; other native extras stay at npm's default.
		allowScripts: spec.allowScripts || { sqlite3: true },
	};
	fs.writeFileSync(path.join(scratch, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
	const env = { ...process.env, ...spec.env };
	const t0 = Date.now();
	log(`installing n8n@${version} into ${dir} (one-time, several minutes)...`);
	const npmArgs = ['install', '--no-audit', '--no-fund', '--loglevel=error'];
	if (spec.ignoreScripts) npmArgs.push('--ignore-scripts');
	run('npm', npmArgs, { cwd: scratch, env });
	for (const name of spec.rebuild) {
		log(`rebuilding ${name}...`);
		run('npm', ['rebuild', name, '--loglevel=error'], { cwd: scratch, env });
	}
	// Prove the native database driver loads under the Node that will run n8n.
	run(nodeBin, ['-e', "require('sqlite3'); require('n8n/package.json')"], { cwd: scratch, env });
	fs.renameSync(scratch, dir);
	const installMs = Date.now() - t0;
	fs.writeFileSync(
		path.join(dir, MARKER),
		`${JSON.stringify({ version, abi, node: process.version, installMs, at: new Date().toISOString() })}\n`,
	);
	log(`n8n@${version} installed in ${(installMs / 1000).toFixed(1)} s`);
}

if (require.main === module) {
	if (process.argv[2] === '--locked-install') {
		try {
			lockedInstall(JSON.parse(process.argv[3]));
		} catch (err) {
			log(`n8n install failed: ${err.message}`);
			process.exit(1);
		}
	} else {
		const res = ensureN8n({ version: process.argv[2] });
		process.stdout.write(`${JSON.stringify(res)}\n`);
	}
}

module.exports = { ensureN8n, cacheDirFor, cacheRoot, n8nEntry, N8N_1 };
