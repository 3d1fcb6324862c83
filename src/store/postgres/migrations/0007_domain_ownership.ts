// Domain ownership (issue 15), as the SQLite adapter's 0007: domain rows keyed by (tenant,
// name) so several tenants may hold pending claims; owned_at marks the claim a verification
// proved; at most one owner per name; a DKIM key names its tenant. Verified rows become owned.
export default `
ALTER TABLE sending_domains ADD COLUMN owned_at BIGINT;
UPDATE sending_domains SET owned_at = verified_at;
ALTER TABLE dkim_keys ADD COLUMN tenant_id TEXT;
UPDATE dkim_keys k SET tenant_id = d.tenant_id FROM sending_domains d WHERE d.name = k.domain;
DELETE FROM dkim_keys WHERE tenant_id IS NULL;
ALTER TABLE dkim_keys ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE dkim_keys DROP CONSTRAINT dkim_keys_domain_fkey;
ALTER TABLE dkim_keys DROP CONSTRAINT dkim_keys_domain_selector_key;
ALTER TABLE sending_domains DROP CONSTRAINT sending_domains_pkey;
ALTER TABLE sending_domains ADD PRIMARY KEY (tenant_id, name);
ALTER TABLE dkim_keys ADD CONSTRAINT dkim_keys_domain_fkey FOREIGN KEY (tenant_id, domain) REFERENCES sending_domains(tenant_id, name) ON DELETE CASCADE;
ALTER TABLE dkim_keys ADD CONSTRAINT dkim_keys_selector_key UNIQUE (tenant_id, domain, selector);
CREATE INDEX sending_domains_name ON sending_domains(name);
CREATE UNIQUE INDEX sending_domains_owner ON sending_domains(name) WHERE owned_at IS NOT NULL;
`;
