// Back-off of a dead destination (none of its hosts accepted a connection), shared by every worker
// through the stored destination state. Pure: callers pass the stored state and `now`.

export interface DeadBackoffPolicy {
  /** First back-off, ms; doubles with each further failure. */
  readonly firstMs: number;
  readonly maxMs: number;
}

export interface DeadState {
  /** Until when the destination is backed off as a whole; 0 (or past) when it may be tried. */
  readonly deadUntil: number;
  /** Consecutive failed rounds; above 0 the destination is probed with one connection. */
  readonly failures: number;
}

export const ALIVE: DeadState = { deadUntil: 0, failures: 0 };

/** Back-off after the `failures`-th consecutive failure (1-based). */
export function deadBackoffMs(policy: DeadBackoffPolicy, failures: number): number {
  const n = Math.max(1, failures);
  return Math.min(policy.maxMs, policy.firstMs * 2 ** Math.min(n - 1, 30));
}

/**
 * The state after this worker found the destination dead. When another worker has already backed
 * it off (stored deadUntil still ahead), that back-off is adopted and the failure not counted
 * twice; otherwise the failure count continues from the larger of what is stored and known here.
 */
export function nextDeadState(stored: DeadState | undefined, localFailures: number, now: number, policy: DeadBackoffPolicy): DeadState & { readonly adopted: boolean } {
  if (stored && stored.deadUntil > now) return { deadUntil: stored.deadUntil, failures: stored.failures, adopted: true };
  const failures = Math.max(localFailures, stored?.failures ?? 0) + 1;
  return { deadUntil: now + deadBackoffMs(policy, failures), failures, adopted: false };
}
