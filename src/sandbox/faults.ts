/**
 * Faults a scenario (or a test, live) puts on the wire: per-method latency, injected errors,
 * unanswered requests, dropped connections (before or after applying the call), and flood rules
 * (more than K calls per window from one account → FLOOD_WAIT_S). Pure decisions; the RPC layer
 * carries them out.
 */
import type { ScenarioFault, ScenarioFloodRule } from './scenario';

export type FaultAction =
	| { kind: 'pass' }
	| { kind: 'error'; code: number; message: string }
	| { kind: 'noReply' }
	| { kind: 'drop' }
	| { kind: 'dropAfterApply' }
	/** payments.sendStarsForm answered payments.paymentVerificationNeeded, nothing charged. */
	| { kind: 'paymentVerificationNeeded' };

export interface FaultDecision {
	latencyMs: number;
	action: FaultAction;
}

/**
 * Telegram's RPC error code for an error name (the method pages' "Possible errors": e.g.
 * payments.sendStarsForm lists STARS_FORM_AMOUNT_MISMATCH and API_GIFT_RESTRICTED_UPDATE_APP as 406).
 */
export function errorCodeFor(name: string): number {
	if (name.startsWith('FLOOD_WAIT_') || name.startsWith('FLOOD_PREMIUM_WAIT_')) return 420;
	if (['AUTH_KEY_UNREGISTERED', 'SESSION_REVOKED', 'SESSION_EXPIRED', 'USER_DEACTIVATED', 'AUTH_KEY_INVALID'].includes(name)) return 401;
	if (['AUTH_KEY_DUPLICATED', 'STARS_FORM_AMOUNT_MISMATCH', 'API_GIFT_RESTRICTED_UPDATE_APP'].includes(name)) return 406;
	if (['INTERNAL', 'RPC_CALL_FAIL', 'RPC_MCGET_FAIL'].includes(name)) return 500;
	return 400;
}

interface LiveFault extends ScenarioFault {
	seen: number;
	fired: number;
}

export class FaultPlan {
	private readonly faults: LiveFault[] = [];
	private readonly floodRules: ScenarioFloodRule[];
	private readonly floodCalls = new Map<string, number[]>();
	private latency: Record<string, number>;

	constructor(faults: ScenarioFault[], floodRules: readonly ScenarioFloodRule[], latencyMs: Record<string, number>) {
		for (const f of faults) this.inject(f);
		this.floodRules = [...floodRules];
		this.latency = { ...latencyMs };
	}

	inject(fault: ScenarioFault): void {
		this.faults.push({ ...fault, seen: 0, fired: 0 });
	}

	addFloodRule(rule: ScenarioFloodRule): void {
		this.floodRules.push(rule);
	}

	/** Sets the latency of one method (or `default`); `undefined` removes a method's override. */
	setLatency(method: string, ms: number | undefined): void {
		if (ms === undefined) delete this.latency[method];
		else this.latency[method] = ms;
	}

	latencyFor(method: string): number {
		return this.latency[method] ?? this.latency.default ?? 0;
	}

	decide(method: string, accountId: string, nowMs: number): FaultDecision {
		const latencyMs = this.latencyFor(method);
		for (const f of this.faults) {
			if (f.method !== '*' && f.method !== method) continue;
			if (f.accountId !== undefined && f.accountId !== accountId) continue;
			const seen = f.seen++;
			if (seen < f.afterCalls || f.fired >= f.times) continue;
			f.fired++;
			if (f.kind === 'error') {
				const message = f.error ?? 'INTERNAL';
				return { latencyMs, action: { kind: 'error', code: f.code ?? errorCodeFor(message), message } };
			}
			return { latencyMs, action: { kind: f.kind } };
		}
		for (let i = 0; i < this.floodRules.length; i++) {
			const rule = this.floodRules[i];
			if (rule.method !== '*' && rule.method !== method) continue;
			const key = `${i}:${accountId}`;
			const recent = (this.floodCalls.get(key) ?? []).filter((t) => t > nowMs - rule.windowMs);
			if (recent.length >= rule.maxCalls) {
				this.floodCalls.set(key, recent);
				const message = `FLOOD_WAIT_${rule.waitSeconds}`;
				return { latencyMs, action: { kind: 'error', code: 420, message } };
			}
			recent.push(nowMs);
			this.floodCalls.set(key, recent);
		}
		return { latencyMs, action: { kind: 'pass' } };
	}
}
