'use strict';
// n8n in queue mode for `npm run e2e -- --queue`: a main (`n8n start`: editor, triggers), two
// workers (`n8n worker`: executions) and a webhook processor (`n8n webhook`: production webhooks),
// all on this machine's PostgreSQL (a database of the run's own, dropped afterwards) and Redis
// (a Bull prefix of the run's own, its keys deleted afterwards). Same user folder, encryption
// key and package for every process, as n8n's queue mode requires.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');
const { N8n } = require('./n8n');
const { REPO } = require('./package');
const { freePort, log, waitUntil, seconds } = require('./util');

const PG = { host: process.env.E2E_PG_HOST || '127.0.0.1', port: Number(process.env.E2E_PG_PORT || 5432), user: process.env.E2E_PG_USER || 'postgres', password: process.env.E2E_PG_PASSWORD || undefined };
const REDIS = { host: process.env.E2E_REDIS_HOST || '127.0.0.1', port: Number(process.env.E2E_REDIS_PORT || 6379) };

const READY = { worker: /n8n worker is now ready|Worker started|is now ready/i, webhook: /Webhook listener waiting for requests/i };

function repoRequire(name) {
	return require(path.join(REPO, 'node_modules', name));
}

/** Creates the run's PostgreSQL database; returns its name and a function that drops it. */
async function createDatabase(tag) {
	const { Client } = repoRequire('pg');
	const name = `tg_gifts_e2e_${tag}`;
	const admin = new Client({ ...PG, database: 'postgres' });
	await admin.connect();
	try {
		await admin.query(`CREATE DATABASE ${name}`);
	} finally {
		await admin.end();
	}
	const drop = async () => {
		const c = new Client({ ...PG, database: 'postgres' });
		await c.connect();
		try {
			await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
		} finally {
			await c.end();
		}
	};
	return { name, drop };
}

/** Deletes every Redis key under the run's prefix. */
async function dropRedisPrefix(prefix) {
	const Redis = repoRequire('ioredis');
	const r = new Redis({ ...REDIS, lazyConnect: true });
	await r.connect();
	try {
		let cursor = '0';
		do {
			const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
			cursor = next;
			if (keys.length) await r.del(...keys);
		} while (cursor !== '0');
	} finally {
		r.disconnect();
	}
}

/** A queue-mode cluster that looks like one N8n to the cases (start/stop/cli/executions/url). */
class QueueN8n extends N8n {
	constructor(opts) {
		super(opts);
		this.queue = opts.queue;
		this.webhookPort = opts.webhookPort;
		this.workerCount = opts.workers ?? 2;
		this.extra = [];
		this.env = {
			...this.env,
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: PG.host,
			DB_POSTGRESDB_PORT: String(PG.port),
			DB_POSTGRESDB_DATABASE: opts.queue.database,
			DB_POSTGRESDB_USER: PG.user,
			...(PG.password ? { DB_POSTGRESDB_PASSWORD: PG.password } : {}),
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: REDIS.host,
			QUEUE_BULL_REDIS_PORT: String(REDIS.port),
			QUEUE_BULL_PREFIX: opts.queue.prefix,
			// Production webhooks go to the webhook processor only (the main keeps the editor and triggers).
			N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true',
			WEBHOOK_URL: `http://127.0.0.1:${opts.webhookPort}/`,
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			QUEUE_HEALTH_CHECK_ACTIVE: 'false',
		};
		this.secrets.push(crypto.createHash('sha256').update(opts.queue.prefix).digest('hex'));
	}

	/** Where production webhooks are served: the webhook processor. */
	get hookUrl() {
		return `http://127.0.0.1:${this.webhookPort}`;
	}

	/** Starts main, then the workers and the webhook processor; resolves once all are ready. */
	async start(options = {}) {
		const t0 = Date.now();
		await super.start(options);
		try {
			const starts = [];
			for (let i = 1; i <= this.workerCount; i++) starts.push(this.spawnRole(`worker-${i}`, ['worker', '--concurrency=5'], READY.worker));
			starts.push(this.spawnRole('webhook', ['webhook'], READY.webhook, { N8N_PORT: String(this.webhookPort) }));
			await Promise.all(starts);
		} catch (err) {
			await this.stop();
			throw err;
		}
		log(`queue mode: main + ${this.workerCount} workers + webhook processor up in ${seconds(Date.now() - t0)} (PostgreSQL ${this.queue.database}, Redis prefix ${this.queue.prefix})`);
		return Date.now() - t0;
	}

	async spawnRole(role, args, ready, env = {}) {
		const logFile = path.join(this.runDir, `n8n-${role}.log`);
		const out = fs.openSync(logFile, 'a');
		const brokerPort = await freePort();
		const child = spawn(this.install.nodeBin, [this.install.entry, ...args], {
			cwd: this.runDir,
			env: { ...this.env, N8N_RUNNERS_BROKER_PORT: String(brokerPort), ...env },
			detached: true,
			stdio: ['ignore', out, out],
		});
		fs.closeSync(out);
		const entry = { role, child, logFile, exited: null, exitInfo: null };
		entry.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
			entry.exitInfo = { code, signal };
			resolve(entry.exitInfo);
		}));
		this.extra.push(entry);
		await waitUntil(() => {
			if (entry.exitInfo) throw new Error(`n8n ${role} exited during startup (${entry.exitInfo.code ?? entry.exitInfo.signal}):\n${this.redact(tail(logFile, 25))}`);
			return ready.test(fs.readFileSync(logFile, 'utf8'));
		}, { timeoutMs: 120000, intervalMs: 200, what: `n8n ${role} to be ready` });
		return entry;
	}

	/** The processes of the cluster besides the main: [{role, child, logFile}]. */
	get processes() {
		return this.extra.filter((e) => !e.exitInfo);
	}

	/** kill -9 one process group (a worker, the webhook processor). */
	async killRole(role) {
		const entry = this.extra.find((e) => e.role === role && !e.exitInfo);
		if (!entry) throw new Error(`no running ${role}`);
		try {
			process.kill(-entry.child.pid, 'SIGKILL');
		} catch {
			/* gone */
		}
		await entry.exited;
	}

	logOf(role) {
		const entry = this.extra.find((e) => e.role === role);
		return entry ? this.redact(fs.readFileSync(entry.logFile, 'utf8')) : '';
	}

	logTail(lines = 30) {
		const parts = [super.logTail(lines)];
		for (const e of this.extra) parts.push(`--- ${e.role}:\n${this.redact(tail(e.logFile, Math.ceil(lines / 2)))}`);
		return parts.join('\n');
	}

	async stop(options = {}) {
		await Promise.all(this.extra.map(async (e) => {
			if (e.exitInfo) return;
			try {
				process.kill(-e.child.pid, 'SIGTERM');
			} catch {
				return;
			}
			const timer = setTimeout(() => {
				try {
					process.kill(-e.child.pid, 'SIGKILL');
				} catch {
					/* gone */
				}
			}, 15000);
			await e.exited;
			clearTimeout(timer);
		}));
		this.extra = [];
		await super.stop(options);
	}

	async kill() {
		for (const e of this.extra) {
			try {
				process.kill(-e.child.pid, 'SIGKILL');
			} catch {
				/* gone */
			}
		}
		await Promise.all(this.extra.map((e) => e.exited));
		this.extra = [];
		await super.kill();
	}

	/** Executions from n8n's PostgreSQL database (same shape as N8n.executions). */
	async executions({ workflowId, withData = false } = {}) {
		const { Client } = repoRequire('pg');
		const c = new Client({ ...PG, database: this.queue.database });
		await c.connect();
		try {
			const where = workflowId ? 'WHERE e."workflowId" = $1' : '';
			const cols = withData ? ', d."data" AS data' : '';
			const join = withData ? 'LEFT JOIN execution_data d ON d."executionId" = e.id' : '';
			const { rows } = await c.query(
				`SELECT e.id, e."workflowId", e.status, e.finished, e.mode, e."startedAt", e."stoppedAt", e."waitTill"${cols}
				 FROM execution_entity e ${join} ${where} ORDER BY e.id`,
				workflowId ? [workflowId] : [],
			);
			if (withData) {
				const flatted = require(path.join(this.install.dir, 'node_modules', 'flatted'));
				for (const row of rows) row.data = row.data ? flatted.parse(row.data) : null;
			}
			return rows;
		} catch (err) {
			if (/does not exist/.test(err.message)) return [];
			throw err;
		} finally {
			await c.end();
		}
	}
}

/**
 * What queue mode must show on a finished run: every session had at most one MTProto connection
 * open at any time (the sandbox counts them per account), and the executions ran on the workers
 * (their logs name them), not on the main.
 */
function queueProof(run, record) {
	const maxOpen = record.connections.maxOpenByAccount || {};
	for (const [account, open] of Object.entries(maxOpen)) {
		assert.ok(open <= 1, `queue mode: account ${account} had ${open} MTProto connections open at once (one owner per session)`);
	}
	const workerRuns = run.n8n.extra.filter((e) => e.role.startsWith('worker-')).map((e) => ({ role: e.role, executions: (run.n8n.logOf(e.role).match(/Worker (?:started|finished) execution/g) || []).length }));
	return { maxOpenByAccount: maxOpen, connectionsByAccount: record.connections.byAccount, workerRuns };
}

function tail(file, lines) {
	const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
	return text.trim().split('\n').slice(-lines).join('\n');
}

/** The database and Redis prefix of one queue-mode run, removed by the cleanup stack. */
async function prepareQueue(cleanup) {
	const tag = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
	const db = await createDatabase(tag);
	const prefix = `tge2e${tag}`;
	cleanup.add(async () => {
		await dropRedisPrefix(prefix);
		await db.drop();
	});
	return { database: db.name, prefix, webhookPort: await freePort() };
}

module.exports = { QueueN8n, prepareQueue, queueProof, dropRedisPrefix, PG, REDIS };
