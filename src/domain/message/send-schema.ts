// The native send request (POST /v1/messages) as JSON Schema 2020-12, for the OpenAPI document.
// The hand-written validator (validate.ts) stays the judge, with its field paths and reasons;
// send-schema.test.ts runs one table of requests through both and fails when they disagree on
// the shape (fields, types, limits), so the document cannot drift from what the route accepts.
import { NATIVE_ATTACHMENT_KEYS } from './validate-attachments.js';

type Schema = Readonly<Record<string, unknown>>;

const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const address: Schema = {
  anyOf: [
    { type: 'string', description: 'An address, optionally with a display name: `Name <user@example.com>`.' },
    { type: 'object', properties: { email: { type: 'string' }, name: { type: 'string', maxLength: 256 } }, required: ['email'], additionalProperties: false },
  ],
};
const addresses: Schema = { anyOf: [address, { type: 'array', items: address }] };
const a = NATIVE_ATTACHMENT_KEYS;

export const SEND_REQUEST_SCHEMA: Schema = {
  type: 'object',
  description: 'One message to one or more recipients. Either `subject` and `text`/`html`, or `template_id`. Every problem is reported with its field path.',
  properties: {
    from: address,
    to: nullable(addresses),
    cc: nullable(addresses),
    bcc: nullable(addresses),
    reply_to: nullable(addresses),
    subject: nullable({ type: 'string', maxLength: 998 }),
    text: nullable({ type: 'string' }),
    html: nullable({ type: 'string' }),
    headers: nullable({ type: 'object', additionalProperties: { type: 'string' }, description: 'Extra headers; Bcc, Content-*, DKIM-Signature, ARC-* and X-Txmail-* cannot be set.' }),
    attachments: nullable({
      type: 'array',
      items: {
        type: 'object',
        properties: {
          [a.filename]: { type: 'string', minLength: 1, maxLength: 255 },
          [a.content]: { type: 'string', minLength: 1, contentEncoding: 'base64' },
          [a.contentType]: { type: 'string' },
          [a.contentId]: { type: 'string' },
          [a.disposition]: { enum: ['attachment', 'inline'] },
        },
        required: [a.filename, a.content],
        additionalProperties: false,
      },
    }),
    tags: nullable({ type: 'array', maxItems: 10, items: { type: 'string', minLength: 1, maxLength: 128 } }),
    metadata: nullable({ type: 'object', maxProperties: 50, propertyNames: { maxLength: 128 }, additionalProperties: { type: 'string' } }),
    send_at: nullable({
      anyOf: [
        { type: 'string', description: 'ISO-8601 timestamp with a time zone.' },
        { type: 'number', minimum: 0, description: 'Unix time in seconds.' },
      ],
    }),
    bulk: nullable({ type: 'boolean', description: 'Marks the message `Precedence: bulk`.' }),
    template_id: nullable({ type: 'string', description: 'A stored template, by id or name.' }),
    template_version: nullable({ type: 'integer', minimum: 1 }),
    template_data: nullable({ type: 'object' }),
    recipient_data: nullable({ type: 'object', additionalProperties: { type: 'object' }, description: 'Per-recipient template data, keyed by recipient address.' }),
    template_strict: nullable({ type: 'boolean' }),
    tracking: nullable({
      type: 'object',
      properties: { opens: { type: 'boolean' }, clicks: { type: 'boolean' } },
      additionalProperties: false,
    }),
  },
  required: ['from'],
  additionalProperties: false,
};
