// When to try a deferred delivery again, and when to give up. Pure: callers pass `now`.

export interface RetryPolicy {
  /** Delay before the first retry, seconds. */
  readonly firstDelayS: number;
  /** Each later delay is the previous one times this. */
  readonly factor: number;
  /** Delays stop growing here, seconds. */
  readonly maxDelayS: number;
  /** A delivery older than this (from acceptance) is bounced with reason `expired`. */
  readonly maxLifetimeS: number;
}

export const DEFAULT_RETRY: RetryPolicy = { firstDelayS: 60, factor: 2, maxDelayS: 3600, maxLifetimeS: 5 * 86400 };

/** Delay in seconds after the `attempt`-th failed attempt (1-based). */
export function retryDelayS(policy: RetryPolicy, attempt: number): number {
  const n = Math.max(1, attempt);
  // Computed in the log domain so a large attempt count cannot overflow to Infinity.
  const exp = Math.log(policy.firstDelayS) + (n - 1) * Math.log(policy.factor);
  return Math.min(policy.maxDelayS, Math.round(Math.exp(Math.min(exp, Math.log(policy.maxDelayS) + 1))));
}

/** The first `n` delays, for docs and tests that assert the whole schedule. */
export function retrySchedule(policy: RetryPolicy, n: number): number[] {
  return Array.from({ length: n }, (_, i) => retryDelayS(policy, i + 1));
}

export type RetryDecision = { readonly retry: true; readonly at: number } | { readonly retry: false };

/**
 * After a transient failure: retry at `now + delay`, but never later than the end of the
 * delivery's lifetime, so the last attempt happens at the deadline (as Postfix does with
 * maximal_queue_lifetime); a failure at or past the deadline ends the retries.
 */
export function nextAttempt(policy: RetryPolicy, attempts: number, acceptedAt: number, now: number): RetryDecision {
  const deadline = acceptedAt + policy.maxLifetimeS * 1000;
  if (now >= deadline) return { retry: false };
  return { retry: true, at: Math.min(deadline, now + retryDelayS(policy, attempts) * 1000) };
}
