/**
 * `n8n-nodes-telegram-gifts sandbox` says what it does on stderr (where it listens, the clock,
 * each release and sell-out) while the credentials line alone goes to stdout; durationMs counts
 * from the scenario clock's start; usage mistakes exit 2 with the usage line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { run } from '../../../src/cli/sandbox';
import { processIo, type CliIo } from '../../../src/cli/io';

let dir: string;
beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), 'gift-sandbox-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
	const out = { stdout: '', stderr: '' };
	const io: CliIo = { ...processIo, stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t) };
	return { out, io };
}

it('narrates a run on stderr and prints only the credentials line on stdout', async () => {
	const scenario = join(dir, 'drop.json');
	writeFileSync(scenario, JSON.stringify({
		seed: 3,
		durationMs: 400,
		accounts: [{ id: '1000001', label: 'Main', balance: 100 }],
		gifts: [
			{ id: '9001', stars: 10, limited: false, total: null, remains: null, title: 'Heart' },
			{ id: '9002', stars: 10, limited: true, total: 5, releaseAtMs: 50, title: 'Rush' },
		],
		demand: [{ giftId: '9002', startMs: 100, perSecond: 1000 }],
	}));
	const record = join(dir, 'record.json');
	const logged: string[] = [];
	const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
		logged.push(String(chunk));
		return true;
	});
	const { out, io } = capture();
	let code: number;
	try {
		code = await run(['--scenario', scenario, '--record', record, '--clock', 'now'], io);
	} finally {
		spy.mockRestore();
	}
	expect(code).toBe(0);
	const lines = out.stdout.trim().split('\n');
	expect(lines).toHaveLength(1);
	expect(JSON.parse(lines[0]!)).toMatchObject({ sandbox: 'ready', accounts: [expect.objectContaining({ label: 'Main' })] });
	const text = logged.join('');
	expect(text).toMatch(/\[sandbox info\] playing .*drop\.json: 1 account\(s\), 0 channel\(s\), 2 gift\(s\), drops at 0\.1 s on the scenario clock/);
	expect(text).toMatch(/\[sandbox info\] MTProto on 127\.0\.0\.1:\d+ \(DC 2, where logins start; DC 1 on :\d+, DC 3 on :\d+\); the JSON line on stdout holds the credentials for n8n/);
	expect(text).toContain('[sandbox info] the scenario clock runs from now');
	expect(text).toMatch(/\[sandbox info\] 0\.1 s: gift "Rush" \(9002\) released/);
	expect(text).toMatch(/\[sandbox info\] 0\.\d s: gift "Rush" \(9002\) sold out/);
	expect(text).toMatch(/\[sandbox info\] stopped \(durationMs reached\): 0 purchase\(s\), 0 refused, record written to/);
	// Nobody read the catalog: the drop was unwatched, and the run says so.
	expect(text).toMatch(/\[sandbox error\] gift 9002 released at 50 ms on the scenario clock, before any client read the gift catalog/);
	expect(JSON.parse(readFileSync(record, 'utf8')).unwatched).toHaveLength(2);
	// No secret on stderr.
	const line = JSON.parse(lines[0]!) as { api_hash: string; accounts: Array<{ session: string }> };
	expect(text).not.toContain(line.api_hash);
	expect(text).not.toContain(line.accounts[0]!.session);
});

it('usage mistakes exit 2 with the usage line; a bad scenario exits 1 naming the field', async () => {
	const { out, io } = capture();
	expect(await run(['--scenario', 'x.json', '--clock', 'later'], io)).toBe(2);
	expect(out.stderr).toMatch(/^option --clock must be first-read or now \(got "later"\)\nusage: n8n-nodes-telegram-gifts sandbox /);
	expect(await run([], io)).toBe(2);
	expect(await run(['--port', '99999', '--scenario', 'x.json'], io)).toBe(2);
	const bad = join(dir, 'bad.json');
	writeFileSync(bad, JSON.stringify({ accounts: [{ id: '1', balance: 1 }], gifts: [{ id: '2', stars: 0 }] }));
	const c = capture();
	expect(await run(['--scenario', bad], c.io)).toBe(1);
	expect(c.out.stderr).toMatch(/^sandbox: invalid scenario: scenario\.gifts\[0\]\.stars must be an integer ≥ 1/);
});
