// Figures for /metrics, read at scrape time. Both queries stay on indexes: unfinished deliveries
// through the partial deliveries_due index (finished rows have next_attempt_at NULL), and each
// endpoint's backlog through events(tenant_id, seq), counted only up to a cap.
import type { MetricsSnapshot } from '../store.js';
import type { SqliteDb } from './db.js';

type QueueRow = { s: MetricsSnapshot['queue'][number]['state']; n: number; oldest: number };

export function metricsSnapshot(s: SqliteDb, now: number, maxWebhooks: number, backlogCap: number): Promise<MetricsSnapshot> {
  return s.read(() => {
    const queue = (
      s
        .stmt(
          `SELECT CASE WHEN lease_owner IS NOT NULL AND next_attempt_at > @now THEN 'in_flight'
                       WHEN state = 'queued' AND next_attempt_at > @now THEN 'scheduled'
                       ELSE state END AS s, count(*) AS n, min(accepted_at) AS oldest
             FROM deliveries WHERE next_attempt_at IS NOT NULL GROUP BY 1`,
        )
        .all({ now }) as QueueRow[]
    ).map((r) => ({ state: r.s, count: r.n, oldestAcceptedAt: r.oldest }));
    const backlog = s.stmt('SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE tenant_id = ? AND seq > ? LIMIT ?)');
    const webhooks = (
      s.stmt('SELECT id, tenant_id, enabled, failures, cursor FROM webhooks ORDER BY failures DESC, next_attempt_at, id LIMIT ?').all(maxWebhooks) as Array<{
        id: string;
        tenant_id: string;
        enabled: number;
        failures: number;
        cursor: string;
      }>
    ).map((w) => ({
      id: w.id,
      enabled: w.enabled === 1,
      failures: w.failures,
      backlog: (backlog.get(w.tenant_id, Number(w.cursor) || 0, backlogCap) as { n: number }).n,
    }));
    return { queue, webhooks };
  });
}
