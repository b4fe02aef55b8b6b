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
import { accountKeyOf, serverKeyOf } from '../../src/telegram';
import {
	CATALOG_TOPIC,
	CatalogTopic,
	getSharedWatchers,
	newestGifts,
	type GiftEvent,
	type GiftEventType,
	type Subscription,
	type TopicSpec,
} from '../../src/telegram/watch';
import { ACCOUNT_CREDENTIAL } from '../shared/accountCredential';
import { testAccountCredential } from '../shared/credentialTests';
import { errorMessage, nodeError, parameterError } from '../shared/errors';
import { openAccounts, type OpenedAccounts } from '../shared/openAccounts';
import { stickerOf } from '../shared/stickers';
import { TELEGRAM_GIFT_DESCRIPTION } from '../TelegramGift/TelegramGift.text';
import { eventsFor, readCursor, startFrom, writeCursor } from './transport/catalogSubscription';
import { AUCTION_EVENT_TYPES, DEFAULT_POLL_INTERVAL_MS, DEFAULT_SESSION_FLOOR_MS, MIN_POLL_INTERVAL_MS, triggerProperties } from './TelegramGiftTrigger.description';
import { auctionTrigger } from './transport/auctionTrigger';
import { resaleTrigger } from './transport/resaleTrigger';

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
		throw parameterError(node, 'Poll Interval (ms)', `must be at least ${MIN_POLL_INTERVAL_MS} ms (got ${String(intervalMs)})`);
	}
	const events = this.getNodeParameter('events', ['newGift']) as unknown;
	if (!Array.isArray(events) || events.length === 0) throw parameterError(node, 'Events', 'choose at least one event');
	for (const event of events) {
		if (!EVENT_TYPES.includes(event as GiftEventType)) throw parameterError(node, 'Events', `unknown event "${String(event)}"`);
	}
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const sessionFloorMs = Number(options.sessionFloorMs ?? DEFAULT_SESSION_FLOOR_MS);
	if (!Number.isFinite(sessionFloorMs) || sessionFloorMs < 0) throw parameterError(node, 'Options › Min Time Between Polls per Account (ms)', 'must be a number ≥ 0');
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
		subtitle:
			'={{ $parameter["watch"] === "auction" ? "Watching auction " + $parameter["auction"] : $parameter["watch"] === "resale" ? "Watching resale " + $parameter["resaleCollections"] : "Watching every " + ($parameter["pollIntervalMs"] >= 1000 ? ($parameter["pollIntervalMs"] / 1000) + " s" : $parameter["pollIntervalMs"] + " ms") }}',
		// The node picker shows this trigger and Telegram Gift as one entry with the trigger's
		// description (see TelegramGift.text.ts): it must describe the action node.
		description: TELEGRAM_GIFT_DESCRIPTION,
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
		const watch = this.getNodeParameter('watch', 'gifts') as string;
		if (watch === 'auction') return await auctionTrigger.call(this, AUCTION_EVENT_TYPES);
		if (watch === 'resale') return await resaleTrigger.call(this);
		const settings = readSettings.call(this);
		let accounts: OpenedAccounts;
		try {
			accounts = openAccounts(await this.getCredentials(ACCOUNT_CREDENTIAL));
		} catch (error) {
			throw nodeError(this.getNode(), error);
		}
		const store = await getStore();
		const toItems = async (events: TriggerEvent[]): Promise<INodeExecutionData[]> =>
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
					const events = gifts.map((gift): TriggerEvent => ({ event: 'newGift', gift, previousRemains: null, detectedAtMs: now, account: accounts.labels[0]! }));
					this.emit([await toItems(events)]);
				} catch (error) {
					throw nodeError(this.getNode(), error, { secrets: accounts.secrets });
				}
			};
			return { closeFunction: release, manualTriggerFunction };
		}

		// One watcher per process polls the catalog with these accounts for every active trigger
		// (src/telegram/watch); this trigger subscribes with its own baseline and filter.
		const server = serverKeyOf(accounts.profile.server);
		const staticData = this.getWorkflowStaticData('node');
		const from = startFrom(readCursor(staticData, server), this.getActivationMode(), settings.emitCurrentCatalog);
		const labelOf = new Map(accounts.credentials.map((c) => [accountKeyOf(c), c.label]));
		const topic: TopicSpec<GiftEvent> = { key: CATALOG_TOPIC, create: async () => new CatalogTopic(await getStore()) };
		let subscription: Subscription;
		try {
			// Activation fails (and n8n retries it with back-off) when no watcher runs yet and an
			// account cannot connect.
			subscription = await getSharedWatchers().subscribe(
				accounts.credentials,
				topic,
				{
					deliver: async (events, info) => {
						writeCursor(staticData, { server, seenUpToMs: info.atMs });
						const mine = eventsFor(events, settings);
						if (mine.length === 0) return;
						const account = labelOf.get(info.accountKey) ?? info.accountLabel;
						this.emit([await toItems(mine.map((e) => ({ ...e, account })))]);
					},
					onFatal: (error) => this.emitError(new NodeOperationError(this.getNode(), errorMessage(error, accounts.secrets))),
					onWarning: (message) => this.logger.warn(errorMessage(message, accounts.secrets)),
				},
				{
					intervalMs: settings.intervalMs,
					sessionFloorMs: settings.sessionFloorMs,
					from,
				},
			);
		} catch (error) {
			await release();
			throw nodeError(this.getNode(), error, { secrets: accounts.secrets });
		}
		// Its baseline is the state it joined at; a resumed trigger keeps its old time until it has caught up.
		if (typeof from !== 'number') writeCursor(staticData, { server, seenUpToMs: subscription.joined.atMs });
		return {
			closeFunction: async () => {
				await subscription.close();
				await release();
			},
		};
	}
}

/** A shared event with the label of the account that saw it, in this trigger's credential. */
type TriggerEvent = GiftEvent & { account: string };

async function itemOf(
	this: ITriggerFunctions,
	event: TriggerEvent,
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
