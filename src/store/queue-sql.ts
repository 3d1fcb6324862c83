// SQL shared by both adapters' queue-control verbs: the operator's view of a delivery's state and
// the WHERE clause of a filter. Dialects differ only in placeholders and in how a tag is matched.
import { HOLD_FOREVER, QUEUE_STATES, queueStateOf, type DeliveryChange, type QueuedDelivery, type QueueState, type SkipReason } from '../domain/queue/control.js';
import type { QueueFilter } from '../domain/queue/filter.js';
import type { DeliverySelector, DestinationCounts, QueueActionRequest, QueueHold, QueueItem, QueueScope } from './queue-types.js';
import { json } from './rows.js';

export { HOLD_FOREVER };

/** Adds a parameter and returns its placeholder (`?` or `$n`). */
export type Param = (v: unknown) => string;

/** See domain/queue/control.ts queueStateOf(); the same precedence in SQL. */
export function stateSql(now: string): string {
  return `CASE WHEN d.parked_by IS NOT NULL AND d.next_attempt_at > ${now} THEN 'held'
               WHEN d.lease_owner IS NOT NULL AND d.next_attempt_at > ${now} THEN 'in_flight'
               WHEN d.state = 'deferred' THEN 'deferred'
               WHEN d.next_attempt_at > ${now} THEN 'scheduled' ELSE 'queued' END`;
}

const like = (v: string): string => `%${v.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The conditions on `deliveries d JOIN messages m` for unfinished deliveries in scope that match.
 * `nowP` gives the placeholder of now, added on first use (PostgreSQL refuses an unused parameter).
 */
export function selectorWhere(dialect: 'sqlite' | 'postgres', scope: QueueScope, sel: DeliverySelector, nowP: () => string, p: Param): string {
  const w = ['d.next_attempt_at IS NOT NULL'];
  if (scope !== null) w.push(`d.tenant_id = ${p(scope)}`);
  if (sel.kind === 'deliveries') {
    w.push(sel.ids.length === 0 ? '1 = 0' : `d.id IN (${sel.ids.map((id) => p(id)).join(', ')})`);
  } else if (sel.kind === 'parked_by') {
    w.push(`d.parked_by = ${p(sel.holdId)}`);
  } else {
    w.push(...filterWhere(dialect, sel.filter, nowP, p));
  }
  return w.join(' AND ');
}

function filterWhere(dialect: 'sqlite' | 'postgres', f: QueueFilter, nowP: () => string, p: Param): string[] {
  const w: string[] = [];
  const esc = dialect === 'sqlite' ? " ESCAPE '\\'" : '';
  if (f.tenantId !== undefined) w.push(`d.tenant_id = ${p(f.tenantId)}`);
  if (f.destination !== undefined) w.push(`d.domain = ${p(f.destination)}`);
  if (f.messageId !== undefined) w.push(`d.message_id = ${p(f.messageId)}`);
  if (f.recipient !== undefined) w.push(`lower(d.recipient) LIKE ${p(like(f.recipient))}${esc}`);
  if (f.reply !== undefined) w.push(`lower(d.last_reply) LIKE ${p(like(f.reply))}${esc}`);
  if (f.sender !== undefined) {
    const s = p(like(f.sender));
    w.push(`(lower(m.envelope_from) LIKE ${s}${esc} OR lower(m.header_from) LIKE ${s}${esc})`);
  }
  if (f.tag !== undefined) {
    w.push(dialect === 'sqlite' ? `EXISTS (SELECT 1 FROM json_each(m.tags) WHERE value = ${p(f.tag)})` : `m.tags @> jsonb_build_array(${p(f.tag)}::text)`);
  }
  if (f.olderThanMs !== undefined) w.push(`d.accepted_at <= ${nowP()} - ${p(f.olderThanMs)}`);
  if (f.states !== undefined) w.push(`(${stateSql(nowP())}) IN (${f.states.map((s: QueueState) => p(s)).join(', ')})`);
  return w;
}

/** Columns of a delivery read for an action (QueuedDelivery) or a list (QueueItem). */
export const ACTION_COLUMNS = `d.id, d.tenant_id, d.message_id, d.recipient, d.state, d.attempts, d.next_attempt_at, d.lease_owner,
  d.held_until, d.hold_reason, d.parked_by, d.parked_from`;
export const ITEM_COLUMNS = `d.id, d.tenant_id, d.message_id, d.recipient, d.domain, d.state, d.attempts, d.accepted_at, d.next_attempt_at,
  d.lease_owner, d.last_reply, d.last_mx, d.held_until, d.hold_reason, d.parked_by, d.updated_at, m.envelope_from, m.subject, m.tags`;

export interface ActionRow {
  id: string;
  tenant_id: string;
  message_id: string;
  recipient: string;
  state: 'queued' | 'deferred';
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  held_until: number | null;
  hold_reason: string | null;
  parked_by: string | null;
  parked_from: number | null;
}

export function toQueuedDelivery(r: ActionRow, now: number): QueuedDelivery {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    messageId: r.message_id,
    recipient: r.recipient,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    leased: r.lease_owner !== null && r.next_attempt_at > now && r.parked_by === null,
    heldUntil: r.held_until,
    holdReason: r.hold_reason,
    parkedBy: r.parked_by,
    parkedFrom: r.parked_from,
  };
}

export interface ItemRow extends Omit<ActionRow, 'parked_from'> {
  domain: string;
  accepted_at: number;
  last_reply: string | null;
  last_mx: string | null;
  updated_at: number;
  envelope_from: string;
  subject: string;
  tags: string | string[];
}

export function toQueueItem(r: ItemRow, now: number): QueueItem {
  const leased = r.lease_owner !== null && r.next_attempt_at > now && r.parked_by === null;
  return {
    id: r.id,
    messageId: r.message_id,
    tenantId: r.tenant_id,
    recipient: r.recipient,
    destination: r.domain,
    sender: r.envelope_from,
    subject: r.subject,
    tags: json<string[]>(r.tags),
    queueState: queueStateOf({ state: r.state, nextAttemptAt: r.next_attempt_at, leased, parkedBy: r.parked_by }, now),
    attempts: r.attempts,
    acceptedAt: r.accepted_at,
    nextAttemptAt: r.next_attempt_at,
    lastReply: r.last_reply,
    lastMx: r.last_mx,
    holdReason: r.hold_reason,
    heldUntil: r.held_until,
    parkedBy: r.parked_by,
    updatedAt: r.updated_at,
  };
}

export interface PlannedChange {
  readonly d: QueuedDelivery;
  readonly c: DeliveryChange;
}

/** Runs the plan over the rows; counts what was skipped and why. */
export function planAll(
  rows: readonly ActionRow[],
  req: Pick<QueueActionRequest, 'plan' | 'now' | 'limit'>,
): { changes: PlannedChange[]; skipped: Partial<Record<SkipReason, number>>; more: boolean } {
  const skipped: Partial<Record<SkipReason, number>> = {};
  const changes: PlannedChange[] = [];
  const more = rows.length > req.limit;
  for (const r of rows.slice(0, req.limit)) {
    const d = toQueuedDelivery(r, req.now);
    const c = req.plan(d);
    if ('skip' in c) skipped[c.skip] = (skipped[c.skip] ?? 0) + 1;
    else changes.push({ d, c });
  }
  return { changes, skipped, more };
}

export interface HoldRow {
  id: string;
  tenant_id: string | null;
  destination: string | null;
  reason: string;
  created_at: number;
  expires_at: number | null;
  created_by: string;
}

export const toHold = (r: HoldRow): QueueHold => ({
  id: r.id,
  tenantId: r.tenant_id,
  destination: r.destination,
  reason: r.reason,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  createdBy: r.created_by,
});

/** The standing hold that covers a delivery, the longest first; undefined when none does. */
export function holdFor(holds: readonly HoldRow[], tenantId: string, domain: string): HoldRow | undefined {
  let best: HoldRow | undefined;
  for (const h of holds) {
    if ((h.destination !== null && h.destination !== domain) || (h.tenant_id !== null && h.tenant_id !== tenantId)) continue;
    if (!best || (h.expires_at ?? HOLD_FOREVER) > (best.expires_at ?? HOLD_FOREVER)) best = h;
  }
  return best;
}

/** Per-destination counts from (destination, state) groups, most deliveries first. */
export function collect(
  rows: ReadonlyArray<{ domain: string; qs: QueueState; n: number | string; oldest: number }>,
  lastError: (domain: string) => { last_reply: string; updated_at: number } | undefined,
): DestinationCounts[] {
  const by = new Map<string, { counts: Record<QueueState, number>; total: number; oldest: number }>();
  for (const r of rows) {
    let e = by.get(r.domain);
    if (!e) by.set(r.domain, (e = { counts: Object.fromEntries(QUEUE_STATES.map((q) => [q, 0])) as Record<QueueState, number>, total: 0, oldest: r.oldest }));
    e.counts[r.qs] += Number(r.n);
    e.total += Number(r.n);
    e.oldest = Math.min(e.oldest, Number(r.oldest));
  }
  return [...by.entries()]
    .sort((a, b) => b[1].total - a[1].total || a[0].localeCompare(b[0]))
    .map(([destination, e]) => {
      const le = lastError(destination);
      return { destination, counts: e.counts, total: e.total, oldestAcceptedAt: e.oldest, lastError: le?.last_reply ?? null, lastErrorAt: le?.updated_at ?? null };
    });
}


/** A placeholder of `v` added on first use, then reused. */
export function lazyParam(p: Param, v: unknown, cast = ''): () => string {
  let ph: string | undefined;
  return () => (ph ??= p(v) + cast);
}
