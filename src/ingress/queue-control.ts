// Queue control for the admin API: turns a request (target, action) into store calls, scoped to
// what the key may see. A tenant key acts on its own tenant; a platform key on any.
import { TxError, validationError, type FieldError } from '../domain/errors.js';
import { planAction, QUEUE_ACTIONS, type QueueAction, type QueueActionKind } from '../domain/queue/control.js';
import { isEmptyFilter, parseHoldEnd, parseQueueFilter, type QueueFilter } from '../domain/queue/filter.js';
import { ulid } from '../lib/ids.js';
import type { DeliverySelector, QueueActionResult, QueueHold, QueueScope, Store } from '../store/store.js';
import type { AuthContext } from './auth.js';

/** Most deliveries one action call changes; `more: true` in the answer says to repeat it. */
export const ACTION_LIMIT = 10_000;
const REASON_MAX = 500;

export const scopeOf = (auth: AuthContext): QueueScope => (auth.scopes.includes('platform') ? null : auth.tenantId);

export interface ActionAnswer extends QueueActionResult {
  readonly hold?: QueueHold;
  readonly released_holds?: number;
}

type Target =
  | { kind: 'selector'; selector: DeliverySelector }
  | { kind: 'destination'; destination: string; tenantId: string | null }
  | { kind: 'tenant'; tenantId: string };

const TARGET_KEYS = ['message_id', 'delivery_ids', 'filter', 'destination', 'tenant'] as const;

export class QueueControl {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  async act(auth: AuthContext, kind: string, body: unknown): Promise<ActionAnswer> {
    if (!(QUEUE_ACTIONS as readonly string[]).includes(kind)) throw new TxError('TX_ERR_NOT_FOUND', `No queue action ${kind}.`);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TxError('TX_ERR_BAD_REQUEST', 'The body must be a JSON object.');
    const b = body as Record<string, unknown>;
    const now = this.now();
    const errors: FieldError[] = [];
    for (const k of Object.keys(b)) {
      if (!([...TARGET_KEYS, 'reason', 'until', 'for'] as readonly string[]).includes(k)) errors.push({ path: k, message: 'unknown field' });
    }
    const reason = b['reason'];
    const needsReason = kind === 'hold' || kind === 'bounce';
    if (reason !== undefined && (typeof reason !== 'string' || reason.trim() === '' || reason.length > REASON_MAX || /[\r\n]/.test(reason))) {
      errors.push({ path: 'reason', message: `must be one line of 1 to ${REASON_MAX} characters` });
    } else if (reason === undefined && needsReason) errors.push({ path: 'reason', message: `is required to ${kind}` });
    const until = kind === 'hold' ? parseHoldEnd(b, now, errors) : null;
    if (kind !== 'hold' && (b['until'] !== undefined || b['for'] !== undefined)) errors.push({ path: b['until'] !== undefined ? 'until' : 'for', message: 'only a hold has an end' });
    const scope = scopeOf(auth);
    const target = this.target(b, scope, errors);
    if (errors.length > 0) throw validationError(errors);
    const why = typeof reason === 'string' ? reason.trim() : null;
    const action = actionOf(kind as QueueActionKind, why, until);
    await this.checkTenant(target, scope);
    const audit = { at: now, tenantId: auditTenant(target, scope), keyId: auth.keyId, action: kind, target: describe(target), reason: why };

    if (target.kind === 'selector') {
      return this.store.actOnQueue({ scope, selector: target.selector, now, plan: (d) => planAction(d, action, { now, by: auth.keyId }), audit, limit: ACTION_LIMIT });
    }
    const tenantId = target.kind === 'tenant' ? target.tenantId : target.tenantId;
    const destination = target.kind === 'destination' ? target.destination : null;
    const filter: QueueFilter = { ...(destination !== null ? { destination } : {}), ...(tenantId !== null ? { tenantId } : {}) };
    if (kind === 'hold') {
      const hold: QueueHold = { id: `hold_${ulid(now)}`, tenantId, destination, reason: why ?? '', createdAt: now, expiresAt: until, createdBy: auth.keyId };
      const parkAction: QueueAction = { kind: 'hold', reason: hold.reason, until, parkedBy: hold.id };
      const r = await this.store.actOnQueue({
        scope, selector: { kind: 'filter', filter }, now, plan: (d) => planAction(d, parkAction, { now, by: auth.keyId }), audit, limit: ACTION_LIMIT, createHold: hold,
      });
      return { ...r, hold };
    }
    if (kind === 'release') {
      // Releases the standing holds made exactly on this destination or tenant that this key may release.
      const holds = (await this.store.listHolds(scope, now)).filter((h) => h.destination === destination && h.tenantId === tenantId);
      let total = { matched: 0, touched: 0, skipped: {}, more: false } as QueueActionResult;
      for (const h of holds) total = sum(total, await this.releaseHold(auth, h, now));
      return { ...total, released_holds: holds.length };
    }
    return this.store.actOnQueue({ scope, selector: { kind: 'filter', filter }, now, plan: (d) => planAction(d, action, { now, by: auth.keyId }), audit, limit: ACTION_LIMIT });
  }

  /** An audit record of an action that changes no delivery (tenants, keys): written through the same verb. */
  async audit(auth: AuthContext, action: string, tenantId: string | null, target: Record<string, unknown>, reason: string | null = null): Promise<void> {
    const now = this.now();
    await this.store.actOnQueue({
      scope: tenantId,
      selector: { kind: 'deliveries', ids: [] },
      now,
      plan: () => ({ skip: 'already' }),
      audit: { at: now, tenantId, keyId: auth.keyId, action, target, reason },
      limit: 1,
    });
  }

  /** Releases one standing hold by id; 404 for a hold this key cannot see or release. */
  async releaseHoldById(auth: AuthContext, id: string): Promise<QueueActionResult> {
    const now = this.now();
    const scope = scopeOf(auth);
    const h = (await this.store.listHolds(scope, now)).find((x) => x.id === id);
    if (!h || (scope !== null && h.tenantId !== scope)) throw new TxError('TX_ERR_NOT_FOUND', `No hold ${id}.`);
    return this.releaseHold(auth, h, now);
  }

  private releaseHold(auth: AuthContext, h: QueueHold, now: number): Promise<QueueActionResult> {
    const action: QueueAction = { kind: 'release', parkedBy: h.id };
    return this.store.actOnQueue({
      scope: h.tenantId,
      selector: { kind: 'parked_by', holdId: h.id },
      now,
      plan: (d) => planAction(d, action, { now, by: auth.keyId }),
      audit: { at: now, tenantId: h.tenantId, keyId: auth.keyId, action: 'release', target: { hold: h.id, destination: h.destination, tenant: h.tenantId }, reason: null },
      limit: Number.MAX_SAFE_INTEGER,
      deleteHold: h.id,
    });
  }

  private target(b: Record<string, unknown>, scope: QueueScope, errors: FieldError[]): Target {
    const given = TARGET_KEYS.filter((k) => b[k] !== undefined);
    if (given.length !== 1) {
      errors.push({ path: given[1] ?? 'filter', message: `give exactly one target: ${TARGET_KEYS.join(', ')}` });
      return { kind: 'selector', selector: { kind: 'deliveries', ids: [] } };
    }
    const str = (k: string): string => {
      const v = b[k];
      if (typeof v !== 'string' || v === '' || v.length > 255) {
        errors.push({ path: k, message: 'must be a non-empty string' });
        return '';
      }
      return v;
    };
    switch (given[0]!) {
      case 'message_id':
        return { kind: 'selector', selector: { kind: 'filter', filter: { messageId: str('message_id') } } };
      case 'delivery_ids': {
        const ids = b['delivery_ids'];
        if (!Array.isArray(ids) || ids.length === 0 || ids.length > 1000 || !ids.every((x) => typeof x === 'string')) {
          errors.push({ path: 'delivery_ids', message: 'must be an array of 1 to 1000 delivery ids' });
          return { kind: 'selector', selector: { kind: 'deliveries', ids: [] } };
        }
        return { kind: 'selector', selector: { kind: 'deliveries', ids: ids as string[] } };
      }
      case 'filter': {
        const f = b['filter'];
        if (typeof f !== 'object' || f === null || Array.isArray(f)) {
          errors.push({ path: 'filter', message: 'must be an object of filters' });
          return { kind: 'selector', selector: { kind: 'deliveries', ids: [] } };
        }
        try {
          const filter = parseQueueFilter(f as Record<string, unknown>, 'filter.');
          if (isEmptyFilter(filter)) errors.push({ path: 'filter', message: 'must have at least one filter (an empty filter would act on the whole queue)' });
          return { kind: 'selector', selector: { kind: 'filter', filter } };
        } catch (e) {
          if (e instanceof TxError) errors.push(...e.fields);
          return { kind: 'selector', selector: { kind: 'deliveries', ids: [] } };
        }
      }
      case 'destination':
        return { kind: 'destination', destination: str('destination').toLowerCase(), tenantId: scope };
      default:
        return { kind: 'tenant', tenantId: str('tenant') };
    }
  }

  private async checkTenant(t: Target, scope: QueueScope): Promise<void> {
    const messageId = t.kind === 'selector' && t.selector.kind === 'filter' && Object.keys(t.selector.filter).length === 1 ? t.selector.filter.messageId : undefined;
    if (messageId !== undefined) {
      // A message named by id that this key cannot see is a 404, as everywhere in /v1.
      const m = (await this.store.loadMessages([messageId])).get(messageId);
      if (!m || (scope !== null && m.tenantId !== scope)) throw new TxError('TX_ERR_NOT_FOUND', `No message ${messageId}.`);
    }
    if (t.kind !== 'tenant') return;
    const tenant = scope === null || scope === t.tenantId ? await this.store.getTenant(t.tenantId) : undefined;
    if (!tenant) throw new TxError('TX_ERR_NOT_FOUND', `No tenant ${t.tenantId}.`);
  }
}

function actionOf(kind: QueueActionKind, reason: string | null, until: number | null): QueueAction {
  switch (kind) {
    case 'hold':
      return { kind, reason: reason ?? '', until };
    case 'bounce':
      return { kind, reason: reason ?? '' };
    case 'delete':
      return { kind, reason: reason ?? 'deleted by the operator' };
    default:
      return { kind };
  }
}

function auditTenant(t: Target, scope: QueueScope): string | null {
  if (t.kind === 'tenant') return t.tenantId;
  if (t.kind === 'selector' && t.selector.kind === 'filter' && t.selector.filter.tenantId !== undefined) return t.selector.filter.tenantId;
  return scope;
}

function describe(t: Target): Record<string, unknown> {
  if (t.kind === 'destination') return { destination: t.destination };
  if (t.kind === 'tenant') return { tenant: t.tenantId };
  const s = t.selector;
  return s.kind === 'deliveries' ? { delivery_ids: s.ids } : s.kind === 'filter' ? { filter: s.filter } : { hold: s.holdId };
}

function sum(a: QueueActionResult, b: QueueActionResult): QueueActionResult {
  const skipped: Record<string, number> = { ...a.skipped };
  for (const [k, v] of Object.entries(b.skipped)) skipped[k] = (skipped[k] ?? 0) + (v ?? 0);
  return { matched: a.matched + b.matched, touched: a.touched + b.touched, skipped, more: a.more || b.more };
}
