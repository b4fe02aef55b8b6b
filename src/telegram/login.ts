/**
 * Getting a session string: phone code (+ 2FA password) and QR login, in steps that may come
 * from separate calls (CLI prompts, or separate n8n executions of the Session operations, which
 * in queue mode run on any worker).
 *
 * Why the state is kept between steps, and where: Telegram ties the sent code (phone_code_hash),
 * the QR token and the pending 2FA step to the auth key that started the login. So each step
 * connects with that key, does its part, saves the login (sealed, src/telegram/pendingLogin.ts)
 * in a vault — the package's store for n8n, shared by all processes; memory for the CLI — and
 * disconnects. No connection is held between steps, so no two processes ever use a login's auth
 * key at once (Telegram answers that with AUTH_KEY_DUPLICATED once the key is signed in). A step
 * claims the login first (a fencing token with a lease it renews while it runs): a second step
 * of the same login meanwhile gets `login_busy`, and a step that died frees it when its lease
 * runs out. A login lives 5 minutes from its first step.
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
import {
	MemoryLoginVault,
	openPendingLogin,
	pendingLoginKey,
	sealPendingLogin,
	type PendingLoginState,
	type PendingLoginVault,
} from './pendingLogin';
import { withDeadline } from './resilience';

export type LoginErrorCode =
	| 'invalid_input'
	| 'login_not_found'
	| 'login_busy'
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
	| 'storage'
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
	/** Where pending logins live between steps. Default: this process's memory (the CLI). */
	vault?: PendingLoginVault;
	/** How long a pending login lives. Default 5 minutes. */
	ttlMs?: number;
	/** Deadline of each request to Telegram (the library has none). Default 30 s. */
	callDeadlineMs?: number;
	/** How long a step's claim lasts without renewal (it is renewed every third of it). Default 15 s. */
	claimLeaseMs?: number;
	now?: () => number;
}

/** One step of one login: its state, the connection it uses (made on first need) and how it ends. */
interface LoginStep {
	loginId: string;
	key: string;
	state: PendingLoginState;
	expiresAtMs: number;
	/** The step's claim token; none for the first step (the login is created at its end). */
	claimant?: string;
	client?: TelegramClient;
	/** Telegram pushed updateLoginToken on this step's connection: the QR token was accepted. */
	scanned: boolean;
	wake: Set<() => void>;
	/** The login ended: signed in (`finished`), or dead for good (`ended`): its record is deleted. */
	finished: boolean;
	ended: boolean;
}

const DEFAULT_TTL_MS = 5 * 60 * 1000;
const DEFAULT_CALL_DEADLINE_MS = 30_000;
const DEFAULT_CLAIM_LEASE_MS = 15_000;
const MAX_WAIT_MS = 120_000;

export class LoginManager {
	private readonly vault: PendingLoginVault;
	private readonly ttlMs: number;
	private readonly callDeadlineMs: number;
	private readonly claimLeaseMs: number;
	private readonly now: () => number;
	/** Connections of the steps running now (none between steps). */
	private readonly connected = new Set<TelegramClient>();

	constructor(options: LoginManagerOptions = {}) {
		this.vault = options.vault ?? new MemoryLoginVault();
		this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
		this.callDeadlineMs = options.callDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS;
		this.claimLeaseMs = options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
		this.now = options.now ?? Date.now;
	}

	/** Connections this manager holds right now: only while a step runs, never between steps. */
	get size(): number {
		return this.connected.size;
	}

	/** Step 1 of a phone login: Telegram sends a code (to the Telegram app, usually). */
	async sendCode(input: LoginStart & { phone: string }): Promise<{ loginId: string; codeType: CodeType; codeLength?: number; expiresAt: string }> {
		const phone = normalizePhone(input.phone);
		const start = checkStart(input);
		return await this.firstStep(start, 'code', async (login) => {
			const sent = await this.call(login, new Api.auth.SendCode({
				phoneNumber: phone,
				apiId: start.apiId,
				apiHash: start.apiHash,
				settings: new Api.CodeSettings({}),
			}));
			if (!(sent instanceof Api.auth.SentCode)) {
				throw new LoginError('telegram', 'Telegram signed in without a code (auth.sentCodeSuccess); this login path is not supported, use QR login');
			}
			login.state.phone = phone;
			login.state.phoneCodeHash = sent.phoneCodeHash;
			const { codeType, codeLength } = describeCodeType(sent.type);
			return { loginId: login.loginId, codeType, codeLength, expiresAt: new Date(login.expiresAtMs).toISOString() };
		});
	}

	/**
	 * Step 2: the code (and the 2FA password when the account has one; it may be given together
	 * with the code, or in a later call after `{passwordNeeded: true}`).
	 */
	async signIn(input: { loginId: string; code?: string; password?: string }): Promise<SignInResult> {
		return await this.nextStep(input.loginId, 'code', 0, async (login) => {
			if (login.state.stage === 'code') {
				const code = typeof input.code === 'string' ? input.code.replace(/[\s-]/g, '') : '';
				if (!/^[0-9]{3,10}$/.test(code)) throw new LoginError('invalid_input', 'code must be the digits Telegram sent', { field: 'code' });
				const outcome = await this.call(login, new Api.auth.SignIn({
					phoneNumber: login.state.phone,
					phoneCodeHash: login.state.phoneCodeHash,
					phoneCode: code,
				})).then(
					(result) => ({ result, passwordNeeded: false }),
					(error: unknown) => {
						if (rpcName(error) === 'SESSION_PASSWORD_NEEDED') return { result: undefined, passwordNeeded: true };
						if (rpcName(error) === 'PHONE_CODE_EXPIRED') login.ended = true;
						throw error;
					},
				);
				if (!outcome.passwordNeeded) {
					if (outcome.result instanceof Api.auth.AuthorizationSignUpRequired) {
						login.ended = true;
						throw new LoginError('sign_up_required', 'This phone number has no Telegram account yet: sign up in a Telegram app first');
					}
					return this.finish(login, outcome.result as Api.auth.Authorization);
				}
				login.state.stage = 'password';
			}
			return await this.passwordStep(login, input.password);
		});
	}

	/** Step 1 of a QR login: a `tg://login?token=…` URL to show as a QR code (scan it in Settings → Devices). */
	async qrStart(input: LoginStart): Promise<{ loginId: string; url: string; expiresAt: string }> {
		const start = checkStart(input);
		return await this.firstStep(start, 'qr', async (login) => {
			const first = await this.exportToken(login);
			if (!('pending' in first)) throw new LoginError('telegram', 'Telegram answered the first QR request with a finished login');
			return { loginId: login.loginId, url: first.url, expiresAt: first.expiresAt };
		});
	}

	/**
	 * Step 2 of a QR login: waits up to `waitMs` (default 0, at most 120 s) for the scan, then
	 * finishes the login, asks for the 2FA password, or answers `pending` (scan not seen yet).
	 *
	 * A scan is seen at once when it happens while this step waits (Telegram pushes
	 * updateLoginToken to the login's connection). A scan made between steps — no connection was
	 * open to receive the push — is seen when the shown token runs out: then the token is asked
	 * for again, as Telegram's QR flow prescribes (api/qr-login: re-export on expiry), and Telegram
	 * answers with the login if the code was scanned, or with a new token (answered as `pending`
	 * with the new URL to show). Telegram's tokens live about 30 s, so a wait of 30 s or more
	 * always sees a scan that happened before it.
	 */
	async qrComplete(input: { loginId: string; password?: string; waitMs?: number }): Promise<QrCompleteResult> {
		const waitMs = input.waitMs ?? 0;
		if (!Number.isFinite(waitMs) || waitMs < 0) throw new LoginError('invalid_input', 'waitMs must be a number ≥ 0', { field: 'waitMs' });
		const boundedWaitMs = Math.min(waitMs, MAX_WAIT_MS);
		return await this.nextStep(input.loginId, 'qr', boundedWaitMs, async (login) => {
			if (login.state.stage === 'password') return await this.passwordStep(login, input.password);
			const deadline = this.now() + boundedWaitMs;
			if (boundedWaitMs > 0 && this.now() < (login.state.qrExpiresAtMs ?? 0)) {
				// A connection receives pushes for the key only once it has sent something (the server
				// learns whose connection it is from the first message): ask for the config, a call
				// that needs no sign-in and changes nothing.
				await this.call(login, new Api.help.GetConfig());
			}
			for (;;) {
				if (login.scanned || this.now() >= (login.state.qrExpiresAtMs ?? 0)) return await this.exportToken(login, input.password);
				if (this.now() >= deadline) return pendingResult(login.state);
				await this.waitForScan(login, Math.min(deadline, login.state.qrExpiresAtMs ?? 0) - this.now());
			}
		});
	}

	/** A new QR token for a pending QR login (or the finished login, if it was scanned meanwhile). */
	async qrRefresh(input: { loginId: string; password?: string }): Promise<QrCompleteResult> {
		return await this.nextStep(input.loginId, 'qr', 0, async (login) => {
			if (login.state.stage === 'password') return await this.passwordStep(login, input.password);
			return await this.exportToken(login, input.password);
		});
	}

	/** Abandons a pending login. Unknown ids are ignored. */
	async cancel(loginId: string): Promise<void> {
		if (typeof loginId !== 'string' || loginId.trim() === '') return;
		await this.vaultCall(() => this.vault.deletePendingLogin(pendingLoginKey(loginId.trim())));
	}

	/** Drops the connections of the steps running now (tests, process shutdown); saved logins stay. */
	async close(): Promise<void> {
		await Promise.all([...this.connected].map(async (client) => {
			this.connected.delete(client);
			await destroyClient(client);
		}));
	}

	// ---- steps ----------------------------------------------------------------------------------

	private async passwordStep(login: LoginStep, password: string | undefined): Promise<SignInResult> {
		const params = await this.call(login, new Api.account.GetPassword());
		if (password === undefined || password === '') return { passwordNeeded: true, hint: params.hint || undefined };
		const check = await computeCheck(params, password).catch(() => undefined);
		if (!check) throw new LoginError('telegram', 'Telegram sent two-step verification parameters this client cannot use');
		const authorization = await this.call(login, new Api.auth.CheckPassword({ password: check }));
		return this.finish(login, authorization as Api.auth.Authorization);
	}

	private async exportToken(login: LoginStep, password?: string): Promise<QrCompleteResult> {
		const { state } = login;
		const client = await this.client(login);
		let answer = await settle(this.call(login, new Api.auth.ExportLoginToken({ apiId: state.apiId, apiHash: state.apiHash, exceptIds: [] })));
		if (answer.ok && answer.value instanceof Api.auth.LoginTokenMigrateTo) {
			// The account lives on another DC: continue there (new auth key) with the token it hands on.
			const switcher = client as unknown as { _switchDC(dc: number): Promise<unknown> };
			const token = answer.value.token;
			await withDeadline(switcher._switchDC(answer.value.dcId), this.callDeadlineMs, () => networkError());
			answer = await settle(this.call(login, new Api.auth.ImportLoginToken({ token })));
		}
		if (!answer.ok) {
			if (rpcName(answer.error) !== 'SESSION_PASSWORD_NEEDED') throw answer.error;
			state.stage = 'password';
			return await this.passwordStep(login, password);
		}
		const result = answer.value;
		if (result instanceof Api.auth.LoginTokenSuccess) return this.finish(login, result.authorization as Api.auth.Authorization);
		if (result instanceof Api.auth.LoginToken) {
			state.qrToken = Buffer.from(result.token).toString('base64url');
			state.qrExpiresAtMs = result.expires * 1000;
			login.scanned = false;
			return pendingResult(state);
		}
		throw new LoginError('telegram', 'Telegram answered the QR login with an unexpected result');
	}

	private waitForScan(login: LoginStep, ms: number): Promise<void> {
		if (ms <= 0 || login.scanned) return Promise.resolve();
		return new Promise((resolve) => {
			const done = (): void => {
				clearTimeout(timer);
				login.wake.delete(done);
				resolve();
			};
			const timer = setTimeout(done, ms);
			login.wake.add(done);
		});
	}

	private finish(login: LoginStep, authorization: Api.auth.Authorization): { session: string; user: SignedInUser } {
		const session = saveSession(login.client!);
		const u = authorization.user;
		const user: SignedInUser = { id: String(u.id) };
		if (u instanceof Api.User) {
			if (u.username) user.username = u.username;
			if (u.firstName) user.firstName = u.firstName;
		}
		login.finished = true;
		return { session, user };
	}

	// ---- bookkeeping ----------------------------------------------------------------------------

	/** The first step of a login: runs on a new connection and creates the login's record at its end. */
	private async firstStep<T>(start: LoginStart, kind: PendingLoginState['kind'], run: (login: LoginStep) => Promise<T>): Promise<T> {
		const loginId = randomBytes(16).toString('base64url');
		const login = newStep(loginId, this.now() + this.ttlMs, {
			kind,
			stage: kind,
			apiId: start.apiId,
			apiHash: start.apiHash,
			server: start.server,
			session: start.startSession ?? '',
		});
		try {
			const result = await run(login);
			login.state.session = saveSession(login.client!);
			const sealed = sealPendingLogin(loginId, login.state);
			await this.vaultCall(() => this.vault.createPendingLogin(login.key, sealed, login.expiresAtMs, this.now()));
			return result;
		} catch (error) {
			throw toLoginError(error);
		} finally {
			await this.disconnect(login);
		}
	}

	/**
	 * A later step: claims the login (renewing the claim while the step runs), connects with its
	 * auth key when the step needs Telegram, then saves the new state and releases the claim — or
	 * deletes the login when it ended. The connection is closed before the step returns.
	 */
	private async nextStep<T>(loginId: unknown, kind: PendingLoginState['kind'], waitMs: number, run: (login: LoginStep) => Promise<T>): Promise<T> {
		if (typeof loginId !== 'string' || loginId.trim() === '') {
			throw new LoginError('invalid_input', 'loginId is required (the id returned by the first step)', { field: 'loginId' });
		}
		const id = loginId.trim();
		const key = pendingLoginKey(id);
		const claimant = randomBytes(12).toString('base64url');
		const claim = await this.vaultCall(() => this.vault.claimPendingLogin(key, claimant, this.now() + this.claimLeaseMs, this.now()));
		if ('busy' in claim) {
			throw new LoginError('login_busy', 'Another step of this login is running right now: wait for it to finish, then try again', { field: 'loginId' });
		}
		const state = 'claimed' in claim ? openPendingLogin(id, claim.claimed.sealed) : undefined;
		if (!('claimed' in claim) || !state) {
			throw new LoginError(
				'login_not_found',
				'Unknown or expired login id: start again. A pending login lives 5 minutes from its first step',
				{ field: 'loginId' },
			);
		}
		const login = newStep(id, claim.claimed.expiresAtMs, state);
		login.claimant = claimant;
		const renewal = setInterval(() => {
			void this.vault.claimPendingLogin(key, claimant, this.now() + this.claimLeaseMs, this.now()).catch(() => undefined);
		}, Math.max(100, Math.floor(this.claimLeaseMs / 3)));
		renewal.unref();
		let outcome: Settled<T>;
		try {
			if (state.kind !== kind) {
				throw new LoginError('wrong_step', kind === 'qr'
					? 'This login id belongs to a phone-code login: use Sign In'
					: 'This login id belongs to a QR login: use QR Complete', { field: 'loginId' });
			}
			outcome = await settle(run(login));
		} catch (error) {
			outcome = { ok: false, error };
		} finally {
			clearInterval(renewal);
		}
		try {
			await this.settleStep(login, waitMs);
		} finally {
			await this.disconnect(login);
		}
		if (!outcome.ok) throw toLoginError(outcome.error);
		return outcome.value;
	}

	/** After a later step: delete the ended login, or save its state and release the claim. */
	private async settleStep(login: LoginStep, waitMs: number): Promise<void> {
		if (login.finished) {
			// Signed in: the session string must reach the caller even if the store fails now (the
			// row cannot be used again — its key is signed in — and expires with the login).
			await this.vault.deletePendingLogin(login.key).catch(() => undefined);
			return;
		}
		if (login.ended) {
			await this.vaultCall(() => this.vault.deletePendingLogin(login.key));
			return;
		}
		if (login.client) login.state.session = saveSession(login.client);
		const sealed = sealPendingLogin(login.loginId, login.state);
		const saved = await this.vaultCall(() => this.vault.savePendingLogin(login.key, login.claimant!, sealed, login.expiresAtMs));
		if (!saved) {
			throw new LoginError(
				'login_busy',
				`This login was cancelled or taken over by another step while this one ran (a step may hold it ${Math.round((waitMs + this.claimLeaseMs) / 1000)} s): start again if it is gone`,
				{ field: 'loginId' },
			);
		}
	}

	/** The step's connection with the login's auth key (connected on first use). */
	private async client(login: LoginStep): Promise<TelegramClient> {
		if (login.client) return login.client;
		const created = newClient(login.state);
		if ('problem' in created) {
			const field = created.problem.startsWith('session') ? 'startSession' : 'server';
			throw new LoginError('invalid_input', field === 'startSession' ? 'startSession is not a valid session string' : created.problem, { field });
		}
		const { client } = created;
		this.connected.add(client);
		login.client = client;
		if (login.state.kind === 'qr') {
			client.addEventHandler((update: unknown) => {
				if (update instanceof Api.UpdateLoginToken) {
					login.scanned = true;
					for (const wake of [...login.wake]) wake();
				}
			});
		}
		const connected = await settle(withDeadline(client.connect(), this.callDeadlineMs, () => networkError(login.state.server)));
		if (!connected.ok) throw networkError(login.state.server);
		return client;
	}

	private async disconnect(login: LoginStep): Promise<void> {
		for (const wake of [...login.wake]) wake();
		const client = login.client;
		if (!client) return;
		login.client = undefined;
		this.connected.delete(client);
		await destroyClient(client);
	}

	/** The store failing is said as such (never as a Telegram or login problem); its message names no secret. */
	private async vaultCall<R>(call: () => Promise<R>): Promise<R> {
		const answer = await settle(call());
		if (!answer.ok) {
			const reason = answer.error instanceof Error ? answer.error.message : String(answer.error);
			throw new LoginError('storage', `The pending login could not be read or saved in the package's store: ${reason}`);
		}
		return answer.value;
	}

	/** One request with a deadline; library errors become LoginErrors. */
	private async call<R extends Api.AnyRequest>(login: LoginStep, request: R): Promise<R['__response']> {
		const client = await this.client(login);
		const answer = await settle(withDeadline(client.invoke(request), this.callDeadlineMs, () => networkError()));
		if (!answer.ok) throw toLoginError(answer.error);
		return answer.value;
	}
}

function newStep(loginId: string, expiresAtMs: number, state: PendingLoginState): LoginStep {
	return { loginId, key: pendingLoginKey(loginId), state, expiresAtMs, scanned: false, wake: new Set(), finished: false, ended: false };
}

function saveSession(client: TelegramClient): string {
	return (client.session as unknown as { save(): string }).save();
}

function pendingResult(state: PendingLoginState): { pending: true; url: string; expiresAt: string } {
	return { pending: true, url: loginUrl(Buffer.from(state.qrToken ?? '', 'base64url')), expiresAt: new Date(state.qrExpiresAtMs ?? 0).toISOString() };
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
function newClient(state: PendingLoginState): { client: TelegramClient } | { problem: string } {
	try {
		const { apiId, apiHash, server, session } = state;
		return { client: createTelegramClient({ apiId, apiHash, server, session, connectionRetries: 1, requestRetries: LOGIN_REQUEST_RETRIES }) };
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
