// Accepted native requests and exactly what they normalise to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSendRequest, type SendLimits } from './validate.js';
import type { SendRequest } from './types.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const LIMITS: SendLimits = { maxRecipients: 50, maxMessageBytes: 100_000, maxScheduleAheadMs: 3 * 86_400_000 };
const BASE = { from: 'sender@example.com', to: 'rcpt@example.org', subject: 'Hello', text: 'Hi' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('minimal request', () => {
  const expected: SendRequest = {
    from: { address: 'sender@example.com', smtputf8: false },
    to: [{ address: 'rcpt@example.org', smtputf8: false }],
    cc: [],
    bcc: [],
    content: { kind: 'parts', subject: 'Hello', text: 'Hi', headers: [], attachments: [], replyTo: [] },
    tags: [],
    metadata: {},
  };
  assert.deepEqual(parseSendRequest(BASE, LIMITS, NOW), expected);
  // null is "not set" for every optional field.
  const nulls = { ...BASE, cc: null, bcc: null, reply_to: null, html: null, headers: null, attachments: null, tags: null, metadata: null, send_at: null };
  assert.deepEqual(parseSendRequest(nulls, LIMITS, NOW), expected);
});

test('full request: every field normalised', () => {
  const body = {
    from: { email: 'Jö@Bücher.de', name: '  Jöhn Dœ  ' },
    to: ['"Smith, J" <J.Smith@Example.COM>', { email: 'user@例え.jp' }],
    cc: 'Ops <ops@[192.0.2.1]>',
    bcc: ['audit@x.io', 'AUDIT@x.io'],
    reply_to: 'Support <support@example.com>',
    subject: '  Ihre Bestellung ✓\t#42 ',
    text: '',
    html: '<p>Hallo</p>',
    headers: { 'X-Campaign': 'spring', 'List-Unsubscribe': '<mailto:u@example.com>' },
    attachments: [
      { filename: 'Invoice.PDF', content: b64('%PDF') },
      { filename: 'logo.png', content: b64('PNG'), content_id: 'logo@example.com' },
      { filename: 'invite.ics', content: b64('BEGIN'), content_type: 'Text/Calendar; method=REQUEST', disposition: 'attachment' },
      { filename: 'notes', content: 'YWJj\r\nZGVm\n', content_id: 'n1', disposition: 'attachment' },
    ],
    tags: ['receipt', 'de'],
    metadata: { order_id: '42', __proto__: 'kept as a key' },
    send_at: '2025-01-16T09:30:00.250+01:00',
  };
  // JSON.parse makes "__proto__" an own key, as a real request body would.
  const parsed: unknown = JSON.parse(JSON.stringify(body).replace('"order_id":"42"', '"order_id":"42","__proto__":"kept as a key"'));
  const expected: SendRequest = {
    from: { address: 'Jö@xn--bcher-kva.de', name: 'Jöhn Dœ', smtputf8: true },
    to: [
      { address: 'J.Smith@example.com', name: 'Smith, J', smtputf8: false },
      { address: 'user@xn--r8jz45g.jp', smtputf8: false },
    ],
    cc: [{ address: 'ops@[192.0.2.1]', name: 'Ops', smtputf8: false }],
    bcc: [
      { address: 'audit@x.io', smtputf8: false },
      { address: 'AUDIT@x.io', smtputf8: false },
    ],
    content: {
      kind: 'parts',
      subject: 'Ihre Bestellung ✓\t#42',
      html: '<p>Hallo</p>',
      headers: [
        { name: 'X-Campaign', value: 'spring' },
        { name: 'List-Unsubscribe', value: '<mailto:u@example.com>' },
      ],
      attachments: [
        { filename: 'Invoice.PDF', contentType: 'application/pdf', content: Buffer.from('%PDF'), disposition: 'attachment' },
        { filename: 'logo.png', contentType: 'image/png', content: Buffer.from('PNG'), contentId: 'logo@example.com', disposition: 'inline' },
        { filename: 'invite.ics', contentType: 'text/calendar; method=REQUEST', content: Buffer.from('BEGIN'), disposition: 'attachment' },
        { filename: 'notes', contentType: 'application/octet-stream', content: Buffer.from('abcdef'), contentId: 'n1', disposition: 'attachment' },
      ],
      replyTo: [{ address: 'support@example.com', name: 'Support', smtputf8: false }],
    },
    tags: ['receipt', 'de'],
    metadata: Object.fromEntries([
      ['order_id', '42'],
      ['__proto__', 'kept as a key'],
    ]),
    sendAt: Date.UTC(2025, 0, 16, 8, 30, 0, 250),
  };
  const got = parseSendRequest(parsed, LIMITS, NOW);
  assert.deepEqual(got, expected);
  assert.equal(Object.getPrototypeOf(got.metadata), Object.prototype);
});

test('send_at: past means now, seconds and offsets convert, the limit is inclusive', () => {
  const at = (send_at: unknown): number | undefined => parseSendRequest({ ...BASE, send_at }, LIMITS, NOW).sendAt;
  assert.equal(at('2020-01-01T00:00:00Z'), undefined);
  assert.equal(at(NOW / 1000), undefined);
  assert.equal(at(NOW / 1000 + 90), NOW + 90_000);
  assert.equal(at(NOW / 1000 + 0.5), NOW + 500);
  assert.equal(at('2025-01-15T07:00:01-05:00'), NOW + 1000);
  assert.equal(at('2025-01-15t12:00:01.123456789z'), NOW + 1123);
  assert.equal(at('2025-01-18T12:00:00Z'), NOW + LIMITS.maxScheduleAheadMs);
  assert.equal(at('2025-01-15T12:01Z'), NOW + 60_000);
});

test('sizes and counts exactly at the limits are accepted', () => {
  const to = Array.from({ length: 50 }, (_, i) => `r${i}@example.org`);
  assert.equal(parseSendRequest({ ...BASE, to }, LIMITS, NOW).to.length, 50);
  // subject (5) + text: exactly the limit.
  assert.equal(parseSendRequest({ ...BASE, text: 'x'.repeat(99_995) }, LIMITS, NOW).content.kind, 'parts');
});

test('duplicate recipients across lists are kept for envelopeRecipients to dedupe', () => {
  const r = parseSendRequest({ ...BASE, to: 'a@x.com', cc: 'A@x.com', bcc: { email: 'a@x.com' } }, LIMITS, NOW);
  assert.deepEqual([...r.to, ...r.cc, ...r.bcc].map((a) => a.address), ['a@x.com', 'A@x.com', 'a@x.com']);
});

test('bulk: true marks the message with Precedence: bulk, unless the caller set a Precedence', async () => {
  const headersOf = (body: Record<string, unknown>): unknown => {
    const r = parseSendRequest({ ...BASE, ...body }, LIMITS, NOW);
    return r.content.kind === 'parts' ? r.content.headers : undefined;
  };
  assert.deepEqual(headersOf({ bulk: true }), [{ name: 'Precedence', value: 'bulk' }]);
  assert.deepEqual(headersOf({ bulk: false }), []);
  assert.deepEqual(headersOf({ bulk: null }), []);
  assert.deepEqual(headersOf({ bulk: true, headers: { Precedence: 'list' } }), [{ name: 'Precedence', value: 'list' }]);
  assert.throws(() => parseSendRequest({ ...BASE, bulk: 'yes' }, LIMITS, NOW), /bulk: must be true or false/);
});

test('tracking: per-message switches, either one alone, and what is refused', () => {
  assert.deepEqual(parseSendRequest({ ...BASE, tracking: { opens: true, clicks: false } }, LIMITS, NOW).tracking, { opens: true, clicks: false });
  assert.deepEqual(parseSendRequest({ ...BASE, tracking: { clicks: true } }, LIMITS, NOW).tracking, { clicks: true });
  assert.equal(parseSendRequest({ ...BASE, tracking: null }, LIMITS, NOW).tracking, undefined);
  assert.throws(
    () => parseSendRequest({ ...BASE, tracking: { opens: 'yes', click: true } }, LIMITS, NOW),
    (e: Error & { fields?: Array<{ path: string }> }) => JSON.stringify(e.fields?.map((f) => f.path)) === '["tracking.click","tracking.opens"]',
  );
  assert.throws(() => parseSendRequest({ ...BASE, tracking: true }, LIMITS, NOW), /tracking: must be an object/);
});
