// How many opens and clicks the tracking host records: a fixed one-minute window per key (a
// delivery's opens, a delivery's clicks, a client IP). A fetch over the limit is still answered
// (the pixel, the redirect) so a recipient never sees a difference, but writes no event: a
// reload loop, a proxy or a hostile script cannot flood a tenant's events and webhooks.
// State is per process and bounded; the clock is a parameter.

export interface EventLimits {
  /** Events recorded per delivery and kind (open, click) per window. */
  readonly perDelivery: number;
  /** Events recorded per client IP per window, across deliveries. */
  readonly perIp: number;
}

export const WINDOW_MS = 60_000;
/** Keys kept at most; the oldest window goes first, which can only forgive, never over-count. */
const MAX_KEYS = 100_000;

export class EventLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly limits: EventLimits) {}

  /** True when this event may be recorded; counts it against every key it falls under. */
  allow(now: number, deliveryKey: string, ip: string | null): boolean {
    const byDelivery = this.take(now, `d:${deliveryKey}`, this.limits.perDelivery);
    const byIp = ip === null ? true : this.take(now, `i:${ip}`, this.limits.perIp);
    return byDelivery && byIp;
  }

  private take(now: number, key: string, limit: number): boolean {
    let w = this.windows.get(key);
    if (!w || now - w.start >= WINDOW_MS) {
      this.windows.delete(key);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
      if (this.windows.size > MAX_KEYS) this.windows.delete(this.windows.keys().next().value!);
    }
    w.count++;
    return w.count <= limit;
  }
}
