/**
 * `n8n-nodes-telegram-gifts report --plan FILE [--results FILE] [--lang en|ru] [--json]`:
 * prints the autobuy report of a plan and its buy results (text, or the totals as JSON).
 * Without --results every operation counts as not executed yet.
 * Exit codes: 0 printed, 1 bad input (the message names the field and item index), 2 usage.
 */
import { buildReport } from '../core/report';
import { validatePlan, validateResults } from '../core/validate';
import { REPORT_HELP } from './help';
import { commandFailure, processIo, readCommandFlags, readJsonFile, type CliIo } from './io';

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
	const flags = readCommandFlags(io, argv, { plan: 'string', results: 'string', lang: 'string', json: 'boolean' }, REPORT_HELP, 'plan');
	if (typeof flags === 'number') return flags;
	const lang = flags.lang ?? 'en';
	if (lang !== 'en' && lang !== 'ru') {
		io.stderr(`option --lang must be en or ru (got "${String(lang)}")\n${REPORT_HELP.split('\n')[0]}\n`);
		return 2;
	}
	try {
		const plan = validatePlan(readJsonFile(io, flags.plan as string, '--plan'));
		const results = typeof flags.results === 'string' ? validateResults(readJsonFile(io, flags.results, '--results')) : [];
		const report = buildReport(plan, results, undefined, { lang });
		io.stdout(flags.json ? JSON.stringify(report.totals, null, 2) + '\n' : report.text + '\n');
		return 0;
	} catch (error) {
		return commandFailure(io, 'report', error);
	}
}
