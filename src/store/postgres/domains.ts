// Sending domains and their DKIM keys (see the SQLite twin). A domain's keys are read in the
// same query; the key switch of a rotation is one transaction.
import type { DkimAlgorithm, DkimChoice, KeySwitch } from '../../domain/domains/keys.js';
import type { PoolClient } from 'pg';
import { related, selfAndParents } from '../../domain/domains/ownership.js';
import type { CreateDomainResult, DkimKeyRecord, DomainCheck, DomainCheckResult, DomainClaim, SendingDomain } from '../store.js';
import type { PgDb } from './pool.js';

type KeyJson = {
  id: string;
  selector: string;
  algorithm: string;
  public_key: string;
  private_key_sealed: string;
  created_at: number;
  activated_at: number | null;
  deactivated_at: number | null;
  retire_at: number | null;
};
type DomainRow = {
  name: string;
  tenant_id: string;
  created_at: number;
  dkim: string;
  verified_at: number | null;
  owned_at: number | null;
  last_check: DomainCheck | null;
  keys: KeyJson[];
};

// Keys come back as JSON (numbers stay numbers there: epoch ms fits a double exactly).
const SELECT = `
  SELECT d.name, d.tenant_id, d.created_at, d.dkim, d.verified_at, d.owned_at, d.last_check,
         COALESCE((SELECT json_agg(k ORDER BY k.created_at, k.id) FROM dkim_keys k WHERE k.tenant_id = d.tenant_id AND k.domain = d.name), '[]') AS keys
    FROM sending_domains d`;

const toDomain = (r: DomainRow): SendingDomain => ({
  tenantId: r.tenant_id,
  name: r.name,
  createdAt: r.created_at,
  ownedAt: r.owned_at,
  dkim: r.dkim as DkimChoice,
  verifiedAt: r.verified_at,
  lastCheck: r.last_check,
  keys: r.keys.map((k) => ({
    id: k.id,
    selector: k.selector,
    algorithm: k.algorithm as DkimAlgorithm,
    publicKey: k.public_key,
    privateKeySealed: k.private_key_sealed,
    createdAt: Number(k.created_at),
    activatedAt: k.activated_at === null ? null : Number(k.activated_at),
    deactivatedAt: k.deactivated_at === null ? null : Number(k.deactivated_at),
    retireAt: k.retire_at === null ? null : Number(k.retire_at),
  })),
});

const KEY_INSERT = `
  INSERT INTO dkim_keys (id, tenant_id, domain, selector, algorithm, public_key, private_key_sealed, created_at, activated_at, deactivated_at, retire_at)
  SELECT id, $11, $1, selector, algorithm, public_key, sealed, created_at, activated_at, deactivated_at, retire_at
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[], $8::int8[], $9::int8[], $10::int8[])
         AS k(id, selector, algorithm, public_key, sealed, created_at, activated_at, deactivated_at, retire_at)`;

const keyParams = (tenantId: string, name: string, keys: readonly DkimKeyRecord[]): unknown[] => [
  name,
  keys.map((k) => k.id),
  keys.map((k) => k.selector),
  keys.map((k) => k.algorithm),
  keys.map((k) => k.publicKey),
  keys.map((k) => k.privateKeySealed),
  keys.map((k) => k.createdAt),
  keys.map((k) => k.activatedAt),
  keys.map((k) => k.deactivatedAt),
  keys.map((k) => k.retireAt),
  tenantId,
];

type ClaimRow = { tenant_id: string; name: string; created_at: string | number; owned_at: string | number | null };

const toClaim = (r: ClaimRow): DomainClaim => ({
  tenantId: r.tenant_id,
  name: r.name,
  createdAt: Number(r.created_at),
  ownedAt: r.owned_at === null ? null : Number(r.owned_at),
});

/**
 * Ownership decisions queue on one transaction-scoped advisory lock: a check of related names
 * (a parent and a subdomain are different rows, so no row lock or unique index can cover them)
 * and the write that depends on it never interleave with another tenant's. Domains are added
 * and verified rarely, so one lock for all of them costs nothing.
 */
async function lockOwnership(db: PgDb, c: PoolClient): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`txmail:domain-ownership:${db.schema ?? ''}`]);
}

/** Claims on the name, its parents and its subdomains. */
async function relatedClaims(c: PoolClient, name: string): Promise<DomainClaim[]> {
  const r = await c.query<ClaimRow>(
    `SELECT tenant_id, name, created_at, owned_at FROM sending_domains WHERE name = ANY($1::text[]) OR right(name, $2) = $3`,
    [selfAndParents(name), name.length + 1, `.${name}`],
  );
  return r.rows.map(toClaim).filter((x) => related(x.name, name));
}

export function createDomain(db: PgDb, d: SendingDomain): Promise<CreateDomainResult> {
  return db.tx(async (c) => {
    await lockOwnership(db, c);
    const claims = await relatedClaims(c, d.name);
    if (claims.some((x) => x.tenantId === d.tenantId && x.name === d.name)) return 'exists';
    if (claims.some((x) => x.tenantId !== d.tenantId && x.ownedAt !== null)) return 'taken';
    await c.query(
      `INSERT INTO sending_domains (name, tenant_id, created_at, dkim, verified_at, owned_at, last_check) VALUES ($1, $2, $3, $4, $5, NULL, $6)`,
      [d.name, d.tenantId, d.createdAt, d.dkim, d.verifiedAt, d.lastCheck === null ? null : JSON.stringify(d.lastCheck)],
    );
    if (d.keys.length > 0) await c.query(KEY_INSERT, keyParams(d.tenantId, d.name, d.keys));
    return 'created';
  });
}

export async function domainClaims(db: PgDb, names: readonly string[]): Promise<DomainClaim[]> {
  if (names.length === 0) return [];
  const rows = await db.query<ClaimRow>('SELECT tenant_id, name, created_at, owned_at FROM sending_domains WHERE name = ANY($1::text[])', [
    names.map((n) => n.toLowerCase()),
  ]);
  return rows.map(toClaim);
}

export async function getDomain(db: PgDb, tenantId: string, name: string): Promise<SendingDomain | undefined> {
  const [r] = await db.query<DomainRow>(`${SELECT} WHERE d.tenant_id = $1 AND d.name = $2`, [tenantId, name.toLowerCase()]);
  return r && toDomain(r);
}

export async function listDomains(db: PgDb, tenantId: string): Promise<SendingDomain[]> {
  return (await db.query<DomainRow>(`${SELECT} WHERE d.tenant_id = $1 ORDER BY d.name`, [tenantId])).map(toDomain);
}

export async function deleteDomain(db: PgDb, tenantId: string, name: string): Promise<boolean> {
  // dkim_keys go with it (ON DELETE CASCADE).
  const r = await db.pool.query('DELETE FROM sending_domains WHERE tenant_id = $1 AND name = $2', [tenantId, name.toLowerCase()]);
  return r.rowCount === 1;
}

export function addDkimKeys(db: PgDb, tenantId: string, name: string, keys: readonly DkimKeyRecord[]): Promise<boolean> {
  return db.tx(async (c) => {
    const own = await c.query('SELECT 1 FROM sending_domains WHERE tenant_id = $1 AND name = $2 FOR UPDATE', [tenantId, name]);
    if (own.rowCount !== 1) return false;
    if (keys.length > 0) await c.query(KEY_INSERT, keyParams(tenantId, name, keys));
    return true;
  });
}

export function switchDkimKeys(db: PgDb, tenantId: string, name: string, sw: KeySwitch, now: number): Promise<boolean> {
  return db.tx(async (c) => {
    const own = await c.query('SELECT 1 FROM sending_domains WHERE tenant_id = $1 AND name = $2 FOR UPDATE', [tenantId, name]);
    if (own.rowCount !== 1) return false;
    await c.query('UPDATE dkim_keys SET activated_at = $1 WHERE tenant_id = $4 AND domain = $2 AND id = ANY($3::text[]) AND activated_at IS NULL', [
      now,
      name,
      sw.activate,
      tenantId,
    ]);
    await c.query(
      'UPDATE dkim_keys SET deactivated_at = $1, retire_at = $2 WHERE tenant_id = $5 AND domain = $3 AND id = ANY($4::text[]) AND deactivated_at IS NULL',
      [now, sw.retireAt, name, sw.deactivate, tenantId],
    );
    return true;
  });
}

export function recordDomainCheck(db: PgDb, tenantId: string, name: string, check: DomainCheck): Promise<DomainCheckResult> {
  return db.tx(async (c) => {
    const save = async (x: DomainCheck, ownedAt: number | null): Promise<void> => {
      await c.query('UPDATE sending_domains SET last_check = $1, verified_at = $2, owned_at = $3 WHERE tenant_id = $4 AND name = $5', [
        JSON.stringify(x),
        x.verified ? x.at : null,
        ownedAt,
        tenantId,
        name,
      ]);
    };
    // A proof takes the ownership lock before any row lock (as createDomain does), so two
    // tenants' proofs queue instead of each holding the row the other would delete.
    if (check.verified) await lockOwnership(db, c);
    const row = (await c.query<{ owned_at: string | null }>('SELECT owned_at FROM sending_domains WHERE tenant_id = $1 AND name = $2 FOR UPDATE', [tenantId, name]))
      .rows[0];
    if (!row) return 'missing';
    if (!check.verified || row.owned_at !== null) {
      await save(check, row.owned_at === null ? null : Number(row.owned_at));
      return 'recorded';
    }
    const others = (await relatedClaims(c, name)).filter((x) => x.tenantId !== tenantId);
    if (others.some((x) => x.ownedAt !== null)) {
      await save({ ...check, verified: false }, null);
      return 'taken';
    }
    await save(check, check.at);
    // The first to prove ownership keeps it: the others' related pending claims yield (keys cascade).
    for (const x of others) await c.query('DELETE FROM sending_domains WHERE tenant_id = $1 AND name = $2', [x.tenantId, x.name]);
    return 'owned';
  });
}
