// Sending domains and their DKIM keys (see the SQLite twin). A domain's keys are read in the
// same query; the key switch of a rotation is one transaction.
import type { DkimAlgorithm, DkimChoice, KeySwitch } from '../../domain/domains/keys.js';
import type { CreateDomainResult, DkimKeyRecord, DomainCheck, SendingDomain } from '../store.js';
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
  last_check: DomainCheck | null;
  keys: KeyJson[];
};

// Keys come back as JSON (numbers stay numbers there: epoch ms fits a double exactly).
const SELECT = `
  SELECT d.name, d.tenant_id, d.created_at, d.dkim, d.verified_at, d.last_check,
         COALESCE((SELECT json_agg(k ORDER BY k.created_at, k.id) FROM dkim_keys k WHERE k.domain = d.name), '[]') AS keys
    FROM sending_domains d`;

const toDomain = (r: DomainRow): SendingDomain => ({
  tenantId: r.tenant_id,
  name: r.name,
  createdAt: r.created_at,
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
  INSERT INTO dkim_keys (id, domain, selector, algorithm, public_key, private_key_sealed, created_at, activated_at, deactivated_at, retire_at)
  SELECT id, $1, selector, algorithm, public_key, sealed, created_at, activated_at, deactivated_at, retire_at
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[], $8::int8[], $9::int8[], $10::int8[])
         AS k(id, selector, algorithm, public_key, sealed, created_at, activated_at, deactivated_at, retire_at)`;

const keyParams = (name: string, keys: readonly DkimKeyRecord[]): unknown[] => [
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
];

export function createDomain(db: PgDb, d: SendingDomain): Promise<CreateDomainResult> {
  return db.tx(async (c) => {
    const ins = await c.query(
      `INSERT INTO sending_domains (name, tenant_id, created_at, dkim, verified_at, last_check) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO NOTHING`,
      [d.name, d.tenantId, d.createdAt, d.dkim, d.verifiedAt, d.lastCheck === null ? null : JSON.stringify(d.lastCheck)],
    );
    if (ins.rowCount !== 1) {
      const owner = await c.query<{ tenant_id: string }>('SELECT tenant_id FROM sending_domains WHERE name = $1', [d.name]);
      return owner.rows[0]?.tenant_id === d.tenantId ? 'exists' : 'taken';
    }
    if (d.keys.length > 0) await c.query(KEY_INSERT, keyParams(d.name, d.keys));
    return 'created';
  });
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
    if (keys.length > 0) await c.query(KEY_INSERT, keyParams(name, keys));
    return true;
  });
}

export function switchDkimKeys(db: PgDb, tenantId: string, name: string, sw: KeySwitch, now: number): Promise<boolean> {
  return db.tx(async (c) => {
    const own = await c.query('SELECT 1 FROM sending_domains WHERE tenant_id = $1 AND name = $2 FOR UPDATE', [tenantId, name]);
    if (own.rowCount !== 1) return false;
    await c.query('UPDATE dkim_keys SET activated_at = $1 WHERE domain = $2 AND id = ANY($3::text[]) AND activated_at IS NULL', [now, name, sw.activate]);
    await c.query('UPDATE dkim_keys SET deactivated_at = $1, retire_at = $2 WHERE domain = $3 AND id = ANY($4::text[]) AND deactivated_at IS NULL', [
      now,
      sw.retireAt,
      name,
      sw.deactivate,
    ]);
    return true;
  });
}

export async function recordDomainCheck(db: PgDb, tenantId: string, name: string, check: DomainCheck): Promise<void> {
  await db.query('UPDATE sending_domains SET last_check = $1, verified_at = $2 WHERE tenant_id = $3 AND name = $4', [
    JSON.stringify(check),
    check.verified ? check.at : null,
    tenantId,
    name,
  ]);
}
