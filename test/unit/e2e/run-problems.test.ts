/**
 * What a rehearsal run (`npm run e2e -- --scenario … --workflow …`) says about itself when it
 * exits: scenario events before the workflows were live, and triggers that saw nothing.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the e2e runner is plain CommonJS
const { runProblems } = require('../../../scripts/e2e/scenario-run') as {
	runProblems(record: unknown, executions: unknown[], workflows: unknown[]): string[];
};

const TRIGGER = { type: 'n8n-nodes-telegram-gifts.telegramGiftTrigger' };
const triggered = [{ id: 'wf1', nodes: [TRIGGER] }];
const record = (over: Record<string, unknown> = {}) => ({ releases: [{ giftId: '1', atMs: 0 }, { giftId: '2', atMs: 1000 }], unwatched: [], ...over });

describe('rehearsal run problems', () => {
	it('a sound run has none', () => {
		expect(runProblems(record(), [{ workflowId: 'wf1' }], triggered)).toEqual([]);
	});

	it('a drop before the workflows were live is an error naming the event and its time', () => {
		const problems = runProblems(record({ unwatched: [{ event: 'gift 2 released', atMs: 1000 }] }), [], triggered);
		expect(problems).toContain('gift 2 released at 1.0 s on the scenario clock, before the workflows were live: nothing was watching it');
	});

	it('a run whose triggers saw nothing says so', () => {
		expect(runProblems(record(), [{ workflowId: 'other' }], triggered)).toEqual([
			'the Gift Triggers saw nothing: 1 gift(s) were released during the run but no workflow with a trigger ran',
		]);
		// Without a drop in the scenario, or without a trigger, silence is expected.
		expect(runProblems(record({ releases: [{ giftId: '1', atMs: 0 }] }), [], triggered)).toEqual([]);
		expect(runProblems(record(), [], [{ id: 'wf2', nodes: [{ type: 'n8n-nodes-base.webhook' }] }])).toEqual([]);
	});
});
