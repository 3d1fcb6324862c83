// Retention, a background service of the worker role: every interval it deletes finished
// messages older than `days`, with their deliveries and events, in batches (one short transaction
// each, so acceptance is never held up for long). Several workers may purge at once: each batch
// takes rows the others have not locked.
import type { Logger } from 'pino';
import type { PurgeResult, Store } from '../store/store.js';
import type { Clock } from './ports.js';

export interface RetentionOptions {
  /** 0 keeps everything. */
  readonly days: number;
  readonly batch: number;
  readonly intervalMs: number;
}

const DAY_MS = 86_400_000;
/** The first purge waits this long after start (or the interval, if shorter): starts stay quick. */
const FIRST_RUN_MS = 60_000;

export class RetentionService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly opts: RetentionOptions,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(): Promise<void> {
    if (this.opts.days <= 0) return Promise.resolve();
    this.stopped = false;
    const tick = (delay: number): void => {
      this.timer = setTimeout(() => {
        this.running = this.runOnce()
          .catch((err: unknown) => this.log.error({ err }, 'retention purge failed'))
          .finally(() => {
            if (!this.stopped) tick(this.opts.intervalMs);
          });
      }, delay);
      this.timer.unref();
    };
    tick(Math.min(FIRST_RUN_MS, this.opts.intervalMs));
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Purges until a batch comes back short (or the service stops); returns the totals. */
  async runOnce(): Promise<PurgeResult> {
    const before = this.clock.now() - this.opts.days * DAY_MS;
    const total = { messages: 0, deliveries: 0, events: 0 };
    for (;;) {
      const r = await this.store.purgeMessages({ before, limit: this.opts.batch });
      total.messages += r.messages;
      total.deliveries += r.deliveries;
      total.events += r.events;
      if (r.messages < this.opts.batch || this.stopped) break;
      // Let acceptances and claims in between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (total.messages > 0) this.log.info({ ...total, before }, 'retention: purged old messages');
    return total;
  }
}
