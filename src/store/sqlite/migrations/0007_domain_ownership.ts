// Domain ownership (issue 15): several tenants may hold pending claims on one name, so a domain
// row is keyed by (tenant, name) and a DKIM key names its tenant; owned_at marks the claim a
// verification proved. At most one owner per name (the partial unique index); parents and
// subdomains are checked by the adapter under the single writer. Rows verified before this
// migration count as owned from their verification; unverified ones become pending claims.
// SQLite cannot change a primary key in place: both tables are rebuilt.
export default `
CREATE TABLE sending_domains_v7 (
  name TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  dkim TEXT NOT NULL,
  verified_at INTEGER,
  owned_at INTEGER,
  last_check TEXT,
  PRIMARY KEY (tenant_id, name)
);
INSERT INTO sending_domains_v7 (name, tenant_id, created_at, dkim, verified_at, owned_at, last_check)
  SELECT name, tenant_id, created_at, dkim, verified_at, verified_at, last_check FROM sending_domains;
DROP TABLE sending_domains;
ALTER TABLE sending_domains_v7 RENAME TO sending_domains;
CREATE INDEX sending_domains_name ON sending_domains(name);
CREATE UNIQUE INDEX sending_domains_owner ON sending_domains(name) WHERE owned_at IS NOT NULL;

CREATE TABLE dkim_keys_v7 (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  domain TEXT NOT NULL,
  selector TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  public_key TEXT NOT NULL,
  private_key_sealed TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  activated_at INTEGER,
  deactivated_at INTEGER,
  retire_at INTEGER,
  UNIQUE (tenant_id, domain, selector)
);
INSERT INTO dkim_keys_v7 (id, tenant_id, domain, selector, algorithm, public_key, private_key_sealed, created_at, activated_at, deactivated_at, retire_at)
  SELECT k.id, d.tenant_id, k.domain, k.selector, k.algorithm, k.public_key, k.private_key_sealed, k.created_at, k.activated_at, k.deactivated_at, k.retire_at
    FROM dkim_keys k JOIN sending_domains d ON d.name = k.domain;
DROP TABLE dkim_keys;
ALTER TABLE dkim_keys_v7 RENAME TO dkim_keys;
`;
