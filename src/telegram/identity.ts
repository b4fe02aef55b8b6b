/**
 * How the client introduces itself in initConnection (device model, system version, app version,
 * languages). Telegram shows the first three to the user under Settings → Devices and keeps them
 * with the session. The defaults describe the machine the way desktop libraries do (Telethon:
 * "PC 64bit" and the OS release; the library itself would send the OS name as the device and "1.0"
 * as the app version), and the app version is this package's. `langPack` stays empty: language
 * packs are for Telegram's official apps (mtcute's note on initConnection; teleproto leaves it
 * empty too). Users may override each field in the account credential.
 */
import { existsSync, readFileSync } from 'node:fs';
import { arch, release, type } from 'node:os';
import { dirname, join } from 'node:path';

export interface ClientIdentity {
	deviceModel: string;
	systemVersion: string;
	appVersion: string;
	/** ISO 639-1 code of the client's language, e.g. "en". */
	langCode: string;
	/** The system's locale, e.g. "en-US". */
	systemLangCode: string;
}

/** "PC 64bit" on x64 (as Telethon names a desktop), "PC 32bit" on ia32, else the architecture. */
function deviceModelOf(architecture: string): string {
	if (architecture === 'x64') return 'PC 64bit';
	if (architecture === 'ia32') return 'PC 32bit';
	return architecture;
}

/** The OS and its release without the build suffix: "Linux 6.8.0", "Darwin 23.4.0", "Windows_NT 10.0.22631". */
function systemVersionOf(osType: string, osRelease: string): string {
	return `${osType} ${osRelease.split('-')[0]}`.trim();
}

/** This package's version from its package.json (found walking up from this file), else "1.0". */
export function packageVersion(start = __dirname): string {
	let dir = start;
	for (let depth = 0; depth < 8; depth++) {
		const file = join(dir, 'package.json');
		if (existsSync(file)) {
			try {
				const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
				if (pkg.name === 'n8n-nodes-telegram-gifts' && typeof pkg.version === 'string') return pkg.version;
			} catch {
				// Not readable: keep looking.
			}
		}
		const parent = dirname(dir);
		if (parent === dir) break;
		dir = parent;
	}
	return '1.0';
}

/** "en_US.UTF-8" / "de-DE" → {langCode: "en", systemLangCode: "en-US"}; anything else → English. */
export function languagesOf(locale: string | undefined): { langCode: string; systemLangCode: string } {
	const match = /^([a-z]{2,3})(?:[_-]([a-z]{2}))?(?:[.@]|$)/i.exec(locale ?? '');
	if (!match) return { langCode: 'en', systemLangCode: 'en-US' };
	const lang = match[1].toLowerCase();
	return { langCode: lang, systemLangCode: match[2] ? `${lang}-${match[2].toUpperCase()}` : lang };
}

let cachedDefault: ClientIdentity | null = null;

/** The identity used when the credential sets none (computed once per process). */
export function defaultClientIdentity(): ClientIdentity {
	if (!cachedDefault) {
		const env = process.env;
		const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || Intl.DateTimeFormat().resolvedOptions().locale;
		cachedDefault = {
			deviceModel: deviceModelOf(arch()),
			systemVersion: systemVersionOf(type(), release()),
			appVersion: packageVersion(),
			...languagesOf(locale),
		};
	}
	return { ...cachedDefault };
}

/** The default identity with the fields the user set (blank fields keep the default). */
export function clientIdentity(overrides: Partial<ClientIdentity> = {}): ClientIdentity {
	const identity = defaultClientIdentity();
	for (const key of Object.keys(identity) as Array<keyof ClientIdentity>) {
		const value = overrides[key]?.trim();
		if (value) identity[key] = value;
	}
	return identity;
}
