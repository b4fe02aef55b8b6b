/**
 * The command line as a user meets it: real help for --help / -h / help / <command> --help (exit
 * 0), flags parsed by node:util parseArgs (`--input=a=b.json` is the file "a=b.json", a switch
 * given a value is refused), and every example of the README's command-line section runs as
 * written from the repository root.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

import { parseFlags, runCli, type CommandTable } from '../../../src/cli/cli';
import { HELP, LOGIN_HELP, PLAN_HELP, REPORT_HELP, SANDBOX_HELP } from '../../../src/cli/help';
import { readCommandFlags, type CliIo } from '../../../src/cli/io';
import { run as runPlan } from '../../../src/cli/plan';
import { run as runReport } from '../../../src/cli/report';

const REPO = join(__dirname, '..', '..', '..');

/** A CLI whose files live in memory on top of the repository (what `> file` writes, later reads see). */
function sandboxedCli() {
	const files = new Map<string, string>();
	const out = { stdout: '', stderr: '' };
	const io: CliIo = {
		stdout: (t) => void (out.stdout += t),
		stderr: (t) => void (out.stderr += t),
		readFile: (path) => files.get(path) ?? readFileSync(isAbsolute(path) ? path : join(REPO, path), 'utf8'),
		nowSec: () => 1_750_000_000,
	};
	const notLoaded = async () => {
		throw new Error('help must not load the command');
	};
	const commands: CommandTable = {
		plan: async () => ({ run: (argv) => runPlan(argv, io) }),
		report: async () => ({ run: (argv) => runReport(argv, io) }),
		sandbox: notLoaded,
		login: notLoaded,
	};
	const cli = async (argv: string[]) => {
		out.stdout = '';
		out.stderr = '';
		const code = await runCli(argv, commands, io);
		return { code, stdout: out.stdout, stderr: out.stderr };
	};
	return { cli, files, io };
}

describe('help', () => {
	it.each([['--help'], ['-h'], ['help']])('%s prints the overview on stdout and exits 0', async (word) => {
		const { cli } = sandboxedCli();
		const r = await cli([word]);
		expect(r).toEqual({ code: 0, stdout: HELP, stderr: '' });
		expect(HELP).toMatch(/^usage: n8n-nodes-telegram-gifts <command> \[options\]\n/);
		for (const command of ['plan', 'report', 'sandbox', 'login']) expect(HELP).toMatch(new RegExp(`\\n  ${command} +\\S`));
	});

	it.each([
		['plan', PLAN_HELP],
		['report', REPORT_HELP],
		['sandbox', SANDBOX_HELP],
		['login', LOGIN_HELP],
	])('%s --help, -h and help %s print that command\'s help without loading it', async (command, help) => {
		const { cli } = sandboxedCli();
		for (const argv of [[command, '--help'], [command, '-h'], ['help', command], [command, '--input', 'x', '--help']]) {
			expect(await cli(argv)).toEqual({ code: 0, stdout: help, stderr: '' });
		}
		expect(help).toMatch(/\noptions:\n/);
		expect(help).toMatch(/-h, --help +show this help/);
	});

	it('no command or an unknown one is a usage error with the overview on stderr', async () => {
		const { cli } = sandboxedCli();
		expect(await cli([])).toEqual({ code: 2, stdout: '', stderr: `no command given\n\n${HELP}` });
		expect(await cli(['plna'])).toEqual({ code: 2, stdout: '', stderr: `unknown command "plna"\n\n${HELP}` });
		expect(await cli(['help', 'plna'])).toEqual({ code: 2, stdout: '', stderr: `unknown command "plna"\n\n${HELP}` });
	});
});

describe('flags (node:util parseArgs)', () => {
	const spec = { input: 'string', json: 'boolean', help: 'boolean' } as const;

	it('--flag=value keeps everything after the first "=", --flag value and -h work', () => {
		expect(parseFlags(['--input=a=b.json'], spec)).toEqual({ input: 'a=b.json' });
		expect(parseFlags(['--input', 'a.json', '--json'], spec)).toEqual({ input: 'a.json', json: true });
		expect(parseFlags(['-h'], spec)).toEqual({ help: true });
	});

	it('refuses a switch with a value, unknown flags, missing values and positional arguments', () => {
		expect(() => parseFlags(['--json=false'], spec)).toThrow('option --json takes no value (it is a switch: give it or leave it out)');
		expect(() => parseFlags(['--jsno'], spec)).toThrow('unknown option --jsno');
		expect(() => parseFlags(['--input'], spec)).toThrow('option --input needs a value');
		expect(() => parseFlags(['--input', 'a.json', 'extra'], spec)).toThrow('unexpected argument "extra"');
	});

	it('a command answers a bad flag with exit 2, the problem and its usage line', async () => {
		const { cli } = sandboxedCli();
		const r = await cli(['report', '--plan', 'x.json', '--json=false']);
		expect(r).toEqual({
			code: 2,
			stdout: '',
			stderr: `option --json takes no value (it is a switch: give it or leave it out)\n${REPORT_HELP.split('\n')[0]}\n(--help shows the options)\n`,
		});
		const eq = await cli(['plan', '--input=a=b.json']);
		expect(eq).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot read --input a=b.json') });
	});
});

describe('the README command-line examples run as written', () => {
	const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
	const section = readme.slice(readme.indexOf('## The command line'));
	const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
	const examples = block
		.split('\n')
		.map((line) => line.replace(/\s+#.*$/, '').trim())
		.filter((line) => line.startsWith('n8n-nodes-telegram-gifts'));

	it('the section has examples of every command', () => {
		for (const command of ['--help', 'plan', 'report', 'sandbox', 'login']) {
			expect(examples.some((e) => e.split(/\s+/)[1] === command)).toBe(true);
		}
	});

	it('plan, report and help examples run in order, each exiting 0 (a "> file" is kept for the next)', async () => {
		const { cli, files } = sandboxedCli();
		const ran: string[] = [];
		for (const example of examples) {
			const [command, redirect] = example.split(/\s+>\s+/);
			const argv = command!.split(/\s+/).slice(1);
			if (argv[0] === 'sandbox' || argv[0] === 'login') continue;
			const r = await cli(argv);
			expect({ example, code: r.code, stderr: r.stderr }).toEqual({ example, code: 0, stderr: '' });
			expect(r.stdout.length).toBeGreaterThan(0);
			if (redirect) files.set(redirect.trim(), r.stdout);
			ran.push(argv[0]!);
		}
		expect(ran).toEqual(expect.arrayContaining(['--help', 'plan', 'report']));
	});

	it('the sandbox and login examples name real files and valid flags', () => {
		const specs: Record<string, Record<string, 'string' | 'boolean'>> = {
			sandbox: { scenario: 'string', record: 'string', port: 'string', clock: 'string' },
			login: { qr: 'boolean', server: 'string', out: 'string' },
		};
		const io = { stdout: () => undefined, stderr: (t: string) => { throw new Error(t); } };
		for (const example of examples) {
			const argv = example.split(/\s+/).slice(1);
			const spec = specs[argv[0]!];
			if (!spec) continue;
			const flags = readCommandFlags(io, argv.slice(1), spec, 'usage: x');
			expect(typeof flags).toBe('object');
			if (typeof flags === 'object' && typeof flags.scenario === 'string') expect(existsSync(join(REPO, flags.scenario))).toBe(true);
		}
	});
});
