// Events out (issue 5), the same tables as the SQLite adapter's 0004: webhook endpoints with the
// dispatcher's lease and feed position, their delivery log and replays; first opens and clicks
// per delivery; stats aggregates and the roll-up's position. 0002 and 0003 belong to features
// built alongside.
export default `
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  url TEXT NOT NULL,
  event_types TEXT[] NOT NULL,
  format TEXT NOT NULL,
  secret TEXT NOT NULL,
  public_key TEXT,
  batch_size INTEGER NOT NULL,
  description TEXT NOT NULL,
  enabled BOOLEAN NOT NULL,
  disabled_reason TEXT,
  disabled_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  cursor TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  first_failure_at BIGINT,
  next_attempt_at BIGINT NOT NULL,
  last_attempt_at BIGINT,
  last_status INTEGER,
  last_error TEXT,
  lease_owner TEXT,
  lease_until BIGINT NOT NULL DEFAULT 0,
  lease_token INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_tenant ON webhooks(tenant_id, created_at);
CREATE INDEX webhooks_due ON webhooks(next_attempt_at) WHERE enabled;

CREATE TABLE webhook_replays (
  id TEXT PRIMARY KEY,
  webhook_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  cursor TEXT NOT NULL,
  end_cursor TEXT NOT NULL,
  from_at BIGINT,
  to_at BIGINT,
  state TEXT NOT NULL,
  sent INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX webhook_replays_webhook ON webhook_replays(webhook_id, created_at);

CREATE TABLE webhook_attempts (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook_id TEXT NOT NULL,
  replay_id TEXT,
  at BIGINT NOT NULL,
  events INTEGER NOT NULL,
  first_event_id TEXT,
  last_event_id TEXT,
  status INTEGER,
  ok BOOLEAN NOT NULL,
  latency_ms INTEGER NOT NULL,
  error TEXT
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts(webhook_id, id);

CREATE TABLE delivery_engagement (
  delivery_id TEXT PRIMARY KEY,
  first_open_at BIGINT,
  first_click_at BIGINT
);

CREATE TABLE stats_cursors (
  tenant_id TEXT PRIMARY KEY,
  cursor TEXT NOT NULL
);

-- One row per (granularity, dimension, key, bucket); a column per counter. The key order serves
-- the query: one tenant, one granularity and dimension, a range of buckets, any keys.
CREATE TABLE stats_buckets (
  tenant_id TEXT NOT NULL,
  granularity TEXT NOT NULL,
  dim TEXT NOT NULL,
  bucket BIGINT NOT NULL,
  key TEXT NOT NULL,
  queued BIGINT NOT NULL DEFAULT 0,
  delivered BIGINT NOT NULL DEFAULT 0,
  deferred BIGINT NOT NULL DEFAULT 0,
  bounced BIGINT NOT NULL DEFAULT 0,
  bounced_hard BIGINT NOT NULL DEFAULT 0,
  dropped BIGINT NOT NULL DEFAULT 0,
  opened BIGINT NOT NULL DEFAULT 0,
  opened_unique BIGINT NOT NULL DEFAULT 0,
  opened_machine BIGINT NOT NULL DEFAULT 0,
  clicked BIGINT NOT NULL DEFAULT 0,
  clicked_unique BIGINT NOT NULL DEFAULT 0,
  clicked_machine BIGINT NOT NULL DEFAULT 0,
  complained BIGINT NOT NULL DEFAULT 0,
  unsubscribed BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, granularity, dim, bucket, key)
);
`;
