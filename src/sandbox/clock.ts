/**
 * The scenario's timeline, and who was watching it.
 *
 * Scenario times (a drop at `releaseAtMs`, demand, disconnects) count from the moment the clock
 * starts. A rehearsal is only worth something when the workflows already watch the catalog by
 * then, so the clock can be held at 0 until the runner says they are live (`held`: the e2e
 * runner and `npm start` start it once n8n's triggers have taken their baseline) or until the
 * first watching read (`first-watch-read`: the `sandbox` command, where the sandbox cannot see
 * n8n). While held, the catalog is the scenario's state at 0 and nothing is scheduled.
 *
 * An event that happens before any client has read the catalog (or an auction's state) was watched by nobody: it is
 * recorded as `unwatched` and logged as an error, so a rehearsal that missed its drop says so
 * instead of passing quietly.
 */
import { performance } from 'node:perf_hooks';

export type ClockStart = 'running' | 'held' | 'first-watch-read';

export const CLOCK_STARTS: readonly ClockStart[] = ['running', 'held', 'first-watch-read'];

export interface UnwatchedEvent {
	/** What happened, e.g. `gift 5170145012310081615 released`. */
	event: string;
	/** Scenario time of the event. */
	atMs: number;
}

export class ScenarioClock {
	private startedAt: number | null = null;
	private readonly startListeners: Array<() => void> = [];
	private firstReadAtMs: number | null = null;
	readonly unwatched: UnwatchedEvent[] = [];

	constructor(readonly start: ClockStart) {
		if (start === 'running') this.startedAt = performance.now();
	}

	get running(): boolean {
		return this.startedAt !== null;
	}

	/** Milliseconds on the scenario's timeline (0 while held). */
	nowMs(): number {
		return this.startedAt === null ? 0 : Math.floor(performance.now() - this.startedAt);
	}

	/** Starts a held clock (no-op when running); returns whether this call started it. */
	begin(): boolean {
		if (this.startedAt !== null) return false;
		this.startedAt = performance.now();
		for (const listener of this.startListeners.splice(0)) listener();
		return true;
	}

	/** Runs `listener` when the clock starts (at once when it already runs). */
	onStart(listener: () => void): void {
		if (this.startedAt !== null) listener();
		else this.startListeners.push(listener);
	}

	/**
	 * A client read what a trigger watches — the gift catalog, an auction's state, or a collection's
	 * resale listings (its trigger's baseline, or a later poll).
	 */
	watchRead(): void {
		if (this.firstReadAtMs === null) this.firstReadAtMs = this.nowMs();
		if (this.start === 'first-watch-read') this.begin();
	}

	/** Scenario time of the first watching read, or null when nobody has read anything yet. */
	get firstWatchReadAtMs(): number | null {
		return this.firstReadAtMs;
	}

	/** Notes a scenario event; returns it when nobody had read the catalog before it (unwatched). */
	observe(event: string, atMs: number): UnwatchedEvent | null {
		if (this.firstReadAtMs !== null && this.firstReadAtMs <= atMs) return null;
		const unwatched = { event, atMs };
		this.unwatched.push(unwatched);
		return unwatched;
	}
}
