/** What a CLI command touches outside itself; tests pass their own to capture output. */
import { readFileSync } from 'node:fs';

import { CliError } from './cli';

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
