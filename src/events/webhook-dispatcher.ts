// The webhook dispatcher: a BackgroundService of the worker role. Every poll_ms it leases as many
// due endpoints as it has free lanes (webhooks.concurrency) and runs one WebhookLane per endpoint.
// Leases make it safe to run in any number of processes on one PostgreSQL: an endpoint is sent
// to by one process at a time, and a process that dies hands its endpoints over when their
// leases expire.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { newShortId } from '../lib/ids.js';
import type { Store } from '../store/store.js';
import type { BackgroundService } from '../worker.js';
import { WebhookLane } from './webhook-lane.js';
import { WebhookPoster, type LookupAll, type PostResult } from './webhook-post.js';

export interface DispatcherDeps {
  readonly store: Store;
  readonly log: Logger;
  readonly config: Config['webhooks'];
  /** The worker role's owner name, shared with its deliveries so one heartbeat covers both. */
  readonly owner?: string;
  readonly now?: () => number;
  /** Tests may replace the network (and its egress filter) or the DNS lookup. */
  readonly post?: (url: string, body: string, headers: Readonly<Record<string, string>>) => Promise<PostResult>;
  readonly lookup?: LookupAll;
}

export class WebhookDispatcher implements BackgroundService {
  private readonly _owner: string;
  private readonly _lanes = new Set<Promise<void>>();
  private readonly _poster: WebhookPoster;
  private readonly _now: () => number;
  private _timer: NodeJS.Timeout | undefined;
  private _stopping = false;
  private _ticking = false;

  constructor(private readonly _deps: DispatcherDeps) {
    const c = _deps.config;
    this._poster = new WebhookPoster({ timeoutMs: c.timeout_s * 1000, allowPrivate: c.allow_private_targets, ...(_deps.lookup ? { lookup: _deps.lookup } : {}) });
    this._now = _deps.now ?? Date.now;
    this._owner = _deps.owner ?? `${hostname()}:${process.pid}:${newShortId(6)}`;
  }

  async start(): Promise<void> {
    this._stopping = false;
    this._schedule(0);
  }

  async stop(): Promise<void> {
    this._stopping = true;
    clearTimeout(this._timer);
    // Lanes finish the POST in flight (bounded by timeout_s), record it and release their leases.
    await Promise.allSettled([...this._lanes]);
    this._poster.close();
  }

  private _schedule(ms: number): void {
    if (this._stopping) return;
    clearTimeout(this._timer);
    this._timer = setTimeout(() => void this._tick(), ms);
  }

  private async _tick(): Promise<void> {
    if (this._ticking || this._stopping) return;
    this._ticking = true;
    const c = this._deps.config;
    try {
      const free = c.concurrency - this._lanes.size;
      if (free > 0) {
        // Long enough that a lane renewing at half-time always has a whole POST's timeout left.
        const leaseMs = Math.max(c.lease_s * 1000, c.timeout_s * 2000 + 2000);
        const leases = await this._deps.store.claimWebhooks({ owner: this._owner, now: this._now(), leaseMs, limit: free });
        for (const lease of leases) {
          const lane = new WebhookLane(
            {
              store: this._deps.store,
              post: this._deps.post ?? ((url, body, headers) => this._poster.post(url, body, headers)),
              log: this._deps.log,
              now: this._now,
              policy: { firstDelayMs: c.retry.first_delay_s * 1000, maxDelayMs: c.retry.max_delay_s * 1000, maxAgeMs: c.retry.max_age_s * 1000 },
              leaseMs,
              pollMs: c.poll_ms,
              random: Math.random,
              shouldStop: () => this._stopping,
            },
            lease,
          );
          const running: Promise<void> = lane.run().finally(() => {
            this._lanes.delete(running);
            // A lane that ends frees a slot: endpoints waiting for one need not wait a whole poll.
            if (this._lanes.size === c.concurrency - 1) this._schedule(0);
          });
          this._lanes.add(running);
        }
      }
    } catch (err) {
      this._deps.log.error({ err }, 'claiming webhook endpoints failed');
    } finally {
      this._ticking = false;
      this._schedule(c.poll_ms);
    }
  }
}
