/**
 * The plan/report commands through their run() functions: real files, real exit codes, output
 * captured. (main.ts only dispatches to these.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { run as runPlan } from '../../../src/cli/plan';
import { run as runReport } from '../../../src/cli/report';
import { processIo, type CliIo } from '../../../src/cli/io';
import type { Plan } from '../../../src/core';

const EXAMPLE = join(__dirname, '..', '..', '..', 'examples', 'plan-input.json');
let dir: string;

beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'gift-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(nowSec = 1_750_000_000) {
	const out = { stdout: '', stderr: '' };
	const captured: CliIo = {
		stdout: (t) => void (out.stdout += t),
		stderr: (t) => void (out.stderr += t),
		readFile: processIo.readFile,
		nowSec: () => nowSec,
	};
	return { out, captured };
}

function file(name: string, content: unknown): string {
	const path = join(dir, name);
	writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
	return path;
}

async function planOf(args: string[], now?: number) {
	const { out, captured } = io(now);
	const code = await runPlan(args, captured);
	return { code, ...out };
}

async function reportOf(args: string[]) {
	const { out, captured } = io();
	const code = await runReport(args, captured);
	return { code, ...out };
}

const example = () => JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { recipients: Array<Record<string, unknown>>; options: Record<string, unknown>; gifts: unknown[] };

describe('plan command', () => {
	it('plans the bundled example: every gift planned or skipped, all reason kinds shown', async () => {
		const r = await planOf(['--input', EXAMPLE]);
		expect(r.code).toBe(0);
		expect(r.stderr).toBe('');
		const plan = JSON.parse(r.stdout) as Plan;
		expect(plan.summary).toEqual({ gifts: 10, plannedGifts: 4, skippedGifts: 6, partialGifts: 0, operations: 5, quantity: 7, stars: 365 });
		expect(plan.skips.map((s) => s.reason).sort()).toEqual(['insufficient_balance', 'invalid', 'locked', 'no_recipient_match', 'non_limited', 'sold_out']);
		expect((await planOf(['--input', EXAMPLE])).stdout).toBe(r.stdout);
	});

	it('--seed overrides options.seed; opKeys do not depend on it', async () => {
		const a = JSON.parse((await planOf(['--input', EXAMPLE, '--seed', '7'])).stdout) as Plan;
		const b = JSON.parse((await planOf(['--input', EXAMPLE])).stdout) as Plan;
		expect(new Set(a.operations.map((o) => o.opKey))).toEqual(new Set(b.operations.map((o) => o.opKey)));
		const bad = await planOf(['--input', EXAMPLE, '--seed', 'abc']);
		expect(bad).toMatchObject({ code: 1, stdout: '', stderr: 'plan: --seed must be an integer (got "abc")\n' });
	});

	it('bad input: exit 1, the message names the field and index, no stack trace', async () => {
		const input = example();
		input.recipients.push({ peer: '-1003333333333', priceMin: 50, priceMax: 10 });
		const r = await planOf(['--input', file('bad-range.json', input)]);
		expect(r).toEqual({ code: 1, stdout: '', stderr: 'plan: recipients[3].priceMin must be ≤ priceMax (got 50 > 10)\n' });

		const peer = example();
		peer.recipients[1].peer = 'channel-two';
		const p = await planOf(['--input', file('bad-peer.json', peer)]);
		expect(p.code).toBe(1);
		expect(p.stderr).toMatch(/^plan: recipients\[1\]\.peer "channel-two" is not "me", "@username", a user id or a -100… channel id\n$/);
		expect(p.stderr).not.toMatch(/\n\s+at /);
	});

	it('unreadable or non-JSON files and usage errors', async () => {
		expect(await planOf(['--input', join(dir, 'missing.json')])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^plan: cannot read --input .*missing\.json \(ENOENT\)\n$/) });
		expect(await planOf(['--input', file('broken.json', '{ nope')])).toMatchObject({ code: 1, stderr: expect.stringMatching(/is not valid JSON/) });
		expect(await planOf([])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--input FILE is required/) });
		expect(await planOf(['--inptu', 'x'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown option --inptu/) });
		expect(await planOf(['--help'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: n8n-nodes-telegram-gifts plan/) });
		expect(await reportOf([])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--plan FILE is required/) });
		expect(await reportOf(['--plna', 'x'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown option --plna/) });
		expect(await reportOf(['--help'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: n8n-nodes-telegram-gifts report/) });
		expect(await reportOf(['--plan', join(dir, 'missing.json')])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^report: cannot read --plan .*missing\.json \(ENOENT\)\n$/) });
	});

	it('fills options.nowSec from the clock when the file has none', async () => {
		const input = example();
		delete input.options.nowSec;
		const path = file('no-clock.json', input);
		const before = JSON.parse((await planOf(['--input', path], 1_700_000_000)).stdout) as Plan;
		const after = JSON.parse((await planOf(['--input', path], 1_800_000_000)).stdout) as Plan;
		expect(before.skips.find((s) => s.giftId === '5170250947678437525')?.reason).toBe('locked');
		expect(after.skips.find((s) => s.giftId === '5170250947678437525')).toBeUndefined();
	});
});

describe('report command', () => {
	async function planFile(): Promise<{ path: string; plan: Plan }> {
		const r = await planOf(['--input', EXAMPLE]);
		return { path: file('plan.json', r.stdout), plan: JSON.parse(r.stdout) as Plan };
	}

	it('prints the Russian report of the example with partial results', async () => {
		const { path, plan } = await planFile();
		const results = plan.operations.slice(0, 3).map((o, i) => ({ opKey: o.opKey, status: i === 1 ? 'failed' : 'bought', reason: i === 1 ? 'sold_out' : null, quantityBought: i === 1 ? 0 : o.quantity }));
		const r = await reportOf(['--plan', path, '--results', file('results.json', results), '--lang', 'ru']);
		expect(r.code).toBe(0);
		const lines = r.stdout.split('\n');
		expect(lines[0]).toBe('🧾 Отчёт автопокупки');
		expect(lines[1]).toBe('📊 Новых: 10 | Куплено: 2 | Пропущено: 6 | Не выполнено: 2');
		expect(r.stdout).toContain('👤 По аккаунтам:');
		expect(r.stdout).toContain('• main (acc=1337): plan=6 💰spent=220 start=500 end=280 buys=3 notrun=3');
		// Gifts by title with the id, accounts by label.
		expect(r.stdout).toContain("• ✅ Premium Crown (5170564780938756245) | 100⭐ | supply=2000 → ch=-1001111111111 acc=main×2");
	});

	it('--json prints the totals; without --results nothing counts as executed', async () => {
		const { path } = await planFile();
		const r = await reportOf(['--plan', path, '--json']);
		expect(r.code).toBe(0);
		const totals = JSON.parse(r.stdout) as { copies: unknown; gifts: unknown };
		expect(totals.copies).toEqual({ planned: 7, bought: 0, failed: 0, notExecuted: 7 });
		expect(totals.gifts).toEqual({ new: 10, bought: 0, skipped: 6, partial: 0, notExecuted: 4 });
		const text = await reportOf(['--plan', path]);
		expect(text.stdout.split('\n')[1]).toBe('📊 New: 10 | Bought: 0 | Skipped: 6 | Not executed: 4');
	});

	it('bad results or plan: exit 1 naming the field; bad --lang: exit 2', async () => {
		const { path } = await planFile();
		const r = await reportOf(['--plan', path, '--results', file('bad-results.json', [{ opKey: 'x', status: 'ok' }])]);
		expect(r).toEqual({ code: 1, stdout: '', stderr: 'report: results[0].status must be one of bought, failed, skipped (got "ok")\n' });
		const p = await reportOf(['--plan', file('bad-plan.json', { operations: [{ opKey: 'k' }] })]);
		expect(p).toMatchObject({ code: 1, stderr: 'report: plan.operations[0].recipient must be "me", "@username", a user id or a -100… channel id (got undefined)\n' });
		expect(await reportOf(['--plan', path, '--lang', 'de'])).toMatchObject({ code: 2 });
		expect(await reportOf([])).toMatchObject({ code: 2 });
	});
});
