/**
 * The per-session poll floor: a session starts at most one watch poll per floor, whatever polls
 * it (the gift catalog, an auction's state, a resale collection) and however many watchers of the
 * process use it. It lives in the account layer's per-session state (AccountHealth, one per pooled
 * client), so it follows the session: two watchers sharing a session share one floor, and in
 * queue mode the process that owns the session holds it.
 *
 * Each watcher using the session holds its own floor here; the session's floor is the largest
 * one held. (Checking each watcher against its own floor only would let a watcher with a short
 * floor keep a session busy forever, so a watcher with a longer one never got a turn.)
 */
export interface FloorHold {
	/** Changes this holder's floor (its subscribers changed). */
	set(floorMs: number): void;
	/** Gives the hold back (idempotent). */
	release(): void;
}

export class PollFloor {
	private lastStartMs = Number.NEGATIVE_INFINITY;
	private readonly holds = new Map<symbol, number>();

	/** The floor in force: the largest one held (0 when no watcher uses the session). */
	get floorMs(): number {
		let floor = 0;
		for (const ms of this.holds.values()) floor = Math.max(floor, ms);
		return floor;
	}

	/** When the last watch poll of this session started (−∞: none yet). */
	get lastPollStartMs(): number {
		return this.lastStartMs;
	}

	hold(floorMs: number): FloorHold {
		const id = Symbol('floor hold');
		this.holds.set(id, Math.max(0, floorMs));
		return {
			set: (ms) => {
				if (this.holds.has(id)) this.holds.set(id, Math.max(0, ms));
			},
			release: () => {
				this.holds.delete(id);
			},
		};
	}

	/** The earliest moment the next watch poll may start. */
	nextAtMs(): number {
		return this.lastStartMs + this.floorMs;
	}

	/** Takes the session for a poll starting at `nowMs` when the floor allows it; false when not. */
	tryClaim(nowMs: number): boolean {
		if (nowMs < this.nextAtMs()) return false;
		this.lastStartMs = nowMs;
		return true;
	}
}
