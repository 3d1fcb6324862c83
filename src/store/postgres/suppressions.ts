// The tenant's suppression list; addresses are stored lower-cased, acceptance compares lower-cased.
import type { Suppression, SuppressionReason } from '../store.js';
import type { PgDb } from './pool.js';

export async function suppress(db: PgDb, x: Suppression): Promise<boolean> {
  // xmax is 0 on a freshly inserted row version and set on one written by the ON CONFLICT
  // update: one atomic statement tells "added" from "refreshed", with no read-then-write race.
  const [r] = await db.query<{ inserted: boolean }>(
    `INSERT INTO suppressions (tenant_id, address, reason, source_message_id, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, address) DO UPDATE
        SET reason = excluded.reason, source_message_id = excluded.source_message_id, created_at = excluded.created_at
     RETURNING (xmax = 0) AS inserted`,
    [x.tenantId, x.address.toLowerCase(), x.reason, x.sourceMessageId, x.createdAt],
  );
  return r?.inserted === true;
}

export async function unsuppress(db: PgDb, tenantId: string, address: string): Promise<boolean> {
  const r = await db.pool.query('DELETE FROM suppressions WHERE tenant_id = $1 AND address = $2', [tenantId, address.toLowerCase()]);
  return r.rowCount === 1;
}

export async function getSuppression(db: PgDb, tenantId: string, address: string): Promise<Suppression | undefined> {
  const [r] = await db.query<{ tenant_id: string; address: string; reason: SuppressionReason; source_message_id: string | null; created_at: number }>(
    'SELECT tenant_id, address, reason, source_message_id, created_at FROM suppressions WHERE tenant_id = $1 AND address = $2',
    [tenantId, address.toLowerCase()],
  );
  return r && { tenantId: r.tenant_id, address: r.address, reason: r.reason, sourceMessageId: r.source_message_id, createdAt: r.created_at };
}
