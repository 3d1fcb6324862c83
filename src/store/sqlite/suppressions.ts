import type { Suppression, SuppressionReason } from '../store.js';
import type { SqliteDb } from './db.js';

export function suppress(s: SqliteDb, x: Suppression): Promise<boolean> {
  return s.write(() => {
    const existed = s.stmt('SELECT 1 FROM suppressions WHERE tenant_id = ? AND address = ?').get(x.tenantId, x.address.toLowerCase()) !== undefined;
    s.stmt(
      `INSERT INTO suppressions (tenant_id, address, reason, source_message_id, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(tenant_id, address) DO UPDATE SET reason = excluded.reason, source_message_id = excluded.source_message_id, created_at = excluded.created_at`,
    ).run(x.tenantId, x.address.toLowerCase(), x.reason, x.sourceMessageId, x.createdAt);
    return !existed;
  });
}

export function unsuppress(s: SqliteDb, tenantId: string, address: string): Promise<boolean> {
  return s.write(() => s.stmt('DELETE FROM suppressions WHERE tenant_id = ? AND address = ?').run(tenantId, address.toLowerCase()).changes === 1);
}

export function getSuppression(s: SqliteDb, tenantId: string, address: string): Promise<Suppression | undefined> {
  return s.read(() => {
    const r = s.stmt('SELECT * FROM suppressions WHERE tenant_id = ? AND address = ?').get(tenantId, address.toLowerCase()) as
      | { tenant_id: string; address: string; reason: SuppressionReason; source_message_id: string | null; created_at: number }
      | undefined;
    return r && { tenantId: r.tenant_id, address: r.address, reason: r.reason, sourceMessageId: r.source_message_id, createdAt: r.created_at };
  });
}
