/**
 * Runs this package's nodes through n8n's own execution engine (n8n-core): WorkflowExecute for
 * executions (including manual "Test" runs of the trigger), ActiveWorkflows + TriggerContext for
 * activated triggers, with emit() starting a real execution the way n8n's ActiveWorkflowManager
 * does. Nothing here re-implements IExecuteFunctions: nodes get n8n-core's own contexts.
 */
import './env';

import { ActiveWorkflows, ExecutionLifecycleHooks, TriggerContext, WorkflowExecute } from 'n8n-core';
import type {
	IConnections,
	IDataObject,
	INode,
	INodeExecutionData,
	IRun,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	WorkflowActivateMode,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { createDeferredPromise, createRunExecutionData, Workflow } from 'n8n-workflow';

import { TestCredentialsHelper } from './credentials';
import { n8nContainer } from './container';
import { PACKAGE_NAME, PackageNodeTypes } from './nodeTypes';

export interface TestWorkflow {
	nodes: INode[];
	connections?: IConnections;
}

/** A node of this package: `type` is the short name, e.g. 'telegramGiftPlan'. */
export function packageNode(
	name: string,
	type: string,
	parameters: IDataObject,
	credentials: string[] = [],
	position: [number, number] = [0, 0],
): INode {
	return {
		id: name.replace(/\W+/g, '-').toLowerCase(),
		name,
		type: `${PACKAGE_NAME}.${type}`,
		typeVersion: 1,
		position,
		parameters: parameters as INode['parameters'],
		credentials: Object.fromEntries(credentials.map((c) => [c, { id: `${c}-1`, name: `${c} (test)` }])),
	};
}

/** Connects nodes in a chain: [a, b] or [a, b, outputIndex]. */
export function chain(...links: Array<[string, string] | [string, string, number]>): IConnections {
	const connections: IConnections = {};
	for (const [from, to, output = 0] of links) {
		connections[from] ??= { main: [] };
		const outputs = connections[from].main;
		while (outputs.length <= output) outputs.push([]);
		outputs[output]!.push({ node: to, type: 'main', index: 0 });
	}
	return connections;
}

export interface ActiveTrigger {
	executions: IRun[];
	errors: Error[];
	/** Resolves with the next execution that finishes (or the next emitError). */
	next(timeoutMs?: number): Promise<IRun>;
	deactivate(): Promise<void>;
}

let executionCounter = 0;

export class TestEngine {
	readonly nodeTypes = new PackageNodeTypes();
	readonly credentials = new TestCredentialsHelper(this.nodeTypes);
	/** Workflows' static data as n8n keeps it in its database: it survives deactivation and "restarts". */
	readonly staticData = new Map<string, IDataObject>();

	/** Stops n8n-core's own background timers (n8n runs these on shutdown). */
	async shutdown(): Promise<void> {
		// eslint-disable-next-line @typescript-eslint/no-require-imports -- not re-exported by n8n-core's index
		const { SSHClientsManager } = require('n8n-core/dist/execution-engine/ssh-clients-manager') as {
			SSHClientsManager: new () => { onShutdown(): void };
		};
		n8nContainer().get(SSHClientsManager).onShutdown();
	}

	workflow(definition: TestWorkflow, id = 'wf-test'): Workflow {
		return new Workflow({
			id,
			name: 'node test',
			nodes: definition.nodes,
			connections: definition.connections ?? {},
			nodeTypes: this.nodeTypes,
			active: false,
			settings: { executionOrder: 'v1' },
			staticData: this.staticData.get(id),
		});
	}

	/** What n8n does with a workflow's static data on activation and on each emit: store it. */
	private saveStaticData(workflow: Workflow): void {
		if (workflow.id) this.staticData.set(workflow.id, JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject);
	}

	private additionalData(hooks: ExecutionLifecycleHooks, executionId: string): IWorkflowExecuteAdditionalData {
		return {
			credentialsHelper: this.credentials,
			hooks,
			executionId,
			currentNodeExecutionIndex: 0,
			restApiUrl: 'http://127.0.0.1/rest',
			instanceBaseUrl: 'http://127.0.0.1/',
			formWaitingBaseUrl: 'http://127.0.0.1/form-waiting',
			webhookBaseUrl: 'http://127.0.0.1/webhook',
			webhookWaitingBaseUrl: 'http://127.0.0.1/webhook-waiting',
			webhookTestBaseUrl: 'http://127.0.0.1/webhook-test',
			variables: {},
			executeWorkflow: async () => {
				throw new Error('Sub-workflows are not used in these tests');
			},
			getRunExecutionData: async () => undefined,
			logAiEvent: () => undefined,
			startRunnerTask: async () => {
				throw new Error('Task runners are not used in these tests');
			},
		} as unknown as IWorkflowExecuteAdditionalData;
	}

	private hooks(mode: WorkflowExecuteMode, executionId: string, definition: TestWorkflow) {
		const workflowData: IWorkflowBase = {
			id: 'wf-test',
			name: 'node test',
			active: false,
			isArchived: false,
			nodes: definition.nodes,
			connections: definition.connections ?? {},
			createdAt: new Date(),
			updatedAt: new Date(),
		} as IWorkflowBase;
		const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
		const finished = createDeferredPromise<IRun>();
		hooks.addHandler('workflowExecuteAfter', (run) => finished.resolve(run));
		return { hooks, finished };
	}

	/**
	 * Executes a workflow from `startNode` (default: the first node), feeding `input` to it as
	 * n8n does for the node a run starts at. mode 'manual' is the editor's "Test workflow".
	 */
	async run(definition: TestWorkflow, options: { input?: INodeExecutionData[]; startNode?: string; mode?: WorkflowExecuteMode } = {}): Promise<IRun> {
		const mode = options.mode ?? 'manual';
		const workflow = this.workflow(definition);
		const start = workflow.getNode(options.startNode ?? definition.nodes[0]!.name);
		if (!start) throw new Error('start node not found');
		const executionId = String(++executionCounter);
		const { hooks, finished } = this.hooks(mode, executionId, definition);
		const runData = createRunExecutionData({
			executionData: { nodeExecutionStack: [{ node: start, data: { main: [options.input ?? [{ json: {} }]] }, source: null }] },
		});
		const execute = new WorkflowExecute(this.additionalData(hooks, executionId), mode, runData);
		await execute.processRunExecutionData(workflow);
		return await finished.promise;
	}

	/**
	 * Activates a workflow whose first node is a trigger, the way n8n's active-workflow manager
	 * does: n8n-core's ActiveWorkflows calls the node's trigger() with a TriggerContext whose
	 * emit() starts an execution (mode 'trigger') and whose emitError() deactivates it. `mode` is
	 * n8n's activation mode: 'activate' (a user turned it on), 'init' (n8n started with it active).
	 */
	async activate(definition: TestWorkflow, workflowId = `wf-active-${++executionCounter}`, mode: WorkflowActivateMode = 'activate'): Promise<ActiveTrigger> {
		const workflow = this.workflow(definition, workflowId);
		const activeWorkflows = n8nContainer().get(ActiveWorkflows);
		const executions: IRun[] = [];
		const errors: Error[] = [];
		const waiters: Array<{ resolve: (run: IRun) => void; reject: (error: Error) => void }> = [];
		const running = new Set<Promise<unknown>>();

		const startExecution = (node: INode, data: INodeExecutionData[][]) => {
			this.saveStaticData(workflow);
			const executionId = String(++executionCounter);
			const { hooks, finished } = this.hooks('trigger', executionId, definition);
			const runData = createRunExecutionData({
				executionData: { nodeExecutionStack: [{ node, data: { main: data }, source: null }] },
			});
			const execute = new WorkflowExecute(this.additionalData(hooks, executionId), 'trigger', runData);
			const done = (async () => {
				await execute.processRunExecutionData(workflow);
				const run = await finished.promise;
				executions.push(run);
				waiters.shift()?.resolve(run);
			})();
			running.add(done);
			void done.finally(() => running.delete(done));
		};

		await activeWorkflows.add(
			workflowId,
			workflow,
			this.additionalData(this.hooks('trigger', 'activation', definition).hooks, 'activation'),
			'trigger',
			mode,
			(wf, node, additionalData, executeMode, activation) =>
				new TriggerContext(
					wf,
					node,
					additionalData,
					executeMode,
					activation,
					(data) => startExecution(node, data),
					(error) => {
						errors.push(error);
						waiters.shift()?.reject(error);
						void activeWorkflows.remove(workflowId);
					},
				),
			() => {
				throw new Error('This package has no poll nodes');
			},
		);
		this.saveStaticData(workflow);

		return {
			executions,
			errors,
			next: (timeoutMs = 10_000) =>
				new Promise<IRun>((resolve, reject) => {
					const timer = setTimeout(() => reject(new Error(`no execution within ${timeoutMs} ms`)), timeoutMs);
					waiters.push({
						resolve: (run) => {
							clearTimeout(timer);
							resolve(run);
						},
						reject: (error) => {
							clearTimeout(timer);
							reject(error);
						},
					});
				}),
			deactivate: async () => {
				if (activeWorkflows.isActive(workflowId)) await activeWorkflows.remove(workflowId);
				await Promise.all(running);
			},
		};
	}
}

/** Output items (json only) of a node's first run, per output. */
export function outputOf(run: Pick<IRun, 'data'>, nodeName: string): IDataObject[][] {
	const task = run.data.resultData.runData[nodeName]?.[0];
	if (!task) throw new Error(`node "${nodeName}" did not run`);
	return (task.data?.main ?? []).map((items) => (items ?? []).map((item) => item.json));
}

/** The error a run ended with (message only, as the editor shows it). */
export function errorOf(run: IRun): { message: string; node?: string; description?: string | null } | undefined {
	const error = run.data.resultData.error as (Error & { node?: { name: string }; description?: string | null }) | undefined;
	if (!error) return undefined;
	return { message: error.message, node: error.node?.name, description: error.description };
}
