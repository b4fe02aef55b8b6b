import fc from 'fast-check';
import { CircuitBreaker, backoffDelay, retry, withDeadline } from '../../../src/telegram/resilience';

describe('backoffDelay', () => {
	it('stays within [step/2, step] of a capped exponential step', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 30 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
				const step = Math.min(1000, 50 * 2 ** attempt);
				const d = backoffDelay(attempt, { baseMs: 50, maxMs: 1000 }, () => r);
				return d >= Math.floor(step / 2) && d <= step;
			}),
		);
	});
});

describe('retry', () => {
	it('retries only what shouldRetry allows, up to attempts, sleeping between', async () => {
		const sleeps: number[] = [];
		let calls = 0;
		const result = await retry(
			async () => {
				calls += 1;
				if (calls < 3) throw new Error('transient');
				return 'ok';
			},
			{ attempts: 3, baseMs: 10, maxMs: 100, shouldRetry: () => true, random: () => 0, sleep: async (ms) => void sleeps.push(ms) },
		);
		expect(result).toBe('ok');
		expect(sleeps).toEqual([5, 10]);
		await expect(
			retry(async () => Promise.reject(new Error('fatal')), { attempts: 5, baseMs: 1, maxMs: 1, shouldRetry: () => false }),
		).rejects.toThrow('fatal');
	});
});

describe('withDeadline', () => {
	it('rejects with the given error when the promise is too slow, and passes fast results through', async () => {
		await expect(withDeadline(new Promise(() => undefined), 20, () => new Error('late'))).rejects.toThrow('late');
		await expect(withDeadline(Promise.resolve(7), 1_000, () => new Error('late'))).resolves.toBe(7);
	});
});

describe('CircuitBreaker', () => {
	it('opens after the threshold, lets one trial through after the cooldown, closes on success', () => {
		const b = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100 });
		expect(b.tryPass(0)).toBe(true);
		b.onFailure(0);
		expect(b.state(0)).toBe('closed');
		b.onFailure(1);
		expect(b.state(1)).toBe('open');
		expect(b.tryPass(50)).toBe(false);
		expect(b.retryAtMs(50)).toBe(101);
		expect(b.tryPass(101)).toBe(true);
		expect(b.tryPass(101)).toBe(false);
		b.onSuccess();
		expect(b.state(102)).toBe('closed');
	});

	it('a failed trial re-opens; a neutral outcome frees the trial slot', () => {
		const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 10 });
		b.onFailure(0);
		expect(b.tryPass(10)).toBe(true);
		b.onFailure(10);
		expect(b.state(15)).toBe('open');
		expect(b.tryPass(20)).toBe(true);
		b.onNeutral();
		expect(b.tryPass(20)).toBe(true);
	});
});
