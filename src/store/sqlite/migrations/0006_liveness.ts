// Crash recovery (issue 9), as the PostgreSQL adapter's 0006: one row per running worker role
// with its heartbeat. The embedded store has one worker, which takes every lease back at start;
// the table keeps the heartbeat verbs the same on both adapters.
export default `
CREATE TABLE workers (
  owner TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);
CREATE INDEX workers_heartbeat ON workers(heartbeat_at);
`;
