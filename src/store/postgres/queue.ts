// Queue verbs: claim due deliveries under a lease (FOR UPDATE SKIP LOCKED, so workers in any
// number of processes never wait on each other's rows), renew and release leases, record
// outcomes fenced by the lease token, and the per-destination back-off record.
// Each verb is one statement (or one transaction of two) whatever the number of rows.
import type { PoolClient } from 'pg';
import { HOLD_FOREVER, OWN_HOLD } from '../../domain/queue/control.js';
import type { DeliveryState } from '../../domain/delivery/types.js';
import type { ClaimedDelivery, ClaimRequest, DestinationState, LeaseRef, MessageForDelivery, OutcomeRecord, QueueStats } from '../store.js';
import { upsertSuppressions } from './feedback.js';
import { GroupCommit } from './group-commit.js';
import type { PgDb } from './pool.js';

interface ClaimRow {
  id: string;
  message_id: string;
  tenant_id: string;
  recipient: string;
  domain: string;
  smtputf8: boolean;
  state: 'queued' | 'deferred';
  attempts: number;
  accepted_at: number;
  lease_token: number;
  possible_duplicate: boolean;
  has_raw: boolean;
}

export async function claimDue(db: PgDb, req: ClaimRequest): Promise<ClaimedDelivery[]> {
  // A lease moves next_attempt_at to its expiry; a row still carrying an owner when it is
  // claimed again lost its lease without an outcome, so its next delivery may be a duplicate.
  // MATERIALIZED: the locking subquery runs exactly once, never re-evaluated per outer row.
  // Holds (migration 0009): a due delivery that a hold covers is parked (moved to the hold's end)
  // in the same statement instead of leased, so every worker honours a hold from its next claim.
  // A lease clears the hold columns of a hold that ended.
  const rows = await db.query<ClaimRow>(
    `WITH h AS (
       SELECT id, tenant_id, destination, COALESCE(expires_at, $6::int8) AS until FROM queue_holds WHERE expires_at IS NULL OR expires_at > $1
     ), due AS MATERIALIZED (
       SELECT d.id, d.next_attempt_at,
              CASE WHEN d.held_until > $1 THEN '${OWN_HOLD}' ELSE hh.id END AS park_by,
              CASE WHEN d.held_until > $1 THEN d.held_until ELSE hh.until END AS park_until
         FROM deliveries d
         LEFT JOIN LATERAL (
           SELECT h.id, h.until FROM h
            WHERE (h.destination IS NULL OR h.destination = d.domain) AND (h.tenant_id IS NULL OR h.tenant_id = d.tenant_id)
            ORDER BY h.until DESC LIMIT 1
         ) hh ON true
        WHERE d.next_attempt_at <= $1 AND d.domain <> ALL($2::text[])
        ORDER BY d.next_attempt_at LIMIT $3
        FOR UPDATE OF d SKIP LOCKED
     ), parked AS (
       UPDATE deliveries d
          SET parked_from = due.next_attempt_at, next_attempt_at = due.park_until, parked_by = due.park_by,
              possible_duplicate = d.possible_duplicate OR d.lease_owner IS NOT NULL, lease_owner = NULL, lease_token = d.lease_token + 1
         FROM due WHERE d.id = due.id AND due.park_by IS NOT NULL
       RETURNING d.id
     ), leased AS (
       UPDATE deliveries d
          SET lease_owner = $4, lease_token = d.lease_token + 1, next_attempt_at = $5, updated_at = $1,
              possible_duplicate = d.possible_duplicate OR d.lease_owner IS NOT NULL,
              held_until = NULL, hold_reason = NULL, parked_by = NULL, parked_from = NULL
         FROM due WHERE d.id = due.id AND due.park_by IS NULL
       RETURNING d.id, d.message_id, d.tenant_id, d.recipient, d.domain, d.smtputf8, d.state, d.attempts, d.accepted_at,
                 d.lease_token, d.possible_duplicate, d.raw IS NOT NULL AS has_raw, due.next_attempt_at AS due_at
     )
     SELECT * FROM leased ORDER BY due_at, id`,
    [req.now, req.excludeDomains, req.limit, req.owner, req.now + req.leaseMs, HOLD_FOREVER],
  );
  return rows.map((r) => ({
    id: r.id,
    messageId: r.message_id,
    tenantId: r.tenant_id,
    recipient: r.recipient,
    domain: r.domain,
    smtputf8: r.smtputf8,
    state: r.state,
    attempts: r.attempts,
    acceptedAt: r.accepted_at,
    leaseToken: r.lease_token,
    possibleDuplicate: r.possible_duplicate,
    hasOwnRaw: r.has_raw,
  }));
}

export async function loadMessages(db: PgDb, ids: readonly string[]): Promise<Map<string, MessageForDelivery>> {
  const out = new Map<string, MessageForDelivery>();
  if (ids.length === 0) return out;
  const rows = await db.query<{ id: string; tenant_id: string; envelope_from: string; message_id_header: string; raw: Buffer; tags: string[]; metadata: Record<string, string> }>(
    'SELECT id, tenant_id, envelope_from, message_id_header, raw, tags, metadata FROM messages WHERE id = ANY($1::text[])',
    [[...new Set(ids)]],
  );
  for (const r of rows) {
    out.set(r.id, { id: r.id, tenantId: r.tenant_id, envelopeFrom: r.envelope_from, messageIdHeader: r.message_id_header, raw: r.raw, tags: r.tags, metadata: r.metadata });
  }
  return out;
}

export async function loadDeliveryRaw(db: PgDb, deliveryId: string): Promise<Buffer | undefined> {
  const [r] = await db.query<{ raw: Buffer | null }>('SELECT raw FROM deliveries WHERE id = $1', [deliveryId]);
  return r?.raw ?? undefined;
}

export async function renewLeases(db: PgDb, owner: string, leases: readonly LeaseRef[], until: number): Promise<LeaseRef[]> {
  if (leases.length === 0) return [];
  // Both parts see the snapshot from before the UPDATE: a lease is lost when its token moved on.
  const lost = await db.query<{ id: string }>(
    `WITH l AS (SELECT * FROM unnest($3::text[], $4::int[]) AS l(id, token)),
     renewed AS (
       UPDATE deliveries d SET next_attempt_at = $2 FROM l
        WHERE d.id = l.id AND d.lease_owner = $1 AND d.lease_token = l.token AND d.next_attempt_at IS NOT NULL
       RETURNING d.id
     )
     SELECT l.id FROM l JOIN deliveries d ON d.id = l.id WHERE d.lease_token <> l.token`,
    [owner, until, leases.map((l) => l.deliveryId), leases.map((l) => l.leaseToken)],
  );
  const ids = new Set(lost.map((r) => r.id));
  return leases.filter((l) => ids.has(l.deliveryId));
}

export async function releaseLeases(db: PgDb, owner: string, leases: readonly LeaseRef[], now: number): Promise<void> {
  if (leases.length === 0) return;
  await db.query(
    `UPDATE deliveries d SET next_attempt_at = $2, lease_owner = NULL, updated_at = $2
       FROM unnest($3::text[], $4::int[]) AS l(id, token)
      WHERE d.id = l.id AND d.lease_owner = $1 AND d.lease_token = l.token AND d.next_attempt_at IS NOT NULL`,
    [owner, now, leases.map((l) => l.deliveryId), leases.map((l) => l.leaseToken)],
  );
}

/**
 * Outcomes are group-committed like acceptances: the calls of many sessions (and their events)
 * share one transaction, so recording is not four round trips per delivered message.
 */
export function createRecorder(db: PgDb): GroupCommit<readonly OutcomeRecord[], boolean[]> {
  return new GroupCommit<readonly OutcomeRecord[], boolean[]>(db, {
    write: async (c, calls) => {
      const all = calls.flat();
      const ok = await writeOutcomes(c, all);
      let at = 0;
      return calls.map((call) => ok.slice(at, (at += call.length)));
    },
    weight: (call) => call.length * 512,
  });
}

export async function recordOutcomes(recorder: GroupCommit<readonly OutcomeRecord[], boolean[]>, outcomes: readonly OutcomeRecord[]): Promise<boolean[]> {
  if (outcomes.length === 0) return [];
  return recorder.submit(outcomes);
}

async function writeOutcomes(c: PoolClient, outcomes: readonly OutcomeRecord[]): Promise<boolean[]> {
  const ok = new Array<boolean>(outcomes.length).fill(false);
  // UPDATE ... FROM applies one source row per target row, so two outcomes for one delivery
  // go in successive rounds, in order, as SQLite would apply them.
  for (const round of rounds(outcomes)) {
    for (const i of await recordRound(c, round.map((i) => ({ i, o: outcomes[i]! })))) ok[i] = true;
  }
  return ok;
}

/** Splits outcome indexes into rounds in which each delivery appears at most once. */
function rounds(outcomes: readonly OutcomeRecord[]): number[][] {
  const out: number[][] = [];
  const seen = new Map<string, number>();
  outcomes.forEach((o, i) => {
    const r = seen.get(o.deliveryId) ?? 0;
    seen.set(o.deliveryId, r + 1);
    (out[r] ??= []).push(i);
  });
  return out;
}

/** One fenced UPDATE for the round, then the events of the outcomes that passed the fence. */
async function recordRound(c: PoolClient, items: ReadonlyArray<{ i: number; o: OutcomeRecord }>): Promise<number[]> {
  const col = <T>(f: (o: OutcomeRecord) => T): T[] => items.map(({ o }) => f(o));
  const updated = await c.query<{ ord: number }>(
    `UPDATE deliveries d
        SET state = o.state, attempts = o.attempts, next_attempt_at = o.next_at, lease_owner = NULL, last_reply = o.reply,
            last_mx = o.mx, possible_duplicate = o.dup, bounce_class = o.class, reason = o.reason, updated_at = o.at
       FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::int8[], $6::text[], $7::text[], $8::bool[], $9::text[], $10::text[], $11::int8[])
              WITH ORDINALITY AS o(id, token, state, attempts, next_at, reply, mx, dup, class, reason, at, ord)
      WHERE d.id = o.id AND d.lease_token = o.token AND d.lease_owner IS NOT NULL AND d.next_attempt_at IS NOT NULL
     RETURNING o.ord`,
    [
      col((o) => o.deliveryId),
      col((o) => o.leaseToken),
      col((o) => o.state),
      col((o) => o.attempts),
      col((o) => o.nextAttemptAt),
      col((o) => o.lastReply),
      col((o) => o.lastMx),
      col((o) => o.possibleDuplicate),
      col((o) => o.bounceClass),
      col((o) => o.reason),
      col((o) => o.event.at),
    ],
  );
  const passed = updated.rows.map((r) => items[r.ord - 1]!).sort((a, b) => a.i - b.i);
  if (passed.length === 0) return [];
  const ev = passed.map((p) => p.o);
  await c.query(
    `INSERT INTO events (tenant_id, type, message_id, delivery_id, recipient, at, data)
     SELECT t, ty, mid, did, rcpt, at, data::jsonb
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::text[]) WITH ORDINALITY AS u(t, ty, mid, did, rcpt, at, data, ord)
      ORDER BY ord`,
    [
      ev.map((o) => o.tenantId),
      ev.map((o) => o.event.type),
      ev.map((o) => o.event.messageId),
      ev.map((o) => o.event.deliveryId ?? null),
      ev.map((o) => o.event.recipient ?? null),
      ev.map((o) => o.event.at),
      ev.map((o) => JSON.stringify(o.event.data)),
    ],
  );
  await upsertSuppressions(c, ev.flatMap((o) => (o.suppression ? [o.suppression] : [])));
  return passed.map((p) => p.i);
}

export async function nextDueAt(db: PgDb): Promise<number | null> {
  const [r] = await db.query<{ t: number | null }>('SELECT min(next_attempt_at) AS t FROM deliveries WHERE next_attempt_at IS NOT NULL');
  return r?.t ?? null;
}

export async function getDestination(db: PgDb, domain: string): Promise<DestinationState | undefined> {
  const [r] = await db.query<{ domain: string; dead_until: number; failures: number; last_error: string | null }>(
    'SELECT domain, dead_until, failures, last_error FROM destinations WHERE domain = $1',
    [domain],
  );
  return r && { domain: r.domain, deadUntil: r.dead_until, failures: r.failures, lastError: r.last_error };
}

export async function putDestination(db: PgDb, d: DestinationState): Promise<void> {
  await db.query(
    `INSERT INTO destinations (domain, dead_until, failures, last_error) VALUES ($1, $2, $3, $4)
     ON CONFLICT (domain) DO UPDATE SET dead_until = excluded.dead_until, failures = excluded.failures, last_error = excluded.last_error`,
    [d.domain, d.deadUntil, d.failures, d.lastError],
  );
}

export async function queueStats(db: PgDb, now: number): Promise<QueueStats> {
  const byState: Record<DeliveryState, number> = { queued: 0, deferred: 0, delivered: 0, bounced: 0, dropped: 0 };
  for (const r of await db.query<{ state: DeliveryState; n: number }>('SELECT state, count(*) AS n FROM deliveries GROUP BY state')) byState[r.state] = r.n;
  const [c] = await db.query<{ due: number; leased: number }>(
    `SELECT count(*) FILTER (WHERE next_attempt_at <= $1) AS due,
            count(*) FILTER (WHERE lease_owner IS NOT NULL AND next_attempt_at > $1) AS leased
       FROM deliveries WHERE next_attempt_at IS NOT NULL`,
    [now],
  );
  return { byState, due: c?.due ?? 0, leased: c?.leased ?? 0 };
}
