// Asynchronous feedback about a delivery (DSN, complaint, unsubscribe): the event, the change to
// the delivery and the suppression in one savepoint (DESIGN invariant 2).
import type { DeliveryState } from '../../domain/delivery/types.js';
import type { DeliveryRef, FeedbackRecord, FeedbackResult, Suppression } from '../store.js';
import type { SqliteDb } from './db.js';
import { suppressionKey } from '../../domain/suppression/key.js';

export function getDeliveryRef(s: SqliteDb, id: string): Promise<DeliveryRef | undefined> {
  return s.read(() => {
    const r = s.stmt('SELECT id, tenant_id, message_id, recipient, state, attempts, updated_at FROM deliveries WHERE id = ?').get(id) as
      | { id: string; tenant_id: string; message_id: string; recipient: string; state: DeliveryState; attempts: number; updated_at: number }
      | undefined;
    return r && { id: r.id, tenantId: r.tenant_id, messageId: r.message_id, recipient: r.recipient, state: r.state, attempts: r.attempts, deliveredAt: r.state === 'delivered' ? r.updated_at : null };
  });
}

export function upsertSuppression(s: SqliteDb, x: Suppression): void {
  s.stmt(
    `INSERT INTO suppressions (tenant_id, address, reason, source_message_id, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(tenant_id, address) DO UPDATE SET reason = excluded.reason, source_message_id = excluded.source_message_id, created_at = excluded.created_at`,
  ).run(x.tenantId, suppressionKey(x.address), x.reason, x.sourceMessageId, x.createdAt);
}

export function recordFeedback(s: SqliteDb, f: FeedbackRecord): Promise<FeedbackResult> {
  return s.write((): FeedbackResult => {
    const row = s.stmt('SELECT tenant_id FROM deliveries WHERE id = ?').get(f.deliveryId) as { tenant_id: string } | undefined;
    if (row && row.tenant_id !== f.tenantId) return 'unknown_delivery';
    let result: FeedbackResult = 'recorded';
    if (f.bounce) {
      if (!row) return 'unknown_delivery';
      // Final now, whatever it was: a lease still held on it is fenced off by the new token.
      const changed = s
        .stmt(
          `UPDATE deliveries SET state = 'bounced', bounce_class = ?, reason = ?, last_reply = ?, next_attempt_at = NULL, lease_owner = NULL,
                  lease_token = lease_token + 1, updated_at = ?
            WHERE id = ? AND state NOT IN ('bounced', 'dropped')`,
        )
        .run(f.bounce.class, f.bounce.reason, f.bounce.reply, f.event.at, f.deliveryId).changes;
      if (changed === 0) return 'duplicate';
    } else {
      const seen = s.stmt('SELECT 1 FROM events WHERE message_id = ? AND delivery_id = ? AND type = ? LIMIT 1').get(f.event.messageId, f.deliveryId, f.event.type);
      if (seen) return 'duplicate';
      if (!row) result = 'unknown_delivery';
    }
    s.stmt('INSERT INTO events (tenant_id, type, message_id, delivery_id, recipient, at, data) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      f.tenantId, f.event.type, f.event.messageId, f.deliveryId, f.event.recipient ?? null, f.event.at, JSON.stringify(f.event.data),
    );
    if (f.suppression) upsertSuppression(s, f.suppression);
    return result;
  });
}
