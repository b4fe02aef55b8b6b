/**
 * The fault matrix's cases and figures, shared by its two stages: n8n-core's WorkflowExecute in
 * the jest process (faults.reliability.ts) and a real n8n started from the packed package
 * (n8n.reliability.ts). A case sets a fault up on its sandbox world and runs the autobuy pipeline
 * (Get Catalog → Plan → Buy → Send Report) once or more; the figures compare the sandbox record
 * with what the plan allowed: doubleBuys = copies bought beyond the plan per (account, gift);
 * overspendStars = stars beyond the plan per account or beyond Max Stars per Run; lostReports =
 * account chats that should have received a report but did not; plus the secret scan and clear
 * errors.
 */
import { spawn } from 'node:child_process';

import type { IDataObject, INodeExecutionData, IRun } from 'n8n-workflow';

import { outputOf } from '../nodes/harness/engine';
import type { PaymentForm } from '../../src/sandbox/market';
import { ALICE, BOB, CAROL, CHANNEL, ZERO, looksLikeCrash, runText, scanSecrets, type CaseFigures, type World } from './lib';

export const MAX_STARS_PER_RUN = 700;

/** Every account can afford a few copies only, so the plan spreads over all three. */
export const BALANCES = { accounts: [
	{ id: ALICE, label: 'Alice', username: 'alice', balance: 150, premium: true },
	{ id: BOB, label: 'Bob', username: 'bob', balance: 150, premium: false },
	{ id: CAROL, label: 'Carol', username: 'carol', balance: 150, premium: false },
] };

/** The Plan node's parameters of the pipeline, in both stages. */
export function planParameters(runKey: string): IDataObject {
	return {
		recipientsSource: 'list',
		recipients: { recipient: [{ peer: CHANNEL, priceMin: 0, priceMax: 0, supplyMin: 0, supplyMax: 0, maxPerGift: 2 }] },
		accountsSource: 'credential',
		options: { runKey, maxStarsPerRun: MAX_STARS_PER_RUN },
	};
}

export const CATALOG_PARAMETERS: IDataObject = { resource: 'gift', operation: 'getCatalog', limitedOnly: true, includeSoldOut: false };
export const BUY_PARAMETERS: IDataObject = { resource: 'gift', operation: 'buy', buySource: 'plan' };
export const REPORT_PARAMETERS: IDataObject = { operation: 'sendReport', chatIds: '', accountChats: true, language: 'en' };

/** One execution as both stages see it: n8n's run data (IRun.data; an execution row's `data` in n8n's database). */
export type CaseRun = Pick<IRun, 'data'>;

export interface CaseRunner {
	/** Runs the whole pipeline once. */
	runPipeline(): Promise<CaseRun>;
	/** Runs Buy → Report on the given plan items (a user re-running the purchases). */
	runBuyAndReport(items: INodeExecutionData[]): Promise<CaseRun>;
	/** The package's store (sqlite) file the nodes use. */
	storePath: string;
}

/** The newest payment form of an account that was not paid (what a silent send left behind). */
function openFormOf(world: World, accountId: string): PaymentForm | undefined {
	const forms = (world.sandbox.market as unknown as { forms: Map<bigint, PaymentForm> }).forms;
	return [...forms.values()].filter((f) => f.accountId === accountId && !f.used).pop();
}

/** Holds an exclusive write lock on the store's sqlite file from another process for `holdMs`. */
async function lockStoreFor(path: string, holdMs: number): Promise<Promise<unknown>> {
	const holder = `
const sqlite3 = require(${JSON.stringify(require.resolve('sqlite3'))});
const db = new sqlite3.Database(process.argv[1]);
db.configure('busyTimeout', 5000);
db.exec('BEGIN EXCLUSIVE', (error) => {
	if (error) { process.stderr.write(String(error) + '\\n'); process.exit(1); }
	process.stdout.write('locked\\n');
	setTimeout(() => db.exec('COMMIT', () => db.close(() => process.exit(0))), Number(process.argv[2]));
});`;
	// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- a test: sqlite contention needs a second OS process
	const child = spawn(process.execPath, ['-e', holder, path, String(holdMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
	const exited = new Promise((resolve) => child.once('exit', resolve));
	await new Promise<void>((resolve, reject) => {
		child.stdout.once('data', () => resolve());
		child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
	});
	return exited;
}

/** Runs `disturb` once, the moment the run's first copy is paid (the plan is made, payments go on). */
function onFirstPurchase(w: World, disturb: () => void): void {
	let done = false;
	w.sandbox.market.onChange(() => {
		if (!done && w.paid().length === 1) {
			done = true;
			disturb();
		}
	});
}

export interface FaultCase {
	name: string;
	scenario?: Record<string, unknown>;
	/** Sets the fault up once the sandbox runs (before the execution starts). */
	arrange?: (world: World) => void | Promise<unknown>;
	/** Runs the executions; default: the pipeline once. */
	act?: (world: World, runner: CaseRunner) => Promise<CaseRun[]>;
	/** Chats that cannot get the report (blocked bot): not counted as lost. */
	unreachableChats?: string[];
}

export const CASES: FaultCase[] = [
	{ name: 'no fault (baseline)' },
	{ name: 'FLOOD_WAIT_2 on the catalog', arrange: (w) => w.sandbox.injectFault({ method: 'payments.getStarGifts', kind: 'error', error: 'FLOOD_WAIT_2', afterCalls: 0, times: 1 }) },
	{ name: 'FLOOD_WAIT_1 on sendStarsForm', arrange: (w) => w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'error', error: 'FLOOD_WAIT_1', afterCalls: 1, times: 1 }) },
	{ name: 'connection dropped before a send (getPaymentForm)', arrange: (w) => w.sandbox.injectFault({ method: 'payments.getPaymentForm', kind: 'drop', afterCalls: 1, times: 1 }) },
	{ name: 'connection dropped during a send (not applied)', arrange: (w) => w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'drop', afterCalls: 0, times: 1 }) },
	{ name: 'connection dropped after a send was applied', arrange: (w) => w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'dropAfterApply', afterCalls: 1, times: 1 }) },
	{
		name: 'connection dropped right after a purchase (all accounts)',
		arrange: (w) => onFirstPurchase(w, () => setImmediate(() => w.sandbox.dropConnections())),
	},
	{
		name: 'send never answered but applied (deadline), then the same plan items again',
		arrange: (w) => {
			w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'noReply', afterCalls: 0, times: 1 });
			// Telegram applies the silent send: the form the client paid is settled on the market.
			const applied = w.sandbox.waitFor((r) => (r.calls['payments.sendStarsForm'] ?? 0) >= 1, 30_000).then(() => {
				for (const id of [ALICE, BOB, CAROL]) {
					const form = openFormOf(w, id);
					if (form) return w.sandbox.market.sendStarsForm(id, form.formId, { peer: form.peer, giftId: form.giftId });
				}
				throw new Error('no open form to apply');
			});
			applied.catch(() => undefined);
		},
		act: async (_w, { runPipeline, runBuyAndReport }) => {
			const first = await runPipeline();
			const again = await runBuyAndReport(planItemsOf(first));
			return [first, again];
		},
	},
	{ name: 'STARGIFT_USAGE_LIMITED mid-plan (sold out)', arrange: (w) => w.sandbox.injectFault({ method: 'payments.getPaymentForm', kind: 'error', error: 'STARGIFT_USAGE_LIMITED', afterCalls: 2, times: 10 }) },
	{
		name: 'competing demand sells a gift out during the run',
		// Other buyers pour in once the run has planned and paid its first copy.
		arrange: (w) => onFirstPurchase(w, () => w.sandbox.market.addDemand('7003', 2000)),
	},
	{
		name: 'BALANCE_TOO_LOW after a concurrent spend',
		arrange: (w) =>
			onFirstPurchase(w, () => {
				for (const id of [ALICE, BOB, CAROL]) w.sandbox.market.setBalance(id, 10);
			}),
	},
	{ name: 'FORM_EXPIRED', arrange: (w) => w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'error', error: 'FORM_EXPIRED', afterCalls: 0, times: 1 }) },
	{
		name: 'STARS_FORM_AMOUNT_MISMATCH (price raised after the plan)',
		arrange: (w) =>
			onFirstPurchase(w, () => {
				w.sandbox.market.setPrice('7001', 140);
				w.sandbox.market.setPrice('7003', 70);
			}),
	},
	{ name: 'STARS_FORM_AMOUNT_MISMATCH answered by Telegram', arrange: (w) => w.sandbox.injectFault({ method: 'payments.sendStarsForm', kind: 'error', error: 'STARS_FORM_AMOUNT_MISMATCH', afterCalls: 0, times: 1 }) },
	{ name: 'AUTH_KEY_UNREGISTERED on one of three accounts', arrange: (w) => w.sandbox.injectFault({ method: 'payments.getPaymentForm', kind: 'error', error: 'AUTH_KEY_UNREGISTERED', accountId: CAROL, afterCalls: 0, times: 100 }) },
	{ name: 'AUTH_KEY_UNREGISTERED on one of three accounts from the start (revoked session)', arrange: (w) => w.sandbox.injectFault({ method: '*', kind: 'error', error: 'AUTH_KEY_UNREGISTERED', accountId: CAROL, afterCalls: 0, times: 1000 }) },
	{ name: 'Bot API 429 on the report', arrange: (w) => w.sandbox.botApi!.inject({ method: 'sendMessage', kind: '429', retryAfter: 1, times: 1 }) },
	{ name: 'Bot API 403 on one chat', arrange: (w) => w.sandbox.botApi!.inject({ method: 'sendMessage', kind: '403', chatId: BOB, times: 5 }), unreachableChats: [BOB] },
	{
		name: 'two executions of the same plan items',
		act: async (_w, { runPipeline, runBuyAndReport }) => {
			const first = await runPipeline();
			const again = await runBuyAndReport(planItemsOf(first));
			return [first, again];
		},
	},
	{
		name: 'two executions of the same plan items at the same time',
		act: async (_w, { runPipeline, runBuyAndReport }) => {
			const first = await runPipeline();
			const items = planItemsOf(first);
			return [first, ...(await Promise.all([runBuyAndReport(items), runBuyAndReport(items)]))];
		},
	},
	{
		name: 'the sqlite store locked by another process for 2 s',
		act: async (_w, { runPipeline, storePath }) => {
			const released = await lockStoreFor(storePath, 2000);
			const run = await runPipeline();
			await released;
			return [run];
		},
	},
];

export function planItemsOf(run: CaseRun): INodeExecutionData[] {
	const [purchases] = outputOf(run, 'Plan');
	return (purchases ?? []).map((json) => ({ json }));
}


/** The figures of one case from its runs, the sandbox record and every text a user or n8n could see. */
export function caseFigures(world: World, c: FaultCase, runs: CaseRun[], seenTexts: string[]): CaseFigures & { outcome: string; leaks: string[] } {
	const first = runs[0];
	const planned = first ? plannedBy(first) : { copies: new Map<string, number>(), stars: new Map<string, number>(), total: 0 };
	const paid = world.paid();
	// doubleBuys: copies beyond the plan per (account, gift); one recipient in these cases.
	const paidBy = new Map<string, number>();
	const starsBy = new Map<string, number>();
	for (const p of paid) {
		paidBy.set(`${p.accountId}|${p.giftId}`, (paidBy.get(`${p.accountId}|${p.giftId}`) ?? 0) + 1);
		starsBy.set(p.accountId, (starsBy.get(p.accountId) ?? 0) + p.stars);
	}
	let doubleBuys = 0;
	for (const [key, copies] of paidBy) doubleBuys += Math.max(0, copies - (planned.copies.get(key) ?? 0));
	let overspendStars = 0;
	for (const [account, stars] of starsBy) overspendStars += Math.max(0, stars - (planned.stars.get(account) ?? 0));
	const total = paid.reduce((sum, p) => sum + p.stars, 0);
	overspendStars += Math.max(0, total - MAX_STARS_PER_RUN - overspendStars);

	// lostReports: every run that reached Buy or Report owes each planned account chat one report.
	const messages = world.sandbox.record().botMessages;
	let lostReports = 0;
	const reportRuns = runs.filter((run) => run.data.resultData.runData.Report !== undefined || run.data.resultData.runData.Buy !== undefined);
	const wanted = [...new Set([...planned.copies.keys()].map((k) => k.split('|')[0]!))].filter((chat) => !(c.unreachableChats ?? []).includes(chat));
	for (const chat of wanted) {
		const got = messages.filter((m) => m.chatId === chat && /\d/.test(m.text ?? '')).length;
		lostReports += Math.max(0, reportRuns.length - got);
	}

	const errors = runs.map((run) => run.data.resultData.error).filter((e): e is NonNullable<typeof e> => e !== undefined);
	const unclearErrors = errors.filter((e) => looksLikeCrash(e.message)).length;
	const leaks = scanSecrets(world, ...seenTexts, ...runs.map(runText), JSON.stringify(messages));
	const buyResults = runs.flatMap((run) => (run.data.resultData.runData.Buy ? outputOf(run, 'Buy')[0] ?? [] : []));
	return {
		...ZERO,
		outcome: describeOutcome(planned.total, paid.length, buyResults, errors.map((e) => e.message), messages.length),
		doubleBuys,
		overspendStars,
		lostReports,
		secretsLeaked: leaks.length,
		unclearErrors,
		leaks,
	};
}

function plannedBy(run: CaseRun): { copies: Map<string, number>; stars: Map<string, number>; total: number } {
	const copies = new Map<string, number>();
	const stars = new Map<string, number>();
	let total = 0;
	if (!run.data.resultData.runData.Plan) return { copies, stars, total };
	for (const op of outputOf(run, 'Plan')[0] ?? []) {
		const key = `${String(op.accountId)}|${String(op.giftId)}`;
		const quantity = Number(op.quantity);
		copies.set(key, (copies.get(key) ?? 0) + quantity);
		stars.set(String(op.accountId), (stars.get(String(op.accountId)) ?? 0) + quantity * Number(op.price));
		total += quantity;
	}
	return { copies, stars, total };
}

function describeOutcome(plannedCopies: number, paidCopies: number, results: IDataObject[], errors: string[], botMessages: number): string {
	const statuses = new Map<string, number>();
	for (const r of results) {
		const key = r.status === 'bought' ? 'bought' : `${String(r.status)}:${String(r.reason ?? '')}`;
		statuses.set(key, (statuses.get(key) ?? 0) + 1);
	}
	const parts = [`planned ${plannedCopies} copies, paid ${paidCopies}`, `results ${[...statuses].map(([k, n]) => `${k}×${n}`).join(', ') || 'none'}`, `${botMessages} bot messages`];
	if (errors.length > 0) parts.push(`error: ${errors.join(' | ').slice(0, 200)}`);
	return parts.join('; ');
}
