/**
 * `n8n-nodes-telegram-gifts plan --input FILE [--seed N]`: a dry run. Reads a plan input
 * ({gifts, accounts, recipients, options}), prints the plan JSON. Nothing is bought.
 * Exit codes: 0 planned, 1 bad input (the message names the field and item index), 2 usage.
 */
import { plan } from '../core/planner';
import { ValidationError } from '../core/validate';
import { CliError, parseFlags } from './cli';
import { processIo, readJsonFile, type CliIo } from './io';

const USAGE = 'usage: n8n-nodes-telegram-gifts plan --input FILE [--seed N]\n';

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
	let flags: Record<string, string | boolean>;
	try {
		flags = parseFlags(argv, { input: 'string', seed: 'string', help: 'boolean' });
	} catch (error) {
		io.stderr(`${(error as Error).message}\n${USAGE}`);
		return 2;
	}
	if (flags.help) {
		io.stdout(USAGE);
		return 0;
	}
	if (typeof flags.input !== 'string') {
		io.stderr(`option --input FILE is required\n${USAGE}`);
		return 2;
	}
	try {
		const input = readJsonFile(io, flags.input, '--input');
		const withOverrides = applyOverrides(input, flags.seed, io.nowSec());
		io.stdout(JSON.stringify(plan(withOverrides), null, 2) + '\n');
		return 0;
	} catch (error) {
		// Bad input (ValidationError, CliError) is the expected case; anything else is still shown
		// as one line, never as a stack trace.
		const known = error instanceof ValidationError || error instanceof CliError;
		io.stderr(`plan: ${known ? error.message : `unexpected error: ${String(error)}`}\n`);
		return 1;
	}
}

/** --seed replaces options.seed; the clock supplies options.nowSec when the file has none. */
function applyOverrides(input: unknown, seedFlag: string | boolean | undefined, nowSec: number): unknown {
	if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
	const root = input as Record<string, unknown>;
	const options = root.options;
	if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) return input;
	const merged: Record<string, unknown> = { ...(options as Record<string, unknown> | undefined) };
	if (typeof seedFlag === 'string') {
		if (!/^-?\d+$/.test(seedFlag) || !Number.isSafeInteger(Number(seedFlag))) {
			throw new CliError(`--seed must be an integer (got "${seedFlag}")`);
		}
		merged.seed = Number(seedFlag);
	}
	if (merged.nowSec === undefined || merged.nowSec === null) merged.nowSec = nowSec;
	return { ...root, options: merged };
}
