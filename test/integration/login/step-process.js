'use strict';
/**
 * One login step in a process of its own, the way an n8n worker runs one Session operation:
 * opens the package's store at argv[2] (a sqlite path or a postgres:// URL), makes a new
 * LoginManager on it, runs the method argv[3] with the JSON input argv[4], closes the store and
 * prints {"ok": result} or {"error": {code, message}} as one JSON line. Run with
 * `--require scripts/sandbox-rsa-trust.js` (SANDBOX_RSA_KEY) so migrations to another sandbox DC
 * can make their auth keys.
 */
const path = require('node:path');
require('../../support/ts-require');

const root = path.join(__dirname, '..', '..', '..');
const { openStoreAt } = require(path.join(root, 'src', 'store', 'index.ts'));
const { LoginManager } = require(path.join(root, 'src', 'telegram', 'login.ts'));

async function main() {
	const [target, method, inputJson] = process.argv.slice(2);
	const store = await openStoreAt(target);
	try {
		const manager = new LoginManager({ vault: store, callDeadlineMs: 8000 });
		try {
			const result = await manager[method](JSON.parse(inputJson));
			process.stdout.write(`${JSON.stringify({ ok: result })}\n`);
		} catch (error) {
			process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
		}
	} finally {
		await store.close();
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
		process.exit(1);
	},
);
