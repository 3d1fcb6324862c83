// Core schema, the same tables as the SQLite adapter's 0001_init. Times are epoch ms (BIGINT),
// raw messages BYTEA, tags/metadata/event data JSONB.
export default `
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  settings JSONB NOT NULL DEFAULT '{}'
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
  scopes TEXT[] NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX api_keys_tenant ON api_keys(tenant_id);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  message_id_header TEXT NOT NULL,
  envelope_from TEXT NOT NULL,
  header_from TEXT NOT NULL,
  subject TEXT NOT NULL,
  raw BYTEA NOT NULL,
  size INTEGER NOT NULL,
  tags JSONB NOT NULL,
  metadata JSONB NOT NULL,
  created_at BIGINT NOT NULL,
  send_at BIGINT NOT NULL
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
  smtputf8 BOOLEAN NOT NULL,
  raw BYTEA,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  lease_owner TEXT,
  lease_token INTEGER NOT NULL DEFAULT 0,
  possible_duplicate BOOLEAN NOT NULL DEFAULT false,
  last_reply TEXT,
  last_mx TEXT,
  bounce_class TEXT,
  reason TEXT,
  accepted_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at, domain) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_message ON deliveries(message_id);

-- The feed is read in (txid, id) order, not id order: ids are handed out before commit, so a
-- smaller id can become visible after a larger one. txid is the writing transaction's id;
-- readers only return events of transactions older than every running one (see read.ts).
CREATE TABLE events (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  txid XID8 NOT NULL DEFAULT pg_current_xact_id(),
  tenant_id TEXT NOT NULL,
  type TEXT NOT NULL,
  message_id TEXT NOT NULL,
  delivery_id TEXT,
  recipient TEXT,
  at BIGINT NOT NULL,
  data JSONB NOT NULL
);
CREATE INDEX events_feed ON events(tenant_id, txid, id);
CREATE INDEX events_message ON events(message_id, txid, id);

-- created_at is the acceptance's now: ON CONFLICT compares it with the old row's expires_at
-- to take over an expired key in the same statement.
CREATE TABLE idempotency (
  tenant_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  result JSONB NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_expiry ON idempotency(expires_at);

CREATE TABLE destinations (
  domain TEXT PRIMARY KEY,
  dead_until BIGINT NOT NULL,
  failures INTEGER NOT NULL,
  last_error TEXT
);

CREATE TABLE suppressions (
  tenant_id TEXT NOT NULL,
  address TEXT NOT NULL,
  reason TEXT NOT NULL,
  source_message_id TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, address)
);
`;
