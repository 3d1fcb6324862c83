// Tenants and API keys. Keys are stored as a SHA-256 of their secret part only.
import type { ApiKeyRecord, Scope, Tenant, TenantSettings } from '../store.js';
import { tenantStatus, type TenantStatusRow } from '../rows-tenant.js';
import type { PgDb } from './pool.js';

type TenantRow = { id: string; name: string; created_at: number; settings: TenantSettings } & TenantStatusRow;
const toTenant = (r: TenantRow): Tenant => ({ id: r.id, name: r.name, createdAt: r.created_at, settings: r.settings, ...tenantStatus(r) });

export async function createTenant(db: PgDb, t: Tenant): Promise<void> {
  await db.query('INSERT INTO tenants (id, name, created_at, settings) VALUES ($1, $2, $3, $4)', [t.id, t.name, t.createdAt, JSON.stringify(t.settings ?? {})]);
}

/**
 * The first tenant and its admin key, or nothing when a tenant exists. Processes starting at once
 * on an empty database queue on a transaction-scoped advisory lock, so exactly one creates them.
 */
export async function createFirstTenant(db: PgDb, t: Tenant, k: ApiKeyRecord): Promise<boolean> {
  return db.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`txmail:first-tenant:${db.schema ?? ''}`]);
    if ((await c.query('SELECT 1 FROM tenants LIMIT 1')).rows.length > 0) return false;
    await c.query('INSERT INTO tenants (id, name, created_at, settings) VALUES ($1, $2, $3, $4)', [t.id, t.name, t.createdAt, JSON.stringify(t.settings ?? {})]);
    await c.query('INSERT INTO api_keys (id, tenant_id, name, hash, scopes, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5::text[], $6, $7)', [
      k.id, k.tenantId, k.name, k.hash, k.scopes, k.createdAt, k.revokedAt,
    ]);
    return true;
  });
}

export async function getTenant(db: PgDb, id: string): Promise<Tenant | undefined> {
  const [r] = await db.query<TenantRow>('SELECT id, name, created_at, settings, suspended_at, suspend_reason, deleted_at FROM tenants WHERE id = $1', [id]);
  return r && toTenant(r);
}

export async function listTenants(db: PgDb): Promise<Tenant[]> {
  return (await db.query<TenantRow>('SELECT id, name, created_at, settings, suspended_at, suspend_reason, deleted_at FROM tenants ORDER BY created_at, id')).map(toTenant);
}

export async function updateTenantSettings(db: PgDb, id: string, patch: TenantSettings): Promise<Tenant | undefined> {
  const [r] = await db.query<TenantRow>('UPDATE tenants SET settings = settings || $2::jsonb WHERE id = $1 RETURNING id, name, created_at, settings, suspended_at, suspend_reason, deleted_at', [
    id,
    JSON.stringify(patch),
  ]);
  return r && toTenant(r);
}

export async function getOrCreateSecret(db: PgDb, name: string, create: () => string): Promise<string> {
  await db.query('INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, create()]);
  const [r] = await db.query<{ value: string }>('SELECT value FROM secrets WHERE name = $1', [name]);
  return r!.value;
}

type KeyRow = { id: string; tenant_id: string; name: string; hash: string; scopes: Scope[]; created_at: number; revoked_at: number | null };
const toKey = (r: KeyRow): ApiKeyRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  hash: r.hash,
  scopes: r.scopes,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});
const KEY_COLUMNS = 'id, tenant_id, name, hash, scopes, created_at, revoked_at';

export async function createApiKey(db: PgDb, k: ApiKeyRecord): Promise<void> {
  await db.query('INSERT INTO api_keys (id, tenant_id, name, hash, scopes, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5::text[], $6, $7)', [
    k.id, k.tenantId, k.name, k.hash, k.scopes, k.createdAt, k.revokedAt,
  ]);
}

export async function getApiKey(db: PgDb, id: string): Promise<ApiKeyRecord | undefined> {
  const [r] = await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1`, [id]);
  return r && toKey(r);
}

export async function listApiKeys(db: PgDb, tenantId: string): Promise<ApiKeyRecord[]> {
  return (await db.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId])).map(toKey);
}

export async function revokeApiKey(db: PgDb, tenantId: string, id: string, now: number): Promise<boolean> {
  const r = await db.pool.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND tenant_id = $3 AND revoked_at IS NULL', [now, id, tenantId]);
  return r.rowCount === 1;
}
