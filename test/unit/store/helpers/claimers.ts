/** Runs several OS processes (helpers/claimer.js) that claim the same ledger units at the same moment. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface ClaimersOptions {
	/** A sqlite path or a postgres:// URL; "{round}" is replaced by the round number. */
	target: string;
	schema?: string;
	processes: number;
	rounds: number;
	units: number;
	/** Store instances per process. */
	instances: number;
}

/** Per round, per process: the unit indexes that process was granted. Rejects if any process failed. */
export async function runClaimers(options: ClaimersOptions): Promise<number[][][]> {
	const args = [join(__dirname, 'claimer.js'), options.target, options.schema ?? '-', String(options.units), String(options.rounds), String(options.instances)];
	const children = Array.from({ length: options.processes }, () =>
		// eslint-disable-next-line @n8n/community-nodes/no-dangerous-functions -- a test: cross-process contention needs OS processes
		spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] }),
	);
	const stderr = children.map(() => '');
	const lineWaiters = children.map(() => [] as Array<(line: string) => void>);
	const lineQueues = children.map(() => [] as string[]);
	children.forEach((child, i) => {
		let buffer = '';
		child.stdout.on('data', (chunk: Buffer) => {
			buffer += chunk.toString();
			let nl: number;
			while ((nl = buffer.indexOf('\n')) >= 0) {
				const line = buffer.slice(0, nl);
				buffer = buffer.slice(nl + 1);
				const waiter = lineWaiters[i].shift();
				if (waiter) waiter(line);
				else lineQueues[i].push(line);
			}
		});
		child.stderr.on('data', (chunk: Buffer) => (stderr[i] += chunk.toString()));
	});
	const exits = children.map((child) => new Promise<number | null>((resolve) => child.once('exit', resolve)));
	const failed = Promise.all(exits).then(() => undefined);
	const nextLine = (i: number) =>
		Promise.race([
			lineQueues[i].length ? Promise.resolve(lineQueues[i].shift() as string) : new Promise<string>((resolve) => lineWaiters[i].push(resolve)),
			exits[i].then((code) => {
				throw new Error(`claimer ${i} exited (${code}) early: ${stderr[i].trim()}`);
			}),
		]);
	const results: number[][][] = [];
	try {
		for (let round = 0; round < options.rounds; round += 1) {
			const ready = await Promise.all(children.map((_, i) => nextLine(i)));
			ready.forEach((line) => expect(line).toBe(`ready ${round}`));
			children.forEach((child) => child.stdin.write(`go ${round}\n`));
			const lines = await Promise.all(children.map((_, i) => nextLine(i)));
			results.push(lines.map((line) => (JSON.parse(line) as { round: number; granted: number[] }).granted));
		}
		children.forEach((child) => child.stdin.end());
		await failed;
	} finally {
		for (const child of children) if (child.exitCode === null) child.kill();
	}
	return results;
}
