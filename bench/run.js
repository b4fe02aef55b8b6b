#!/usr/bin/env node
'use strict';
/**
 * `npm run bench [-- name...]`: runs the named benches (all when none is named) and prints one
 * JSON line per figure: {"bench","value","unit","target","ok",...context}. Always exits 0 — a
 * bench that misses its target says so in "ok"; one that crashes prints an {"error"} line.
 *
 * The registry: one line per bench. Either a module exporting `async run(emit)` (emit(figure)
 * prints one figure), or a standalone script that prints its own JSON lines (run as a child
 * process, output passed through). Benches require the built package (dist/, or BENCH_BUILD_DIR),
 * which `npm run bench` builds first.
 */
const path = require('node:path');
const { spawn } = require('node:child_process');

const BENCHES = {
	plan: { module: './plan' },
	login: { script: 'login.js' },
	detection: { module: './detection' },
	buying: { module: './buying' },
	flood: { module: './flood' },
	soak: { script: 'soak.js' },
	reconnect: { module: './reconnect' },
	reaction: { module: './reaction' },
	auction: { module: './auction' },
	recipients: { module: './recipients' },
	watchers: { script: 'watchers.js' },
	transports: { module: './transports' },
	resale: { module: './resale' },
	queue: { module: './queue' },
};

function runScript(file, emit, name) {
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [path.join(__dirname, file)], { stdio: ['ignore', 'inherit', 'inherit'] });
		child.on('error', (error) => {
			emit({ bench: name, error: error.message });
			resolve();
		});
		child.on('exit', (code, signal) => {
			if (code !== 0) emit({ bench: name, error: `exited with ${signal ?? code}` });
			resolve();
		});
	});
}

async function main() {
	const names = process.argv.slice(2);
	const selected = names.length > 0 ? names : Object.keys(BENCHES);
	const emit = (figure) => process.stdout.write(JSON.stringify(figure) + '\n');
	for (const name of selected) {
		const entry = BENCHES[name];
		if (!entry) {
			emit({ bench: name, error: `unknown bench (known: ${Object.keys(BENCHES).join(', ')})` });
			continue;
		}
		try {
			if (entry.script) await runScript(entry.script, emit, name);
			else await require(entry.module).run(emit);
		} catch (error) {
			emit({ bench: name, error: error instanceof Error ? error.message : String(error) });
		}
	}
}

main().finally(() => {
	process.exitCode = 0;
});
