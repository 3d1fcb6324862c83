// Queue control (issue 10): holds, the audit log and tenant suspension.
//
// A held delivery is "parked": next_attempt_at moves to the hold's end (or HOLD_FOREVER), the time
// it had is kept in parked_from, parked_by names the hold ('delivery' for a hold on the delivery
// itself, else a queue_holds id). Parked rows are not due, so the claim's index stays clean.
// held_until/hold_reason are a hold on the delivery itself (set even while it is in flight; the
// next claim parks it). queue_holds are standing holds on a destination or a whole tenant: every
// claim parks due deliveries they cover, so a hold is honoured by every worker at its next claim.
export default `
ALTER TABLE deliveries ADD COLUMN held_until INTEGER;
ALTER TABLE deliveries ADD COLUMN hold_reason TEXT;
ALTER TABLE deliveries ADD COLUMN parked_by TEXT;
ALTER TABLE deliveries ADD COLUMN parked_from INTEGER;
CREATE INDEX deliveries_parked ON deliveries(parked_by) WHERE parked_by IS NOT NULL;
CREATE INDEX deliveries_held ON deliveries(held_until) WHERE held_until IS NOT NULL;

-- tenant_id NULL: a platform-wide hold of a destination; destination NULL: the whole tenant.
CREATE TABLE queue_holds (
  id TEXT PRIMARY KEY,
  tenant_id TEXT,
  destination TEXT,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  created_by TEXT NOT NULL
);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  tenant_id TEXT,
  key_id TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  reason TEXT,
  touched INTEGER NOT NULL
);
CREATE INDEX audit_tenant ON audit_log(tenant_id, seq);

ALTER TABLE tenants ADD COLUMN suspended_at INTEGER;
ALTER TABLE tenants ADD COLUMN suspend_reason TEXT;
ALTER TABLE tenants ADD COLUMN deleted_at INTEGER;
`;
