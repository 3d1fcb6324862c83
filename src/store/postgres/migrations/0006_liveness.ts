// Crash recovery (issue 9): one row per running worker role, its heartbeat renewed every few
// seconds. A worker whose heartbeat is stale is taken for dead and the others take over its
// leases (deliveries, webhook endpoints, connection slots) instead of waiting for them to expire.
export default `
CREATE TABLE workers (
  owner TEXT PRIMARY KEY,
  started_at BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL
);
CREATE INDEX workers_heartbeat ON workers(heartbeat_at);
`;
