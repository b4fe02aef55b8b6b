import type { INodeProperties } from 'n8n-workflow';

/** Parameters of Telegram Gift Plan. Names are part of the public contract (workflow templates use them). */
export const planProperties: INodeProperties[] = [
	{
		displayName:
			'Each input item is one gift (as the Telegram Gift Trigger or Get Catalog emits it). The plan goes to the first output, one item per purchase; everything not bought goes to the second output with a reason.',
		name: 'planNotice',
		type: 'notice',
		default: '',
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
			'Where gifts go. A gift goes to the recipient whose price and supply ranges contain it; when several match, the narrowest supply range wins, then the higher maximum price. 0 in a bound means that side is open.',
		options: [
			{
				displayName: 'Recipient',
				name: 'recipient',
				// In the order a collector thinks of a row (who, at what price, of what supply, how many),
				// not alphabetical: the editor shows the fields in this order.
				// eslint-disable-next-line n8n-nodes-base/node-param-fixed-collection-type-unsorted-items
				values: [
					{
						displayName: 'Recipient',
						name: 'peer',
						type: 'string',
						default: '',
						required: true,
						placeholder: '-1001234567890 or @channel',
						description: 'Who receives the gifts: a channel ID (-100…), a user ID, an @username, or "me" (the buying account itself)',
					},
					{
						displayName: 'Min Price (Stars)',
						name: 'priceMin',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						hint: '0 = no lower bound',
						description: 'Cheapest gift this recipient receives, in Stars per copy',
					},
					{
						displayName: 'Max Price (Stars)',
						name: 'priceMax',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						hint: '0 = no upper bound (any price)',
						description: 'Most expensive gift this recipient receives, in Stars per copy',
					},
					{
						displayName: 'Min Supply',
						name: 'supplyMin',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						hint: '0 = no lower bound. Supply is the gift\'s total edition size.',
						description: 'Smallest edition size (total copies Telegram releases) this recipient receives',
					},
					{
						displayName: 'Max Supply',
						name: 'supplyMax',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						hint: '0 = no upper bound (any supply)',
						description: 'Largest edition size this recipient receives; rarer gifts have a smaller supply',
					},
					{
						displayName: 'Copies per Gift',
						name: 'maxPerGift',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 1,
						hint: '0 = 1 copy (the planner\'s default)',
						description: 'How many copies of each new gift this recipient receives per run',
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
		displayOptions: { show: { accountsSource: ['expression'] } },
		// eslint-disable-next-line n8n-nodes-base/node-param-description-miscased-id -- "id" is the literal JSON key
		description: 'A JSON array of {id, label, balance, premium}: the buying accounts and their star balances. The first item is used when this is an expression.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Daily Budget per Account (Stars)',
				name: 'dailyBudgetPerAccount',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				hint: '0 = no daily budget',
				description:
					"Stars one account may spend per UTC day, counting what the store's purchase ledger already records for today; 0 means no daily budget",
			},
			{
				displayName: 'Gift Field',
				name: 'giftField',
				type: 'string',
				default: '',
				hint: 'Empty = the whole item is the gift',
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
				hint: "0 = the planner's default",
				description: "Cap on copies of one gift bought by one account in one run; 0 uses the planner's default",
			},
			{
				displayName: 'Max Stars per Run',
				name: 'maxStarsPerRun',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				hint: '0 = no cap',
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
