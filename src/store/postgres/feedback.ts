// Asynchronous feedback about a delivery (see the SQLite twin): the event, the delivery's change
// and the suppression in one transaction; the delivery row is locked so two reports about one
// delivery (a DSN and its duplicate) are decided one after the other.
import type { PoolClient } from 'pg';
import type { DeliveryState } from '../../domain/delivery/types.js';
import type { DeliveryRef, FeedbackRecord, FeedbackResult, Suppression } from '../store.js';
import type { PgDb } from './pool.js';
import { suppressionKey } from '../../domain/suppression/key.js';

export async function getDeliveryRef(db: PgDb, id: string): Promise<DeliveryRef | undefined> {
  const [r] = await db.query<{ id: string; tenant_id: string; message_id: string; recipient: string; state: DeliveryState; attempts: number; updated_at: number }>(
    'SELECT id, tenant_id, message_id, recipient, state, attempts, updated_at FROM deliveries WHERE id = $1',
    [id],
  );
  return r && { id: r.id, tenantId: r.tenant_id, messageId: r.message_id, recipient: r.recipient, state: r.state, attempts: r.attempts, deliveredAt: r.state === 'delivered' ? r.updated_at : null };
}

/** Upserts suppressions; the last one per address wins (one statement cannot update a row twice). */
export async function upsertSuppressions(c: PoolClient, list: readonly Suppression[]): Promise<number> {
  const byKey = new Map<string, Suppression>();
  for (const x of list) byKey.set(`${x.tenantId}\u0000${suppressionKey(x.address)}`, x);
  const rows = [...byKey.values()];
  if (rows.length === 0) return 0;
  const r = await c.query<{ inserted: boolean }>(
    `INSERT INTO suppressions (tenant_id, address, reason, source_message_id, created_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[])
     ON CONFLICT (tenant_id, address) DO UPDATE
        SET reason = excluded.reason, source_message_id = excluded.source_message_id, created_at = excluded.created_at
     RETURNING (xmax = 0) AS inserted`,
    [rows.map((x) => x.tenantId), rows.map((x) => suppressionKey(x.address)), rows.map((x) => x.reason), rows.map((x) => x.sourceMessageId), rows.map((x) => x.createdAt)],
  );
  return r.rows.filter((x) => x.inserted).length;
}

export function recordFeedback(db: PgDb, f: FeedbackRecord): Promise<FeedbackResult> {
  return db.tx(async (c): Promise<FeedbackResult> => {
    const row = (await c.query<{ tenant_id: string }>('SELECT tenant_id FROM deliveries WHERE id = $1 FOR UPDATE', [f.deliveryId])).rows[0];
    if (row && row.tenant_id !== f.tenantId) return 'unknown_delivery';
    let result: FeedbackResult = 'recorded';
    if (f.bounce) {
      if (!row) return 'unknown_delivery';
      // Final now, whatever it was: a lease still held on it is fenced off by the new token.
      const u = await c.query(
        `UPDATE deliveries SET state = 'bounced', bounce_class = $1, reason = $2, last_reply = $3, next_attempt_at = NULL, lease_owner = NULL,
                lease_token = lease_token + 1, updated_at = $4
          WHERE id = $5 AND state NOT IN ('bounced', 'dropped')`,
        [f.bounce.class, f.bounce.reason, f.bounce.reply, f.event.at, f.deliveryId],
      );
      if (u.rowCount === 0) return 'duplicate';
    } else {
      const seen = await c.query('SELECT 1 FROM events WHERE message_id = $1 AND delivery_id = $2 AND type = $3 LIMIT 1', [f.event.messageId, f.deliveryId, f.event.type]);
      if ((seen.rowCount ?? 0) > 0) return 'duplicate';
      if (!row) result = 'unknown_delivery';
    }
    await c.query('INSERT INTO events (tenant_id, type, message_id, delivery_id, recipient, at, data) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      f.tenantId,
      f.event.type,
      f.event.messageId,
      f.deliveryId,
      f.event.recipient ?? null,
      f.event.at,
      JSON.stringify(f.event.data),
    ]);
    if (f.suppression) await upsertSuppressions(c, [f.suppression]);
    return result;
  });
}
