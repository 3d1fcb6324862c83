// Shared JSON Schemas (2020-12) of the native API's bodies, for the OpenAPI document. Request
// bodies validated by hand are described by schemas whose drift tests sit beside their
// validators (domain/message/send-schema.test.ts); response shapes mirror v1/views.ts & co.
import { EVENT_TYPES } from '../../../domain/events/types.js';
import { SEND_REQUEST_SCHEMA } from '../../../domain/message/send-schema.js';

export type Schema = Readonly<Record<string, unknown>>;

const str: Schema = { type: 'string' };
const time: Schema = { type: ['string', 'null'], format: 'date-time' };
const obj = (properties: Record<string, Schema>, required: readonly string[] = [], extra: Partial<Record<string, unknown>> = {}): Schema => ({
  type: 'object',
  properties,
  ...(required.length > 0 ? { required } : {}),
  ...extra,
});
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const closed = (properties: Record<string, Schema>, required: readonly string[] = []): Schema => obj(properties, required, { additionalProperties: false });

export const COMPONENTS: Record<string, Schema> = {
  Error: obj(
    {
      error: obj(
        {
          code: { type: 'string', description: 'A stable code from the error registry (README, Errors).' },
          message: str,
          fields: { type: 'array', items: obj({ path: str, message: str }, ['path', 'message']) },
        },
        ['code', 'message'],
      ),
    },
    ['error'],
  ),
  SendRequest: SEND_REQUEST_SCHEMA,
  Accepted: obj({
    id: str,
    recipients: { type: 'array', items: obj({ email: str, delivery_id: str, status: { enum: ['queued', 'scheduled', 'dropped'] }, reason: str }) },
  }),
  Event: obj({ id: str, type: { enum: [...EVENT_TYPES] }, at: time, message_id: str, delivery_id: { type: ['string', 'null'] }, recipient: { type: ['string', 'null'] }, data: { type: 'object' } }),
  Message: obj({
    id: str,
    message_id_header: str,
    from: str,
    envelope_from: str,
    subject: str,
    size: { type: 'integer' },
    tags: { type: 'array', items: str },
    metadata: { type: 'object', additionalProperties: str },
    created_at: time,
    send_at: time,
    recipients: { type: 'array', items: obj({ email: str, delivery_id: str, state: str, attempts: { type: 'integer' }, next_attempt_at: time, last_reply: { type: ['string', 'null'] }, reason: { type: ['string', 'null'] } }) },
    events: { type: 'array', items: ref('Event') },
  }),
  Suppression: obj({ email: str, reason: { enum: ['hard_bounce', 'complaint', 'unsubscribe', 'manual'] }, source_message_id: { type: ['string', 'null'] }, created_at: time }),
  Domain: obj({ name: str }, [], { description: 'A sending domain with its DNS records, their verification state and DKIM keys.' }),
  Template: obj({ id: str, name: str, active_version: { type: ['integer', 'null'] }, latest_version: { type: 'integer' }, created_at: time, updated_at: time, active: ref('TemplateVersion') }),
  TemplateVersion: obj({ version: { type: 'integer' }, subject: str, html: { type: ['string', 'null'] }, text: { type: ['string', 'null'] }, created_at: time }),
  TemplateContent: obj({ subject: str, html: { type: ['string', 'null'] }, text: { type: ['string', 'null'] } }, ['subject']),
  Rendered: obj({ subject: str, html: { type: ['string', 'null'] }, text: { type: ['string', 'null'] } }),
  Webhook: obj({
    id: str,
    url: { type: 'string', format: 'uri' },
    events: { type: 'array', items: { enum: [...EVENT_TYPES] } },
    format: { enum: ['native', 'sendgrid'] },
    batch_size: { type: 'integer' },
    description: str,
    enabled: { type: 'boolean' },
    state: { enum: ['active', 'failing', 'disabled'] },
    failures: { type: 'integer' },
    secret: { type: 'string', description: 'Native format: shown on creation and on rotation only.' },
    public_key: { type: 'string', description: 'SendGrid format: the key that verifies signatures.' },
  }),
  WebhookAttempt: obj({ id: str, at: time, replay_id: { type: ['string', 'null'] }, events: { type: 'integer' }, status: { type: ['integer', 'null'] }, ok: { type: 'boolean' }, latency_ms: { type: ['integer', 'null'] }, error: { type: ['string', 'null'] } }),
  WebhookReplay: obj({ id: str, webhook_id: str, state: str, from: time, to: time, sent: { type: 'integer' }, created_at: time, finished_at: time }),
  TrackingSettings: closed({ opens: { type: 'boolean' }, clicks: { type: 'boolean' } }, ['opens', 'clicks']),
  Stats: { type: 'object', description: 'Counts per event type and rates per bucket (see README, Stats).' },
};

export const S = { str, time, obj, ref, closed };
