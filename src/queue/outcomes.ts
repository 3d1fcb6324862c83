// An attempt's result, through the delivery state machine, as the record the store writes.
import { transition } from '../domain/delivery/transition.js';
import type { AttemptResult } from '../domain/delivery/types.js';
import type { RetryPolicy } from '../domain/retry/schedule.js';
import type { ClaimedDelivery, OutcomeRecord } from '../store/store.js';

export function outcomeOf(d: ClaimedDelivery, result: AttemptResult, retry: RetryPolicy, now: number): OutcomeRecord {
  const t = transition(
    { id: d.id, messageId: d.messageId, recipient: d.recipient, attempts: d.attempts, acceptedAt: d.acceptedAt, possibleDuplicate: d.possibleDuplicate },
    result,
    retry,
    now,
  );
  return {
    deliveryId: d.id,
    leaseToken: d.leaseToken,
    tenantId: d.tenantId,
    state: t.state,
    attempts: t.attempts,
    nextAttemptAt: t.nextAttemptAt,
    lastReply: t.lastReply,
    lastMx: t.lastMx,
    possibleDuplicate: t.possibleDuplicate,
    bounceClass: t.bounce?.class ?? null,
    reason: t.bounce?.reason ?? (t.event.type === 'deferred' ? t.event.data.reason : null),
    event: t.event,
    // DESIGN "Bounce classes": a hard bounce suppresses the address, in the outcome's commit.
    ...(t.state === 'bounced' && t.bounce?.class === 'hard'
      ? { suppression: { tenantId: d.tenantId, address: d.recipient.toLowerCase(), reason: 'hard_bounce' as const, sourceMessageId: d.messageId, createdAt: now } }
      : {}),
  };
}
