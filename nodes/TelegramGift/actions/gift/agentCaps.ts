/**
 * The AI-agent door of Buy. n8n offers every `usableAsTool` node to AI agents as `<type>Tool`, so
 * an agent could spend Stars through Telegram Gift → Buy. As a tool, Buy therefore refuses unless
 * the node's own switch allows it, and then only within two hard caps set in the node: Stars per
 * call and Stars per UTC day (over all of the agent's calls, from the purchase ledger). The
 * switch and the caps are fixed values, never expressions, so the agent (which fills expressions
 * with $fromAI) cannot raise them.
 *
 * Agent purchases carry the opKey prefix `agent:`, which is how the day's agent spending is
 * found in the ledger. Agent buys in one n8n process run one at a time, so two calls cannot both
 * pass the day's check; across queue-mode workers the day cap is checked per call, not locked.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { Operation } from '../../../../src/core';
import type { GiftStore } from '../../../../src/store';
import { parameterError } from '../../../shared/errors';

export const AGENT_OPKEY_PREFIX = 'agent:';
const DAY_MS = 86_400_000;

export interface AgentCaps {
	perCall: number;
	perDay: number;
}

/** Whether this execution is an AI agent's tool call (n8n names the tool variant `<type>Tool`). */
export function isToolCall(this: IExecuteFunctions): boolean {
	return this.getNode().type.endsWith('Tool');
}

/**
 * The caps from the node's raw parameters (an expression is refused: the agent must not be able
 * to set them). Throws when buying as a tool is off or a cap is missing.
 */
export function readAgentCaps(this: IExecuteFunctions): AgentCaps {
	const node = this.getNode();
	const raw = node.parameters;
	const fixed = (name: string, label: string): unknown => {
		const value = raw[name];
		// n8n keeps an expression typed into a no-expression field as its text ("{{ … }}", without
		// the leading "="): never evaluated, and refused here by name.
		if (typeof value === 'string' && (value.startsWith('=') || value.includes('{{'))) {
			throw parameterError(node, label, 'must be a fixed value, not an expression (an AI agent fills expressions)');
		}
		// Left at its default, a parameter is not in the saved node: n8n supplies the default.
		return value === undefined ? this.getNodeParameter(name, 0, undefined) : value;
	};
	if (fixed('allowAgentPurchases', 'Allow AI Agent to Buy') !== true) {
		throw parameterError(
			node,
			'Allow AI Agent to Buy',
			'is off, so an AI agent cannot buy gifts with this tool. Turn it on in the node and set Max Stars per Call and Max Stars per Day.',
		);
	}
	const cap = (name: string, label: string): number => {
		const value = Number(fixed(name, label) ?? 0);
		if (!Number.isSafeInteger(value) || value < 1) throw parameterError(node, label, 'must be a whole number of Stars ≥ 1 when an AI agent may buy');
		return value;
	};
	return { perCall: cap('agentMaxStarsPerCall', 'Max Stars per Call'), perDay: cap('agentMaxStarsPerDay', 'Max Stars per Day') };
}

/** Stars a set of operations may cost (price × copies). */
export function starsOf(operations: readonly Pick<Operation, 'price' | 'quantity'>[]): number {
	return operations.reduce((sum, op) => sum + op.price * op.quantity, 0);
}

/** Stars agent purchases took today (UTC): units bought, or sent and not yet settled. */
export async function agentSpentToday(store: Pick<GiftStore, 'listPurchases'>, nowMs: number): Promise<number> {
	const dayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
	const units = await store.listPurchases({ statuses: ['bought', 'pending', 'unknown'], sinceMs: dayStart });
	return units.filter((u) => u.opKey.startsWith(AGENT_OPKEY_PREFIX)).reduce((sum, u) => sum + u.price, 0);
}

/** Why a call must not buy, or null when it fits both caps. */
export function capProblem(caps: AgentCaps, callStars: number, spentToday: number): { field: string; problem: string } | null {
	if (callStars > caps.perCall) {
		return { field: 'Max Stars per Call', problem: `this call would spend up to ${callStars} Stars, above the cap of ${caps.perCall}; nothing was bought` };
	}
	if (spentToday + callStars > caps.perDay) {
		return {
			field: 'Max Stars per Day',
			problem: `AI agent purchases took ${spentToday} Stars today (UTC); this call's ${callStars} more would pass the cap of ${caps.perDay}; nothing was bought`,
		};
	}
	return null;
}

let agentQueue: Promise<unknown> = Promise.resolve();

/** Runs agent buys of this process one at a time, so the day's check and the spending agree. */
export async function oneAgentBuyAtATime<T>(work: () => Promise<T>): Promise<T> {
	const run = agentQueue.then(work, work);
	agentQueue = run.catch(() => undefined);
	return await run;
}
