// Positions in the event feed (its end, the point where a time begins) and the message facts
// that travel with events sent out. Cursors here are the `seq` of the events table, as text.
import type { MessageMeta } from '../../domain/events/meta.js';
import type { SqliteDb } from './db.js';

/** The cursor of the tenant's newest event ('0' when there is none). Runs inside a read or write. */
export function feedHeadSync(s: SqliteDb, tenantId: string): string {
  const r = s.stmt('SELECT max(seq) AS seq FROM events WHERE tenant_id = ?').get(tenantId) as { seq: number | null };
  return String(r.seq ?? 0);
}

export function feedCursorAt(s: SqliteDb, tenantId: string, at: number): Promise<string> {
  return s.read(() => {
    // Bisect on seq: each probe is one step down the (tenant_id, seq) index.
    const probe = s.stmt('SELECT seq, at FROM events WHERE tenant_id = ? AND seq >= ? ORDER BY seq LIMIT 1');
    let lo = 0;
    let hi = Number(feedHeadSync(s, tenantId)) + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const r = probe.get(tenantId, mid) as { seq: number; at: number } | undefined;
      if (!r || r.at >= at) hi = mid;
      else lo = r.seq + 1;
    }
    // lo is the first seq whose event (or the next one's) is at or after `at`.
    return String(Math.max(lo - 1, 0));
  });
}

export function loadMessageMeta(s: SqliteDb, ids: readonly string[]): Promise<Map<string, MessageMeta>> {
  return s.read(() => {
    const out = new Map<string, MessageMeta>();
    // One statement for the whole batch: a call per id costs more than the lookups themselves.
    const rows = s
      .stmt('SELECT id, message_id_header, tags, metadata FROM messages WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify([...new Set(ids)])) as Array<{ id: string; message_id_header: string; tags: string; metadata: string }>;
    for (const r of rows) {
      // Most messages carry no tags or metadata; skip the parser for those.
      out.set(r.id, {
        id: r.id,
        messageIdHeader: r.message_id_header,
        tags: r.tags === '[]' ? [] : (JSON.parse(r.tags) as string[]),
        metadata: r.metadata === '{}' ? {} : (JSON.parse(r.metadata) as Record<string, string>),
      });
    }
    return out;
  });
}
