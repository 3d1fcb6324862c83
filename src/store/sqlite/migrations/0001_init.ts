// Core schema: tenants, keys, messages, deliveries (the queue), events (the feed),
// idempotency, destination back-off and the suppression list that acceptance consults.
// Times are epoch milliseconds (INTEGER) in both adapters.
export default `
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  settings TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  hash TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX api_keys_tenant ON api_keys(tenant_id);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  message_id_header TEXT NOT NULL,
  envelope_from TEXT NOT NULL,
  header_from TEXT NOT NULL,
  subject TEXT NOT NULL,
  raw BLOB NOT NULL,
  size INTEGER NOT NULL,
  tags TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  send_at INTEGER NOT NULL
);
CREATE INDEX messages_tenant_created ON messages(tenant_id, created_at);

-- One row per recipient. next_attempt_at is NULL once final; a lease moves it to the lease
-- expiry, so an expired lease makes the delivery due again without a sweeper.
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  message_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  domain TEXT NOT NULL,
  smtputf8 INTEGER NOT NULL,
  raw BLOB,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  lease_owner TEXT,
  lease_token INTEGER NOT NULL DEFAULT 0,
  possible_duplicate INTEGER NOT NULL DEFAULT 0,
  last_reply TEXT,
  last_mx TEXT,
  bounce_class TEXT,
  reason TEXT,
  accepted_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at, domain) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_message ON deliveries(message_id);

-- AUTOINCREMENT: a sequence number is never reused, even after retention deletes the
-- newest rows, so cursors handed out stay valid.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  type TEXT NOT NULL,
  message_id TEXT NOT NULL,
  delivery_id TEXT,
  recipient TEXT,
  at INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX events_tenant ON events(tenant_id, seq);
CREATE INDEX events_message ON events(message_id, seq);

CREATE TABLE idempotency (
  tenant_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  result TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_expiry ON idempotency(expires_at);

CREATE TABLE destinations (
  domain TEXT PRIMARY KEY,
  dead_until INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  last_error TEXT
);

CREATE TABLE suppressions (
  tenant_id TEXT NOT NULL,
  address TEXT NOT NULL,
  reason TEXT NOT NULL,
  source_message_id TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, address)
);
`;
