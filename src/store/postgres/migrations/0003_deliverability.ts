// Deliverability (issue 4): the same tables as the SQLite adapter's 0003. Times are epoch ms.
export default `
CREATE TABLE sending_domains (
  name TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  dkim TEXT NOT NULL,
  verified_at BIGINT,
  last_check JSONB
);
CREATE INDEX sending_domains_tenant ON sending_domains(tenant_id, name);

-- private_key_sealed: AES-256-GCM under a key from the secrets table, never the clear key.
CREATE TABLE dkim_keys (
  id TEXT PRIMARY KEY,
  domain TEXT NOT NULL REFERENCES sending_domains(name) ON DELETE CASCADE,
  selector TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  public_key TEXT NOT NULL,
  private_key_sealed TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  activated_at BIGINT,
  deactivated_at BIGINT,
  retire_at BIGINT,
  UNIQUE (domain, selector)
);

CREATE INDEX suppressions_reason ON suppressions(tenant_id, reason, address);
`;
