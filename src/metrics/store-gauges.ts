// Queue depth and webhook backlogs, read from the store when Prometheus scrapes, at most once per
// `metrics.cache_ms` (a scrape every few seconds by several Prometheus servers costs one query).
// These are cluster-wide figures: every process of a cluster reports the same (use max()).
import { Gauge } from 'prom-client';
import type { MetricsSnapshot, Store } from '../store/store.js';
import type { TxMetrics } from './metrics.js';

/** Backlogs are counted up to this: beyond it the exact number does not change what to do. */
export const BACKLOG_CAP = 100_000;
const QUEUE_STATES = ['queued', 'scheduled', 'deferred', 'in_flight'] as const;

export function watchStore(store: Store, metrics: TxMetrics, now: () => number, cacheMs: number): void {
  let cached: { at: number; snap: Promise<MetricsSnapshot> } | undefined;
  const snapshot = (): Promise<MetricsSnapshot> => {
    const t = now();
    if (!cached || t - cached.at >= cacheMs) {
      const snap = store.metricsSnapshot(t, metrics.opts.maxWebhooks, BACKLOG_CAP);
      cached = { at: t, snap };
      // A failed read is not cached: the next scrape tries again.
      snap.catch(() => (cached = undefined));
    }
    return cached.snap;
  };
  const registers = [metrics.registry];
  new Gauge({
    name: 'txmail_queue_deliveries',
    help: 'Unfinished deliveries by state: queued (due), scheduled (send_at ahead), deferred, in_flight (leased by a worker).',
    labelNames: ['state'],
    registers,
    async collect() {
      const s = await snapshot();
      for (const state of QUEUE_STATES) this.set({ state }, s.queue.find((q) => q.state === state)?.count ?? 0);
    },
  });
  new Gauge({
    name: 'txmail_queue_oldest_age_seconds',
    help: 'Age of the oldest unfinished delivery in each state (since acceptance), seconds; 0 when there is none.',
    labelNames: ['state'],
    registers,
    async collect() {
      const s = await snapshot();
      const t = now();
      for (const state of QUEUE_STATES) {
        const q = s.queue.find((x) => x.state === state);
        this.set({ state }, q ? Math.max(0, t - q.oldestAcceptedAt) / 1000 : 0);
      }
    },
  });
  new Gauge({
    name: 'txmail_webhook_backlog_events',
    help: `Events not yet sent to each webhook endpoint (the metrics.max_webhooks most failing endpoints; counted up to ${BACKLOG_CAP}).`,
    labelNames: ['endpoint'],
    registers,
    async collect() {
      this.reset();
      for (const w of (await snapshot()).webhooks) this.set({ endpoint: w.id }, w.backlog);
    },
  });
  new Gauge({
    name: 'txmail_webhook_consecutive_failures',
    help: 'Failed POSTs in a row of each webhook endpoint (the most failing ones), as the store records them.',
    labelNames: ['endpoint', 'enabled'],
    registers,
    async collect() {
      this.reset();
      for (const w of (await snapshot()).webhooks) this.set({ endpoint: w.id, enabled: String(w.enabled) }, w.failures);
    },
  });
}
