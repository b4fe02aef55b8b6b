/**
 * What the user reads about auctions: one short message per auction event (outbid, returned, won,
 * lost, finished, …) and the report's auction section (per account: bids placed, raised, returned,
 * won, Stars held and spent), in English or Russian. Pure: the section is computed from the
 * ledger's bid rows (src/store), so it cannot drift from what was paid.
 */
import type { ReportLang } from './report';

/** One bid step as the ledger holds it (kind `bid`). */
export interface AuctionLedgerRow {
	opKey: string;
	accountId: string;
	giftId: string;
	/** The total bid after the step. */
	amount: number;
	/** What the step charged (a new bid: its amount; a raise: the difference). */
	price: number;
	status: 'pending' | 'unknown' | 'failed' | 'held' | 'won' | 'returned' | 'bought';
}

export interface AuctionAccountSection {
	accountId: string;
	label: string | null;
	placed: number;
	raised: number;
	returned: number;
	won: number;
	/** Stars held by live bids (pending/unknown steps included: they may be held). */
	held: number;
	/** Stars spent on copies won. */
	spent: number;
	/** Stars refunded with returned bids. */
	refunded: number;
}

export interface AuctionSection {
	accounts: AuctionAccountSection[];
	totals: Omit<AuctionAccountSection, 'accountId' | 'label'>;
	text: string;
}

export function buildAuctionSection(rows: AuctionLedgerRow[], labels: Record<string, string> = {}, lang: ReportLang = 'en'): AuctionSection {
	const byAccount = new Map<string, AuctionAccountSection>();
	const bids = new Map<string, AuctionLedgerRow[]>();
	for (const r of rows) {
		if (r.status === 'failed') continue;
		bids.set(r.opKey, [...(bids.get(r.opKey) ?? []), r]);
	}
	for (const steps of bids.values()) {
		steps.sort((a, b) => a.amount - b.amount);
		const id = steps[0].accountId;
		const a = byAccount.get(id) ?? { accountId: id, label: labels[id] ?? null, placed: 0, raised: 0, returned: 0, won: 0, held: 0, spent: 0, refunded: 0 };
		a.placed += 1;
		a.raised += steps.length - 1;
		const total = steps.reduce((s, x) => s + x.price, 0);
		if (steps.some((s) => s.status === 'won')) {
			a.won += 1;
			a.spent += total;
		} else if (steps.some((s) => s.status === 'returned')) {
			a.returned += 1;
			a.refunded += total;
		} else {
			a.held += total;
		}
		byAccount.set(id, a);
	}
	const accounts = [...byAccount.values()].sort((x, y) => (x.accountId < y.accountId ? -1 : 1));
	const totals = { placed: 0, raised: 0, returned: 0, won: 0, held: 0, spent: 0, refunded: 0 };
	for (const a of accounts) for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += a[k];
	return { accounts, totals, text: renderAuctionSection(accounts, totals, lang) };
}

const T = {
	en: {
		title: '🔨 Auctions',
		line: (a: AuctionAccountSection, name: string) =>
			`${name}: ${a.placed} bid(s), ${a.raised} raise(s), ${a.won} won, ${a.returned} returned · spent ${a.spent} ⭐, held ${a.held} ⭐, refunded ${a.refunded} ⭐`,
		total: (t: AuctionSection['totals']) => `Total: ${t.won} won, spent ${t.spent} ⭐, held ${t.held} ⭐, refunded ${t.refunded} ⭐`,
		none: 'No auction bids.',
	},
	ru: {
		title: '🔨 Аукционы',
		line: (a: AuctionAccountSection, name: string) =>
			`${name}: ставок ${a.placed}, повышений ${a.raised}, выиграно ${a.won}, возвращено ${a.returned} · потрачено ${a.spent} ⭐, заморожено ${a.held} ⭐, возвращено ${a.refunded} ⭐`,
		total: (t: AuctionSection['totals']) => `Итого: выиграно ${t.won}, потрачено ${t.spent} ⭐, заморожено ${t.held} ⭐, возвращено ${t.refunded} ⭐`,
		none: 'Ставок на аукционах не было.',
	},
};

function renderAuctionSection(accounts: AuctionAccountSection[], totals: AuctionSection['totals'], lang: ReportLang): string {
	const t = T[lang] ?? T.en;
	if (accounts.length === 0) return `${t.title}\n${t.none}`;
	return [t.title, ...accounts.map((a) => t.line(a, a.label ?? a.accountId)), t.total(totals)].join('\n');
}

/** An auction event as the trigger emits it (or a bid result from Place or Raise Bid). */
export interface AuctionEventInput {
	event: string;
	giftId?: string;
	title?: string | null;
	slug?: string | null;
	accountLabel?: string | null;
	accountId?: string | null;
	amount?: number | null;
	round?: number | null;
	averagePrice?: number | null;
	giftsPerRound?: number | null;
	startsAt?: string | null;
	roundEndsAt?: string | null;
}

/** The short message for one auction event; null for an event the user is not told about. */
export function auctionEventText(e: AuctionEventInput, lang: ReportLang = 'en'): string | null {
	const gift = e.title || e.slug || (e.giftId ? `gift ${e.giftId}` : 'the auction');
	const who = e.accountLabel || e.accountId || '';
	const ru = lang === 'ru';
	switch (e.event) {
		case 'outbid':
			return ru ? `⚠️ ${gift}: ставку ${who} (${e.amount} ⭐) перебили` : `⚠️ ${gift}: ${who}'s bid of ${e.amount} ⭐ was outbid`;
		case 'returned':
			return ru ? `↩️ ${gift}: ставка ${who} (${e.amount} ⭐) возвращена` : `↩️ ${gift}: ${who}'s bid of ${e.amount} ⭐ was returned (refunded)`;
		case 'won':
			return ru ? `🎉 ${gift}: ${who} выиграл копию за ${e.amount} ⭐ (раунд ${e.round})` : `🎉 ${gift}: ${who} won a copy for ${e.amount} ⭐ (round ${e.round})`;
		case 'lost':
			return ru ? `❌ ${gift}: ${who} ничего не выиграл, ставки возвращены` : `❌ ${gift}: ${who} won nothing; the bids were refunded`;
		case 'finished':
			return ru ? `🏁 ${gift}: аукцион завершён, средняя цена ${e.averagePrice} ⭐` : `🏁 ${gift}: the auction finished, average price ${e.averagePrice} ⭐`;
		case 'announced':
			return ru ? `📣 ${gift}: аукцион, старт ${e.startsAt}, по ${e.giftsPerRound} за раунд` : `📣 ${gift}: auction announced, starts ${e.startsAt}, ${e.giftsPerRound} per round`;
		case 'roundStarted':
			return ru ? `🔔 ${gift}: начался раунд ${e.round}` : `🔔 ${gift}: round ${e.round} started`;
		case 'roundEnding':
			return ru ? `⏳ ${gift}: раунд ${e.round} скоро закончится (${e.roundEndsAt})` : `⏳ ${gift}: round ${e.round} ends soon (${e.roundEndsAt})`;
		default:
			return null;
	}
}
