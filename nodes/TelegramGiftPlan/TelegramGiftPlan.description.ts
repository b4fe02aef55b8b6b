import type { INodeProperties } from 'n8n-workflow';

/** Parameters of Telegram Gift Plan. Names are part of the public contract (workflow templates use them). */
const PURCHASES = { operation: ['purchases'] };
const BIDS = { operation: ['bids'] };

export const planProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'purchases',
		options: [
			{ name: 'Plan Purchases', value: 'purchases', description: 'Which new gifts to buy, for which recipients, with which accounts', action: 'Plan purchases' },
			{ name: 'Plan Bids', value: 'bids', description: "Which bid each account places or raises in an auction now, within the cap and the budget", action: 'Plan auction bids' },
		],
	},
	{
		displayName:
			'Each input item is one gift (as the Telegram Gift Trigger or Get Catalog emits it). The plan goes to the first output, one item per purchase; everything not bought goes to the second output with a reason.',
		name: 'planNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: PURCHASES },
	},
	{
		displayName:
			'Each input item is an auction as Telegram Gift → Auction → Get State outputs it (the auction and every account\'s own bid). The bid steps go to the first output, one per account that bids now; every other account\'s decision (keep, cap reached, budget exhausted, …) goes to the second output with a reason.',
		name: 'bidNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: BIDS },
	},
	{
		displayName: 'Copies Wanted',
		name: 'copies',
		type: 'number',
		default: 1,
		typeOptions: { minValue: 1 },
		displayOptions: { show: BIDS },
		description: 'How many copies to win over the whole auction, all accounts together',
	},
	{
		displayName: 'Max Price per Copy (Stars)',
		name: 'maxPricePerCopy',
		type: 'number',
		default: 1000,
		typeOptions: { minValue: 1 },
		displayOptions: { show: BIDS },
		description: 'No bid goes above this, ever',
	},
	{
		displayName: 'Total Budget (Stars)',
		name: 'totalBudget',
		type: 'number',
		default: 5000,
		typeOptions: { minValue: 0 },
		displayOptions: { show: BIDS },
		description: 'Stars for the whole auction: copies won + bids held + new bids never exceed it (a held bid counts as spent until Telegram returns it)',
	},
	{
		displayName: 'Bid Options',
		name: 'bidOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: BIDS },
		options: [
			{ displayName: 'Daily Budget per Account', name: 'dailyBudgetPerAccount', type: 'number', default: 0, description: 'Stars one account may commit per UTC day, held bids included; 0 means no cap' },
			{ displayName: 'Min Step (Stars)', name: 'minStep', type: 'number', default: 1, description: 'How far above a bid the next one goes' },
			{ displayName: 'Reserve Stars', name: 'reserveStars', type: 'number', default: 0, description: 'Stars each account keeps untouched' },
			{ displayName: 'Run Key', name: 'runKey', type: 'string', default: '', description: 'A new key starts a new campaign (new ledger keys)' },
		],
	},
	{
		displayName: 'Recipients',
		name: 'recipientsSource',
		type: 'options',
		noDataExpression: true,
		default: 'list',
		options: [
			{
				name: 'Define Below',
				value: 'list',
				description: 'Enter each recipient with its price and supply filters',
			},
			{
				name: 'From Expression',
				value: 'expression',
				description: 'Read a list of recipients from the input or any expression (a JSON array)',
			},
		],
	},
	{
		displayName: 'Recipient List',
		name: 'recipients',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Recipient',
		default: {},
		displayOptions: { show: { recipientsSource: ['list'] } },
		description:
			'Where gifts go. A gift goes to the recipient whose price and supply ranges contain it; when several match, the narrowest supply range wins, then the higher maximum price. 0 in a maximum means no upper bound.',
		options: [
			{
				displayName: 'Recipient',
				name: 'recipient',
				values: [
					{
						displayName: 'Max Copies per Gift',
						name: 'maxPerGift',
						type: 'number',
						default: 1,
						description: 'How many copies of one gift this recipient receives per run;	0 uses the planner\'s default',
					},
					{
						displayName: 'Max Price (Stars)',
						name: 'priceMax',
						type: 'number',
						default: 0,
						description: '0 means no upper bound',
					},
					{
						displayName: 'Max Supply',
						name: 'supplyMax',
						type: 'number',
						default: 0,
						description: 'Largest edition size to buy;	0 means no upper bound',
					},
					{
						displayName: 'Min Price (Stars)',
						name: 'priceMin',
						type: 'number',
						default: 0
					},
					{
						displayName: 'Min Supply',
						name: 'supplyMin',
						type: 'number',
						default: 0,
						description: 'Smallest edition size (the gift\'s total supply) to buy',
					},
					{
						displayName: 'Peer',
						name: 'peer',
						type: 'string',
						default: '',
							required:	true,
						placeholder: '-1001234567890',
						description: 'A channel ID (-100…), a user ID, an	@username, or \'me\' (the buying account itself)',
					},
				],
			},
		],
	},
	{
		displayName: 'Recipients (JSON)',
		name: 'recipientsJson',
		type: 'json',
		default: '[\n  {"peer": "-1001234567890", "priceMin": null, "priceMax": 5000, "supplyMin": null, "supplyMax": 10000, "maxPerGift": 1}\n]',
		displayOptions: { show: { recipientsSource: ['expression'] } },
		description:
			'A JSON array of {peer, priceMin, priceMax, supplyMin, supplyMax, maxPerGift}; null bounds are open. Use an expression such as {{ $JSON.recipients }} to read it from the input (the first item is used).',
	},
	{
		displayName: 'Accounts',
		name: 'accountsSource',
		type: 'options',
		noDataExpression: true,
		default: 'credential',
		displayOptions: { show: PURCHASES },
		options: [
			{
				name: 'Live Balances From Credential',
				value: 'credential',
				description: "Fetch every account's star balance and Premium status now (in parallel)",
			},
			{
				name: 'Balances From Expression (Dry Run)',
				value: 'expression',
				description: 'Plan with balances you give, without connecting to Telegram',
			},
		],
	},
	{
		displayName: 'Accounts (JSON)',
		name: 'accountsJson',
		type: 'json',
		default: '[\n  {"id": "1001", "label": "alice", "balance": 5000, "premium": true}\n]',
		displayOptions: { show: { accountsSource: ['expression'], ...PURCHASES } },
		// eslint-disable-next-line n8n-nodes-base/node-param-description-miscased-id -- "id" is the literal JSON key
		description: 'A JSON array of {id, label, balance, premium}: the buying accounts and their star balances. The first item is used when this is an expression.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: PURCHASES },
		options: [
			{
				displayName: 'Daily Budget per Account (Stars)',
				name: 'dailyBudgetPerAccount',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					"Stars one account may spend per UTC day, counting what the store's purchase ledger already records for today; 0 means no daily budget",
			},
			{
				displayName: 'Gift Field',
				name: 'giftField',
				type: 'string',
				default: '',
				placeholder: 'gift',
				description: 'Dot path of the gift inside each input item; empty means the whole item is the gift',
			},
			{
				displayName: 'Limited Gifts Only',
				name: 'onlyLimited',
				type: 'boolean',
				default: true,
				description: 'Whether to skip gifts without a fixed supply (GiftBuyer buys limited gifts only)',
			},
			{
				displayName: 'Max Copies per Gift per Account',
				name: 'maxPerGiftPerAccount',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: "Cap on copies of one gift bought by one account in one run; 0 uses the planner's default",
			},
			{
				displayName: 'Max Stars per Run',
				name: 'maxStarsPerRun',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'Cap on stars the whole plan may spend; 0 means no cap',
			},
			{
				displayName: 'Reserve Stars per Account',
				name: 'reserveStars',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'Stars each account keeps untouched',
			},
			{
				displayName: 'Run Key',
				name: 'runKey',
				type: 'string',
				default: '',
				description:
					'Mixed into every operation key. The same gift, recipient and account get the same key in every run, so the buyer never pays twice; change this to allow buying the same gifts again (e.g. a new campaign).',
			},
			{
				displayName: 'Seed',
				name: 'seed',
				type: 'number',
				default: 0,
				description: 'Makes the random order among gifts of equal supply and price repeatable; 0 picks a fixed default',
			},
		],
	},
];
