// First start: the default tenant and one admin key, printed once by the caller.
import { mintApiKey } from './ingress/auth.js';
import { newTenantId } from './lib/ids.js';
import type { Store, Tenant } from './store/store.js';

export async function ensureDefaultTenant(store: Store, now: number): Promise<{ tenant: Tenant; adminKey?: string }> {
  const existing = (await store.listTenants())[0];
  if (existing) return { tenant: existing };
  const tenant: Tenant = { id: newTenantId(now), name: 'default', createdAt: now };
  await store.createTenant(tenant);
  const { key, record } = mintApiKey(tenant.id, 'admin (first start)', ['admin', 'send', 'read'], now);
  await store.createApiKey(record);
  return { tenant, adminKey: key };
}
