// A tenant's status columns (migration 0009), mapped the same way by both adapters.
import type { Tenant } from './store.js';

export interface TenantStatusRow {
  suspended_at?: number | null;
  suspend_reason?: string | null;
  deleted_at?: number | null;
}

export function tenantStatus(r: TenantStatusRow): Pick<Tenant, 'suspendedAt' | 'suspendReason' | 'deletedAt'> {
  return {
    ...(r.suspended_at != null ? { suspendedAt: r.suspended_at, suspendReason: r.suspend_reason ?? '' } : {}),
    ...(r.deleted_at != null ? { deletedAt: r.deleted_at } : {}),
  };
}
