/** Small shared pieces of the CLI: argument parsing and user-facing errors (no stack traces). */

export class CliError extends Error {}

export function usage(commands: string[]): string {
	return `usage: n8n-nodes-telegram-gifts <${commands.join('|')}> [options]\n`;
}

export async function runCli(
	argv: string[],
	commands: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>>,
): Promise<number> {
	const [name, ...rest] = argv;
	const load = name === undefined ? undefined : commands[name];
	if (!load) {
		process.stderr.write(usage(Object.keys(commands)));
		return 2;
	}
	const command = await load();
	return await command.run(rest);
}

/** Parses `--flag value` and `--flag` (boolean) options; positional arguments are refused. */
export function parseFlags(argv: string[], spec: Record<string, 'string' | 'boolean'>): Record<string, string | boolean> {
	const out: Record<string, string | boolean> = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (!arg.startsWith('--')) throw new CliError(`unexpected argument "${arg}"`);
		const [key, inline] = arg.slice(2).split('=', 2);
		const kind = spec[key];
		if (!kind) throw new CliError(`unknown option --${key}`);
		if (kind === 'boolean') {
			out[key] = true;
			continue;
		}
		const value = inline ?? argv[++i];
		if (value === undefined) throw new CliError(`option --${key} needs a value`);
		out[key] = value;
	}
	return out;
}
