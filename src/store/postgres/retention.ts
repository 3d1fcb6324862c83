// Retention: old messages whose deliveries are all final go, with their deliveries and events, a
// batch per call. SKIP LOCKED: purges running in several workers at once take different batches.
// Old messages are found through messages_tenant_created (tenant by tenant, oldest first): the
// purge needs no index of its own, which every acceptance would pay for.
import type { PurgeRequest, PurgeResult } from '../store.js';
import type { PgDb } from './pool.js';

export async function purgeMessages(db: PgDb, req: PurgeRequest): Promise<PurgeResult> {
  const [r] = await db.query<PurgeResult>(
    `WITH victims AS MATERIALIZED (
       SELECT m.id FROM messages m
        WHERE m.tenant_id = ANY (ARRAY(SELECT id FROM tenants)) AND m.created_at < $1
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.next_attempt_at IS NOT NULL)
        LIMIT $2
        FOR UPDATE SKIP LOCKED
     ), ev AS (
       DELETE FROM events e USING victims v WHERE e.message_id = v.id RETURNING 1
     ), dl AS (
       DELETE FROM deliveries d USING victims v WHERE d.message_id = v.id RETURNING 1
     ), ms AS (
       DELETE FROM messages m USING victims v WHERE m.id = v.id RETURNING 1
     )
     SELECT (SELECT count(*) FROM ms)::int AS messages, (SELECT count(*) FROM dl)::int AS deliveries, (SELECT count(*) FROM ev)::int AS events`,
    [req.before, req.limit],
  );
  return r ?? { messages: 0, deliveries: 0, events: 0 };
}
