import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	ITriggerFunctions,
	ITriggerResponse,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import type { Gift } from '../../src/core';
import { getStore, type GiftStore } from '../../src/store';
import { ACCOUNT_CREDENTIAL } from '../shared/accountCredential';
import { testAccountCredential } from '../shared/credentialTests';
import { errorMessage, nodeError, parameterError } from '../shared/errors';
import { openAccounts, type OpenedAccounts } from '../shared/openAccounts';
import { stickerOf } from '../shared/stickers';
import { CatalogPoller, newestGifts, systemClock, type GiftEvent, type GiftEventType } from './transport/catalogPoller';
import { accountCatalogSource, classifyFailure } from './transport/accountSource';
import { AUCTION_EVENT_TYPES, DEFAULT_POLL_INTERVAL_MS, DEFAULT_SESSION_FLOOR_MS, MIN_POLL_INTERVAL_MS, triggerProperties } from './TelegramGiftTrigger.description';
import { auctionTrigger } from './transport/auctionTrigger';

const EVENT_TYPES: readonly GiftEventType[] = ['newGift', 'soldOut', 'supplyChanged'];

interface TriggerSettings {
	intervalMs: number;
	sessionFloorMs: number;
	events: Set<GiftEventType>;
	limitedOnly: boolean;
	emitCurrentCatalog: boolean;
	attachSticker: boolean;
	binaryPropertyName: string;
	testGiftCount: number;
}

function readSettings(this: ITriggerFunctions): TriggerSettings {
	const node = this.getNode();
	const intervalMs = Number(this.getNodeParameter('pollIntervalMs', DEFAULT_POLL_INTERVAL_MS));
	if (!Number.isFinite(intervalMs) || intervalMs < MIN_POLL_INTERVAL_MS) {
		throw parameterError(node, 'Poll Interval (Ms)', `must be at least ${MIN_POLL_INTERVAL_MS} ms (got ${String(intervalMs)})`);
	}
	const events = this.getNodeParameter('events', ['newGift']) as unknown;
	if (!Array.isArray(events) || events.length === 0) throw parameterError(node, 'Events', 'choose at least one event');
	for (const event of events) {
		if (!EVENT_TYPES.includes(event as GiftEventType)) throw parameterError(node, 'Events', `unknown event "${String(event)}"`);
	}
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const sessionFloorMs = Number(options.sessionFloorMs ?? DEFAULT_SESSION_FLOOR_MS);
	if (!Number.isFinite(sessionFloorMs) || sessionFloorMs < 0) throw parameterError(node, 'Options › Per-Session Floor (Ms)', 'must be a number ≥ 0');
	const testGiftCount = Number(options.testGiftCount ?? 3);
	if (!Number.isSafeInteger(testGiftCount) || testGiftCount < 1) throw parameterError(node, 'Options › Gifts in Test Run', 'must be a whole number ≥ 1');
	const binaryPropertyName = String(options.binaryPropertyName ?? 'sticker').trim();
	if (options.attachSticker === true && binaryPropertyName === '') throw parameterError(node, 'Options › Put Sticker in Field', 'is empty');
	return {
		intervalMs,
		sessionFloorMs,
		events: new Set(events as GiftEventType[]),
		limitedOnly: this.getNodeParameter('limitedOnly', true) as boolean,
		emitCurrentCatalog: options.emitCurrentCatalog === true,
		attachSticker: options.attachSticker === true,
		binaryPropertyName,
		testGiftCount,
	};
}

export class TelegramGiftTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Telegram Gift Trigger',
		name: 'telegramGiftTrigger',
		icon: { light: 'file:telegramGiftTrigger.svg', dark: 'file:telegramGiftTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter["watch"] === "auction" ? "auction " + $parameter["auction"] : "every " + $parameter["pollIntervalMs"] + " ms" }}',
		description: 'Starts the workflow when Telegram releases new Star Gifts (or when gifts sell out or their supply changes), or on auction events (outbid, returned, won, round, end)',
		defaults: { name: 'Telegram Gift Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'telegramGiftsAccountApi', required: true, testedBy: 'telegramGiftsAccountApiTest' }],
		properties: triggerProperties,
	};

	methods = {
		credentialTest: {
			telegramGiftsAccountApiTest: testAccountCredential,
		},
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		if ((this.getNodeParameter('watch', 'gifts') as string) === 'auction') return await auctionTrigger.call(this, AUCTION_EVENT_TYPES);
		const settings = readSettings.call(this);
		let accounts: OpenedAccounts;
		try {
			accounts = openAccounts(await this.getCredentials(ACCOUNT_CREDENTIAL));
		} catch (error) {
			throw nodeError(this.getNode(), error);
		}
		const store = await getStore();
		const toItems = async (events: GiftEvent[]): Promise<INodeExecutionData[]> =>
			await Promise.all(events.map(async (event) => await itemOf.call(this, event, settings, store, accounts)));

		const release = async () => {
			await accounts.release();
			await store.close();
		};

		if (this.getMode() === 'manual') {
			// "Test" in the editor: the newest gifts now, without touching what the store has seen.
			const manualTriggerFunction = async () => {
				try {
					const catalog = await accounts.withAccount(null, async (account) => await account.catalog(0));
					const now = Date.now();
					const gifts = newestGifts(catalog.gifts, settings.testGiftCount, settings.limitedOnly);
					const events = gifts.map((gift): GiftEvent => ({ event: 'newGift', gift, previousRemains: null, detectedAtMs: now, account: accounts.labels[0]! }));
					this.emit([await toItems(events)]);
				} catch (error) {
					throw nodeError(this.getNode(), error, { secrets: accounts.secrets });
				}
			};
			return { closeFunction: release, manualTriggerFunction };
		}

		const source = accountCatalogSource(accounts);
		try {
			// Activation fails (and n8n retries it with back-off) when no account can connect.
			await source.open();
		} catch (error) {
			await release();
			throw nodeError(this.getNode(), error, { secrets: accounts.secrets });
		}
		const poller = new CatalogPoller(
			source,
			store,
			systemClock,
			{
				intervalMs: settings.intervalMs,
				sessionFloorMs: settings.sessionFloorMs,
				events: settings.events,
				limitedOnly: settings.limitedOnly,
				emitCurrentOnFirstRun: settings.emitCurrentCatalog,
			},
			{
				onEvents: async (events) => {
					this.emit([await toItems(events)]);
				},
				onFatal: (error) => this.emitError(new NodeOperationError(this.getNode(), errorMessage(error, accounts.secrets))),
				classify: classifyFailure,
				onWarning: (message) => this.logger.warn(errorMessage(message, accounts.secrets)),
			},
		);
		await poller.init();
		poller.start();
		return {
			closeFunction: async () => {
				await poller.stop();
				await release();
			},
		};
	}
}

async function itemOf(
	this: ITriggerFunctions,
	event: GiftEvent,
	settings: TriggerSettings,
	store: GiftStore,
	accounts: OpenedAccounts,
): Promise<INodeExecutionData> {
	const json: IDataObject = {
		event: event.event,
		...(event.gift as Gift as unknown as IDataObject),
		previousRemains: event.previousRemains,
		detectedAt: new Date(event.detectedAtMs).toISOString(),
		account: event.account,
	};
	if (!settings.attachSticker) return { json };
	try {
		const sticker = await stickerOf(store, accounts, event.gift.id, event.gift.stickerDocumentId);
		const binary = await this.helpers.prepareBinaryData(sticker.bytes, `gift-${event.gift.id}.tgs`, sticker.mime);
		return { json, binary: { [settings.binaryPropertyName]: binary } };
	} catch (error) {
		// The gift is the news; a sticker that cannot be fetched must not hold it back.
		return { json: { ...json, stickerError: errorMessage(error, accounts.secrets) } };
	}
}
