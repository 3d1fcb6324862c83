// Opens and clicks: the delivery a tracking token names, and the engagement event, marked
// `unique` for the delivery's first open (click) by a person.
import type { EngagementRecord } from '../store.js';
import type { SqliteDb } from './db.js';

export function recordEngagement(s: SqliteDb, e: EngagementRecord): Promise<{ unique: boolean }> {
  return s.write(() => {
    let unique = false;
    if (e.human) {
      const column = e.kind === 'opened' ? 'first_open_at' : 'first_click_at';
      unique =
        s
          .stmt(
            `INSERT INTO delivery_engagement (delivery_id, ${column}) VALUES (@id, @at)
             ON CONFLICT (delivery_id) DO UPDATE SET ${column} = @at WHERE ${column} IS NULL`,
          )
          .run({ id: e.ref.id, at: e.at }).changes === 1;
    }
    s.stmt('INSERT INTO events (tenant_id, type, message_id, delivery_id, recipient, at, data) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      e.ref.tenantId, e.kind, e.ref.messageId, e.ref.id, e.ref.recipient, e.at, JSON.stringify({ ...e.data, unique }),
    );
    return { unique };
  });
}
