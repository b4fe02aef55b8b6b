import type { INodeProperties } from 'n8n-workflow';

const ops = (...operation: string[]) => ({ show: { resource: ['auction'], operation } });

/** Parameters of the Auction resource (docs/auctions.md). */
export const auctionProperties: INodeProperties[] = [
	{
		displayName: 'Auction',
		name: 'auction',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 5170145012310081615 or SnowGlobe-7',
		displayOptions: ops('getState', 'getWon'),
		description: "The auctioned gift's ID, or the auction's slug (from the gift's auctionSlug or a t.me/auction link)",
	},
	{
		displayName: 'Bids From',
		name: 'bidSource',
		type: 'options',
		noDataExpression: true,
		default: 'plan',
		displayOptions: ops('placeBid'),
		options: [
			{ name: 'Bid Plan Items', value: 'plan', description: 'Each input item is a bid step from Telegram Gift Plan → Plan Bids' },
			{ name: 'Fields Below', value: 'fields', description: 'One bid: auction, account, amount and recipient' },
		],
	},
	{
		displayName: 'Auction',
		name: 'bidAuction',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 5170145012310081615',
		displayOptions: { show: { resource: ['auction'], operation: ['placeBid'], bidSource: ['fields'] } },
		description: "The auctioned gift's ID",
	},
	{
		displayName: 'Account',
		name: 'bidAccount',
		type: 'string',
		default: '',
		displayOptions: { show: { resource: ['auction'], operation: ['placeBid'], bidSource: ['fields'] } },
		description: 'Label, user ID or @username of the account that bids; empty: the first account',
	},
	{
		displayName: 'Bid (Stars)',
		name: 'bidAmount',
		type: 'number',
		default: 0,
		typeOptions: { minValue: 1 },
		displayOptions: { show: { resource: ['auction'], operation: ['placeBid'], bidSource: ['fields'] } },
		description: "The account's whole bid after this step. With a bid in place it is raised to this (only the difference is charged); otherwise a new bid is placed.",
	},
	{
		displayName: 'Recipient',
		name: 'bidRecipient',
		type: 'string',
		default: 'me',
		displayOptions: { show: { resource: ['auction'], operation: ['placeBid'], bidSource: ['fields'] } },
		description: 'Who gets the gift if the bid wins: me, @username, a user ID or a -100… channel ID. Ignored when raising (a bid keeps its recipient).',
	},
	{
		displayName: 'Options',
		name: 'bidOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: ops('placeBid'),
		options: [
			{ displayName: 'Hide My Name', name: 'hideName', type: 'boolean', default: false, description: 'Whether the recipient shows the gift without your name (new bids only)' },
			{ displayName: 'Message', name: 'message', type: 'string', default: '', description: 'Text that comes with the gift if the bid wins (new bids only)' },
		],
	},
];
