/**
 * Reads the "Telegram Gifts Account API" credential into a typed profile. Every problem names the
 * credential field and, for sessions, the account's label or position — never a secret value.
 */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import type { TelegramServer } from '../../src/telegram/connection';
import type { ClientIdentity } from '../../src/telegram/identity';

export const ACCOUNT_CREDENTIAL = 'telegramGiftsAccountApi';
export const BOT_CREDENTIAL = 'telegramGiftsBotApi';

export interface AccountSession {
	/** The user's label, or "account N" (1-based position) when none was given. */
	label: string;
	session: string;
}

export interface AccountProfile {
	apiId: number;
	apiHash: string;
	server: TelegramServer;
	sessions: AccountSession[];
	/** Client identity fields the user set (the rest use the defaults). */
	identity: Partial<ClientIdentity>;
}

/** A credential field that cannot be used; `field` is the credential's field name. */
export class CredentialFieldError extends Error {
	override readonly name = 'CredentialFieldError';
	constructor(
		readonly field: string,
		problem: string,
	) {
		super(`Credential field "${field}": ${problem}`);
	}
}

/** Session strings are base64url-ish; anything with spaces inside is a paste mistake. */
const SESSION_SHAPE = /^[A-Za-z0-9+/=_-]{16,}$/;
const LABEL_SHAPE = /^[^\s:,;][^:,;\n]{0,63}$/;

export function parseAccountCredential(data: ICredentialDataDecryptedObject): AccountProfile {
	const apiId = Number(data.apiId);
	if (!Number.isSafeInteger(apiId) || apiId <= 0) {
		throw new CredentialFieldError('API ID', 'must be a positive whole number (from my.telegram.org)');
	}
	const apiHash = typeof data.apiHash === 'string' ? data.apiHash.trim() : '';
	if (apiHash === '') throw new CredentialFieldError('API Hash', 'is empty');
	if (/\s/.test(apiHash)) throw new CredentialFieldError('API Hash', 'contains spaces; paste the api_hash as my.telegram.org shows it');
	const server = parseServer(data);
	// `sessions` (label: session per line) is what credentials saved by earlier builds hold; the
	// form now offers only the Accounts list.
	const sessions = [...parseSessionLines(data.sessions), ...parseAccountList(data.accounts)];
	if (sessions.length === 0) {
		throw new CredentialFieldError('Accounts', 'no account given; add at least one account with its session string');
	}
	return { apiId, apiHash, server, sessions: labelSessions(sessions), identity: parseIdentity(data) };
}

const IDENTITY_FIELDS: Array<{ key: 'deviceModel' | 'systemVersion' | 'appVersion' | 'langCode'; label: string }> = [
	{ key: 'deviceModel', label: 'Device Model' },
	{ key: 'systemVersion', label: 'System Version' },
	{ key: 'appVersion', label: 'App Version' },
	{ key: 'langCode', label: 'Language Code' },
];

/** The client identity fields, when "Customize Client Identity" is on; blank ones are left out. */
function parseIdentity(data: ICredentialDataDecryptedObject): Partial<ClientIdentity> {
	if (data.customIdentity !== true) return {};
	const identity: Partial<ClientIdentity> = {};
	for (const { key, label } of IDENTITY_FIELDS) {
		const raw = data[key];
		if (raw === undefined || raw === null || raw === '') continue;
		if (typeof raw !== 'string') throw new CredentialFieldError(label, 'must be text');
		const value = raw.trim();
		if (value === '') continue;
		if (value.length > 64 || [...value].some((ch) => ch.charCodeAt(0) < 32)) throw new CredentialFieldError(label, 'must be at most 64 characters on one line');
		if (key === 'langCode' && !/^[a-z]{2,3}$/i.test(value)) throw new CredentialFieldError(label, 'must be a two- or three-letter language code such as "en"');
		identity[key] = key === 'langCode' ? value.toLowerCase() : value;
	}
	return identity;
}

function parseServer(data: ICredentialDataDecryptedObject): TelegramServer {
	const kind = data.server ?? 'production';
	if (kind === 'production' || kind === 'test') return { kind };
	if (kind !== 'custom') throw new CredentialFieldError('Server', `unknown server "${String(kind)}"`);
	const host = typeof data.host === 'string' ? data.host.trim() : '';
	if (host === '' || /[\s/]/.test(host)) throw new CredentialFieldError('Host', 'must be a host name or IP address');
	const port = Number(data.port);
	if (!Number.isInteger(port) || port < 1 || port > 65535) {
		throw new CredentialFieldError('Port', 'must be a whole number between 1 and 65535');
	}
	return { kind: 'custom', host, port };
}

interface RawSession {
	label: string | null;
	session: string;
	/** Where it came from, for messages: e.g. 'Sessions entry 2'. */
	origin: string;
}

/** "label: session" entries separated by new lines, commas or semicolons. */
function parseSessionLines(value: unknown): RawSession[] {
	if (value === undefined || value === null || value === '') return [];
	if (typeof value !== 'string') throw new CredentialFieldError('Sessions', 'must be text');
	const entries = value
		.split(/[\n\r,;]+/)
		.map((entry) => entry.trim())
		.filter((entry) => entry !== '');
	return entries.map((entry, index) => {
		const origin = `Sessions entry ${index + 1}`;
		const colon = entry.indexOf(':');
		const label = colon >= 0 ? entry.slice(0, colon).trim() : null;
		const session = colon >= 0 ? entry.slice(colon + 1).trim() : entry;
		return checkSession({ label, session, origin }, 'Sessions');
	});
}

function parseAccountList(value: unknown): RawSession[] {
	if (value === undefined || value === null || value === '') return [];
	const list = (value as { account?: unknown }).account;
	if (list === undefined) return [];
	if (!Array.isArray(list)) throw new CredentialFieldError('Accounts', 'must be a list of accounts');
	return list.map((raw: unknown, index) => {
		const entry = (raw ?? {}) as { label?: unknown; session?: unknown };
		const label = typeof entry.label === 'string' && entry.label.trim() !== '' ? entry.label.trim() : null;
		const session = typeof entry.session === 'string' ? entry.session.trim() : '';
		return checkSession({ label, session, origin: `Accounts entry ${index + 1}` }, 'Accounts');
	});
}

function checkSession(raw: RawSession, field: string): RawSession {
	const who = raw.label ? `account "${raw.label}"` : raw.origin;
	if (raw.label !== null && !LABEL_SHAPE.test(raw.label)) {
		throw new CredentialFieldError(field, `${raw.origin}: the label must be 1-64 characters without ":", "," or ";"`);
	}
	if (raw.session === '') throw new CredentialFieldError(field, `${who}: the session string is empty`);
	if (!SESSION_SHAPE.test(raw.session)) {
		throw new CredentialFieldError(field, `${who}: this is not a session string (expected one long base64 string)`);
	}
	return raw;
}

/** Gives every session a unique label and drops exact duplicates (one session, one client). */
function labelSessions(raw: RawSession[]): AccountSession[] {
	const out: AccountSession[] = [];
	const seenSessions = new Set<string>();
	const seenLabels = new Set<string>();
	raw.forEach((entry, index) => {
		if (seenSessions.has(entry.session)) return;
		seenSessions.add(entry.session);
		let label = entry.label ?? `account ${index + 1}`;
		for (let n = 2; seenLabels.has(label); n++) label = `${entry.label ?? `account ${index + 1}`} (${n})`;
		seenLabels.add(label);
		out.push({ label, session: entry.session });
	});
	return out;
}

/** Every secret the profile holds, for redacting messages that might echo one. */
export function profileSecrets(profile: AccountProfile): string[] {
	return [profile.apiHash, ...profile.sessions.map((s) => s.session)];
}

export interface BotCredential {
	token: string;
	apiRoot: string;
}

export function parseBotCredential(data: ICredentialDataDecryptedObject): BotCredential {
	const token = typeof data.token === 'string' ? data.token.trim() : '';
	if (token === '') throw new CredentialFieldError('Bot Token', 'is empty');
	if (!/^\d+:[A-Za-z0-9_-]+$/.test(token)) {
		throw new CredentialFieldError('Bot Token', 'does not look like a bot token (digits, a colon, then letters), as @BotFather gives it');
	}
	const apiRoot = typeof data.baseUrl === 'string' && data.baseUrl.trim() !== '' ? data.baseUrl.trim() : 'https://api.telegram.org';
	return { token, apiRoot };
}
