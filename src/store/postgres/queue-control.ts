// Queue control verbs (see sqlite/queue-control.ts): the same behaviour; an action locks the rows
// it selects (FOR UPDATE), so claims pass them by (SKIP LOCKED) until it commits.
import type { PoolClient } from 'pg';
import type { QueueState } from '../../domain/queue/control.js';
import {
  ACTION_COLUMNS, collect, ITEM_COLUMNS, lazyParam, planAll, selectorWhere, stateSql, toHold, toQueueItem,
  type ActionRow, type HoldRow, type ItemRow, type Param,
} from '../queue-sql.js';
import type {
  DestinationCounts, QueueActionRequest, QueueActionResult, QueueHold, QueuePage, QueueQuery, QueueScope, StoredAuditEntry,
} from '../queue-types.js';
import type { Tenant, TenantStatusPatch } from '../store.js';
import { tenantStatus, type TenantStatusRow } from '../rows-tenant.js';
import type { PgDb } from './pool.js';

function params(): { p: Param; values: unknown[] } {
  const values: unknown[] = [];
  return { values, p: (v) => `$${values.push(v)}` };
}

export async function queueCounts(db: PgDb, scope: QueueScope, now: number): Promise<DestinationCounts[]> {
  const { p, values } = params();
  const nowP = lazyParam(p, now, '::int8');
  const where = selectorWhere('postgres', scope, { kind: 'filter', filter: {} }, nowP, p);
  const rows = await db.query<{ domain: string; qs: QueueState; n: string; oldest: number }>(
    `SELECT d.domain, ${stateSql(nowP())} AS qs, count(*) AS n, min(d.accepted_at) AS oldest FROM deliveries d WHERE ${where} GROUP BY 1, 2`,
    values,
  );
  const domains = [...new Set(rows.map((r) => r.domain))];
  const last = await db.query<{ domain: string; last_reply: string; updated_at: number }>(
    `SELECT DISTINCT ON (d.domain) d.domain, d.last_reply, d.updated_at FROM deliveries d
      WHERE d.domain = ANY($1::text[]) AND d.next_attempt_at IS NOT NULL AND d.last_reply IS NOT NULL ${scope !== null ? 'AND d.tenant_id = $2' : ''}
      ORDER BY d.domain, d.updated_at DESC`,
    scope !== null ? [domains, scope] : [domains],
  );
  const byDomain = new Map(last.map((r) => [r.domain, r]));
  return collect(rows, (d) => byDomain.get(d));
}

export async function listQueue(db: PgDb, q: QueueQuery): Promise<QueuePage> {
  const { p, values } = params();
  const nowP = lazyParam(p, q.now, '::int8');
  let where = selectorWhere('postgres', q.scope, { kind: 'filter', filter: q.filter }, nowP, p);
  if (q.after !== undefined) where += ` AND d.id > ${p(q.after)}`;
  const rows = await db.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE ${where} ORDER BY d.id LIMIT ${p(q.limit + 1)}`,
    values,
  );
  const items = rows.slice(0, q.limit).map((r) => toQueueItem(r, q.now));
  return { items, next: rows.length > q.limit ? items[items.length - 1]!.id : null };
}

export async function actOnQueue(db: PgDb, req: QueueActionRequest): Promise<QueueActionResult> {
  return db.tx(async (c) => {
    if (req.createHold) await insertHold(c, req.createHold);
    const { p, values } = params();
    const nowP = lazyParam(p, req.now, '::int8');
    const where = selectorWhere('postgres', req.scope, req.selector, nowP, p);
    const rows = (
      await c.query<ActionRow>(
        `SELECT ${ACTION_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE ${where} ORDER BY d.id LIMIT ${p(req.limit + 1)} FOR UPDATE OF d`,
        values,
      )
    ).rows;
    const { changes, skipped, more } = planAll(rows, req);
    if (changes.length > 0) {
      const col = <T>(f: (x: (typeof changes)[number]) => T): T[] => changes.map(f);
      // In flight: only the hold is noted (the lease and its time stay). Otherwise the change also
      // takes the delivery out of an expired lease, so a late outcome of it is fenced off.
      await c.query(
        `UPDATE deliveries d
            SET state = CASE WHEN u.leased THEN d.state ELSE u.state END,
                next_attempt_at = CASE WHEN u.leased THEN d.next_attempt_at ELSE u.next_at END,
                held_until = u.held_until, hold_reason = u.hold_reason,
                parked_by = CASE WHEN u.leased THEN d.parked_by ELSE u.parked_by END,
                parked_from = CASE WHEN u.leased THEN d.parked_from ELSE u.parked_from END,
                bounce_class = COALESCE(u.bclass, d.bounce_class), reason = COALESCE(u.reason, d.reason), last_reply = COALESCE(u.reply, d.last_reply),
                possible_duplicate = CASE WHEN u.leased THEN d.possible_duplicate ELSE d.possible_duplicate OR d.lease_owner IS NOT NULL END,
                lease_owner = CASE WHEN u.leased THEN d.lease_owner ELSE NULL END,
                lease_token = CASE WHEN u.leased THEN d.lease_token ELSE d.lease_token + 1 END,
                updated_at = $12
           FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], $5::text[], $6::text[], $7::int8[], $8::text[], $9::text[], $10::text[], $11::bool[])
                AS u(id, state, next_at, held_until, hold_reason, parked_by, parked_from, bclass, reason, reply, leased)
          WHERE d.id = u.id`,
        [
          col((x) => x.d.id),
          col((x) => x.c.state),
          col((x) => x.c.nextAttemptAt),
          col((x) => x.c.heldUntil),
          col((x) => x.c.holdReason),
          col((x) => x.c.parkedBy),
          col((x) => x.c.parkedFrom),
          col((x) => x.c.bounce?.class ?? null),
          col((x) => x.c.bounce?.reason ?? x.c.dropReason ?? null),
          col((x) => x.c.bounce?.reply ?? null),
          col((x) => x.d.leased),
          req.now,
        ],
      );
      await c.query(
        `INSERT INTO events (tenant_id, type, message_id, delivery_id, recipient, at, data)
         SELECT t, ty, mid, did, rcpt, at, data::jsonb
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::text[]) WITH ORDINALITY AS u(t, ty, mid, did, rcpt, at, data, ord)
          ORDER BY ord`,
        [
          col((x) => x.d.tenantId),
          col((x) => x.c.event.type),
          col((x) => x.c.event.messageId),
          col((x) => x.c.event.deliveryId ?? null),
          col((x) => x.c.event.recipient ?? null),
          col((x) => x.c.event.at),
          col((x) => JSON.stringify(x.c.event.data)),
        ],
      );
    }
    if (req.deleteHold !== undefined) await c.query('DELETE FROM queue_holds WHERE id = $1', [req.deleteHold]);
    const a = req.audit;
    await c.query('INSERT INTO audit_log (at, tenant_id, key_id, action, target, reason, touched) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      a.at, a.tenantId, a.keyId, a.action, JSON.stringify(a.target), a.reason, changes.length,
    ]);
    return { matched: Math.min(rows.length, req.limit), touched: changes.length, skipped, more };
  });
}

async function insertHold(c: PoolClient, h: QueueHold): Promise<void> {
  await c.query('INSERT INTO queue_holds (id, tenant_id, destination, reason, created_at, expires_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    h.id, h.tenantId, h.destination, h.reason, h.createdAt, h.expiresAt, h.createdBy,
  ]);
}

export async function listHolds(db: PgDb, scope: QueueScope, now: number): Promise<QueueHold[]> {
  const rows = await db.query<HoldRow>(
    `SELECT * FROM queue_holds WHERE (expires_at IS NULL OR expires_at > $1) ${scope !== null ? 'AND (tenant_id = $2 OR tenant_id IS NULL)' : ''} ORDER BY created_at, id`,
    scope !== null ? [now, scope] : [now],
  );
  return rows.map(toHold);
}

export async function listAudit(db: PgDb, scope: QueueScope, limit: number): Promise<StoredAuditEntry[]> {
  const rows = await db.query<{ seq: number; at: number; tenant_id: string | null; key_id: string; action: string; target: Record<string, unknown>; reason: string | null; touched: number }>(
    `SELECT * FROM audit_log ${scope !== null ? 'WHERE tenant_id = $2' : ''} ORDER BY seq DESC LIMIT $1`,
    scope !== null ? [limit, scope] : [limit],
  );
  return rows.map((r) => ({ seq: String(r.seq), at: r.at, tenantId: r.tenant_id, keyId: r.key_id, action: r.action, target: r.target, reason: r.reason, touched: r.touched }));
}

export async function setTenantStatus(db: PgDb, id: string, patch: TenantStatusPatch): Promise<Tenant | undefined> {
  const sets: string[] = [];
  const args: unknown[] = [id];
  if (patch.suspendedAt !== undefined) sets.push(`suspended_at = $${args.push(patch.suspendedAt)}`);
  if (patch.suspendReason !== undefined) sets.push(`suspend_reason = $${args.push(patch.suspendReason)}`);
  if (patch.deletedAt !== undefined) sets.push(`deleted_at = $${args.push(patch.deletedAt)}`);
  const [r] = await db.query<{ id: string; name: string; created_at: number; settings: Tenant['settings'] } & TenantStatusRow>(
    sets.length > 0
      ? `UPDATE tenants SET ${sets.join(', ')} WHERE id = $1 RETURNING id, name, created_at, settings, suspended_at, suspend_reason, deleted_at`
      : 'SELECT id, name, created_at, settings, suspended_at, suspend_reason, deleted_at FROM tenants WHERE id = $1',
    args,
  );
  return r && { id: r.id, name: r.name, createdAt: r.created_at, ...(r.settings ? { settings: r.settings } : {}), ...tenantStatus(r) };
}
