import type { INodeProperties } from 'n8n-workflow';

const show = { resource: ['recipient'], operation: ['checkCanReceive'] };

export const checkCanReceiveProperties: INodeProperties[] = [
	{
		displayName: 'Recipient',
		name: 'recipient',
		type: 'string',
		required: true,
		default: '',
		placeholder: '-1001234567890',
		displayOptions: { show },
		description: 'A channel ID (-100…), a user ID, an @username, or "me"',
	},
	{
		displayName: 'Account',
		name: 'account',
		type: 'string',
		default: '',
		displayOptions: { show },
		description: 'Label or user ID of the account that asks; empty uses the first account',
	},
];
