import type { Suppression, SuppressionPage, SuppressionQuery, SuppressionReason } from '../store.js';
import type { SqliteDb } from './db.js';
import { suppressionKey } from '../../domain/suppression/key.js';

export function suppress(s: SqliteDb, x: Suppression): Promise<boolean> {
  return s.write(() => {
    const existed = s.stmt('SELECT 1 FROM suppressions WHERE tenant_id = ? AND address = ?').get(x.tenantId, suppressionKey(x.address)) !== undefined;
    s.stmt(
      `INSERT INTO suppressions (tenant_id, address, reason, source_message_id, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(tenant_id, address) DO UPDATE SET reason = excluded.reason, source_message_id = excluded.source_message_id, created_at = excluded.created_at`,
    ).run(x.tenantId, suppressionKey(x.address), x.reason, x.sourceMessageId, x.createdAt);
    return !existed;
  });
}

export function unsuppress(s: SqliteDb, tenantId: string, address: string): Promise<boolean> {
  return s.write(() => s.stmt('DELETE FROM suppressions WHERE tenant_id = ? AND address = ?').run(tenantId, suppressionKey(address)).changes === 1);
}

export function getSuppression(s: SqliteDb, tenantId: string, address: string): Promise<Suppression | undefined> {
  return s.read(() => {
    const r = s.stmt('SELECT * FROM suppressions WHERE tenant_id = ? AND address = ?').get(tenantId, suppressionKey(address)) as
      | { tenant_id: string; address: string; reason: SuppressionReason; source_message_id: string | null; created_at: number }
      | undefined;
    return r && { tenantId: r.tenant_id, address: r.address, reason: r.reason, sourceMessageId: r.source_message_id, createdAt: r.created_at };
  });
}

type SuppressionRow = { tenant_id: string; address: string; reason: SuppressionReason; source_message_id: string | null; created_at: number };
const toSuppression = (r: SuppressionRow): Suppression => ({
  tenantId: r.tenant_id,
  address: r.address,
  reason: r.reason,
  sourceMessageId: r.source_message_id,
  createdAt: r.created_at,
});

/** `%`, `_` and the escape itself match literally in a LIKE pattern. */
export const likePattern = (search: string): string => `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function listSuppressions(s: SqliteDb, tenantId: string, q: SuppressionQuery): Promise<SuppressionPage> {
  return s.read(() => {
    const where = ['tenant_id = @tenant', 'address > @after'];
    if (q.reason !== undefined) where.push('reason = @reason');
    if (q.search) where.push("address LIKE @like ESCAPE '\\'");
    const rows = s
      .stmt(`SELECT * FROM suppressions WHERE ${where.join(' AND ')} ORDER BY address LIMIT @limit`)
      .all({ tenant: tenantId, after: q.after ?? '', reason: q.reason ?? null, like: q.search ? likePattern(q.search) : null, limit: q.limit + 1 }) as SuppressionRow[];
    const items = rows.slice(0, q.limit).map(toSuppression);
    return { items, next: rows.length > q.limit ? items[items.length - 1]!.address : null };
  });
}

export function suppressMany(s: SqliteDb, list: readonly Suppression[]): Promise<{ added: number; updated: number }> {
  return s.write(() => {
    const exists = s.stmt('SELECT 1 FROM suppressions WHERE tenant_id = ? AND address = ?');
    const upsert = s.stmt(
      `INSERT INTO suppressions (tenant_id, address, reason, source_message_id, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(tenant_id, address) DO UPDATE SET reason = excluded.reason, source_message_id = excluded.source_message_id, created_at = excluded.created_at`,
    );
    let added = 0;
    for (const x of list) {
      const address = suppressionKey(x.address);
      if (exists.get(x.tenantId, address) === undefined) added++;
      upsert.run(x.tenantId, address, x.reason, x.sourceMessageId, x.createdAt);
    }
    return { added, updated: list.length - added };
  });
}
