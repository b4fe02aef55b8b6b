import type { INodeProperties } from 'n8n-workflow';

/**
 * Parameters of the Session operations. Their names are part of the login workflow template
 * (workflows/login.json); the connection fields are shared by both first steps and the
 * login id / password by both second steps, so each is declared once for the operations using it.
 */
const startsLogin = { resource: ['session'], operation: ['sendCode', 'qrStart'] };
const continuesLogin = { resource: ['session'], operation: ['signIn', 'qrComplete'] };

export const sessionProperties: INodeProperties[] = [
	{
		displayName: 'Phone',
		name: 'phone',
		type: 'string',
		required: true,
		default: '',
		placeholder: '+15550001111',
		displayOptions: { show: { resource: ['session'], operation: ['sendCode'] } },
		description: 'Phone number of the Telegram account, in international format',
	},
	{
		displayName: 'API ID',
		name: 'apiId',
		type: 'number',
		required: true,
		default: 0,
		displayOptions: { show: startsLogin },
		description: 'The api_id from my.telegram.org (API development tools)',
	},
	{
		displayName: 'API Hash',
		name: 'apiHash',
		type: 'string',
		typeOptions: { password: true },
		required: true,
		default: '',
		displayOptions: { show: startsLogin },
		description: 'The api_hash from my.telegram.org (API development tools)',
	},
	{
		displayName: 'Server',
		name: 'server',
		type: 'string',
		default: 'production',
		displayOptions: { show: startsLogin },
		description: '"production" (Telegram), "test" (Telegram\'s test DCs) or HOST:PORT (the sandbox)',
	},
	{
		displayName: 'Sandbox Login Session',
		name: 'startSession',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		displayOptions: { show: startsLogin },
		description: "Sandbox login session: only for the sandbox (its login_session). Leave empty for Telegram.",
	},
	{
		displayName: 'Login ID',
		name: 'loginId',
		type: 'string',
		required: true,
		default: '={{ $json.loginId }}',
		displayOptions: { show: continuesLogin },
		description: 'The login ID returned by Send Code or QR Start (valid 5 minutes; any execution or queue-mode worker may continue it)',
	},
	{
		displayName: 'Code',
		name: 'code',
		type: 'string',
		required: true,
		default: '',
		placeholder: '12345',
		displayOptions: { show: { resource: ['session'], operation: ['signIn'] } },
		description: 'The login code Telegram sent (usually to the Telegram app, not by SMS)',
	},
	{
		displayName: 'Password',
		name: 'password',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		displayOptions: { show: continuesLogin },
		description: "The account's two-step verification password, if it has one. Empty: the output says whether one is needed.",
	},
	{
		displayName: 'Wait (Seconds)',
		name: 'waitSeconds',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 120 },
		default: 60,
		displayOptions: { show: { resource: ['session'], operation: ['qrComplete'] } },
		description: 'How long to wait for the QR code to be scanned before answering "pending". A scan made before this step began is seen when the shown code runs out (about 30 s), so 30 or more always sees it.',
	},
	{
		displayName: 'The session string is a password: anyone who has it controls the account. Do not save this workflow\'s execution data.',
		name: 'sessionNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: continuesLogin },
	},
];
