// The tenant's suppression list; addresses are stored lower-cased, acceptance compares lower-cased.
import type { Suppression, SuppressionPage, SuppressionQuery, SuppressionReason } from '../store.js';
import { upsertSuppressions } from './feedback.js';
import type { PgDb } from './pool.js';
import { suppressionKey } from '../../domain/suppression/key.js';

export async function suppress(db: PgDb, x: Suppression): Promise<boolean> {
  // xmax is 0 on a freshly inserted row version and set on one written by the ON CONFLICT
  // update: one atomic statement tells "added" from "refreshed", with no read-then-write race.
  const [r] = await db.query<{ inserted: boolean }>(
    `INSERT INTO suppressions (tenant_id, address, reason, source_message_id, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, address) DO UPDATE
        SET reason = excluded.reason, source_message_id = excluded.source_message_id, created_at = excluded.created_at
     RETURNING (xmax = 0) AS inserted`,
    [x.tenantId, suppressionKey(x.address), x.reason, x.sourceMessageId, x.createdAt],
  );
  return r?.inserted === true;
}

export async function unsuppress(db: PgDb, tenantId: string, address: string): Promise<boolean> {
  const r = await db.pool.query('DELETE FROM suppressions WHERE tenant_id = $1 AND address = $2', [tenantId, suppressionKey(address)]);
  return r.rowCount === 1;
}

export async function getSuppression(db: PgDb, tenantId: string, address: string): Promise<Suppression | undefined> {
  const [r] = await db.query<{ tenant_id: string; address: string; reason: SuppressionReason; source_message_id: string | null; created_at: number }>(
    'SELECT tenant_id, address, reason, source_message_id, created_at FROM suppressions WHERE tenant_id = $1 AND address = $2',
    [tenantId, suppressionKey(address)],
  );
  return r && { tenantId: r.tenant_id, address: r.address, reason: r.reason, sourceMessageId: r.source_message_id, createdAt: r.created_at };
}

type SuppressionRow = { tenant_id: string; address: string; reason: SuppressionReason; source_message_id: string | null; created_at: number };

export async function listSuppressions(db: PgDb, tenantId: string, q: SuppressionQuery): Promise<SuppressionPage> {
  const params: unknown[] = [tenantId, q.after ?? '', q.limit + 1];
  const where = ['tenant_id = $1', 'address COLLATE "C" > $2'];
  if (q.reason !== undefined) where.push(`reason = $${params.push(q.reason)}`);
  // `%`, `_` and the escape itself match literally.
  if (q.search) where.push(`address LIKE $${params.push(`%${q.search.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`)} ESCAPE '\\'`);
  const rows = await db.query<SuppressionRow>(
    `SELECT tenant_id, address, reason, source_message_id, created_at FROM suppressions WHERE ${where.join(' AND ')} ORDER BY address COLLATE "C" LIMIT $3`,
    params,
  );
  const items = rows.slice(0, q.limit).map((r) => ({ tenantId: r.tenant_id, address: r.address, reason: r.reason, sourceMessageId: r.source_message_id, createdAt: r.created_at }));
  return { items, next: rows.length > q.limit ? items[items.length - 1]!.address : null };
}

export function suppressMany(db: PgDb, list: readonly Suppression[]): Promise<{ added: number; updated: number }> {
  return db.tx(async (c) => {
    let added = 0;
    // Bounded statements: 5 arrays of 5,000 values each.
    for (let i = 0; i < list.length; i += 5000) added += await upsertSuppressions(c, list.slice(i, i + 5000));
    return { added, updated: list.length - added };
  });
}
