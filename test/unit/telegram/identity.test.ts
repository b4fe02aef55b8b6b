/**
 * How the client introduces itself (initConnection): plausible defaults, the credential's
 * overrides, and what reaches the server. The old client said deviceModel
 * "n8n-nodes-telegram-gifts", systemVersion "node", appVersion "1.0" and had no override.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch } from 'node:os';

import { parseAccountCredential, CredentialFieldError } from '../../../nodes/shared/accountCredential';
import { clientIdentity, defaultClientIdentity, languagesOf, packageVersion } from '../../../src/telegram/identity';

const SESSION = 'A'.repeat(40);

describe('client identity', () => {
	it('defaults to the machine as desktop libraries describe it, this package’s version, the system language', () => {
		const identity = defaultClientIdentity();
		expect(identity.deviceModel).toBe(arch() === 'x64' ? 'PC 64bit' : arch() === 'ia32' ? 'PC 32bit' : arch());
		expect(identity.systemVersion).toMatch(/^\S+ [0-9][0-9.]*$/);
		expect(identity.appVersion).toBe((JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version);
		expect(identity.langCode).toMatch(/^[a-z]{2,3}$/);
		expect(identity.deviceModel).not.toMatch(/n8n|telegram-gifts/i);
	});

	it('reads the language from the locale (en_US.UTF-8 → en / en-US); C, POSIX or nothing → English', () => {
		expect(languagesOf('de_DE.UTF-8')).toEqual({ langCode: 'de', systemLangCode: 'de-DE' });
		expect(languagesOf('pt-br')).toEqual({ langCode: 'pt', systemLangCode: 'pt-BR' });
		expect(languagesOf('ru')).toEqual({ langCode: 'ru', systemLangCode: 'ru' });
		expect(languagesOf('C.UTF-8')).toEqual({ langCode: 'en', systemLangCode: 'en-US' });
		expect(languagesOf('POSIX')).toEqual({ langCode: 'en', systemLangCode: 'en-US' });
		expect(languagesOf(undefined)).toEqual({ langCode: 'en', systemLangCode: 'en-US' });
	});

	it('finds the package version walking up from a nested directory; elsewhere "1.0"', () => {
		expect(packageVersion(join(__dirname, 'a', 'b'))).toBe(packageVersion());
		expect(packageVersion('/')).toBe('1.0');
	});

	it('overrides only the fields that are set (blank keeps the default)', () => {
		const identity = clientIdentity({ deviceModel: ' Server 7 ', appVersion: '', langCode: 'ru' });
		expect(identity).toEqual({ ...defaultClientIdentity(), deviceModel: 'Server 7', langCode: 'ru' });
	});
});

describe('account credential: Customize Client Identity', () => {
	const base = { apiId: 1, apiHash: 'abc', sessions: SESSION };

	it('is off by default: no override, even if fields are filled', () => {
		expect(parseAccountCredential({ ...base, deviceModel: 'X' }).identity).toEqual({});
	});

	it('takes the fields set, trimmed; blank ones are left to the defaults', () => {
		expect(parseAccountCredential({ ...base, customIdentity: true, deviceModel: ' Desktop ', systemVersion: '', appVersion: '5.1', langCode: 'DE' }).identity).toEqual({
			deviceModel: 'Desktop',
			appVersion: '5.1',
			langCode: 'de',
		});
	});

	it('names the field that is wrong', () => {
		expect(() => parseAccountCredential({ ...base, customIdentity: true, langCode: 'english' })).toThrow(
			new CredentialFieldError('Language Code', 'must be a two- or three-letter language code such as "en"'),
		);
		expect(() => parseAccountCredential({ ...base, customIdentity: true, deviceModel: 'x'.repeat(65) })).toThrow(/Credential field "Device Model": must be at most 64 characters/);
		expect(() => parseAccountCredential({ ...base, customIdentity: true, systemVersion: 'a\nb' })).toThrow(/Credential field "System Version"/);
	});
});
