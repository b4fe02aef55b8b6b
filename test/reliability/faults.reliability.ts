/**
 * The fault matrix, stage 1: the autobuy pipeline (Get Catalog → Plan → Buy → Send Report) through
 * n8n-core's WorkflowExecute in this process, against a sandbox drop with one fault per case (the
 * cases and figures: faultCases.ts; stage 2, a real n8n: n8n.reliability.ts).
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { TestEngine, chain, packageNode } from '../nodes/harness/engine';
import { defaultStorePath } from '../../src/store';
import { BALANCES, BUY_PARAMETERS, CASES, CATALOG_PARAMETERS, REPORT_PARAMETERS, caseFigures, planParameters, type CaseRun } from './faultCases';
import { OutputCapture, ZERO, recordCase, startWorld } from './lib';

const ACCOUNT = 'telegramGiftsAccountApi';
const BOT = 'telegramGiftsBotApi';

function pipeline(runKey: string) {
	return {
		nodes: [
			packageNode('Catalog', 'telegramGift', CATALOG_PARAMETERS, [ACCOUNT]),
			packageNode('Plan', 'telegramGiftPlan', planParameters(runKey), [ACCOUNT]),
			packageNode('Buy', 'telegramGift', BUY_PARAMETERS, [ACCOUNT]),
			packageNode('Report', 'telegramGiftNotify', REPORT_PARAMETERS, [BOT]),
		],
		connections: chain(['Catalog', 'Plan'], ['Plan', 'Buy'], ['Buy', 'Report']),
	};
}

describe('fault matrix through n8n-core against the sandbox', () => {
	const engine = new TestEngine();
	const capture = new OutputCapture();
	afterAll(() => engine.shutdown());

	it.each(CASES.map((c) => [c.name, c] as const))('%s', async (name, c) => {
		const world = await startWorld(engine, { ...BALANCES, ...(c.scenario ?? {}) });
		const started = Date.now();
		const workflow = pipeline(`reliability:${name}:${started}`);
		const runner = {
			runPipeline: () => engine.run(workflow),
			runBuyAndReport: (items: INodeExecutionData[]) =>
				engine.run({ nodes: workflow.nodes.slice(2), connections: chain(['Buy', 'Report']) }, { input: items }),
			storePath: defaultStorePath(),
		};
		let runs: CaseRun[] = [];
		let out = '';
		try {
			capture.start();
			try {
				await c.arrange?.(world);
				runs = c.act ? await c.act(world, runner) : [await runner.runPipeline()];
				// Late bot messages (a 429 wait) are part of the outcome.
				await new Promise((resolve) => setTimeout(resolve, 100));
			} finally {
				out = capture.stop();
			}
			const { leaks, outcome, ...figures } = caseFigures(world, c, runs, [out]);
			const line = recordCase({ stage: 'faults', case: name, outcome, ms: Date.now() - started, ...figures });
			expect({ ...line, outcome: undefined, ms: undefined, leaks }).toEqual({ stage: 'faults', case: name, outcome: undefined, ms: undefined, ...ZERO, leaks: [] });
		} finally {
			await world.stop();
		}
	});
});
