// Complaint reports (RFC 5965): each fixture as LF, CRLF and Buffer, plus the edges of the format.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ARF_FIXTURES } from '../../../test/fixtures/bounces/arf.js';
import { parseArf } from './arf.js';

for (const f of ARF_FIXTURES) {
  for (const [variant, raw] of [
    ['LF', f.raw],
    ['CRLF', f.raw.replace(/\n/g, '\r\n')],
    ['Buffer', Buffer.from(f.raw.replace(/\n/g, '\r\n'))],
  ] as const) {
    test(`parseArf: ${f.name} (${variant})`, () => {
      const a = parseArf(raw);
      assert.ok(a, `${f.name}: not recognised`);
      assert.deepEqual(
        {
          feedbackType: a.feedbackType,
          userAgent: a.userAgent,
          originalRecipient: a.originalRecipient,
          originalMailFrom: a.originalMailFrom,
          arrivalDate: a.arrivalDate,
          messageId: a.original?.messageId,
          to: a.original?.to,
          txmail: a.original?.txmail,
        },
        {
          feedbackType: f.feedbackType,
          userAgent: f.userAgent,
          originalRecipient: f.originalRecipient,
          originalMailFrom: f.originalMailFrom,
          arrivalDate: f.arrivalDate,
          messageId: f.messageId,
          to: f.to,
          txmail: f.txmail,
        },
        f.name,
      );
    });
  }
}

test('parseArf reads the optional fields of the generic report', () => {
  const a = parseArf(ARF_FIXTURES[2]?.raw ?? '');
  assert.equal(a?.feedbackTypeRaw, 'abuse');
  assert.equal(a?.version, '1');
  assert.equal(a?.sourceIp, '198.51.100.10');
  assert.equal(a?.reportingMta, 'mail.mailbox.example');
  assert.equal(a?.reportedDomain, 'acme.example');
});

const report = (fields: string): string =>
  `From: fbl@mailbox.example\nContent-Type: multipart/report; report-type=feedback-report; boundary=x\n\n--x\nContent-Type: text/plain\n\nreport\n--x\nContent-Type: message/feedback-report\n\n${fields}\n--x--\n`;

test('an unregistered feedback type is reported as other, the raw value kept', () => {
  const a = parseArf(report('Feedback-Type: opt-out\nUser-Agent: x/1\nVersion: 1\n'));
  assert.equal(a?.feedbackType, 'other');
  assert.equal(a?.feedbackTypeRaw, 'opt-out');
  assert.equal(a?.original, undefined, 'no original part');
});

test('every registered feedback type is recognised', () => {
  for (const t of ['abuse', 'fraud', 'virus', 'other', 'not-spam', 'auth-failure'] as const) {
    assert.equal(parseArf(report(`Feedback-Type: ${t}\nUser-Agent: x/1\nVersion: 1\n`))?.feedbackType, t);
  }
});

test('no feedback-report part, or no Feedback-Type, is not a complaint', () => {
  assert.equal(parseArf('From: a@example.org\nSubject: spam!\n\nThis is spam.\n'), undefined);
  assert.equal(parseArf(report('User-Agent: x/1\nVersion: 1\n')), undefined);
});
