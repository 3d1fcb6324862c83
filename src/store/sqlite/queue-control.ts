// Queue control verbs: the operator's views of the queue, actions on deliveries (with their
// events and the audit record, in one transaction), standing holds and the audit log.
import type { QueueState } from '../../domain/queue/control.js';
import type { NewEvent } from '../../domain/events/types.js';
import {
  ACTION_COLUMNS, collect, ITEM_COLUMNS, lazyParam, planAll, selectorWhere, stateSql, toHold, toQueueItem,
  type ActionRow, type HoldRow, type ItemRow, type Param,
} from '../queue-sql.js';
import type {
  DestinationCounts, QueueActionRequest, QueueActionResult, QueueHold, QueuePage, QueueQuery, QueueScope, StoredAuditEntry,
} from '../queue-types.js';
import type { SqliteDb } from './db.js';

/** Named parameters (@p0, @p1...): a placeholder may then be used twice, as `now` is. */
function params(): { p: Param; values: Record<string, unknown> } {
  const values: Record<string, unknown> = {};
  let n = 0;
  return {
    values,
    p: (v) => {
      const k = `p${n++}`;
      values[k] = v;
      return `@${k}`;
    },
  };
}

export function queueCounts(s: SqliteDb, scope: QueueScope, now: number): Promise<DestinationCounts[]> {
  return s.read(() => {
    const { p, values } = params();
    const nowP = lazyParam(p, now, '');
    const where = selectorWhere('sqlite', scope, { kind: 'filter', filter: {} }, nowP, p);
    const rows = s
      .stmt(`SELECT d.domain, ${stateSql(nowP())} AS qs, COUNT(*) AS n, MIN(d.accepted_at) AS oldest FROM deliveries d WHERE ${where} GROUP BY d.domain, qs`)
      .all(values) as Array<{ domain: string; qs: QueueState; n: number; oldest: number }>;
    const lastError = s.stmt(
      `SELECT last_reply, updated_at FROM deliveries d WHERE d.domain = ? AND d.next_attempt_at IS NOT NULL AND d.last_reply IS NOT NULL
       ${scope !== null ? 'AND d.tenant_id = ?' : ''} ORDER BY d.updated_at DESC LIMIT 1`,
    );
    return collect(rows, (domain) => lastError.get(...(scope !== null ? [domain, scope] : [domain])) as { last_reply: string; updated_at: number } | undefined);
  });
}

export function listQueue(s: SqliteDb, q: QueueQuery): Promise<QueuePage> {
  return s.read(() => {
    const { p, values } = params();
    const nowP = lazyParam(p, q.now, '');
    let where = selectorWhere('sqlite', q.scope, { kind: 'filter', filter: q.filter }, nowP, p);
    if (q.after !== undefined) where += ` AND d.id > ${p(q.after)}`;
    const rows = s
      .stmt(`SELECT ${ITEM_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE ${where} ORDER BY d.id LIMIT ${p(q.limit + 1)}`)
      .all(values) as ItemRow[];
    const items = rows.slice(0, q.limit).map((r) => toQueueItem(r, q.now));
    return { items, next: rows.length > q.limit ? items[items.length - 1]!.id : null };
  });
}

export function actOnQueue(s: SqliteDb, req: QueueActionRequest): Promise<QueueActionResult> {
  return s.write(() => {
    if (req.createHold) insertHold(s, req.createHold);
    const { p, values } = params();
    const nowP = lazyParam(p, req.now, '');
    const where = selectorWhere('sqlite', req.scope, req.selector, nowP, p);
    const rows = s
      .stmt(`SELECT ${ACTION_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE ${where} ORDER BY d.id LIMIT ${p(req.limit + 1)}`)
      .all(values) as ActionRow[];
    const { changes, skipped, more } = planAll(rows, req);
    // A delivery in flight keeps its lease and its time (only the hold is noted); any other
    // change takes the delivery out of an expired lease, so a late outcome of it is fenced off.
    const inFlight = s.stmt('UPDATE deliveries SET held_until = ?, hold_reason = ?, updated_at = ? WHERE id = ?');
    const change = s.stmt(
      `UPDATE deliveries SET state = ?, next_attempt_at = ?, held_until = ?, hold_reason = ?, parked_by = ?, parked_from = ?,
              bounce_class = COALESCE(?, bounce_class), reason = COALESCE(?, reason), last_reply = COALESCE(?, last_reply),
              possible_duplicate = possible_duplicate | (lease_owner IS NOT NULL), lease_owner = NULL, lease_token = lease_token + 1, updated_at = ?
        WHERE id = ?`,
    );
    for (const { d, c } of changes) {
      if (d.leased) inFlight.run(c.heldUntil, c.holdReason, req.now, d.id);
      else {
        change.run(
          c.state, c.nextAttemptAt, c.heldUntil, c.holdReason, c.parkedBy, c.parkedFrom,
          c.bounce?.class ?? null, c.bounce?.reason ?? c.dropReason ?? null, c.bounce?.reply ?? null, req.now, d.id,
        );
      }
    }
    insertEvents(s, changes.map(({ d, c }) => ({ tenantId: d.tenantId, event: c.event })));
    if (req.deleteHold !== undefined) s.stmt('DELETE FROM queue_holds WHERE id = ?').run(req.deleteHold);
    const a = req.audit;
    s.stmt('INSERT INTO audit_log (at, tenant_id, key_id, action, target, reason, touched) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      a.at, a.tenantId, a.keyId, a.action, JSON.stringify(a.target), a.reason, changes.length,
    );
    return { matched: Math.min(rows.length, req.limit), touched: changes.length, skipped, more };
  });
}

function insertEvents(s: SqliteDb, list: ReadonlyArray<{ tenantId: string; event: NewEvent }>): void {
  const ev = s.stmt('INSERT INTO events (tenant_id, type, message_id, delivery_id, recipient, at, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const { tenantId, event: e } of list) ev.run(tenantId, e.type, e.messageId, e.deliveryId ?? null, e.recipient ?? null, e.at, JSON.stringify(e.data));
}

function insertHold(s: SqliteDb, h: QueueHold): void {
  s.stmt('INSERT INTO queue_holds (id, tenant_id, destination, reason, created_at, expires_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    h.id, h.tenantId, h.destination, h.reason, h.createdAt, h.expiresAt, h.createdBy,
  );
}

/** Active holds a scope sees: its own and, for a tenant, the platform-wide ones that cover it. */
export function listHolds(s: SqliteDb, scope: QueueScope, now: number): Promise<QueueHold[]> {
  return s.read(() =>
    (
      s.stmt(`SELECT * FROM queue_holds WHERE (expires_at IS NULL OR expires_at > ?) ${scope !== null ? 'AND (tenant_id = ? OR tenant_id IS NULL)' : ''} ORDER BY created_at, id`)
        .all(...(scope !== null ? [now, scope] : [now])) as HoldRow[]
    ).map(toHold),
  );
}

export function listAudit(s: SqliteDb, scope: QueueScope, limit: number): Promise<StoredAuditEntry[]> {
  return s.read(() => {
    const rows = s
      .stmt(`SELECT * FROM audit_log ${scope !== null ? 'WHERE tenant_id = ?' : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...(scope !== null ? [scope, limit] : [limit])) as Array<{ seq: number; at: number; tenant_id: string | null; key_id: string; action: string; target: string; reason: string | null; touched: number }>;
    return rows.map((r) => ({ seq: String(r.seq), at: r.at, tenantId: r.tenant_id, keyId: r.key_id, action: r.action, target: JSON.parse(r.target) as Record<string, unknown>, reason: r.reason, touched: r.touched }));
  });
}
