/**
 * Pure building blocks of resilient calls: deadlines, retry delays with jitter, and a per-account
 * circuit breaker. No I/O besides timers, so they are unit-tested directly.
 */

/** Rejects with `onTimeout()` when `promise` has not settled within `ms`; clears its timer. */
export function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(onTimeout()), ms);
	});
	return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export interface BackoffOptions {
	baseMs: number;
	maxMs: number;
}

/**
 * "Equal jitter": half of the exponential step is fixed, half random, so retries of many accounts
 * spread out yet never retry immediately. `attempt` counts from 0.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
	const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
	return Math.round(step / 2 + random() * (step / 2));
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface RetryOptions extends BackoffOptions {
	/** Total tries including the first. */
	attempts: number;
	shouldRetry: (error: unknown) => boolean;
	random?: () => number;
	sleep?: (ms: number) => Promise<void>;
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
	const wait = options.sleep ?? sleep;
	for (let attempt = 0; ; attempt++) {
		const outcome = await fn(attempt).then(
			(value) => ({ ok: true as const, value }),
			(error: unknown) => ({ ok: false as const, error }),
		);
		if (outcome.ok) return outcome.value;
		if (attempt + 1 >= options.attempts || !options.shouldRetry(outcome.error)) throw outcome.error;
		await wait(backoffDelay(attempt, options, options.random));
	}
}

export interface BreakerOptions {
	/** Consecutive failures that open the circuit. */
	failureThreshold: number;
	/** How long the circuit stays open before one trial call is let through. */
	cooldownMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Closed → (threshold consecutive failures) → open → (cooldown) → half-open: one trial call;
 * success closes, failure re-opens. Only transport-level failures should be reported to it:
 * a sold-out answer is a healthy account.
 */
export class CircuitBreaker {
	private failures = 0;
	private openedAtMs: number | null = null;
	private trialInFlight = false;

	constructor(private readonly options: BreakerOptions) {}

	state(nowMs: number): BreakerState {
		if (this.openedAtMs === null) return 'closed';
		return nowMs - this.openedAtMs >= this.options.cooldownMs ? 'half-open' : 'open';
	}

	/** When a refused call could be tried again (null when calls pass now). */
	retryAtMs(nowMs: number): number | null {
		const state = this.state(nowMs);
		if (state === 'closed') return null;
		if (state === 'half-open' && !this.trialInFlight) return null;
		return (this.openedAtMs as number) + this.options.cooldownMs;
	}

	/** Asks to make a call; false means refuse it. */
	tryPass(nowMs: number): boolean {
		const state = this.state(nowMs);
		if (state === 'closed') return true;
		if (state === 'open' || this.trialInFlight) return false;
		this.trialInFlight = true;
		return true;
	}

	onSuccess(): void {
		this.failures = 0;
		this.openedAtMs = null;
		this.trialInFlight = false;
	}

	onFailure(nowMs: number): void {
		this.failures += 1;
		if (this.trialInFlight || this.failures >= this.options.failureThreshold) {
			this.openedAtMs = nowMs;
			this.trialInFlight = false;
		}
	}

	/** A call that ended in neither (e.g. a business error) releases a half-open trial slot. */
	onNeutral(): void {
		if (this.trialInFlight) this.onSuccess();
	}
}
