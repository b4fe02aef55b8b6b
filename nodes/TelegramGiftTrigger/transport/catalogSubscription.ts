/**
 * The Gift Trigger's side of the shared catalog watcher (src/telegram/watch): where its events
 * start, which of the shared events it emits, and what it remembers across restarts.
 *
 * Where a trigger starts (its own baseline, whatever other triggers saw):
 *  - activated by a user (activation mode activate/update/create…): the catalog as it is now;
 *    with "Emit Current Catalog on First Activation" on the very first activation, that whole
 *    catalog is emitted;
 *  - started again by n8n itself (mode init: n8n restarted; leadershipChange: another main took
 *    over) after it had been active before: what it has not seen since it last saw the catalog,
 *    so gifts released while n8n was down are emitted once, by every trigger that was active.
 * What it last saw is kept in the workflow's static data (`catalog`: the server and a time),
 * which n8n saves on activation and with every emit. It is tied to the server (production,
 * test, or a sandbox host:port): a trigger whose credential now points elsewhere starts afresh.
 */
import type { IDataObject, WorkflowActivateMode } from 'n8n-workflow';

import type { GiftEvent, GiftEventType, SubscribeOptions } from '../../../src/telegram/watch';

export interface CatalogCursor {
	/** serverKeyOf(credential server): which Telegram the time refers to. */
	server: string;
	/** The trigger has seen the catalog as of this time (ms, the watcher's clock). */
	seenUpToMs: number;
}

const CURSOR_FIELD = 'catalog';

export function readCursor(staticData: IDataObject, server: string): CatalogCursor | null {
	const raw = staticData[CURSOR_FIELD] as Partial<CatalogCursor> | undefined;
	if (!raw || raw.server !== server || typeof raw.seenUpToMs !== 'number' || !Number.isFinite(raw.seenUpToMs)) return null;
	return { server, seenUpToMs: raw.seenUpToMs };
}

export function writeCursor(staticData: IDataObject, cursor: CatalogCursor): void {
	const raw = staticData[CURSOR_FIELD] as Partial<CatalogCursor> | undefined;
	if (raw?.server === cursor.server && raw.seenUpToMs === cursor.seenUpToMs) return;
	// A new object: n8n notices the change (and saves it) on assignment to the static data.
	staticData[CURSOR_FIELD] = { server: cursor.server, seenUpToMs: cursor.seenUpToMs };
}

/** Where the trigger's events start (see the file comment). */
export function startFrom(cursor: CatalogCursor | null, mode: WorkflowActivateMode, emitCurrentOnFirstActivation: boolean): NonNullable<SubscribeOptions['from']> {
	if (cursor === null) return emitCurrentOnFirstActivation ? 'everything' : 'now';
	return mode === 'init' || mode === 'leadershipChange' ? cursor.seenUpToMs : 'now';
}

export interface CatalogFilter {
	events: ReadonlySet<GiftEventType>;
	limitedOnly: boolean;
}

/** The shared events this trigger emits. */
export function eventsFor(events: readonly GiftEvent[], filter: CatalogFilter): GiftEvent[] {
	return events.filter((e) => filter.events.has(e.event) && (!filter.limitedOnly || e.gift.limited));
}
