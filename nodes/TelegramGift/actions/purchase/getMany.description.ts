import type { INodeProperties } from 'n8n-workflow';

const show = { resource: ['purchase'], operation: ['getMany'] };

export const getManyPurchasesProperties: INodeProperties[] = [
	{
		displayName: 'Since (Hours)',
		name: 'sinceHours',
		type: 'number',
		default: 24,
		typeOptions: { minValue: 0, numberPrecision: 2 },
		displayOptions: { show },
		description: 'Purchases started in this many past hours (more than 0)',
	},
	{
		displayName: 'Status',
		name: 'status',
		type: 'options',
		default: 'bought',
		displayOptions: { show },
		options: [
			{ name: 'All', value: 'all' },
			{ name: 'Bids (Held, Won, Returned)', value: 'bids', description: 'Auction bid steps Telegram took: held until the bid wins or is refunded' },
			{ name: 'Bought', value: 'bought' },
			{ name: 'Failed', value: 'failed', description: 'Nothing was charged' },
			{
				name: 'Pending or Unknown',
				value: 'pendingUnknown',
				description: 'Sent (or about to be) but the outcome is not known yet: the stars may be spent',
			},
		],
	},
	{
		displayName: 'Account',
		name: 'account',
		type: 'string',
		default: '',
		displayOptions: { show },
		description: 'Label, user ID or @username of one account; empty reads every account of the credential',
	},
];
