#!/usr/bin/env node
/**
 * `n8n-nodes-telegram-gifts <command>`: one entry point, one file per command.
 * Commands are loaded lazily so `plan` never pays for loading the MTProto library.
 */
import { CliError, runCli } from './cli';

const COMMANDS: Record<string, () => Promise<{ run(argv: string[]): Promise<number> }>> = {
	plan: async () => await import('./plan'),
	report: async () => await import('./report'),
	sandbox: async () => await import('./sandbox'),
	login: async () => await import('./login'),
};

void runCli(process.argv.slice(2), COMMANDS).then((code) => {
	process.exitCode = code;
}, (error: unknown) => {
	process.stderr.write(`${error instanceof CliError ? error.message : 'unexpected error: ' + String(error)}\n`);
	process.exitCode = 1;
});
