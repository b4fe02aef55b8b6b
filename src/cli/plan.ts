/**
 * `n8n-nodes-telegram-gifts plan --input FILE [--seed N]`: a dry run. Reads a plan input
 * ({gifts, accounts, recipients, options}), prints the plan JSON. Nothing is bought.
 * Exit codes: 0 planned, 1 bad input (the message names the field and item index), 2 usage.
 */
import { plan } from '../core/planner';
import { CliError } from './cli';
import { PLAN_HELP } from './help';
import { commandFailure, processIo, readCommandFlags, readJsonFile, type CliIo } from './io';

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
	const flags = readCommandFlags(io, argv, { input: 'string', seed: 'string' }, PLAN_HELP, 'input');
	if (typeof flags === 'number') return flags;
	try {
		const input = readJsonFile(io, flags.input as string, '--input');
		const withOverrides = applyOverrides(input, flags.seed, io.nowSec());
		io.stdout(JSON.stringify(plan(withOverrides), null, 2) + '\n');
		return 0;
	} catch (error) {
		return commandFailure(io, 'plan', error);
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
