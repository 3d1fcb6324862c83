// Sending domains and their DKIM keys. A domain row and its keys are read together; keys come
// back in creation order so the view lists generations oldest first.
import type { DkimAlgorithm, DkimChoice, KeySwitch } from '../../domain/domains/keys.js';
import type { CreateDomainResult, DkimKeyRecord, DomainCheck, SendingDomain } from '../store.js';
import type { SqliteDb } from './db.js';

type DomainRow = { name: string; tenant_id: string; created_at: number; dkim: string; verified_at: number | null; last_check: string | null };
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
  const keys = s.stmt('SELECT * FROM dkim_keys WHERE domain = ? ORDER BY created_at, id').all(r.name) as KeyRow[];
  return {
    tenantId: r.tenant_id,
    name: r.name,
    createdAt: r.created_at,
    dkim: r.dkim as DkimChoice,
    verifiedAt: r.verified_at,
    lastCheck: r.last_check === null ? null : (JSON.parse(r.last_check) as DomainCheck),
    keys: keys.map(toKey),
  };
}

function insertKeys(s: SqliteDb, domain: string, keys: readonly DkimKeyRecord[]): void {
  const ins = s.stmt(
    `INSERT INTO dkim_keys (id, domain, selector, algorithm, public_key, private_key_sealed, created_at, activated_at, deactivated_at, retire_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const k of keys) ins.run(k.id, domain, k.selector, k.algorithm, k.publicKey, k.privateKeySealed, k.createdAt, k.activatedAt, k.deactivatedAt, k.retireAt);
}

export function createDomain(s: SqliteDb, d: SendingDomain): Promise<CreateDomainResult> {
  return s.write(() => {
    const owner = s.stmt('SELECT tenant_id FROM sending_domains WHERE name = ?').get(d.name) as { tenant_id: string } | undefined;
    if (owner) return owner.tenant_id === d.tenantId ? 'exists' : 'taken';
    s.stmt('INSERT INTO sending_domains (name, tenant_id, created_at, dkim, verified_at, last_check) VALUES (?, ?, ?, ?, ?, ?)').run(
      d.name, d.tenantId, d.createdAt, d.dkim, d.verifiedAt, d.lastCheck === null ? null : JSON.stringify(d.lastCheck),
    );
    insertKeys(s, d.name, d.keys);
    return 'created';
  });
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
    if (gone) s.stmt('DELETE FROM dkim_keys WHERE domain = ?').run(name.toLowerCase());
    return gone;
  });
}

const owns = (s: SqliteDb, tenantId: string, name: string): boolean =>
  s.stmt('SELECT 1 FROM sending_domains WHERE tenant_id = ? AND name = ?').get(tenantId, name) !== undefined;

export function addDkimKeys(s: SqliteDb, tenantId: string, name: string, keys: readonly DkimKeyRecord[]): Promise<boolean> {
  return s.write(() => {
    if (!owns(s, tenantId, name)) return false;
    insertKeys(s, name, keys);
    return true;
  });
}

export function switchDkimKeys(s: SqliteDb, tenantId: string, name: string, sw: KeySwitch, now: number): Promise<boolean> {
  return s.write(() => {
    if (!owns(s, tenantId, name)) return false;
    const on = s.stmt('UPDATE dkim_keys SET activated_at = ? WHERE id = ? AND domain = ? AND activated_at IS NULL');
    const off = s.stmt('UPDATE dkim_keys SET deactivated_at = ?, retire_at = ? WHERE id = ? AND domain = ? AND deactivated_at IS NULL');
    for (const id of sw.activate) on.run(now, id, name);
    for (const id of sw.deactivate) off.run(now, sw.retireAt, id, name);
    return true;
  });
}

export function recordDomainCheck(s: SqliteDb, tenantId: string, name: string, check: DomainCheck): Promise<void> {
  return s.write(() => {
    s.stmt('UPDATE sending_domains SET last_check = ?, verified_at = ? WHERE tenant_id = ? AND name = ?').run(
      JSON.stringify(check), check.verified ? check.at : null, tenantId, name,
    );
  });
}
