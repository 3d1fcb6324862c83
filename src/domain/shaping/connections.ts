// Per-destination connection decisions, pure: how many sessions a worker may run to a destination
// (which is also the slot count it asks the cluster for), and how long to wait before asking
// again when every slot of the destination is held by other workers.

/**
 * Sessions allowed now: the configured limit, lowered to what the remote currently tolerates
 * (`cap`, learnt from refused connections), and one while a dead destination is probed.
 */
export function connectionLimit(configured: number, cap: number, probing: boolean): number {
  if (probing) return 1;
  return Math.max(1, Math.min(configured, cap));
}

export const SLOT_RETRY_FIRST_MS = 100;
export const SLOT_RETRY_MAX_MS = 2000;

/**
 * Wait before the `refusals`-th retry of a slot (1-based): doubling from 100 ms to 2 s, spread by
 * ±25% (`random` in [0, 1)) so that workers refused together do not all come back together.
 */
export function slotRetryMs(refusals: number, random: number): number {
  const n = Math.max(1, refusals);
  const base = Math.min(SLOT_RETRY_MAX_MS, SLOT_RETRY_FIRST_MS * 2 ** Math.min(n - 1, 10));
  return Math.round(base * (0.75 + 0.5 * random));
}
