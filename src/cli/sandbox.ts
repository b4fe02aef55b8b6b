/**
 * `n8n-nodes-telegram-gifts sandbox --scenario FILE [--record OUT] [--port N] [--clock first-read|now]`
 *
 * Starts the sandbox (MTProto server + fake Bot API when the scenario has `bot`) and prints ONE
 * JSON line on stdout with what a user pastes into n8n credentials. That line is the one place
 * where sandbox secrets are printed: they are fake, local to this machine, and derived from the
 * scenario seed. On stderr it says what it does (where it listens, when the scenario clock starts,
 * drops, sell-outs, purchases). Runs until SIGINT/SIGTERM or the scenario's `durationMs` (counted
 * from the clock's start), then writes the record.
 */
import { writeFile } from 'node:fs/promises';
import { CliError } from './cli';
import { SANDBOX_HELP } from './help';
import { commandFailure, processIo, readCommandFlags, readJsonFile, type CliIo } from './io';
import { ScenarioError, startSandbox, stderrLogger, type Sandbox, type SandboxLogger } from '../sandbox';

const CLOCKS = { 'first-read': 'first-watch-read', now: 'running' } as const;

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
	const flags = readCommandFlags(io, argv, { scenario: 'string', record: 'string', port: 'string', clock: 'string' }, SANDBOX_HELP, 'scenario');
	if (typeof flags === 'number') return flags;
	const usageLine = `${SANDBOX_HELP.split('\n')[0]}\n`;
	let port: number | undefined;
	if (flags.port !== undefined) {
		port = Number(flags.port);
		if (!Number.isInteger(port) || port < 1 || port > 32767) {
			io.stderr(`option --port must be an integer between 1 and 32767 (got "${String(flags.port)}")\n${usageLine}`);
			return 2;
		}
	}
	const clockFlag = String(flags.clock ?? 'first-read');
	if (!(clockFlag in CLOCKS)) {
		io.stderr(`option --clock must be first-read or now (got "${clockFlag}")\n${usageLine}`);
		return 2;
	}
	const clock = CLOCKS[clockFlag as keyof typeof CLOCKS];
	const scenarioPath = flags.scenario as string;
	const logger = stderrLogger();
	let sandbox: Sandbox;
	try {
		const json = readJsonFile(io, scenarioPath, '--scenario');
		sandbox = await startSandbox(json, { port, logger, clock }).catch((error: unknown) => {
			throw new CliError(error instanceof ScenarioError ? error.message : `cannot start the sandbox: ${(error as Error).message}`);
		});
	} catch (error) {
		return commandFailure(io, 'sandbox', error);
	}
	io.stdout(`${JSON.stringify(credentialsLine(sandbox))}\n`);
	describeStart(sandbox, scenarioPath, logger);
	const stopNarrating = narrate(sandbox, logger);

	// The listening servers keep the process alive; wait for a signal or the scenario's end.
	let cleanup = (): void => undefined;
	const reason = await new Promise<string>((resolve) => {
		const onSignal = (signal: string): void => resolve(signal);
		const duration = sandbox.scenario.durationMs;
		let timer: NodeJS.Timeout | undefined;
		if (duration !== undefined) {
			// durationMs is scenario time: it runs from the clock's start.
			const arm = (): void => void (timer = setTimeout(() => resolve('durationMs reached'), duration));
			if (sandbox.clockRunning()) arm();
			const poll = setInterval(() => {
				if (timer === undefined && sandbox.clockRunning()) arm();
			}, 100);
			cleanup = () => clearInterval(poll);
		}
		process.once('SIGINT', onSignal);
		process.once('SIGTERM', onSignal);
		const before = cleanup;
		cleanup = () => {
			before();
			process.off('SIGINT', onSignal);
			process.off('SIGTERM', onSignal);
			if (timer) clearTimeout(timer);
		};
	});
	cleanup();
	stopNarrating();

	const record = sandbox.record();
	await sandbox.stop();
	if (typeof flags.record === 'string') {
		await writeFile(flags.record, `${JSON.stringify(record, null, 2)}\n`);
	}
	const bought = record.purchases.filter((p) => p.ok).length;
	logger.info(`stopped (${reason}): ${bought} purchase(s), ${record.purchases.length - bought} refused` +
		(typeof flags.record === 'string' ? `, record written to ${flags.record}` : ''));
	if (record.unwatched.length > 0) {
		logger.error(`${record.unwatched.length} scenario event(s) happened before anything read the gift catalog: nothing was watching them`);
	}
	return 0;
}

/** What was started, where, and when the scenario's timeline begins. */
function describeStart(sandbox: Sandbox, scenarioPath: string, logger: SandboxLogger): void {
	const { scenario, credentials } = sandbox;
	const drops = [...new Set(scenario.gifts.filter((g) => g.releaseAtMs > 0).map((g) => g.releaseAtMs))].sort((a, b) => a - b);
	logger.info(`playing ${scenarioPath}: ${scenario.accounts.length} account(s), ${scenario.channels.length} channel(s), ` +
		`${scenario.gifts.length} gift(s)${drops.length ? `, drops at ${drops.map(seconds).join(', ')} on the scenario clock` : ''}`);
	if (scenario.resale.collections.length > 0) {
		logger.info(`resale market: ${scenario.resale.collections.length} collection(s), ${scenario.resale.listings.length} listing(s) scheduled, ` +
			`${scenario.resale.buyers.length} competing buyer(s)`);
	}
	logger.info(`MTProto on ${credentials.server.host}:${credentials.server.port}` +
		(credentials.bot ? `, fake Bot API at ${credentials.bot.apiRoot}` : '') +
		'; the JSON line on stdout holds the credentials for n8n');
	logger.info(sandbox.clockRunning()
		? 'the scenario clock runs from now'
		: 'the scenario clock starts when a client first reads the gift catalog (your Gift Trigger taking its baseline)');
	logger.info(`running until Ctrl-C${scenario.durationMs !== undefined ? ` or ${seconds(scenario.durationMs)} of scenario time` : ''}`);
}

/** One line per release, sell-out, purchase attempt and resale event, as they happen. */
function narrate(sandbox: Sandbox, logger: SandboxLogger): () => void {
	const titles = new Map(sandbox.scenario.gifts.map((g) => [g.id, g.title ? `"${g.title}" (${g.id})` : g.id]));
	const labels = new Map(sandbox.scenario.accounts.map((a) => [a.id, a.label]));
	let seen = { releases: sandbox.market.releases.length, soldOut: sandbox.market.soldOut.length, purchases: sandbox.market.purchases.length };
	const stopMarketNarration = sandbox.market.onChange(() => {
		const { releases, soldOut, purchases } = sandbox.market;
		for (const r of releases.slice(seen.releases)) logger.info(`${seconds(r.atMs)}: gift ${titles.get(r.giftId)} released`);
		for (const s of soldOut.slice(seen.soldOut)) logger.info(`${seconds(s.atMs)}: gift ${titles.get(s.giftId)} sold out`);
		for (const p of purchases.slice(seen.purchases)) {
			const who = labels.get(p.accountId) ?? p.accountId;
			logger.info(`${seconds(p.atMs)}: ${who} ${p.ok ? `bought gift ${titles.get(p.giftId)} for ${p.peer} (${p.stars}★)` : `was refused gift ${titles.get(p.giftId)}: ${p.error ?? 'refused'}`}`);
		}
		seen = { releases: releases.length, soldOut: soldOut.length, purchases: purchases.length };
	});
	// The resale market: listings, price changes, withdrawals, sales (accounts' and competitors'), refusals.
	const r = sandbox.resale.record;
	let resaleSeen = { listings: r.listings.length, priceChanges: r.priceChanges.length, withdrawals: r.withdrawals.length, sales: r.sales.length, failures: r.failures.length };
	const price = (currency: string, amount: number): string => (currency === 'TON' ? `${amount / 1e9} TON` : `${amount}★`);
	const stopResale = sandbox.resale.onChange(() => {
		for (const l of r.listings.slice(resaleSeen.listings)) logger.info(`${seconds(l.atMs)}: ${l.slug} listed for ${l.tonOnly ? `${l.tonNano / 1e9} TON only` : `${l.stars}★`}`);
		for (const c of r.priceChanges.slice(resaleSeen.priceChanges)) logger.info(`${seconds(c.atMs)}: ${c.slug} repriced to ${c.stars}★`);
		for (const w of r.withdrawals.slice(resaleSeen.withdrawals)) logger.info(`${seconds(w.atMs)}: ${w.slug} withdrawn`);
		for (const s of r.sales.slice(resaleSeen.sales)) {
			const who = s.account ? (labels.get(s.buyerId) ?? s.buyerId) : `competitor ${s.buyerId}`;
			logger.info(`${seconds(s.atMs)}: ${who} bought ${s.slug} for ${s.peer} (${price(s.currency, s.amount)})`);
		}
		for (const f of r.failures.slice(resaleSeen.failures)) logger.info(`${seconds(f.atMs)}: ${labels.get(f.accountId) ?? f.accountId} was refused ${f.slug}: ${f.error}`);
		resaleSeen = { listings: r.listings.length, priceChanges: r.priceChanges.length, withdrawals: r.withdrawals.length, sales: r.sales.length, failures: r.failures.length };
	});
	return () => {
		stopResale();
		stopMarketNarration();
	};
}

function seconds(ms: number): string {
	return `${(ms / 1000).toFixed(1)} s`;
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
