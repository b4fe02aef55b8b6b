#!/usr/bin/env node
'use strict';
// The npm registry reachable from our machines serves only the Linux builds of some packages'
// per-platform optional bindings (e.g. @unrs/resolver-binding-darwin-arm64, pulled in by the
// n8n lint tooling). `npm install` then writes a lock without entries for the others, and
// `npm ci` refuses that lock ("Missing: … from lock file"). This adds, for every such optional
// dependency, a lock entry carrying only its version and platform (os/cpu/libc), which is all
// `npm ci` needs to skip it on a machine it does not fit. Run after changing dependencies:
//   node scripts/lock-platform-bindings.js && npm ci --dry-run
const fs = require('node:fs');
const path = require('node:path');

const lockPath = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));

/** os/cpu/libc from a binding's name suffix, e.g. "linux-arm64-musl", "win32-x64-msvc". */
function platformOf(suffix) {
	const [os, arch, abi] = suffix.split('-');
	const cpu = arch === 'arm' ? 'arm' : arch;
	const entry = { os: [os === 'openharmony' ? 'openharmony' : os], cpu: [cpu] };
	if (os === 'linux' && abi) entry.libc = [abi.startsWith('musl') ? 'musl' : 'glibc'];
	return entry;
}

let added = 0;
for (const [where, pkg] of Object.entries(lock.packages)) {
	for (const [name, range] of Object.entries(pkg.optionalDependencies ?? {})) {
		const match = /^@unrs\/resolver-binding-(.+)$/.exec(name);
		if (!match || match[1].startsWith('wasm')) continue;
		const base = where === '' ? 'node_modules/' : `${where}/node_modules/`;
		if (lock.packages[`${base}${name}`] || lock.packages[`node_modules/${name}`]) continue;
		lock.packages[`node_modules/${name}`] = { version: range.replace(/^[\^~]/, ''), ...platformOf(match[1]), dev: true, optional: true };
		added++;
	}
}
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
process.stdout.write(`added ${added} platform binding entries\n`);
