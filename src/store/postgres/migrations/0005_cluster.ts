// Scale-out: cluster-wide connection slots per destination.
//
// destination_slots has one row per (destination, slot number) ever used; a slot is free when its
// lease has expired (expires_at <= now). Rows are updated in place rather than deleted, so taking
// and giving back a slot is a HOT update that leaves the primary key index alone.
export default `
CREATE TABLE destination_slots (
  domain TEXT NOT NULL,
  slot INTEGER NOT NULL,
  owner TEXT,
  token INTEGER NOT NULL DEFAULT 0,
  expires_at BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (domain, slot)
);
`;
