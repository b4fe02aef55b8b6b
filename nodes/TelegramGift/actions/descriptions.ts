import type { INodeProperties } from 'n8n-workflow';

import { auctionProperties } from './auction/auction.description';
import { buyProperties } from './gift/buy.description';
import { downloadStickerProperties } from './gift/downloadSticker.description';
import { getCatalogProperties } from './gift/getCatalog.description';
import { getManyPurchasesProperties } from './purchase/getMany.description';
import { checkCanReceiveProperties } from './recipient/checkCanReceive.description';
import { resaleProperties } from './resale/resale.description';
import { sessionProperties } from './session/session.description';

/** Resource/operation selectors and every operation's parameters of the Telegram Gift node. */
export const telegramGiftProperties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		default: 'gift',
		options: [
			{ name: 'Account', value: 'account' },
			{ name: 'Auction', value: 'auction' },
			{ name: 'Gift', value: 'gift' },
			{ name: 'Purchase', value: 'purchase' },
			{ name: 'Recipient', value: 'recipient' },
			{ name: 'Resale', value: 'resale' },
			{ name: 'Session', value: 'session' },
		],
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'buy',
		displayOptions: { show: { resource: ['gift'] } },
		options: [
			{
				name: 'Buy',
				value: 'buy',
				description: 'Buy gifts and send them to their recipients, at most once per purchase',
				action: 'Buy a gift',
			},
			{
				name: 'Download Sticker',
				value: 'downloadSticker',
				description: "Download a gift's sticker as a .tgs file",
				action: 'Download a gift sticker',
			},
			{
				name: 'Get Catalog',
				value: 'getCatalog',
				description: 'List the gifts Telegram sells now',
				action: 'Get the gift catalog',
			},
		],
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'getInfo',
		displayOptions: { show: { resource: ['account'] } },
		options: [
			{
				name: 'Get Info',
				value: 'getInfo',
				description: 'ID, username, Premium status and star balance of every account in the credential',
				action: 'Get account info',
			},
		],
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'getState',
		displayOptions: { show: { resource: ['auction'] } },
		options: [
			{ name: 'Get State', value: 'getState', description: "An auction's round, places, bids from the top, minimum bid and every account's own bid (also subscribes to its updates)", action: 'Get an auction state' },
			{ name: 'Get Won Gifts', value: 'getWon', description: 'The copies each account won in an auction', action: 'Get gifts won in an auction' },
			{ name: 'List My Active Auctions', value: 'getActive', description: 'Auctions not yet ended that the accounts bid on', action: 'List my active auctions' },
			{ name: 'Place or Raise Bid', value: 'placeBid', description: 'Place a new bid or raise one, at most once per planned step', action: 'Place or raise a bid' },
		],
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'getMany',
		displayOptions: { show: { resource: ['purchase'] } },
		options: [
			{
				name: 'Get Many',
				value: 'getMany',
				description: "The package's purchase ledger: every gift copy bought (or tried) by the credential's accounts",
				action: 'Get many purchases',
			},
		],
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'checkCanReceive',
		displayOptions: { show: { resource: ['recipient'] } },
		options: [
			{
				name: 'Check Can Receive Gifts',
				value: 'checkCanReceive',
				description: 'Whether a user or channel accepts gifts, and why not',
				action: 'Check whether a recipient can receive gifts',
			},
		],
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'searchListings',
		displayOptions: { show: { resource: ['resale'] } },
		options: [
			{ name: 'Buy Listing', value: 'buyListing', description: 'Buy collectibles listed for resale, at most once per listing, never above the max price', action: 'Buy a resale listing' },
			{ name: 'Get Value Info', value: 'getValueInfo', description: "A collectible's value and its collection's floor and average price", action: 'Get value info of a collectible' },
			{ name: 'Search Listings', value: 'searchListings', description: "A collection's collectibles listed for resale, filtered by model, backdrop and pattern", action: 'Search resale listings' },
		],
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'sendCode',
		displayOptions: { show: { resource: ['session'] } },
		// Between steps the pending login lives sealed in the package's store: any process (a queue-mode worker) may run the next step.
		options: [
			{
				name: 'QR Complete',
				value: 'qrComplete',
				description: 'Wait for the QR code to be scanned and return the session string (or ask for the two-step password)',
				action: 'Complete a QR login',
			},
			{
				name: 'QR Start',
				value: 'qrStart',
				description: 'Start a login by QR code: returns the QR code as a PNG to scan in Telegram (Settings → Devices)',
				action: 'Start a QR login',
			},
			{
				name: 'Send Code',
				value: 'sendCode',
				description: 'Start a login by phone: Telegram sends a code to the account',
				action: 'Send a login code',
			},
			{
				name: 'Sign In',
				value: 'signIn',
				description: 'Finish a phone login with the code (and the two-step password) and return the session string',
				action: 'Sign in with the code',
			},
		],
	},
	...auctionProperties,
	...buyProperties,
	...getCatalogProperties,
	...downloadStickerProperties,
	...getManyPurchasesProperties,
	...checkCanReceiveProperties,
	...resaleProperties,
	...sessionProperties,
];
