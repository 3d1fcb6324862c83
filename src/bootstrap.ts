// First start: the default tenant and one admin key (with the platform scope: it manages
// tenants), printed once by the caller. Several
// processes may start at once on an empty database (a cluster coming up): the store creates the
// tenant and key in one transaction only while there is no tenant, so exactly one process wins
// and prints the key; the others read the winner's tenant.
import { mintApiKey } from './ingress/auth.js';
import { newTenantId } from './lib/ids.js';
import type { Store, Tenant } from './store/store.js';

export async function ensureDefaultTenant(store: Store, now: number): Promise<{ tenant: Tenant; adminKey?: string }> {
  const existing = (await store.listTenants())[0];
  if (existing) return { tenant: existing };
  const tenant: Tenant = { id: newTenantId(now), name: 'default', createdAt: now };
  const { key, record } = mintApiKey(tenant.id, 'admin (first start)', ['admin', 'send', 'read', 'platform'], now);
  if (await store.createFirstTenant(tenant, record)) return { tenant, adminKey: key };
  const winner = (await store.listTenants())[0];
  if (!winner) throw new Error('no tenant after a concurrent first start');
  return { tenant: winner };
}
