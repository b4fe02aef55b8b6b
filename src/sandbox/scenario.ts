/**
 * The scenario a sandbox plays (docs/sandbox.md): accounts, channels, a gift catalog with
 * scheduled drops, competing demand, faults. Times are milliseconds relative to sandbox start.
 * Ids are 64-bit: JSON may give them as strings (preferred) or safe integers; inside they are
 * decimal strings. `validateScenario` turns untrusted JSON into a `Scenario` or throws a
 * ScenarioError whose message names every bad field.
 */
import { crc32 } from 'node:zlib';

import { parsePeer } from '../core/peer';

export interface ScenarioAccount {
	id: string;
	label: string;
	username?: string;
	balance: number;
	premium: boolean;
	/** Login (docs/sandbox.md, "Logging in"): the phone number, digits only. */
	phone?: string;
	/** The code auth.sendCode "sends" to the app; required with `phone`. */
	loginCode?: string;
	/** Two-step verification password (checked with real SRP); absent = no 2FA. */
	password?: string;
	passwordHint?: string;
	/** Users (account ids) in this account's contact list (contacts.getContacts). */
	contacts: string[];
	/** Users (account ids) this account has a private chat with (messages.getDialogs; both ways). */
	dialogs: string[];
	/** What this account does with gifts it receives (docs/sandbox.md, "What others see"). */
	receivedGifts: ReceivedGiftHandling;
}

/**
 * What a recipient does with a gift it receives: `save` shows it on the profile, `hide` keeps it
 * off the profile (savedStarGift.unsaved: only the owner sees it), `convert` turns it into Stars at
 * once (it disappears for everyone).
 */
export type ReceivedGiftHandling = 'save' | 'hide' | 'convert';
const RECEIVED_GIFT_HANDLING: ReceivedGiftHandling[] = ['save', 'hide', 'convert'];

export interface ScenarioChannel {
	/** Bare channel id (positive); `-100<id>` is the marked form clients use. */
	id: string;
	title: string;
	username?: string;
	acceptsGifts: boolean;
	/**
	 * Account ids that are members (admins: they see the channel's hidden gifts). The channel is in
	 * their dialogs, so they can address it by id; others only through its public username.
	 */
	members: string[];
	receivedGifts: ReceivedGiftHandling;
}

export interface ScenarioGift {
	id: string;
	stars: number;
	limited: boolean;
	/** Edition size (availability_total); limited gifts only. */
	total?: number;
	/** Supply left at release; defaults to total. */
	remains?: number;
	/** When the gift appears in the catalog; 0 = from the start. */
	releaseAtMs: number;
	requirePremium: boolean;
	perUserTotal?: number;
	title?: string;
	/** Stars the recipient may convert the gift to; defaults to 85% of the price. */
	convertStars?: number;
	/** Released through a Stars auction (docs/auctions.md): bid on, not bought. `total` copies in all. */
	auction?: ScenarioAuction;
}

/** One rule of an auction's rounds: `count` rounds of `durationMs`, optionally extendable. */
export interface ScenarioAuctionRound {
	count: number;
	durationMs: number;
	/** Extendable: a bid landing in the top `extendTop` places within the last `extendWindowMs` moves the end. */
	extendTop?: number;
	extendWindowMs?: number;
}

export interface ScenarioAuction {
	slug: string;
	/** When bidding opens (≥ the gift's releaseAtMs, when it is announced in the catalog). */
	startAtMs: number;
	giftsPerRound: number;
	/** The least first bid. */
	minBid: number;
	/** How much above its own bid a bidder must raise (default 1). */
	minStep: number;
	rounds: ScenarioAuctionRound[];
	/** payments.starGiftAuctionState.timeout: re-subscribe after this many seconds (default 30). */
	timeoutSec: number;
}

/** A scripted competitor in an auction: bids at set times, and reacts to being outbid after a delay. */
export interface ScenarioAuctionBidder {
	/** The competitor's user id (shown in top_bidders). */
	id: string;
	giftId: string;
	bids: Array<{ atMs: number; amount: number }>;
	/** Copies this competitor wants (default 1): after winning them it stops bidding. */
	copies: number;
	/** Outbid (out of the winning places): after `delayMs`, bid `step` above the last winning bid, up to `maxAmount`. */
	react?: { delayMs: number; step: number; maxAmount: number };
}

/** A collectible attribute (model, backdrop or pattern) and how rare it is (starGiftAttributeRarity.permille). */
export interface ScenarioResaleAttribute {
	name: string;
	rarityPermille: number;
}

/** One collectible (upgraded) copy of a collection: starGiftUnique. */
export interface ScenarioUniqueGift {
	slug: string;
	num: number;
	model: string;
	backdrop: string;
	pattern: string;
	/** The owner that lists it (a user that is not one of the accounts); default derived from the slug. */
	ownerId: string;
}

/**
 * A collection on the resale market (docs/resale.md): the collectible copies of the base gift
 * `giftId` (one of scenario.gifts), with the attributes they are drawn from.
 */
export interface ScenarioResaleCollection {
	giftId: string;
	/** Collectible title (starGiftUnique.title); default the base gift's title. */
	title: string;
	/** availability_total / availability_issued of the collectibles. */
	total: number;
	issued: number;
	models: ScenarioResaleAttribute[];
	backdrops: ScenarioResaleAttribute[];
	patterns: ScenarioResaleAttribute[];
	/** The value info's average_price, in Stars (converted to `valueCurrency`); default: mean of the room's sales, else absent. */
	averagePriceStars?: number;
	/** The value info's last_sale_price before any sale in the room, in Stars. */
	lastSalePriceStars?: number;
	/** initial_sale_stars (default the base gift's price). */
	initialSaleStars: number;
	gifts: ScenarioUniqueGift[];
}

/** A listing that appears at `atMs` (scenario clock), may change price, may be withdrawn. */
export interface ScenarioResaleListing {
	slug: string;
	atMs: number;
	stars: number;
	/** TON price in nanotons (resell_amount's starsTonAmount); default stars × nanotonPerStar. */
	tonNano: number;
	/** Only buyable with TON (starGiftUnique.resale_ton_only). */
	tonOnly: boolean;
	priceChanges: Array<{ atMs: number; stars: number; tonNano: number }>;
	withdrawAtMs?: number;
}

/**
 * A scripted competing buyer: takes a listing `delayMs` after it became eligible (listed, or
 * repriced to ≤ maxStars). `slug`: that one gift; `giftId`: any listing of that collection.
 */
export interface ScenarioResaleBuyer {
	id: string;
	slug?: string;
	giftId?: string;
	maxStars?: number;
	/** Also takes TON-only listings (default false: a Stars buyer). */
	ton: boolean;
	delayMs: number;
	/** How many gifts it buys in all (default 1). */
	copies: number;
}

export interface ScenarioResale {
	collections: ScenarioResaleCollection[];
	listings: ScenarioResaleListing[];
	buyers: ScenarioResaleBuyer[];
	/** Currency of value info (payments.uniqueStarGiftValueInfo.currency), default USD. */
	valueCurrency: string;
	/** Value of one Star in thousandths of the currency's smallest unit (default 1300: 1.3 cents per Star, about what Stars are paid out at). */
	valueMilliPerStar: number;
	/** Nanotons per Star for default TON prices (default 5_000_000). */
	nanotonPerStar: number;
	/** TON balances of accounts, in nanotons (payments.getStarsStatus with ton). */
	tonBalances: Record<string, number>;
	/** payments.getResaleStarGifts calls per account within a window before FLOOD_WAIT (docs/resale.md: an assumption). */
	floodLimit: ScenarioFloodRule;
}

export interface ScenarioDemand {
	giftId: string;
	startMs: number;
	perSecond: number;
}

export type FaultKind = 'error' | 'noReply' | 'drop' | 'dropAfterApply' | 'paymentVerificationNeeded';

export interface ScenarioFault {
	/** TL method name (`payments.sendStarsForm`) or `*` for every method. */
	method: string;
	/** `error`: answer an RPC error; `noReply`: never answer; `drop`: close the connection
	 * without applying; `dropAfterApply`: apply the call, then close before answering;
	 * `paymentVerificationNeeded` (payments.sendStarsForm only): answer
	 * payments.paymentVerificationNeeded and charge nothing. */
	kind: FaultKind;
	/** Telegram error name for kind `error`, e.g. `FLOOD_WAIT_5`, `STARGIFT_USAGE_LIMITED`. */
	error?: string;
	/** RPC error code; defaults to Telegram's for the name (420 flood, 401 auth, 500 internal, else 400). */
	code?: number;
	/** Calls of the method to let through before the fault starts. */
	afterCalls: number;
	/** How many calls the fault hits. */
	times: number;
	/** Only calls from this account. */
	accountId?: string;
}

export interface ScenarioFloodRule {
	method: string;
	maxCalls: number;
	windowMs: number;
	waitSeconds: number;
}

export interface ScenarioDisconnect {
	atMs: number;
	accountId?: string;
}

export interface Scenario {
	seed: number;
	/** The CLI stops (and writes the record) after this long; absent = run until a signal. */
	durationMs?: number;
	/** How long a payment form stays valid. */
	formTtlMs: number;
	accounts: ScenarioAccount[];
	channels: ScenarioChannel[];
	gifts: ScenarioGift[];
	demand: ScenarioDemand[];
	/** Scripted competitors in auctions. */
	auctionBidders: ScenarioAuctionBidder[];
	faults: ScenarioFault[];
	latencyMs: Record<string, number>;
	disconnects: ScenarioDisconnect[];
	floodRules: ScenarioFloodRule[];
	bot?: { token?: string };
	api?: { apiId?: number; apiHash?: string };
	/** How long a login code stays valid after auth.sendCode. */
	loginCodeTtlMs: number;
	/** How long a QR login token (auth.exportLoginToken) stays valid. */
	loginTokenTtlMs: number;
	/** auth.sendCode calls allowed per phone number within a window before FLOOD_WAIT_N. */
	sendCodeLimit: { maxCalls: number; windowMs: number };
	/** contacts.resolveUsername calls per account within a window before FLOOD_WAIT_<waitSeconds>. */
	resolveUsernameLimit: ScenarioFloodRule;
	/** Clients whose invokeWithLayer names an older layer get 406 API_GIFT_RESTRICTED_UPDATE_APP for gift payment forms. */
	giftApiMinLayer: number;
	/** The resale market (docs/resale.md); empty when absent. */
	resale: ScenarioResale;
}

export class ScenarioError extends Error {
	constructor(readonly problems: string[]) {
		super(`invalid scenario: ${problems.join('; ')}`);
	}
}

const DEFAULT_FORM_TTL_MS = 10 * 60 * 1000;
const DEFAULT_LOGIN_CODE_TTL_MS = 120 * 1000;
const DEFAULT_LOGIN_TOKEN_TTL_MS = 30 * 1000;
const DEFAULT_SEND_CODE_LIMIT = { maxCalls: 5, windowMs: 60 * 60 * 1000 };
const FAULT_KINDS: FaultKind[] = ['error', 'noReply', 'drop', 'dropAfterApply', 'paymentVerificationNeeded'];
/**
 * No limit is documented. Observed: FLOOD_WAITs of 169–421 s after a handful of resolves at a
 * bot's start (e.g. github.com/paveL1boyko/MuskEmpireBot issues 28, 36, 41), and ~30 resolves per
 * account per minute as the believed ceiling before escalating waits (axisrow/tg_content_factory
 * issue 551). The sandbox uses 30 per minute, then a 300 s wait.
 */
const DEFAULT_RESOLVE_USERNAME_LIMIT = { method: 'contacts.resolveUsername', maxCalls: 30, windowMs: 60 * 1000, waitSeconds: 300 };
/** The first layer with Stars auctions (core.telegram.org/api/auctions): older clients would try to buy auction gifts directly. */
const DEFAULT_GIFT_API_MIN_LAYER = 218;

type Json = unknown;

class Checker {
	readonly problems: string[] = [];

	fail(path: string, what: string): undefined {
		this.problems.push(`${path} ${what}`);
		return undefined;
	}

	object(value: Json, path: string): Record<string, Json> | undefined {
		if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail(path, 'must be an object');
		return value as Record<string, Json>;
	}

	array(value: Json, path: string, optional = true): Json[] {
		if (value === undefined && optional) return [];
		if (!Array.isArray(value)) {
			this.fail(path, 'must be an array');
			return [];
		}
		return value;
	}

	id(value: Json, path: string, allowChannelMark = false): string | undefined {
		let text: string | undefined;
		if (typeof value === 'number' && Number.isSafeInteger(value)) text = String(value);
		else if (typeof value === 'string') text = value.trim();
		if (text === undefined) return this.fail(path, 'must be an id (a string of digits)');
		if (allowChannelMark && text.startsWith('-')) {
			// A marked channel id is the Bot API form -(10^12 + id), as the core parses it.
			const peer = parsePeer(text);
			if ('ok' in peer && peer.ok.kind === 'channel') text = peer.ok.channelId;
		}
		if (!/^[1-9][0-9]{0,18}$/.test(text) || BigInt(text) > 0x7fffffffffffffffn) {
			return this.fail(path, allowChannelMark ? 'must be a positive id or a -100… channel id' : 'must be a positive id');
		}
		return text;
	}

	int(value: Json, path: string, min: number, optional: false): number | undefined;
	int(value: Json, path: string, min: number, optional: true): number | undefined;
	int(value: Json, path: string, min: number, optional: boolean): number | undefined {
		if (value === undefined && optional) return undefined;
		if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
			return this.fail(path, `must be an integer ≥ ${min}`);
		}
		return value;
	}

	number(value: Json, path: string, min: number): number | undefined {
		if (typeof value !== 'number' || !Number.isFinite(value) || value < min) return this.fail(path, `must be a number ≥ ${min}`);
		return value;
	}

	bool(value: Json, path: string, fallback: boolean): boolean {
		if (value === undefined) return fallback;
		if (typeof value !== 'boolean') {
			this.fail(path, 'must be true or false');
			return fallback;
		}
		return value;
	}

	string(value: Json, path: string, optional: boolean): string | undefined {
		if (value === undefined && optional) return undefined;
		if (typeof value !== 'string' || value.length === 0) return this.fail(path, 'must be a non-empty string');
		return value;
	}

	method(value: Json, path: string): string | undefined {
		if (typeof value !== 'string' || !/^(\*|[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z][a-zA-Z0-9]*)?)$/.test(value)) {
			return this.fail(path, 'must be a TL method name like "payments.getStarGifts" or "*"');
		}
		return value;
	}
}

/**
 * A field set to null is a field left out: optional fields (an unlimited gift's `total` and
 * `remains`, a fault's `accountId`, …) accept null as the package's own gift data writes it.
 */
function withoutNulls(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(withoutNulls);
	if (typeof value !== 'object' || value === null) return value;
	const out: Record<string, unknown> = {};
	for (const [key, v] of Object.entries(value)) if (v !== null) out[key] = withoutNulls(v);
	return out;
}

export function validateScenario(input: unknown): Scenario {
	const c = new Checker();
	const root = c.object(withoutNulls(input) as Json, 'scenario');
	if (!root) throw new ScenarioError(c.problems);
	const known = new Set([
		'seed', 'durationMs', 'formTtlMs', 'accounts', 'channels', 'gifts', 'demand', 'faults', 'latencyMs',
		'disconnects', 'floodRules', 'bot', 'api', 'description', 'loginCodeTtlMs', 'loginTokenTtlMs', 'sendCodeLimit',
		'resolveUsernameLimit', 'giftApiMinLayer',
		'auctionBidders', 'resale',
	]);
	for (const key of Object.keys(root)) if (!known.has(key)) c.fail(`scenario.${key}`, 'is not a scenario field');

	const seed = root.seed === undefined ? 1 : c.int(root.seed, 'scenario.seed', 0, false) ?? 1;
	const durationMs = c.int(root.durationMs, 'scenario.durationMs', 1, true);
	const formTtlMs = c.int(root.formTtlMs, 'scenario.formTtlMs', 1, true) ?? DEFAULT_FORM_TTL_MS;

	const accounts: ScenarioAccount[] = [];
	const rawAccounts = c.array(root.accounts, 'scenario.accounts', false);
	if (Array.isArray(root.accounts) && rawAccounts.length === 0) c.fail('scenario.accounts', 'must list at least one account');
	rawAccounts.forEach((raw, i) => {
		const path = `scenario.accounts[${i}]`;
		const a = c.object(raw, path);
		if (!a) return;
		const id = c.id(a.id, `${path}.id`);
		const balance = c.int(a.balance, `${path}.balance`, 0, false);
		const username = c.string(a.username, `${path}.username`, true);
		const label = c.string(a.label, `${path}.label`, true) ?? username ?? `account ${i + 1}`;
		const premium = c.bool(a.premium, `${path}.premium`, false);
		const login = parseAccountLogin(c, a, path);
		const contacts = idList(c, a.contacts, `${path}.contacts`);
		const dialogs = idList(c, a.dialogs, `${path}.dialogs`);
		const receivedGifts = giftHandling(c, a.receivedGifts, `${path}.receivedGifts`);
		if (id !== undefined && balance !== undefined) accounts.push({ id, label, username, balance, premium, ...login, contacts, dialogs, receivedGifts });
	});

	const channels: ScenarioChannel[] = [];
	c.array(root.channels, 'scenario.channels').forEach((raw, i) => {
		const path = `scenario.channels[${i}]`;
		const ch = c.object(raw, path);
		if (!ch) return;
		const id = c.id(ch.id, `${path}.id`, true);
		const title = c.string(ch.title, `${path}.title`, false);
		const username = c.string(ch.username, `${path}.username`, true);
		const acceptsGifts = c.bool(ch.acceptsGifts, `${path}.acceptsGifts`, true);
		const members: string[] = [];
		c.array(ch.members, `${path}.members`).forEach((m, j) => {
			const member = c.id(m, `${path}.members[${j}]`);
			if (member !== undefined) members.push(member);
		});
		const receivedGifts = giftHandling(c, ch.receivedGifts, `${path}.receivedGifts`);
		if (id !== undefined && title !== undefined) channels.push({ id, title, username, acceptsGifts, members, receivedGifts });
	});

	const gifts: ScenarioGift[] = [];
	c.array(root.gifts, 'scenario.gifts', false).forEach((raw, i) => {
		const path = `scenario.gifts[${i}]`;
		const g = c.object(raw, path);
		if (!g) return;
		const id = c.id(g.id, `${path}.id`);
		const stars = c.int(g.stars, `${path}.stars`, 1, false);
		const limited = c.bool(g.limited, `${path}.limited`, g.total !== undefined);
		const total = c.int(g.total, `${path}.total`, 1, true);
		const remains = c.int(g.remains, `${path}.remains`, 0, true);
		if (limited && total === undefined) c.fail(`${path}.total`, 'is required for a limited gift');
		if (!limited && (total !== undefined || remains !== undefined)) c.fail(`${path}.total`, 'only limited gifts have a supply');
		if (total !== undefined && remains !== undefined && remains > total) c.fail(`${path}.remains`, 'cannot exceed total');
		const releaseAtMs = c.int(g.releaseAtMs, `${path}.releaseAtMs`, 0, true) ?? 0;
		const requirePremium = c.bool(g.requirePremium, `${path}.requirePremium`, false);
		const perUserTotal = c.int(g.perUserTotal, `${path}.perUserTotal`, 1, true);
		const title = c.string(g.title, `${path}.title`, true);
		const convertStars = c.int(g.convertStars, `${path}.convertStars`, 0, true);
		const auction = g.auction === undefined ? undefined : parseAuction(c, g.auction, `${path}.auction`, releaseAtMs);
		if (auction && !limited) c.fail(`${path}.total`, 'is required for an auction gift (the copies auctioned)');
		if (id !== undefined && stars !== undefined) {
			gifts.push({ id, stars, limited, total, remains, releaseAtMs, requirePremium, perUserTotal, title, convertStars, auction });
		}
	});
	const giftIds = new Set(gifts.map((g) => g.id));
	const accountIds = new Set(accounts.map((a) => a.id));
	checkUnique(c, accounts.map((a) => a.id), 'scenario.accounts', 'id');
	accounts.forEach((a, i) => {
		for (const field of ['contacts', 'dialogs'] as const) {
			a[field].forEach((peer, j) => {
				if (!accountIds.has(peer)) c.fail(`scenario.accounts[${i}].${field}[${j}]`, `names no account (${peer})`);
				else if (peer === a.id) c.fail(`scenario.accounts[${i}].${field}[${j}]`, 'names the account itself');
			});
		}
	});
	channels.forEach((ch, i) => {
		ch.members.forEach((m, j) => {
			if (!accountIds.has(m)) c.fail(`scenario.channels[${i}].members[${j}]`, `names no account (${m})`);
		});
	});
	checkUnique(c, channels.map((ch) => ch.id), 'scenario.channels', 'id');
	checkUnique(c, gifts.map((g) => g.id), 'scenario.gifts', 'id');
	const usernames = [...accounts.map((a) => a.username), ...channels.map((ch) => ch.username)].filter(
		(u): u is string => u !== undefined,
	);
	checkUnique(c, usernames.map((u) => u.toLowerCase()), 'scenario', 'username');
	const phoneOwners = new Set<string>();
	accounts.forEach((a, i) => {
		if (a.phone === undefined) return;
		if (phoneOwners.has(a.phone)) c.fail(`scenario.accounts[${i}].phone`, `repeats "${a.phone}"`);
		phoneOwners.add(a.phone);
	});
	const loginCodeTtlMs = c.int(root.loginCodeTtlMs, 'scenario.loginCodeTtlMs', 1, true) ?? DEFAULT_LOGIN_CODE_TTL_MS;
	const loginTokenTtlMs = c.int(root.loginTokenTtlMs, 'scenario.loginTokenTtlMs', 1, true) ?? DEFAULT_LOGIN_TOKEN_TTL_MS;
	let sendCodeLimit = { ...DEFAULT_SEND_CODE_LIMIT };
	if (root.sendCodeLimit !== undefined) {
		const l = c.object(root.sendCodeLimit, 'scenario.sendCodeLimit');
		if (l) {
			const maxCalls = c.int(l.maxCalls, 'scenario.sendCodeLimit.maxCalls', 1, false);
			const windowMs = c.int(l.windowMs, 'scenario.sendCodeLimit.windowMs', 1, false);
			if (maxCalls !== undefined && windowMs !== undefined) sendCodeLimit = { maxCalls, windowMs };
		}
	}

	let resolveUsernameLimit = { ...DEFAULT_RESOLVE_USERNAME_LIMIT };
	if (root.resolveUsernameLimit !== undefined) {
		const l = c.object(root.resolveUsernameLimit, 'scenario.resolveUsernameLimit');
		if (l) {
			const maxCalls = c.int(l.maxCalls, 'scenario.resolveUsernameLimit.maxCalls', 1, false);
			const windowMs = c.int(l.windowMs, 'scenario.resolveUsernameLimit.windowMs', 1, false);
			const waitSeconds = c.int(l.waitSeconds, 'scenario.resolveUsernameLimit.waitSeconds', 1, false);
			if (maxCalls !== undefined && windowMs !== undefined && waitSeconds !== undefined) {
				resolveUsernameLimit = { method: 'contacts.resolveUsername', maxCalls, windowMs, waitSeconds };
			}
		}
	}
	const giftApiMinLayer = c.int(root.giftApiMinLayer, 'scenario.giftApiMinLayer', 1, true) ?? DEFAULT_GIFT_API_MIN_LAYER;

	const demand: ScenarioDemand[] = [];
	c.array(root.demand, 'scenario.demand').forEach((raw, i) => {
		const path = `scenario.demand[${i}]`;
		const d = c.object(raw, path);
		if (!d) return;
		const giftId = c.id(d.giftId, `${path}.giftId`);
		if (giftId !== undefined && !giftIds.has(giftId)) c.fail(`${path}.giftId`, `names no gift in scenario.gifts (${giftId})`);
		const startMs = c.int(d.startMs, `${path}.startMs`, 0, true) ?? 0;
		const perSecond = c.number(d.perSecond, `${path}.perSecond`, 0);
		if (giftId !== undefined && perSecond !== undefined) demand.push({ giftId, startMs, perSecond });
	});

	const auctionBidders: ScenarioAuctionBidder[] = [];
	c.array(root.auctionBidders, 'scenario.auctionBidders').forEach((raw, i) => {
		const path = `scenario.auctionBidders[${i}]`;
		const b = c.object(raw, path);
		if (!b) return;
		const id = c.id(b.id, `${path}.id`);
		if (id !== undefined && accountIds.has(id)) c.fail(`${path}.id`, 'is an account id: competitors are other users');
		const giftId = c.id(b.giftId, `${path}.giftId`);
		if (giftId !== undefined && !gifts.some((g) => g.id === giftId && g.auction)) c.fail(`${path}.giftId`, `names no auction gift in scenario.gifts (${giftId})`);
		const bids: Array<{ atMs: number; amount: number }> = [];
		c.array(b.bids, `${path}.bids`).forEach((rb, j) => {
			const bb = c.object(rb, `${path}.bids[${j}]`);
			if (!bb) return;
			const atMs = c.int(bb.atMs, `${path}.bids[${j}].atMs`, 0, false);
			const amount = c.int(bb.amount, `${path}.bids[${j}].amount`, 1, false);
			if (atMs !== undefined && amount !== undefined) bids.push({ atMs, amount });
		});
		bids.sort((x, y) => x.atMs - y.atMs);
		let react: ScenarioAuctionBidder['react'];
		if (b.react !== undefined) {
			const r = c.object(b.react, `${path}.react`);
			if (r) {
				const delayMs = c.int(r.delayMs, `${path}.react.delayMs`, 0, false);
				const step = c.int(r.step, `${path}.react.step`, 1, true) ?? 1;
				const maxAmount = c.int(r.maxAmount, `${path}.react.maxAmount`, 1, false);
				if (delayMs !== undefined && maxAmount !== undefined) react = { delayMs, step, maxAmount };
			}
		}
		const copies = c.int(b.copies, `${path}.copies`, 1, true) ?? 1;
		if (id !== undefined && giftId !== undefined) auctionBidders.push({ id, giftId, bids, copies, react });
	});
	checkUnique(c, auctionBidders.map((b) => `${b.giftId}:${b.id}`), 'scenario.auctionBidders', 'id');

	const faults: ScenarioFault[] = [];
	c.array(root.faults, 'scenario.faults').forEach((raw, i) => {
		const fault = parseFault(c, raw, `scenario.faults[${i}]`, accountIds);
		if (fault) faults.push(fault);
	});

	const latencyMs: Record<string, number> = {};
	if (root.latencyMs !== undefined) {
		const l = c.object(root.latencyMs, 'scenario.latencyMs');
		for (const [key, value] of Object.entries(l ?? {})) {
			const path = `scenario.latencyMs.${key}`;
			if (key !== 'default') c.method(key, path);
			const ms = c.int(value, path, 0, false);
			if (ms !== undefined) latencyMs[key] = ms;
		}
	}

	const disconnects: ScenarioDisconnect[] = [];
	c.array(root.disconnects, 'scenario.disconnects').forEach((raw, i) => {
		const path = `scenario.disconnects[${i}]`;
		const d = c.object(raw, path);
		if (!d) return;
		const atMs = c.int(d.atMs, `${path}.atMs`, 0, false);
		const accountId = d.accountId === undefined ? undefined : c.id(d.accountId, `${path}.accountId`);
		if (accountId !== undefined && !accountIds.has(accountId)) c.fail(`${path}.accountId`, 'names no account');
		if (atMs !== undefined) disconnects.push({ atMs, accountId });
	});

	const floodRules: ScenarioFloodRule[] = [];
	c.array(root.floodRules, 'scenario.floodRules').forEach((raw, i) => {
		const path = `scenario.floodRules[${i}]`;
		const r = c.object(raw, path);
		if (!r) return;
		const method = c.method(r.method, `${path}.method`);
		const maxCalls = c.int(r.maxCalls, `${path}.maxCalls`, 1, false);
		const windowMs = c.int(r.windowMs, `${path}.windowMs`, 1, false);
		const waitSeconds = c.int(r.waitSeconds, `${path}.waitSeconds`, 1, false);
		if (method && maxCalls !== undefined && windowMs !== undefined && waitSeconds !== undefined) {
			floodRules.push({ method, maxCalls, windowMs, waitSeconds });
		}
	});

	let bot: Scenario['bot'];
	if (root.bot !== undefined) {
		const b = c.object(root.bot, 'scenario.bot');
		if (b) {
			const token = c.string(b.token, 'scenario.bot.token', true);
			if (token !== undefined && !/^[0-9]+:[A-Za-z0-9_-]+$/.test(token)) c.fail('scenario.bot.token', 'must look like "<bot id>:<secret>"');
			bot = { token };
		}
	}
	let api: Scenario['api'];
	if (root.api !== undefined) {
		const a = c.object(root.api, 'scenario.api');
		if (a) {
			const apiId = c.int(a.apiId, 'scenario.api.apiId', 1, true);
			const apiHash = c.string(a.apiHash, 'scenario.api.apiHash', true);
			if (apiHash !== undefined && !/^[0-9a-f]{32}$/.test(apiHash)) c.fail('scenario.api.apiHash', 'must be 32 lowercase hex digits');
			api = { apiId, apiHash };
		}
	}

	const resale = parseResale(c, root.resale, gifts, accountIds);

	if (c.problems.length > 0) throw new ScenarioError(c.problems);
	return {
		seed, durationMs, formTtlMs, accounts, channels, gifts, demand, auctionBidders, faults, latencyMs, disconnects, floodRules, bot, api,
		loginCodeTtlMs, loginTokenTtlMs, sendCodeLimit, resolveUsernameLimit, giftApiMinLayer, resale,
	};
}

/** A list of account ids (absent: empty). */
function idList(c: Checker, value: Json, path: string): string[] {
	const out: string[] = [];
	c.array(value, path).forEach((raw, j) => {
		const id = c.id(raw, `${path}[${j}]`);
		if (id !== undefined) out.push(id);
	});
	return out;
}

function giftHandling(c: Checker, value: Json, path: string): ReceivedGiftHandling {
	if (value === undefined) return 'save';
	if (typeof value === 'string' && (RECEIVED_GIFT_HANDLING as string[]).includes(value)) return value as ReceivedGiftHandling;
	c.fail(path, `must be one of ${RECEIVED_GIFT_HANDLING.join(', ')}`);
	return 'save';
}

/** An auction gift's rules (docs/auctions.md); times in ms from sandbox start. */
function parseAuction(c: Checker, raw: unknown, path: string, releaseAtMs: number): ScenarioAuction | undefined {
	const a = c.object(raw, path);
	if (!a) return undefined;
	const slug = c.string(a.slug, `${path}.slug`, false);
	if (slug !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(slug)) c.fail(`${path}.slug`, 'must be letters, digits, - or _ (a deep-link slug)');
	const startAtMs = c.int(a.startAtMs, `${path}.startAtMs`, 0, true) ?? releaseAtMs;
	if (startAtMs < releaseAtMs) c.fail(`${path}.startAtMs`, 'must be ≥ the gift\'s releaseAtMs (an auction is announced before it starts)');
	const giftsPerRound = c.int(a.giftsPerRound, `${path}.giftsPerRound`, 1, false);
	const minBid = c.int(a.minBid, `${path}.minBid`, 1, false);
	const minStep = c.int(a.minStep, `${path}.minStep`, 1, true) ?? 1;
	const timeoutSec = c.int(a.timeoutSec, `${path}.timeoutSec`, 1, true) ?? 30;
	const rounds: ScenarioAuctionRound[] = [];
	const rawRounds = c.array(a.rounds, `${path}.rounds`, false);
	if (Array.isArray(a.rounds) && rawRounds.length === 0) c.fail(`${path}.rounds`, 'must list at least one round rule');
	rawRounds.forEach((rr, i) => {
		const rp = `${path}.rounds[${i}]`;
		const r = c.object(rr, rp);
		if (!r) return;
		const count = c.int(r.count, `${rp}.count`, 1, true) ?? 1;
		const durationMs = c.int(r.durationMs, `${rp}.durationMs`, 1, false);
		const extendTop = c.int(r.extendTop, `${rp}.extendTop`, 1, true);
		const extendWindowMs = c.int(r.extendWindowMs, `${rp}.extendWindowMs`, 1, true);
		if ((extendTop === undefined) !== (extendWindowMs === undefined)) c.fail(`${rp}.extendTop`, 'and extendWindowMs go together (an extendable round has both)');
		if (durationMs !== undefined) rounds.push({ count, durationMs, extendTop, extendWindowMs });
	});
	if (slug === undefined || giftsPerRound === undefined || minBid === undefined) return undefined;
	return { slug, startAtMs, giftsPerRound, minBid, minStep, rounds, timeoutSec };
}

/**
 * No limit is documented for payments.getResaleStarGifts. Assumed (docs/resale.md): about one call
 * per second per account sustained, 60 within a minute, then FLOOD_WAIT_30.
 */
const DEFAULT_RESALE_FLOOD_LIMIT = { method: 'payments.getResaleStarGifts', maxCalls: 60, windowMs: 60 * 1000, waitSeconds: 30 };
const DEFAULT_NANOTON_PER_STAR = 5_000_000;
/** 1.3 cents per Star (1300 thousandths of a cent), about what a Star is paid out at. */
const DEFAULT_VALUE_MILLI_PER_STAR = 1300;
const SLUG_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function parseAttributes(c: Checker, raw: unknown, path: string): ScenarioResaleAttribute[] {
	const out: ScenarioResaleAttribute[] = [];
	const list = c.array(raw, path, false);
	if (Array.isArray(raw) && list.length === 0) c.fail(path, 'must list at least one attribute');
	list.forEach((r, i) => {
		const a = c.object(r, `${path}[${i}]`);
		if (!a) return;
		const name = c.string(a.name, `${path}[${i}].name`, false);
		const rarityPermille = c.int(a.rarityPermille, `${path}[${i}].rarityPermille`, 1, false);
		if (rarityPermille !== undefined && rarityPermille > 1000) c.fail(`${path}[${i}].rarityPermille`, 'must be ≤ 1000');
		if (name !== undefined && rarityPermille !== undefined) out.push({ name, rarityPermille });
	});
	checkUnique(c, out.map((a) => a.name), path, 'name');
	return out;
}

/** The resale market section (docs/sandbox.md, "Resale market"); every problem named by its path. */
function parseResale(c: Checker, raw: unknown, gifts: ScenarioGift[], accountIds: Set<string>): ScenarioResale {
	const empty: ScenarioResale = {
		collections: [], listings: [], buyers: [], valueCurrency: 'USD', valueMilliPerStar: DEFAULT_VALUE_MILLI_PER_STAR, nanotonPerStar: DEFAULT_NANOTON_PER_STAR,
		tonBalances: {}, floodLimit: { ...DEFAULT_RESALE_FLOOD_LIMIT },
	};
	if (raw === undefined) return empty;
	const r = c.object(raw, 'scenario.resale');
	if (!r) return empty;
	const known = new Set(['collections', 'listings', 'buyers', 'valueCurrency', 'valueMilliPerStar', 'nanotonPerStar', 'tonBalances', 'floodLimit']);
	for (const key of Object.keys(r)) if (!known.has(key)) c.fail(`scenario.resale.${key}`, 'is not a resale field');
	const valueCurrency = c.string(r.valueCurrency, 'scenario.resale.valueCurrency', true) ?? 'USD';
	if (!/^[A-Z]{3}$/.test(valueCurrency)) c.fail('scenario.resale.valueCurrency', 'must be a three-letter ISO 4217 code like "USD"');
	const valueMilliPerStar = c.int(r.valueMilliPerStar, 'scenario.resale.valueMilliPerStar', 1, true) ?? DEFAULT_VALUE_MILLI_PER_STAR;
	const nanotonPerStar = c.int(r.nanotonPerStar, 'scenario.resale.nanotonPerStar', 1, true) ?? DEFAULT_NANOTON_PER_STAR;

	const collections: ScenarioResaleCollection[] = [];
	const slugs = new Map<string, { giftId: string }>();
	c.array(r.collections, 'scenario.resale.collections').forEach((rc, i) => {
		const path = `scenario.resale.collections[${i}]`;
		const col = c.object(rc, path);
		if (!col) return;
		const giftId = c.id(col.giftId, `${path}.giftId`);
		const base = gifts.find((g) => g.id === giftId);
		if (giftId !== undefined && !base) c.fail(`${path}.giftId`, `names no gift in scenario.gifts (${giftId}): a collection is a base gift's collectible copies`);
		const title = c.string(col.title, `${path}.title`, true) ?? base?.title ?? `Gift ${giftId ?? ''}`;
		const models = parseAttributes(c, col.models, `${path}.models`);
		const backdrops = parseAttributes(c, col.backdrops, `${path}.backdrops`);
		const patterns = parseAttributes(c, col.patterns, `${path}.patterns`);
		const averagePriceStars = c.int(col.averagePriceStars, `${path}.averagePriceStars`, 1, true);
		const lastSalePriceStars = c.int(col.lastSalePriceStars, `${path}.lastSalePriceStars`, 1, true);
		const initialSaleStars = c.int(col.initialSaleStars, `${path}.initialSaleStars`, 1, true) ?? base?.stars ?? 1;
		const uniques: ScenarioUniqueGift[] = [];
		c.array(col.gifts, `${path}.gifts`, false).forEach((rg, j) => {
			const gp = `${path}.gifts[${j}]`;
			const g = c.object(rg, gp);
			if (!g) return;
			const slug = c.string(g.slug, `${gp}.slug`, false);
			if (slug !== undefined && !SLUG_PATTERN.test(slug)) c.fail(`${gp}.slug`, 'must be letters, digits, - or _ (like "PlushPepe-12")');
			if (slug !== undefined && slugs.has(slug.toLowerCase())) c.fail(`${gp}.slug`, `repeats "${slug}"`);
			const num = c.int(g.num, `${gp}.num`, 1, false);
			const pick = (field: 'model' | 'backdrop' | 'pattern', list: ScenarioResaleAttribute[]): string | undefined => {
				const name = c.string(g[field], `${gp}.${field}`, false);
				if (name !== undefined && list.length > 0 && !list.some((a) => a.name === name)) c.fail(`${gp}.${field}`, `names no ${field} of the collection (${name})`);
				return name;
			};
			const model = pick('model', models);
			const backdrop = pick('backdrop', backdrops);
			const pattern = pick('pattern', patterns);
			let ownerId = g.ownerId === undefined ? undefined : c.id(g.ownerId, `${gp}.ownerId`);
			if (ownerId !== undefined && accountIds.has(ownerId)) c.fail(`${gp}.ownerId`, 'is an account id: listed gifts belong to other users');
			if (slug !== undefined && ownerId === undefined) ownerId = String(7_000_000_000 + (crc32Text(slug) % 1_000_000_000));
			if (slug !== undefined && num !== undefined && model !== undefined && backdrop !== undefined && pattern !== undefined && ownerId !== undefined && giftId !== undefined) {
				slugs.set(slug.toLowerCase(), { giftId });
				uniques.push({ slug, num, model, backdrop, pattern, ownerId });
			}
		});
		checkUnique(c, uniques.map((u) => String(u.num)), `${path}.gifts`, 'num');
		const total = c.int(col.total, `${path}.total`, 1, true) ?? Math.max(1, ...uniques.map((u) => u.num));
		const issued = c.int(col.issued, `${path}.issued`, 0, true) ?? total;
		if (issued > total) c.fail(`${path}.issued`, 'cannot exceed total');
		uniques.forEach((u, j) => {
			if (u.num > total) c.fail(`${path}.gifts[${j}].num`, `must be ≤ the collection's total (${total})`);
		});
		if (giftId !== undefined) {
			collections.push({ giftId, title, total, issued, models, backdrops, patterns, averagePriceStars, lastSalePriceStars, initialSaleStars, gifts: uniques });
		}
	});
	checkUnique(c, collections.map((col) => col.giftId), 'scenario.resale.collections', 'giftId');

	const listings: ScenarioResaleListing[] = [];
	c.array(r.listings, 'scenario.resale.listings').forEach((rl, i) => {
		const path = `scenario.resale.listings[${i}]`;
		const l = c.object(rl, path);
		if (!l) return;
		const slug = c.string(l.slug, `${path}.slug`, false);
		if (slug !== undefined && !slugs.has(slug.toLowerCase())) c.fail(`${path}.slug`, `names no gift of scenario.resale.collections (${slug})`);
		const atMs = c.int(l.atMs, `${path}.atMs`, 0, true) ?? 0;
		const stars = c.int(l.stars, `${path}.stars`, 1, false);
		const tonNano = c.int(l.tonNano, `${path}.tonNano`, 1, true) ?? (stars ?? 0) * nanotonPerStar;
		const tonOnly = c.bool(l.tonOnly, `${path}.tonOnly`, false);
		const priceChanges: ScenarioResaleListing['priceChanges'] = [];
		c.array(l.priceChanges, `${path}.priceChanges`).forEach((rp, j) => {
			const p = c.object(rp, `${path}.priceChanges[${j}]`);
			if (!p) return;
			const at = c.int(p.atMs, `${path}.priceChanges[${j}].atMs`, 0, false);
			const s = c.int(p.stars, `${path}.priceChanges[${j}].stars`, 1, false);
			const t = c.int(p.tonNano, `${path}.priceChanges[${j}].tonNano`, 1, true) ?? (s ?? 0) * nanotonPerStar;
			if (at !== undefined && at < atMs) c.fail(`${path}.priceChanges[${j}].atMs`, 'must be ≥ the listing\'s atMs');
			if (at !== undefined && s !== undefined) priceChanges.push({ atMs: at, stars: s, tonNano: t });
		});
		priceChanges.sort((x, y) => x.atMs - y.atMs);
		const withdrawAtMs = c.int(l.withdrawAtMs, `${path}.withdrawAtMs`, 0, true);
		if (withdrawAtMs !== undefined && withdrawAtMs < atMs) c.fail(`${path}.withdrawAtMs`, 'must be ≥ the listing\'s atMs');
		if (slug !== undefined && stars !== undefined) listings.push({ slug, atMs, stars, tonNano, tonOnly, priceChanges, withdrawAtMs });
	});

	const buyers: ScenarioResaleBuyer[] = [];
	c.array(r.buyers, 'scenario.resale.buyers').forEach((rb, i) => {
		const path = `scenario.resale.buyers[${i}]`;
		const b = c.object(rb, path);
		if (!b) return;
		const id = c.id(b.id, `${path}.id`);
		if (id !== undefined && accountIds.has(id)) c.fail(`${path}.id`, 'is an account id: competitors are other users');
		const slug = c.string(b.slug, `${path}.slug`, true);
		if (slug !== undefined && !slugs.has(slug.toLowerCase())) c.fail(`${path}.slug`, `names no gift of scenario.resale.collections (${slug})`);
		const giftId = b.giftId === undefined ? undefined : c.id(b.giftId, `${path}.giftId`);
		if (giftId !== undefined && !collections.some((col) => col.giftId === giftId)) c.fail(`${path}.giftId`, `names no collection in scenario.resale.collections (${giftId})`);
		if ((slug === undefined) === (giftId === undefined)) c.fail(`${path}.slug`, 'or giftId: exactly one says what the buyer takes');
		const maxStars = c.int(b.maxStars, `${path}.maxStars`, 1, true);
		const ton = c.bool(b.ton, `${path}.ton`, false);
		const delayMs = c.int(b.delayMs, `${path}.delayMs`, 0, true) ?? 1000;
		const copies = c.int(b.copies, `${path}.copies`, 1, true) ?? 1;
		if (id !== undefined) buyers.push({ id, slug, giftId, maxStars, ton, delayMs, copies });
	});

	const tonBalances: Record<string, number> = {};
	if (r.tonBalances !== undefined) {
		const t = c.object(r.tonBalances, 'scenario.resale.tonBalances');
		for (const [key, value] of Object.entries(t ?? {})) {
			const path = `scenario.resale.tonBalances.${key}`;
			if (!accountIds.has(key)) c.fail(path, 'names no account');
			const nano = c.int(value, path, 0, false);
			if (nano !== undefined) tonBalances[key] = nano;
		}
	}
	let floodLimit = { ...DEFAULT_RESALE_FLOOD_LIMIT };
	if (r.floodLimit !== undefined) {
		const l = c.object(r.floodLimit, 'scenario.resale.floodLimit');
		if (l) {
			const maxCalls = c.int(l.maxCalls, 'scenario.resale.floodLimit.maxCalls', 1, false);
			const windowMs = c.int(l.windowMs, 'scenario.resale.floodLimit.windowMs', 1, false);
			const waitSeconds = c.int(l.waitSeconds, 'scenario.resale.floodLimit.waitSeconds', 1, false);
			if (maxCalls !== undefined && windowMs !== undefined && waitSeconds !== undefined) floodLimit = { method: DEFAULT_RESALE_FLOOD_LIMIT.method, maxCalls, windowMs, waitSeconds };
		}
	}
	return { collections, listings, buyers, valueCurrency, valueMilliPerStar, nanotonPerStar, tonBalances, floodLimit };
}

/** A stable non-negative number from text (derived ids). */
export function crc32Text(text: string): number {
	return crc32(text) >>> 0;
}

/** Login fields of one account: phone (normalized to digits), its code, optional 2FA password. */
function parseAccountLogin(
	c: Checker,
	a: Record<string, Json>,
	path: string,
): Pick<ScenarioAccount, 'phone' | 'loginCode' | 'password' | 'passwordHint'> {
	let phone: string | undefined;
	if (a.phone !== undefined) {
		const digits = typeof a.phone === 'string' ? normalizePhone(a.phone) : undefined;
		if (digits === undefined) c.fail(`${path}.phone`, 'must be a phone number like "+15550001111" (5 to 15 digits)');
		phone = digits;
	}
	let loginCode: string | undefined;
	if (a.loginCode !== undefined) {
		if (typeof a.loginCode === 'string' && /^[0-9]{4,8}$/.test(a.loginCode)) loginCode = a.loginCode;
		else c.fail(`${path}.loginCode`, 'must be a string of 4 to 8 digits');
	}
	if (a.phone !== undefined && a.loginCode === undefined) c.fail(`${path}.loginCode`, 'is required when phone is set');
	if (a.loginCode !== undefined && a.phone === undefined) c.fail(`${path}.phone`, 'is required when loginCode is set');
	const password = c.string(a.password, `${path}.password`, true);
	const passwordHint = c.string(a.passwordHint, `${path}.passwordHint`, true);
	if (passwordHint !== undefined && password === undefined) c.fail(`${path}.passwordHint`, 'needs a password');
	return { phone, loginCode, password, passwordHint };
}

/** Digits of a phone number written with +, spaces, dashes or parentheses; undefined if not one. */
export function normalizePhone(text: string): string | undefined {
	if (!/^\+?[0-9 ()-]+$/.test(text.trim())) return undefined;
	const digits = text.replace(/[^0-9]/g, '');
	return /^[1-9][0-9]{4,14}$/.test(digits) ? digits : undefined;
}

function checkUnique(c: Checker, values: string[], path: string, field: string): void {
	const seen = new Set<string>();
	values.forEach((v, i) => {
		if (seen.has(v)) c.fail(`${path}[${i}].${field}`, `repeats "${v}"`);
		seen.add(v);
	});
}

/** Parses one fault (scenario JSON or a live `injectFault`), naming fields under `path`. */
function parseFault(c: Checker, raw: unknown, path: string, accountIds?: Set<string>): ScenarioFault | undefined {
	const f = c.object(raw, path);
	if (!f) return undefined;
	const method = c.method(f.method, `${path}.method`);
	const error = c.string(f.error, `${path}.error`, true);
	if (error !== undefined && !/^[A-Z][A-Z0-9_]*$/.test(error)) c.fail(`${path}.error`, 'must be a Telegram error name like "FLOOD_WAIT_5"');
	let kind: FaultKind = error !== undefined ? 'error' : 'noReply';
	if (f.kind !== undefined) {
		if (typeof f.kind === 'string' && (FAULT_KINDS as string[]).includes(f.kind)) kind = f.kind as FaultKind;
		else c.fail(`${path}.kind`, `must be one of ${FAULT_KINDS.join(', ')}`);
	}
	if (kind === 'error' && error === undefined) c.fail(`${path}.error`, 'is required for kind "error"');
	if (kind === 'paymentVerificationNeeded' && method !== undefined && method !== 'payments.sendStarsForm') {
		c.fail(`${path}.method`, 'must be "payments.sendStarsForm" for kind "paymentVerificationNeeded"');
	}
	const code = c.int(f.code, `${path}.code`, 300, true);
	const afterCalls = c.int(f.afterCalls, `${path}.afterCalls`, 0, true) ?? 0;
	const times = c.int(f.times, `${path}.times`, 1, true) ?? 1;
	const accountId = f.accountId === undefined ? undefined : c.id(f.accountId, `${path}.accountId`);
	if (accountId !== undefined && accountIds && !accountIds.has(accountId)) c.fail(`${path}.accountId`, 'names no account');
	if (!method) return undefined;
	return { method, kind, error, code, afterCalls, times, accountId };
}

export function validateFault(raw: unknown, accountIds?: Set<string>): ScenarioFault {
	const c = new Checker();
	const fault = parseFault(c, withoutNulls(raw), 'fault', accountIds);
	if (!fault || c.problems.length > 0) throw new ScenarioError(c.problems);
	return fault;
}
