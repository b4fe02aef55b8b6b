import { buildReport, plan, splitReportText, type Plan, type ReportResult } from '../../../src/core';
import { account, gift, input, recipient } from './fixtures';

/** Seed 000's situation, with numbers that add up. */
function seedLikePlan(): Plan {
	return plan(
		input(
			[
				gift({ id: '123456', stars: 25, availabilityTotal: 1000 }),
				gift({ id: '654321', stars: 50, limited: false, availabilityTotal: null }),
				gift({ id: '222333', stars: 150, availabilityTotal: 500 }),
			],
			[account('1337', 100), account('1338', 5)],
			[recipient('-100111', { supplyMin: 1000, supplyMax: 1000 }), recipient('-100222', { supplyMax: 600 })].map((r) => ({
				...r,
				peer: r.peer === '-100111' ? '-1001110000000' : '-1002220000000',
			})),
		),
	);
}

const bought = (p: Plan): ReportResult[] => p.operations.map((o) => ({ opKey: o.opKey, status: 'bought', reason: null, quantityBought: o.quantity }));

describe('buildReport', () => {
	it('renders seed 000\'s Russian layout with numbers that add up', () => {
		const p = seedLikePlan();
		const { text, totals } = buildReport(p, bought(p), undefined, { lang: 'ru' });
		expect(text).toBe(
			[
				'🧾 Отчёт автопокупки',
				'📊 Новых: 3 | Куплено: 1 | Пропущено: 2',
				'🧮 Копий: план 1, куплено 1, ошибок 0, не выполнено 0 | ⭐ план 25, потрачено 25',
				'',
				'📦 По подаркам:',
				'• ❌ 222333 | 150⭐ | supply=500 → причина ch=-1002220000000: insufficient_balance acc=1337 bal=100 need=150',
				'• ✅ 123456 | 25⭐ | supply=1000 → ch=-1001110000000 acc=1337',
				'• ⏭️ 654321 | 50⭐ | supply=∞ → причина: non_limited',
				'',
				'🛰️ По получателям:',
				'• -1001110000000: plan=1 ok=1 fail=0 skips=0',
				'• -1002220000000: plan=0 ok=0 fail=0 skips=1 (insufficient_balance)',
				'',
				'👤 По аккаунтам:',
				'• acc=1337: plan=1 💰spent=25 start=100 end=75 buys=1',
				'• acc=1338: plan=0 💰spent=0 start=5 end=5 buys=0',
			].join('\n'),
		);
		expect(totals.gifts).toEqual({ new: 3, bought: 1, skipped: 2, partial: 0, notExecuted: 0 });
		expect(totals.skipsByReason).toEqual({ non_limited: 1, insufficient_balance: 1 });
	});

	it('renders the English equivalent', () => {
		const p = seedLikePlan();
		const { text } = buildReport(p, bought(p), undefined, { lang: 'en' });
		expect(text.split('\n').slice(0, 5)).toEqual([
			'🧾 Autobuy report',
			'📊 New: 3 | Bought: 1 | Skipped: 2',
			'🧮 Copies: planned 1, bought 1, failed 0, not executed 0 | ⭐ planned 25, spent 25',
			'',
			'📦 By gift:',
		]);
		expect(text).toContain('→ reason ch=-1002220000000: insufficient_balance acc=1337 bal=100 need=150');
		expect(text).toContain('🛰️ By recipient:');
		expect(text).toContain('👤 By account:');
	});

	it('handles partial results: failures by reason, not-executed operations, copies vs gifts', () => {
		const g1 = gift({ id: '1', stars: 10 });
		const g2 = gift({ id: '2', stars: 20 });
		const p = plan(input([g1, g2], [account('a', 1000, { label: 'main' }), account('b', 1000)], [recipient('@dest', { maxPerGift: 3 })], { maxPerGiftPerAccount: 2 }));
		// Each gift: a×2, b×1.
		const op = (giftId: string, accountId: string) => p.operations.find((o) => o.giftId === giftId && o.accountId === accountId)!;
		const [op1a, op1b, op2a] = [op('1', 'a'), op('1', 'b'), op('2', 'a')];
		const results: ReportResult[] = [
			{ opKey: op1a.opKey, status: 'failed', reason: 'sold_out', quantityBought: 1 },
			{ opKey: op1b.opKey, status: 'failed', reason: 'flood_wait', quantityBought: 0 },
			{ opKey: op2a.opKey, status: 'bought' },
			{ opKey: 'stranger', status: 'bought' },
		];
		const { totals, text } = buildReport(p, results);
		expect(totals.copies).toEqual({ planned: 6, bought: 3, failed: 2, notExecuted: 1 });
		expect(totals.stars).toEqual({ planned: 90, spent: 50 });
		expect(totals.gifts).toEqual({ new: 2, bought: 2, skipped: 0, partial: 2, notExecuted: 0 });
		expect(totals.failuresByReason).toEqual({ sold_out: 1, flood_wait: 1 });
		expect(totals.unmatchedResults).toBe(1);
		expect(totals.perAccount).toEqual([
			expect.objectContaining({ accountId: 'a', label: 'main', copiesPlanned: 4, copiesBought: 3, copiesFailed: 1, spent: 50, start: 1000, end: 950 }),
			expect.objectContaining({ accountId: 'b', copiesPlanned: 2, copiesBought: 0, copiesFailed: 1, copiesNotExecuted: 1, spent: 0 }),
		]);
		expect(text).toContain('⚠️ 1 result(s) match no operation of this plan and are not counted');
		expect(text).toContain('• ⚠️ 1 | 10⭐ | supply=1000 → to=@dest acc=main ✖ acc=main: sold_out ✖ acc=b: flood_wait');
		expect(text).toContain('• ⚠️ 2 | 20⭐ | supply=1000 → to=@dest acc=main×2 ⏳ acc=b (not executed)');
		expect(text).toContain('• @dest: plan=6 ok=3 fail=2 notrun=1 skips=0 (sold_out, flood_wait)');
		expect(text).toContain('• main (acc=a): plan=4 💰spent=50 start=1000 end=950 buys=3 fail=1');
	});

	it('the last result for an opKey wins (a retry supersedes the failure)', () => {
		const p = plan(input([gift({ stars: 10 })], [account('a', 100)], [recipient('me')]));
		const key = p.operations[0].opKey;
		const { totals } = buildReport(p, [
			{ opKey: key, status: 'failed', reason: 'flood_wait' },
			{ opKey: key, status: 'bought' },
		]);
		expect(totals.copies).toEqual({ planned: 1, bought: 1, failed: 0, notExecuted: 0 });
	});

	it('nothing executed yet: every planned copy is "not executed"; unknown start balances print as ?', () => {
		const p = plan(input([gift({ id: '9', stars: 10 })], [account('a', 100)], [recipient('me')]));
		delete p.accounts;
		const { totals, text } = buildReport(p, [], undefined, { lang: 'ru' });
		expect(totals.copies.notExecuted).toBe(1);
		expect(text).toContain('• ⏳ 9 | 10⭐ | supply=1000 → to=me ⏳ acc=a (не выполнено)');
		expect(text).toContain('• acc=a: plan=1 💰spent=0 start=? end=? buys=0 notrun=1');
	});

	it('a report built without results says "not executed", never "skipped", for planned gifts', () => {
		const p = plan(input([gift({ id: '7', stars: 10 }), gift({ id: '8', stars: 10, limited: false, availabilityTotal: null })], [account('a', 100)], [recipient('me')]));
		const { totals, text } = buildReport(p, []);
		expect(totals.gifts).toEqual({ new: 2, bought: 0, skipped: 1, partial: 0, notExecuted: 1 });
		expect(text.split('\n')[1]).toBe('📊 New: 2 | Bought: 0 | Skipped: 1 | Not executed: 1');
		expect(buildReport(p, [], undefined, { lang: 'ru' }).text.split('\n')[1]).toBe('📊 Новых: 2 | Куплено: 0 | Пропущено: 1 | Не выполнено: 1');
		// Once every operation has a result, nothing is "not executed" and the headline has no such part.
		const done = buildReport(p, p.operations.map((o) => ({ opKey: o.opKey, status: 'failed' as const, reason: 'sold_out' })));
		expect(done.totals.gifts).toEqual({ new: 2, bought: 0, skipped: 2, partial: 0, notExecuted: 0 });
		expect(done.text.split('\n')[1]).toBe('📊 New: 2 | Bought: 0 | Skipped: 2');
	});

	it('names gifts by title (with the id) and accounts by label', () => {
		const p = plan(
			input(
				[gift({ id: '11', stars: 10, title: 'Snow Globe' }), gift({ id: '12', stars: 10 })],
				[account('1337', 15, { label: 'main' }), account('1338', 100)],
				[recipient('@dest', { maxPerGift: 1 })],
				{ reserveStars: 0 },
			),
		);
		expect(p.giftTitles).toEqual({ '11': 'Snow Globe' });
		const { text, totals } = buildReport(p, bought(p));
		expect(totals.perGift.map((g) => [g.giftId, g.title])).toEqual(expect.arrayContaining([['11', 'Snow Globe'], ['12', null]]));
		expect(text).toMatch(/• ✅ Snow Globe \(11\) \| 10⭐ \| supply=1000 → to=@dest acc=(main|1338)/);
		expect(text).toMatch(/• ✅ 12 \| 10⭐/);
		expect(text).toContain('• main (acc=1337): plan=');
		expect(text).toContain('• acc=1338: plan=');
		// Titles can also come from the caller (a plan read back without them).
		const bare = { ...p, giftTitles: undefined };
		expect(buildReport(bare, bought(p), undefined, { giftTitles: { '12': 'Party Hat' } }).text).toContain('• ✅ Party Hat (12) |');
		// The acc= tags inside gift lines use the label too.
		const op = p.operations.find((o) => o.accountId === '1337');
		if (op) expect(text).toContain(`acc=main`);
	});

	it('an empty plan still has all four sections', () => {
		const { text } = buildReport(plan(input([], [], [])), []);
		expect(text).toBe(
			['🧾 Autobuy report', '📊 New: 0 | Bought: 0 | Skipped: 0', '🧮 Copies: planned 0, bought 0, failed 0, not executed 0 | ⭐ planned 0, spent 0', '', '📦 By gift:', '• —', '', '🛰️ By recipient:', '• —', '', '👤 By account:', '• —'].join('\n'),
		);
	});
});

describe('splitReportText', () => {
	it('splits a long report into Telegram messages on line boundaries', () => {
		const gifts = Array.from({ length: 300 }, (_, i) => gift({ id: String(5170000000000000000n + BigInt(i)), stars: 10 }));
		const p = plan(input(gifts, [account('a', 1000)], [recipient('-1001110000000')]));
		const { text } = buildReport(p, bought(p), undefined, { lang: 'ru' });
		expect(text.length).toBeGreaterThan(4096);
		const chunks = splitReportText(text);
		expect(chunks.length).toBeGreaterThan(1);
		for (const c of chunks) expect(c.length).toBeLessThanOrEqual(4096);
		expect(chunks.join('\n')).toBe(text);
		const lines = new Set(text.split('\n'));
		for (const c of chunks) for (const line of c.split('\n')) expect(lines.has(line)).toBe(true);
	});

	it('cuts an over-long line hard without splitting a surrogate pair', () => {
		const line = 'a'.repeat(9) + '😀' + 'b'.repeat(5);
		const chunks = splitReportText(line, 10);
		expect(chunks[0]).toBe('a'.repeat(9));
		expect(chunks.join('')).toBe(line);
		expect(() => splitReportText('x', 1)).toThrow(RangeError);
	});
});
