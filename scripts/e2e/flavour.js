'use strict';
// Which n8n a run uses: `--n8n 1` (default: n8n 1.123.50 on this Node) or `--n8n 2` (n8n 2.40.7
// under a cached Node 24, PRODUCT.md's recipe). Shared by the e2e runner and the screenshots.

/** `--n8n 2`: n8n 2.40.7 under a cached Node 24 (PRODUCT.md recipe); default: n8n 1.123.50 on this Node. */
function n8nFlavour(major) {
	if (major === undefined || major === '1') return {};
	if (major !== '2') throw new Error('--n8n must be 1 or 2');
	const { ensureNode24 } = require('./node24');
	const node = ensureNode24();
	return {
		version: '2.40.7',
		nodeBin: node.nodeBin,
		abi: node.abi,
		ignoreScripts: true,
		rebuild: ['sqlite3', 'isolated-vm'],
		installEnv: { npm_config_nodedir: node.nodeDir },
	};
}

module.exports = { n8nFlavour };
