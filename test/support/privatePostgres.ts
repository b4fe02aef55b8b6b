/**
 * A PostgreSQL cluster of a test's own, to stop and start at will: the machine's shared server
 * (127.0.0.1:5432) must never be restarted, so a test that needs a real server restart makes one
 * with initdb from /usr/lib/postgresql/<version>/bin (the highest version installed) in a temp
 * dir, listening on a free port on 127.0.0.1 only, its socket in that dir, trust auth for user
 * postgres. initdb and postgres refuse to run as root: as root, they run as the `postgres` OS user
 * (runuser) and the dir is handed to it.
 *
 * Missing binaries are an error naming what was looked for, never a skip: CI runs where
 * PostgreSQL is installed, and a restart test CI silently skips proves nothing.
 */
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_LIB = '/usr/lib/postgresql';

/** The bin dir of the highest PostgreSQL version under `lib` (/usr/lib/postgresql) that has initdb, pg_ctl and postgres. */
export function postgresBinDir(lib = PG_LIB): string {
	const versions = existsSync(lib)
		? readdirSync(lib)
				.filter((name) => /^\d+(\.\d+)?$/.test(name))
				.filter((name) => ['initdb', 'pg_ctl', 'postgres'].every((tool) => existsSync(join(lib, name, 'bin', tool))))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (versions.length === 0) {
		throw new Error(
			`No PostgreSQL server binaries found: expected ${lib}/<version>/bin/{initdb,pg_ctl,postgres} (Debian/Ubuntu package postgresql). ` +
				'A private cluster is needed to restart PostgreSQL without touching the shared server.',
		);
	}
	return join(lib, versions[0], 'bin');
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const address = srv.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			srv.close(() => resolve(port));
		});
	});
}

/** The uid/gid of the `postgres` OS user, read from /etc/passwd (no shell-out). */
function postgresUser(): { uid: number; gid: number } {
	const line = readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find((l) => l.startsWith('postgres:'));
	const fields = line?.split(':');
	if (!fields || fields.length < 4) throw new Error('Running as root, but there is no `postgres` OS user to run initdb/postgres as (they refuse root)');
	return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

const asRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export class PrivatePostgres {
	/** Whether the server is up as far as this object knows (started and not stopped since). */
	private running = false;

	private constructor(
		readonly dir: string,
		readonly port: number,
		private readonly bin: string,
	) {}

	/** initdb in a new temp dir and start the server; on any failure the dir is removed again. */
	static async start(): Promise<PrivatePostgres> {
		const bin = postgresBinDir();
		const dir = mkdtempSync(join(tmpdir(), 'tg-private-pg-'));
		const cluster = new PrivatePostgres(dir, await freePort(), bin);
		try {
			if (asRoot()) {
				const { uid, gid } = postgresUser();
				chownSync(dir, uid, gid);
			}
			await cluster.run('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
			await cluster.startServer();
			return cluster;
		} catch (error) {
			await cluster.destroy();
			// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- a test helper, no node here
			throw error;
		}
	}

	get dataDir(): string {
		return join(this.dir, 'data');
	}

	/** A connection URL for `database` (default postgres) over TCP on 127.0.0.1. */
	url(database = 'postgres'): string {
		return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
	}

	/** `pg_ctl stop -m immediate`: every backend is killed at once, as in a server crash (recovery at the next start). */
	async stop(): Promise<void> {
		await this.run('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'immediate', '-w']);
		this.running = false;
	}

	/** Starts the server again on the same dir and port; returns when it accepts connections. */
	async startAgain(): Promise<void> {
		await this.startServer();
	}

	/** Whether the server was left running (a failed test may have left it stopped). */
	get isRunning(): boolean {
		return this.running;
	}

	/** Stops the server (if running) and removes its dir. Safe to call more than once. */
	async destroy(): Promise<void> {
		if (this.running || existsSync(join(this.dataDir, 'postmaster.pid'))) {
			await this.run('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'immediate', '-w']).catch(() => undefined);
			this.running = false;
		}
		rmSync(this.dir, { recursive: true, force: true });
	}

	private async startServer(): Promise<void> {
		const options = [
			`-p ${this.port}`,
			'-c listen_addresses=127.0.0.1',
			`-c unix_socket_directories=${this.dir}`,
			'-c fsync=off',
			'-c full_page_writes=off',
			'-c shared_buffers=16MB',
			'-c max_connections=40',
		].join(' ');
		await this.run('pg_ctl', ['start', '-D', this.dataDir, '-o', options, '-l', join(this.dir, 'server.log'), '-w', '-t', '60']);
		this.running = true;
	}

	private command(tool: string, args: string[]): [string, string[]] {
		const path = join(this.bin, tool);
		return asRoot() ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
	}

	/** Runs a PostgreSQL tool without blocking the event loop (the sandbox serving Telegram runs in this process too). */
	private run(tool: string, args: string[]): Promise<void> {
		const [command, argv] = this.command(tool, args);
		return new Promise((resolve, reject) => {
			// cwd: the cluster's own dir, which the postgres user can always enter (the checkout may be private to root).
			// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- a test: a PostgreSQL cluster of its own to restart
			const child = spawn(command, argv, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
			let output = '';
			child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
			child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
			const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
			child.on('error', (error) => {
				clearTimeout(timer);
				reject(new Error(`${tool} ${args[0]} could not run: ${error.message}`));
			});
			child.on('close', (code) => {
				clearTimeout(timer);
				if (code === 0) return resolve();
				const logPath = join(this.dir, 'server.log');
				const log = existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-800) : '';
				reject(new Error(`${tool} ${args[0]} failed (exit ${String(code)}): ${output.slice(-800)}${log ? `\nserver log: ${log}` : ''}`));
			});
		});
	}
}
