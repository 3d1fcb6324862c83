// Queue control under /v1/queue (admin scope): summary by destination, deliveries with filters
// and cursor paging, one message inspected, actions (hold, release, retry, bounce, delete),
// standing holds and the audit log. A tenant key sees its own tenant; a platform key every tenant.
import type { FastifyInstance } from 'fastify';
import { TxError, validationError } from '../../../domain/errors.js';
import { HOLD_FOREVER } from '../../../domain/queue/control.js';
import { parseQueueFilter } from '../../../domain/queue/filter.js';
import { headerValue, splitHeaders } from '../../../domain/message/raw-headers.js';
import type { QueueHold, QueueItem, StoredAuditEntry } from '../../../store/store.js';
import { requireScope } from '../../auth.js';
import { QueueControl, scopeOf } from '../../queue-control.js';
import type { HttpDeps } from '../deps.js';
import { authOf } from './index.js';
import { eventView, messageView } from './views.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const holdEnd = (ms: number | null): string | null => (ms === null || ms >= HOLD_FOREVER ? null : iso(ms));

export const holdView = (h: QueueHold): Record<string, unknown> => ({
  id: h.id,
  tenant: h.tenantId,
  destination: h.destination,
  reason: h.reason,
  created_at: iso(h.createdAt),
  expires_at: iso(h.expiresAt),
  created_by: h.createdBy,
});

const itemView = (i: QueueItem, holds: ReadonlyMap<string, QueueHold> = new Map()): Record<string, unknown> => ({
  delivery_id: i.id,
  message_id: i.messageId,
  tenant: i.tenantId,
  recipient: i.recipient,
  destination: i.destination,
  sender: i.sender,
  subject: i.subject,
  tags: i.tags,
  state: i.queueState,
  attempts: i.attempts,
  accepted_at: iso(i.acceptedAt),
  next_attempt_at: holdEnd(i.nextAttemptAt),
  last_reply: i.lastReply,
  last_mx: i.lastMx,
  hold: holdOf(i, holds),
  updated_at: iso(i.updatedAt),
});

/** The hold on a delivery: its own, or the standing hold that parked it (reason and end are the hold's). */
function holdOf(i: QueueItem, holds: ReadonlyMap<string, QueueHold>): Record<string, unknown> | null {
  const standing = i.parkedBy !== null ? holds.get(i.parkedBy) : undefined;
  if (standing) return { reason: standing.reason, until: iso(standing.expiresAt), hold_id: standing.id };
  if (i.holdReason !== null && (i.queueState === 'held' || i.heldUntil !== null)) return { reason: i.holdReason, until: holdEnd(i.heldUntil), hold_id: null };
  return null;
}

const auditView = (a: StoredAuditEntry): Record<string, unknown> => ({
  id: a.seq, at: iso(a.at), tenant: a.tenantId, key: a.keyId, action: a.action, target: a.target, reason: a.reason, touched: a.touched,
});

const LIMIT_MAX = 500;

function limitOf(v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  const n = typeof v === 'string' && /^\d{1,4}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= LIMIT_MAX)) throw validationError([{ path: 'limit', message: `must be an integer from 1 to ${LIMIT_MAX}` }]);
  return n;
}

export async function queueRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const control = new QueueControl(deps.store, deps.now);

  app.get('/queue/summary', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const scope = scopeOf(auth);
    const now = deps.now();
    const [counts, holds] = await Promise.all([deps.store.queueCounts(scope, now), deps.store.listHolds(scope, now)]);
    const destinations = await Promise.all(
      counts.map(async (c) => {
        const st = await deps.store.getDestination(c.destination);
        const backedOff = st !== undefined && st.deadUntil > now;
        return {
          destination: c.destination,
          kind: 'domain',
          counts: c.counts,
          total: c.total,
          oldest_age_s: Math.max(0, Math.round((now - c.oldestAcceptedAt) / 1000)),
          last_error: c.lastError ?? (backedOff ? st.lastError : null),
          last_error_at: iso(c.lastErrorAt),
          backed_off: backedOff,
          backed_off_until: backedOff ? iso(st.deadUntil) : null,
          holds: holds.filter((h) => h.destination === c.destination || h.destination === null).map(holdView),
        };
      }),
    );
    return { at: iso(now), destinations, holds: holds.map(holdView) };
  });

  app.get<{ Querystring: Record<string, string> }>('/queue/deliveries', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const { cursor, limit, ...rest } = req.query;
    const filter = parseQueueFilter(rest);
    const now = deps.now();
    const [page, holds] = await Promise.all([
      deps.store.listQueue({ scope: scopeOf(auth), filter, limit: limitOf(limit, 100), now, ...(cursor ? { after: cursor } : {}) }),
      deps.store.listHolds(scopeOf(auth), now),
    ]);
    const byId = new Map(holds.map((h) => [h.id, h]));
    return { deliveries: page.items.map((i) => itemView(i, byId)), next_cursor: page.next };
  });

  app.get<{ Params: { id: string } }>('/queue/messages/:id', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const scope = scopeOf(auth);
    const loaded = (await deps.store.loadMessages([req.params.id])).get(req.params.id);
    const tenantId = scope ?? loaded?.tenantId;
    const m = loaded && tenantId !== undefined ? await deps.store.getMessage(tenantId, req.params.id) : undefined;
    if (!m || !loaded) throw new TxError('TX_ERR_NOT_FOUND', `No message ${req.params.id}.`);
    const now = deps.now();
    const [queue, holds] = await Promise.all([
      deps.store.listQueue({ scope: m.tenantId, filter: { messageId: m.id }, limit: LIMIT_MAX, now }),
      deps.store.listHolds(m.tenantId, now),
    ]);
    const byId = new Map(holds.map((h) => [h.id, h]));
    const { lines } = splitHeaders(loaded.raw);
    const attempts = m.events
      .filter((e) => e.type === 'delivered' || e.type === 'deferred' || (e.type === 'bounced' && e.data.source !== 'admin'))
      .map((e) => {
        const d = e.data as { reply?: string; mx?: string; tls?: boolean; attempt?: number };
        return { delivery_id: e.deliveryId ?? null, recipient: e.recipient ?? null, at: iso(e.at), attempt: d.attempt ?? null, outcome: e.type, mx: d.mx ?? null, tls: d.tls ?? null, reply: d.reply ?? null };
      });
    return {
      ...messageView(m),
      tenant: m.tenantId,
      envelope: { from: m.envelopeFrom, to: m.deliveries.map((d) => d.recipient) },
      headers: lines.map((l) => {
        const i = l.indexOf(':');
        const name = i === -1 ? l : l.slice(0, i);
        return { name, value: headerValue([l], name) ?? '' };
      }),
      queue: queue.items.map((i) => itemView(i, byId)),
      attempts,
      events: m.events.map(eventView),
    };
  });

  app.post<{ Params: { action: string } }>('/queue/:action', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const r = await control.act(auth, req.params.action, req.body);
    return {
      action: req.params.action,
      matched: r.matched,
      touched: r.touched,
      skipped: r.skipped,
      more: r.more,
      ...(r.hold ? { hold: holdView(r.hold) } : {}),
      ...(r.released_holds !== undefined ? { released_holds: r.released_holds } : {}),
    };
  });

  app.get('/queue/holds', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    return { holds: (await deps.store.listHolds(scopeOf(auth), deps.now())).map(holdView) };
  });

  app.delete<{ Params: { id: string } }>('/queue/holds/:id', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const r = await control.releaseHoldById(auth, req.params.id);
    return { action: 'release', matched: r.matched, touched: r.touched, skipped: r.skipped, more: r.more };
  });

  app.get<{ Querystring: { limit?: string } }>('/audit', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    return { entries: (await deps.store.listAudit(scopeOf(auth), limitOf(req.query.limit, 100))).map(auditView) };
  });
}
