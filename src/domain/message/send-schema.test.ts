// One table, two judges: the hand-written validator (parseSendRequest) and the JSON Schema the
// OpenAPI document publishes (SEND_REQUEST_SCHEMA, checked by Ajv). They must agree on every
// row, so a field added, renamed or retyped in one and not the other fails here. Rows refused
// for semantics the schema cannot say (address syntax, header rules) are validate.test.ts's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { NATIVE_FIELDS, parseSendRequest, type SendLimits } from './validate.js';
import { SEND_REQUEST_SCHEMA } from './send-schema.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const LIMITS: SendLimits = { maxRecipients: 50, maxMessageBytes: 100_000, maxScheduleAheadMs: 3 * 86_400_000 };
const BASE = { from: 'sender@example.com', to: 'rcpt@example.org', subject: 'Hello', text: 'Hi' };
const PDF = Buffer.from('%PDF').toString('base64');

const ACCEPTED: ReadonlyArray<Record<string, unknown>> = [
  {},
  { cc: null, bcc: null, reply_to: null, html: null, headers: null, attachments: null, tags: null, metadata: null, send_at: null },
  { from: { email: 'a@b.com', name: 'A' }, to: ['x@y.com', { email: 'z@y.com' }], cc: 'c@d.com', bcc: ['e@f.com'], reply_to: 'r@s.com' },
  { html: '<p>x</p>', text: undefined, headers: { 'X-Campaign': 'spring' }, tags: ['a', 'b'], metadata: { order: '42' } },
  { attachments: [{ filename: 'a.pdf', content: PDF, content_type: 'application/pdf', content_id: 'logo', disposition: 'inline' }] },
  { send_at: '2025-01-16T10:00:00Z' },
  { send_at: Math.floor(NOW / 1000) + 60 },
  { bulk: true, tracking: { opens: true, clicks: false } },
  { subject: undefined, text: undefined, template_id: 'welcome', template_version: 2, template_data: { name: 'A' }, recipient_data: { 'rcpt@example.org': { name: 'B' } }, template_strict: true },
];

const SHAPE_REFUSED: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ['unknown field', { foo: 1 }],
  ['camelCase field', { replyTo: 'a@b.com' }],
  ['from missing', { from: undefined }],
  ['from is a number', { from: 42 }],
  ['unknown key in address object', { from: { email: 'a@b.com', nmae: 'A' } }],
  ['address object without email', { from: { name: 'A' } }],
  ['display name too long', { from: { email: 'a@b.com', name: 'x'.repeat(257) } }],
  ['subject too long', { subject: 'x'.repeat(999) }],
  ['html not a string', { html: { body: 'x' } }],
  ['headers as array', { headers: [{ name: 'X-A', value: '1' }] }],
  ['attachments not an array', { attachments: { filename: 'a' } }],
  ['attachment without filename', { attachments: [{ content: PDF }] }],
  ['empty attachment content', { attachments: [{ filename: 'a', content: '' }] }],
  ['camelCase attachment key', { attachments: [{ filename: 'a', content: PDF, contentType: 'x/y' }] }],
  ['bad disposition', { attachments: [{ filename: 'a', content: PDF, disposition: 'attached' }] }],
  ['too many tags', { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }],
  ['empty tag', { tags: [''] }],
  ['tag too long', { tags: ['x'.repeat(129)] }],
  ['metadata value not a string', { metadata: { order: 42 } }],
  ['too many metadata keys', { metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }],
  ['metadata key too long', { metadata: { ['k'.repeat(129)]: 'v' } }],
  ['send_at boolean', { send_at: true }],
  ['send_at negative', { send_at: -1 }],
  ['bulk not a boolean', { bulk: 'yes' }],
  ['template_version zero', { template_id: 't', template_version: 0 }],
  ['tracking with an unknown key', { tracking: { open: true } }],
  ['tracking not a boolean', { tracking: { opens: 'yes' } }],
];

const merged = (body: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries({ ...BASE, ...body }).filter(([, v]) => v !== undefined));
const validate = new Ajv2020({ strict: false }).compile(SEND_REQUEST_SCHEMA);

test('the schema names exactly the fields the validator knows', () => {
  assert.deepEqual(Object.keys(SEND_REQUEST_SCHEMA['properties'] as object).sort(), [...NATIVE_FIELDS].sort());
});

test('requests the validator accepts, the schema accepts', () => {
  for (const body of ACCEPTED) {
    const req = merged(body);
    assert.doesNotThrow(() => parseSendRequest(req, LIMITS, NOW), JSON.stringify(req));
    assert.ok(validate(req), `${JSON.stringify(req)}: ${JSON.stringify(validate.errors)}`);
  }
});

test('requests of the wrong shape are refused by both', () => {
  for (const [name, body] of SHAPE_REFUSED) {
    const req = merged(body);
    assert.throws(() => parseSendRequest(req, LIMITS, NOW), Error, `validator accepted: ${name}`);
    assert.equal(validate(req), false, `schema accepted: ${name}`);
  }
});
