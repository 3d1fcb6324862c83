// When a failed webhook POST is tried again, and when an endpoint has failed long enough to be
// disabled. Every failure (timeout, connection error, non-2xx, refused address) counts the same;
// the delay doubles from `firstDelayMs` up to `maxDelayMs`, and retries go on until `maxAgeMs`
// after the first failure of the streak (24 h by default), the last one exactly at that mark.
// A success ends the streak. Jitter (0..1, a parameter so tests are exact) spreads endpoints that
// failed together, up to a fifth of the delay.

export interface WebhookRetryPolicy {
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxAgeMs: number;
}

export interface FailureStreak {
  /** Consecutive failed attempts before this one. */
  readonly failures: number;
  /** When the streak began; null when the previous attempt succeeded. */
  readonly firstFailureAt: number | null;
}

export type FailureVerdict =
  | { readonly kind: 'retry'; readonly at: number; readonly failures: number; readonly firstFailureAt: number }
  | { readonly kind: 'disable'; readonly reason: string; readonly failures: number; readonly firstFailureAt: number };

/** Delay after the n-th consecutive failure (n >= 1), before jitter. */
export function retryDelayMs(policy: WebhookRetryPolicy, n: number): number {
  return Math.min(policy.firstDelayMs * 2 ** Math.min(n - 1, 40), policy.maxDelayMs);
}

export function afterFailure(policy: WebhookRetryPolicy, streak: FailureStreak, now: number, error: string, jitter = 0): FailureVerdict {
  const failures = streak.failures + 1;
  const firstFailureAt = streak.firstFailureAt ?? now;
  const giveUpAt = firstFailureAt + policy.maxAgeMs;
  if (now >= giveUpAt) {
    const hours = Math.round((now - firstFailureAt) / 36e5);
    return {
      kind: 'disable',
      failures,
      firstFailureAt,
      reason: `disabled after ${failures} failed attempts since ${new Date(firstFailureAt).toISOString()} (${hours} h); last error: ${error}`.slice(0, 1000),
    };
  }
  const delay = retryDelayMs(policy, failures);
  const at = Math.min(now + Math.round(delay * (1 + Math.max(0, Math.min(jitter, 1)) / 5)), giveUpAt);
  return { kind: 'retry', at, failures, firstFailureAt };
}

/** The whole schedule for an endpoint that never answers: offsets from the first failure of each attempt. */
export function retryOffsets(policy: WebhookRetryPolicy): number[] {
  const out: number[] = [0];
  let streak: FailureStreak = { failures: 0, firstFailureAt: null };
  let now = 0;
  for (;;) {
    const v = afterFailure(policy, streak, now, 'x');
    if (v.kind === 'disable') return out;
    out.push(v.at);
    streak = v;
    now = v.at;
  }
}
