'use strict';
// Adapts the shipped workflow templates to a sandbox scenario: templates carry no instance data
// (no credential ids, no chat ids), so the e2e cases and the demo fill in the sandbox's channels
// as recipients and announcement chats, and its accounts' chats as report targets. Credentials
// of the package's nodes are bound by bootWithSandbox; the webhook's header auth is bound here.

const { PACKAGE_NAME } = require('./package');

const TYPE = {
	plan: `${PACKAGE_NAME}.telegramGiftPlan`,
	notify: `${PACKAGE_NAME}.telegramGiftNotify`,
	webhook: 'n8n-nodes-base.webhook',
};

/**
 * A scenario channel id ("1800000001" or "-1001800000001") as the Bot API / planner chat id:
 * -(10^12 + channel id), i.e. "-100…" for the usual 10-digit channel ids.
 */
function channelChatId(id) {
	const text = String(id).trim();
	const bare = text.startsWith('-100') ? text.slice(4) : text;
	return String(-(10n ** 12n + BigInt(bare)));
}

/** The channels of a scenario that accept gifts, as chat ids. */
function sandboxChannels(scenario) {
	return (scenario.channels || []).filter((c) => c.acceptsGifts !== false).map((c) => channelChatId(c.id));
}

/**
 * Returns adapted copies of the workflows:
 * - Gift Plan: the scenario's gift-accepting channels as recipients (open price and supply
 *   ranges, `maxPerGift` copies each, default 1); the template's caps stay unless `planOptions`
 *   overrides them.
 * - Gift Notify: announcements go to the channels (not the accounts' chats); reports and
 *   messages go to every account's chat.
 * - Webhook with header auth: bound to `webhookAuth` ({id, name}) when given.
 * @param {object[]} workflows
 * @param {object} scenario
 * @param {{maxPerGift?: number, planOptions?: object, webhookAuth?: {id: string, name: string}}} [opts]
 */
function adaptForSandbox(workflows, scenario, opts = {}) {
	const channels = sandboxChannels(scenario);
	return workflows.map((original) => {
		const wf = JSON.parse(JSON.stringify(original));
		for (const node of wf.nodes) {
			const p = node.parameters || (node.parameters = {});
			if (node.type === TYPE.plan) {
				if (channels.length === 0) throw new Error(`scenario has no channel that accepts gifts (needed by "${node.name}" in "${wf.name}")`);
				p.recipientsSource = 'list';
				p.recipients = {
					recipient: channels.map((peer) => ({ peer, priceMin: 0, priceMax: 0, supplyMin: 0, supplyMax: 0, maxPerGift: opts.maxPerGift ?? 1 })),
				};
				p.accountsSource = 'credential';
				if (opts.planOptions) p.options = { ...p.options, ...opts.planOptions };
			} else if (node.type === TYPE.notify) {
				const operation = p.operation || 'announceGift';
				if (operation === 'announceGift') {
					if (channels.length === 0) throw new Error(`scenario has no channel to announce to (needed by "${node.name}" in "${wf.name}")`);
					p.chatIds = channels.join(', ');
					p.accountChats = false;
				} else {
					p.chatIds = '';
					p.accountChats = true;
				}
			} else if (node.type === TYPE.webhook && p.authentication === 'headerAuth' && opts.webhookAuth) {
				node.credentials = { ...node.credentials, httpHeaderAuth: { id: opts.webhookAuth.id, name: opts.webhookAuth.name } };
			}
		}
		return wf;
	});
}

module.exports = { adaptForSandbox, sandboxChannels, channelChatId };
