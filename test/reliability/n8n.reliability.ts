/**
 * The fault matrix, stage 2: the same cases (faultCases.ts) through a real n8n 1.123.50 started
 * by the e2e harness with the package packed and installed as users get it. Every case has its
 * own sandbox world (own sessions, api_hash) and two imported workflows bound to its own
 * credentials: Webhook → Get Catalog → Plan → Buy → Send Report, and Webhook → Split Out → Buy →
 * Send Report (the re-run of plan items). Executions are read back from n8n's database. Then:
 * n8n killed (SIGKILL) in the middle of a buy and restarted, and the secret scan of everything n8n
 * wrote (its log, its database with the execution data, its event log) and of the package's store.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IDataObject, INodeExecutionData, IRunExecutionData } from 'n8n-workflow';

import { outputOf } from '../nodes/harness/engine';
import { plan } from '../../src/core';
import { getSharedPool } from '../../src/telegram';
import { BALANCES, BUY_PARAMETERS, CASES, CATALOG_PARAMETERS, MAX_STARS_PER_RUN, REPORT_PARAMETERS, caseFigures, planParameters, type CaseRun, type CaseRunner } from './faultCases';
import { CHANNEL, ZERO, leaksIn, looksLikeCrash, recordCase, runText, secretForms, startWorld, type World } from './lib';

/* eslint-disable @typescript-eslint/no-require-imports -- the e2e harness is plain CommonJS shared with `npm run e2e` */
interface N8nExecutionRow { id: string; status: string; stoppedAt: string | null; data: IRunExecutionData | null }
interface N8nInstance {
	url: string;
	userFolder: string;
	logFile: string;
	secrets: string[];
	importCredentials(credentials: object[]): void;
	importWorkflows(workflows: object[]): string[];
	activateAll(ids: string[]): void;
	start(): Promise<number>;
	stop(): Promise<void>;
	kill(): Promise<void>;
	logTail(lines?: number): string;
	executions(query: { workflowId?: string; withData?: boolean }): Promise<N8nExecutionRow[]>;
}
interface PreparedRun { n8n: N8nInstance; packageDir: string; install: { version: string }; described: unknown }
interface Cleanup { add(fn: () => unknown): void; run(): Promise<void> }
const { prepareRun, ownerLogin } = require('../../scripts/e2e/harness') as {
	prepareRun(opts: object): Promise<PreparedRun>;
	ownerLogin(n8n: N8nInstance): Promise<string>;
};
const { cleanupStack, sleep } = require('../../scripts/e2e/util') as { cleanupStack(): Cleanup; sleep(ms: number): Promise<void> };
const { sandboxCredentials } = require('../../scripts/e2e/sandbox') as {
	sandboxCredentials(creds: World['sandbox']['credentials'], described: unknown): Array<{ id: string; name: string; type: string; data: object }>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

const PACKAGE = 'n8n-nodes-telegram-gifts';
const ACCOUNT = 'telegramGiftsAccountApi';
const BOT = 'telegramGiftsBotApi';

interface Slot {
	index: number;
	world: World;
	runKey: string;
	pipelineId: string;
	replayId: string;
	/** Executions already handed to a case (so concurrent runs each get their own). */
	claimed: Set<string>;
	/** Every webhook answer body (scanned for secrets). */
	answers: string[];
}

function node(name: string, type: string, parameters: IDataObject, position: number, extra: IDataObject = {}): IDataObject {
	return { id: randomUUID(), name, type, typeVersion: 1, position: [position * 220, 300], parameters, ...extra };
}

function webhook(path: string): IDataObject {
	return node('Webhook', 'n8n-nodes-base.webhook', { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} }, 0, { typeVersion: 2, webhookId: randomUUID() });
}

function links(...pairs: Array<[string, string]>): IDataObject {
	const out: IDataObject = {};
	for (const [from, to] of pairs) out[from] = { main: [[{ node: to, type: 'main', index: 0 }]] };
	return out;
}

/** The slot's two workflows, bound to its own credentials. */
function workflowsOf(slot: Slot): IDataObject[] {
	const account = { [ACCOUNT]: { id: `relAcc${slot.index}`, name: `Reliability accounts ${slot.index}` } };
	const both = { ...account, [BOT]: { id: `relBot${slot.index}`, name: `Reliability bot ${slot.index}` } };
	const buy = node('Buy', `${PACKAGE}.telegramGift`, BUY_PARAMETERS, 2, { credentials: account });
	const report = node('Report', `${PACKAGE}.telegramGiftNotify`, REPORT_PARAMETERS, 3, { credentials: both });
	return [
		{
			id: slot.pipelineId,
			name: `reliability ${slot.index}: autobuy`,
			active: false,
			settings: { executionOrder: 'v1' },
			nodes: [
				webhook(`reliability-${slot.index}`),
				node('Catalog', `${PACKAGE}.telegramGift`, CATALOG_PARAMETERS, 1, { credentials: account }),
				node('Plan', `${PACKAGE}.telegramGiftPlan`, planParameters(slot.runKey), 2, { credentials: account }),
				{ ...buy, position: [660, 300] },
				{ ...report, position: [880, 300] },
			],
			connections: links(['Webhook', 'Catalog'], ['Catalog', 'Plan'], ['Plan', 'Buy'], ['Buy', 'Report']),
		},
		{
			id: slot.replayId,
			name: `reliability ${slot.index}: buy plan items`,
			active: false,
			settings: { executionOrder: 'v1' },
			nodes: [
				webhook(`reliability-${slot.index}-replay`),
				node('Split Out', 'n8n-nodes-base.splitOut', { fieldToSplitOut: 'body.operations', include: 'noOtherFields', options: {} }, 1),
				buy,
				report,
			],
			connections: links(['Webhook', 'Split Out'], ['Split Out', 'Buy'], ['Buy', 'Report']),
		},
	];
}

/** The slot's sandbox credentials as the e2e harness imports them, under ids of this slot. */
function credentialsOf(slot: Slot, described: unknown): object[] {
	const ids: Record<string, { id: string; name: string }> = {
		[ACCOUNT]: { id: `relAcc${slot.index}`, name: `Reliability accounts ${slot.index}` },
		[BOT]: { id: `relBot${slot.index}`, name: `Reliability bot ${slot.index}` },
	};
	return sandboxCredentials(slot.world.sandbox.credentials, described).map((c) => ({ ...c, ...ids[c.type] }));
}

/** Every file under `dir` (recursively), skipping installed packages. */
function filesUnder(dir: string): string[] {
	if (!existsSync(dir)) return [];
	const out: string[] = [];
	for (const name of readdirSync(dir)) {
		const full = join(dir, name);
		const stat = statSync(full);
		if (stat.isDirectory()) {
			if (name !== 'node_modules' && name !== 'nodes') out.push(...filesUnder(full));
		} else out.push(full);
	}
	return out;
}

/** Secret forms found in files, as "file: form-kind" (the form itself is never printed). */
function leaksInFiles(files: string[], forms: string[]): string[] {
	const hits: string[] = [];
	for (const file of files) {
		const text = readFileSync(file).toString('latin1');
		for (const form of leaksIn(text, forms)) hits.push(`${file}: a form of length ${form.length}`);
	}
	return hits;
}

describe('fault matrix through a real n8n against the sandbox', () => {
	const cleanup = cleanupStack();
	const storeDir = mkdtempSync(join(tmpdir(), 'tg-gifts-reliability-store-'));
	const storePath = join(storeDir, 'gifts.sqlite');
	const slots: Slot[] = [];
	let run: PreparedRun;
	const stamp = Date.now();

	beforeAll(async () => {
		run = await prepareRun({ cleanup, n8nEnv: { TELEGRAM_GIFTS_DB: storePath } });
		// Three more worlds after the matrix: bad input, the SIGKILL case, the retried execution.
		for (let index = 0; index < CASES.length + 3; index++) {
			const scenario = index < CASES.length ? { ...BALANCES, ...(CASES[index]!.scenario ?? {}) } : BALANCES;
			const world = await startWorld(null, scenario);
			slots.push({ index, world, runKey: `reliability-n8n:${index}:${stamp}`, pipelineId: `relPipe${index}`, replayId: `relReplay${index}`, claimed: new Set(), answers: [] });
			run.n8n.secrets.push(...world.secrets);
		}
		run.n8n.importCredentials(slots.flatMap((slot) => credentialsOf(slot, run.described)));
		const ids = run.n8n.importWorkflows(slots.flatMap(workflowsOf));
		run.n8n.activateAll(ids);
		await run.n8n.start();
	}, 600_000);

	afterAll(async () => {
		await cleanup.run();
		await getSharedPool().destroy();
		for (const slot of slots) await slot.world.sandbox.stop();
		rmSync(storeDir, { recursive: true, force: true });
	}, 120_000);

	/** POSTs to a slot's webhook and returns the execution it started (read back from n8n's database). */
	async function execute(slot: Slot, workflowId: string, path: string, body: object): Promise<CaseRun> {
		const res = await fetch(`${run.n8n.url}/webhook/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		slot.answers.push(`HTTP ${res.status} ${await res.text()}`);
		return await nextExecution(slot, workflowId);
	}

	async function nextExecution(slot: Slot, workflowId: string): Promise<CaseRun & { id: string; status: string }> {
		const deadline = Date.now() + 60_000;
		for (;;) {
			const rows = await run.n8n.executions({ workflowId, withData: true });
			const row = rows.find((r) => r.stoppedAt && r.data && !slot.claimed.has(r.id));
			if (row) {
				slot.claimed.add(row.id);
				return { data: row.data!, id: row.id, status: row.status };
			}
			if (Date.now() > deadline) throw new Error(`no finished execution of ${workflowId} within 60 s; n8n log:\n${run.n8n.logTail(20)}`);
			await sleep(200);
		}
	}

	function runnerOf(slot: Slot): CaseRunner {
		return {
			runPipeline: () => execute(slot, slot.pipelineId, `reliability-${slot.index}`, {}),
			runBuyAndReport: (items: INodeExecutionData[]) => execute(slot, slot.replayId, `reliability-${slot.index}-replay`, { operations: items.map((i) => i.json) }),
			storePath,
		};
	}

	it.each(CASES.map((c, index) => [c.name, index] as const))('%s', async (name, index) => {
		const c = CASES[index]!;
		const slot = slots[index]!;
		const started = Date.now();
		await c.arrange?.(slot.world);
		const runs = c.act ? await c.act(slot.world, runnerOf(slot)) : [await runnerOf(slot).runPipeline()];
		await sleep(100);
		const { leaks, outcome, ...figures } = caseFigures(slot.world, c, runs, slot.answers);
		const line = recordCase({ stage: 'n8n', case: name, outcome, ms: Date.now() - started, ...figures });
		expect({ ...line, outcome: undefined, ms: undefined, leaks }).toEqual({ stage: 'n8n', case: name, outcome: undefined, ms: undefined, ...ZERO, leaks: [] });
	}, 120_000);

	/** Plan items a user (or another workflow) posts to the Buy workflow, as raw JSON text. */
	const BAD_ITEMS: Array<{ name: string; body: string; names: RegExp }> = (() => {
		const op = (extra: string) => `{"opKey":"${'e'.repeat(32)}","accountId":"1000001","recipient":"${CHANNEL}","giftId":"7001","price":100,"quantity":1${extra}}`;
		return [
			{ name: 'an empty object', body: '{"operations":[{}]}', names: /Plan item field "opKey" \(item 0\)/ },
			{ name: 'giftId as a 64-bit JSON number', body: `{"operations":[${op(',"giftId":5170145012310081615')}]}`, names: /Plan item field "giftId" \(item 0\)/ },
			{ name: 'a negative price', body: `{"operations":[${op(',"price":-1')}]}`, names: /Plan item field "price" \(item 0\)/ },
			{ name: 'a malformed recipient, item 2 of 2', body: `{"operations":[${op('')},${op(',"recipient":"-100abc"')}]}`, names: /Plan item field "recipient" \(item 1\)/ },
			{ name: 'quantity as text', body: `{"operations":[${op(',"quantity":"lots"')}]}`, names: /Plan item field "quantity" \(item 0\)/ },
		];
	})();

	it.each(BAD_ITEMS.map((b) => [b.name, b] as const))('bad plan items through the webhook: %s', async (name, bad) => {
		const slot = slots[CASES.length]!;
		const started = Date.now();
		const res = await fetch(`${run.n8n.url}/webhook/reliability-${slot.index}-replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bad.body });
		const answer = `HTTP ${res.status} ${await res.text()}`;
		const execution = await nextExecution(slot, slot.replayId);
		const error = execution.data.resultData.error as (Error & { description?: unknown }) | undefined;
		const message = error?.message ?? '(no error)';
		const unclear = !bad.names.test(message) || looksLikeCrash(message) || looksLikeCrash(answer);
		const leaks = leaksIn([runText(execution), answer, ...slot.world.sandboxLog].join('\n'), slot.world.forms);
		const line = recordCase({
			stage: 'n8n',
			case: `bad plan items through the webhook: ${name}`,
			outcome: `${error?.name ?? 'no error'}: ${message}`,
			ms: Date.now() - started,
			...ZERO,
			overspendStars: slot.world.paid().reduce((sum, p) => sum + p.stars, 0),
			secretsLeaked: leaks.length,
			unclearErrors: unclear ? 1 : 0,
		});
		expect({ message, unclear, line }).toEqual({ message: expect.stringMatching(bad.names), unclear: false, line: { ...line, ...ZERO } });
	});

	it('n8n killed (SIGKILL) in the middle of a buy, restarted, and the workflow run again', async () => {
		const slot = slots[CASES.length + 1]!;
		const { world } = slot;
		const started = Date.now();
		// What the killed execution planned (n8n saves no run data for it): the core's plan() on
		// the same catalog, balances and parameters the Plan node had.
		const market = world.sandbox.market;
		const gifts = [...market.gifts.values()].filter((g) => g.released).map((g) => ({
			id: g.def.id, stars: g.stars, limited: g.def.limited, soldOut: g.def.limited && g.remains === 0,
			availabilityRemains: g.def.limited ? g.remains : null, availabilityTotal: g.def.limited ? (g.def.total ?? null) : null, requirePremium: false,
		}));
		const accounts = [...market.accounts.values()].map((a) => ({ id: a.id, label: a.label, balance: a.balance, premium: a.premium }));
		const planned = plan({
			gifts, accounts,
			recipients: [{ peer: CHANNEL, priceMin: null, priceMax: null, supplyMin: null, supplyMax: null, maxPerGift: 2 }],
			options: { runKey: slot.runKey, maxStarsPerRun: MAX_STARS_PER_RUN },
		}).operations;
		expect(planned.length).toBeGreaterThan(1);

		world.sandbox.setLatency('payments.sendStarsForm', 1500);
		const killed = fetch(`${run.n8n.url}/webhook/reliability-${slot.index}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch((e: Error) => e);
		await world.sandbox.waitFor((r) => r.purchases.some((p) => p.ok), 30_000);
		await run.n8n.kill();
		await killed;
		const paidAtKill = world.paid().length;
		await run.n8n.start();
		world.sandbox.setLatency('payments.sendStarsForm', undefined);
		// The crashed execution is marked crashed at start; the user runs the workflow again.
		for (const row of await run.n8n.executions({ workflowId: slot.pipelineId })) slot.claimed.add(row.id);
		const again = await runnerOf(slot).runPipeline();
		await sleep(100);

		const allowed = new Map<string, number>();
		const price = new Map<string, number>();
		for (const op of [...planned, ...(again.data.resultData.runData.Plan ? outputOf(again, 'Plan')[0] ?? [] : [])]) {
			const key = `${String(op.accountId)}|${String(op.giftId)}`;
			allowed.set(key, Math.max(allowed.get(key) ?? 0, Number(op.quantity)));
			price.set(key, Number(op.price));
		}
		const paidBy = new Map<string, number>();
		for (const p of world.paid()) paidBy.set(`${p.accountId}|${p.giftId}`, (paidBy.get(`${p.accountId}|${p.giftId}`) ?? 0) + 1);
		let doubleBuys = 0;
		let overspendStars = 0;
		for (const [key, copies] of paidBy) {
			const beyond = Math.max(0, copies - (allowed.get(key) ?? 0));
			doubleBuys += beyond;
			overspendStars += beyond * (price.get(key) ?? 0);
		}
		const messages = world.sandbox.record().botMessages;
		const chats = new Set((outputOf(again, 'Plan')[0] ?? []).map((op) => String(op.accountId)));
		const lostReports = [...chats].filter((chat) => !messages.some((m) => m.chatId === chat)).length;
		const error = again.data.resultData.error;
		const results = again.data.resultData.runData.Buy ? outputOf(again, 'Buy')[0] ?? [] : [];
		const leaks = leaksIn([runText(again), ...slot.answers, JSON.stringify(messages), ...world.sandboxLog].join('\n'), world.forms);
		const line = recordCase({
			stage: 'n8n',
			case: 'n8n killed (SIGKILL) mid-buy, restarted, workflow run again',
			outcome: `planned ${planned.reduce((s, op) => s + op.quantity, 0)} copies; ${paidAtKill} paid when killed, ${world.paid().length} after the re-run (its results: ${results.map((r) => (r.status === 'bought' ? 'bought' : `${String(r.status)}:${String(r.reason)}`)).join(', ') || 'none'}); ${messages.length} bot messages${error ? `; error: ${error.message}` : ''}`,
			ms: Date.now() - started,
			...ZERO,
			doubleBuys,
			overspendStars,
			lostReports,
			secretsLeaked: leaks.length,
			unclearErrors: error && looksLikeCrash(error.message) ? 1 : 0,
		});
		expect(paidAtKill).toBeGreaterThan(0);
		expect({ ...line, outcome: undefined, ms: undefined }).toEqual({ ...line, outcome: undefined, ms: undefined, ...ZERO });
	}, 240_000);

	it("the report fails (bot token rejected) and the user retries the failed execution with n8n's Retry", async () => {
		const slot = slots[CASES.length + 2]!;
		const { world } = slot;
		const started = Date.now();
		world.sandbox.botApi!.inject({ kind: '401', times: 1 });
		const first = await execute(slot, slot.pipelineId, `reliability-${slot.index}`, {});
		const failed = (await run.n8n.executions({ workflowId: slot.pipelineId })).find((r) => slot.claimed.has(r.id) && r.status === 'error');
		expect(failed).toBeDefined();
		const paidBeforeRetry = world.paid().length;
		// What the editor's "Retry with original workflow" sends.
		const cookie = await ownerLogin(run.n8n);
		const res = await fetch(`${run.n8n.url}/rest/executions/${failed!.id}/retry`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie },
			body: JSON.stringify({ loadWorkflow: false }),
		});
		const answer = `HTTP ${res.status} ${await res.text()}`;
		expect(answer).toMatch(/^HTTP 200/);
		const retried = await nextExecution(slot, slot.pipelineId);
		await sleep(100);
		const c = { name: 'retry', unreachableChats: [] };
		// Both executions owe the report; the retry delivers the one the first could not.
		const figures = caseFigures(world, c, [first, retried], [...slot.answers, answer]);
		const messages = world.sandbox.record().botMessages;
		const chats = new Set((outputOf(first, 'Plan')[0] ?? []).map((op) => String(op.accountId)));
		const lostReports = [...chats].filter((chat) => !messages.some((m) => m.chatId === chat && /\d/.test(m.text ?? ''))).length;
		const firstError = first.data.resultData.error?.message ?? '(none)';
		const line = recordCase({
			stage: 'n8n',
			case: "report refused (bot token rejected), the failed execution retried with n8n's Retry",
			outcome: `${figures.outcome.split('; results')[0]}; first execution: ${firstError}; retry: ${retried.status}, ${paidBeforeRetry} → ${world.paid().length} paid, ${messages.length} bot messages`,
			ms: Date.now() - started,
			...ZERO,
			doubleBuys: figures.doubleBuys,
			overspendStars: figures.overspendStars,
			lostReports,
			secretsLeaked: figures.secretsLeaked,
			unclearErrors: figures.unclearErrors,
		});
		expect(firstError).toMatch(/Bot API rejected the bot token/);
		expect(retried.status).toBe('success');
		expect({ ...line, outcome: undefined, ms: undefined }).toEqual({ ...line, outcome: undefined, ms: undefined, ...ZERO });
	}, 120_000);

	it("secret scan of what n8n wrote: its log, database (credentials, execution data), event log; and the package's store", async () => {
		const started = Date.now();
		await run.n8n.stop();
		const forms = secretForms(slots.flatMap((s) => s.world.secrets));
		const files = [run.n8n.logFile, ...filesUnder(join(run.n8n.userFolder, '.n8n')), ...filesUnder(storeDir)];
		expect(files.some((f) => f.endsWith('database.sqlite'))).toBe(true);
		expect(files).toContain(storePath);
		// The scan must be able to fail: a planted form in a file next to them is found.
		const planted = join(storeDir, 'planted.txt');
		writeFileSync(planted, `x ${forms[forms.length - 1]} x`);
		expect(leaksInFiles([planted], forms)).toHaveLength(1);
		rmSync(planted);
		const hits = leaksInFiles(files, forms);
		const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
		const line = recordCase({
			stage: 'n8n',
			case: "secret scan: n8n's log, database and event log; the package's store",
			outcome: `${files.length} files, ${Math.round(bytes / 1024)} kB, ${forms.length} secret forms of ${slots.length} worlds; hits: ${hits.length ? hits.join(', ') : 'none'}`,
			ms: Date.now() - started,
			...ZERO,
			secretsLeaked: hits.length,
		});
		expect(line.secretsLeaked).toBe(0);
	}, 120_000);
});
