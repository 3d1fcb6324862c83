// Tenants and API keys. Keys are stored as a SHA-256 of their secret part only.
import type { ApiKeyRecord, Scope, Tenant, TenantSettings } from '../store.js';
import { tenantStatus, type TenantStatusRow } from '../rows-tenant.js';
import type { SqliteDb } from './db.js';

export function createTenant(s: SqliteDb, t: Tenant): Promise<void> {
  return s.write(() => {
    s.stmt('INSERT INTO tenants (id, name, created_at, settings) VALUES (?, ?, ?, ?)').run(t.id, t.name, t.createdAt, JSON.stringify(t.settings ?? {}));
  });
}

/** The first tenant and its admin key, or nothing when a tenant exists (writes are serialised). */
export function createFirstTenant(s: SqliteDb, t: Tenant, k: ApiKeyRecord): Promise<boolean> {
  return s.write(() => {
    if (s.stmt('SELECT 1 FROM tenants LIMIT 1').get() !== undefined) return false;
    s.stmt('INSERT INTO tenants (id, name, created_at, settings) VALUES (?, ?, ?, ?)').run(t.id, t.name, t.createdAt, JSON.stringify(t.settings ?? {}));
    s.stmt('INSERT INTO api_keys (id, tenant_id, name, hash, scopes, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      k.id, k.tenantId, k.name, k.hash, k.scopes.join(','), k.createdAt, k.revokedAt,
    );
    return true;
  });
}

type TenantRow = { id: string; name: string; created_at: number; settings: string } & TenantStatusRow;
const toTenant = (r: TenantRow): Tenant => ({ id: r.id, name: r.name, createdAt: r.created_at, settings: JSON.parse(r.settings) as TenantSettings, ...tenantStatus(r) });

export function updateTenantSettings(s: SqliteDb, id: string, patch: TenantSettings): Promise<Tenant | undefined> {
  return s.write(() => {
    const r = s.stmt('SELECT * FROM tenants WHERE id = ?').get(id) as TenantRow | undefined;
    if (!r) return undefined;
    const settings = { ...(JSON.parse(r.settings) as TenantSettings), ...patch };
    s.stmt('UPDATE tenants SET settings = ? WHERE id = ?').run(JSON.stringify(settings), id);
    return toTenant({ ...r, settings: JSON.stringify(settings) });
  });
}

export function getOrCreateSecret(s: SqliteDb, name: string, create: () => string): Promise<string> {
  return s.write(() => {
    s.stmt('INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT(name) DO NOTHING').run(name, create());
    return (s.stmt('SELECT value FROM secrets WHERE name = ?').get(name) as { value: string }).value;
  });
}

export function getTenant(s: SqliteDb, id: string): Promise<Tenant | undefined> {
  return s.read(() => getTenantSync(s, id));
}

export function getTenantSync(s: SqliteDb, id: string): Tenant | undefined {
  const r = s.stmt('SELECT * FROM tenants WHERE id = ?').get(id) as TenantRow | undefined;
  return r && toTenant(r);
}

export function listTenants(s: SqliteDb): Promise<Tenant[]> {
  return s.read(() => (s.stmt('SELECT * FROM tenants ORDER BY created_at, id').all() as TenantRow[]).map(toTenant));
}

type KeyRow = { id: string; tenant_id: string; name: string; hash: string; scopes: string; created_at: number; revoked_at: number | null };
const toKey = (r: KeyRow): ApiKeyRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  hash: r.hash,
  scopes: r.scopes.split(',').filter(Boolean) as Scope[],
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

export function createApiKey(s: SqliteDb, k: ApiKeyRecord): Promise<void> {
  return s.write(() => {
    s.stmt('INSERT INTO api_keys (id, tenant_id, name, hash, scopes, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      k.id, k.tenantId, k.name, k.hash, k.scopes.join(','), k.createdAt, k.revokedAt,
    );
  });
}

export function getApiKey(s: SqliteDb, id: string): Promise<ApiKeyRecord | undefined> {
  return s.read(() => {
    const r = s.stmt('SELECT * FROM api_keys WHERE id = ?').get(id) as KeyRow | undefined;
    return r && toKey(r);
  });
}

export function listApiKeys(s: SqliteDb, tenantId: string): Promise<ApiKeyRecord[]> {
  return s.read(() => (s.stmt('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id').all(tenantId) as KeyRow[]).map(toKey));
}

export function revokeApiKey(s: SqliteDb, tenantId: string, id: string, now: number): Promise<boolean> {
  return s.write(() => s.stmt('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL').run(now, id, tenantId).changes === 1);
}
