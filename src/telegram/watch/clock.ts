/** Time for the watchers: the system clock in production, a fake one in unit tests. */
export interface Clock {
	now(): number;
	/** Resolves after `ms`, or early (without error) when `signal` aborts. */
	sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: (ms, signal) =>
		new Promise<void>((resolve) => {
			if (signal.aborted) return resolve();
			const timer = setTimeout(done, Math.max(0, ms));
			function done() {
				clearTimeout(timer);
				signal.removeEventListener('abort', done);
				resolve();
			}
			signal.addEventListener('abort', done, { once: true });
		}),
};
