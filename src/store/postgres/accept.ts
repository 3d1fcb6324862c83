// acceptMessages: message rows, one delivery per recipient, the `queued` (or `dropped`) events
// and the idempotency record. Acceptances go through the group commit (group-commit.ts): one
// transaction and a handful of multi-row statements per batch, whatever the batch's size.
//
// Idempotency is race-free across processes: the key is claimed with INSERT ... ON CONFLICT on
// its primary key. A concurrent claim of the same key waits for the first transaction to end,
// then sees its row and replays or conflicts; an expired row is taken over in the same statement.
import type { PoolClient } from 'pg';
import type { AcceptedMessage, AcceptedRecipient, AcceptOutcome, AcceptRequest } from '../store.js';
import { GroupCommit } from './group-commit.js';
import type { PgDb } from './pool.js';
import { suppressionKey } from '../../domain/suppression/key.js';

/** A map key for a per-tenant value (suppressed address, idempotency key). */
const pairKey = (tenantId: string, value: string): string => `${tenantId}\u0000${value}`;

export function createAccepter(db: PgDb): GroupCommit<AcceptRequest, AcceptOutcome> {
  return new GroupCommit<AcceptRequest, AcceptOutcome>(db, {
    write: writeAcceptances,
    key: (r) => (r.idempotency ? pairKey(r.tenantId, r.idempotency.key) : undefined),
    weight: (r) => r.messages.reduce((n, m) => n + m.raw.length + m.recipients.reduce((k, x) => k + (x.raw?.length ?? 0) + 200, 0), 0),
  });
}

export async function purgeIdempotency(db: PgDb, now: number): Promise<number> {
  return (await db.pool.query('DELETE FROM idempotency WHERE expires_at <= $1', [now])).rowCount ?? 0;
}

/** Writes a batch of acceptances in the caller's open transaction; one outcome per request. */
async function writeAcceptances(c: PoolClient, reqs: readonly AcceptRequest[]): Promise<AcceptOutcome[]> {
  const suppressed = await loadSuppressions(c, reqs);
  const planned = reqs.map((r) => planAcceptance(r, suppressed));
  const outcomes: AcceptOutcome[] = planned.map((messages) => ({ kind: 'accepted', messages }));
  const prior = await claimIdempotencyKeys(c, reqs, planned);
  reqs.forEach((r, i) => {
    const p = r.idempotency && prior.get(pairKey(r.tenantId, r.idempotency.key));
    if (!p || !r.idempotency) return;
    outcomes[i] = p.requestHash === r.idempotency.requestHash ? { kind: 'replayed', messages: p.result } : { kind: 'idempotency_conflict' };
  });
  await insertRows(c, reqs.filter((_, i) => outcomes[i]!.kind === 'accepted'), planned.filter((_, i) => outcomes[i]!.kind === 'accepted'));
  return outcomes;
}

/** The tenant's suppression list entries for every recipient of the batch, in one query. */
async function loadSuppressions(c: PoolClient, reqs: readonly AcceptRequest[]): Promise<Map<string, string>> {
  const pairs = new Map<string, [string, string]>();
  for (const r of reqs) {
    for (const m of r.messages) {
      for (const x of m.recipients) {
        const address = suppressionKey(x.address);
        pairs.set(pairKey(r.tenantId, address), [r.tenantId, address]);
      }
    }
  }
  const out = new Map<string, string>();
  if (pairs.size === 0) return out;
  const list = [...pairs.values()];
  const rows = await c.query<{ tenant_id: string; address: string; reason: string }>(
    `SELECT s.tenant_id, s.address, s.reason
       FROM suppressions s JOIN unnest($1::text[], $2::text[]) AS r(tenant_id, address) USING (tenant_id, address)`,
    [list.map((p) => p[0]), list.map((p) => p[1])],
  );
  for (const r of rows.rows) out.set(pairKey(r.tenant_id, r.address), r.reason);
  return out;
}

/** What the acceptance answers, decided before anything is written (the idempotency record stores it). */
function planAcceptance(req: AcceptRequest, suppressed: ReadonlyMap<string, string>): AcceptedMessage[] {
  return req.messages.map((m) => ({
    messageId: m.id,
    recipients: m.recipients.map((r): AcceptedRecipient => {
      const sup = suppressed.get(pairKey(req.tenantId, suppressionKey(r.address)));
      if (sup !== undefined) return { address: r.address, deliveryId: r.deliveryId, status: 'dropped', reason: `suppressed:${sup}` };
      return { address: r.address, deliveryId: r.deliveryId, status: m.sendAt > m.createdAt ? 'scheduled' : 'queued' };
    }),
  }));
}

interface PriorAnswer {
  readonly requestHash: string;
  readonly result: AcceptedMessage[];
}

/**
 * Claims the batch's idempotency keys; returns the live records of keys someone else holds.
 * Rows are inserted in key order so two batches claiming overlapping keys cannot deadlock.
 * A key whose ON CONFLICT update was skipped (still live) stays row-locked by this
 * transaction, so the follow-up SELECT finds it even if a purge runs meanwhile.
 */
async function claimIdempotencyKeys(c: PoolClient, reqs: readonly AcceptRequest[], planned: readonly AcceptedMessage[][]): Promise<Map<string, PriorAnswer>> {
  const claims = reqs.flatMap((r, i) => (r.idempotency ? [{ r, idem: r.idempotency, result: planned[i]! }] : []));
  const prior = new Map<string, PriorAnswer>();
  if (claims.length === 0) return prior;
  const taken = await c.query<{ tenant_id: string; key: string }>(
    `INSERT INTO idempotency (tenant_id, key, request_hash, result, created_at, expires_at)
     SELECT t, k, h, res::jsonb, n, e FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[]) AS u(t, k, h, res, n, e)
      ORDER BY t, k
     ON CONFLICT (tenant_id, key) DO UPDATE
        SET request_hash = excluded.request_hash, result = excluded.result, created_at = excluded.created_at, expires_at = excluded.expires_at
      WHERE idempotency.expires_at <= excluded.created_at
     RETURNING tenant_id, key`,
    [
      claims.map((x) => x.r.tenantId),
      claims.map((x) => x.idem.key),
      claims.map((x) => x.idem.requestHash),
      claims.map((x) => JSON.stringify(x.result)),
      claims.map((x) => x.r.now),
      claims.map((x) => x.idem.expiresAt),
    ],
  );
  const won = new Set(taken.rows.map((r) => pairKey(r.tenant_id, r.key)));
  const lost = claims.filter((x) => !won.has(pairKey(x.r.tenantId, x.idem.key)));
  if (lost.length === 0) return prior;
  const rows = await c.query<{ tenant_id: string; key: string; request_hash: string; result: AcceptedMessage[] }>(
    `SELECT i.tenant_id, i.key, i.request_hash, i.result
       FROM idempotency i JOIN unnest($1::text[], $2::text[]) AS u(tenant_id, key) USING (tenant_id, key)`,
    [lost.map((x) => x.r.tenantId), lost.map((x) => x.idem.key)],
  );
  for (const r of rows.rows) prior.set(pairKey(r.tenant_id, r.key), { requestHash: r.request_hash, result: r.result });
  if (prior.size !== lost.length) throw new Error('idempotency record vanished while locked');
  return prior;
}

interface DeliveryRow {
  readonly id: string;
  readonly messageId: string;
  readonly tenantId: string;
  readonly recipient: string;
  readonly domain: string;
  readonly smtputf8: boolean;
  readonly raw: Buffer | null;
  /** Also the type of the delivery's first event. */
  readonly state: 'queued' | 'dropped';
  readonly nextAttemptAt: number | null;
  readonly reason: string | null;
  readonly at: number;
  readonly event: Readonly<Record<string, unknown>>;
}

/** Messages, deliveries and events of the accepted requests: three statements for the whole batch. */
async function insertRows(c: PoolClient, reqs: readonly AcceptRequest[], planned: readonly AcceptedMessage[][]): Promise<void> {
  const msgs = reqs.flatMap((r) => r.messages);
  if (msgs.length === 0) return;
  await c.query(
    `INSERT INTO messages (id, tenant_id, message_id_header, envelope_from, header_from, subject, raw, size, tags, metadata, created_at, send_at)
     SELECT id, t, mid, ef, hf, subj, raw, octet_length(raw), tags::jsonb, meta::jsonb, ca, sa
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::text[], $9::text[], $10::int8[], $11::int8[])
         AS u(id, t, mid, ef, hf, subj, raw, tags, meta, ca, sa)`,
    [
      msgs.map((m) => m.id),
      msgs.map((m) => m.tenantId),
      msgs.map((m) => m.messageIdHeader),
      msgs.map((m) => m.envelopeFrom),
      msgs.map((m) => m.headerFrom),
      msgs.map((m) => m.subject),
      msgs.map((m) => m.raw),
      msgs.map((m) => JSON.stringify(m.tags)),
      msgs.map((m) => JSON.stringify(m.metadata)),
      msgs.map((m) => m.createdAt),
      msgs.map((m) => m.sendAt),
    ],
  );

  const deliveries: DeliveryRow[] = [];
  reqs.forEach((r, i) =>
    r.messages.forEach((m, j) =>
      m.recipients.forEach((x, k) => {
        const a = planned[i]![j]!.recipients[k]!;
        const dropped = a.status === 'dropped';
        deliveries.push({
          id: x.deliveryId, messageId: m.id, tenantId: m.tenantId, recipient: x.address, domain: x.domain, smtputf8: x.smtputf8,
          raw: dropped ? null : (x.raw ?? null), state: dropped ? 'dropped' : 'queued', nextAttemptAt: dropped ? null : m.sendAt,
          reason: a.reason ?? null, at: m.createdAt,
          event: dropped ? { reason: a.reason } : a.status === 'scheduled' ? { send_at: m.sendAt } : {},
        });
      }),
    ),
  );
  if (deliveries.length === 0) return;
  const col = <K extends keyof DeliveryRow>(k: K): Array<DeliveryRow[K]> => deliveries.map((x) => x[k]);
  await c.query(
    `INSERT INTO deliveries (id, message_id, tenant_id, recipient, domain, smtputf8, raw, state, next_attempt_at, reason, accepted_at, updated_at)
     SELECT id, mid, t, rcpt, dom, utf8, raw, st, nx, rsn, at, at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::bytea[], $8::text[], $9::int8[], $10::text[], $11::int8[])
         AS u(id, mid, t, rcpt, dom, utf8, raw, st, nx, rsn, at)`,
    [col('id'), col('messageId'), col('tenantId'), col('recipient'), col('domain'), col('smtputf8'), col('raw'), col('state'), col('nextAttemptAt'), col('reason'), col('at')],
  );
  // ORDER BY ord: event ids follow the acceptance's recipient order, as SQLite's seq does.
  await c.query(
    `INSERT INTO events (tenant_id, type, message_id, delivery_id, recipient, at, data)
     SELECT t, ty, mid, did, rcpt, at, data::jsonb
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::text[]) WITH ORDINALITY AS u(t, ty, mid, did, rcpt, at, data, ord)
      ORDER BY ord`,
    [col('tenantId'), col('state'), col('messageId'), col('id'), col('recipient'), col('at'), deliveries.map((x) => JSON.stringify(x.event))],
  );
}
