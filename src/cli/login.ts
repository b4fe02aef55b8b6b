/**
 * `n8n-nodes-telegram-gifts login [--qr] [--server production|test|HOST:PORT] [--out FILE]`
 *
 * Asks for api_id / api_hash (or takes TELEGRAM_API_ID / TELEGRAM_API_HASH), then phone → code →
 * 2FA password, or shows a QR code to scan; prints the session string once on stdout, or with
 * --out writes it to FILE (mode 0600) instead. Prompts and messages go to stderr, so stdout holds
 * nothing but the session. Hidden inputs (api_hash, password) are not echoed on a terminal.
 *
 * Against the sandbox: set TELEGRAM_LOGIN_SESSION to its `login_session` (the sandbox cannot
 * negotiate a new key, see docs/sandbox.md); the server defaults to that session's address.
 */
import { open } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError } from './cli';
import { LOGIN_HELP } from './help';
import { readCommandFlags } from './io';
import { LoginError, LoginManager, parseServerSpec, serverOfSession, type SignInResult } from '../telegram/login';
import { qrTerminal } from '../telegram/qr';

export interface LoginIo {
	/** Answers to the prompts, one per line. */
	input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
	stdout: { write(text: string): unknown };
	stderr: { write(text: string): unknown };
	env: Record<string, string | undefined>;
	/** Tests inject one (e.g. with short deadlines); by default the command makes its own. */
	manager?: LoginManager;
}

const MAX_TRIES = 3;

export async function run(argv: string[], io: LoginIo = processIo()): Promise<number> {
	const flags = readCommandFlags(
		{ stdout: (t) => void io.stdout.write(t), stderr: (t) => void io.stderr.write(t) },
		argv,
		{ qr: 'boolean', server: 'string', out: 'string' },
		LOGIN_HELP,
	);
	if (typeof flags === 'number') return flags;
	const startSession = io.env.TELEGRAM_LOGIN_SESSION?.trim() || undefined;
	const server = typeof flags.server === 'string'
		? checked(() => parseServerSpec(flags.server))
		: (startSession && serverOfSession(startSession)) || { kind: 'production' as const };
	const out = typeof flags.out === 'string' ? flags.out : undefined;

	const prompt = new Prompter(io);
	const manager = io.manager ?? new LoginManager();
	const outcome = await login(flags, { server, startSession, out }, prompt, manager, io).then(
		() => undefined,
		(error: unknown) => error,
	);
	prompt.close();
	if (!io.manager) await manager.close();
	if (outcome === undefined) return 0;
	if (outcome instanceof LoginError || outcome instanceof CliError) {
		io.stderr.write(`login failed: ${outcome.message}\n`);
		return 1;
	}
	throw outcome;
}

async function login(
	flags: Record<string, string | boolean>,
	options: { server: Start['server']; startSession: string | undefined; out: string | undefined },
	prompt: Prompter,
	manager: LoginManager,
	io: LoginIo,
): Promise<void> {
	const { server, startSession, out } = options;
	const apiId = Number(io.env.TELEGRAM_API_ID?.trim() || (await prompt.ask('api_id: ')));
	if (!Number.isSafeInteger(apiId) || apiId <= 0) throw new CliError('api_id must be a positive whole number (from my.telegram.org)');
	const apiHash = io.env.TELEGRAM_API_HASH?.trim() || (await prompt.askHidden('api_hash (hidden): '));
	const start = { apiId, apiHash, server, startSession };
	const result = flags.qr ? await qrLogin(manager, start, prompt, io) : await phoneLogin(manager, start, prompt, io);
	const who = [result.user.firstName, result.user.username ? `@${result.user.username}` : undefined].filter(Boolean).join(' ');
	io.stderr.write(`Signed in as ${who || 'the account'} (id ${result.user.id}).\n`);
	io.stderr.write('The session string is a password: anyone who has it controls the account. Keep it secret.\n');
	if (out !== undefined) {
		await writePrivateFile(out, `${result.session}\n`);
		io.stderr.write(`Session written to ${out} (mode 0600).\n`);
	} else {
		io.stdout.write(`${result.session}\n`);
	}
}

type Start = Parameters<LoginManager['qrStart']>[0];
type Session = Extract<SignInResult, { session: string }>;

async function phoneLogin(manager: LoginManager, start: Start, prompt: Prompter, io: LoginIo): Promise<Session> {
	const phone = await prompt.ask('phone number (international format, e.g. +15550001111): ');
	const sent = await manager.sendCode({ ...start, phone });
	const where = sent.codeType === 'app' ? 'in your Telegram app' : `by ${sent.codeType.replace('_', ' ')}`;
	io.stderr.write(`Telegram sent a login code ${where}.\n`);
	let result: SignInResult | undefined;
	for (let attempt = 1; !result; attempt++) {
		const code = await prompt.ask('code: ');
		result = await retryOn(manager.signIn({ loginId: sent.loginId, code }), 'code_invalid', attempt, io);
	}
	return await passwordLoop(result, (password) => manager.signIn({ loginId: sent.loginId, password }), prompt, io);
}

async function qrLogin(manager: LoginManager, start: Start, prompt: Prompter, io: LoginIo): Promise<Session> {
	const started = await manager.qrStart(start);
	await showQr(started.url, started.expiresAt, io);
	let shown = started.url;
	let result: Awaited<ReturnType<LoginManager['qrComplete']>> | undefined;
	while (!result || 'pending' in result) {
		// Once a token runs out unscanned, QR Complete answers with the next one: show it.
		if (result && 'pending' in result && result.url !== shown) {
			await showQr(result.url, result.expiresAt, io);
			shown = result.url;
		}
		const expiresAt = result && 'pending' in result ? result.expiresAt : started.expiresAt;
		const waitMs = Math.max(200, Date.parse(expiresAt) - Date.now() + 200);
		const outcome = await manager.qrComplete({ loginId: started.loginId, waitMs }).then(
			(value) => ({ value, expired: false }),
			(error: unknown) => {
				if (error instanceof LoginError && error.code === 'qr_expired') return { value: undefined, expired: true };
				throw error;
			},
		);
		if (outcome.expired) {
			result = await manager.qrRefresh({ loginId: started.loginId });
			continue;
		}
		result = outcome.value;
	}
	return await passwordLoop(result, (password) => manager.qrComplete({ loginId: started.loginId, password }), prompt, io);
}

async function showQr(url: string, expiresAt: string, io: LoginIo): Promise<void> {
	io.stderr.write(`\n${await qrTerminal(url)}\n`);
	io.stderr.write('Scan this QR code in Telegram: Settings → Devices → Link Desktop Device.\n');
	io.stderr.write(`It is valid until ${new Date(expiresAt).toLocaleTimeString()}; a new one is shown when it expires.\n`);
}

async function passwordLoop(
	first: SignInResult | { pending: true },
	submit: (password: string) => Promise<SignInResult | { pending: true }>,
	prompt: Prompter,
	io: LoginIo,
): Promise<Session> {
	let result = first;
	for (let attempt = 1; !('session' in result); attempt++) {
		if ('pending' in result) throw new CliError('the login is still waiting for the QR scan');
		const hint = result.hint ? ` (hint: ${result.hint})` : '';
		const password = await prompt.askHidden(`two-step verification password${hint} (hidden): `);
		result = (await retryOn(submit(password), 'password_invalid', attempt, io)) ?? result;
	}
	return result;
}

/** Undefined (ask again) when the step failed with `code` and tries are left; else rethrows. */
async function retryOn<T>(step: Promise<T>, code: LoginError['code'], attempt: number, io: LoginIo): Promise<T | undefined> {
	const outcome = await step.then(
		(value) => ({ value, error: undefined }),
		(error: unknown) => ({ value: undefined, error }),
	);
	if (outcome.error === undefined) return outcome.value;
	if (outcome.error instanceof LoginError && outcome.error.code === code && attempt < MAX_TRIES) {
		io.stderr.write(`${outcome.error.message}\n`);
		return undefined;
	}
	throw outcome.error;
}

/** Writes a secret to a file readable by its owner only (also when the file existed with a wider mode). */
async function writePrivateFile(path: string, text: string): Promise<void> {
	const handle = await open(path, 'w', 0o600).catch((error: NodeJS.ErrnoException) => {
		throw new CliError(`cannot write ${path}: ${error.code ?? error.message}`);
	});
	try {
		await handle.chmod(0o600); // before any byte is written: an existing file keeps its old mode otherwise
		await handle.writeFile(text);
	} finally {
		await handle.close();
	}
}

function checked<T>(fn: () => T): T {
	let problem: unknown;
	try {
		return fn();
	} catch (error) {
		problem = error;
	}
	throw new CliError(problem instanceof Error ? problem.message : String(problem));
}

/**
 * Reads answers line by line. Lines that arrive before their question are kept (scripted input).
 * On a terminal, hidden answers are read with echo muted.
 */
class Prompter {
	private readonly lines: string[] = [];
	private readonly waiting: Array<(line: string | undefined) => void> = [];
	private ended = false;
	private readonly rl: Interface;
	private muted = false;

	constructor(private readonly io: LoginIo) {
		const terminal = io.input.isTTY === true;
		const echo = new Writable({
			write: (chunk: Buffer, _encoding, callback) => {
				if (!this.muted) io.stderr.write(chunk.toString());
				callback();
			},
		});
		this.rl = createInterface({ input: io.input, output: terminal ? echo : undefined, terminal });
		this.rl.on('line', (line) => {
			const next = this.waiting.shift();
			if (next) next(line);
			else this.lines.push(line);
		});
		this.rl.on('close', () => {
			this.ended = true;
			for (const next of this.waiting.splice(0)) next(undefined);
		});
	}

	async ask(question: string): Promise<string> {
		this.io.stderr.write(question);
		const line = await this.next();
		if (line === undefined) throw new CliError(`input ended before an answer to "${question.replace(/[:\s]+$/, '')}"`);
		return line.trim();
	}

	async askHidden(question: string): Promise<string> {
		this.io.stderr.write(question);
		this.muted = true;
		try {
			const line = await this.next();
			if (line === undefined) throw new CliError(`input ended before an answer to "${question.replace(/[:\s]+$/, '')}"`);
			return line;
		} finally {
			this.muted = false;
			if (this.io.input.isTTY) this.io.stderr.write('\n');
		}
	}

	close(): void {
		this.rl.close();
	}

	private next(): Promise<string | undefined> {
		const line = this.lines.shift();
		if (line !== undefined) return Promise.resolve(line);
		if (this.ended) return Promise.resolve(undefined);
		return new Promise((resolve) => this.waiting.push(resolve));
	}
}

function processIo(): LoginIo {
	return { input: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}
