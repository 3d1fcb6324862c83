// Figures for /metrics, read at scrape time: unfinished deliveries through the partial
// deliveries_due index, each endpoint's backlog through events_feed, counted up to a cap.
import type { MetricsSnapshot } from '../store.js';
import type { PgDb } from './pool.js';

const CURSOR = /^(\d{1,20})\.(\d{1,19})$/;

export async function metricsSnapshot(db: PgDb, now: number, maxWebhooks: number, backlogCap: number): Promise<MetricsSnapshot> {
  const rows = await db.query<{ s: MetricsSnapshot['queue'][number]['state']; n: number; oldest: string }>(
    `SELECT CASE WHEN lease_owner IS NOT NULL AND next_attempt_at > $1 THEN 'in_flight'
                 WHEN state = 'queued' AND next_attempt_at > $1 THEN 'scheduled'
                 ELSE state END AS s, count(*)::int AS n, min(accepted_at) AS oldest
       FROM deliveries WHERE next_attempt_at IS NOT NULL GROUP BY 1`,
    [now],
  );
  const endpoints = await db.query<{ id: string; tenant_id: string; enabled: boolean; failures: number; cursor: string }>(
    'SELECT id, tenant_id, enabled, failures, cursor FROM webhooks ORDER BY failures DESC, next_attempt_at, id LIMIT $1',
    [maxWebhooks],
  );
  const webhooks = [];
  for (const w of endpoints) {
    const m = CURSOR.exec(w.cursor);
    const [r] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM events WHERE tenant_id = $1 AND (txid, id) > ($2::xid8, $3::bigint) LIMIT $4) x`,
      [w.tenant_id, m?.[1] ?? '0', m?.[2] ?? '0', backlogCap],
    );
    webhooks.push({ id: w.id, enabled: w.enabled, failures: w.failures, backlog: r?.n ?? 0 });
  }
  return { queue: rows.map((r) => ({ state: r.s, count: r.n, oldestAcceptedAt: Number(r.oldest) })), webhooks };
}
