// Deliverability (issue 4): sending domains with their DKIM keys, and an index for listing a
// tenant's suppressions by reason. A domain name belongs to one tenant at most.
export default `
CREATE TABLE sending_domains (
  name TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  dkim TEXT NOT NULL,
  verified_at INTEGER,
  last_check TEXT
);
CREATE INDEX sending_domains_tenant ON sending_domains(tenant_id, name);

-- private_key_sealed: AES-256-GCM under a key from the secrets table, never the clear key.
CREATE TABLE dkim_keys (
  id TEXT PRIMARY KEY,
  domain TEXT NOT NULL,
  selector TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  public_key TEXT NOT NULL,
  private_key_sealed TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  activated_at INTEGER,
  deactivated_at INTEGER,
  retire_at INTEGER,
  UNIQUE (domain, selector)
);

CREATE INDEX suppressions_reason ON suppressions(tenant_id, reason, address);
`;
