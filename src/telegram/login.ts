/**
 * Getting a session string: phone code (+ 2FA password) and QR login, in steps that may come
 * from separate calls (CLI prompts, or separate n8n executions of the Session operations).
 *
 * Why a manager keeping clients alive: Telegram ties the sent code (phone_code_hash), the QR
 * token and the pending 2FA step to the auth key of the connection that started the login.
 * Dropping the client between "send code" and "sign in", or between the QR scan and the
 * password, loses the login. So each pending login keeps its client in this process under a
 * random login id, and is destroyed after 5 minutes (or when it completes or fails for good).
 *
 * The library's high-level helpers (signInUser, signInUserWithQrCode) drive the whole flow
 * through callbacks and sleeps inside one call, which cannot span separate executions; the raw
 * calls below are the same requests, step by step.
 *
 * No result or error ever contains the api_hash, the code, the password or (except the final
 * result) the session string.
 */
import { randomBytes } from 'node:crypto';
import { createTelegramClient, destroyClient, type TelegramServer } from './connection';
import { redactSecrets } from './errors';
import { Api, computeCheck, errors, StringSession, type TelegramClient } from './gramjs';
import { withDeadline } from './resilience';

export type LoginErrorCode =
	| 'invalid_input'
	| 'login_not_found'
	| 'wrong_step'
	| 'phone_invalid'
	| 'api_invalid'
	| 'code_invalid'
	| 'code_expired'
	| 'password_invalid'
	| 'qr_expired'
	| 'sign_up_required'
	| 'flood_wait'
	| 'network'
	| 'telegram';

/** A login step failed; `code` says why, `message` says what to do. Never carries secrets. */
export class LoginError extends Error {
	constructor(
		readonly code: LoginErrorCode,
		message: string,
		readonly details: { field?: string; seconds?: number; telegramError?: string } = {},
	) {
		super(redactSecrets(message));
		this.name = 'LoginError';
	}
}

export type CodeType = 'app' | 'sms' | 'call' | 'flash_call' | 'missed_call' | 'email' | 'fragment_sms' | 'other';

export interface LoginStart {
	apiId: number;
	apiHash: string;
	server: TelegramServer;
	/**
	 * A connected but not signed-in session to start from. Only the sandbox needs it (it prints
	 * one as `login_session`); for Telegram leave it empty and a fresh key is negotiated.
	 */
	startSession?: string;
}

export interface SignedInUser {
	id: string;
	username?: string;
	firstName?: string;
}

export type SignInResult = { session: string; user: SignedInUser } | { passwordNeeded: true; hint?: string };
export type QrCompleteResult = SignInResult | { pending: true; url: string; expiresAt: string };

export interface LoginManagerOptions {
	/** How long a pending login (and its client) lives. Default 5 minutes. */
	ttlMs?: number;
	/** Deadline of each request to Telegram (the library has none). Default 30 s. */
	callDeadlineMs?: number;
	now?: () => number;
}

interface QrState {
	token: Buffer;
	expiresAtMs: number;
	/** Telegram pushed updateLoginToken: the token was accepted in an app. */
	scanned: boolean;
	wake: Set<() => void>;
}

interface PendingLogin {
	id: string;
	kind: 'code' | 'qr';
	client: TelegramClient;
	apiId: number;
	apiHash: string;
	phone?: string;
	phoneCodeHash?: string;
	stage: 'code' | 'qr' | 'password';
	qr?: QrState;
	expiresAtMs: number;
	timer: NodeJS.Timeout;
	/** Steps of one login run one at a time. */
	queue: Promise<unknown>;
}

const DEFAULT_TTL_MS = 5 * 60 * 1000;
const DEFAULT_CALL_DEADLINE_MS = 30_000;
const MAX_WAIT_MS = 120_000;

export class LoginManager {
	private readonly logins = new Map<string, PendingLogin>();
	private readonly ttlMs: number;
	private readonly callDeadlineMs: number;
	private readonly now: () => number;

	constructor(options: LoginManagerOptions = {}) {
		this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
		this.callDeadlineMs = options.callDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS;
		this.now = options.now ?? Date.now;
	}

	/** Pending logins in this process. */
	get size(): number {
		return this.logins.size;
	}

	/** Step 1 of a phone login: Telegram sends a code (to the Telegram app, usually). */
	async sendCode(input: LoginStart & { phone: string }): Promise<{ loginId: string; codeType: CodeType; codeLength?: number; expiresAt: string }> {
		const phone = normalizePhone(input.phone);
		const start = checkStart(input);
		const client = await this.connect(start);
		const sent = await settle(this.call(client, new Api.auth.SendCode({
			phoneNumber: phone,
			apiId: start.apiId,
			apiHash: start.apiHash,
			settings: new Api.CodeSettings({}),
		})));
		if (!sent.ok || !(sent.value instanceof Api.auth.SentCode)) {
			await destroyClient(client);
			throw sent.ok
				? new LoginError('telegram', 'Telegram signed in without a code (auth.sentCodeSuccess); this login path is not supported, use QR login')
				: sent.error;
		}
		const login = this.register(client, 'code', start, { phone, phoneCodeHash: sent.value.phoneCodeHash, stage: 'code' });
		const { codeType, codeLength } = describeCodeType(sent.value.type);
		return { loginId: login.id, codeType, codeLength, expiresAt: new Date(login.expiresAtMs).toISOString() };
	}

	/**
	 * Step 2: the code (and the 2FA password when the account has one; it may be given together
	 * with the code, or in a later call after `{passwordNeeded: true}`).
	 */
	async signIn(input: { loginId: string; code?: string; password?: string }): Promise<SignInResult> {
		const login = this.get(input.loginId, 'code');
		return await this.serialize(login, async () => {
			if (login.stage === 'code') {
				const code = typeof input.code === 'string' ? input.code.replace(/[\s-]/g, '') : '';
				if (!/^[0-9]{3,10}$/.test(code)) throw new LoginError('invalid_input', 'code must be the digits Telegram sent', { field: 'code' });
				const outcome = await this.call(login.client, new Api.auth.SignIn({
					phoneNumber: login.phone,
					phoneCodeHash: login.phoneCodeHash,
					phoneCode: code,
				})).then(
					(result) => ({ result, passwordNeeded: false }),
					async (error: unknown) => {
						if (rpcName(error) === 'SESSION_PASSWORD_NEEDED') return { result: undefined, passwordNeeded: true };
						if (rpcName(error) === 'PHONE_CODE_EXPIRED') await this.end(login);
						throw error;
					},
				);
				if (!outcome.passwordNeeded) {
					if (outcome.result instanceof Api.auth.AuthorizationSignUpRequired) {
						await this.end(login);
						throw new LoginError('sign_up_required', 'This phone number has no Telegram account yet: sign up in a Telegram app first');
					}
					return await this.finish(login, outcome.result as Api.auth.Authorization);
				}
				login.stage = 'password';
			}
			return await this.passwordStep(login, input.password);
		});
	}

	/** Step 1 of a QR login: a `tg://login?token=…` URL to show as a QR code (scan it in Settings → Devices). */
	async qrStart(input: LoginStart): Promise<{ loginId: string; url: string; expiresAt: string }> {
		const start = checkStart(input);
		const client = await this.connect(start);
		const login = this.register(client, 'qr', start, { stage: 'qr' });
		const qr: QrState = { token: Buffer.alloc(0), expiresAtMs: 0, scanned: false, wake: new Set() };
		login.qr = qr;
		client.addEventHandler((update: unknown) => {
			if (update instanceof Api.UpdateLoginToken) {
				qr.scanned = true;
				for (const wake of [...qr.wake]) wake();
			}
		});
		const first = await settle(this.serialize(login, async () => await this.exportToken(login)));
		if (!first.ok || !('pending' in first.value)) {
			await this.end(login);
			throw first.ok ? new LoginError('telegram', 'Telegram answered the first QR request with a finished login') : first.error;
		}
		return { loginId: login.id, url: first.value.url, expiresAt: first.value.expiresAt };
	}

	/**
	 * Step 2 of a QR login: waits up to `waitMs` (default 0, at most 120 s) for the scan, then
	 * finishes the login, asks for the 2FA password, or answers `pending` (scan not seen yet).
	 * After the QR expired unscanned it throws `qr_expired` (call `qrRefresh` for a new one).
	 */
	async qrComplete(input: { loginId: string; password?: string; waitMs?: number }): Promise<QrCompleteResult> {
		const login = this.get(input.loginId, 'qr');
		const waitMs = input.waitMs ?? 0;
		if (!Number.isFinite(waitMs) || waitMs < 0) throw new LoginError('invalid_input', 'waitMs must be a number ≥ 0', { field: 'waitMs' });
		return await this.serialize(login, async () => {
			if (login.stage === 'password') return await this.passwordStep(login, input.password);
			const qr = login.qr!;
			if (!qr.scanned) await this.waitForScan(login, Math.min(waitMs, MAX_WAIT_MS, Math.max(0, login.expiresAtMs - this.now())));
			if (!qr.scanned) {
				if (this.now() < qr.expiresAtMs) return this.pendingResult(qr);
				// The push may have been missed (a reconnect): ask about this token once before giving up.
				const late = await this.importToken(login);
				if (late) return late;
				throw new LoginError('qr_expired', 'The QR code expired before it was scanned: show a new one (QR Start, or refresh) and scan it within its lifetime');
			}
			return await this.exportToken(login, input.password);
		});
	}

	/** A new QR token for a pending QR login (or the finished login, if it was scanned meanwhile). */
	async qrRefresh(input: { loginId: string; password?: string }): Promise<QrCompleteResult> {
		const login = this.get(input.loginId, 'qr');
		return await this.serialize(login, async () => {
			if (login.stage === 'password') return await this.passwordStep(login, input.password);
			return await this.exportToken(login, input.password);
		});
	}

	/** Abandons a pending login (its client is destroyed). Unknown ids are ignored. */
	async cancel(loginId: string): Promise<void> {
		const login = this.logins.get(loginId);
		if (login) await this.end(login);
	}

	/** Destroys every pending login (tests, process shutdown). */
	async close(): Promise<void> {
		await Promise.all([...this.logins.values()].map((l) => this.end(l)));
	}

	// ---- steps ----------------------------------------------------------------------------------

	private async passwordStep(login: PendingLogin, password: string | undefined): Promise<SignInResult> {
		const params = await this.call(login.client, new Api.account.GetPassword());
		if (password === undefined || password === '') return { passwordNeeded: true, hint: params.hint || undefined };
		const check = await computeCheck(params, password).catch(() => undefined);
		if (!check) throw new LoginError('telegram', 'Telegram sent two-step verification parameters this client cannot use');
		const authorization = await this.call(login.client, new Api.auth.CheckPassword({ password: check }));
		return await this.finish(login, authorization as Api.auth.Authorization);
	}

	private async exportToken(login: PendingLogin, password?: string): Promise<QrCompleteResult> {
		const qr = login.qr!;
		let answer = await settle(this.call(login.client, new Api.auth.ExportLoginToken({ apiId: login.apiId, apiHash: login.apiHash, exceptIds: [] })));
		if (answer.ok && answer.value instanceof Api.auth.LoginTokenMigrateTo) {
			// The account lives on another DC: continue there (new auth key) with the token it hands on.
			const switcher = login.client as unknown as { _switchDC(dc: number): Promise<unknown> };
			const token = answer.value.token;
			await withDeadline(switcher._switchDC(answer.value.dcId), this.callDeadlineMs, () => networkError());
			answer = await settle(this.call(login.client, new Api.auth.ImportLoginToken({ token })));
		}
		if (!answer.ok) {
			if (rpcName(answer.error) !== 'SESSION_PASSWORD_NEEDED') throw answer.error;
			login.stage = 'password';
			return await this.passwordStep(login, password);
		}
		const result = answer.value;
		if (result instanceof Api.auth.LoginTokenSuccess) return await this.finish(login, result.authorization as Api.auth.Authorization);
		if (result instanceof Api.auth.LoginToken) {
			qr.token = Buffer.from(result.token);
			qr.expiresAtMs = result.expires * 1000;
			qr.scanned = false;
			return this.pendingResult(qr);
		}
		throw new LoginError('telegram', 'Telegram answered the QR login with an unexpected result');
	}

	/** importLoginToken for the current token: the login if it was accepted, undefined if not. */
	private async importToken(login: PendingLogin): Promise<SignInResult | undefined> {
		const qr = login.qr!;
		if (qr.token.length === 0) return undefined;
		const answer = await settle(this.call(login.client, new Api.auth.ImportLoginToken({ token: qr.token })));
		if (answer.ok) {
			const result = answer.value;
			return result instanceof Api.auth.LoginTokenSuccess ? await this.finish(login, result.authorization as Api.auth.Authorization) : undefined;
		}
		const name = rpcName(answer.error);
		if (name === 'SESSION_PASSWORD_NEEDED') {
			login.stage = 'password';
			return await this.passwordStep(login, undefined);
		}
		if (name === 'AUTH_TOKEN_EXPIRED' || name === 'AUTH_TOKEN_INVALID') return undefined;
		throw answer.error;
	}

	private pendingResult(qr: QrState): { pending: true; url: string; expiresAt: string } {
		return { pending: true, url: loginUrl(qr.token), expiresAt: new Date(qr.expiresAtMs).toISOString() };
	}

	private waitForScan(login: PendingLogin, ms: number): Promise<void> {
		const qr = login.qr!;
		if (ms <= 0 || qr.scanned) return Promise.resolve();
		return new Promise((resolve) => {
			const done = (): void => {
				clearTimeout(timer);
				qr.wake.delete(done);
				resolve();
			};
			const timer = setTimeout(done, ms);
			qr.wake.add(done);
		});
	}

	private async finish(login: PendingLogin, authorization: Api.auth.Authorization): Promise<{ session: string; user: SignedInUser }> {
		const session = (login.client.session as unknown as { save(): string }).save();
		const u = authorization.user;
		const user: SignedInUser = { id: String(u.id) };
		if (u instanceof Api.User) {
			if (u.username) user.username = u.username;
			if (u.firstName) user.firstName = u.firstName;
		}
		await this.end(login);
		return { session, user };
	}

	// ---- bookkeeping ----------------------------------------------------------------------------

	private async connect(start: LoginStart): Promise<TelegramClient> {
		const created = newClient(start);
		if ('problem' in created) {
			const field = created.problem.startsWith('session') ? 'startSession' : 'server';
			throw new LoginError('invalid_input', field === 'startSession' ? 'startSession is not a valid session string' : created.problem, { field });
		}
		const { client } = created;
		const connected = await settle(withDeadline(client.connect(), this.callDeadlineMs, () => networkError(start.server)));
		if (!connected.ok) {
			await destroyClient(client);
			throw networkError(start.server);
		}
		return client;
	}

	private register(client: TelegramClient, kind: PendingLogin['kind'], start: LoginStart, rest: Partial<PendingLogin>): PendingLogin {
		const id = randomBytes(16).toString('base64url');
		const expiresAtMs = this.now() + this.ttlMs;
		const timer = setTimeout(() => {
			const login = this.logins.get(id);
			if (login) void this.end(login);
		}, this.ttlMs);
		timer.unref();
		const login: PendingLogin = {
			id,
			kind,
			client,
			apiId: start.apiId,
			apiHash: start.apiHash,
			stage: kind === 'qr' ? 'qr' : 'code',
			expiresAtMs,
			timer,
			queue: Promise.resolve(),
			...rest,
		};
		this.logins.set(id, login);
		return login;
	}

	private get(loginId: unknown, kind: PendingLogin['kind']): PendingLogin {
		if (typeof loginId !== 'string' || loginId.trim() === '') {
			throw new LoginError('invalid_input', 'loginId is required (the id returned by the first step)', { field: 'loginId' });
		}
		const login = this.logins.get(loginId.trim());
		if (!login || this.now() >= login.expiresAtMs) {
			if (login) void this.end(login);
			throw new LoginError(
				'login_not_found',
				'Unknown or expired login id: start again. A pending login lives 5 minutes, only in the n8n process (or CLI run) that started it',
				{ field: 'loginId' },
			);
		}
		if (login.kind !== kind) {
			throw new LoginError('wrong_step', kind === 'qr'
				? 'This login id belongs to a phone-code login: use Sign In'
				: 'This login id belongs to a QR login: use QR Complete', { field: 'loginId' });
		}
		return login;
	}

	private serialize<T>(login: PendingLogin, step: () => Promise<T>): Promise<T> {
		const next = login.queue.then(step, step);
		login.queue = next.catch(() => undefined);
		return next;
	}

	private async end(login: PendingLogin): Promise<void> {
		if (this.logins.get(login.id) !== login) return;
		this.logins.delete(login.id);
		clearTimeout(login.timer);
		for (const wake of login.qr?.wake ?? []) wake();
		await destroyClient(login.client);
	}

	/** One request with a deadline; library errors become LoginErrors. */
	private async call<R extends Api.AnyRequest>(client: TelegramClient, request: R): Promise<R['__response']> {
		const answer = await settle(withDeadline(client.invoke(request), this.callDeadlineMs, () => networkError()));
		if (!answer.ok) throw toLoginError(answer.error);
		return answer.value;
	}
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise's outcome as a value (errors are rethrown outside of catch blocks, as lint wants). */
function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
	return promise.then(
		(value) => ({ ok: true as const, value }),
		(error: unknown) => ({ ok: false as const, error }),
	);
}

/**
 * Sends per login request: the library follows PHONE_MIGRATE_X / NETWORK_MIGRATE_X (303) itself —
 * reconnects to DC X with a new auth key and repeats the call there — which takes a second send;
 * a third covers NETWORK_MIGRATE followed by PHONE_MIGRATE. The pending login (phone_code_hash,
 * QR token) lives on in the same client at its new DC.
 */
const LOGIN_REQUEST_RETRIES = 3;

/** createTelegramClient's validation errors as a value (they name the field, never a secret). */
function newClient(start: LoginStart): { client: TelegramClient } | { problem: string } {
	try {
		return { client: createTelegramClient({ ...start, session: start.startSession ?? '', connectionRetries: 1, requestRetries: LOGIN_REQUEST_RETRIES }) };
	} catch (error) {
		return { problem: error instanceof Error ? error.message : String(error) };
	}
}

function checkStart(input: LoginStart): LoginStart {
	const apiId = typeof input.apiId === 'string' ? Number(input.apiId) : input.apiId;
	if (!Number.isSafeInteger(apiId) || apiId <= 0) {
		throw new LoginError('invalid_input', 'apiId must be a positive whole number (api_id from my.telegram.org)', { field: 'apiId' });
	}
	const apiHash = typeof input.apiHash === 'string' ? input.apiHash.trim() : '';
	if (apiHash === '' || /\s/.test(apiHash)) {
		throw new LoginError('invalid_input', 'apiHash must be the api_hash from my.telegram.org (no spaces)', { field: 'apiHash' });
	}
	if (input.startSession !== undefined && typeof input.startSession !== 'string') {
		throw new LoginError('invalid_input', 'startSession must be a session string', { field: 'startSession' });
	}
	return { apiId, apiHash, server: input.server, startSession: input.startSession?.trim() || undefined };
}

/** "+1 555 000-1111" → "15550001111"; refuses anything that is not a phone number. */
export function normalizePhone(phone: unknown): string {
	const text = typeof phone === 'string' ? phone.trim() : '';
	const digits = text.replace(/[\s()-]/g, '').replace(/^\+/, '');
	if (!/^[1-9][0-9]{4,14}$/.test(digits)) {
		throw new LoginError('invalid_input', 'phone must be a phone number in international format, e.g. +15550001111', { field: 'phone' });
	}
	return digits;
}

/** `production`, `test` or `HOST:PORT` (a sandbox or another MTProto server). */
export function parseServerSpec(text: unknown): TelegramServer {
	const value = typeof text === 'string' ? text.trim() : '';
	if (value === '' || value === 'production') return { kind: 'production' };
	if (value === 'test') return { kind: 'test' };
	const match = /^([^\s:/]+|\[[0-9a-fA-F:]+\]):([0-9]{1,5})$/.exec(value);
	const port = match ? Number(match[2]) : 0;
	if (!match || port < 1 || port > 65535) {
		throw new LoginError('invalid_input', 'server must be "production", "test" or HOST:PORT (e.g. 127.0.0.1:24000 for the sandbox)', { field: 'server' });
	}
	return { kind: 'custom', host: match[1].replace(/^\[|\]$/g, ''), port };
}

/** The server address a session string points at (how the CLI finds the sandbox from its login session). */
export function serverOfSession(session: string): TelegramServer | undefined {
	const parsed = parseStringSession(session);
	if (!parsed?.serverAddress || !parsed.port) return undefined;
	return { kind: 'custom', host: parsed.serverAddress, port: parsed.port };
}

function parseStringSession(session: string): StringSession | undefined {
	try {
		return new StringSession(session);
	} catch {
		return undefined;
	}
}

export function loginUrl(token: Buffer): string {
	return `tg://login?token=${token.toString('base64url')}`;
}

function describeCodeType(type: Api.auth.TypeSentCodeType): { codeType: CodeType; codeLength?: number } {
	const length = (type as { length?: number }).length;
	const codeLength = typeof length === 'number' && length > 0 ? length : undefined;
	if (type instanceof Api.auth.SentCodeTypeApp) return { codeType: 'app', codeLength };
	if (type instanceof Api.auth.SentCodeTypeSms) return { codeType: 'sms', codeLength };
	if (type instanceof Api.auth.SentCodeTypeCall) return { codeType: 'call', codeLength };
	if (type instanceof Api.auth.SentCodeTypeFlashCall) return { codeType: 'flash_call' };
	if (type instanceof Api.auth.SentCodeTypeMissedCall) return { codeType: 'missed_call', codeLength };
	if (type instanceof Api.auth.SentCodeTypeEmailCode) return { codeType: 'email', codeLength };
	if (type instanceof Api.auth.SentCodeTypeFragmentSms) return { codeType: 'fragment_sms', codeLength };
	return { codeType: 'other', codeLength };
}

function rpcName(error: unknown): string | undefined {
	if (error instanceof LoginError) return error.details.telegramError;
	if (error instanceof errors.RPCError && typeof error.errorMessage === 'string') return error.errorMessage;
	return undefined;
}

function networkError(server?: TelegramServer): LoginError {
	const where = server === undefined ? 'Telegram' : server.kind === 'custom' ? `${server.host}:${server.port}` : `Telegram (${server.kind})`;
	const hint = server?.kind === 'custom' ? ' (a sandbox needs its login_session as the start session)' : '';
	return new LoginError('network', `No answer from ${where} in time${hint}`);
}

const FLOOD = /^FLOOD(?:_PREMIUM|_TEST_PHONE)?_WAIT_(\d+)$/;

const MESSAGES: Record<string, [LoginErrorCode, string]> = {
	PHONE_NUMBER_INVALID: ['phone_invalid', 'Telegram does not accept this phone number: write it in international format, e.g. +15550001111'],
	PHONE_NUMBER_BANNED: ['phone_invalid', 'This phone number is banned by Telegram'],
	PHONE_NUMBER_UNOCCUPIED: ['sign_up_required', 'This phone number has no Telegram account yet: sign up in a Telegram app first'],
	API_ID_INVALID: ['api_invalid', 'Telegram refused api_id / api_hash: copy both from my.telegram.org (API development tools)'],
	API_ID_PUBLISHED_FLOOD: ['api_invalid', 'This api_id is published and blocked by Telegram: create your own at my.telegram.org'],
	PHONE_CODE_INVALID: ['code_invalid', 'The code is wrong: type the code from the Telegram app again'],
	PHONE_CODE_EMPTY: ['invalid_input', 'The code is empty'],
	PHONE_CODE_EXPIRED: ['code_expired', 'The code has expired: send a new code and use it within a few minutes'],
	PHONE_CODE_HASH_EMPTY: ['code_expired', 'The code request is no longer known: send a new code'],
	PASSWORD_HASH_INVALID: ['password_invalid', 'The two-step verification password is wrong'],
	SRP_ID_INVALID: ['password_invalid', 'The password check timed out on Telegram\'s side: enter the password again'],
	AUTH_TOKEN_EXPIRED: ['qr_expired', 'The QR code expired: show a new one'],
	AUTH_TOKEN_INVALID: ['qr_expired', 'The QR code is no longer valid: show a new one'],
	AUTH_RESTART: ['telegram', 'Telegram asked to restart the login: start again'],
	PHONE_PASSWORD_FLOOD: ['flood_wait', 'Too many password attempts: Telegram blocks further tries for a while'],
};

export function toLoginError(error: unknown): LoginError {
	if (error instanceof LoginError) return error;
	if (error instanceof errors.FloodWaitError || error instanceof errors.FloodTestPhoneWaitError) {
		return floodError(error.seconds, error.errorMessage);
	}
	if (error instanceof errors.RPCError && typeof error.errorMessage === 'string') {
		const name = error.errorMessage;
		const flood = FLOOD.exec(name);
		if (flood) return floodError(Number(flood[1]), name);
		const known = MESSAGES[name];
		if (known) return new LoginError(known[0], `${known[1]} (${name})`, { telegramError: name });
		return new LoginError('telegram', `Telegram refused the login step: ${name}`, { telegramError: name });
	}
	return new LoginError('network', 'The connection to Telegram failed during the login step');
}

function floodError(seconds: number, name: string): LoginError {
	return new LoginError('flood_wait', `Telegram asks to wait ${seconds} s before trying again (${name})`, { seconds, telegramError: name });
}

let shared: LoginManager | undefined;

/** The process-wide manager the n8n node uses (pending logins must outlive one execution). */
export function getLoginManager(): LoginManager {
	shared ??= new LoginManager();
	return shared;
}
