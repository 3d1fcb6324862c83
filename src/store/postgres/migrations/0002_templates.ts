// Stored templates (issue 3), the same tables as the SQLite adapter's 0002. latest_version on
// the template row makes "next version" one UPDATE ... RETURNING under the row lock.
export default `
CREATE TABLE templates (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  active_version INTEGER NOT NULL,
  latest_version INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (tenant_id, name)
);

CREATE TABLE template_versions (
  template_id TEXT NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  subject TEXT NOT NULL,
  html TEXT,
  text TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (template_id, version)
);
`;
