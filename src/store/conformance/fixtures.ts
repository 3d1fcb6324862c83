// Builders for conformance tests: plain values, one place.
import type { NewEvent } from '../../domain/events/types.js';
import type { NewMessage, OutcomeRecord, ClaimedDelivery } from '../store.js';

let n = 0;

export function message(tenantId: string, now: number, recipients: string[], extra: Partial<NewMessage> = {}): NewMessage {
  n += 1;
  const id = extra.id ?? `msg_T${String(now).padStart(14, '0')}${String(n).padStart(6, '0')}`;
  return {
    id,
    tenantId,
    messageIdHeader: `<${id}@test>`,
    envelopeFrom: 'sender@example.com',
    headerFrom: 'sender@example.com',
    subject: 'Hello',
    raw: Buffer.from(`Subject: Hello\r\nMessage-ID: <${id}@test>\r\n\r\nbody ${id}\r\n`),
    tags: ['t1'],
    metadata: { k: 'v' },
    createdAt: now,
    sendAt: now,
    recipients: recipients.map((address, i) => ({
      deliveryId: `${id}.${i}`,
      address,
      domain: address.slice(address.indexOf('@') + 1),
      smtputf8: false,
    })),
    ...extra,
  };
}

export function deliveredOutcome(d: ClaimedDelivery, now: number, token = d.leaseToken): OutcomeRecord {
  const event: NewEvent = {
    type: 'delivered',
    messageId: d.messageId,
    deliveryId: d.id,
    recipient: d.recipient,
    at: now,
    data: { reply: '250 ok', mx: 'mx.test', tls: false, attempt: d.attempts + 1 },
  };
  return {
    deliveryId: d.id,
    leaseToken: token,
    tenantId: d.tenantId,
    state: 'delivered',
    attempts: d.attempts + 1,
    nextAttemptAt: null,
    lastReply: '250 ok',
    lastMx: 'mx.test',
    possibleDuplicate: d.possibleDuplicate,
    bounceClass: null,
    reason: null,
    event,
  };
}

export function deferredOutcome(d: ClaimedDelivery, now: number, retryAt: number): OutcomeRecord {
  return {
    deliveryId: d.id,
    leaseToken: d.leaseToken,
    tenantId: d.tenantId,
    state: 'deferred',
    attempts: d.attempts + 1,
    nextAttemptAt: retryAt,
    lastReply: '451 later',
    lastMx: 'mx.test',
    possibleDuplicate: d.possibleDuplicate,
    bounceClass: null,
    reason: 'unknown',
    event: {
      type: 'deferred',
      messageId: d.messageId,
      deliveryId: d.id,
      recipient: d.recipient,
      at: now,
      data: { reply: '451 later', attempt: d.attempts + 1, next_attempt_at: retryAt, reason: 'unknown' },
    },
  };
}
