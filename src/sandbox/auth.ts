/**
 * Logging in to the sandbox (docs/sandbox.md, "Logging in"): phone code, two-step verification
 * with real SRP, and QR login tokens, answered with Telegram's TL types and error names.
 *
 * A login runs on an auth key the sandbox issued but did not bind to an account (a "login
 * session"); a successful sign-in binds that key to the account, after which the normal methods
 * answer for it. Pre-shared account keys are bound from the start (and may log in again, which
 * re-binds them, as a signed-in Telegram key may).
 *
 * Secrets (codes, passwords, tokens) are never logged.
 */
import { randomBytes } from 'node:crypto';
import { Api, returnBigInt } from '../telegram/gramjs';
import { normalizePhone, type ScenarioAccount } from './scenario';
import { newChallenge, SRP_G, SRP_P_BYTES, verifierFor, verifyProof, type SrpAlgo, type SrpChallenge } from './srp';

/** A refusal with Telegram's error name and code. */
export class AuthFailure extends Error {
	constructor(
		readonly telegramError: string,
		readonly code = 400,
	) {
		super(telegramError);
	}
}

/** Methods this module answers (also before sign-in). */
export const AUTH_METHODS = new Set([
	'auth.sendCode',
	'auth.signIn',
	'auth.logOut',
	'account.getPassword',
	'auth.checkPassword',
	'auth.exportLoginToken',
	'auth.importLoginToken',
	'auth.acceptLoginToken',
]);

export interface LoginRecord {
	atMs: number;
	accountId: string;
	via: 'code' | 'qr';
	twoFactor: boolean;
}

export interface AuthWorld {
	accounts: ScenarioAccount[];
	apiId: number;
	apiHash: string;
	codeTtlMs: number;
	tokenTtlMs: number;
	sendCodeLimit: { maxCalls: number; windowMs: number };
	/** Sandbox timeline in ms. */
	now(): number;
	/** Unix seconds of a timeline instant. */
	unix(ms: number): number;
	/** The account an auth key is signed in as. */
	accountOf(authKeyId: string): string | undefined;
	/** The DC an account lives on (a login for it must end there). */
	homeDc(accountId: string): number;
	bind(authKeyId: string, accountId: string | undefined): void;
	/** Pushes updates to the live connections of one auth key. */
	pushToKey(authKeyId: string, updates: Api.TypeUpdates): void;
	/** The account's own user object (self). */
	selfUser(accountId: string): Api.TypeUser;
	/** Deterministic per-scenario bytes (password salts). */
	derive(label: string, length: number): Buffer;
	onLogin(record: LoginRecord): void;
}

export interface AuthCall {
	method: string;
	request: Api.AnyRequest;
	authKeyId: string;
	/** The DC the call came in at. */
	dcId: number;
}

interface PendingCode {
	authKeyId: string;
	phone: string;
	accountId: string;
	expiresAtMs: number;
}

interface QrToken {
	authKeyId: string;
	expiresAtMs: number;
	accepted: boolean;
	/** Handed on with auth.loginTokenMigrateTo: any key at this DC may import it (once). */
	migratedTo?: { dcId: number; accountId: string };
}

/** Where one auth key is in a login. */
interface KeyLogin {
	/** Code or QR accepted; the account's 2FA password is still needed. */
	passwordFor?: { accountId: string; via: LoginRecord['via'] };
	/** The last account.getPassword challenge (single use). */
	srp?: { id: bigint; accountId: string; challenge: SrpChallenge };
	/** The QR token was accepted by this account; the next exportLoginToken completes. */
	scannedBy?: string;
}

type BigInteger = ReturnType<typeof returnBigInt>;
const big = (v: bigint | number): BigInteger => returnBigInt(v);

export class SandboxAuth {
	private readonly byId = new Map<string, ScenarioAccount>();
	private readonly byPhone = new Map<string, ScenarioAccount>();
	private readonly codes = new Map<string, PendingCode>();
	private readonly sendTimes = new Map<string, number[]>();
	private readonly tokens = new Map<string, QrToken>();
	private readonly keys = new Map<string, KeyLogin>();
	private readonly verifiers = new Map<string, Promise<bigint>>();
	private readonly handlers: Record<string, (call: AuthCall) => Promise<Buffer> | Buffer>;

	constructor(private readonly world: AuthWorld) {
		for (const a of world.accounts) {
			this.byId.set(a.id, a);
			if (a.phone) this.byPhone.set(a.phone, a);
		}
		this.handlers = {
			'auth.sendCode': (c) => this.sendCode(c),
			'auth.signIn': (c) => this.signIn(c),
			'auth.logOut': (c) => this.logOut(c),
			'account.getPassword': (c) => this.getPassword(c),
			'auth.checkPassword': (c) => this.checkPassword(c),
			'auth.exportLoginToken': (c) => this.exportLoginToken(c),
			'auth.importLoginToken': (c) => this.importLoginToken(c),
			'auth.acceptLoginToken': (c) => this.acceptLoginToken(c),
		};
	}

	async handle(call: AuthCall): Promise<Buffer> {
		const handler = this.handlers[call.method];
		if (!handler) throw new AuthFailure('METHOD_NOT_SUPPORTED_BY_SANDBOX');
		return await handler(call);
	}

	/**
	 * Simulates scanning a QR login token with the app of `accountId` (what auth.acceptLoginToken
	 * does for a signed-in client). Without `token`, the most recent live token is scanned.
	 */
	scanQr(accountId: string, token?: Buffer): void {
		if (!this.byId.has(accountId)) throw new AuthFailure('USER_ID_INVALID');
		let key = token?.toString('hex');
		if (key === undefined) {
			let newest: { key: string; expiresAtMs: number } | undefined;
			for (const [k, t] of this.tokens) {
				if (!t.accepted && t.expiresAtMs > this.world.now() && (!newest || t.expiresAtMs >= newest.expiresAtMs)) {
					newest = { key: k, expiresAtMs: t.expiresAtMs };
				}
			}
			if (!newest) throw new AuthFailure('AUTH_TOKEN_INVALID');
			key = newest.key;
		}
		const entry = this.tokens.get(key);
		if (!entry) throw new AuthFailure('AUTH_TOKEN_INVALID');
		if (entry.accepted) throw new AuthFailure('AUTH_TOKEN_ALREADY_ACCEPTED');
		if (entry.expiresAtMs <= this.world.now()) throw new AuthFailure('AUTH_TOKEN_EXPIRED');
		entry.accepted = true;
		this.state(entry.authKeyId).scannedBy = accountId;
		this.world.pushToKey(
			entry.authKeyId,
			new Api.UpdateShort({ update: new Api.UpdateLoginToken(), date: this.world.unix(this.world.now()) }),
		);
	}

	// ---- phone code -----------------------------------------------------------------------------

	private sendCode(call: AuthCall): Buffer {
		const req = call.request as Api.auth.SendCode;
		this.checkApi(req.apiId, req.apiHash);
		const phone = normalizePhone(req.phoneNumber ?? '');
		const account = phone === undefined ? undefined : this.byPhone.get(phone);
		if (!phone || !account?.loginCode) throw new AuthFailure('PHONE_NUMBER_INVALID');
		// The number lives on another DC: the client repeats the call there (api/datacenter; 303 SEE_OTHER).
		const home = this.world.homeDc(account.id);
		if (home !== call.dcId) throw new AuthFailure(`PHONE_MIGRATE_${home}`, 303);
		const now = this.world.now();
		const { maxCalls, windowMs } = this.world.sendCodeLimit;
		const recent = (this.sendTimes.get(phone) ?? []).filter((t) => t > now - windowMs);
		if (recent.length >= maxCalls) {
			this.sendTimes.set(phone, recent);
			const wait = Math.max(1, Math.ceil((recent[0] + windowMs - now) / 1000));
			throw new AuthFailure(`FLOOD_WAIT_${wait}`, 420);
		}
		recent.push(now);
		this.sendTimes.set(phone, recent);
		// A new code replaces this key's earlier ones for the phone.
		for (const [hash, pending] of this.codes) {
			if (pending.authKeyId === call.authKeyId && pending.phone === phone) this.codes.delete(hash);
		}
		const hash = randomBytes(9).toString('hex');
		this.codes.set(hash, { authKeyId: call.authKeyId, phone, accountId: account.id, expiresAtMs: now + this.world.codeTtlMs });
		return new Api.auth.SentCode({
			type: new Api.auth.SentCodeTypeApp({ length: account.loginCode.length }),
			phoneCodeHash: hash,
			timeout: Math.ceil(this.world.codeTtlMs / 1000),
		}).getBytes();
	}

	private async signIn(call: AuthCall): Promise<Buffer> {
		const req = call.request as Api.auth.SignIn;
		if (!req.phoneCodeHash) throw new AuthFailure('PHONE_CODE_HASH_EMPTY');
		const pending = this.codes.get(req.phoneCodeHash);
		const phone = normalizePhone(req.phoneNumber ?? '');
		if (!pending || pending.authKeyId !== call.authKeyId || pending.phone !== phone) throw new AuthFailure('PHONE_CODE_EXPIRED');
		if (pending.expiresAtMs <= this.world.now()) {
			this.codes.delete(req.phoneCodeHash);
			throw new AuthFailure('PHONE_CODE_EXPIRED');
		}
		if (!req.phoneCode) throw new AuthFailure('PHONE_CODE_EMPTY');
		if (req.phoneCode !== this.byId.get(pending.accountId)?.loginCode) throw new AuthFailure('PHONE_CODE_INVALID');
		this.codes.delete(req.phoneCodeHash);
		return await this.complete(call.authKeyId, pending.accountId, 'code');
	}

	private logOut(call: AuthCall): Buffer {
		if (!this.world.accountOf(call.authKeyId)) throw new AuthFailure('AUTH_KEY_UNREGISTERED', 401);
		this.world.bind(call.authKeyId, undefined);
		this.keys.delete(call.authKeyId);
		return new Api.auth.LoggedOut({}).getBytes();
	}

	// ---- two-step verification ------------------------------------------------------------------

	private algo(accountId: string): SrpAlgo {
		return { salt1: this.world.derive(`srp-salt1:${accountId}`, 40), salt2: this.world.derive(`srp-salt2:${accountId}`, 16) };
	}

	private verifier(account: ScenarioAccount): Promise<bigint> {
		let v = this.verifiers.get(account.id);
		if (!v) {
			v = verifierFor(this.algo(account.id), account.password ?? '');
			this.verifiers.set(account.id, v);
		}
		return v;
	}

	private async getPassword(call: AuthCall): Promise<Buffer> {
		const state = this.keys.get(call.authKeyId);
		const accountId = state?.passwordFor?.accountId ?? this.world.accountOf(call.authKeyId);
		if (!accountId) throw new AuthFailure('AUTH_KEY_UNREGISTERED', 401);
		const account = this.byId.get(accountId)!;
		const { salt1, salt2 } = this.algo(accountId);
		const kdf = new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({ salt1, salt2, g: SRP_G, p: SRP_P_BYTES });
		const common = {
			newAlgo: kdf,
			newSecureAlgo: new Api.SecurePasswordKdfAlgoPBKDF2HMACSHA512iter100000({ salt: this.world.derive(`secure-salt:${accountId}`, 8) }),
			secureRandom: randomBytes(32),
		};
		if (account.password === undefined) return new Api.account.Password({ hasPassword: false, ...common }).getBytes();
		const challenge = newChallenge(await this.verifier(account));
		const id = randomBytes(8).readBigInt64LE(0);
		this.state(call.authKeyId).srp = { id, accountId, challenge };
		return new Api.account.Password({
			hasPassword: true,
			currentAlgo: kdf,
			srp_B: challenge.B,
			srpId: big(id),
			hint: account.passwordHint,
			...common,
		}).getBytes();
	}

	private async checkPassword(call: AuthCall): Promise<Buffer> {
		const input = (call.request as Api.auth.CheckPassword).password;
		const state = this.keys.get(call.authKeyId);
		const srp = state?.srp;
		if (!(input instanceof Api.InputCheckPasswordSRP)) throw new AuthFailure('PASSWORD_HASH_INVALID');
		if (!state || !srp || BigInt(String(input.srpId)) !== srp.id) throw new AuthFailure('SRP_ID_INVALID');
		state.srp = undefined; // one proof per challenge
		const account = this.byId.get(srp.accountId)!;
		if (!verifyProof(this.algo(account.id), await this.verifier(account), srp.challenge, input.A, input.M1)) {
			throw new AuthFailure('PASSWORD_HASH_INVALID');
		}
		const pendingFor = state.passwordFor;
		if (pendingFor && pendingFor.accountId === account.id) {
			state.passwordFor = undefined;
			return this.signedIn(call.authKeyId, account.id, pendingFor.via, true).getBytes();
		}
		if (this.world.accountOf(call.authKeyId) === account.id) {
			return new Api.auth.Authorization({ user: this.world.selfUser(account.id) }).getBytes();
		}
		throw new AuthFailure('AUTH_KEY_UNREGISTERED', 401);
	}

	// ---- QR login -------------------------------------------------------------------------------

	private async exportLoginToken(call: AuthCall): Promise<Buffer> {
		const req = call.request as Api.auth.ExportLoginToken;
		this.checkApi(req.apiId, req.apiHash);
		const state = this.keys.get(call.authKeyId);
		if (state?.scannedBy) {
			const accountId = state.scannedBy;
			const home = this.world.homeDc(accountId);
			if (home !== call.dcId) {
				// Accepted by an account of another DC: the client imports the token there (api/qr-login).
				const migrated = this.acceptedTokenOf(call.authKeyId);
				if (migrated) {
					state.scannedBy = undefined;
					migrated.entry.migratedTo = { dcId: home, accountId };
					return new Api.auth.LoginTokenMigrateTo({ dcId: home, token: migrated.token }).getBytes();
				}
			}
			state.scannedBy = undefined;
			return new Api.auth.LoginTokenSuccess({ authorization: await this.completeAuthorization(call.authKeyId, accountId, 'qr') }).getBytes();
		}
		this.dropExpiredTokens();
		const token = randomBytes(32);
		const expiresAtMs = this.world.now() + this.world.tokenTtlMs;
		this.tokens.set(token.toString('hex'), { authKeyId: call.authKeyId, expiresAtMs, accepted: false });
		return new Api.auth.LoginToken({ expires: this.world.unix(expiresAtMs), token }).getBytes();
	}

	private async importLoginToken(call: AuthCall): Promise<Buffer> {
		const token = (call.request as Api.auth.ImportLoginToken).token;
		const entry = this.tokens.get(token.toString('hex'));
		if (entry?.migratedTo) {
			// The token a loginTokenMigrateTo handed on: imported once, at the account's DC.
			if (entry.migratedTo.dcId !== call.dcId) throw new AuthFailure('AUTH_TOKEN_INVALID');
			const { accountId } = entry.migratedTo;
			this.tokens.delete(token.toString('hex'));
			return new Api.auth.LoginTokenSuccess({ authorization: await this.completeAuthorization(call.authKeyId, accountId, 'qr') }).getBytes();
		}
		if (!entry || entry.authKeyId !== call.authKeyId) throw new AuthFailure('AUTH_TOKEN_INVALID');
		const state = this.keys.get(call.authKeyId);
		if (entry.accepted && state?.scannedBy) {
			const accountId = state.scannedBy;
			state.scannedBy = undefined;
			return new Api.auth.LoginTokenSuccess({ authorization: await this.completeAuthorization(call.authKeyId, accountId, 'qr') }).getBytes();
		}
		if (entry.expiresAtMs <= this.world.now()) throw new AuthFailure('AUTH_TOKEN_EXPIRED');
		return new Api.auth.LoginToken({ expires: this.world.unix(entry.expiresAtMs), token }).getBytes();
	}

	private acceptLoginToken(call: AuthCall): Buffer {
		const accountId = this.world.accountOf(call.authKeyId);
		if (!accountId) throw new AuthFailure('AUTH_KEY_UNREGISTERED', 401);
		const token = (call.request as Api.auth.AcceptLoginToken).token;
		this.scanQr(accountId, token);
		const now = this.world.unix(this.world.now());
		return new Api.Authorization({
			hash: big(randomBytes(8).readBigInt64LE(0)),
			deviceModel: 'sandbox login',
			platform: 'sandbox',
			systemVersion: 'sandbox',
			apiId: this.world.apiId,
			appName: 'n8n-nodes-telegram-gifts',
			appVersion: '1.0',
			dateCreated: now,
			dateActive: now,
			ip: '127.0.0.1',
			country: '',
			region: '',
		}).getBytes();
	}

	/** The accepted token of a key (the one a scan accepted). */
	private acceptedTokenOf(authKeyId: string): { token: Buffer; entry: QrToken } | undefined {
		for (const [hex, entry] of this.tokens) {
			if (entry.authKeyId === authKeyId && entry.accepted && !entry.migratedTo) return { token: Buffer.from(hex, 'hex'), entry };
		}
		return undefined;
	}

	private dropExpiredTokens(): void {
		const now = this.world.now();
		for (const [k, t] of this.tokens) if (t.expiresAtMs <= now && !t.accepted) this.tokens.delete(k);
	}

	// ---- shared -------------------------------------------------------------------------------

	private state(authKeyId: string): KeyLogin {
		let s = this.keys.get(authKeyId);
		if (!s) {
			s = {};
			this.keys.set(authKeyId, s);
		}
		return s;
	}

	private checkApi(apiId: number | undefined, apiHash: string | undefined): void {
		if (apiId !== this.world.apiId || apiHash !== this.world.apiHash) throw new AuthFailure('API_ID_INVALID');
	}

	/** Code or QR accepted: sign in, or ask for the 2FA password first. */
	private async complete(authKeyId: string, accountId: string, via: LoginRecord['via']): Promise<Buffer> {
		return (await this.completeAuthorization(authKeyId, accountId, via)).getBytes();
	}

	private async completeAuthorization(authKeyId: string, accountId: string, via: LoginRecord['via']): Promise<Api.auth.Authorization> {
		const account = this.byId.get(accountId)!;
		if (account.password !== undefined) {
			this.state(authKeyId).passwordFor = { accountId, via };
			// Start the slow KDF now so the password check does not wait for it.
			void this.verifier(account).catch(() => undefined);
			throw new AuthFailure('SESSION_PASSWORD_NEEDED', 401);
		}
		return this.signedIn(authKeyId, accountId, via, false);
	}

	private signedIn(authKeyId: string, accountId: string, via: LoginRecord['via'], twoFactor: boolean): Api.auth.Authorization {
		this.world.bind(authKeyId, accountId);
		const state = this.keys.get(authKeyId);
		if (state) {
			state.passwordFor = undefined;
			state.srp = undefined;
		}
		this.world.onLogin({ atMs: this.world.now(), accountId, via, twoFactor });
		return new Api.auth.Authorization({ user: this.world.selfUser(accountId) });
	}
}
