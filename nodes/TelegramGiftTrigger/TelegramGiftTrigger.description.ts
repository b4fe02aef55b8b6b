import type { INodeProperties } from 'n8n-workflow';

/** Lowest poll interval the node accepts (one catalog call per 100 ms over all accounts). */
export const MIN_POLL_INTERVAL_MS = 100;
export const DEFAULT_POLL_INTERVAL_MS = 1000;
/** Each session polls at most once per this many ms by default (GiftBuyer's 0.8 s per session). */
export const DEFAULT_SESSION_FLOOR_MS = 800;

const catalogProperties: INodeProperties[] = [
	{
		displayName:
			'Polls the gift catalog with every account of the credential in turn and starts one execution per poll that found something, with all its gifts as items. The first activation only remembers the current catalog.',
		name: 'triggerNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		required: true,
		default: ['newGift'],
		options: [
			{
				name: 'New Gift',
				value: 'newGift',
				description: 'A gift appeared in the catalog',
			},
			{
				name: 'Sold Out',
				value: 'soldOut',
				description: 'A limited gift sold out',
			},
			{
				name: 'Supply Changed',
				value: 'supplyChanged',
				description: 'The number of copies left of a limited gift changed',
			},
		],
	},
	{
		// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased -- "ms" is a unit, not a word to capitalize
		displayName: 'Poll Interval (ms)',
		name: 'pollIntervalMs',
		type: 'number',
		typeOptions: { minValue: MIN_POLL_INTERVAL_MS },
		default: DEFAULT_POLL_INTERVAL_MS,
		hint: 'Lowest: 100 ms. Polls are spread over all accounts of the credential.',
		description:
			"How often the catalog is checked, in milliseconds. The polls are spread over the credential's accounts: with 4 accounts and 1000 ms, each account polls every 4 s and a new gift is seen within about 250 ms.",
	},
	{
		displayName: 'Limited Gifts Only',
		name: 'limitedOnly',
		type: 'boolean',
		default: true,
		description: 'Whether to ignore gifts without a fixed supply',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Attach Sticker',
				name: 'attachSticker',
				type: 'boolean',
				default: false,
				description: "Whether to download each new gift's sticker (.tgs) into the item's binary data",
			},
			{
				displayName: 'Emit Current Catalog on First Activation',
				name: 'emitCurrentCatalog',
				type: 'boolean',
				default: false,
				description:
					'Whether the very first activation emits every gift in the catalog instead of silently remembering them',
			},
			{
				displayName: 'Gifts in Test Run',
				name: 'testGiftCount',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 3,
				description: 'How many of the newest gifts a manual test run emits at once',
			},
			{
				// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased -- "ms" is a unit, not a word to capitalize
				displayName: 'Min Time Between Polls per Account (ms)',
				name: 'sessionFloorMs',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_SESSION_FLOOR_MS,
				description:
					'Each account polls at most once per this many milliseconds, whatever the interval, to stay clear of flood limits',
			},
			{
				displayName: 'Put Sticker in Field',
				name: 'binaryPropertyName',
				type: 'string',
				default: 'sticker',
				displayOptions: { show: { attachSticker: [true] } },
				description: 'Name of the binary field that receives the sticker',
			},
		],
	},
];

export const AUCTION_EVENT_TYPES = ['announced', 'roundStarted', 'roundEnding', 'outbid', 'returned', 'won', 'lost', 'finished'] as const;

const auctionProperties: INodeProperties[] = [
	{
		displayName:
			"Follows one auction with every account of the credential: Telegram pushes the auction's changes and each account's own bid, the trigger re-subscribes every timeout Telegram asks for and reads the state when no update comes. One execution per change, its events as items.",
		name: 'auctionNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Auction',
		name: 'auction',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 5170145012310081615 or SnowGlobe-7',
		description: "The auctioned gift's ID, or the auction's slug",
	},
	{
		displayName: 'Auction Events',
		name: 'auctionEvents',
		type: 'multiOptions',
		required: true,
		default: ['outbid', 'returned', 'won', 'lost', 'finished'],
		options: [
			{ name: 'Announced', value: 'announced', description: 'The auction is seen for the first time (start time, rounds, gifts per round)' },
			{ name: 'Auction Finished', value: 'finished', description: 'The auction ended (with its average price)' },
			{ name: 'I Lost', value: 'lost', description: 'The auction ended and an account that bid won nothing' },
			{ name: 'I Won', value: 'won', description: 'An account won a copy' },
			{ name: 'My Bid Outbid', value: 'outbid', description: "An account's bid fell out of the winning places" },
			{ name: 'My Bid Returned', value: 'returned', description: "An account's bid fell out of the places left and was refunded" },
			{ name: 'Round About to End', value: 'roundEnding', description: 'The current round ends within the warning below' },
			{ name: 'Round Started', value: 'roundStarted', description: 'A new round began' },
		],
	},
	{
		displayName: 'Round Ending Warning (Seconds)',
		name: 'roundEndingSec',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 30,
		displayOptions: { show: { auctionEvents: ['roundEnding'] } },
		description: 'How long before a round ends to emit Round About to End',
	},
];

const resaleProperties: INodeProperties[] = [
	{
		displayName:
			'Reads the cheapest listings of each collection in turn, the reads spread over the accounts of the credential (each collection is read every Collections × max(Poll Interval, Min Time per Account) / Accounts), and starts one execution per read that found new listings matching the rules, one item per listing. The first read of each collection only remembers what is listed.',
		name: 'resaleNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Collections',
		name: 'resaleCollections',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 5170145012310081615, 5168103777563050263',
		description: 'Comma-separated gift IDs of the collections to watch (the gifts the collectibles were upgraded from)',
	},
	{
		// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased -- "ms" is a unit, not a word to capitalize
		displayName: 'Poll Interval (ms)',
		name: 'resalePollIntervalMs',
		type: 'number',
		typeOptions: { minValue: 100 },
		default: 1000,
		description: 'Time between two reads (each read is one collection); spread over the accounts',
	},
	{
		displayName: 'Listing Rules',
		name: 'resaleRules',
		type: 'collection',
		placeholder: 'Add Rule',
		default: {},
		options: [
			{ displayName: 'Allow TON-Priced Listings', name: 'allowTon', type: 'boolean', default: false, description: 'Whether listings that accept TON only are reported too' },
			{ displayName: 'Backdrops Wanted', name: 'backdrops', type: 'string', default: '', description: 'Comma-separated backdrop names; empty: any' },
			{ displayName: 'Exclude Backdrops', name: 'excludeBackdrops', type: 'string', default: '', description: 'Comma-separated backdrop names never reported' },
			{ displayName: 'Exclude Gifts', name: 'excludeGifts', type: 'string', default: '', description: 'Comma-separated collectible slugs never reported' },
			{ displayName: 'Exclude Models', name: 'excludeModels', type: 'string', default: '', description: 'Comma-separated model names never reported' },
			{ displayName: 'Exclude Patterns', name: 'excludePatterns', type: 'string', default: '', description: 'Comma-separated pattern names never reported' },
			{ displayName: 'Max Price (Stars)', name: 'maxPriceStars', type: 'number', default: 0, description: '0 means no cap' },
			{ displayName: 'Min % Under Floor', name: 'minPercentUnderFloor', type: 'number', default: 0, typeOptions: { minValue: 0, maxValue: 100 }, description: 'Only listings this many percent under the cheapest other listing of the collection; 0 means off' },
			{ displayName: 'Models Wanted', name: 'models', type: 'string', default: '', description: 'Comma-separated model names; empty: any' },
			{ displayName: 'Patterns Wanted', name: 'patterns', type: 'string', default: '', description: 'Comma-separated pattern names; empty: any' },
		],
	},
	{
		displayName: 'Options',
		name: 'resaleOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{ displayName: 'Listings per Read', name: 'pageSize', type: 'number', default: 50, typeOptions: { minValue: 1, maxValue: 100 }, description: 'How many of the cheapest listings each read returns' },
			{
				// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased -- "ms" is a unit, not a word to capitalize
				displayName: 'Min Time Between Polls per Account (ms)',
				name: 'sessionFloorMs',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 1000,
				description: 'Each account reads at most once per this many milliseconds (every watcher of the process counted)',
			},
		],
	},
];

const show = (p: INodeProperties, watch: string): INodeProperties => ({
	...p,
	displayOptions: { ...p.displayOptions, show: { ...p.displayOptions?.show, watch: [watch] } },
});

export const triggerProperties: INodeProperties[] = [
	{
		displayName: 'Watch',
		name: 'watch',
		type: 'options',
		noDataExpression: true,
		default: 'gifts',
		options: [
			{ name: 'Gift Catalog', value: 'gifts', description: 'New gifts, sell-outs and supply changes' },
			{ name: 'Auction', value: 'auction', description: 'One auction: rounds, my bids outbid / returned / won, the end' },
			{ name: 'Resale Listings', value: 'resale', description: 'New resale listings of collections that match your rules (price, % under floor, attributes)' },
		],
	},
	...catalogProperties.map((p) => show(p, 'gifts')),
	...auctionProperties.map((p) => show(p, 'auction')),
	...resaleProperties.map((p) => show(p, 'resale')),
];
