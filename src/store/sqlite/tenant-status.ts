// Suspending, resuming and deleting a tenant (queue control): the status columns of migration 0009.
import type { Tenant, TenantStatusPatch } from '../store.js';
import type { SqliteDb } from './db.js';
import { getTenantSync } from './tenants.js';

export function setTenantStatus(s: SqliteDb, id: string, patch: TenantStatusPatch): Promise<Tenant | undefined> {
  return s.write(() => {
    const sets: string[] = [];
    const args: unknown[] = [];
    if (patch.suspendedAt !== undefined) sets.push('suspended_at = ?') && args.push(patch.suspendedAt);
    if (patch.suspendReason !== undefined) sets.push('suspend_reason = ?') && args.push(patch.suspendReason);
    if (patch.deletedAt !== undefined) sets.push('deleted_at = ?') && args.push(patch.deletedAt);
    if (sets.length > 0) s.stmt(`UPDATE tenants SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
    return getTenantSync(s, id);
  });
}
