/**
 * Send Report: all input items (buy results, plan purchases, skips) → the core's four-section
 * report (summary, per gift, per recipient, per account) in English or Russian → the chats.
 * Outputs one item with the text and the structured totals.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { ValidationError, buildAuctionSection, buildReport, validatePlan, validateResults, type AuctionLedgerRow, type PlanAccount, type ReportLang } from '../../../src/core';
import { nodeError, parameterError } from '../../shared/errors';
import { chatOutcome, mergeChats, parseChatIds } from './chats';
import type { NotifyContext } from './context';

interface Collected {
	operations: IDataObject[];
	results: IDataObject[];
	skips: IDataObject[];
	/** giftTitle of any item (Plan and Buy items carry it), by gift id. */
	giftTitles: Record<string, string>;
	/** Accounts named by bid items. */
	bidAccounts: Set<string>;
}

export async function sendReport(this: IExecuteFunctions, context: NotifyContext): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const node = this.getNode();
	const lang = this.getNodeParameter('language', 0, 'en') as ReportLang;
	const send = this.getNodeParameter('send', 0, true) as boolean;
	const collected = collect.call(this, items);

	let plan;
	let results;
	try {
		plan = validatePlan({ operations: collected.operations, skips: collected.skips });
		results = validateResults(collected.results);
	} catch (error) {
		if (error instanceof ValidationError) throw parameterError(node, 'Input items', `${error.field} ${error.reason}`);
		throw nodeError(node, error);
	}
	const accounts = await accountsOf(context, collected);
	const report = buildReport(plan, results, accounts, { lang, giftTitles: collected.giftTitles });
	let text = report.text;
	const json: IDataObject = { text, totals: report.totals as unknown as IDataObject };
	if (this.getNodeParameter('auctionSection', 0, false) as boolean) {
		const section = await auctionSectionOf(context, collected, accounts, lang);
		text = `${text}\n\n${section.text}`;
		json.text = text;
		json.auctions = section as unknown as IDataObject;
	}
	if (send) {
		const explicit = parseChatIds.call(this, this.getNodeParameter('chatIds', 0, ''), 0);
		const wantsAccountChats = this.getNodeParameter('accountChats', 0, true) as boolean;
		const accountChats = wantsAccountChats ? (context.accounts ? await context.accountChats(0) : [...new Set(collected.operations.map((op) => String(op.accountId)))]) : [];
		const chats = mergeChats(explicit, accountChats);
		if (chats.length === 0) {
			throw parameterError(node, 'Chat IDs', "no chat to send to: enter chat ids, or send to every account's own chat");
		}
		const sent = await context.bot.client.sendText({ chatIds: chats, text });
		context.assertTokenAccepted(sent);
		Object.assign(json, chatOutcome(sent));
	}
	return [{ json, pairedItem: items.map((_item, item) => ({ item })) }];
}

/** Sorts input items into buy results, planned operations and skips. */
function collect(this: IExecuteFunctions, items: INodeExecutionData[]): Collected {
	const out: Collected = { operations: [], results: [], skips: [], giftTitles: {}, bidAccounts: new Set() };
	const operationKeys = new Set<string>();
	const addOperation = (json: IDataObject) => {
		const key = String(json.opKey);
		if (operationKeys.has(key)) return;
		operationKeys.add(key);
		out.operations.push({
			opKey: json.opKey,
			accountId: json.accountId,
			recipient: json.recipient,
			giftId: json.giftId,
			price: json.price,
			quantity: json.quantity,
			supply: json.supply ?? null,
		});
	};
	items.forEach((item, itemIndex) => {
		const json = resaleAsPurchase(item.json);
		if (json === null) return;
		if (typeof json.giftTitle === 'string' && json.giftTitle !== '' && json.giftId !== undefined) out.giftTitles[String(json.giftId)] = json.giftTitle;
		if (typeof json.opKey === 'string' && (json.action === 'place' || json.action === 'raise')) {
			// A bid step or its result (Plan Bids / Place or Raise Bid): the auction section reads the ledger.
			out.bidAccounts.add(String(json.accountId));
		} else if (typeof json.opKey === 'string' && typeof json.status === 'string') {
			out.results.push(json);
			addOperation(json);
		} else if (typeof json.opKey === 'string') {
			addOperation(json);
		} else if (typeof json.reason === 'string' && json.giftId !== undefined) {
			out.skips.push(json);
		} else if (json.reason === 'account_unavailable') {
			// Telegram Gift Plan's note that an account could not be reached: it planned nothing.
		} else if (typeof json.error === 'string' && Object.keys(json).length === 1) {
			// An error item from an earlier node's Continue On Fail: nothing to count.
		} else {
			throw parameterError(
				this.getNode(),
				'Input items',
				'is neither a buy result (Telegram Gift → Buy), a planned purchase nor a skip (Telegram Gift Plan)',
				itemIndex,
			);
		}
	});
	return out;
}

/**
 * A resale item (Telegram Gift Plan → Plan Listings, Telegram Gift → Resale → Buy Listing) as the
 * report's purchase: one copy of its collection (giftId), at the price paid (or listed when not
 * bought), titled "<collection> #<num>". Resale skips are not counted (null): they are listings
 * looked at, not gifts planned. Other items pass unchanged.
 */
function resaleAsPurchase(json: IDataObject): IDataObject | null {
	const resale = json.kind === 'resale' || (typeof json.slug === 'string' && typeof json.maxPrice === 'number');
	if (!resale) {
		if (typeof json.slug === 'string' && typeof json.reason === 'string' && json.opKey === undefined) return null;
		return json;
	}
	const bought = json.status === 'bought';
	const paid = typeof json.paid === 'number' && json.paid > 0 ? json.paid : Number(json.price);
	const giftId = typeof json.giftId === 'string' && /^\d{1,20}$/.test(json.giftId) ? json.giftId : '0';
	const title = typeof json.title === 'string' && json.title !== '' ? json.title : null;
	return {
		...json,
		giftId,
		giftTitle: title ?? (json.giftTitle as string | undefined),
		price: paid,
		quantity: 1,
		...(typeof json.status === 'string' ? { quantityBought: bought ? 1 : 0 } : {}),
	};
}

/**
 * Start balances per account. With the account credential: the live balance plus what this run
 * spent. Without: the plan's balance (planned purchases carry it) or the balance after the buys
 * plus what they spent.
 */
async function accountsOf(context: NotifyContext, collected: Collected): Promise<PlanAccount[]> {
	const spent = new Map<string, number>();
	const lastBalanceAfter = new Map<string, number>();
	for (const r of collected.results) {
		const id = String(r.accountId);
		const copies = typeof r.quantityBought === 'number' ? r.quantityBought : r.status === 'bought' ? Number(r.quantity) : 0;
		spent.set(id, (spent.get(id) ?? 0) + copies * Number(r.price));
		if (typeof r.balanceAfter === 'number') lastBalanceAfter.set(id, r.balanceAfter);
	}
	const accounts = new Map<string, PlanAccount>();
	if (context.accounts) {
		// Accounts that answer give live balances; one that does not (revoked, flood-parked)
		// falls back to what the items say, so its report is not lost.
		for (const { info } of await context.accounts.balancesEach()) {
			if (info) accounts.set(info.id, { id: info.id, label: info.label, balance: info.balance + (spent.get(info.id) ?? 0), premium: info.premium });
		}
	}
	for (const op of collected.operations) {
		const id = String(op.accountId);
		if (accounts.has(id)) continue;
		const source = [...collected.results, ...collected.operations].find((j) => String(j.accountId) === id && (j.accountBalance !== undefined || j.accountLabel !== undefined));
		let balance: number | null = typeof source?.accountBalance === 'number' ? source.accountBalance : null;
		if (balance === null && lastBalanceAfter.has(id)) balance = lastBalanceAfter.get(id)! + (spent.get(id) ?? 0);
		if (balance === null) continue;
		const label = typeof source?.accountLabel === 'string' ? source.accountLabel : undefined;
		accounts.set(id, { id, balance, premium: null, ...(label ? { label } : {}) });
	}
	return [...accounts.values()];
}

const DAY_MS = 86_400_000;

/** The auction section from the ledger's bid rows of the last 24 hours (the credential's accounts, else those the items name). */
async function auctionSectionOf(context: NotifyContext, collected: Collected, accounts: PlanAccount[], lang: ReportLang) {
	const labels: Record<string, string> = {};
	for (const a of accounts) if (a.label) labels[a.id] = a.label;
	const ids = new Set<string>([...collected.bidAccounts, ...accounts.map((a) => a.id)]);
	if (context.accounts) {
		for (const { info } of await context.accounts.whoAmIEach()) {
			if (!info) continue;
			ids.add(info.id);
			labels[info.id] = info.label;
		}
	}
	const rows: AuctionLedgerRow[] = [];
	for (const id of ids) {
		for (const e of await context.store.listPurchases({ kind: 'bid', accountId: id, sinceMs: Date.now() - DAY_MS })) {
			rows.push({ opKey: e.opKey, accountId: e.accountId, giftId: e.giftId, amount: e.bidAmount ?? e.unitIndex, price: e.price, status: e.status });
		}
	}
	return buildAuctionSection(rows, labels, lang);
}
