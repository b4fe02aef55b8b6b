import type { INodeProperties } from 'n8n-workflow';

/** Lowest poll interval the node accepts (one catalog call per 100 ms over all accounts). */
export const MIN_POLL_INTERVAL_MS = 100;
export const DEFAULT_POLL_INTERVAL_MS = 1000;
/** Each session polls at most once per this many ms by default (GiftBuyer's 0.8 s per session). */
export const DEFAULT_SESSION_FLOOR_MS = 800;

export const triggerProperties: INodeProperties[] = [
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
