// Queue verbs: claim due deliveries under a lease, renew and release leases, record outcomes
// (fenced by the lease token), and the per-destination back-off record.
import type { DeliveryState } from '../../domain/delivery/types.js';
import type {
  ClaimedDelivery,
  ClaimRequest,
  DestinationState,
  LeaseRef,
  MessageForDelivery,
  OutcomeRecord,
  QueueStats,
} from '../store.js';
import type { SqliteDb } from './db.js';
import { dueUnheld, nothingHeld } from './claim-holds.js';
import { upsertSuppression } from './feedback.js';

interface ClaimRow {
  id: string;
  message_id: string;
  tenant_id: string;
  recipient: string;
  domain: string;
  smtputf8: number;
  state: 'queued' | 'deferred';
  attempts: number;
  accepted_at: number;
  lease_token: number;
  possible_duplicate: number;
  has_raw: number;
}

const CLAIM_SET = `lease_owner = @owner, lease_token = lease_token + 1, next_attempt_at = @until, updated_at = @now,
                possible_duplicate = possible_duplicate | (lease_owner IS NOT NULL),
                held_until = NULL, hold_reason = NULL, parked_by = NULL, parked_from = NULL`;
const CLAIM_RETURNING = `RETURNING id, message_id, tenant_id, recipient, domain, smtputf8, state, attempts, accepted_at, lease_token,
                  possible_duplicate, raw IS NOT NULL AS has_raw`;

export function claimDue(s: SqliteDb, req: ClaimRequest): Promise<ClaimedDelivery[]> {
  return s.write(() => {
    // A lease moves next_attempt_at to its expiry; a row still carrying an owner when it is
    // claimed again lost its lease without an outcome, so its next delivery may be a duplicate.
    const args = { owner: req.owner, until: req.now + req.leaseMs, now: req.now };
    let rows: ClaimRow[];
    if (nothingHeld(s, req.now)) {
      rows = s
        .stmt(
          `UPDATE deliveries SET ${CLAIM_SET}
            WHERE id IN (SELECT id FROM deliveries
                          WHERE next_attempt_at <= @now
                            AND domain NOT IN (SELECT value FROM json_each(@exclude))
                          ORDER BY next_attempt_at LIMIT @limit)
          ${CLAIM_RETURNING}`,
        )
        .all({ ...args, exclude: JSON.stringify(req.excludeDomains), limit: req.limit }) as ClaimRow[];
    } else {
      // Some holds exist (claim-holds.ts): park what they cover, lease the rest. A lease clears a hold that ended.
      const lease = s.stmt(`UPDATE deliveries SET ${CLAIM_SET} WHERE id = @id ${CLAIM_RETURNING}`);
      rows = dueUnheld(s, req).map((id) => lease.get({ ...args, id }) as ClaimRow);
    }
    return rows.map((r) => ({
      id: r.id,
      messageId: r.message_id,
      tenantId: r.tenant_id,
      recipient: r.recipient,
      domain: r.domain,
      smtputf8: r.smtputf8 === 1,
      state: r.state,
      attempts: r.attempts,
      acceptedAt: r.accepted_at,
      leaseToken: r.lease_token,
      possibleDuplicate: r.possible_duplicate === 1,
      hasOwnRaw: r.has_raw === 1,
    }));
  });
}

export function loadMessages(s: SqliteDb, ids: readonly string[]): Promise<Map<string, MessageForDelivery>> {
  return s.read(() => {
    const out = new Map<string, MessageForDelivery>();
    const q = s.stmt('SELECT id, tenant_id, envelope_from, message_id_header, raw, tags, metadata FROM messages WHERE id = ?');
    for (const id of new Set(ids)) {
      const r = q.get(id) as
        | { id: string; tenant_id: string; envelope_from: string; message_id_header: string; raw: Buffer; tags: string; metadata: string }
        | undefined;
      if (!r) continue;
      out.set(id, {
        id: r.id,
        tenantId: r.tenant_id,
        envelopeFrom: r.envelope_from,
        messageIdHeader: r.message_id_header,
        raw: r.raw,
        tags: JSON.parse(r.tags) as string[],
        metadata: JSON.parse(r.metadata) as Record<string, string>,
      });
    }
    return out;
  });
}

export function loadDeliveryRaw(s: SqliteDb, deliveryId: string): Promise<Buffer | undefined> {
  return s.read(() => (s.stmt('SELECT raw FROM deliveries WHERE id = ?').get(deliveryId) as { raw: Buffer | null } | undefined)?.raw ?? undefined);
}

export function renewLeases(s: SqliteDb, owner: string, leases: readonly LeaseRef[], until: number): Promise<LeaseRef[]> {
  return s.write(() => {
    const u = s.stmt('UPDATE deliveries SET next_attempt_at = ? WHERE id = ? AND lease_owner = ? AND lease_token = ? AND next_attempt_at IS NOT NULL');
    const token = s.stmt('SELECT lease_token FROM deliveries WHERE id = ?');
    // Not renewed: lost if the token moved on (claimed by another), else it ended with an outcome.
    return leases.filter((l) => {
      if (u.run(until, l.deliveryId, owner, l.leaseToken).changes === 1) return false;
      const r = token.get(l.deliveryId) as { lease_token: number } | undefined;
      return r !== undefined && r.lease_token !== l.leaseToken;
    });
  });
}

export function releaseLeases(s: SqliteDb, owner: string, leases: readonly LeaseRef[], now: number): Promise<void> {
  return s.write(() => {
    const u = s.stmt(
      'UPDATE deliveries SET next_attempt_at = ?, lease_owner = NULL, updated_at = ? WHERE id = ? AND lease_owner = ? AND lease_token = ? AND next_attempt_at IS NOT NULL',
    );
    for (const l of leases) u.run(now, now, l.deliveryId, owner, l.leaseToken);
  });
}

export function recordOutcomes(s: SqliteDb, outcomes: readonly OutcomeRecord[]): Promise<boolean[]> {
  return s.write(() => {
    const u = s.stmt(
      `UPDATE deliveries SET state = ?, attempts = ?, next_attempt_at = ?, lease_owner = NULL, last_reply = ?, last_mx = ?,
              possible_duplicate = ?, bounce_class = ?, reason = ?, updated_at = ?
        WHERE id = ? AND lease_token = ? AND lease_owner IS NOT NULL AND next_attempt_at IS NOT NULL`,
    );
    const ev = s.stmt('INSERT INTO events (tenant_id, type, message_id, delivery_id, recipient, at, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
    return outcomes.map((o) => {
      const changed = u.run(
        o.state, o.attempts, o.nextAttemptAt, o.lastReply, o.lastMx, o.possibleDuplicate ? 1 : 0, o.bounceClass, o.reason, o.event.at,
        o.deliveryId, o.leaseToken,
      ).changes;
      if (changed !== 1) return false;
      ev.run(o.tenantId, o.event.type, o.event.messageId, o.event.deliveryId ?? null, o.event.recipient ?? null, o.event.at, JSON.stringify(o.event.data));
      if (o.suppression) upsertSuppression(s, o.suppression);
      return true;
    });
  });
}

export function nextDueAt(s: SqliteDb): Promise<number | null> {
  return s.read(() => (s.stmt('SELECT MIN(next_attempt_at) AS t FROM deliveries WHERE next_attempt_at IS NOT NULL').get() as { t: number | null }).t);
}

export function getDestination(s: SqliteDb, domain: string): Promise<DestinationState | undefined> {
  return s.read(() => {
    const r = s.stmt('SELECT domain, dead_until, failures, last_error FROM destinations WHERE domain = ?').get(domain) as
      | { domain: string; dead_until: number; failures: number; last_error: string | null }
      | undefined;
    return r && { domain: r.domain, deadUntil: r.dead_until, failures: r.failures, lastError: r.last_error };
  });
}

export function putDestination(s: SqliteDb, d: DestinationState): Promise<void> {
  return s.write(() => {
    s.stmt(
      `INSERT INTO destinations (domain, dead_until, failures, last_error) VALUES (?, ?, ?, ?)
       ON CONFLICT(domain) DO UPDATE SET dead_until = excluded.dead_until, failures = excluded.failures, last_error = excluded.last_error`,
    ).run(d.domain, d.deadUntil, d.failures, d.lastError);
  });
}

export function queueStats(s: SqliteDb, now: number): Promise<QueueStats> {
  return s.read(() => {
    const byState: Record<DeliveryState, number> = { queued: 0, deferred: 0, delivered: 0, bounced: 0, dropped: 0 };
    for (const r of s.stmt('SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state').all() as Array<{ state: DeliveryState; n: number }>) {
      byState[r.state] = r.n;
    }
    const due = (s.stmt('SELECT COUNT(*) AS n FROM deliveries WHERE next_attempt_at <= ?').get(now) as { n: number }).n;
    const leased = (s.stmt('SELECT COUNT(*) AS n FROM deliveries WHERE lease_owner IS NOT NULL AND next_attempt_at > ?').get(now) as { n: number }).n;
    return { byState, due, leased };
  });
}
