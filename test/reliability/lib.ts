/**
 * Shared plumbing of the reliability cases (npm run reliability): a sandbox world wired into the
 * n8n-core test engine of test/nodes/harness, the secret scan (raw, base64, base64url and
 * URL-encoded forms of every known secret across outputs, errors, captured stdout/stderr/console
 * and the sandbox's own log), and the case record: one JSON line per case appended to the file
 * the runner (scripts/reliability/run.js) names in RELIABILITY_OUT.
 */
import { appendFileSync } from 'node:fs';
import { inspect } from 'node:util';

import type { IRun } from 'n8n-workflow';

import { TestEngine } from '../nodes/harness/engine';
import { startSandbox, type Sandbox, type SandboxLogger } from '../../src/sandbox';
import { getSharedPool } from '../../src/telegram';

export const ALICE = '1000001';
export const BOB = '1000002';
export const CAROL = '1000003';
export const CHANNEL = '-1001234567890';
/** A fixed, recognisable bot token: the scan looks for it everywhere. */
export const BOT_TOKEN = '7777777:AAF-reliability_SECRET_bot_token_x9';

export interface CaseFigures {
	doubleBuys: number;
	overspendStars: number;
	lostReports: number;
	secretsLeaked: number;
	unclearErrors: number;
}

export interface CaseLine extends CaseFigures {
	stage: 'badInput' | 'faults' | 'n8n' | 'queue';
	case: string;
	/** What happened, in a few words (the error message shown to the user, or the outcome). */
	outcome: string;
	ms: number;
}

export const ZERO: CaseFigures = { doubleBuys: 0, overspendStars: 0, lostReports: 0, secretsLeaked: 0, unclearErrors: 0 };

/** Appends one case line for the runner; without RELIABILITY_OUT (plain jest) it only returns it. */
export function recordCase(line: CaseLine): CaseLine {
	const out = process.env.RELIABILITY_OUT;
	if (out) appendFileSync(out, JSON.stringify(line) + '\n');
	return line;
}

/** Every form a secret could leak in: as is, base64, base64url, URL-encoded. */
export function secretForms(secrets: readonly string[]): string[] {
	const forms = new Set<string>();
	for (const secret of secrets) {
		if (secret.length < 8) continue;
		const bytes = Buffer.from(secret, 'utf8');
		for (const form of [secret, bytes.toString('base64'), bytes.toString('base64url'), encodeURIComponent(secret)]) forms.add(form);
		// A base64 session string may also be re-encoded from its decoded bytes.
		if (/^[A-Za-z0-9+/=_-]+$/.test(secret) && secret.length >= 32) {
			const decoded = Buffer.from(secret, 'base64');
			if (decoded.length >= 16) forms.add(decoded.toString('base64url').replace(/=+$/, ''));
		}
	}
	return [...forms];
}

/** How many secret forms occur in the text (each form counted once per text). */
export function leaksIn(text: string, forms: readonly string[]): string[] {
	return forms.filter((form) => text.includes(form));
}

/**
 * Captures what the process writes while a case runs: process.stdout/stderr and console.*
 * (jest's console included). Everything still goes through to the original writers.
 */
export class OutputCapture {
	private chunks: string[] = [];
	private restore: Array<() => void> = [];

	start(): void {
		this.chunks = [];
		for (const stream of [process.stdout, process.stderr]) {
			const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
			stream.write = ((chunk: unknown, ...rest: unknown[]) => {
				this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
				return original(chunk, ...rest);
			}) as typeof stream.write;
			this.restore.push(() => (stream.write = original as typeof stream.write));
		}
		const target = console as unknown as Record<string, (...args: unknown[]) => void>;
		for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
			const original = target[method]!;
			target[method] = (...args: unknown[]) => {
				this.chunks.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 6 }))).join(' '));
				original.apply(console, args);
			};
			this.restore.push(() => (target[method] = original));
		}
	}

	stop(): string {
		for (const undo of this.restore.reverse()) undo();
		this.restore = [];
		return this.chunks.join('');
	}
}

/** A sandbox logger that keeps every line (the "package's own logs" the scan reads). */
export function capturingLogger(lines: string[]): SandboxLogger {
	return {
		info: (m) => void lines.push(`info ${m}`),
		warn: (m) => void lines.push(`warn ${m}`),
		error: (m) => void lines.push(`error ${m}`),
	};
}

export interface World {
	sandbox: Sandbox;
	engine: TestEngine | null;
	/** Every secret of this world: api_hash, session strings, bot token. */
	secrets: string[];
	forms: string[];
	sandboxLog: string[];
	/** Purchases Telegram accepted (refused attempts excluded). */
	paid(): Array<{ accountId: string; giftId: string; peer: string; stars: number }>;
	/** Sets the engine's credentials to this sandbox's (label: session per line). */
	useCredentials(accounts?: Array<{ label: string; session: string }>): void;
	stop(): Promise<void>;
}

export interface ScenarioInput {
	accounts?: unknown[];
	channels?: unknown[];
	gifts?: unknown[];
	[key: string]: unknown;
}

export function defaultScenario(overrides: ScenarioInput = {}): Record<string, unknown> {
	return {
		seed: 29,
		accounts: [
			{ id: ALICE, label: 'Alice', username: 'alice', balance: 1000, premium: true },
			{ id: BOB, label: 'Bob', username: 'bob', balance: 600, premium: false },
			{ id: CAROL, label: 'Carol', username: 'carol', balance: 400, premium: false },
		],
		channels: [{ id: CHANNEL, title: 'Gifts', username: 'giftschan', acceptsGifts: true, members: [ALICE, BOB, CAROL] }],
		gifts: [
			{ id: '7001', stars: 100, limited: true, total: 50, releaseAtMs: 0, title: 'Rare' },
			{ id: '7002', stars: 25, limited: false, releaseAtMs: 0 },
			{ id: '7003', stars: 50, limited: true, total: 5, releaseAtMs: 0, title: 'Scarce' },
		],
		bot: { token: BOT_TOKEN },
		...overrides,
	};
}

/** A sandbox world; with an engine its credentials are set on it (the n8n stage passes null: n8n gets them by import). */
export async function startWorld(engine: TestEngine | null, overrides: ScenarioInput = {}): Promise<World> {
	const sandboxLog: string[] = [];
	const sandbox = await startSandbox(defaultScenario(overrides), { logger: capturingLogger(sandboxLog) });
	const c = sandbox.credentials;
	const secrets = [c.apiHash, ...c.accounts.map((a) => a.session), c.loginSession, ...(c.bot ? [c.bot.token] : [])];
	const world: World = {
		sandbox,
		engine,
		secrets,
		forms: secretForms(secrets),
		sandboxLog,
		paid: () =>
			sandbox
				.record()
				.purchases.filter((p) => p.ok)
				.map((p) => ({ accountId: p.accountId, giftId: p.giftId, peer: p.peer, stars: p.stars })),
		useCredentials: (accounts) => {
			if (!engine) throw new Error('this world has no test engine to set credentials on');
			engine.credentials.useSandbox(c, accounts);
		},
		stop: async () => {
			await getSharedPool().destroy();
			await sandbox.stop();
		},
	};
	if (engine) world.useCredentials();
	return world;
}

/** Everything a run exposes to a user or to n8n's database: output items, error, descriptions. */
export function runText(run: Pick<IRun, 'data'>): string {
	const error = run.data.resultData.error as (Error & { description?: unknown }) | undefined;
	return [
		JSON.stringify(run.data.resultData.runData),
		error ? `${error.message}\n${String(error.description ?? '')}\n${JSON.stringify(error)}` : '',
	].join('\n');
}

/** Secret hits in the run, the captured output and the sandbox log. */
export function scanSecrets(world: World, ...texts: string[]): string[] {
	return leaksIn([...texts, ...world.sandboxLog].join('\n'), world.forms);
}

/** A message a user sees that is a raw library error or a stack trace rather than a plain sentence. */
export function looksLikeCrash(message: string): boolean {
	return /\bTypeError\b|\bReferenceError\b|\bSyntaxError\b|Cannot read propert|is not a function|undefined is not|\n\s+at\s|\[object Object\]/.test(message);
}
