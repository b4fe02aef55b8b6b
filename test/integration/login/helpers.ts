/** Set-up for login wire tests: a sandbox whose accounts can log in, and a LoginManager. */
import { silentLogger, startSandbox, type Sandbox, type SandboxLogger } from '../../../src/sandbox';
import { createTelegramClient, destroyClient } from '../../../src/telegram/connection';
import { Api } from '../../../src/telegram/gramjs';
import { LoginManager, type LoginStart } from '../../../src/telegram/login';

export const ALICE = '1000001';
export const BOB = '1000002';
export const CAROL = '1000003';
export const ALICE_PHONE = '+1 555 000 0001';
export const BOB_PHONE = '+15550000002';
export const CAROL_PHONE = '+15550000003';
export const ALICE_CODE = '86420';
export const BOB_CODE = '97531';
export const CAROL_CODE = '45123';
export const BOB_PASSWORD = 'bob-two-step-Секрет';
export const CAROL_PASSWORD = 'carol-pass-9';

export function loginScenario(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		seed: 23,
		accounts: [
			{ id: ALICE, label: 'Alice', username: 'alice', balance: 100, phone: ALICE_PHONE, loginCode: ALICE_CODE },
			{ id: BOB, label: 'Bob', username: 'bob', balance: 100, phone: BOB_PHONE, loginCode: BOB_CODE, password: BOB_PASSWORD, passwordHint: 'the usual' },
			{ id: CAROL, label: 'Carol', balance: 100, phone: CAROL_PHONE, loginCode: CAROL_CODE, password: CAROL_PASSWORD },
		],
		gifts: [{ id: '5001', stars: 10, limited: true, total: 5 }],
		...overrides,
	};
}

/** A logger that keeps every line, so tests can scan it for secrets. */
export function capturingLogger(lines: string[]): SandboxLogger {
	return {
		info: (m) => lines.push(m),
		warn: (m) => lines.push(m),
		error: (m) => lines.push(m),
	};
}

export interface LoginWorld {
	sandbox: Sandbox;
	manager: LoginManager;
	/** apiId/apiHash/server plus a fresh not-signed-in sandbox session. */
	start(): LoginStart;
	/** users.getUsers([self]) through a new client on `session`: the signed-in user's id. */
	whoAmI(session: string): Promise<string>;
	close(): Promise<void>;
}

export async function loginWorld(
	overrides: Record<string, unknown> = {},
	options: { logLines?: string[]; ttlMs?: number; callDeadlineMs?: number } = {},
): Promise<LoginWorld> {
	const sandbox = await startSandbox(loginScenario(overrides), {
		logger: options.logLines ? capturingLogger(options.logLines) : silentLogger(),
	});
	const manager = new LoginManager({ ttlMs: options.ttlMs, callDeadlineMs: options.callDeadlineMs ?? 5_000 });
	const { apiId, apiHash, server } = sandbox.credentials;
	return {
		sandbox,
		manager,
		start: () => ({ apiId, apiHash, server, startSession: sandbox.issueLoginSession() }),
		async whoAmI(session) {
			const client = createTelegramClient({ apiId, apiHash, server, session });
			try {
				await client.connect();
				const [me] = await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }));
				return String(me.id);
			} finally {
				await destroyClient(client);
			}
		},
		async close() {
			await manager.close();
			await sandbox.stop();
		},
	};
}

export interface CliRun {
	code: number;
	stdout: string;
	stderr: string;
}

/**
 * Runs the `login` command's run() with scripted answers on an injected input stream (no TTY),
 * capturing stdout and stderr. `onStderr` sees stderr as it grows (e.g. to scan a shown QR).
 */
export async function runLoginCli(
	argv: string[],
	answers: string[],
	env: Record<string, string | undefined>,
	onStderr?: (soFar: string) => void,
): Promise<CliRun> {
	const { PassThrough } = await import('node:stream');
	const { run } = await import('../../../src/cli/login');
	const input = new PassThrough();
	let stdout = '';
	let stderr = '';
	for (const answer of answers) input.write(`${answer}\n`);
	input.end();
	const code = await run(argv, {
		input,
		env,
		stdout: { write: (text: string) => (stdout += text) },
		stderr: {
			write: (text: string) => {
				stderr += text;
				onStderr?.(stderr);
				return true;
			},
		},
	});
	return { code, stdout, stderr };
}
