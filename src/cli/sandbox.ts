/**
 * `n8n-nodes-telegram-gifts sandbox --scenario FILE [--record OUT] [--port N]`
 *
 * Starts the sandbox (MTProto server + fake Bot API when the scenario has `bot`) and prints ONE
 * JSON line on stdout with what a user pastes into n8n credentials. That line is the one place
 * where sandbox secrets are printed: they are fake, local to this machine, and derived from the
 * scenario seed. Runs until SIGINT/SIGTERM or the scenario's `durationMs`, then writes the record.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { CliError, parseFlags } from './cli';
import { ScenarioError, startSandbox, stderrLogger, type Sandbox } from '../sandbox';

export async function run(argv: string[]): Promise<number> {
	const flags = parseFlags(argv, { scenario: 'string', record: 'string', port: 'string', help: 'boolean' });
	if (flags.help) {
		process.stdout.write('usage: n8n-nodes-telegram-gifts sandbox --scenario FILE [--record OUT] [--port N]\n');
		return 0;
	}
	const scenarioPath = flags.scenario;
	if (typeof scenarioPath !== 'string') throw new CliError('option --scenario FILE is required');
	let port: number | undefined;
	if (flags.port !== undefined) {
		port = Number(flags.port);
		if (!Number.isInteger(port) || port < 1 || port > 32767) throw new CliError('option --port must be an integer between 1 and 32767');
	}
	const text = await readFile(scenarioPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
		throw new CliError(`cannot read scenario file ${scenarioPath}: ${error.code ?? error.message}`);
	});
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	if (json === undefined) throw new CliError(`scenario file ${scenarioPath} is not valid JSON`);

	const logger = stderrLogger();
	const sandbox = await startSandbox(json, { port, logger }).catch((error: unknown) => {
		throw new CliError(error instanceof ScenarioError ? error.message : `cannot start the sandbox: ${(error as Error).message}`);
	});
	process.stdout.write(`${JSON.stringify(credentialsLine(sandbox))}\n`);

	// The listening servers keep the process alive; wait for a signal or the scenario's end.
	let cleanup = (): void => undefined;
	const reason = await new Promise<string>((resolve) => {
		const onSignal = (signal: string): void => resolve(signal);
		const duration = sandbox.scenario.durationMs;
		const timer = duration === undefined ? undefined : setTimeout(() => resolve('durationMs reached'), duration);
		process.once('SIGINT', onSignal);
		process.once('SIGTERM', onSignal);
		cleanup = () => {
			process.off('SIGINT', onSignal);
			process.off('SIGTERM', onSignal);
			if (timer) clearTimeout(timer);
		};
	});
	cleanup();

	const record = sandbox.record();
	await sandbox.stop();
	if (typeof flags.record === 'string') {
		await writeFile(flags.record, `${JSON.stringify(record, null, 2)}\n`);
	}
	const bought = record.purchases.filter((p) => p.ok).length;
	logger.info(`stopped (${reason}): ${bought} purchase(s), ${record.purchases.length - bought} refused` +
		(typeof flags.record === 'string' ? `, record written to ${flags.record}` : ''));
	return 0;
}

/** What n8n's credentials need, in the field names the credential forms use. */
function credentialsLine(sandbox: Sandbox): Record<string, unknown> {
	const { apiId, apiHash, server, accounts, bot } = sandbox.credentials;
	return {
		sandbox: 'ready',
		api_id: apiId,
		api_hash: apiHash,
		server: `${server.host}:${server.port}`,
		accounts: accounts.map((a) => ({ id: a.id, label: a.label, username: a.username, session: a.session })),
		login_session: sandbox.credentials.loginSession,
		bot_token: bot?.token,
		bot_api_base_url: bot?.apiRoot,
	};
}
