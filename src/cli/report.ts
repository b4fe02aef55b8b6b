/**
 * `n8n-nodes-telegram-gifts report --plan FILE [--results FILE] [--lang en|ru] [--json]`:
 * prints the autobuy report of a plan and its buy results (text, or the totals as JSON).
 * Without --results every operation counts as not executed yet.
 * Exit codes: 0 printed, 1 bad input (the message names the field and item index), 2 usage.
 */
import { buildReport } from '../core/report';
import { validatePlan, validateResults, ValidationError } from '../core/validate';
import { CliError, parseFlags } from './cli';
import { processIo, readJsonFile, type CliIo } from './io';

const USAGE = 'usage: n8n-nodes-telegram-gifts report --plan FILE [--results FILE] [--lang en|ru] [--json]\n';

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
	let flags: Record<string, string | boolean>;
	try {
		flags = parseFlags(argv, { plan: 'string', results: 'string', lang: 'string', json: 'boolean', help: 'boolean' });
	} catch (error) {
		io.stderr(`${(error as Error).message}\n${USAGE}`);
		return 2;
	}
	if (flags.help) {
		io.stdout(USAGE);
		return 0;
	}
	if (typeof flags.plan !== 'string') {
		io.stderr(`option --plan FILE is required\n${USAGE}`);
		return 2;
	}
	const lang = flags.lang ?? 'en';
	if (lang !== 'en' && lang !== 'ru') {
		io.stderr(`option --lang must be en or ru (got "${String(lang)}")\n`);
		return 2;
	}
	try {
		const plan = validatePlan(readJsonFile(io, flags.plan, '--plan'));
		const results = typeof flags.results === 'string' ? validateResults(readJsonFile(io, flags.results, '--results')) : [];
		const report = buildReport(plan, results, undefined, { lang });
		io.stdout(flags.json ? JSON.stringify(report.totals, null, 2) + '\n' : report.text + '\n');
		return 0;
	} catch (error) {
		// Bad input (ValidationError, CliError) is the expected case; anything else is still shown
		// as one line, never as a stack trace.
		const known = error instanceof ValidationError || error instanceof CliError;
		io.stderr(`report: ${known ? error.message : `unexpected error: ${String(error)}`}\n`);
		return 1;
	}
}
