/**
 * Loads the sqlite3 native module when the store is first opened, not when a node file is imported.
 *
 * Why: n8n's Community Nodes installer runs `npm install --ignore-scripts`, so our own sqlite3
 * may have no compiled binding. A top-level import would then make every node of the package fail
 * to load. Loaded lazily, only the store fails — and before failing we try the host application's
 * sqlite3 (n8n ships one, built for the very Node that runs it).
 */
import { dirname } from 'node:path';
import type sqlite3 from 'sqlite3';

export type Sqlite3Module = typeof sqlite3;

let loaded: Sqlite3Module | undefined;

export class Sqlite3UnavailableError extends Error {}

/** The directories to look for the host application's sqlite3 (n8n's own, when we run inside it). */
function hostSearchPaths(): string[] {
	const entry = require.main?.filename ?? process.argv[1];
	return entry ? [dirname(entry)] : [];
}

export function loadSqlite3(): Sqlite3Module {
	if (loaded) return loaded;
	let ownError: unknown;
	try {
		// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use on purpose (see top)
		loaded = require('sqlite3') as Sqlite3Module;
		return loaded;
	} catch (error) {
		ownError = error;
	}
	try {
		const hostPath = require.resolve('sqlite3', { paths: hostSearchPaths() });
		// eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only at run time
		loaded = require(hostPath) as Sqlite3Module;
		return loaded;
	} catch {
		const reason = ownError instanceof Error ? ownError.message.split('\n')[0] : String(ownError);
		// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- no node here: the nodes wrap store errors
		throw new Sqlite3UnavailableError(
			'The gift store needs the sqlite3 native module, which could not be loaded ' +
				`(${reason}). Run "npm rebuild sqlite3" in the folder where n8n-nodes-telegram-gifts is installed ` +
				'(e.g. ~/.n8n/nodes), then restart n8n.',
		);
	}
}
