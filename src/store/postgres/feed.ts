// Positions in the event feed (its end, the point where a time begins) and the message facts
// that travel with events sent out. Cursors are `<txid>.<id>` as in read.ts.
import type { MessageMeta } from '../../domain/events/meta.js';
import type { PgDb } from './pool.js';

/**
 * SQL for the tenant's feed end ($1 = tenant): the newest event below the snapshot's xmin, the
 * last position listEvents can have handed out. Events of transactions still open sort after it.
 */
export const FEED_HEAD_SQL = `coalesce((SELECT txid::text || '.' || id FROM events
  WHERE tenant_id = $1 AND txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY txid DESC, id DESC LIMIT 1), '0.0')`;

export async function feedCursorAt(db: PgDb, tenantId: string, at: number): Promise<string> {
  // Bisect on the identity id (insertion order, close to commit order); each probe is a short walk
  // of the primary key. The answer is the position just before the first event found at `at`.
  type Probe = { id: number; txid: string; at: number };
  const probe = async (from: number): Promise<Probe | undefined> =>
    (await db.query<Probe>('SELECT id, txid::text AS txid, at FROM events WHERE tenant_id = $1 AND id >= $2 ORDER BY id LIMIT 1', [tenantId, from]))[0];
  const [max] = await db.query<{ id: number | null }>('SELECT max(id) AS id FROM events');
  let lo = 0;
  let hi = (max?.id ?? 0) + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const r = await probe(mid);
    if (!r || r.at >= at) hi = mid;
    else lo = r.id + 1;
  }
  const first = await probe(lo);
  if (!first) return (await db.query<{ head: string }>(`SELECT ${FEED_HEAD_SQL} AS head`, [tenantId]))[0]!.head;
  return `${first.txid}.${first.id - 1}`;
}

export async function loadMessageMeta(db: PgDb, ids: readonly string[]): Promise<Map<string, MessageMeta>> {
  const out = new Map<string, MessageMeta>();
  if (ids.length === 0) return out;
  const rows = await db.query<{ id: string; message_id_header: string; tags: string[]; metadata: Record<string, string> }>(
    'SELECT id, message_id_header, tags, metadata FROM messages WHERE id = ANY($1::text[])',
    [[...new Set(ids)]],
  );
  for (const r of rows) out.set(r.id, { id: r.id, messageIdHeader: r.message_id_header, tags: r.tags, metadata: r.metadata });
  return out;
}
