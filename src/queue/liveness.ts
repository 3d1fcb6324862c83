// Worker liveness: the heartbeat of a worker role, and the takeover of dead workers' leases.
//
// At start the worker first takes back what dead workers left: on the embedded store (one
// process owns the file) every lease another owner holds, so a restart after a crash resumes at
// once; on PostgreSQL those of workers whose heartbeat is stale. Then, every heartbeat (a quarter
// of dead_after), it beats and takes over the leases of workers that stopped beating: a dead
// worker's deliveries, webhook endpoints and connection slots are free within dead_after plus one
// beat, whatever the lease lengths. A live worker, however slow its sessions, keeps beating and
// renewing, so it keeps its leases; one that stalls longer than dead_after loses them to the lease
// fence (its outcomes are refused, its renewals report them lost).
import type { Logger } from 'pino';
import type { Store, TakeOverResult } from '../store/store.js';
import type { Clock } from './ports.js';

export interface LivenessOptions {
  readonly owner: string;
  /** No heartbeat for this long: the worker is taken for dead. */
  readonly deadAfterMs: number;
  /** Only this process uses the store (SQLite): every other owner's lease is taken at start. */
  readonly soleOwner: boolean;
  /** Deliveries were taken over: the scheduler should claim now rather than at its next poll. */
  readonly onTakeOver: () => void;
}

export class Liveness {
  private timer: NodeJS.Timeout | undefined;
  private beating = false;

  constructor(
    private readonly opts: LivenessOptions,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  get heartbeatMs(): number {
    return Math.max(100, Math.floor(this.opts.deadAfterMs / 4));
  }

  /** Beats once and takes back what dead workers hold, before the scheduler's first claim. */
  async start(): Promise<void> {
    const now = this.clock.now();
    try {
      await this.store.heartbeat(this.opts.owner, now);
      const r = this.opts.soleOwner ? await this.store.takeOverAllLeases(this.opts.owner, now) : await this.store.takeOverStaleLeases(now, now - this.opts.deadAfterMs);
      this.report(r, 'at start');
    } catch (err) {
      // The leases still end on their own (worker.lease_s); the next beat tries again.
      this.log.error({ err }, 'taking over leases at start failed');
    }
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const now = this.clock.now();
      await this.store.heartbeat(this.opts.owner, now);
      // A sole owner took everything back at start, and no other worker can have held any since.
      if (!this.opts.soleOwner) this.report(await this.store.takeOverStaleLeases(now, now - this.opts.deadAfterMs), 'heartbeat stale');
    } catch (err) {
      this.log.error({ err }, 'heartbeat failed');
    } finally {
      this.beating = false;
    }
  }

  private report(r: TakeOverResult, why: string): void {
    if (r.deliveries + r.webhooks + r.slots === 0) return;
    this.log.warn({ workers: r.owners, deliveries: r.deliveries, webhooks: r.webhooks, slots: r.slots, why }, 'took over the leases of dead workers');
    if (r.deliveries > 0) this.opts.onTakeOver();
  }
}
