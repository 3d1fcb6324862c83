// The stats roll-up: a BackgroundService of the worker role that reads each tenant's event feed
// from its own stored position and adds the events to the aggregate tables, moving the position
// in the same transaction. Several processes may run it: a batch rolled up from a position that
// another process has already moved is refused whole (applyStats), and the loser reads again.
import type { Logger } from 'pino';
import { rollupRows } from '../domain/stats/rollup.js';
import type { Store } from '../store/store.js';
import type { BackgroundService } from '../worker.js';

export interface RollupDeps {
  readonly store: Store;
  readonly log: Logger;
  readonly intervalMs: number;
  readonly batch: number;
}

export class StatsRollup implements BackgroundService {
  private _timer: NodeJS.Timeout | undefined;
  private _running: Promise<void> | undefined;
  private _stopping = false;

  constructor(private readonly _deps: RollupDeps) {}

  async start(): Promise<void> {
    this._stopping = false;
    this._schedule(0);
  }

  async stop(): Promise<void> {
    this._stopping = true;
    clearTimeout(this._timer);
    await this._running;
  }

  /** Rolls every tenant's feed up to its end; resolves when caught up (tests call it directly). */
  async catchUp(): Promise<number> {
    let total = 0;
    for (const t of await this._deps.store.listTenants()) {
      for (;;) {
        if (this._stopping) return total;
        const n = await this._once(t.id);
        if (n === 'lost') continue;
        total += n;
        if (n < this._deps.batch) break;
      }
    }
    return total;
  }

  private async _once(tenantId: string): Promise<number | 'lost'> {
    const s = this._deps.store;
    const cursor = await s.getStatsCursor(tenantId);
    const page = await s.listEvents(tenantId, cursor, this._deps.batch);
    if (page.events.length === 0) return 0;
    const meta = await s.loadMessageMeta([...new Set(page.events.map((e) => e.messageId))]);
    const ok = await s.applyStats({ tenantId, expectCursor: cursor, cursor: page.cursor, rows: rollupRows(page.events, meta) });
    return ok ? page.events.length : 'lost';
  }

  private _schedule(ms: number): void {
    if (this._stopping) return;
    this._timer = setTimeout(() => {
      this._running = this.catchUp()
        .then(() => undefined)
        .catch((err: unknown) => this._deps.log.error({ err }, 'stats roll-up failed'))
        .finally(() => {
          this._running = undefined;
          this._schedule(this._deps.intervalMs);
        });
    }, ms);
  }
}
