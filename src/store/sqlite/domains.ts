// Sending domains and their DKIM keys. A domain row and its keys are read together; keys come
// back in creation order so the view lists generations oldest first.
import type { DkimAlgorithm, DkimChoice, KeySwitch } from '../../domain/domains/keys.js';
import { related, selfAndParents } from '../../domain/domains/ownership.js';
import type { CreateDomainResult, DkimKeyRecord, DomainCheck, DomainCheckResult, DomainClaim, SendingDomain } from '../store.js';
import type { SqliteDb } from './db.js';

type DomainRow = {
  name: string;
  tenant_id: string;
  created_at: number;
  dkim: string;
  verified_at: number | null;
  owned_at: number | null;
  last_check: string | null;
};
type KeyRow = {
  id: string;
  domain: string;
  selector: string;
  algorithm: string;
  public_key: string;
  private_key_sealed: string;
  created_at: number;
  activated_at: number | null;
  deactivated_at: number | null;
  retire_at: number | null;
};

const toKey = (r: KeyRow): DkimKeyRecord => ({
  id: r.id,
  selector: r.selector,
  algorithm: r.algorithm as DkimAlgorithm,
  publicKey: r.public_key,
  privateKeySealed: r.private_key_sealed,
  createdAt: r.created_at,
  activatedAt: r.activated_at,
  deactivatedAt: r.deactivated_at,
  retireAt: r.retire_at,
});

function load(s: SqliteDb, r: DomainRow): SendingDomain {
  const keys = s.stmt('SELECT * FROM dkim_keys WHERE tenant_id = ? AND domain = ? ORDER BY created_at, id').all(r.tenant_id, r.name) as KeyRow[];
  return {
    tenantId: r.tenant_id,
    name: r.name,
    createdAt: r.created_at,
    ownedAt: r.owned_at,
    dkim: r.dkim as DkimChoice,
    verifiedAt: r.verified_at,
    lastCheck: r.last_check === null ? null : (JSON.parse(r.last_check) as DomainCheck),
    keys: keys.map(toKey),
  };
}

function insertKeys(s: SqliteDb, tenantId: string, domain: string, keys: readonly DkimKeyRecord[]): void {
  const ins = s.stmt(
    `INSERT INTO dkim_keys (id, tenant_id, domain, selector, algorithm, public_key, private_key_sealed, created_at, activated_at, deactivated_at, retire_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const k of keys) ins.run(k.id, tenantId, domain, k.selector, k.algorithm, k.publicKey, k.privateKeySealed, k.createdAt, k.activatedAt, k.deactivatedAt, k.retireAt);
}

type ClaimRow = { tenant_id: string; name: string; created_at: number; owned_at: number | null };

const toClaim = (r: ClaimRow): DomainClaim => ({ tenantId: r.tenant_id, name: r.name, createdAt: r.created_at, ownedAt: r.owned_at });

/** Claims on the name, its parents and its subdomains (subdomains by suffix: the table is small, and this runs only when a domain is added or proven). */
function relatedClaims(s: SqliteDb, name: string): ClaimRow[] {
  const rows = s.stmt(`SELECT tenant_id, name, created_at, owned_at FROM sending_domains WHERE substr(name, -?) = ?`).all(name.length + 1, `.${name}`) as ClaimRow[];
  const parents = selfAndParents(name);
  const marks = parents.map(() => '?').join(', ');
  rows.push(...(s.db.prepare(`SELECT tenant_id, name, created_at, owned_at FROM sending_domains WHERE name IN (${marks})`).all(...parents) as ClaimRow[]));
  return rows.filter((r) => related(r.name, name));
}

// Every write runs in the single writer's serialized transactions (db.ts), so a check and the
// insert that depends on it cannot interleave with another tenant's.
export function createDomain(s: SqliteDb, d: SendingDomain): Promise<CreateDomainResult> {
  return s.write(() => {
    const claims = relatedClaims(s, d.name);
    if (claims.some((c) => c.tenant_id === d.tenantId && c.name === d.name)) return 'exists';
    if (claims.some((c) => c.tenant_id !== d.tenantId && c.owned_at !== null)) return 'taken';
    s.stmt('INSERT INTO sending_domains (name, tenant_id, created_at, dkim, verified_at, owned_at, last_check) VALUES (?, ?, ?, ?, ?, NULL, ?)').run(
      d.name, d.tenantId, d.createdAt, d.dkim, d.verifiedAt, d.lastCheck === null ? null : JSON.stringify(d.lastCheck),
    );
    insertKeys(s, d.tenantId, d.name, d.keys);
    return 'created';
  });
}

export function domainClaims(s: SqliteDb, names: readonly string[]): Promise<DomainClaim[]> {
  if (names.length === 0) return Promise.resolve([]);
  return s.read(() =>
    (s.db.prepare(`SELECT tenant_id, name, created_at, owned_at FROM sending_domains WHERE name IN (${names.map(() => '?').join(', ')})`).all(
      ...names.map((n) => n.toLowerCase()),
    ) as ClaimRow[]).map(toClaim),
  );
}

export function getDomain(s: SqliteDb, tenantId: string, name: string): Promise<SendingDomain | undefined> {
  return s.read(() => {
    const r = s.stmt('SELECT * FROM sending_domains WHERE tenant_id = ? AND name = ?').get(tenantId, name.toLowerCase()) as DomainRow | undefined;
    return r && load(s, r);
  });
}

export function listDomains(s: SqliteDb, tenantId: string): Promise<SendingDomain[]> {
  return s.read(() => (s.stmt('SELECT * FROM sending_domains WHERE tenant_id = ? ORDER BY name').all(tenantId) as DomainRow[]).map((r) => load(s, r)));
}

export function deleteDomain(s: SqliteDb, tenantId: string, name: string): Promise<boolean> {
  return s.write(() => {
    const gone = s.stmt('DELETE FROM sending_domains WHERE tenant_id = ? AND name = ?').run(tenantId, name.toLowerCase()).changes === 1;
    if (gone) s.stmt('DELETE FROM dkim_keys WHERE tenant_id = ? AND domain = ?').run(tenantId, name.toLowerCase());
    return gone;
  });
}

const owns = (s: SqliteDb, tenantId: string, name: string): boolean =>
  s.stmt('SELECT 1 FROM sending_domains WHERE tenant_id = ? AND name = ?').get(tenantId, name) !== undefined;

export function addDkimKeys(s: SqliteDb, tenantId: string, name: string, keys: readonly DkimKeyRecord[]): Promise<boolean> {
  return s.write(() => {
    if (!owns(s, tenantId, name)) return false;
    insertKeys(s, tenantId, name, keys);
    return true;
  });
}

export function switchDkimKeys(s: SqliteDb, tenantId: string, name: string, sw: KeySwitch, now: number): Promise<boolean> {
  return s.write(() => {
    if (!owns(s, tenantId, name)) return false;
    const on = s.stmt('UPDATE dkim_keys SET activated_at = ? WHERE id = ? AND tenant_id = ? AND domain = ? AND activated_at IS NULL');
    const off = s.stmt('UPDATE dkim_keys SET deactivated_at = ?, retire_at = ? WHERE id = ? AND tenant_id = ? AND domain = ? AND deactivated_at IS NULL');
    for (const id of sw.activate) on.run(now, id, tenantId, name);
    for (const id of sw.deactivate) off.run(now, sw.retireAt, id, tenantId, name);
    return true;
  });
}

export function recordDomainCheck(s: SqliteDb, tenantId: string, name: string, check: DomainCheck): Promise<DomainCheckResult> {
  return s.write(() => {
    const row = s.stmt('SELECT owned_at FROM sending_domains WHERE tenant_id = ? AND name = ?').get(tenantId, name) as { owned_at: number | null } | undefined;
    if (!row) return 'missing';
    const save = (c: DomainCheck, ownedAt: number | null): void => {
      s.stmt('UPDATE sending_domains SET last_check = ?, verified_at = ?, owned_at = ? WHERE tenant_id = ? AND name = ?').run(
        JSON.stringify(c), c.verified ? c.at : null, ownedAt, tenantId, name,
      );
    };
    if (!check.verified || row.owned_at !== null) {
      save(check, row.owned_at);
      return 'recorded';
    }
    const others = relatedClaims(s, name).filter((c) => c.tenant_id !== tenantId);
    if (others.some((c) => c.owned_at !== null)) {
      save({ ...check, verified: false }, null);
      return 'taken';
    }
    save(check, check.at);
    // The first to prove ownership keeps it: the others' related pending claims yield.
    for (const c of others) {
      s.stmt('DELETE FROM sending_domains WHERE tenant_id = ? AND name = ?').run(c.tenant_id, c.name);
      s.stmt('DELETE FROM dkim_keys WHERE tenant_id = ? AND domain = ?').run(c.tenant_id, c.name);
    }
    return 'owned';
  });
}
