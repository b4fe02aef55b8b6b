/**
 * A child process for the cross-process claim tests (helpers/claimers.ts). Arguments: a store
 * target (a sqlite path or a postgres:// URL; "{round}" in it is replaced by the round number, so
 * each round can open a new sqlite file), the schema ("-": none), how many units, rounds, and
 * store instances in this process. For each round it prints "ready <round>", waits for
 * "go <round>" on stdin (so all siblings open and claim at the same moment, opening a new file
 * races too), opens its instances, claims units 0..n-1 of one op through them (claimPurchase and
 * ledgerStep alternately, all at once), closes them and prints {"round", "granted"} as JSON.
 * Loads the TypeScript sources directly (test/support/ts-require.js), so no build is needed.
 */
'use strict';
const path = require('node:path');
const readline = require('node:readline');
require('../../../support/ts-require');

const { openStoreAt } = require(path.join(__dirname, '..', '..', '..', '..', 'src', 'store', 'index.ts'));

const [target, schemaArg, unitsArg, roundsArg, instancesArg] = process.argv.slice(2);
const schema = schemaArg === '-' ? undefined : schemaArg;
const units = Number(unitsArg);
const rounds = Number(roundsArg);
const instances = Number(instancesArg);

const lines = readline.createInterface({ input: process.stdin });
const waiting = [];
const received = [];
lines.on('line', (line) => (waiting.length ? waiting.shift()(line) : received.push(line)));
const nextLine = () => (received.length ? Promise.resolve(received.shift()) : new Promise((resolve) => waiting.push(resolve)));

async function main() {
	for (let round = 0; round < rounds; round += 1) {
		process.stdout.write(`ready ${round}\n`);
		const line = await nextLine();
		if (line !== `go ${round}`) throw new Error(`expected "go ${round}", got "${line}"`);
		const where = target.split('{round}').join(String(round));
		const stores = await Promise.all(Array.from({ length: instances }, () => openStoreAt(where, schema ? { schema } : {})));
		const granted = [];
		await Promise.all(
			Array.from({ length: units }, (_, i) => {
				const entry = { opKey: `race-${round}`, unitIndex: i, accountId: String(process.pid), recipient: 'me', giftId: '1', price: 1, atMs: Date.now() };
				const store = stores[i % instances];
				const claim = i % 2 === 0 ? store.claimPurchase(entry) : store.ledgerStep({ claim: entry });
				return claim.then((result) => {
					if (result.claimed) granted.push(i);
				});
			}),
		);
		await Promise.all(stores.map((s) => s.close()));
		process.stdout.write(`${JSON.stringify({ round, granted })}\n`);
	}
	lines.close();
}

main().catch((error) => {
	process.stderr.write(`claimer failed: ${error && error.message ? error.message : String(error)}\n`);
	process.exit(2);
});
