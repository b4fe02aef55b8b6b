'use strict';
// One real n8n instance for a run: its own user folder, ports, encryption key and TMPDIR;
// CLI imports/activation while stopped, `n8n start` in its own process group, executions read
// back from its sqlite database.

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn, spawnSync } = require('node:child_process');
const { log, writeSecretFile, waitUntil, seconds } = require('./util');

const READY_LINE = 'Editor is now accessible';

/** Env that keeps n8n quiet, offline and confined to the run's own folders. */
function quietEnv({ userFolder, tmpDir, port, brokerPort, encryptionKey, major }) {
	const env = {
		N8N_USER_FOLDER: userFolder,
		TMPDIR: tmpDir,
		N8N_PORT: String(port),
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_ENCRYPTION_KEY: encryptionKey,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_AI_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
		N8N_RUNNERS_ENABLED: 'true',
		N8N_GIT_NODE_DISABLE_BARE_REPOS: 'true',
		DB_SQLITE_POOL_SIZE: '2',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		NODE_ENV: 'production',
	};
	if (major >= 2) {
		env.N8N_DISABLED_MODULES = 'mcp-registry';
		env.N8N_UNVERIFIED_PACKAGES_ENABLED = 'true';
	}
	return env;
}

class N8n {
	/**
	 * @param {{install: {dir, entry, nodeBin, version}, runDir: string, port: number,
	 *          brokerPort: number, env?: object, secrets?: string[]}} opts
	 */
	constructor(opts) {
		this.install = opts.install;
		this.major = Number(opts.install.version.split('.')[0]);
		this.runDir = opts.runDir;
		this.userFolder = path.join(opts.runDir, 'user');
		this.tmpDir = path.join(opts.runDir, 'tmp');
		this.port = opts.port;
		this.logFile = path.join(opts.runDir, 'n8n.log');
		this.secrets = opts.secrets || [];
		fs.mkdirSync(this.userFolder, { recursive: true });
		fs.mkdirSync(this.tmpDir, { recursive: true });
		this.env = {
			...baseEnv(),
			...quietEnv({
				userFolder: this.userFolder,
				tmpDir: this.tmpDir,
				port: opts.port,
				brokerPort: opts.brokerPort,
				encryptionKey: crypto.randomBytes(24).toString('hex'),
				major: this.major,
			}),
			...opts.env,
		};
		this.child = null;
	}

	get url() {
		return `http://127.0.0.1:${this.port}`;
	}

	get dbFile() {
		return path.join(this.userFolder, '.n8n', 'database.sqlite');
	}

	/** Replaces every known secret in text that may be shown to the user. */
	redact(text) {
		let out = text;
		for (const s of this.secrets) if (s && s.length >= 6) out = out.split(s).join('***');
		return out;
	}

	/** Runs an n8n CLI command to completion (n8n must be stopped for imports/activation). */
	cli(args, { timeoutMs = 120000 } = {}) {
		const res = spawnSync(this.install.nodeBin, [this.install.entry, ...args], {
			cwd: this.runDir,
			env: this.env,
			encoding: 'utf8',
			timeout: timeoutMs,
			killSignal: 'SIGKILL',
		});
		const output = `${res.stdout || ''}${res.stderr || ''}`;
		fs.appendFileSync(this.logFile, `\n$ n8n ${args[0]}\n${output}`);
		if (res.error || res.status !== 0) {
			const tail = this.redact(output.trim().split('\n').slice(-20).join('\n'));
			throw new Error(`n8n ${args[0]} failed (${res.error ? res.error.message : `exit ${res.status}`}):\n${tail}`);
		}
		return output;
	}

	/** Imports credentials (plain `data`, encrypted by n8n on import) via a 0600 file deleted at once. */
	importCredentials(credentials) {
		if (credentials.length === 0) return;
		const file = path.join(this.runDir, `credentials-${process.pid}.json`);
		writeSecretFile(file, JSON.stringify(credentials));
		try {
			this.cli(['import:credentials', `--input=${file}`]);
		} finally {
			fs.rmSync(file, { force: true });
		}
	}

	/** Imports workflow objects (each needs an `id` of at most 16 characters); returns their ids. */
	importWorkflows(workflows) {
		const dir = path.join(this.runDir, 'workflows-import');
		fs.rmSync(dir, { recursive: true, force: true });
		fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
		workflows.forEach((wf, i) => {
			if (!wf.id || wf.id.length > 16) throw new Error(`workflow "${wf.name}" needs an id of 1..16 characters`);
			writeSecretFile(path.join(dir, `${String(i).padStart(2, '0')}-${wf.id}.json`), JSON.stringify(wf));
		});
		try {
			this.cli(['import:workflow', '--separate', `--input=${dir}/`]);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
		return workflows.map((wf) => wf.id);
	}

	/** Marks workflows active so `n8n start` activates them (1.x update:workflow, 2.x publish:workflow). */
	activate(ids) {
		for (const id of ids) {
			if (this.major >= 2) this.cli(['publish:workflow', `--id=${id}`]);
			else this.cli(['update:workflow', `--id=${id}`, '--active=true']);
		}
	}

	/**
	 * Marks every imported workflow active. One CLI call on 1.x (each call boots n8n's CLI for
	 * ~4 s, so per-id activation of dozens of workflows takes minutes); 2.x publishes per id.
	 */
	activateAll(ids) {
		if (this.major >= 2) this.activate(ids);
		else this.cli(['update:workflow', '--all', '--active=true']);
	}

	/** Starts `n8n start` in its own process group; resolves with the startup time once the editor is up. */
	async start({ timeoutMs = 120000 } = {}) {
		if (this.child) throw new Error('n8n is already running');
		const t0 = Date.now();
		const out = fs.openSync(this.logFile, 'a');
		fs.writeSync(out, `\n$ n8n start\n`);
		const child = spawn(this.install.nodeBin, [this.install.entry, 'start'], {
			cwd: this.runDir,
			env: this.env,
			detached: true,
			stdio: ['ignore', out, out],
		});
		fs.closeSync(out);
		this.child = child;
		this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
		let exitInfo = null;
		void this.exited.then((info) => {
			exitInfo = info;
			if (this.child === child) this.child = null;
		});
		try {
			await waitUntil(() => {
				if (exitInfo) throw new Error(`n8n exited during startup (${exitInfo.code ?? exitInfo.signal}):\n${this.logTail(25)}`);
				return this.logSinceStart().includes(READY_LINE);
			}, { timeoutMs, intervalMs: 200, what: `"${READY_LINE}" from n8n` });
		} catch (err) {
			await this.stop();
			throw err;
		}
		return Date.now() - t0;
	}

	logSinceStart() {
		const text = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
		return text.slice(text.lastIndexOf('$ n8n start'));
	}

	/** The last lines of n8n's output, secrets redacted. */
	logTail(lines = 30) {
		const text = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
		return this.redact(text.trim().split('\n').slice(-lines).join('\n'));
	}

	/** Stops n8n: SIGTERM to its process group (n8n and its task runner), SIGKILL after a grace period. */
	async stop({ graceMs = 15000 } = {}) {
		const child = this.child;
		if (!child) return;
		const group = -child.pid;
		const kill = (sig) => {
			try {
				process.kill(group, sig);
			} catch {
				/* already gone */
			}
		};
		kill('SIGTERM');
		let timeout;
		const timer = new Promise((resolve) => {
			timeout = setTimeout(() => resolve('timeout'), graceMs);
		});
		const outcome = await Promise.race([this.exited, timer]);
		clearTimeout(timeout);
		if (outcome === 'timeout') {
			log(`n8n did not stop within ${seconds(graceMs)}: killing it`);
			kill('SIGKILL');
			await this.exited;
		}
		kill('SIGKILL'); // stragglers in the group (task runner) if any
		this.child = null;
	}

	/** Kills n8n and its task runner at once (SIGKILL to the process group): a crash, no shutdown. */
	async kill() {
		const child = this.child;
		if (!child) return;
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			/* already gone */
		}
		await this.exited;
		this.child = null;
	}

	/** GET a path of the running n8n; resolves {status, body}. */
	async http(pathname, init) {
		const res = await fetch(`${this.url}${pathname}`, init);
		return { status: res.status, body: await res.text() };
	}

	/**
	 * Executions from the database, oldest first: [{id, workflowId, status, finished, mode,
	 * startedAt, stoppedAt, waitTill, data?}] with `data` (the run data, parsed) when withData is set.
	 */
	async executions({ workflowId, withData = false } = {}) {
		if (!fs.existsSync(this.dbFile)) return [];
		const sqlite3 = require(path.join(require('./package').REPO, 'node_modules', 'sqlite3'));
		const db = await new Promise((resolve, reject) => {
			const d = new sqlite3.Database(this.dbFile, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(d)));
		});
		try {
			db.configure('busyTimeout', 5000);
			const where = workflowId ? 'WHERE e."workflowId" = ?' : '';
			const cols = withData ? ', d."data" AS data' : '';
			const join = withData ? 'LEFT JOIN execution_data d ON d."executionId" = e.id' : '';
			const rows = await new Promise((resolve, reject) => {
				db.all(
					`SELECT e.id, e."workflowId", e.status, e.finished, e.mode, e."startedAt", e."stoppedAt", e."waitTill"${cols}
					 FROM execution_entity e ${join} ${where} ORDER BY e.id`,
					workflowId ? [workflowId] : [],
					(err, r) => (err ? reject(err) : resolve(r)),
				);
			});
			if (withData) {
				const flatted = require(path.join(this.install.dir, 'node_modules', 'flatted'));
				for (const row of rows) row.data = row.data ? flatted.parse(row.data) : null;
			}
			return rows;
		} finally {
			await new Promise((resolve) => db.close(() => resolve()));
		}
	}
}

/** The parent's env minus anything that would leak npm's or a parent n8n's settings into n8n. */
function baseEnv() {
	const env = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (k.startsWith('N8N_') || k.startsWith('npm_') || k.startsWith('DB_') || k === 'NODE_OPTIONS') continue;
		env[k] = v;
	}
	return env;
}

/** Output of a node in an execution's run data: items' json of the first output of its last run. */
function nodeOutput(execution, nodeName, outputIndex = 0) {
	const runs = execution.data?.resultData?.runData?.[nodeName];
	if (!runs || runs.length === 0) return null;
	const main = runs[runs.length - 1].data?.main?.[outputIndex] || [];
	return main.map((item) => item.json);
}

module.exports = { N8n, nodeOutput, quietEnv, READY_LINE };
