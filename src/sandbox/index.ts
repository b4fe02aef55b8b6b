/**
 * The sandbox: a simulated Telegram gift market that speaks real MTProto on loopback (and,
 * when the scenario has a bot, a fake Bot API). `startSandbox` is the programmatic entry point
 * for tests and the CLI; see docs/sandbox.md.
 *
 * Secrets (auth keys, api_hash, bot token) are derived from the scenario seed, so restarting the
 * same scenario yields the same credentials. They are fake and local, but still never logged.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { AuthKey, StringSession, type Api } from '../telegram/gramjs';
import { MtprotoServer, type ClientIdentity } from './mtproto/server';
import { transportLabel } from './mtproto/transports';
import { Market, type PurchaseRecord } from './market';
import { AuctionRoom, type AuctionRecord } from './auction';
import { ResaleRoom, type ResaleRecord } from './resale';
import { FaultPlan } from './faults';
import { SandboxRpc } from './rpc';
import { generateRsaKey, type SandboxRsaPublicKey } from './mtproto/handshake';
import { UpdatesLog } from './updates';
import { SANDBOX_DC_IDS, SANDBOX_ENTRY_DC, validateFault, validateScenario, type Scenario, type ScenarioFault, type ScenarioFloodRule } from './scenario';
import { stderrLogger, type SandboxLogger } from './logger';
import { startFakeBotApi, type BotMessageRecord, type FakeBotApi } from './botapi';
import type { LoginRecord } from './auth';
import { ScenarioClock, type ClockStart, type UnwatchedEvent } from './clock';

export { validateScenario, ScenarioError, type Scenario } from './scenario';
export { MarketError, type Market } from './market';
export { stderrLogger, silentLogger, type SandboxLogger } from './logger';
export { AuthFailure, type LoginRecord } from './auth';
export { CLOCK_STARTS, type ClockStart, type UnwatchedEvent } from './clock';
export type { ResaleRecord, ResaleRoom } from './resale';
export { SANDBOX_DC_IDS, SANDBOX_ENTRY_DC } from './scenario';
export type { SandboxRsaPublicKey } from './mtproto/handshake';

const HOST = '127.0.0.1';
/** StringSession stores the port as a signed 16-bit number. */
const MAX_SESSION_PORT = 32767;
const PORT_PICK_LOW = 20000;
const PORT_PICK_ATTEMPTS = 50;

/**
 * The reads a trigger makes to take its baseline: the gift catalog, an auction's state, or a
 * collection's resale listings. The first of them starts a `first-watch-read` clock and marks the
 * moment the scenario became watched.
 */
const WATCH_METHODS: ReadonlySet<string> = new Set(['payments.getStarGifts', 'payments.getStarGiftAuctionState', 'payments.getResaleStarGifts']);

export interface SandboxAccountCredentials {
	id: string;
	label: string;
	username?: string;
	/** StringSession for this account: its home DC at 127.0.0.1:<that DC's port> with its pre-shared auth key. */
	session: string;
	/** The data center the account lives on. */
	dc: number;
}

export interface SandboxCredentials {
	apiId: number;
	apiHash: string;
	/** The entry DC (2), where login sessions start. */
	server: { kind: 'custom'; host: string; port: number };
	/** Every data center with its port (help.getConfig lists the same). */
	dcs: Array<{ id: number; host: string; port: number }>;
	/**
	 * The public half of this run's RSA key (new at every start). A client makes auth keys on other
	 * DCs with it, and trusts it only when told to (tests, the e2e n8n): see docs/decisions.md.
	 */
	rsaPublicKey: SandboxRsaPublicKey;
	accounts: SandboxAccountCredentials[];
	/**
	 * A session that is connected to the sandbox but not signed in: the starting point of a login
	 * (phone code or QR). Signing in binds it to the account. Fresh ones: `issueLoginSession()`.
	 */
	loginSession: string;
	bot?: { token: string; apiRoot: string };
}

export interface SandboxRecord {
	purchases: PurchaseRecord[];
	balances: Record<string, number>;
	botMessages: BotMessageRecord[];
	calls: Record<string, number>;
	/** The same per signed-in account: account id → method → calls (a session's own poll rate). */
	callsByAccount: Record<string, Record<string, number>>;
	/** The same per data center the calls came in at: DC id → method → calls. */
	callsByDc: Record<number, Record<string, number>>;
	releases: Array<{ giftId: string; atMs: number }>;
	soldOut: Array<{ giftId: string; atMs: number }>;
	/**
	 * TCP connections accepted: `total` (any), per account id once identified by its auth key, and
	 * per transport once the first bytes named it (e.g. "full", "intermediate", "obfuscated abridged").
	 * `maxOpenByAccount`: the most connections one account had open at the same time (queue mode's
	 * proof that one process holds a session).
	 */
	connections: { total: number; byAccount: Record<string, number>; byTransport: Record<string, number>; maxOpenByAccount: Record<string, number> };
	/** Completed logins (phone code or QR, with or without 2FA). */
	logins: LoginRecord[];
	/** Scenario events that happened before any client had read the catalog (see clock.ts). */
	unwatched: UnwatchedEvent[];
	/** Scenario time of the first read of something a trigger watches (null: nobody has read anything). */
	firstWatchReadAtMs: number | null;
	/** What each connection's initConnection said (device, system, app version, languages, layer). */
	clients: ClientRecord[];
	/** Every auction bid (accounts' and competitors'), refund, win, round end and finish. */
	auctions: AuctionRecord;
	/** The resale market: every listing, price change, withdrawal, sale (account or competitor) and failed attempt. */
	resale: ResaleRecord;
}

export interface ClientRecord extends ClientIdentity {
	atMs: number;
	/** The account the connection's auth key is signed in as (absent before a login). */
	accountId?: string;
}

export interface StartSandboxOptions {
	/** 0 / absent = pick a free port ≤ 32767 (the session-string limit). */
	port?: number;
	logger?: SandboxLogger;
	/**
	 * When the scenario clock starts: `running` (default) at once; `held` at `startClock()`;
	 * `first-watch-read` when a client first reads the gift catalog.
	 */
	clock?: ClockStart;
	/**
	 * The wall clock (Unix ms) the MTProto layer judges client msg_ids and server salts by, and
	 * writes its own msg_ids with. Default Date.now; tests move it to put a client's clock off.
	 */
	mtprotoClock?: () => number;
}

export interface Sandbox {
	readonly credentials: SandboxCredentials;
	readonly scenario: Scenario;
	/** The live market (tests may change prices/balances or inspect state). */
	readonly market: Market;
	/** The auction room (src/sandbox/auction.ts). */
	readonly auctions: AuctionRoom;
	/** The resale market (src/sandbox/resale.ts). */
	readonly resale: ResaleRoom;
	/** Milliseconds on the scenario's timeline (since the clock started; 0 while it is held). */
	nowMs(): number;
	/** Starts a held clock (no-op when it runs); returns whether this call started it. */
	startClock(): boolean;
	/** Whether the scenario clock runs. */
	clockRunning(): boolean;
	record(): SandboxRecord;
	/** Resolves with the record once `predicate(record)` holds; rejects after `timeoutMs`. */
	waitFor(predicate: (record: SandboxRecord) => boolean, timeoutMs?: number): Promise<SandboxRecord>;
	injectFault(fault: Partial<ScenarioFault> & { method: string }): void;
	addFloodRule(rule: ScenarioFloodRule): void;
	/** Closes the TCP connections of one account (or all); returns how many were closed. */
	dropConnections(accountId?: string): number;
	/**
	 * Pushes updates to an account the way the sandbox's rooms do: numbered (pts/qts/seq/date),
	 * kept for updates.getDifference, sent to the account's sessions. See src/sandbox/updates.ts.
	 */
	push(accountId: string, updates: Api.TypeUpdates): void;
	/** Latency for one method, or `default`; `undefined` removes a method's override. */
	setLatency(method: string, ms: number | undefined): void;
	/** A new not-yet-signed-in session (a fresh auth key the sandbox knows) to log in with, at the entry DC. */
	issueLoginSession(): string;
	/**
	 * A signed-in session of `accountId` whose auth key lives at `dcId` (default: the account's home
	 * DC). Given another DC, it is what a client holds after Telegram moved the account: every call
	 * there is answered USER_MIGRATE_<home>.
	 */
	issueAccountSession(accountId: string, dcId?: number): string;
	/**
	 * Simulates scanning a QR login with the app of `accountId`: `token` is the token bytes, its
	 * base64url text, or the whole `tg://login?token=…` URL; absent = the newest live token.
	 * Throws AuthFailure (AUTH_TOKEN_EXPIRED, AUTH_TOKEN_INVALID, AUTH_TOKEN_ALREADY_ACCEPTED).
	 */
	scanQr(accountId: string, token?: string | Buffer): void;
	/** The fake Bot API when the scenario has `bot`. */
	readonly botApi?: FakeBotApi;
	stop(): Promise<void>;
}

/** Deterministic per-scenario secret material. */
function deriver(seed: number): (label: string, length: number) => Buffer {
	const root = createHash('sha256').update(`n8n-nodes-telegram-gifts sandbox seed ${seed}`).digest();
	return (label, length) => {
		const parts: Buffer[] = [];
		for (let i = 0; Buffer.concat(parts).length < length; i++) {
			parts.push(createHmac('sha256', root).update(`${label}#${i}`).digest());
		}
		return Buffer.concat(parts).subarray(0, length);
	};
}

function sessionString(dcId: number, port: number, authKey: Buffer): string {
	const session = new StringSession('');
	session.setDC(dcId, HOST, port);
	session.setAuthKey(new AuthKey(authKey, createHash('sha1').update(authKey).digest()));
	return session.save();
}

/** QR login token bytes from bytes, base64url text, or a `tg://login?token=…` URL. */
function loginTokenBytes(token: string | Buffer): Buffer {
	if (Buffer.isBuffer(token)) return token;
	const text = token.startsWith('tg://login?token=') ? token.slice('tg://login?token='.length) : token;
	return Buffer.from(decodeURIComponent(text), 'base64url');
}

async function listenOnSessionPort(server: MtprotoServer, dcId: number, requested: number | undefined, pick: () => number): Promise<number> {
	if (requested !== undefined && requested !== 0) {
		if (!Number.isInteger(requested) || requested < 1 || requested > MAX_SESSION_PORT) {
			throw new Error(`port must be an integer between 1 and ${MAX_SESSION_PORT} (session strings store a signed 16-bit port)`);
		}
		return await server.listen(dcId, requested);
	}
	for (let attempt = 0; attempt < PORT_PICK_ATTEMPTS; attempt++) {
		const outcome = await server.listen(dcId, pick()).then(
			(port) => ({ port, error: undefined }),
			(error: NodeJS.ErrnoException) => ({ port: 0, error }),
		);
		if (!outcome.error) return outcome.port;
		if (outcome.error.code !== 'EADDRINUSE') throw new Error(`sandbox cannot listen: ${outcome.error.message}`);
	}
	throw new Error(`no free port ≤ ${MAX_SESSION_PORT} found after ${PORT_PICK_ATTEMPTS} attempts`);
}

export async function startSandbox(input: Scenario | unknown, options: StartSandboxOptions = {}): Promise<Sandbox> {
	const scenario = validateScenario(input);
	// New at every start: only a client told to trust it can make auth keys here (docs/decisions.md).
	// Made before the scenario clock starts, so its cost never eats into a scenario's timeline.
	const rsa = await generateRsaKey();
	const logger = options.logger ?? stderrLogger();
	const derive = deriver(scenario.seed);
	const clock = new ScenarioClock(options.clock ?? 'running');
	const epochMs = Date.now();
	const nowMs = (): number => clock.nowMs();

	const market = new Market(scenario, nowMs);
	const auctions = new AuctionRoom(market, scenario.auctionBidders, scenario.formTtlMs);
	const resale = new ResaleRoom(market, scenario.resale, scenario.formTtlMs);
	const faults = new FaultPlan(scenario.faults, [...scenario.floodRules, scenario.resolveUsernameLimit, scenario.resale.floodLimit], scenario.latencyMs);
	const calls: Record<string, number> = {};
	const callsByAccount: Record<string, Record<string, number>> = {};
	const callsByDc: Record<number, Record<string, number>> = {};
	const connections = { total: 0, byAccount: {} as Record<string, number>, byTransport: {} as Record<string, number>, maxOpenByAccount: {} as Record<string, number> };
	const waiters = new Set<() => void>();
	const cancelWaiters = new Set<() => void>();
	// Before `notify`, so a waiter sees an unwatched event in the record it resolves with.
	const unwatched = (event: string, atMs: number): void => {
		if (clock.observe(event, atMs)) {
			logger.error(`${event} at ${atMs} ms on the scenario clock, before any client read the gift catalog: nothing was watching it`);
		}
	};
	let releasesSeen = market.releases.length;
	let soldOutSeen = market.soldOut.length;
	market.onChange(() => {
		for (const r of market.releases.slice(releasesSeen)) unwatched(`gift ${r.giftId} released`, r.atMs);
		for (const s of market.soldOut.slice(soldOutSeen)) unwatched(`gift ${s.giftId} sold out`, s.atMs);
		releasesSeen = market.releases.length;
		soldOutSeen = market.soldOut.length;
	});
	const notify = (): void => {
		for (const w of [...waiters]) w();
	};
	market.onChange(notify);
	auctions.onChange(notify);
	resale.onChange(notify);
	let listingsSeen = resale.record.listings.length;
	resale.onChange(() => {
		for (const l of resale.record.listings.slice(listingsSeen)) unwatched(`resale listing ${l.slug} (${l.stars} Stars)`, l.atMs);
		listingsSeen = resale.record.listings.length;
	});

	// Per viewing account (Telegram's hashes are): one account's hash is refused from another.
	// Documents have one hash for everyone.
	const accessHash = (kind: string, id: string, viewerId?: string): bigint =>
		derive(kind === 'document' ? `access:${kind}:${id}` : `access:${kind}:${id}:seen-by:${viewerId ?? ''}`, 8).readBigInt64LE(0);
	const keys = scenario.accounts.map((a) => ({ accountId: a.id, authKey: derive(`auth-key:${a.id}`, 256), dcId: a.dc }));
	const homeDc = new Map(scenario.accounts.map((a) => [a.id, a.dc]));
	const loginKey = derive('login-key:0', 256);
	const apiId = scenario.api?.apiId ?? 100000 + (derive('api-id', 4).readUInt32LE(0) % 900000);
	const apiHash = scenario.api?.apiHash ?? derive('api-hash', 16).toString('hex');
	const logins: LoginRecord[] = [];
	const clients: ClientRecord[] = [];

	const serverRef: { current?: MtprotoServer } = {};
	const updates = new UpdatesLog({
		unix: () => Math.floor((epochMs + nowMs()) / 1000),
		deliver: (accountId, numbered, acknowledged) => serverRef.current?.pushUpdates(accountId, numbered, acknowledged),
	});
	const rpc = new SandboxRpc({
		market,
		auctions,
		resale,
		scenario,
		faults,
		logger,
		host: HOST,
		dcs: () => serverRef.current?.dcs() ?? [],
		homeDc: (accountId) => homeDc.get(accountId) ?? SANDBOX_ENTRY_DC,
		epochMs,
		accessHash,
		push: (accountId, pushed) => {
			updates.push(accountId, pushed);
		},
		updates,
		countCall: (method, accountId, dcId) => {
			calls[method] = (calls[method] ?? 0) + 1;
			const atDc = (callsByDc[dcId] ??= {});
			atDc[method] = (atDc[method] ?? 0) + 1;
			if (WATCH_METHODS.has(method)) clock.watchRead();
			if (accountId) {
				const own = (callsByAccount[accountId] ??= {});
				own[method] = (own[method] ?? 0) + 1;
			}
			notify();
		},
		login: {
			accounts: scenario.accounts,
			apiId,
			apiHash,
			codeTtlMs: scenario.loginCodeTtlMs,
			tokenTtlMs: scenario.loginTokenTtlMs,
			sendCodeLimit: scenario.sendCodeLimit,
			accountOf: (authKeyId) => serverRef.current?.accountOfKey(authKeyId),
			bind: (authKeyId, accountId) => serverRef.current?.bindKey(authKeyId, accountId),
			pushToKey: (authKeyId, updates) => serverRef.current?.pushToKey(authKeyId, updates),
			derive,
			onLogin: (login) => {
				logins.push(login);
				logger.info(`login: account ${login.accountId} signed in (${login.via}${login.twoFactor ? ' + 2FA' : ''})`);
				notify();
			},
		},
	});
	const server = new MtprotoServer({
		host: HOST,
		keys,
		rsa,
		homeDcOf: (accountId) => homeDc.get(accountId),
		handle: (call) => rpc.handle(call),
		logger,
		clock: options.mtprotoClock,
		onAccountConnection: (accountId, open) => {
			connections.byAccount[accountId] = (connections.byAccount[accountId] ?? 0) + 1;
			connections.maxOpenByAccount[accountId] = Math.max(connections.maxOpenByAccount[accountId] ?? 0, open);
			notify();
		},
		onConnection: () => {
			connections.total++;
		},
		onTransport: (name) => {
			const label = transportLabel(name);
			connections.byTransport[label] = (connections.byTransport[label] ?? 0) + 1;
		},
		onInitConnection: (identity, accountId) => {
			clients.push({ atMs: nowMs(), ...identity, ...(accountId === undefined ? {} : { accountId }) });
			notify();
		},
	});
	serverRef.current = server;
	server.addKey(loginKey, undefined, SANDBOX_ENTRY_DC);
	const pickSeed = derive('port-pick', 4).readUInt32LE(0);
	let pickCounter = 0;
	const pick = (): number => {
		// Spread attempts so parallel sandboxes (jest workers) rarely collide.
		const span = MAX_SESSION_PORT - PORT_PICK_LOW;
		return PORT_PICK_LOW + ((pickSeed + process.pid * 7919 + Math.floor(Math.random() * span) + pickCounter++) % span);
	};
	// The entry DC on the requested port (the one a user gives n8n); the others on free ports.
	const port = await listenOnSessionPort(server, SANDBOX_ENTRY_DC, options.port, pick).catch(async (error: unknown) => {
		await server.close();
		throw error;
	});
	for (const dcId of SANDBOX_DC_IDS) {
		if (dcId === SANDBOX_ENTRY_DC) continue;
		await listenOnSessionPort(server, dcId, undefined, pick).catch(async (error: unknown) => {
			await server.close();
			throw error;
		});
	}

	let botApi: FakeBotApi | undefined;
	if (scenario.bot) {
		const token = scenario.bot.token ?? `${1_000_000_000 + (derive('bot-id', 4).readUInt32LE(0) % 1_000_000_000)}:${derive('bot-token', 24).toString('base64url')}`;
		const started = await startFakeBotApi({ token, port: 0, host: HOST, clock: nowMs, log: (line) => logger.warn(line) }).then(
			(api) => ({ api, error: undefined }),
			(error: Error) => ({ api: undefined, error }),
		);
		if (started.error) {
			await server.close();
			throw new Error(`sandbox cannot start the fake Bot API: ${started.error.message}`);
		}
		botApi = started.api;
	}

	// One timer for the next scheduled market change (a drop or a demand sell-out), so waitFor and
	// the record see it on time without polling.
	let eventTimer: NodeJS.Timeout | undefined;
	let stopped = false;
	const scheduleNextEvent = (): void => {
		if (stopped || !clock.running) return;
		if (eventTimer) clearTimeout(eventTimer);
		eventTimer = undefined;
		const candidates = [market.nextEventAtMs(), auctions.nextEventAtMs(), resale.nextEventAtMs()].filter((t): t is number => t !== undefined);
		if (candidates.length === 0) return;
		const next = Math.min(...candidates);
		eventTimer = setTimeout(() => {
			eventTimer = undefined;
			market.advance();
			auctions.advance();
			resale.advance();
			scheduleNextEvent();
		}, Math.max(0, next - nowMs()));
	};
	market.onChange(scheduleNextEvent);
	auctions.onChange(scheduleNextEvent);
	resale.onChange(scheduleNextEvent);

	const disconnectTimers: NodeJS.Timeout[] = [];
	clock.onStart(() => {
		if (clock.start !== 'running') logger.info('scenario clock started');
		for (const d of scenario.disconnects) {
			disconnectTimers.push(setTimeout(() => {
				const dropped = server.dropConnections(d.accountId);
				unwatched(`scheduled disconnect${d.accountId ? ` of account ${d.accountId}` : ''}`, d.atMs);
				logger.info(`scheduled disconnect at ${d.atMs} ms closed ${dropped} connection(s)`);
			}, d.atMs));
		}
		scheduleNextEvent();
	});

	const credentials: SandboxCredentials = {
		apiId,
		apiHash,
		server: { kind: 'custom', host: HOST, port },
		dcs: server.dcs().map((dc) => ({ id: dc.id, host: HOST, port: dc.port })),
		rsaPublicKey: rsa.publicKey,
		accounts: scenario.accounts.map((a, i) => ({
			id: a.id,
			label: a.label,
			username: a.username,
			session: sessionString(a.dc, server.portOf(a.dc), keys[i].authKey),
			dc: a.dc,
		})),
		loginSession: sessionString(SANDBOX_ENTRY_DC, port, loginKey),
		bot: botApi ? { token: botApi.token, apiRoot: botApi.apiRoot } : undefined,
	};

	const record = (): SandboxRecord => {
		market.advance();
		auctions.advance();
		resale.advance();
		return {
			purchases: market.purchases.map((p) => ({ ...p })),
			balances: market.balances(),
			botMessages: botApi ? botApi.messages() : [],
			calls: { ...calls },
			callsByAccount: Object.fromEntries(Object.entries(callsByAccount).map(([id, own]) => [id, { ...own }])),
			callsByDc: Object.fromEntries(Object.entries(callsByDc).map(([id, own]) => [id, { ...own }])),
			releases: [...market.releases],
			soldOut: [...market.soldOut],
			connections: { total: connections.total, byAccount: { ...connections.byAccount }, byTransport: { ...connections.byTransport }, maxOpenByAccount: { ...connections.maxOpenByAccount } },
			logins: logins.map((l) => ({ ...l })),
			unwatched: clock.unwatched.map((u) => ({ ...u })),
			firstWatchReadAtMs: clock.firstWatchReadAtMs,
			clients: clients.map((c) => ({ ...c })),
			auctions: {
				bids: auctions.record.bids.map((b) => ({ ...b })),
				refunds: auctions.record.refunds.map((r) => ({ ...r })),
				wins: auctions.record.wins.map((w) => ({ ...w })),
				rounds: auctions.record.rounds.map((r) => ({ ...r })),
				finished: auctions.record.finished.map((f) => ({ ...f })),
			},
			resale: {
				listings: resale.record.listings.map((l) => ({ ...l })),
				priceChanges: resale.record.priceChanges.map((p) => ({ ...p })),
				withdrawals: resale.record.withdrawals.map((w) => ({ ...w })),
				sales: resale.record.sales.map((s) => ({ ...s })),
				failures: resale.record.failures.map((f) => ({ ...f })),
			},
		};
	};

	const accountIds = new Set(scenario.accounts.map((a) => a.id));
	return {
		credentials,
		scenario,
		market,
		auctions,
		resale,
		botApi,
		nowMs,
		startClock: () => clock.begin(),
		clockRunning: () => clock.running,
		record,
		waitFor(predicate, timeoutMs = 5000) {
			return new Promise<SandboxRecord>((resolve, reject) => {
				const check = (): boolean => {
					const r = record();
					if (!predicate(r)) return false;
					finish();
					resolve(r);
					return true;
				};
				// Bot API messages arrive without an event hook: re-check them on a short tick.
				const tick = botApi ? setInterval(check, 20) : undefined;
				const timer = setTimeout(() => {
					finish();
					reject(new Error(`sandbox waitFor: condition not met within ${timeoutMs} ms`));
				}, timeoutMs);
				const cancel = (): void => {
					finish();
					reject(new Error('sandbox waitFor: sandbox stopped'));
				};
				const finish = (): void => {
					clearTimeout(timer);
					if (tick) clearInterval(tick);
					waiters.delete(check);
					cancelWaiters.delete(cancel);
				};
				waiters.add(check);
				cancelWaiters.add(cancel);
				check();
			});
		},
		injectFault(fault) {
			faults.inject(validateFault(fault, accountIds));
		},
		addFloodRule(rule) {
			faults.addFloodRule(rule);
		},
		dropConnections(accountId) {
			return server.dropConnections(accountId);
		},
		push(accountId, pushed) {
			if (!accountIds.has(accountId)) throw new Error(`push: unknown account ${accountId}`);
			updates.push(accountId, pushed);
		},
		setLatency(method, ms) {
			faults.setLatency(method, ms);
		},
		issueLoginSession() {
			const authKey = randomBytes(256);
			server.addKey(authKey, undefined, SANDBOX_ENTRY_DC);
			return sessionString(SANDBOX_ENTRY_DC, port, authKey);
		},
		issueAccountSession(accountId, dcId) {
			const dc = dcId ?? homeDc.get(accountId);
			if (dc === undefined) throw new Error(`issueAccountSession: unknown account ${accountId}`);
			if (!SANDBOX_DC_IDS.includes(dc)) throw new Error(`issueAccountSession: DC ${dc} is not one of ${SANDBOX_DC_IDS.join(', ')}`);
			const authKey = randomBytes(256);
			server.addKey(authKey, accountId, dc);
			return sessionString(dc, server.portOf(dc), authKey);
		},
		scanQr(accountId, token) {
			rpc.auth.scanQr(accountId, token === undefined ? undefined : loginTokenBytes(token));
		},
		async stop() {
			if (stopped) return;
			stopped = true;
			if (eventTimer) clearTimeout(eventTimer);
			for (const t of disconnectTimers) clearTimeout(t);
			for (const cancel of [...cancelWaiters]) cancel();
			await Promise.all([server.close(), botApi?.stop()]);
		},
	};
}
