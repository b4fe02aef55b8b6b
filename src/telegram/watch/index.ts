/**
 * Shared watchers: one per (account set, topic) per process polls Telegram for every trigger that
 * subscribes (docs/watchers.md). The gift catalog is the first topic.
 */
export { systemClock, type Clock } from './clock';
export type { DeliveryInfo, Fetched, SubscribeOptions, WatchAccount, WatchSubscriber, WatchTopic } from './topic';
export { Watcher, type Joined, type WatcherStats } from './watcher';
export { WatcherRegistry, getSharedWatchers, watcherKeyOf, type Subscription, type TopicSpec, type WatcherInfo } from './registry';
export { CatalogTopic, CATALOG_TOPIC, newestGifts, type CatalogAccount, type CatalogStore, type GiftEvent, type GiftEventType } from './catalog';
export { AuctionTopic, auctionTopicKey, type AuctionAnswer } from './auction';
export { ResaleTopic, resaleTopicKey, DEFAULT_RESALE_PAGE_SIZE, type ResaleAnswer, type ResaleListingSeen } from './resale';
