import type { ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * One Telegram API profile (api_id + api_hash from my.telegram.org) holding one or more user
 * account sessions, as GiftBuyer keeps several accounts per API profile.
 *
 * Accounts are entered in one place, the Accounts list (label + session per account); n8n 1.123.50
 * and 2.40.7 render it in the credential form with the sessions masked (checked in both editors:
 * docs/screenshots/credential-telegramGiftsAccountApi.png). Credentials saved by earlier builds
 * with a plain "sessions" text still load (nodes/shared/accountCredential.ts), but the form no
 * longer offers that second way.
 * The credential test is a node method (testedBy) because MTProto is not HTTP: it connects every
 * session and answers with the account labels, never with a secret.
 */
export class TelegramGiftsAccountApi implements ICredentialType {
	name = 'telegramGiftsAccountApi';

	displayName = 'Telegram Gifts Account API';

	documentationUrl = 'https://core.telegram.org/api/obtaining_api_id';

	icon: Icon = {
		light: 'file:telegramGifts.svg',
		dark: 'file:telegramGifts.dark.svg',
	};

	properties: INodeProperties[] = [
		{
			displayName: 'API ID',
			name: 'apiId',
			type: 'number',
			default: 0,
			required: true,
			description: 'The api_id of your application, from my.telegram.org → API development tools',
		},
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password -- api_hash is a secret
		{
			displayName: 'API Hash',
			name: 'apiHash',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The api_hash of the same application',
		},
		{
			displayName: 'Server',
			name: 'server',
			type: 'options',
			default: 'production',
			options: [
				{
					name: 'Telegram',
					value: 'production',
					description: "Telegram's production data centers (real stars)",
				},
				{
					name: 'Telegram Test DCs',
					value: 'test',
					description: "Telegram's test data centers (test accounts only)",
				},
				{
					name: 'Custom Host and Port',
					value: 'custom',
					description: "Any MTProto server, e.g. this package's sandbox (n8n-nodes-telegram-gifts sandbox)",
				},
			],
		},
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: '127.0.0.1',
			required: true,
			displayOptions: { show: { server: ['custom'] } },
			description: 'Host name or IP address of the MTProto server',
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 443,
			required: true,
			typeOptions: { minValue: 1, maxValue: 65535 },
			displayOptions: { show: { server: ['custom'] } },
			description: 'TCP port of the MTProto server (the sandbox prints it when it starts)',
		},
		{
			displayName: 'Accounts',
			name: 'accounts',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			default: {},
			placeholder: 'Add Account',
			description:
				'One entry per Telegram account: a label (how reports and errors name it) and its session string (from "n8n-nodes-telegram-gifts login" or the login workflow)',
			options: [
				{
					displayName: 'Account',
					name: 'account',
					values: [
						{
							displayName: 'Label',
							name: 'label',
							type: 'string',
							default: '',
							placeholder: 'main',
							description: 'A name for this account in reports and error messages (optional; without one the account is "account 1", "account 2", …)',
						},
						{
							displayName: 'Session',
							name: 'session',
							type: 'string',
							typeOptions: { password: true },
							default: '',
							description: 'The session string of this account: one long text, a password to the account. Keep it secret.',
						},
					],
				},
			],
		},
		{
			displayName: 'Customize Client Identity',
			name: 'customIdentity',
			type: 'boolean',
			default: false,
			description:
				'Whether to set what the client tells Telegram about itself (shown under Settings → Devices). Off: the machine\'s own, e.g. "PC 64bit", "Linux 6.8.0", this package\'s version, English.',
		},
		{
			displayName: 'Device Model',
			name: 'deviceModel',
			type: 'string',
			default: '',
			placeholder: 'PC 64bit',
			displayOptions: { show: { customIdentity: [true] } },
			description: 'Empty: "PC 64bit" (or the machine\'s architecture)',
		},
		{
			displayName: 'System Version',
			name: 'systemVersion',
			type: 'string',
			default: '',
			placeholder: 'Linux 6.8.0',
			displayOptions: { show: { customIdentity: [true] } },
			description: 'Empty: the operating system and its release',
		},
		{
			displayName: 'App Version',
			name: 'appVersion',
			type: 'string',
			default: '',
			placeholder: '0.1.0',
			displayOptions: { show: { customIdentity: [true] } },
			description: 'Empty: the version of n8n-nodes-telegram-gifts',
		},
		{
			displayName: 'Language Code',
			name: 'langCode',
			type: 'string',
			default: '',
			placeholder: 'en',
			displayOptions: { show: { customIdentity: [true] } },
			description: 'Two- or three-letter ISO 639 code of the client\'s language. Empty: the system\'s (LANG), else "en".',
		},
	];
}
