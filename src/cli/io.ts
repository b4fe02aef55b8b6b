/** What a CLI command touches outside itself; tests pass their own to capture output. */
import { readFileSync } from 'node:fs';

import { ValidationError } from '../core/validate';
import { CliError, parseFlags, type FlagSpec } from './cli';

export interface CliIo {
	stdout(text: string): void;
	stderr(text: string): void;
	readFile(path: string): string;
	nowSec(): number;
}

export const processIo: CliIo = {
	stdout: (text) => void process.stdout.write(text),
	stderr: (text) => void process.stderr.write(text),
	readFile: (path) => readFileSync(path, 'utf8'),
	nowSec: () => Math.floor(Date.now() / 1000),
};

/** Reads and parses a JSON file named by `flag`; failures become a one-line CliError. */
export function readJsonFile(io: CliIo, path: string, flag: string): unknown {
	let problem: string;
	try {
		const text = io.readFile(path);
		try {
			return JSON.parse(text) as unknown;
		} catch (error) {
			problem = `${flag} ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
		}
	} catch (error) {
		const code = (error as { code?: unknown }).code;
		problem = `cannot read ${flag} ${path}${typeof code === 'string' ? ` (${code})` : ''}`;
	}
	throw new CliError(problem);
}

/**
 * Reads a command's flags, answering --help / -h and usage mistakes itself: returns the flags, or
 * the exit code to stop with (0 after --help, 2 for a bad flag or a missing `required` option,
 * with the problem and the usage line on stderr).
 */
export function readCommandFlags(
	io: Pick<CliIo, 'stdout' | 'stderr'>,
	argv: string[],
	spec: FlagSpec,
	help: string,
	required?: string,
): Record<string, string | boolean> | number {
	const usage = `${help.split('\n')[0]}\n(--help shows the options)\n`;
	let flags: Record<string, string | boolean>;
	try {
		flags = parseFlags(argv, { ...spec, help: 'boolean' });
	} catch (error) {
		io.stderr(`${(error as Error).message}\n${usage}`);
		return 2;
	}
	if (flags.help) {
		io.stdout(help);
		return 0;
	}
	if (required !== undefined && typeof flags[required] !== 'string') {
		io.stderr(`option --${required} FILE is required\n${usage}`);
		return 2;
	}
	return flags;
}

/** One line for a failed command: bad input (ValidationError, CliError) as is, anything else still without a stack. */
export function commandFailure(io: CliIo, command: string, error: unknown): number {
	const known = error instanceof ValidationError || error instanceof CliError;
	io.stderr(`${command}: ${known ? (error as Error).message : `unexpected error: ${String(error)}`}\n`);
	return 1;
}
