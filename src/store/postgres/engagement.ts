// Opens and clicks: the delivery a tracking token names, and the engagement event, marked
// `unique` for the delivery's first open (click) by a person.
import type { EngagementRecord } from '../store.js';
import type { PgDb } from './pool.js';

export async function recordEngagement(db: PgDb, e: EngagementRecord): Promise<{ unique: boolean }> {
  return db.tx(async (c) => {
    let unique = false;
    if (e.human) {
      // One statement decides: of two first opens racing, exactly one sets the column.
      const column = e.kind === 'opened' ? 'first_open_at' : 'first_click_at';
      const r = await c.query(
        `INSERT INTO delivery_engagement (delivery_id, ${column}) VALUES ($1, $2)
         ON CONFLICT (delivery_id) DO UPDATE SET ${column} = $2 WHERE delivery_engagement.${column} IS NULL`,
        [e.ref.id, e.at],
      );
      unique = r.rowCount === 1;
    }
    await c.query('INSERT INTO events (tenant_id, type, message_id, delivery_id, recipient, at, data) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)', [
      e.ref.tenantId, e.kind, e.ref.messageId, e.ref.id, e.ref.recipient, e.at, JSON.stringify({ ...e.data, unique }),
    ]);
    return { unique };
  });
}
