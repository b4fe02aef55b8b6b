/**
 * What the Telegram Gift node is, in one sentence. n8n's node picker shows the Telegram Gift node
 * and the Telegram Gift Trigger as one entry and gives it the trigger's description (n8n editor:
 * generateMergedNodesAndActions sets `app.description = trigger.description`), so the trigger
 * carries this text too: the picker then describes the node the user is about to add.
 */
export const TELEGRAM_GIFT_DESCRIPTION =
	'Buy and send Telegram Star Gifts, read the catalog, balances and stickers, check recipients, log in to get a session string';
