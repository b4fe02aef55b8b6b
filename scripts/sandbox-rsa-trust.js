'use strict';
/**
 * Makes teleproto trust the RSA key of one sandbox run, for tests and the e2e n8n process only
 * (never shipped: `files` in package.json holds dist/ alone, and nothing under src/ loads this).
 *
 * Why: a client that follows a data-center migration or opens a file DC creates a new auth key
 * there (core.telegram.org/mtproto/auth_key), encrypting to an RSA key it already knows by
 * fingerprint. teleproto knows Telegram's keys only (teleproto/crypto/RSA `_serverKeys`, a Map from
 * the signed 64-bit fingerprint in decimal to { n, e }); the sandbox generates its own key at every
 * start. See docs/decisions.md, "The sandbox's RSA key".
 *
 * Use: `trustSandboxRsaKey(sandbox.credentials.rsaPublicKey)` in a test, or as a preload:
 * `node --require scripts/sandbox-rsa-trust.js` with SANDBOX_RSA_KEY set to that key's JSON and
 * (optionally) SANDBOX_TELEPROTO_FROM naming a directory whose teleproto is the one to patch.
 */
const path = require('node:path');

/**
 * @param {{ fingerprint: string, n: string, e: number }} key
 * @param {string} [from] directory to resolve teleproto from (default: this package's)
 */
function trustSandboxRsaKey(key, from) {
	if (!key || typeof key.fingerprint !== 'string' || typeof key.n !== 'string' || typeof key.e !== 'number') {
		throw new Error('trustSandboxRsaKey: expected { fingerprint, n, e } (a sandbox\'s credentials.rsaPublicKey)');
	}
	const paths = from ? [from] : [__dirname];
	const rsaPath = require.resolve('teleproto/crypto/RSA', { paths });
	const bigInt = require(require.resolve('big-integer', { paths: [path.dirname(rsaPath)] }));
	require(rsaPath)._serverKeys.set(key.fingerprint, { n: bigInt(key.n), e: key.e });
}

if (process.env.SANDBOX_RSA_KEY) {
	trustSandboxRsaKey(JSON.parse(process.env.SANDBOX_RSA_KEY), process.env.SANDBOX_TELEPROTO_FROM || undefined);
}

module.exports = { trustSandboxRsaKey };
