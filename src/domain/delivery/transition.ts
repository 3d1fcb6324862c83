// transition(): the one place that decides what an attempt result does to a delivery.
import { classifyReply } from '../bounce/classify.js';
import { sesBounce } from '../bounce/vocabulary.js';
import type { NewEvent } from '../events/types.js';
import { nextAttempt, type RetryPolicy } from '../retry/schedule.js';
import { formatReply } from '../smtp/reply.js';
import type { AttemptResult, BounceInfo, DeliveryFacts, DeliveryState } from './types.js';

export interface Transition {
  readonly state: Exclude<DeliveryState, 'queued' | 'dropped'>;
  readonly attempts: number;
  /** When to try again; null for a final state. */
  readonly nextAttemptAt: number | null;
  readonly lastReply: string;
  readonly lastMx: string | null;
  readonly possibleDuplicate: boolean;
  readonly bounce: BounceInfo | null;
  readonly event: NewEvent;
}

export function transition(d: DeliveryFacts, r: AttemptResult, policy: RetryPolicy, now: number): Transition {
  const attempted = r.kind !== 'suspended';
  const attempts = d.attempts + (attempted ? 1 : 0);
  const base = { messageId: d.messageId, deliveryId: d.id, recipient: d.recipient, at: now };
  const mx = 'mx' in r && r.mx !== undefined ? r.mx : null;
  const tlsDetails = 'tlsRecord' in r && r.tlsRecord !== undefined ? { tls_details: r.tlsRecord } : {};

  const delivered = (reply: string, mxHost: string, tls: boolean): Transition => ({
    state: 'delivered',
    attempts,
    nextAttemptAt: null,
    lastReply: reply,
    lastMx: mxHost,
    possibleDuplicate: d.possibleDuplicate,
    bounce: null,
    event: {
      ...base,
      type: 'delivered',
      data: { reply, mx: mxHost, tls, ...tlsDetails, attempt: attempts, ...(d.possibleDuplicate ? { possible_duplicate: true as const } : {}) },
    },
  });

  const bounced = (reply: string, bounce: BounceInfo, source: 'smtp' | 'dns' | 'policy' | 'expiry', possibleDuplicate: boolean): Transition => ({
    state: 'bounced',
    attempts,
    nextAttemptAt: null,
    lastReply: reply,
    lastMx: mx,
    possibleDuplicate,
    bounce,
    event: {
      ...base,
      type: 'bounced',
      data: { reply, attempt: attempts, class: bounce.class, reason: bounce.reason, ...sesBounce(bounce.class, bounce.reason), source, ...(mx ? { mx } : {}), ...tlsDetails },
    },
  });

  // A transient failure: retry on the schedule, or expire when the lifetime is over.
  const deferOrExpire = (reply: string, bounce: BounceInfo, possibleDuplicate: boolean, notBefore = 0): Transition => {
    const next = nextAttempt(policy, Math.max(attempts, 1), d.acceptedAt, now);
    if (!next.retry) {
      return bounced(reply, { class: 'soft', reason: 'expired' }, 'expiry', possibleDuplicate);
    }
    const at = Math.min(Math.max(next.at, notBefore), d.acceptedAt + policy.maxLifetimeS * 1000);
    return {
      state: 'deferred',
      attempts,
      nextAttemptAt: at,
      lastReply: reply,
      lastMx: mx,
      possibleDuplicate,
      bounce: null,
      event: {
        ...base,
        type: 'deferred',
        data: { reply, attempt: attempts, next_attempt_at: at, reason: bounce.reason, ...(mx ? { mx } : {}), ...tlsDetails },
      },
    };
  };

  switch (r.kind) {
    case 'accepted':
      return delivered(formatReply(r.reply), r.mx, r.tls);
    case 'rejected': {
      const reply = formatReply(r.reply);
      const c = classifyReply(r.reply);
      if (r.reply.code >= 500 && !c.retryable) return bounced(reply, c, 'smtp', d.possibleDuplicate);
      return deferOrExpire(reply, c, d.possibleDuplicate);
    }
    case 'failed':
      return deferOrExpire(r.text, { class: 'soft', reason: r.reason }, d.possibleDuplicate || r.unknownOutcome, r.notBefore);
    case 'unroutable': {
      if (!r.permanent) return deferOrExpire(r.text, { class: 'soft', reason: r.reason }, d.possibleDuplicate);
      const cls = r.reason === 'host_unknown' || r.reason === 'user_unknown' || r.reason === 'invalid_address' ? 'hard' : 'soft';
      // Refused here, by policy (egress filter) or because the envelope cannot be written.
      const local = r.reason === 'egress_refused' || r.reason === 'invalid_address' || r.reason === 'sender_rejected';
      return bounced(r.text, { class: cls, reason: r.reason }, local ? 'policy' : 'dns', d.possibleDuplicate);
    }
    case 'suspended': {
      // Only the deadline can end a suspended delivery; otherwise wait for the destination.
      if (now >= d.acceptedAt + policy.maxLifetimeS * 1000) {
        return bounced(r.text, { class: 'soft', reason: 'expired' }, 'expiry', d.possibleDuplicate);
      }
      const at = Math.min(r.until, d.acceptedAt + policy.maxLifetimeS * 1000);
      return {
        state: 'deferred',
        attempts,
        nextAttemptAt: at,
        lastReply: r.text,
        lastMx: null,
        possibleDuplicate: d.possibleDuplicate,
        bounce: null,
        event: { ...base, type: 'deferred', data: { reply: r.text, attempt: attempts, next_attempt_at: at, reason: 'connection_failed' } },
      };
    }
  }
}
