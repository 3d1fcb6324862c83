// Holds in the claim: due deliveries that a hold covers are parked (moved to the hold's end, see
// migrations/0009) instead of leased. Parking happens in the claim's own transaction, so a hold
// stored by any process is honoured by every worker from its next claim on; a parked delivery is
// no longer due, so each is passed over once, not at every claim.
import { HOLD_FOREVER, OWN_HOLD } from '../../domain/queue/control.js';
import { holdFor, type HoldRow } from '../queue-sql.js';
import type { ClaimRequest } from '../store.js';
import type { SqliteDb } from './db.js';

/** Nothing is held: the claim needs no look at holds (the common case, one indexed probe each). */
export function nothingHeld(s: SqliteDb, now: number): boolean {
  return (
    s.stmt('SELECT 1 FROM queue_holds WHERE expires_at IS NULL OR expires_at > ? LIMIT 1').get(now) === undefined &&
    // A hold noted on a delivery in flight outlives the delivery if it then ended: finished rows do not count.
    s.stmt('SELECT 1 FROM deliveries WHERE held_until > ? AND next_attempt_at IS NOT NULL LIMIT 1').get(now) === undefined
  );
}

/**
 * Parks the held deliveries among the next `limit` due ones and returns the ids of the others,
 * in due order, for the caller to lease. Loops while parking left room, so a claim is not
 * starved by a run of held deliveries at the head of the queue.
 */
export function dueUnheld(s: SqliteDb, req: ClaimRequest): string[] {
  const holds = s.stmt('SELECT * FROM queue_holds WHERE expires_at IS NULL OR expires_at > ?').all(req.now) as HoldRow[];
  const due = s.stmt(
    `SELECT id, domain, tenant_id, held_until FROM deliveries
      WHERE next_attempt_at <= ? AND domain NOT IN (SELECT value FROM json_each(?)) ORDER BY next_attempt_at LIMIT ?`,
  );
  const park = s.stmt(
    `UPDATE deliveries SET parked_from = next_attempt_at, next_attempt_at = ?, parked_by = ?,
            possible_duplicate = possible_duplicate | (lease_owner IS NOT NULL), lease_owner = NULL, lease_token = lease_token + 1
      WHERE id = ?`,
  );
  const out: string[] = [];
  for (;;) {
    const rows = due.all(req.now, JSON.stringify(req.excludeDomains), req.limit) as Array<{ id: string; domain: string; tenant_id: string; held_until: number | null }>;
    let parked = 0;
    const taken = new Set(out);
    for (const r of rows) {
      if (taken.has(r.id)) continue;
      if (out.length >= req.limit) break;
      if (r.held_until !== null && r.held_until > req.now) {
        park.run(r.held_until, OWN_HOLD, r.id);
        parked++;
        continue;
      }
      const h = holdFor(holds, r.tenant_id, r.domain);
      if (h) {
        park.run(h.expires_at ?? HOLD_FOREVER, h.id, r.id);
        parked++;
      } else out.push(r.id);
    }
    if (parked === 0 || out.length >= req.limit) return out;
  }
}
