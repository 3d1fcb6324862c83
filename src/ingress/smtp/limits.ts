// Per-client-IP limits of the submission listener, as plain state with time passed in.
//
// Connections: at most `perIp` open at once from one address, `total` overall.
// AUTH failures: each failure from an address counts; after `slowdownAfter` of them every
// further failure is answered later (250 ms doubling, up to 5 s), which makes guessing keys
// slow without a lockout; after `lockoutAfter` the address is refused outright (421) until
// `lockoutMs` have passed. A success clears the count; so does `lockoutMs` without failures.

export class ConnectionLimiter {
  private readonly open = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perIp: number,
    private readonly max: number,
  ) {}

  /** Counts the connection in, or refuses it (nothing counted). */
  acquire(ip: string): 'ok' | 'ip' | 'total' {
    const n = this.open.get(ip) ?? 0;
    if (this.total >= this.max) return 'total';
    if (n >= this.perIp) return 'ip';
    this.open.set(ip, n + 1);
    this.total++;
    return 'ok';
  }

  release(ip: string): void {
    const n = this.open.get(ip) ?? 0;
    if (n <= 0) return;
    if (n === 1) this.open.delete(ip);
    else this.open.set(ip, n - 1);
    this.total--;
  }

  count(ip: string): number {
    return this.open.get(ip) ?? 0;
  }
}

export interface AuthThrottleOptions {
  readonly slowdownAfter: number;
  readonly lockoutAfter: number;
  readonly lockoutMs: number;
}

const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;
const MAX_TRACKED = 100_000;

export class AuthThrottle {
  private readonly byIp = new Map<string, { failures: number; last: number; lockedUntil: number }>();

  constructor(private readonly opts: AuthThrottleOptions) {}

  /** Epoch ms until which the address is refused, or undefined when it is not. */
  lockedUntil(ip: string, now: number): number | undefined {
    const e = this.byIp.get(ip);
    return e && e.lockedUntil > now ? e.lockedUntil : undefined;
  }

  /** Records a failure; says how long to wait before answering it, and whether the address is now locked out. */
  failure(ip: string, now: number): { readonly delayMs: number; readonly lockedUntil: number | undefined } {
    let e = this.byIp.get(ip);
    // A quiet spell as long as a lockout forgives earlier failures.
    if (!e || now - e.last >= this.opts.lockoutMs) {
      e = { failures: 0, last: now, lockedUntil: 0 };
      this.prune(now);
      this.byIp.set(ip, e);
    }
    e.failures++;
    e.last = now;
    if (e.failures >= this.opts.lockoutAfter) {
      e.lockedUntil = now + this.opts.lockoutMs;
      return { delayMs: 0, lockedUntil: e.lockedUntil };
    }
    const over = e.failures - this.opts.slowdownAfter;
    return { delayMs: over <= 0 ? 0 : Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (over - 1)), lockedUntil: undefined };
  }

  success(ip: string): void {
    this.byIp.delete(ip);
  }

  private prune(now: number): void {
    if (this.byIp.size < MAX_TRACKED) return;
    for (const [ip, e] of this.byIp) if (now - e.last >= this.opts.lockoutMs && e.lockedUntil <= now) this.byIp.delete(ip);
  }
}
