// Row shapes and their mapping to Store records, shared by both adapters. The columns are the
// same in both schemas; only the dialects differ in how a row arrives: SQLite hands JSON
// columns over as text and booleans as 0/1, PostgreSQL as values. `json` and `flag` absorb that.
import type { BounceClass } from '../domain/bounce/classify.js';
import type { DeliveryState } from '../domain/delivery/types.js';
import type { EventType } from '../domain/events/types.js';
import type { WebhookFormat } from '../domain/webhooks/endpoint.js';
import type { DeliveryView, MessageView, TemplateRecord, TemplateVersion, WebhookEndpoint, WebhookReplay } from './store.js';

export const json = <T>(v: string | T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
export const flag = (v: number | boolean): boolean => v === true || v === 1;

export interface MessageRow {
  id: string;
  tenant_id: string;
  message_id_header: string;
  envelope_from: string;
  header_from: string;
  subject: string;
  size: number;
  tags: string | string[];
  metadata: string | Record<string, string>;
  created_at: number;
  send_at: number;
}

export const MESSAGE_VIEW_COLUMNS = 'id, tenant_id, message_id_header, envelope_from, header_from, subject, size, tags, metadata, created_at, send_at';

export function toMessageView(m: MessageRow, deliveries: DeliveryView[], events: MessageView['events']): MessageView {
  return {
    id: m.id,
    tenantId: m.tenant_id,
    messageIdHeader: m.message_id_header,
    envelopeFrom: m.envelope_from,
    headerFrom: m.header_from,
    subject: m.subject,
    size: m.size,
    tags: json<string[]>(m.tags),
    metadata: json<Record<string, string>>(m.metadata),
    createdAt: m.created_at,
    sendAt: m.send_at,
    deliveries,
    events,
  };
}

export interface DeliveryRow {
  id: string;
  recipient: string;
  domain: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number | null;
  last_reply: string | null;
  last_mx: string | null;
  bounce_class: BounceClass | null;
  reason: string | null;
  possible_duplicate: number | boolean;
  updated_at: number;
}

export const DELIVERY_VIEW_COLUMNS = 'id, recipient, domain, state, attempts, next_attempt_at, last_reply, last_mx, bounce_class, reason, possible_duplicate, updated_at';

export const toDeliveryView = (d: DeliveryRow): DeliveryView => ({
  id: d.id,
  recipient: d.recipient,
  domain: d.domain,
  state: d.state,
  attempts: d.attempts,
  nextAttemptAt: d.next_attempt_at,
  lastReply: d.last_reply,
  lastMx: d.last_mx,
  bounceClass: d.bounce_class,
  reason: d.reason,
  possibleDuplicate: flag(d.possible_duplicate),
  updatedAt: d.updated_at,
});

export interface TemplateRow {
  id: string;
  tenant_id: string;
  name: string;
  active_version: number;
  latest_version: number;
  created_at: number;
  updated_at: number;
}

export interface VersionRow {
  template_id: string;
  version: number;
  subject: string;
  html: string | null;
  text: string | null;
  created_at: number;
}

export const toTemplate = (r: TemplateRow): TemplateRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  activeVersion: r.active_version,
  latestVersion: r.latest_version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const toVersion = (r: VersionRow): TemplateVersion => ({
  templateId: r.template_id,
  version: r.version,
  subject: r.subject,
  html: r.html,
  text: r.text,
  createdAt: r.created_at,
});

export interface WebhookRow {
  id: string;
  tenant_id: string;
  url: string;
  event_types: string | EventType[];
  format: WebhookFormat;
  secret: string;
  public_key: string | null;
  batch_size: number;
  description: string;
  enabled: number | boolean;
  disabled_reason: string | null;
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
  cursor: string;
  failures: number;
  first_failure_at: number | null;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  lease_token: number;
  lease_until: number;
}

export const toWebhook = (r: WebhookRow): WebhookEndpoint => ({
  id: r.id,
  tenantId: r.tenant_id,
  url: r.url,
  eventTypes: json<EventType[]>(r.event_types),
  format: r.format,
  secret: r.secret,
  publicKey: r.public_key,
  batchSize: r.batch_size,
  description: r.description,
  enabled: flag(r.enabled),
  disabledReason: r.disabled_reason,
  disabledAt: r.disabled_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  cursor: r.cursor,
  failures: r.failures,
  firstFailureAt: r.first_failure_at,
  nextAttemptAt: r.next_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
});

export interface ReplayRow {
  id: string;
  webhook_id: string;
  tenant_id: string;
  cursor: string;
  end_cursor: string;
  from_at: number | null;
  to_at: number | null;
  state: 'running' | 'done';
  sent: number;
  created_at: number;
  finished_at: number | null;
}

export const toReplay = (r: ReplayRow): WebhookReplay => ({
  id: r.id,
  webhookId: r.webhook_id,
  tenantId: r.tenant_id,
  cursor: r.cursor,
  endCursor: r.end_cursor,
  fromAt: r.from_at,
  toAt: r.to_at,
  state: r.state,
  sent: r.sent,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});
