// Stored templates (issue 3): one row per template, append-only versions. latest_version is
// kept on the template row so the next version number is taken by one UPDATE ... RETURNING,
// which serialises concurrent additions on the row instead of racing on MAX(version).
export default `
CREATE TABLE templates (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  active_version INTEGER NOT NULL,
  latest_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, name)
);

CREATE TABLE template_versions (
  template_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  subject TEXT NOT NULL,
  html TEXT,
  text TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (template_id, version)
);
`;
