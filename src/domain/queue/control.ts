// Queue control: what an operator's action does to one unfinished delivery. The store selects
// the deliveries (one, a filter, a destination, a tenant) and writes what planAction() returns,
// each change with its event, in one transaction; a delivery the action does not apply to is
// skipped with a reason, so repeating an action touches nothing the second time.
//
// Holding "parks" a delivery: next_attempt_at moves to the hold's end and the time it had is kept
// in parkedFrom, so a held delivery is simply not due and every claim passes it by.
import type { BounceReason } from '../bounce/classify.js';
import type { NewEvent } from '../events/types.js';

/** A hold without an end; the largest time a JavaScript Date can carry (and a safe integer). */
export const HOLD_FOREVER = 8_640_000_000_000_000;
/** parkedBy of a hold on the delivery itself (a standing hold's id otherwise). */
export const OWN_HOLD = 'delivery';

/** The states an operator sees of an unfinished delivery. */
export const QUEUE_STATES = ['queued', 'in_flight', 'deferred', 'scheduled', 'held'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export const QUEUE_ACTIONS = ['hold', 'release', 'retry', 'bounce', 'delete'] as const;
export type QueueActionKind = (typeof QUEUE_ACTIONS)[number];

/** The reason of an administrative bounce (events, stats). */
export const ADMIN_BOUNCE_REASON: BounceReason = 'administrative';

/** An unfinished delivery as the store reads it for an action. */
export interface QueuedDelivery {
  readonly id: string;
  readonly tenantId: string;
  readonly messageId: string;
  readonly recipient: string;
  readonly state: 'queued' | 'deferred';
  readonly attempts: number;
  readonly nextAttemptAt: number;
  /** A worker holds a live lease: an attempt may be under way. */
  readonly leased: boolean;
  readonly heldUntil: number | null;
  readonly holdReason: string | null;
  readonly parkedBy: string | null;
  readonly parkedFrom: number | null;
}

export type QueueAction =
  /** parkedBy: a standing hold's id; absent for a hold on the delivery itself. */
  | { readonly kind: 'hold'; readonly reason: string; readonly until: number | null; readonly parkedBy?: string }
  /** parkedBy: release only deliveries parked by this standing hold. */
  | { readonly kind: 'release'; readonly parkedBy?: string }
  | { readonly kind: 'retry' }
  | { readonly kind: 'bounce'; readonly reason: string }
  | { readonly kind: 'delete'; readonly reason: string };

export interface DeliveryChange {
  readonly state: 'queued' | 'deferred' | 'bounced' | 'dropped';
  /** null: final. */
  readonly nextAttemptAt: number | null;
  readonly heldUntil: number | null;
  readonly holdReason: string | null;
  readonly parkedBy: string | null;
  readonly parkedFrom: number | null;
  readonly bounce?: { readonly class: 'soft'; readonly reason: BounceReason; readonly reply: string };
  readonly dropReason?: string;
  readonly event: NewEvent;
}

/**
 * in_flight: a worker holds it (the action would race the attempt; a hold still applies from the
 * attempt's end). already: the action's effect is there. held: retry of a held delivery (release
 * it first). not_held: release of a delivery no hold of this kind covers.
 */
export type SkipReason = 'in_flight' | 'already' | 'held' | 'not_held';

export interface ActionContext {
  readonly now: number;
  /** The API key that acts; carried in events. */
  readonly by: string;
}

export function queueStateOf(d: Pick<QueuedDelivery, 'state' | 'nextAttemptAt' | 'leased' | 'parkedBy'>, now: number): QueueState {
  if (d.parkedBy !== null && d.nextAttemptAt > now) return 'held';
  if (d.leased) return 'in_flight';
  if (d.state === 'deferred') return 'deferred';
  return d.nextAttemptAt > now ? 'scheduled' : 'queued';
}

const isHeld = (d: QueuedDelivery, now: number): boolean => (d.parkedBy !== null && d.nextAttemptAt > now) || (d.heldUntil !== null && d.heldUntil > now);

/** Back to the time the delivery had before it was parked (due now if that has passed). */
const unparkedAt = (d: QueuedDelivery): number => d.parkedFrom ?? d.nextAttemptAt;

export function planAction(d: QueuedDelivery, a: QueueAction, ctx: ActionContext): DeliveryChange | { readonly skip: SkipReason } {
  const { now, by } = ctx;
  const base = { messageId: d.messageId, deliveryId: d.id, recipient: d.recipient, at: now };
  const keep = { state: d.state, heldUntil: d.heldUntil, holdReason: d.holdReason, parkedBy: d.parkedBy, parkedFrom: d.parkedFrom };
  switch (a.kind) {
    case 'hold': {
      const until = a.until ?? HOLD_FOREVER;
      if (a.parkedBy !== undefined) {
        // A standing hold parks what is not parked yet; a delivery in flight is parked at its next claim.
        if (d.leased) return { skip: 'in_flight' };
        if (d.parkedBy !== null && d.nextAttemptAt > now) return { skip: 'already' };
        return { ...keep, nextAttemptAt: Math.max(until, d.nextAttemptAt), parkedBy: a.parkedBy, parkedFrom: d.nextAttemptAt, event: held(base, a.reason, a.until, by) };
      }
      if (d.heldUntil !== null && d.heldUntil > now && d.parkedBy === OWN_HOLD) return { skip: 'already' };
      if (d.leased) {
        // The attempt under way finishes; the hold is recorded now and the next claim parks it.
        return { ...keep, nextAttemptAt: d.nextAttemptAt, heldUntil: until, holdReason: a.reason, event: held(base, a.reason, a.until, by) };
      }
      const from = d.parkedBy !== null ? unparkedAt(d) : d.nextAttemptAt;
      return { ...keep, nextAttemptAt: Math.max(until, from), heldUntil: until, holdReason: a.reason, parkedBy: OWN_HOLD, parkedFrom: from, event: held(base, a.reason, a.until, by) };
    }
    case 'release': {
      if (a.parkedBy !== undefined) {
        if (d.parkedBy !== a.parkedBy) return { skip: 'not_held' };
      } else if (!(d.heldUntil !== null && d.heldUntil > now) && d.parkedBy !== OWN_HOLD) {
        return { skip: isHeld(d, now) ? 'held' : 'not_held' };
      }
      const parked = d.parkedBy !== null && (a.parkedBy !== undefined || d.parkedBy === OWN_HOLD);
      return {
        state: d.state,
        nextAttemptAt: parked ? unparkedAt(d) : d.nextAttemptAt,
        heldUntil: a.parkedBy !== undefined ? d.heldUntil : null,
        holdReason: a.parkedBy !== undefined ? d.holdReason : null,
        parkedBy: parked ? null : d.parkedBy,
        parkedFrom: parked ? null : d.parkedFrom,
        event: { ...base, type: 'released', data: { by } },
      };
    }
    case 'retry':
      if (d.leased) return { skip: 'in_flight' };
      if (isHeld(d, now)) return { skip: 'held' };
      if (d.nextAttemptAt <= now) return { skip: 'already' };
      return { ...keep, nextAttemptAt: now, heldUntil: null, holdReason: null, parkedBy: null, parkedFrom: null, event: { ...base, type: 'retried', data: { by, was_due_at: d.nextAttemptAt } } };
    case 'bounce': {
      if (d.leased) return { skip: 'in_flight' };
      const reply = `550 5.0.0 Bounced by the operator: ${a.reason}`;
      return {
        state: 'bounced',
        nextAttemptAt: null,
        heldUntil: null,
        holdReason: null,
        parkedBy: null,
        parkedFrom: null,
        bounce: { class: 'soft', reason: ADMIN_BOUNCE_REASON, reply },
        event: { ...base, type: 'bounced', data: { reply, attempt: d.attempts, class: 'soft', reason: ADMIN_BOUNCE_REASON, source: 'admin' } },
      };
    }
    case 'delete':
      if (d.leased) return { skip: 'in_flight' };
      return {
        state: 'dropped',
        nextAttemptAt: null,
        heldUntil: null,
        holdReason: null,
        parkedBy: null,
        parkedFrom: null,
        dropReason: 'deleted',
        event: { ...base, type: 'dropped', data: { reason: 'deleted', note: a.reason } },
      };
  }
}

function held(base: { messageId: string; deliveryId: string; recipient: string; at: number }, reason: string, until: number | null, by: string): NewEvent {
  return { ...base, type: 'held', data: { reason, until, by } };
}
