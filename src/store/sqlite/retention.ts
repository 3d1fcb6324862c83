// Retention: old messages whose deliveries are all final go, with their deliveries and events, a
// batch per call (one short write transaction, so acceptances are not held up for long). Old
// messages are found through messages_tenant_created: no index of its own for acceptance to pay for.
import type { PurgeRequest, PurgeResult } from '../store.js';
import type { SqliteDb } from './db.js';

export function purgeMessages(s: SqliteDb, req: PurgeRequest): Promise<PurgeResult> {
  return s.write(() => {
    const ids = (
      s
        .stmt(
          `SELECT m.id FROM messages m
            WHERE m.tenant_id IN (SELECT id FROM tenants) AND m.created_at < ?
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.next_attempt_at IS NOT NULL)
            LIMIT ?`,
        )
        .all(req.before, req.limit) as Array<{ id: string }>
    ).map((r) => r.id);
    if (ids.length === 0) return { messages: 0, deliveries: 0, events: 0 };
    const list = JSON.stringify(ids);
    const events = s.stmt('DELETE FROM events WHERE message_id IN (SELECT value FROM json_each(?))').run(list).changes;
    const deliveries = s.stmt('DELETE FROM deliveries WHERE message_id IN (SELECT value FROM json_each(?))').run(list).changes;
    const messages = s.stmt('DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?))').run(list).changes;
    return { messages, deliveries, events };
  });
}
