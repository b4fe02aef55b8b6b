/**
 * Small shared pieces of the CLI: the command table's help, flag parsing (node:util parseArgs,
 * strict) and user-facing errors (no stack traces).
 */
import { parseArgs } from 'node:util';

import { HELP, commandHelp } from './help';

export class CliError extends Error {}

export type CommandTable = Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>>;

export interface CliOutput {
	stdout(text: string): void;
	stderr(text: string): void;
}

const processOutput: CliOutput = {
	stdout: (text) => void process.stdout.write(text),
	stderr: (text) => void process.stderr.write(text),
};

const HELP_WORDS = new Set(['--help', '-h', 'help']);

/**
 * `<command> [options]`; `--help`, `-h`, `help` print the overview and `help <command>`,
 * `<command> --help` / `-h` that command's help, all with exit 0. No command or an unknown one is
 * a usage error (exit 2, the overview on stderr).
 */
export async function runCli(argv: string[], commands: CommandTable, out: CliOutput = processOutput): Promise<number> {
	const [name, ...rest] = argv;
	if (name !== undefined && HELP_WORDS.has(name)) {
		const topic = rest[0];
		if (topic === undefined) {
			out.stdout(HELP);
			return 0;
		}
		const help = commandHelp(topic);
		if (help === undefined) {
			out.stderr(`unknown command "${topic}"\n\n${HELP}`);
			return 2;
		}
		out.stdout(help);
		return 0;
	}
	const load = name === undefined ? undefined : commands[name];
	if (!load) {
		out.stderr(`${name === undefined ? 'no command given' : `unknown command "${name}"`}\n\n${HELP}`);
		return 2;
	}
	if (rest.includes('--help') || rest.includes('-h')) {
		out.stdout(commandHelp(name!) ?? HELP);
		return 0;
	}
	const command = await load();
	return await command.run(rest);
}

export type FlagSpec = Record<string, 'string' | 'boolean'>;

/**
 * Parses `--flag value`, `--flag=value` (the value is everything after the first `=`) and
 * boolean `--flag`; a boolean given a value (`--json=false`), an unknown flag, a missing value or a
 * positional argument is a CliError naming it. `-h` is `--help`.
 */
export function parseFlags(argv: string[], spec: FlagSpec): Record<string, string | boolean> {
	const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
	for (const [name, type] of Object.entries(spec)) options[name] = name === 'help' ? { type, short: 'h' } : { type };
	let values: Record<string, string | boolean | undefined>;
	try {
		values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
	} catch (error) {
		// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- the command line has no node: its errors are CliErrors
		throw new CliError(flagProblem(error as Error & { code?: string }));
	}
	const out: Record<string, string | boolean> = {};
	for (const [key, value] of Object.entries(values)) if (value !== undefined) out[key] = value;
	return out;
}

/** parseArgs' messages, said in this CLI's words. */
function flagProblem(error: Error & { code?: string }): string {
	const flag = /'(-[^' ]+)/.exec(error.message)?.[1];
	switch (error.code) {
		case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
			return `unknown option ${flag ?? ''}`.trim();
		case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
			const arg = /'([^']*)'/.exec(error.message)?.[1];
			return `unexpected argument "${arg ?? ''}"`;
		}
		case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
			if (/does not take an argument/.test(error.message)) return `option ${flag?.split('=')[0] ?? ''} takes no value (it is a switch: give it or leave it out)`;
			return `option ${flag ?? ''} needs a value`;
		default:
			return error.message;
	}
}
