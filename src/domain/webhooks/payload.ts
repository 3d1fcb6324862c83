// The bodies txmail POSTs to webhook endpoints, from events read off the feed.
//
// native:   {"webhook_id": "wh_...", "events": [{id, type, at, timestamp, message_id, delivery_id,
//           recipient, message_id_header, tags, metadata, data}, ...]}: the /v1/events shape plus
//           the message's tags and metadata, so a receiver never has to call back.
// sendgrid: a JSON array of SendGrid Event Webhook objects (COMPAT.md 2.2): `event` renamed to
//           SendGrid's vocabulary, `category` from tags, metadata flattened in like custom_args.
// Both keep the feed's order, so events of one message appear in the order they happened.
import type { BounceReason } from '../bounce/classify.js';
import type { MessageMeta } from '../events/meta.js';
import type { EventType, StoredEvent } from '../events/types.js';

export interface OutgoingEvent {
  readonly event: StoredEvent;
  /** Undefined when the message row is gone (retention); the event still goes out. */
  readonly meta: MessageMeta | undefined;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

export function nativeEvent({ event: e, meta }: OutgoingEvent): Record<string, unknown> {
  return {
    id: e.id,
    type: e.type,
    at: new Date(e.at).toISOString(),
    timestamp: seconds(e.at),
    message_id: e.messageId,
    delivery_id: e.deliveryId ?? null,
    recipient: e.recipient ?? null,
    message_id_header: meta?.messageIdHeader ?? null,
    tags: meta?.tags ?? [],
    metadata: meta?.metadata ?? {},
    data: e.data,
  };
}

export function nativeBody(webhookId: string, events: readonly OutgoingEvent[]): string {
  return JSON.stringify({ webhook_id: webhookId, events: events.map(nativeEvent) });
}

// Operator actions (held, released, retried) have no SendGrid name: SendGrid bodies leave them out.
const SENDGRID_EVENT: Readonly<Partial<Record<EventType, string>>> = {
  queued: 'processed',
  delivered: 'delivered',
  deferred: 'deferred',
  bounced: 'bounce',
  dropped: 'dropped',
  opened: 'open',
  clicked: 'click',
  complained: 'spamreport',
  unsubscribed: 'unsubscribe',
};

/** SendGrid's bounce_classification groups; each of our reasons falls in one. */
const SENDGRID_CLASSIFICATION: Readonly<Record<BounceReason, string>> = {
  user_unknown: 'Invalid Address',
  host_unknown: 'Invalid Address',
  invalid_address: 'Invalid Address',
  mailbox_disabled: 'Mailbox Unavailable',
  mailbox_full: 'Mailbox Unavailable',
  spam_detected: 'Content',
  content_rejected: 'Content',
  message_too_large: 'Content',
  policy_blocked: 'Reputation',
  reputation_blocked: 'Reputation',
  sender_rejected: 'Reputation',
  auth_failure: 'Technical',
  ptr_missing: 'Technical',
  tls_required: 'Technical',
  connection_failed: 'Technical',
  timeout: 'Technical',
  dns_failure: 'Technical',
  egress_refused: 'Technical',
  relay_denied: 'Technical',
  routing_error: 'Technical',
  protocol_error: 'Technical',
  administrative: 'Unclassified',
  rate_limited: 'Frequency or Volume Too High',
  greylisted: 'Frequency or Volume Too High',
  expired: 'Unclassified',
  unknown: 'Unclassified',
  has_moved: 'Invalid Address',
  not_accepting: 'Invalid Address',
  filtered: 'Content',
  system_error: 'Technical',
  system_full: 'Mailbox Unavailable',
  security_error: 'Technical',
  suppressed: 'Unclassified',
};

/** Our drop reasons in SendGrid's words, where SendGrid has one. */
const SENDGRID_DROP: Readonly<Record<string, string>> = {
  'suppressed:hard_bounce': 'Bounced Address',
  'suppressed:complaint': 'Spam Reporting Address',
  'suppressed:unsubscribe': 'Unsubscribed Address',
  'suppressed:manual': 'Invalid',
};

// Keys SendGrid itself writes; metadata never overwrites them (SendGrid's custom_args cannot either).
const RESERVED = new Set([
  'email', 'timestamp', 'smtp-id', 'event', 'category', 'sg_event_id', 'sg_message_id', 'response', 'attempt', 'reason',
  'status', 'type', 'bounce_classification', 'useragent', 'ip', 'url', 'sg_machine_open', 'tls', 'send_at',
]);

const ENHANCED = /\b([245]\.\d{1,3}\.\d{1,3})\b/;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function details(e: StoredEvent): Record<string, unknown> {
  const d = e.data as Readonly<Record<string, unknown>>;
  switch (e.type) {
    case 'queued':
      return e.data.send_at !== undefined ? { send_at: seconds(e.data.send_at) } : {};
    case 'delivered':
      return { response: e.data.reply, tls: e.data.tls ? 1 : 0 };
    case 'deferred':
      return { response: e.data.reply, attempt: String(e.data.attempt) };
    case 'bounced': {
      const status = ENHANCED.exec(e.data.reply)?.[1];
      return {
        type: e.data.class === 'hard' ? 'bounce' : 'blocked',
        reason: e.data.reply,
        ...(status ? { status } : {}),
        bounce_classification: SENDGRID_CLASSIFICATION[e.data.reason] ?? 'Unclassified',
      };
    }
    case 'dropped':
      return { reason: SENDGRID_DROP[e.data.reason] ?? e.data.reason };
    case 'opened':
      return { useragent: str(d['user_agent']) ?? '', ip: str(d['ip']) ?? '', sg_machine_open: d['machine'] === true };
    case 'clicked':
      return { url: str(d['url']) ?? '', useragent: str(d['user_agent']) ?? '', ip: str(d['ip']) ?? '' };
    default:
      return {};
  }
}

export function sendgridEvent({ event: e, meta }: OutgoingEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // custom_args first, so the fields SendGrid defines win over a metadata key of the same name.
  for (const [k, v] of Object.entries(meta?.metadata ?? {})) if (!RESERVED.has(k)) out[k] = v;
  Object.assign(out, {
    email: e.recipient ?? '',
    timestamp: seconds(e.at),
    'smtp-id': meta?.messageIdHeader ?? '',
    event: SENDGRID_EVENT[e.type],
    category: meta?.tags ?? [],
    sg_event_id: e.id,
    // SendGrid's message id names one recipient's copy; so does our delivery id.
    sg_message_id: e.deliveryId ?? e.messageId,
    ...details(e),
  });
  return out;
}

export function sendgridBody(events: readonly OutgoingEvent[]): string {
  return JSON.stringify(events.filter((e) => SENDGRID_EVENT[e.event.type] !== undefined).map(sendgridEvent));
}
