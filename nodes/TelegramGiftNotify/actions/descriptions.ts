import type { INodeProperties } from 'n8n-workflow';

export const notifyProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'announceGift',
		options: [
			{
				name: 'Announce Gift',
				value: 'announceGift',
				description: "Send each input gift's sticker and a caption to the chats",
				action: 'Announce a gift',
			},
			{
				name: 'Send Auction Message',
				value: 'sendAuctionMessage',
				description: 'One short message per auction event (outbid, returned, won, lost, finished, …) from the Telegram Gift Trigger or Place or Raise Bid',
				action: 'Send an auction message',
			},
			{
				name: 'Send Message',
				value: 'sendMessage',
				description: 'Send a text message per input item',
				action: 'Send a message',
			},
			{
				name: 'Send Report',
				value: 'sendReport',
				description:
					'Combine all input items (buy results, plan purchases and skips) into one purchase report and send it',
				action: 'Send a purchase report',
			},
		],
	},
	{
		displayName: 'Chat IDs',
		name: 'chatIds',
		type: 'string',
		default: '',
		placeholder: '-1001234567890, @mychannel',
		description:
			'Chats to send to, separated by commas: numeric IDs (-100… for channels and groups) or @channelname. The bot must be a member (or the user must have started it).',
	},
	{
		displayName: "Send to Every Account's Own Chat",
		name: 'accountChats',
		type: 'boolean',
		default: true,
		displayOptions: { show: { operation: ['sendReport'] } },
		description:
			"Whether to send the report to each buying account's private chat with the bot too (each account must have started the bot). Accounts come from the Telegram Gifts Account credential when one is chosen, else from the input items.",
	},
	{
		displayName: "Send to Every Account's Own Chat",
		name: 'accountChats',
		type: 'boolean',
		default: false,
		displayOptions: { show: { operation: ['announceGift', 'sendMessage', 'sendAuctionMessage'] } },
		description:
			"Whether to send to each account's private chat with the bot too; needs the Telegram Gifts Account credential",
	},
	{
		displayName: 'Language',
		name: 'language',
		type: 'options',
		default: 'en',
		displayOptions: { show: { operation: ['announceGift', 'sendReport', 'sendAuctionMessage'] } },
		options: [
			{ name: 'English', value: 'en' },
			{ name: 'Russian', value: 'ru' },
		],
	},
	{
		displayName: 'Caption Template',
		name: 'captionTemplate',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		displayOptions: { show: { operation: ['announceGift'] } },
		placeholder: '🎁 {title}: {price} ⭐, {remains} of {supply} left',
		// eslint-disable-next-line n8n-nodes-base/node-param-description-miscased-id -- {id} is the literal placeholder
		description: 'Caption under the sticker. Placeholders: {title} {price} {supply} {remains} {id}. Empty uses the default for the language.',
	},
	{
		displayName: 'Sticker Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'sticker',
		displayOptions: { show: { operation: ['announceGift'] } },
		description:
			"Binary field holding the gift's sticker (the trigger's Attach Sticker option fills it). Without it the sticker is downloaded through the account credential when one is chosen; otherwise only the caption is sent.",
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		displayOptions: { show: { operation: ['sendMessage'] } },
		description: 'The message; long texts are split into several messages',
	},
	{
		displayName: 'Send',
		name: 'send',
		type: 'boolean',
		default: true,
		displayOptions: { show: { operation: ['sendReport'] } },
		description: 'Whether to send the report; off only builds it (text and totals) for the next nodes',
	},
	{
		displayName: 'Auction Section',
		name: 'auctionSection',
		type: 'boolean',
		default: false,
		displayOptions: { show: { operation: ['sendReport'] } },
		description: "Whether to add the accounts' auction bids of the last 24 hours from the ledger: bids placed, raised, returned, won, Stars held and spent, per account",
	},
];
