// JSON shapes of the native API (snake_case, ISO-8601 times). One place, so the message
// view, the event feed and later the webhooks render events the same way.
import type { StoredEvent } from '../../../domain/events/types.js';
import type { AcceptedMessage, MessageView } from '../../../store/store.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function acceptedView(m: AcceptedMessage): Record<string, unknown> {
  return {
    id: m.messageId,
    recipients: m.recipients.map((r) => ({
      email: r.address,
      delivery_id: r.deliveryId,
      status: r.status,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
    })),
  };
}

export function eventView(e: StoredEvent): Record<string, unknown> {
  return {
    id: e.id,
    type: e.type,
    at: iso(e.at),
    message_id: e.messageId,
    delivery_id: e.deliveryId ?? null,
    recipient: e.recipient ?? null,
    data: e.data,
  };
}

export function messageView(m: MessageView): Record<string, unknown> {
  return {
    id: m.id,
    message_id_header: m.messageIdHeader,
    from: m.headerFrom,
    envelope_from: m.envelopeFrom,
    subject: m.subject,
    size: m.size,
    tags: m.tags,
    metadata: m.metadata,
    created_at: iso(m.createdAt),
    send_at: iso(m.sendAt),
    recipients: m.deliveries.map((d) => ({
      email: d.recipient,
      delivery_id: d.id,
      state: d.state,
      attempts: d.attempts,
      next_attempt_at: iso(d.nextAttemptAt),
      last_reply: d.lastReply,
      last_mx: d.lastMx,
      bounce_class: d.bounceClass,
      reason: d.reason,
      possible_duplicate: d.possibleDuplicate,
      updated_at: iso(d.updatedAt),
    })),
    events: m.events.map(eventView),
  };
}
