import type { INodeProperties } from 'n8n-workflow';

const show = { resource: ['gift'], operation: ['buy'] };

export const buyProperties: INodeProperties[] = [
	// Shown only on the AI-agent tool variant (Telegram Gift Tool): fixed values an agent cannot set.
	{
		displayName: 'Allow AI Agent to Buy',
		name: 'allowAgentPurchases',
		type: 'boolean',
		noDataExpression: true,
		default: false,
		displayOptions: { show: { ...show, '@tool': [true] } },
		description:
			'Whether an AI agent may spend Stars with this tool. Off: every buy the agent asks for is refused. On: only within the two caps below, which the agent cannot change.',
	},
	{
		displayName: 'Max Stars per Call',
		name: 'agentMaxStarsPerCall',
		type: 'number',
		noDataExpression: true,
		typeOptions: { minValue: 1 },
		default: 100,
		displayOptions: { show: { ...show, '@tool': [true], allowAgentPurchases: [true] } },
		description: 'The most one tool call may spend (price × copies); a call asking for more buys nothing',
	},
	{
		displayName: 'Max Stars per Day',
		name: 'agentMaxStarsPerDay',
		type: 'number',
		noDataExpression: true,
		typeOptions: { minValue: 1 },
		default: 500,
		displayOptions: { show: { ...show, '@tool': [true], allowAgentPurchases: [true] } },
		description: "The most all of the agent's calls may spend per UTC day, counted from the purchase ledger",
	},
	{
		displayName: 'Buy From',
		name: 'buySource',
		type: 'options',
		noDataExpression: true,
		default: 'plan',
		displayOptions: { show },
		options: [
			{
				name: 'Plan Items',
				value: 'plan',
				description:
					'Each input item is a purchase from the Telegram Gift Plan node (opKey, accountId, recipient, giftId, price, quantity)',
			},
			{
				name: 'Define Below',
				value: 'fields',
				description: 'Name the gift, the recipient and the quantity (e.g. from a webhook or a form)',
			},
		],
	},
	{
		displayName: 'Gift ID',
		name: 'giftId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '5170145012310081615',
		displayOptions: { show: { ...show, buySource: ['fields'] } },
		description: 'The ID of the gift in the catalog (see Get Catalog)',
	},
	{
		displayName: 'Recipient',
		name: 'recipient',
		type: 'string',
		required: true,
		default: 'me',
		displayOptions: { show: { ...show, buySource: ['fields'] } },
		description: 'A channel ID (-100…), a user ID, an @username, or "me" (the buying account itself)',
	},
	{
		displayName: 'Quantity',
		name: 'quantity',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1,
		displayOptions: { show: { ...show, buySource: ['fields'] } },
		description: 'How many copies to send',
	},
	{
		displayName: 'Account',
		name: 'account',
		type: 'string',
		default: '',
		placeholder: 'alice',
		hint: 'Empty = the account with the most Stars pays',
		displayOptions: { show: { ...show, buySource: ['fields'] } },
		description:
			'Label or user ID of the account that pays; empty uses the account with the highest star balance',
	},
	{
		displayName: 'Max Price (Stars)',
		name: 'maxPrice',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		hint: '0 = accept the current catalog price',
		displayOptions: { show: { ...show, buySource: ['fields'] } },
		description: 'Refuse to pay more than this per copy; 0 accepts the current catalog price',
	},
	{
		displayName: 'Idempotency Key',
		name: 'idempotencyKey',
		type: 'string',
		default: '',
		hint: 'Empty = one key per execution and item (a retried execution may buy again)',
		displayOptions: { show: { ...show, buySource: ['fields'] } },
		description:
			"A key that identifies this purchase: the same key is never paid twice (the store's ledger remembers it). Empty derives one from the execution and item.",
	},
	{
		displayName: 'Options',
		name: 'buyOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Hide Sender Name',
				name: 'hideName',
				type: 'boolean',
				default: false,
				description: "Whether to hide the buying account's name from the recipient",
			},
			{
				displayName: 'Include Upgrade',
				name: 'includeUpgrade',
				type: 'boolean',
				default: false,
				description: 'Whether to pay the upgrade price too, so the recipient can turn the gift into a collectible',
			},
			{
				displayName: 'Message',
				name: 'message',
				type: 'string',
				default: '',
				description: 'Text attached to the gift',
			},
		],
	},
];
